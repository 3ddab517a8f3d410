package checksum

import (
	"encoding/base64"
	"hash"
	"strings"
)

// Algorithm is a checksum algorithm named as the S3 model's
// ChecksumAlgorithm enum names it: the typed form the aws-chunked decoder
// uses (trailers carry one of TrailerAlgorithms).
type Algorithm string

// The algorithms a trailer may carry, in the model's order.
const (
	CRC32     Algorithm = "CRC32"
	CRC32C    Algorithm = "CRC32C"
	SHA1      Algorithm = "SHA1"
	SHA256    Algorithm = "SHA256"
	CRC64NVME Algorithm = "CRC64NVME"
)

// TrailerAlgorithms lists the algorithms of x-amz-trailer.
var TrailerAlgorithms = []Algorithm{CRC32, CRC32C, SHA1, SHA256, CRC64NVME}

// Parse returns the trailer algorithm named name, in any letter case.
func Parse(name string) (Algorithm, bool) {
	a := Algorithm(strings.ToUpper(name))
	for _, k := range TrailerAlgorithms {
		if a == k {
			return a, true
		}
	}
	return "", false
}

// New returns a new hash computing a. It panics for an Algorithm New
// (the function) does not know; use Parse on untrusted names.
func (a Algorithm) New() hash.Hash {
	h, ok := New(string(a))
	if !ok {
		panic("checksum: unknown algorithm " + string(a))
	}
	return h
}

// Size is the length of a's digest in bytes.
func (a Algorithm) Size() int { return Size(string(a)) }

// Header is the header (and trailer) that carries a's value.
func (a Algorithm) Header() string { return Header(string(a)) }

// AlgorithmOfHeader returns the trailer algorithm whose value header is
// name (any letter case): x-amz-checksum-crc64nvme -> CRC64NVME. Other
// x-amz-checksum-* headers (-algorithm, -type, -mode) are not value
// headers.
func AlgorithmOfHeader(name string) (Algorithm, bool) {
	const prefix = "x-amz-checksum-"
	if len(name) <= len(prefix) || !strings.EqualFold(name[:len(prefix)], prefix) {
		return "", false
	}
	return Parse(name[len(prefix):])
}

// Decode reads a wire value for a: standard base64 of exactly a's digest
// size.
func (a Algorithm) Decode(v string) ([]byte, bool) {
	if strings.ContainsAny(v, "\r\n") { // the decoder would skip them
		return nil, false
	}
	b, err := base64.StdEncoding.Strict().DecodeString(v)
	if err != nil || len(b) != a.Size() {
		return nil, false
	}
	return b, true
}

// Sum computes a's wire value of b.
func (a Algorithm) Sum(b []byte) string {
	h := a.New()
	h.Write(b)
	return Encode(h.Sum(nil))
}
