package engine

// Memory is the engine behind tests and --ephemeral: nothing touches disk,
// but everything else (ordering, snapshots, optimistic transactions, blob
// semantics, ErrClosed) behaves like the on-disk engine, because the same
// conformance suite runs against both.
//
// The key space is a copy-on-write B-tree (github.com/google/btree). A
// snapshot is a lazy Clone taken under the lock: O(1), after which the
// snapshot's nodes are never mutated (the live tree copies any shared node
// before changing it), so readers iterate it without holding any lock while
// writers go on.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/google/btree"
)

type kv struct{ key, val []byte }

func lessKV(a, b kv) bool { return bytes.Compare(a.key, b.key) < 0 }

// memory implements Engine in memory.
type memory struct {
	life  lifecycle
	gate  sync.RWMutex // see runUpdate
	mu    sync.Mutex   // guards tree (including Clone, which marks it shared)
	tree  *btree.BTreeG[kv]
	blobs memBlobs
}

// NewMemory returns an empty in-memory Engine. Its contents are lost when
// the process exits; writes are "durable" as soon as they return.
func NewMemory() Engine {
	m := &memory{tree: btree.NewG(32, lessKV)}
	m.blobs = memBlobs{life: &m.life, m: map[string][]byte{}}
	return m
}

func (m *memory) clone() *btree.BTreeG[kv] {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.tree.Clone()
}

func (m *memory) Get(key []byte) ([]byte, error) {
	if err := m.life.enter(); err != nil {
		return nil, err
	}
	defer m.life.exit()
	m.mu.Lock()
	defer m.mu.Unlock()
	it, ok := m.tree.Get(kv{key: key})
	if !ok {
		return nil, ErrNotFound
	}
	return clone(it.val), nil
}

func (m *memory) Scan(start, end []byte, reverse bool, fn func(k, v []byte) (bool, error)) error {
	if err := m.life.enter(); err != nil {
		return err
	}
	defer m.life.exit()
	// Iterate a snapshot so fn may call back into the engine (even write)
	// without deadlocking on m.mu.
	r := reader{src: memSource{m.clone()}}
	return r.Scan(start, end, reverse, fn)
}

