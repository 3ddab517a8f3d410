package engine

// This file holds what the Memory and on-disk engines share: checking
// writes before they reach a backend, the optimistic transaction (buffered
// writes plus a record of everything read), read-set validation, the retry
// loop of Update, and the open/closed bookkeeping. Keeping it in one place is
// what lets the conformance suite hold both engines to exactly the same
// semantics.

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"sync"

	"github.com/google/btree"
)

// ErrInvalidKey is returned (wrapped) for a write the store cannot hold: an
// empty key, a key longer than MaxKeySize or a value longer than
// MaxValueSize. Both engines enforce the same limits so that code tested
// against Memory does not fail later on disk.
var ErrInvalidKey = errors.New("engine: invalid key or value")

const (
	// MaxKeySize is the longest key any engine accepts (bbolt's limit).
	MaxKeySize = 32 << 10
	// MaxValueSize is the longest value any engine accepts (bbolt's limit).
	// Large values belong in the blob store anyway.
	MaxValueSize = 1<<31 - 2
)

// Update retry policy. The first attempts are purely optimistic; a
// transaction that keeps losing then runs exclusively (no other Update may
// start or commit meanwhile), which bounds starvation under heavy contention
// on one hot key. Only plain Apply and Reset can still make an exclusive
// attempt conflict, so maxAttempts is rarely reached.
const (
	optimisticAttempts = 4
	maxAttempts        = 16
)

// errConflict is what a backend's commit returns when the read set no
// longer holds; Update turns it into a retry.
var errConflict = errors.New("engine: read set changed")

// errTxnDone guards against using a Txn or Reader after the callback it was
// passed to has returned (its snapshot is gone by then).
var errTxnDone = errors.New("engine: transaction or view used after its function returned")

// checkBatch rejects writes a backend could not store, before anything is
// written, so that a batch fails as a whole and a group commit never has to
// unwind because of one bad member.
func checkBatch(b *Batch) error {
	if b == nil {
		return nil
	}
	for i := range b.Ops {
		op := &b.Ops[i]
		switch op.Kind {
		case OpSet:
			if err := checkKey(op.Key); err != nil {
				return err
			}
			if len(op.Value) > MaxValueSize {
				return fmt.Errorf("%w: value of %d bytes", ErrInvalidKey, len(op.Value))
			}
		case OpDelete:
			if err := checkKey(op.Key); err != nil {
				return err
			}
		case OpDeleteRange:
			// Any bounds: an empty start means "from the first key" and a
			// nil end "to the last", as in Scan.
		default:
			return fmt.Errorf("engine: unknown op kind %d", op.Kind)
		}
	}
	return nil
}

func checkKey(k []byte) error {
	if len(k) == 0 {
		return fmt.Errorf("%w: empty key", ErrInvalidKey)
	}
	if len(k) > MaxKeySize {
		return fmt.Errorf("%w: key of %d bytes", ErrInvalidKey, len(k))
	}
	return nil
}

// inRange reports whether k lies in [start, end); nil end is unbounded.
func inRange(k, start, end []byte) bool {
	return bytes.Compare(k, start) >= 0 && (end == nil || bytes.Compare(k, end) < 0)
}

// emptyRange reports whether [start, end) can hold no key.
func emptyRange(start, end []byte) bool {
	return end != nil && bytes.Compare(start, end) >= 0
}

func clone(b []byte) []byte { return append([]byte{}, b...) }

// source is read access to one consistent state of a backend: the snapshot
// a transaction reads from, or the latest state a commit validates against.
// Slices it hands out are only valid until the next call and must not be
// modified (on disk they point into a read-only mmap).
type source interface {
	get(key []byte) (val []byte, ok bool, err error)
	scan(start, end []byte, reverse bool, fn func(k, v []byte) (bool, error)) error
}

// reader adapts a source to the public Reader for View and the engines' own
// Get/Scan: it copies values out of Get and refuses use after the View
// callback returned.
type reader struct {
	src  source
	done bool
}

func (r *reader) Get(key []byte) ([]byte, error) {
	if r.done {
		return nil, errTxnDone
	}
	v, ok, err := r.src.get(key)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrNotFound
	}
	return clone(v), nil
}

