package checksum

import (
	"encoding/binary"
	"net/http"
	"testing"
)

// Check values of the "123456789" test vector (the catalogue of
// parametrised CRC algorithms; CRC-64/NVME as the AWS SDKs test it).
func TestCheckValues(t *testing.T) {
	for _, tc := range []struct {
		alg  string
		want uint64
	}{
		{"CRC32", 0xcbf43926},
		{"CRC32C", 0xe3069283},
		{"CRC64NVME", 0xae8b14860a799888},
	} {
		h, ok := New(tc.alg)
		if !ok {
			t.Fatalf("%s unknown", tc.alg)
		}
		h.Write([]byte("123456789"))
		sum := h.Sum(nil)
		var got uint64
		if len(sum) == 4 {
			got = uint64(binary.BigEndian.Uint32(sum))
		} else {
			got = binary.BigEndian.Uint64(sum)
		}
		if got != tc.want {
			t.Errorf("%s(123456789) = %#x, want %#x", tc.alg, got, tc.want)
		}
	}
}

// Values as the AWS SDKs print them for known inputs.
func TestEncodedValues(t *testing.T) {
	for _, tc := range []struct{ alg, in, want string }{
		{"CRC32", "", "AAAAAA=="},
		{"CRC32", "abc", "NSRBwg=="},
		{"CRC32C", "abc", "Nks/tw=="},
		{"CRC64NVME", "", "AAAAAAAAAAA="},
		{"CRC64NVME", "abc", "BeXKuz/B+us="},
		{"SHA1", "abc", "qZk+NkcGgWq6PiVxeFDCbJzQ2J0="},
		{"SHA256", "abc", "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="},
		{"MD5", "abc", "kAFQmDzST7DWlj99KOF/cg=="},
	} {
		h, _ := New(tc.alg)
		h.Write([]byte(tc.in))
		if got := Encode(h.Sum(nil)); got != tc.want {
			t.Errorf("%s(%q) = %s, want %s", tc.alg, tc.in, got, tc.want)
		}
	}
}

func TestFromHeader(t *testing.T) {
	h := http.Header{}
	h.Set("X-Amz-Checksum-Crc32", "NSRBwg==")
	h.Set("X-Amz-Checksum-Mode", "ENABLED")
	h.Set("X-Amz-Checksum-Type", "FULL_OBJECT")
	h.Set("X-Amz-Checksum-Xxhash64", "AAAAAAAAAAA=")
	v, unknown := FromHeader(h)
	if len(v) != 1 || v["CRC32"] != "NSRBwg==" {
		t.Errorf("values %v", v)
	}
	if len(unknown) != 1 || unknown[0] != "XXHASH64" {
		t.Errorf("unknown %v", unknown)
	}
	if !Valid("CRC32", "NSRBwg==") || Valid("CRC32", "AAAAAAAAAAA=") || Valid("SHA1", "!!") {
		t.Error("Valid")
	}
}
