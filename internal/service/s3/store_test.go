package s3

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand"
	"testing"

	"hako/internal/engine"
)

// onlyRead hides a reader's length so the body arrives as from an
// aws-chunked request (no declared length).
type onlyRead struct{ io.Reader }

// TestBodySizes writes bodies around the inline limit and the parallel
// copy's threshold, with and without a declared length, and reads them
// back whole, by range and through CopyObject: small bodies live in the
// record, larger ones in blobs, and the bytes and ETags do not depend on
// which.
func TestBodySizes(t *testing.T) {
	s, _, _ := newTest(t)
	mustBucket(t, s, "bkt")
	rng := rand.New(rand.NewSource(1))
	for _, size := range []int{0, 1, inlineMax, inlineMax + 1, fanOutMin - 1, fanOutMin, 3*fanOutMin + 12345} {
		for _, declared := range []bool{true, false} {
			key := fmt.Sprintf("o-%d-%v", size, declared)
			data := make([]byte, size)
			rng.Read(data)
			in := &PutObjectRequest{Bucket: "bkt", Key: key, Body: onlyRead{bytes.NewReader(data)}}
			if declared {
				in.ContentLength = ptr(int64(size))
			}
			out, err := s.PutObject(bg, in)
			if err != nil {
				t.Fatalf("%s: %v", key, err)
			}
			sum := md5.Sum(data)
			if out.ETag != `"`+hex.EncodeToString(sum[:])+`"` {
				t.Errorf("%s: ETag %s", key, out.ETag)
			}
			var rec *objectRecord
			s.eng.View(func(r engine.Reader) error { rec, err = getObjectRecord(r, "bkt", key); return err })
			if inline := rec.Segments[0].Blob == ""; inline != (size <= inlineMax) {
				t.Errorf("%s: inline=%v for %d bytes", key, inline, size)
			}
			if _, got := get(t, s, &GetObjectRequest{Bucket: "bkt", Key: key}); got != string(data) {
				t.Errorf("%s: read back %d bytes", key, len(got))
			}
			if size > 2 {
				from, to := size/3, size-2
				if _, got := get(t, s, &GetObjectRequest{Bucket: "bkt", Key: key, Range: fmt.Sprintf("bytes=%d-%d", from, to)}); got != string(data[from:to+1]) {
					t.Errorf("%s: range read %d bytes", key, len(got))
				}
			}
			if _, err := s.CopyObject(bg, &CopyObjectRequest{Bucket: "bkt", Key: key + "-copy", CopySource: "bkt/" + key}); err != nil {
				t.Fatalf("%s: copy: %v", key, err)
			}
			if _, got := get(t, s, &GetObjectRequest{Bucket: "bkt", Key: key + "-copy"}); got != string(data) {
				t.Errorf("%s: copy read back %d bytes", key, len(got))
			}
		}
	}
	// Fewer bytes than declared is IncompleteBody on both paths, and
	// nothing is stored.
	for _, size := range []int{100, 2 * fanOutMin} {
		_, err := s.PutObject(bg, &PutObjectRequest{Bucket: "bkt", Key: "short", Body: bytes.NewReader(make([]byte, size/2)), ContentLength: ptr(int64(size))})
		if code(t, err) != "IncompleteBody" {
			t.Errorf("%d declared, %d sent: %v", size, size/2, err)
		}
		if _, err := s.HeadObject(bg, &HeadObjectRequest{Bucket: "bkt", Key: "short"}); err == nil {
			t.Errorf("a short body was stored")
		}
	}
}
