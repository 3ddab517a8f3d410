package awschunked_test

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"hako/internal/edge/awschunked"
	"hako/internal/protocol"
	"hako/internal/protocol/checksum"
)

var fuzzForms = []string{awschunked.SignedPayload, awschunked.SignedPayloadTrailer, awschunked.UnsignedPayloadTrailer}

// FuzzDecode feeds arbitrary bodies to the decoder in every form. Whatever
// the input: no panic; never more bytes than declared; a body accepted
// (io.EOF) decoded to exactly the declared length and, with a trailing
// checksum, to bytes that checksum matches; every refusal is a
// *protocol.Error with a status; and the outcome does not depend on how
// the reads are cut (one byte at a time or large reads).
//
// Seeds: testdata/fuzz/FuzzDecode plus the recorded client bodies
// (testdata/clients) up to 4 KB.
func FuzzDecode(f *testing.F) {
	files, _ := filepath.Glob("testdata/clients/*.http")
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
		if err != nil {
			f.Fatal(err)
		}
		body, _ := io.ReadAll(req.Body)
		if len(body) > 4096 {
			// The 70 KB captures make each execution and the fuzzer's
			// minimizing slow; the small ones have the same shapes.
			continue
		}
		form := byte(0)
		for i, v := range fuzzForms {
			if v == req.Header.Get("X-Amz-Content-Sha256") {
				form = byte(i)
			}
		}
		n, _ := strconv.ParseInt(req.Header.Get("X-Amz-Decoded-Content-Length"), 10, 64)
		alg := byte(0)
		if a, ok := checksum.AlgorithmOfHeader(req.Header.Get("X-Amz-Trailer")); ok {
			for i, v := range checksum.TrailerAlgorithms {
				if v == a {
					alg = byte(i + 1)
				}
			}
		}
		f.Add(body, form, n, alg)
	}
	f.Fuzz(func(t *testing.T, body []byte, form byte, declared int64, alg byte) {
		cfg := awschunked.Config{DecodedLength: declared}
		switch fuzzForms[int(form)%len(fuzzForms)] {
		case awschunked.SignedPayload:
			cfg.Signed = true
		case awschunked.SignedPayloadTrailer:
			cfg.Signed, cfg.Trailer = true, true
		default:
			cfg.Trailer = true
		}
		if cfg.Trailer && alg > 0 {
			cfg.Checksum = checksum.TrailerAlgorithms[int(alg-1)%len(checksum.TrailerAlgorithms)]
		}
		if declared < 0 {
			return // ParseHeaders refuses it before a Reader exists
		}
		big, bigErr := io.ReadAll(awschunked.NewReader(bytes.NewReader(body), cfg))
		d := awschunked.NewReader(bytes.NewReader(body), cfg)
		small, smallErr := io.ReadAll(oneByte{d})
		if !bytes.Equal(big, small) || codeOf(t, bigErr) != codeOf(t, smallErr) {
			t.Fatalf("read sizes change the outcome: %d bytes %v vs %d bytes %v", len(big), bigErr, len(small), smallErr)
		}
		if int64(len(small)) > declared {
			t.Fatalf("%d bytes out, %d declared", len(small), declared)
		}
		if smallErr != nil {
			return
		}
		if int64(len(small)) != declared {
			t.Fatalf("accepted %d bytes, %d declared", len(small), declared)
		}
		if cfg.Checksum != "" && d.Trailer().Get(cfg.Checksum.Header()) != cfg.Checksum.Sum(small) {
			t.Fatalf("accepted with trailer %v, data sums to %s", d.Trailer(), cfg.Checksum.Sum(small))
		}
	})
}

func codeOf(t *testing.T, err error) string {
	if err == nil {
		return ""
	}
	var pe *protocol.Error
	if !errors.As(err, &pe) || pe.Status == 0 {
		t.Fatalf("refusal %v (%T) is not a *protocol.Error with a status", err, err)
	}
	return pe.Code
}
