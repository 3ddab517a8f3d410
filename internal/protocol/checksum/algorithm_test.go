package checksum

import (
	"bytes"
	"encoding/hex"
	"testing"
)

// The catalogued check values ("123456789") of each CRC, and digests real
// clients computed: the values are what aws-sdk-go-v2, boto3 and the S3
// documentation put into x-amz-checksum-* for those bodies.
func TestVectors(t *testing.T) {
	cases := []struct {
		alg  Algorithm
		in   []byte
		want string // hex of the digest, or the wire form when b64 is set
		b64  bool
	}{
		{CRC32, []byte("123456789"), "cbf43926", false},
		{CRC32C, []byte("123456789"), "e3069283", false},
		{CRC64NVME, []byte("123456789"), "ae8b14860a799888", false},
		{CRC64NVME, nil, "0000000000000000", false},
		{SHA1, []byte("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d", false},
		{SHA256, []byte("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", false},
		// aws-sdk-go-v2 PutObject, ChecksumAlgorithm CRC64NVME (testdata capture).
		{CRC64NVME, []byte("hello from aws-sdk-go-v2\n"), "W7Bk8881gRg=", true},
		// boto3 1.43 PutObject's default CRC32.
		{CRC32, []byte("hello, aws-chunked world\n"), "gq27EQ==", true},
		// The S3 documentation's trailing-header example: 66560 bytes of 'a'.
		{CRC32C, bytes.Repeat([]byte("a"), 66560), "sOO8/Q==", true},
	}
	for _, c := range cases {
		h := c.alg.New()
		h.Write(c.in)
		sum := h.Sum(nil)
		got := hex.EncodeToString(sum)
		if c.b64 {
			got = Encode(sum)
		}
		if got != c.want {
			t.Errorf("%s(%.20q) = %s, want %s", c.alg, c.in, got, c.want)
		}
		if len(sum) != c.alg.Size() {
			t.Errorf("%s size %d, digest %d", c.alg, c.alg.Size(), len(sum))
		}
		if c.alg.Sum(c.in) != Encode(sum) {
			t.Errorf("%s: Sum disagrees with New", c.alg)
		}
	}
}

// Writing in pieces gives the digest of the whole (the tables are used
// incrementally, as a streaming body feeds them).
func TestIncremental(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789abcdefghij"), 1000)
	for _, a := range TrailerAlgorithms {
		h := a.New()
		for i := 0; i < len(data); i += 7 {
			h.Write(data[i:min(i+7, len(data))])
		}
		if Encode(h.Sum(nil)) != a.Sum(data) {
			t.Errorf("%s: incremental digest differs", a)
		}
	}
}

func TestNames(t *testing.T) {
	for _, a := range TrailerAlgorithms {
		if got, ok := Parse(string(a)); !ok || got != a {
			t.Errorf("Parse(%s)", a)
		}
		if h, ok := New(string(a)); !ok || h.Size() != a.Size() {
			t.Errorf("New(%s)", a)
		}
		if got, ok := AlgorithmOfHeader(a.Header()); !ok || got != a {
			t.Errorf("AlgorithmOfHeader(%s) = %s", a.Header(), got)
		}
	}
	if a, ok := Parse("crc64nvme"); !ok || a != CRC64NVME {
		t.Error("lower-case name")
	}
	if a, ok := AlgorithmOfHeader("X-Amz-Checksum-Crc32c"); !ok || a != CRC32C {
		t.Error("canonical header name")
	}
	for _, bad := range []string{"", "MD5", "crc", "CRC32 "} {
		if _, ok := Parse(bad); ok {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
	for _, bad := range []string{"x-amz-checksum-algorithm", "x-amz-checksum-type", "x-amz-checksum-mode", "x-amz-checksum-", "x-amz-trailer"} {
		if _, ok := AlgorithmOfHeader(bad); ok {
			t.Errorf("AlgorithmOfHeader(%q) accepted", bad)
		}
	}
}

func TestDecode(t *testing.T) {
	if b, ok := CRC32.Decode("gq27EQ=="); !ok || len(b) != 4 {
		t.Error("valid CRC32 refused")
	}
	for _, c := range []struct {
		a Algorithm
		v string
	}{
		{CRC32, "gq27EQ"},       // unpadded
		{CRC32, "AAAAAAAA"},     // 6 bytes
		{CRC64NVME, "gq27EQ=="}, // 4 bytes for an 8-byte digest
		{SHA1, "not base64!"},   // not base64
		{CRC32, "gq27EQ==\n"},   // trailing junk
	} {
		if _, ok := c.a.Decode(c.v); ok {
			t.Errorf("%s.Decode(%q) accepted", c.a, c.v)
		}
	}
}
