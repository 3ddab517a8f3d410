package s3

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"reflect"
	"sync"

	"hako/internal/engine"
	"hako/internal/protocol"
	"hako/internal/protocol/checksum"
)

// maxPutSize is the largest object one PutObject (or part) may carry: 5 GiB.
const maxPutSize = 5 << 30

var copyBufs = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

// written is a body streamed into a committed blob, or held inline.
type written struct {
	Blob string
	// Data is the whole body of a small object kept in its record instead
	// of a blob (Blob is then empty).
	Data []byte
	Size int64
	MD5  []byte
	// Sums are the digests of the algorithms asked for, by algorithm.
	Sums map[string][]byte
}

func (w *written) etag() string { return `"` + hex.EncodeToString(w.MD5) + `"` }

// segment is the body as one segment of an object record.
func (w *written) segment() segment { return segment{Blob: w.Blob, Data: w.Data, Size: w.Size} }

// inlineMax is the largest body an object record holds inline. A blob
// costs two fsyncs of its own (the file, then its directory) before the
// record's group commit; an inline body rides in the group commit alone,
// which roughly doubled hako's 4 KiB PutObject rate. Kept small so the
// B-tree stays compact (listings scan it).
const inlineMax = 8 << 10

// writeBlob streams body into a new blob while hashing it (MD5 for the
// ETag and each algorithm of algs), commits the blob (durable) and returns
// what it wrote; with inline, a body of at most inlineMax bytes is kept in
// memory instead (the caller stores it in the object record). declared is
// the length the client announced (-1: none): fewer bytes is
// IncompleteBody. A read error that is an AWS error (the edge's
// aws-chunked decoder) is returned as is. Nothing is kept on error.
func (s *Service) writeBlob(body io.Reader, declared int64, algs []string, inline bool) (*written, error) {
	if declared > maxPutSize {
		return nil, protocol.Errorf("EntityTooLarge", "Your proposed upload exceeds the maximum allowed size").
			With("ProposedSize", declared).With("MaxSizeAllowed", int64(maxPutSize))
	}
	md := md5.New()
	writers := []io.Writer{md}
	hashes := map[string]hash.Hash{}
	for _, a := range algs {
		if _, dup := hashes[a]; dup {
			continue
		}
		h, ok := checksum.New(a)
		if !ok {
			return nil, ErrInvalidRequest("The %s checksum algorithm is not supported by hako.", a)
		}
		hashes[a] = h
		writers = append(writers, h)
	}
	sums := func(w *written) *written {
		w.MD5 = md.Sum(nil)
		w.Sums = map[string][]byte{}
		for a, h := range hashes {
			w.Sums[a] = h.Sum(nil)
		}
		return w
	}
	if inline && (declared < 0 || declared <= inlineMax) {
		var data []byte
		if body != nil {
			var err error
			if data, err = io.ReadAll(io.LimitReader(body, inlineMax+1)); err != nil {
				return nil, bodyError(err)
			}
		}
		if len(data) <= inlineMax {
			if declared >= 0 && int64(len(data)) < declared {
				return nil, bodyError(nil)
			}
			for _, w := range writers {
				w.Write(data)
			}
			return sums(&written{Data: data, Size: int64(len(data))}), nil
		}
		body = io.MultiReader(bytes.NewReader(data), body)
	}
	bw, err := s.blobs.Create()
	if err != nil {
		return nil, err
	}
	writers = append(writers, bw)
	var n int64
	if body != nil {
		// At most one byte beyond the limit, to tell "too large" apart.
		n, err = fanOut(writers, io.LimitReader(body, maxPutSize+1), declared)
	}
	if err == nil && n > maxPutSize {
		err = protocol.Errorf("EntityTooLarge", "Your proposed upload exceeds the maximum allowed size").WithStatus(400)
	}
	if err == nil && declared >= 0 && n < declared {
		err = bodyError(nil)
	}
	if err != nil {
		bw.Abort()
		return nil, bodyError(err)
	}
	id, err := bw.Commit()
	if err != nil {
		return nil, err
	}
	return sums(&written{Blob: id, Size: n}), nil
}

// bodyError is what a failed body read answers: an AWS error from the
// edge (the aws-chunked decoder, a checksum) as is, anything else (the
// client went away, fewer bytes than declared) IncompleteBody.
func bodyError(err error) error {
	var pe *protocol.Error
	if errors.As(err, &pe) {
		return pe
	}
	return protocol.Errorf("IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header.")
}

// onlyReader hides WriterTo/ReaderFrom so CopyBuffer uses our buffer and
// every byte passes the hashes.
type onlyReader struct{ io.Reader }

