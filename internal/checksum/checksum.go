// Package checksum computes the object checksums S3 supports (the
// ChecksumAlgorithm enum of the S3 model): CRC32, CRC32C, CRC64NVME, SHA1
// and SHA256, as the base64 of the big-endian digest that S3 sends in
// x-amz-checksum-* headers and trailers.
//
// CRC64NVME is the CRC-64 of the NVMe specification (polynomial
// 0xad93d23594c93659, reflected, initial value and final xor all ones),
// which hash/crc64 computes from its reflected polynomial's table: the
// standard library's CRC-64 code is the same algorithm with a different
// table.
package checksum

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"strings"
)

// Algorithm is one of S3's checksum algorithms, named as the S3 model's
// ChecksumAlgorithm enum names it.
type Algorithm string

// The algorithms, in the model's order.
const (
	CRC32     Algorithm = "CRC32"
	CRC32C    Algorithm = "CRC32C"
	SHA1      Algorithm = "SHA1"
	SHA256    Algorithm = "SHA256"
	CRC64NVME Algorithm = "CRC64NVME"
)

// Algorithms lists every supported algorithm.
var Algorithms = []Algorithm{CRC32, CRC32C, SHA1, SHA256, CRC64NVME}

// crc64NVMEPoly is the NVMe polynomial 0xad93d23594c93659 bit-reversed, the
// form hash/crc64 takes.
const crc64NVMEPoly = 0x9a6c9329ac4bc9b5

var (
	castagnoli     = crc32.MakeTable(crc32.Castagnoli)
	crc64NVMETable = crc64.MakeTable(crc64NVMEPoly)
)

// Parse returns the algorithm named name, in any letter case ("crc32",
// "CRC32").
func Parse(name string) (Algorithm, bool) {
	a := Algorithm(strings.ToUpper(name))
	for _, k := range Algorithms {
		if a == k {
			return a, true
		}
	}
	return "", false
}

// New returns a new hash for the algorithm named name (any letter case),
// or false for a name that is not one of Algorithms.
func New(name string) (hash.Hash, bool) {
	a, ok := Parse(name)
	if !ok {
		return nil, false
	}
	return a.New(), true
}

// New returns a new hash computing a. It panics for an Algorithm that is
// not one of Algorithms (use Parse on untrusted names).
func (a Algorithm) New() hash.Hash {
	switch a {
	case CRC32:
		return crc32.NewIEEE()
	case CRC32C:
		return crc32.New(castagnoli)
	case CRC64NVME:
		return crc64.New(crc64NVMETable)
	case SHA1:
		return sha1.New()
	case SHA256:
		return sha256.New()
	}
	panic("checksum: unknown algorithm " + string(a))
}

// Size is the length of a's digest in bytes.
func (a Algorithm) Size() int {
	switch a {
	case CRC32, CRC32C:
		return 4
	case CRC64NVME:
		return 8
	case SHA1:
		return sha1.Size
	case SHA256:
		return sha256.Size
	}
	return 0
}

// Header is the header (and trailer) that carries a's value:
// x-amz-checksum-crc32 ...
func (a Algorithm) Header() string { return "x-amz-checksum-" + strings.ToLower(string(a)) }

// FromHeader returns the algorithm whose value header is name (any letter
// case): x-amz-checksum-crc64nvme -> CRC64NVME. Other x-amz-checksum-*
// headers (-algorithm, -type, -mode) are not value headers.
func FromHeader(name string) (Algorithm, bool) {
	const prefix = "x-amz-checksum-"
	if len(name) <= len(prefix) || !strings.EqualFold(name[:len(prefix)], prefix) {
		return "", false
	}
	return Parse(name[len(prefix):])
}

// Encode is the wire form of a digest: standard base64.
func Encode(sum []byte) string { return base64.StdEncoding.EncodeToString(sum) }

// Decode reads a wire value for a: it must be standard base64 of exactly
// a's digest size.
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
