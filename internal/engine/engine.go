// Package engine is the one place in hako that touches disk.
//
// It offers an ordered key-value store with atomic multi-key batches,
// optimistic transactions and a blob store for large values (object bodies,
// code bundles). Services keep all of their state here, under keys that
// begin with their own prefix (by convention "svc/account/region/...").
//
// # Contract
//
//   - Durability: when Apply or Update returns nil, the write is on stable
//     storage (fsync'd, possibly by a group commit shared with concurrent
//     writers) and survives kill -9 and power loss.
//   - Atomicity: a batch or transaction is applied entirely or not at all.
//   - Isolation: Update runs fn against a consistent snapshot; at commit the
//     engine checks that no key fn read (Get or Scan range) has changed
//     since, and otherwise re-runs fn (ErrConflict after too many tries).
//     fn must therefore have no side effects besides the Txn.
//   - Ordering: keys sort bytewise; Scan visits [start, end) in order (or
//     reverse order).
//   - Blobs are written to completion and synced before Commit returns an
//     id; a blob id is referenced from a key-value record written after it.
//     Orphaned blobs (written, never referenced) may be swept later.
//
// Implementations: Memory (tests, --ephemeral) and the embedded on-disk
// store (default). The same conformance suite (enginetest) runs against
// both, and will run against later backends (PostgreSQL, FoundationDB).
package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// ErrNotFound is returned by Get when the key does not exist.
var ErrNotFound = errors.New("engine: key not found")

// ErrConflict is returned by Update when the transaction kept conflicting
// with concurrent writers after all retries.
var ErrConflict = errors.New("engine: transaction conflict")

// ErrClosed is returned by every call after Close.
var ErrClosed = errors.New("engine: closed")

// Reader reads a consistent view of the store.
type Reader interface {
	// Get returns a copy of the value stored at key, or ErrNotFound.
	Get(key []byte) ([]byte, error)
	// Scan calls fn for each key in [start, end) in key order (descending
	// when reverse is true). A nil end means "no upper bound". Scan stops
	// when fn returns false or an error. k and v are only valid during the
	// call and must not be modified (on disk they may point into a
	// read-only memory map); copy them to keep them.
	Scan(start, end []byte, reverse bool, fn func(k, v []byte) (more bool, err error)) error
}

// Txn is an optimistic read-write transaction. Reads see the snapshot the
// transaction started from plus the transaction's own writes.
type Txn interface {
	Reader
	Set(key, value []byte)
	Delete(key []byte)
	// DeleteRange deletes every key in [start, end); as in Scan, a nil end
	// means "no upper bound".
	DeleteRange(start, end []byte)
}

// Batch is a set of writes applied atomically, without reads.
type Batch struct {
	Ops []Op
}

// Op is one write in a Batch.
type Op struct {
	Kind  OpKind
	Key   []byte
	Value []byte // Set only
	End   []byte // DeleteRange only: exclusive end of the range
}

// OpKind says what an Op does.
type OpKind uint8

const (
	OpSet OpKind = iota
	OpDelete
	OpDeleteRange
)

// Set appends a set operation.
func (b *Batch) Set(key, value []byte) {
	b.Ops = append(b.Ops, Op{Kind: OpSet, Key: key, Value: value})
}

// Delete appends a delete operation.
func (b *Batch) Delete(key []byte) { b.Ops = append(b.Ops, Op{Kind: OpDelete, Key: key}) }

// DeleteRange appends a range deletion of [start, end) (nil end: no upper
// bound).
func (b *Batch) DeleteRange(start, end []byte) {
	b.Ops = append(b.Ops, Op{Kind: OpDeleteRange, Key: start, End: end})
}

// Engine is the durable state store.
type Engine interface {
	Reader
	// Apply writes b atomically and durably.
	Apply(ctx context.Context, b *Batch) error
	// Update runs fn in an optimistic transaction and commits it durably.
	// If fn returns an error nothing is written and that error is returned.
	Update(ctx context.Context, fn func(tx Txn) error) error
	// View runs fn against a consistent snapshot.
	View(fn func(r Reader) error) error
	// Blobs is the blob store that belongs to this engine.
	Blobs() BlobStore
	// Reset deletes every key and blob (used by POST /_hako/reset).
	Reset(ctx context.Context) error
	// Close flushes and releases everything. Calls after Close fail with
	// ErrClosed.
	Close() error
}

// BlobStore keeps large immutable values outside the key-value store.
type BlobStore interface {
	// Create starts a new blob. Write to it, then Commit (durable, returns
	// the id) or Abort.
	Create() (BlobWriter, error)
	// Open opens a committed blob for reading.
	Open(id string) (Blob, error)
	// Delete removes a blob; deleting a missing blob is not an error.
	Delete(id string) error
}

// BlobWriter receives a blob's bytes.
type BlobWriter interface {
	io.Writer
	// Commit syncs the blob to stable storage and returns its id.
	Commit() (id string, err error)
	// Abort discards the blob.
	Abort() error
}

// Blob is a committed blob opened for reading.
type Blob interface {
	io.ReadSeekCloser
	io.ReaderAt
	Size() int64
}

// PrefixEnd returns the smallest key greater than every key that begins
// with p (nil when there is none): the end of a Scan over a prefix.
func PrefixEnd(p []byte) []byte {
	end := append([]byte(nil), p...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xFF {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// GetJSON reads the JSON record at key into v; false (and no error) when
// there is none. Services keep their records as JSON.
func GetJSON(r Reader, key []byte, v any) (bool, error) {
	b, err := r.Get(key)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return false, fmt.Errorf("record %q: %w", key, err)
	}
	return true, nil
}

// MustJSON encodes a record. Records are plain structs, so encoding
// cannot fail; a value that does is a programming error.
func MustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