func (r *reader) Scan(start, end []byte, reverse bool, fn func(k, v []byte) (bool, error)) error {
	if r.done {
		return errTxnDone
	}
	if emptyRange(start, end) {
		return nil
	}
	return r.src.scan(start, end, reverse, fn)
}

// hashSeed is fixed for the process so that a read recorded during fn and
// its re-read at commit hash alike.
var hashSeed = maphash.MakeSeed()

// readRecord is one read a transaction made from its snapshot, kept as a
// digest instead of the data: validation re-reads the same thing from the
// latest state and compares digests. Comparing contents rather than version
// numbers keeps the stored format plain key/value (any backend, including
// later ones, can validate this way); a write that restores the very value a
// transaction read is then correctly not a conflict. The 64-bit digest makes
// a missed conflict a ~2^-64 event.
type readRecord struct {
	get     bool   // a point read of start; otherwise a range [start, end)
	start   []byte // owned copy
	end     []byte // owned copy; nil = unbounded
	reverse bool   // scan direction, so the re-scan hashes in the same order
	sum     uint64
	n       int // pairs seen, a cheap extra check
}

func hashPair(h *maphash.Hash, k, v []byte) {
	// Length prefixes keep ("ab","c") and ("a","bc") apart.
	var lens [2 * binary.MaxVarintLen64]byte
	n := binary.PutUvarint(lens[:], uint64(len(k)))
	n += binary.PutUvarint(lens[n:], uint64(len(v)))
	h.Write(lens[:n])
	h.Write(k)
	h.Write(v)
}

func sumGet(v []byte, ok bool) uint64 {
	var h maphash.Hash
	h.SetSeed(hashSeed)
	if ok {
		h.WriteByte(1)
		h.Write(v)
	} else {
		h.WriteByte(0)
	}
	return h.Sum64()
}

// stillHolds re-reads r from src (the latest committed state, inside the
// backend's commit serialization) and reports whether it reads the same.
func (r *readRecord) stillHolds(src source) (bool, error) {
	if r.get {
		v, ok, err := src.get(r.start)
		if err != nil {
			return false, err
		}
		return sumGet(v, ok) == r.sum, nil
	}
	var h maphash.Hash
	h.SetSeed(hashSeed)
	n := 0
	err := src.scan(r.start, r.end, r.reverse, func(k, v []byte) (bool, error) {
		hashPair(&h, k, v)
		n++
		return true, nil
	})
	if err != nil {
		return false, err
	}
	return n == r.n && h.Sum64() == r.sum, nil
}

