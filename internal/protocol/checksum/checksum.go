// Package checksum implements the integrity checks S3 clients send with a
// body: Content-MD5 and the x-amz-checksum-ALGORITHM headers of the
// flexible checksums feature (CRC32, CRC32C, CRC64NVME, SHA1, SHA256,
// SHA512, MD5). A value is the base64 of the digest's big-endian bytes.
//
// CRC64NVME is the reflected CRC-64 with polynomial 0xad93d23594c93659
// (reversed form 0x9a6c9329ac4bc9b5), initial value and final xor all
// ones, as the AWS SDKs and the Smithy spec define it; the standard
// library's table-driven hash/crc64 computes it from that table.
//
// The XXHASH family that newer models list is not implemented: New
// reports it as unsupported, and callers answer with an error naming it.
package checksum

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"net/http"
	"strings"
)

// Algorithms lists the algorithms New knows, in the order hako reports
// them.
var Algorithms = []string{"CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256", "SHA512", "MD5"}

// CRC64NVMEPoly is the reversed (reflected) form of the NVMe CRC-64
// polynomial 0xad93d23594c93659.
const CRC64NVMEPoly = 0x9a6c9329ac4bc9b5

var (
	castagnoli = crc32.MakeTable(crc32.Castagnoli)
	nvme       = crc64.MakeTable(CRC64NVMEPoly)
)

// New returns a fresh hash for algorithm alg (upper case, as the model's
// ChecksumAlgorithm enum writes it); ok is false for an algorithm hako
// does not implement.
func New(alg string) (h hash.Hash, ok bool) {
	switch strings.ToUpper(alg) {
	case "CRC32":
		return crc32.NewIEEE(), true
	case "CRC32C":
		return crc32.New(castagnoli), true
	case "CRC64NVME":
		return crc64.New(nvme), true
	case "SHA1":
		return sha1.New(), true
	case "SHA256":
		return sha256.New(), true
	case "SHA512":
		return sha512.New(), true
	case "MD5":
		return md5.New(), true
	}
	return nil, false
}

// IsCRC reports whether alg is one of the CRC algorithms (the ones that
// allow a FULL_OBJECT checksum of a multipart upload).
func IsCRC(alg string) bool {
	switch strings.ToUpper(alg) {
	case "CRC32", "CRC32C", "CRC64NVME":
		return true
	}
	return false
}

// Encode is the wire form of a digest: base64 of its bytes.
func Encode(sum []byte) string { return base64.StdEncoding.EncodeToString(sum) }

// Header is the header that carries an algorithm's value:
// x-amz-checksum-crc32 for CRC32.
func Header(alg string) string { return "x-amz-checksum-" + strings.ToLower(alg) }

// Size is the digest length of alg in bytes (0 when unknown).
func Size(alg string) int {
	if h, ok := New(alg); ok {
		return h.Size()
	}
	return 0
}

// Valid reports whether value is a well-formed value of alg: base64 of a
// digest of the algorithm's size.
func Valid(alg, value string) bool {
	b, err := base64.StdEncoding.DecodeString(value)
	return err == nil && len(b) == Size(alg) && len(b) > 0
}

// FromHeader finds the x-amz-checksum-ALGORITHM headers of a request
// (x-amz-checksum-type, -mode and friends are not values and are skipped)
// and returns them by algorithm, upper case. unknown lists algorithms the
// client named that hako does not implement.
func FromHeader(h http.Header) (values map[string]string, unknown []string) {
	for k, v := range h {
		lk := strings.ToLower(k)
		alg, ok := strings.CutPrefix(lk, "x-amz-checksum-")
		if !ok || len(v) == 0 {
			continue
		}
		switch alg {
		case "type", "mode", "algorithm":
			continue
		}
		alg = strings.ToUpper(alg)
		if _, ok := New(alg); !ok {
			unknown = append(unknown, alg)
			continue
		}
		if values == nil {
			values = map[string]string{}
		}
		values[alg] = v[0]
	}
	return values, unknown
}