// fanOutMin is the body size from which fanOut runs the writers in
// parallel; below it one goroutine does everything (the goroutines would
// cost more than they save).
const fanOutMin = 1 << 20

// fanOut copies r to every writer and returns the bytes copied. A large
// body is a pipeline: each writer (the blob file, MD5, the checksum) runs
// in its own goroutine over the same chunk while the next chunk is read
// (and, at the edge, its payload hash checked) into a second buffer. On
// one goroutine the hashes add up: MD5, SHA-256 and CRC64 one after the
// other held a 256 MiB PutObject to about a sixth of the disk's bandwidth.
// The first writer error, else the read error, is returned.
func fanOut(writers []io.Writer, r io.Reader, declared int64) (int64, error) {
	bufs := [2]*[]byte{copyBufs.Get().(*[]byte), copyBufs.Get().(*[]byte)}
	defer copyBufs.Put(bufs[0])
	defer copyBufs.Put(bufs[1])
	if declared >= 0 && declared < fanOutMin {
		return io.CopyBuffer(io.MultiWriter(writers...), onlyReader{r}, *bufs[0])
	}
	ins := make([]chan []byte, len(writers))
	errs := make([]error, len(writers))
	acks := make(chan struct{}, len(writers))
	for i, w := range writers {
		ins[i] = make(chan []byte, 1)
		go func() {
			for p := range ins[i] {
				if errs[i] == nil {
					_, errs[i] = w.Write(p)
				}
				acks <- struct{}{}
			}
		}()
	}
	var n int64
	var rerr error
	pending := 0
	for k := 0; ; k++ {
		// Fill a whole buffer: fewer, larger handoffs.
		m, err := io.ReadFull(r, *bufs[k&1])
		// The other buffer's chunk must be written everywhere before
		// this one goes out (and before the other buffer is refilled).
		for ; pending > 0; pending-- {
			<-acks
		}
		if m > 0 {
			n += int64(m)
			for _, in := range ins {
				in <- (*bufs[k&1])[:m]
			}
			pending = len(ins)
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			rerr = err
			break
		}
	}
	for ; pending > 0; pending-- {
		<-acks
	}
	for _, in := range ins {
		close(in)
	}
	for _, err := range errs {
		if err != nil {
			return n, err
		}
	}
	return n, rerr
}

func (s *Service) deleteBlobs(ids []string) {
	for _, id := range ids {
		if id == "" {
			continue
		}
		if err := s.blobs.Delete(id); err != nil {
			s.log.Warn("s3: deleting a blob failed; it stays as an orphan", "blob", id, "err", err)
		}
	}
}

func segmentBlobs(o *objectRecord) []string {
	if o == nil {
		return nil
	}
	ids := make([]string, len(o.Segments))
	for i, sg := range o.Segments {
		ids[i] = sg.Blob
	}
	return ids
}

// integrity is what a request says its body must hash to.
type integrity struct {
	md5  []byte // Content-MD5, decoded
	sums map[string]string
	algs []string // algorithms to compute
}

// parseIntegrity reads Content-MD5 and the x-amz-checksum-* members of a
// streaming write. algorithm is x-amz-sdk-checksum-algorithm (computed and
// stored even without a value, which an aws-chunked trailer brings).
func parseIntegrity(contentMD5, algorithm string, values map[string]string) (*integrity, error) {
	in := &integrity{sums: map[string]string{}}
	if contentMD5 != "" {
		b, err := base64.StdEncoding.DecodeString(contentMD5)
		if err != nil || len(b) != md5.Size {
			return nil, protocol.Errorf("InvalidDigest", "The Content-MD5 you specified was invalid.").With("Content-MD5", contentMD5)
		}
		in.md5 = b
	}
	for alg, v := range values {
		if v == "" {
			continue
		}
		if !checksum.Valid(alg, v) {
			return nil, ErrInvalidRequest("Value for %s header is invalid.", checksum.Header(alg))
		}
		in.sums[alg] = v
	}
	if len(in.sums) > 1 {
		return nil, ErrInvalidRequest("Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.")
	}
	if algorithm != "" {
		if _, ok := checksum.New(algorithm); !ok {
			return nil, ErrInvalidRequest("The %s checksum algorithm is not supported by hako.", algorithm)
		}
		if len(in.sums) == 1 {
			if _, ok := in.sums[algorithm]; !ok {
				return nil, ErrInvalidRequest("Value for x-amz-sdk-checksum-algorithm header is invalid.")
			}
		}
		in.algs = append(in.algs, algorithm)
	}
	for alg := range in.sums {
		if alg != algorithm {
			in.algs = append(in.algs, alg)
		}
	}
	return in, nil
}

