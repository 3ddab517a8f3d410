package engine

// Blob ids, and the on-disk blob store: one file per blob under dir/blobs/.
// Large values (object bodies, code bundles) stay out of the B-tree so they
// neither bloat its pages nor pass through the write path of every commit;
// a blob is made durable by itself, then referenced from a key written
// afterwards.
//
// Crash safety: bytes go to a temp file in the same directory, which is
// fsync'd, renamed to its random id, and the directory is fsync'd, all before
// Commit returns. A crash leaves at worst a temp file (swept at Open) or an
// unreferenced blob (allowed by the contract).

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

var errBlobDone = errors.New("engine: blob writer already committed or aborted")

const tmpBlobPrefix = "tmp-"

// newBlobID returns 128 random bits in hex: unguessable and collision-free
// without coordination, and safe as a file name.
func newBlobID() string {
	var b [16]byte
	rand.Read(b[:]) // never fails (crypto/rand panics instead)
	return hex.EncodeToString(b[:])
}

// validBlobID keeps ids to what newBlobID makes, so an id from a request can
// never name a temp file or escape the blob directory.
func validBlobID(id string) bool {
	if len(id) != 32 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// syncDir makes renames and creations inside dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

type fileBlobs struct {
	dir  string
	life *lifecycle
}

// sweepTemp removes temp files left by a crash. Only safe while no writer
// can be active, i.e. during Open.
func (s *fileBlobs) sweepTemp() error {
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), tmpBlobPrefix) {
			if err := os.Remove(filepath.Join(s.dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
	}
	return nil
}

// removeAll deletes every committed blob (Reset). Temp files of writers in
// flight are left to them; a blob they commit later is simply newer than
// the reset.
func (s *fileBlobs) removeAll() error {
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if validBlobID(e.Name()) {
			if err := os.Remove(filepath.Join(s.dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
	}
	return nil
}

func (s *fileBlobs) Create() (BlobWriter, error) {
	if s.life.isClosed() {
		return nil, ErrClosed
	}
	f, err := os.CreateTemp(s.dir, tmpBlobPrefix+"*")
	if err != nil {
		return nil, err
	}
	return &fileBlobWriter{s: s, f: f}, nil
}

func (s *fileBlobs) Open(id string) (Blob, error) {
	if s.life.isClosed() {
		return nil, ErrClosed
	}
	if !validBlobID(id) {
		return nil, fmt.Errorf("engine: blob %q: %w", id, ErrNotFound)
	}
	f, err := os.Open(filepath.Join(s.dir, id))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("engine: blob %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	return fileBlob{File: f, size: st.Size()}, nil
}

// Delete does not sync the directory: if a crash undoes the removal, the
// blob comes back unreferenced, which the contract already tolerates.
func (s *fileBlobs) Delete(id string) error {
	if s.life.isClosed() {
		return ErrClosed
	}
	if !validBlobID(id) {
		return nil // no such blob can exist
	}
	err := os.Remove(filepath.Join(s.dir, id))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

type fileBlob struct {
	*os.File
	size int64
}

func (b fileBlob) Size() int64 { return b.size }

type fileBlobWriter struct {
	s    *fileBlobs
	f    *os.File
	done bool
}

func (w *fileBlobWriter) Write(p []byte) (int, error) {
	if w.done {
		return 0, errBlobDone
	}
	return w.f.Write(p)
}

func (w *fileBlobWriter) Commit() (id string, err error) {
	if w.done {
		return "", errBlobDone
	}
	w.done = true
	tmp := w.f.Name()
	defer func() {
		if err != nil {
			os.Remove(tmp)
		}
	}()
	if w.s.life.isClosed() {
		w.f.Close()
		return "", ErrClosed
	}
	if err := w.f.Sync(); err != nil {
		w.f.Close()
		return "", err
	}
	if err := w.f.Close(); err != nil {
		return "", err
	}
	id = newBlobID()
	if err := os.Rename(tmp, filepath.Join(w.s.dir, id)); err != nil {
		return "", err
	}
	if err := syncDir(w.s.dir); err != nil {
		// The rename may or may not survive a crash; the caller will not
		// reference id, so it would only be an orphan.
		os.Remove(filepath.Join(w.s.dir, id))
		return "", err
	}
	return id, nil
}

func (w *fileBlobWriter) Abort() error {
	if w.done {
		return nil
	}
	w.done = true
	w.f.Close()
	return os.Remove(w.f.Name())
}