func (m *memory) Apply(ctx context.Context, b *Batch) error {
	if err := checkBatch(b); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := m.life.enter(); err != nil {
		return err
	}
	defer m.life.exit()
	if b == nil || len(b.Ops) == 0 {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.apply(b.Ops, true)
	return nil
}

// apply runs ops against the live tree; m.mu must be held. copyIn is set
// when the slices belong to the caller (Apply), who may reuse them.
func (m *memory) apply(ops []Op, copyIn bool) {
	for _, op := range ops {
		switch op.Kind {
		case OpSet:
			k, v := op.Key, op.Value
			if copyIn || v == nil {
				k, v = clone(k), clone(v)
			}
			m.tree.ReplaceOrInsert(kv{key: k, val: v})
		case OpDelete:
			m.tree.Delete(kv{key: op.Key})
		case OpDeleteRange:
			var doomed []kv
			memSource{m.tree}.scan(op.Key, op.End, false, func(k, _ []byte) (bool, error) {
				doomed = append(doomed, kv{key: k})
				return true, nil
			})
			for _, d := range doomed {
				m.tree.Delete(d)
			}
		}
	}
}

func (m *memory) Update(ctx context.Context, fn func(tx Txn) error) error {
	if err := m.life.enter(); err != nil {
		return err
	}
	defer m.life.exit()
	return runUpdate(ctx, memBackend{m}, &m.gate, fn)
}

// memBackend gives runUpdate snapshots and an atomic validate-and-apply.
type memBackend struct{ m *memory }

func (b memBackend) snapshot() (source, func(), error) {
	return memSource{b.m.clone()}, func() {}, nil
}

func (b memBackend) commit(reads []readRecord, ops []Op) error {
	b.m.mu.Lock()
	defer b.m.mu.Unlock()
	ok, err := validate(memSource{b.m.tree}, reads)
	if err != nil {
		return err
	}
	if !ok {
		return errConflict
	}
	b.m.apply(ops, false) // txn.ops already owns copies
	return nil
}

func (m *memory) View(fn func(r Reader) error) error {
	if err := m.life.enter(); err != nil {
		return err
	}
	defer m.life.exit()
	r := &reader{src: memSource{m.clone()}}
	defer func() { r.done = true }()
	return fn(r)
}

func (m *memory) Blobs() BlobStore { return &m.blobs }

func (m *memory) Reset(ctx context.Context) error {
	if err := m.life.enter(); err != nil {
		return err
	}
	defer m.life.exit()
	m.mu.Lock()
	m.tree = btree.NewG(32, lessKV)
	m.mu.Unlock()
	m.blobs.mu.Lock()
	m.blobs.m = map[string][]byte{}
	m.blobs.mu.Unlock()
	return nil
}

func (m *memory) Close() error {
	if err := m.life.close(); err != nil {
		return err
	}
	m.mu.Lock()
	m.tree = nil // let the data go even if the Engine value lingers
	m.mu.Unlock()
	m.blobs.mu.Lock()
	m.blobs.m = nil
	m.blobs.mu.Unlock()
	return nil
}

// memSource reads one B-tree (a snapshot, or the live tree under m.mu).
type memSource struct{ t *btree.BTreeG[kv] }

func (s memSource) get(key []byte) ([]byte, bool, error) {
	it, ok := s.t.Get(kv{key: key})
	return it.val, ok, nil
}

func (s memSource) scan(start, end []byte, reverse bool, fn func(k, v []byte) (bool, error)) error {
	var err error
	visit := func(it kv) bool {
		var more bool
		more, err = fn(it.key, it.val)
		return more && err == nil
	}
	switch {
	case !reverse && end == nil:
		s.t.AscendGreaterOrEqual(kv{key: start}, visit)
	case !reverse:
		s.t.AscendRange(kv{key: start}, kv{key: end}, visit)
	default:
		// Walk down from end (or the last key), skipping end itself since
		// the range is half-open, and stop below start.
		down := func(it kv) bool {
			if end != nil && bytes.Equal(it.key, end) {
				return true
			}
			if bytes.Compare(it.key, start) < 0 {
				return false
			}
			return visit(it)
		}
		if end == nil {
			s.t.Descend(down)
		} else {
			s.t.DescendLessOrEqual(kv{key: end}, down)
		}
	}
	return err
}

// memBlobs keeps committed blobs as byte slices. Committed slices are never
// modified, so readers share them without copying.
type memBlobs struct {
	life *lifecycle
	mu   sync.Mutex
	m    map[string][]byte
}

func (s *memBlobs) Create() (BlobWriter, error) {
	if s.life.isClosed() {
		return nil, ErrClosed
	}
	return &memBlobWriter{s: s}, nil
}

func (s *memBlobs) Open(id string) (Blob, error) {
	if s.life.isClosed() {
		return nil, ErrClosed
	}
	s.mu.Lock()
	b, ok := s.m[id]
	s.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("engine: blob %q: %w", id, ErrNotFound)
	}
	return &memBlob{r: bytes.NewReader(b), size: int64(len(b))}, nil
}

func (s *memBlobs) Delete(id string) error {
	if s.life.isClosed() {
		return ErrClosed
	}
	s.mu.Lock()
	delete(s.m, id)
	s.mu.Unlock()
	return nil
}

type memBlobWriter struct {
	s    *memBlobs
	buf  []byte
	done bool
}

func (w *memBlobWriter) Write(p []byte) (int, error) {
	if w.done {
		return 0, errBlobDone
	}
	w.buf = append(w.buf, p...)
	return len(p), nil
}

func (w *memBlobWriter) Commit() (string, error) {
	if w.done {
		return "", errBlobDone
	}
	w.done = true
	if w.s.life.isClosed() {
		return "", ErrClosed
	}
	id := newBlobID()
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	if w.s.m == nil {
		return "", ErrClosed
	}
	w.s.m[id] = w.buf
	w.buf = nil
	return id, nil
}

func (w *memBlobWriter) Abort() error {
	w.done = true
	w.buf = nil
	return nil
}

// memBlob mirrors *os.File: reads fail once it is closed.
type memBlob struct {
	r      *bytes.Reader
	size   int64
	closed bool
}

func (b *memBlob) Read(p []byte) (int, error) {
	if b.closed {
		return 0, os.ErrClosed
	}
	return b.r.Read(p)
}

func (b *memBlob) ReadAt(p []byte, off int64) (int, error) {
	if b.closed {
		return 0, os.ErrClosed
	}
	return b.r.ReadAt(p, off)
}

func (b *memBlob) Seek(off int64, whence int) (int64, error) {
	if b.closed {
		return 0, os.ErrClosed
	}
	return b.r.Seek(off, whence)
}

func (b *memBlob) Close() error {
	if b.closed {
		return os.ErrClosed
	}
	b.closed = true
	return nil
}

func (b *memBlob) Size() int64 { return b.size }

var _ io.ReadSeekCloser = (*memBlob)(nil)