// algorithm is the checksum algorithm of the write ("" when none was named).
func (in *integrity) algorithm() string {
	if len(in.algs) > 0 {
		return in.algs[0]
	}
	return ""
}

// verify compares what was written with what the request announced.
func (in *integrity) verify(w *written) error {
	if in.md5 != nil && string(in.md5) != string(w.MD5) {
		return protocol.Errorf("BadDigest", "The Content-MD5 you specified did not match what we received.").
			With("ExpectedDigest", hex.EncodeToString(in.md5)).With("CalculatedDigest", base64.StdEncoding.EncodeToString(w.MD5))
	}
	for alg, want := range in.sums {
		if got := checksum.Encode(w.Sums[alg]); got != want {
			return protocol.Errorf("BadDigest", "The %s you specified did not match the calculated checksum.", alg)
		}
	}
	return nil
}

// setChecksum sets the Checksum<ALG> field of a generated output struct
// (ChecksumCRC32, ChecksumSHA256, ...): the model gives each algorithm its
// own member.
func setChecksum(dst any, alg, value string) {
	if alg == "" || value == "" {
		return
	}
	f := reflect.ValueOf(dst).Elem().FieldByName("Checksum" + alg)
	if f.IsValid() && f.Kind() == reflect.String {
		f.SetString(value)
	}
}

// openRange opens [start, start+length) of an object's body. The first
// blob is opened now, so that a missing blob (deleted by an overwrite
// that committed after the record was read) is errBlobGone and the read
// retries; later segments open as the reader reaches them.
func (s *Service) openRange(o *objectRecord, start, length int64) (io.ReadCloser, error) {
	r := &segReader{blobs: s.blobs, size: length}
	var off int64
	for _, sg := range o.Segments {
		if start < off+sg.Size && length > 0 {
			from := max(start-off, 0)
			n := min(sg.Size-from, length)
			r.parts = append(r.parts, span{blob: sg.Blob, data: sg.Data, off: from, n: n})
			length -= n
			start += n
		}
		off += sg.Size
	}
	if len(r.parts) > 0 {
		if err := r.open(); err != nil {
			return nil, err
		}
	}
	return r, nil
}

type span struct {
	blob   string
	data   []byte // an inline body (blob is empty)
	off, n int64
}

// segReader reads spans of blobs in order. Size tells the codec the
// Content-Length.
type segReader struct {
	blobs engine.BlobStore
	parts []span
	size  int64
	cur   io.Closer
	sr    io.Reader
}

func (r *segReader) Size() int64 { return r.size }

func (r *segReader) open() error {
	p := r.parts[0]
	if p.blob == "" {
		r.cur = io.NopCloser(nil)
		r.sr = bytes.NewReader(p.data[p.off : p.off+p.n])
		return nil
	}
	b, err := r.blobs.Open(p.blob)
	if err != nil {
		return fmt.Errorf("%w: %v", errBlobGone, err)
	}
	r.cur = b
	r.sr = io.NewSectionReader(b, p.off, p.n)
	return nil
}

func (r *segReader) Read(p []byte) (int, error) {
	for {
		if r.sr == nil {
			if len(r.parts) == 0 {
				return 0, io.EOF
			}
			if err := r.open(); err != nil {
				return 0, err
			}
		}
		n, err := r.sr.Read(p)
		if err == io.EOF {
			r.cur.Close()
			r.cur, r.sr = nil, nil
			r.parts = r.parts[1:]
			if n > 0 {
				return n, nil
			}
			continue
		}
		return n, err
	}
}

func (r *segReader) Close() error {
	if r.cur != nil {
		r.cur.Close()
		r.cur, r.sr = nil, nil
	}
	r.parts = nil
	return nil
}

// getChecksum reads the Checksum<ALG> field of a generated struct.
func getChecksum(src any, alg string) string {
	if alg == "" {
		return ""
	}
	f := reflect.ValueOf(src).Elem().FieldByName("Checksum" + alg)
	if f.IsValid() && f.Kind() == reflect.String {
		return f.String()
	}
	return ""
}

// checksumValues collects every Checksum<ALG> field of a generated struct.
func checksumValues(src any) map[string]string {
	m := map[string]string{}
	for _, alg := range checksum.Algorithms {
		if v := getChecksum(src, alg); v != "" {
			m[alg] = v
		}
	}
	return m
}

// errBlobGone: a blob vanished between reading a record and opening it
// (a concurrent overwrite deleted it); the read is retried.
var errBlobGone = errors.New("s3: blob gone")

func isBlobGone(err error) bool { return errors.Is(err, errBlobGone) }