// validate reports whether every read still holds.
func validate(src source, reads []readRecord) (bool, error) {
	for i := range reads {
		ok, err := reads[i].stillHolds(src)
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

// pendingWrite is a buffered point write of a transaction.
type pendingWrite struct {
	key   []byte
	value []byte
	del   bool
}

func lessPending(a, b pendingWrite) bool { return bytes.Compare(a.key, b.key) < 0 }

// span is a buffered DeleteRange.
type span struct{ start, end []byte }

// txn is the Txn both engines hand to Update's fn. Writes are buffered: point
// writes in an ordered tree (so Scan can merge them with the snapshot), range
// deletions in a list. A point write made after a DeleteRange overrides it,
// and DeleteRange drops the point writes it covers, so "point first, else
// range, else snapshot" is always the transaction's own view.
//
// A txn is not safe for concurrent use, like the rest of fn's state.
type txn struct {
	src    source
	points *btree.BTreeG[pendingWrite]
	ranges []span
	reads  []readRecord
	err    error // first rejected write; Update returns it instead of committing
	done   bool
}

func newTxn(src source) *txn {
	return &txn{src: src, points: btree.NewG(16, lessPending)}
}

func (t *txn) deletedByRange(k []byte) bool {
	for _, r := range t.ranges {
		if inRange(k, r.start, r.end) {
			return true
		}
	}
	return false
}

func (t *txn) Get(key []byte) ([]byte, error) {
	if t.done {
		return nil, errTxnDone
	}
	if p, ok := t.points.Get(pendingWrite{key: key}); ok {
		if p.del {
			return nil, ErrNotFound
		}
		return clone(p.value), nil
	}
	if t.deletedByRange(key) {
		return nil, ErrNotFound
	}
	v, ok, err := t.src.get(key)
	if err != nil {
		return nil, err
	}
	t.reads = append(t.reads, readRecord{get: true, start: clone(key), sum: sumGet(v, ok)})
	if !ok {
		return nil, ErrNotFound
	}
	return clone(v), nil
}

// Scan merges the snapshot with the buffered writes. It records as read
// exactly the part of the range it covered: all of [start, end) when it ran
// to the end, otherwise up to and including the key at which fn stopped. The
// digest covers every snapshot pair in that part, including pairs hidden by
// the transaction's own writes (a conservative over-approximation).
func (t *txn) Scan(start, end []byte, reverse bool, fn func(k, v []byte) (bool, error)) error {
	if t.done {
		return errTxnDone
	}
	if emptyRange(start, end) {
		return nil
	}
	// The buffered point writes inside the range, in visiting order. Copied
	// up front so fn may write to the transaction while scanning.
	var pend []pendingWrite
	collect := func(p pendingWrite) bool { pend = append(pend, p); return true }
	if end == nil {
		t.points.AscendGreaterOrEqual(pendingWrite{key: start}, collect)
	} else {
		t.points.AscendRange(pendingWrite{key: start}, pendingWrite{key: end}, collect)
	}
	if reverse {
		for i, j := 0, len(pend)-1; i < j; i, j = i+1, j-1 {
			pend[i], pend[j] = pend[j], pend[i]
		}
	}
	before := func(a, b []byte) bool {
		if reverse {
			return bytes.Compare(a, b) > 0
		}
		return bytes.Compare(a, b) < 0
	}

	var h maphash.Hash
	h.SetSeed(hashSeed)
	seen := 0
	var stopKey []byte // set when fn stopped the scan
	emit := func(k, v []byte) (bool, error) {
		more, err := fn(k, v)
		if !more || err != nil {
			stopKey = clone(k)
			return false, err
		}
		return true, nil
	}
	i := 0
	err := t.src.scan(start, end, reverse, func(k, v []byte) (bool, error) {
		for i < len(pend) && before(pend[i].key, k) {
			p := pend[i]
			i++
			if p.del {
				continue
			}
			if more, err := emit(p.key, p.value); !more {
				return false, err
			}
		}
		hashPair(&h, k, v)
		seen++
		if i < len(pend) && bytes.Equal(pend[i].key, k) {
			p := pend[i]
			i++
			if p.del {
				return true, nil
			}
			return emit(p.key, p.value)
		}
		if t.deletedByRange(k) {
			return true, nil
		}
		return emit(k, v)
	})
	for ; err == nil && stopKey == nil && i < len(pend); i++ {
		if p := pend[i]; !p.del {
			_, err = emit(p.key, p.value)
		}
	}
	if stopKey == nil && err != nil {
		return err // the snapshot itself failed; nothing to record
	}
	rec := readRecord{start: clone(start), reverse: reverse, sum: h.Sum64(), n: seen}
	if end != nil {
		rec.end = clone(end)
	}
	if stopKey != nil {
		if reverse {
			rec.start = stopKey
		} else {
			rec.end = append(stopKey, 0) // the key right after stopKey
		}
	}
	t.reads = append(t.reads, rec)
	return err
}

func (t *txn) Set(key, value []byte) {
	if t.done || t.err != nil {
		return
	}
	if err := checkKey(key); err != nil {
		t.err = err
		return
	}
	if len(value) > MaxValueSize {
		t.err = fmt.Errorf("%w: value of %d bytes", ErrInvalidKey, len(value))
		return
	}
	// Copies: the caller may reuse its buffers before the commit.
	t.points.ReplaceOrInsert(pendingWrite{key: clone(key), value: clone(value)})
}

func (t *txn) Delete(key []byte) {
	if t.done || t.err != nil {
		return
	}
	if err := checkKey(key); err != nil {
		t.err = err
		return
	}
	t.points.ReplaceOrInsert(pendingWrite{key: clone(key), del: true})
}

func (t *txn) DeleteRange(start, end []byte) {
	if t.done || t.err != nil || emptyRange(start, end) {
		return
	}
	var drop []pendingWrite
	collect := func(p pendingWrite) bool { drop = append(drop, p); return true }
	if end == nil {
		t.points.AscendGreaterOrEqual(pendingWrite{key: start}, collect)
	} else {
		t.points.AscendRange(pendingWrite{key: start}, pendingWrite{key: end}, collect)
	}
	for _, p := range drop {
		t.points.Delete(p)
	}
	s := span{start: clone(start)}
	if end != nil {
		s.end = clone(end)
	}
	t.ranges = append(t.ranges, s)
}

// ops turns the buffered writes into a batch with the same effect: range
// deletions first, then point writes (which, by construction, all came
// after any range deletion covering them).
func (t *txn) ops() []Op {
	ops := make([]Op, 0, len(t.ranges)+t.points.Len())
	for _, r := range t.ranges {
		ops = append(ops, Op{Kind: OpDeleteRange, Key: r.start, End: r.end})
	}
	t.points.Ascend(func(p pendingWrite) bool {
		if p.del {
			ops = append(ops, Op{Kind: OpDelete, Key: p.key})
		} else {
			ops = append(ops, Op{Kind: OpSet, Key: p.key, Value: p.value})
		}
		return true
	})
	return ops
}

// txnBackend is what an engine provides to the shared Update loop.
type txnBackend interface {
	// snapshot opens a consistent read view; release must be called once.
	snapshot() (src source, release func(), err error)
	// commit re-checks reads against the latest state and, if they all
	// still hold, applies ops durably, both inside the backend's commit
	// serialization. It returns errConflict when a read no longer holds.
	commit(reads []readRecord, ops []Op) error
}

// runUpdate is Update for both engines. gate serializes transactions that
// have given up on optimism: ordinary attempts share it, exclusive ones own
// it. fn must not call Update itself (see the package contract: no side
// effects besides the Txn), or an exclusive attempt could wait on it forever.
func runUpdate(ctx context.Context, b txnBackend, gate *sync.RWMutex, fn func(Txn) error) error {
	for attempt := 0; attempt < maxAttempts; attempt++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		exclusive := attempt >= optimisticAttempts
		if exclusive {
			gate.Lock()
		} else {
			gate.RLock()
		}
		err := attemptUpdate(b, fn)
		if exclusive {
			gate.Unlock()
		} else {
			gate.RUnlock()
		}
		if err != errConflict {
			return err
		}
	}
	return ErrConflict
}

func attemptUpdate(b txnBackend, fn func(Txn) error) error {
	src, release, err := b.snapshot()
	if err != nil {
		return err
	}
	t := newTxn(src)
	func() {
		// Deferred so a panicking fn does not leak the snapshot (on disk an
		// open read transaction would pin pages and block remapping).
		defer release()
		defer func() { t.done = true }()
		err = fn(t)
	}()
	if err != nil {
		return err
	}
	if t.err != nil {
		return t.err
	}
	ops := t.ops()
	if len(ops) == 0 {
		// Read-only: the snapshot was consistent, nothing to make durable.
		return nil
	}
	return b.commit(t.reads, ops)
}

// lifecycle lets Close wait for calls in flight and makes every later call
// fail with ErrClosed. A counter rather than an RWMutex held by callers,
// because a View callback calling back into the engine would deadlock
// against a Close waiting between the two read locks.
type lifecycle struct {
	mu     sync.Mutex
	idle   sync.Cond
	closed bool
	busy   int
}

func (l *lifecycle) enter() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return ErrClosed
	}
	l.busy++
	return nil
}

func (l *lifecycle) exit() {
	l.mu.Lock()
	l.busy--
	if l.busy == 0 && l.idle.L != nil {
		l.idle.Broadcast()
	}
	l.mu.Unlock()
}

func (l *lifecycle) isClosed() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.closed
}

// close marks the engine closed and waits for calls in flight. It returns
// ErrClosed if it was already closed.
func (l *lifecycle) close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return ErrClosed
	}
	l.closed = true
	l.idle.L = &l.mu
	for l.busy > 0 {
		l.idle.Wait()
	}
	return nil
}
