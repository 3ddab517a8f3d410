package runtime

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestValidateZip(t *testing.T) {
	big := bytes.Repeat([]byte{0}, 4<<20) // compresses ~1000:1
	tests := []struct {
		name  string
		zip   []byte
		limit ZipLimits
		want  error // nil = valid
	}{
		{"plain", zipOf(t, []zipFile{{name: "lambda_function.py", body: []byte("def h(e, c): pass\n")}, {name: "pkg/"}, {name: "pkg/mod.py", body: []byte("x = 1")}}), ZipLimits{}, nil},
		{"dot slash prefix", zipOf(t, []zipFile{{name: "./a.py", body: []byte("x")}}), ZipLimits{}, nil},
		{"symlink inside", zipOf(t, []zipFile{{name: "lib/real.so", body: []byte("elf")}, {name: "lib/alias.so", link: "real.so"}, {name: "top", link: "lib/../lib/real.so"}}), ZipLimits{}, nil},
		{"dot dot", zipOf(t, []zipFile{{name: "../evil.py", body: []byte("x")}}), ZipLimits{}, ErrZipUnsafePath},
		{"dot dot inside", zipOf(t, []zipFile{{name: "a/../../evil.py", body: []byte("x")}}), ZipLimits{}, ErrZipUnsafePath},
		{"dot dot that stays inside", zipOf(t, []zipFile{{name: "a/../b.py", body: []byte("x")}}), ZipLimits{}, ErrZipUnsafePath},
		{"absolute", zipOf(t, []zipFile{{name: "/etc/cron.d/evil", body: []byte("x")}}), ZipLimits{}, ErrZipUnsafePath},
		{"drive letter", zipOf(t, []zipFile{{name: "C:/evil", body: []byte("x")}}), ZipLimits{}, ErrZipUnsafePath},
		{"backslash", zipOf(t, []zipFile{{name: "..\\evil", body: []byte("x")}}), ZipLimits{}, ErrZipUnsafePath},
		{"symlink absolute", zipOf(t, []zipFile{{name: "passwd", link: "/etc/passwd"}}), ZipLimits{}, ErrZipUnsafeLink},
		{"symlink up", zipOf(t, []zipFile{{name: "a/up", link: "../../x"}}), ZipLimits{}, ErrZipUnsafeLink},
		{"symlink chain out", zipOf(t, []zipFile{{name: "d/", body: nil}, {name: "l1", link: "d/.."}, {name: "l2", link: "l1/.."}}), ZipLimits{}, ErrZipUnsafeLink},
		{"symlink via other link", zipOf(t, []zipFile{{name: "up", link: ".."}, {name: "x", link: "up/etc/passwd"}}), ZipLimits{}, ErrZipUnsafeLink},
		{"symlink loop", zipOf(t, []zipFile{{name: "a", link: "b"}, {name: "b", link: "a"}}), ZipLimits{}, ErrZipUnsafeLink},
		{"write through symlink", zipOf(t, []zipFile{{name: "d", link: "."}, {name: "d/x", body: []byte("x")}}), ZipLimits{}, ErrZipUnsafeLink},
		{"duplicate", zipOf(t, []zipFile{{name: "a", body: []byte("1")}, {name: "a", body: []byte("2")}}), ZipLimits{}, ErrZipDuplicate},
		{"file then dir", zipOf(t, []zipFile{{name: "a", body: []byte("1")}, {name: "a/b", body: []byte("2")}}), ZipLimits{}, ErrZipDuplicate},
		{"too many files", zipOf(t, []zipFile{{name: "a"}, {name: "b"}, {name: "c"}}), ZipLimits{MaxFiles: 2}, ErrZipTooManyFiles},
		{"too large", zipOf(t, []zipFile{{name: "a", body: bytes.Repeat([]byte("ab"), 600)}}), ZipLimits{MaxUnzipped: 1000}, ErrZipTooLarge},
		{"ratio bomb", zipOf(t, []zipFile{{name: "zeros", body: big}}), ZipLimits{MaxRatio: 100}, ErrZipBomb},
		{"overlapping entries", overlappingZip(t), ZipLimits{}, ErrZipBomb},
		{"lying size", lyingSizeZip(t), ZipLimits{MaxUnzipped: 1 << 20}, ErrZipInvalid}, // archive/zip catches the lie
		{"not a zip", []byte("PK\x03\x04 nope"), ZipLimits{}, ErrZipInvalid},
		{"empty input", nil, ZipLimits{}, ErrZipInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateZip(bytes.NewReader(tc.zip), int64(len(tc.zip)), tc.limit)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("valid zip refused: %v", err)
				}
				dir := filepath.Join(t.TempDir(), "x")
				if err := ExtractZip(bytes.NewReader(tc.zip), int64(len(tc.zip)), dir, tc.limit); err != nil {
					t.Fatalf("extract: %v", err)
				}
				removeReadOnlyTree(dir)
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			var ze *ZipError
			if !errors.As(err, &ze) {
				t.Fatalf("%T is not a *ZipError", err)
			}
			// ExtractZip refuses the same zip before writing anything.
			dir := filepath.Join(t.TempDir(), "x")
			if err := ExtractZip(bytes.NewReader(tc.zip), int64(len(tc.zip)), dir, tc.limit); !errors.Is(err, tc.want) {
				t.Fatalf("extract err = %v", err)
			}
			// Only what is found while decompressing (sizes, ratios,
			// corrupt data) can leave a partial tree.
			detectedLate := tc.want == ErrZipTooLarge || tc.want == ErrZipBomb || tc.want == ErrZipInvalid
			if ents, _ := os.ReadDir(dir); len(ents) > 0 && !detectedLate {
				t.Errorf("extract wrote %d entries", len(ents))
			}
		})
	}
}

// overlappingZip has two central directory entries pointing at the same
// local file (the non-recursive zip bomb construction).
func overlappingZip(t *testing.T) []byte {
	b := zipOf(t, []zipFile{{name: "a", body: bytes.Repeat([]byte("x"), 1000)}})
	// Find the central directory header and duplicate it under another
	// name of the same length.
	cd := bytes.Index(b, []byte("PK\x01\x02"))
	eocd := bytes.Index(b, []byte("PK\x05\x06"))
	entry := append([]byte(nil), b[cd:eocd]...)
	dup := append([]byte(nil), entry...)
	nameOff := 46
	dup[nameOff] = 'b'
	out := append(append(append([]byte(nil), b[:eocd]...), dup...), b[eocd:]...)
	e := out[len(out)-(len(b)-eocd):]
	binary.LittleEndian.PutUint16(e[8:], 2)
	binary.LittleEndian.PutUint16(e[10:], 2)
	binary.LittleEndian.PutUint32(e[12:], uint32(2*len(entry)))
	return out
}

// lyingSizeZip declares a small uncompressed size for a large entry.
func lyingSizeZip(t *testing.T) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "a", Method: zip.Deflate, UncompressedSize64: 10, CompressedSize64: 0})
	if err != nil {
		t.Fatal(err)
	}
	var comp bytes.Buffer
	fw, _ := flate.NewWriter(&comp, flate.BestCompression)
	fw.Write(bytes.Repeat([]byte("y"), 3<<20))
	fw.Close()
	w.Write(comp.Bytes())
	zw.Close()
	b := buf.Bytes()
	// Fix the compressed size in both headers (CreateRaw trusts us).
	lfh := bytes.Index(b, []byte("PK\x03\x04"))
	binary.LittleEndian.PutUint32(b[lfh+18:], uint32(comp.Len()))
	cd := bytes.Index(b, []byte("PK\x01\x02"))
	binary.LittleEndian.PutUint32(b[cd+20:], uint32(comp.Len()))
	return b
}

func TestExtractZipPermissions(t *testing.T) {
	z := zipOf(t, []zipFile{{name: "bootstrap", body: []byte("#!/bin/sh\n"), mode: 0o755}, {name: "lib/data.txt", body: []byte("d"), mode: 0o666}, {name: "lib/link", link: "data.txt"}})
	dir := filepath.Join(t.TempDir(), "code")
	if err := ExtractZip(bytes.NewReader(z), int64(len(z)), dir, ZipLimits{}); err != nil {
		t.Fatal(err)
	}
	defer removeReadOnlyTree(dir)
	for p, want := range map[string]os.FileMode{".": 0o555, "bootstrap": 0o555, "lib": 0o555, "lib/data.txt": 0o444} {
		fi, err := os.Lstat(filepath.Join(dir, p))
		if err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: %v %v, want %v", p, fi.Mode(), err, want)
		}
	}
	if b, err := os.ReadFile(filepath.Join(dir, "lib/link")); err != nil || string(b) != "d" {
		t.Errorf("link: %q %v", b, err)
	}
}

func TestCodeCacheSharesExtraction(t *testing.T) {
	z := zipOf(t, []zipFile{{name: "a.py", body: []byte("x")}})
	opens := 0
	var mu sync.Mutex
	cc, err := newCodeCache(filepath.Join(t.TempDir(), "code"), ZipLimits{})
	if err != nil {
		t.Fatal(err)
	}
	defer removeReadOnlyTree(cc.dir)
	code := codeOf(z)
	inner := code.Open
	code.Open = func() (io.ReaderAt, int64, error) {
		mu.Lock()
		opens++
		mu.Unlock()
		return inner()
	}
	var wg sync.WaitGroup
	dirs := make([]string, 8)
	for i := range dirs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d, err := cc.get(code)
			if err != nil {
				t.Error(err)
			}
			dirs[i] = d
		}()
	}
	wg.Wait()
	for _, d := range dirs {
		if d != dirs[0] || !strings.HasSuffix(d, code.Sha256) {
			t.Fatalf("dirs %q", dirs)
		}
	}
	if opens != 1 {
		t.Errorf("extracted %d times", opens)
	}
	// A zip whose bytes do not match its sha is refused.
	bad := codeOf(z)
	bad.Sha256 = strings.Repeat("ab", 32)
	if _, err := cc.get(bad); err == nil || !strings.Contains(err.Error(), "sha256") {
		t.Errorf("mismatched sha: %v", err)
	}
}

func FuzzValidateZip(f *testing.F) {
	add := func(files []zipFile) {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for _, fl := range files {
			h := &zip.FileHeader{Name: fl.name, Method: zip.Deflate}
			mode := os.FileMode(0o644)
			body := fl.body
			if fl.link != "" {
				mode, body = os.ModeSymlink|0o777, []byte(fl.link)
			}
			h.SetMode(mode)
			w, _ := zw.CreateHeader(h)
			w.Write(body)
		}
		zw.Close()
		f.Add(buf.Bytes())
	}
	add([]zipFile{{name: "lambda_function.py", body: []byte("def handler(e, c):\n    return 1\n")}})
	add([]zipFile{{name: "a/b/c.js", body: []byte("exports.h=1")}, {name: "a/l", link: "b/c.js"}})
	add([]zipFile{{name: "../x", body: []byte("x")}})
	add([]zipFile{{name: "l", link: "../../etc/passwd"}})
	add([]zipFile{{name: "z", body: bytes.Repeat([]byte{0}, 1<<16)}})
	f.Add([]byte("PK\x05\x06" + strings.Repeat("\x00", 18)))
	f.Add([]byte{})
	limits := ZipLimits{MaxUnzipped: 8 << 20, MaxFiles: 1000, MaxRatio: 1000}
	f.Fuzz(func(t *testing.T, b []byte) {
		err := ValidateZip(bytes.NewReader(b), int64(len(b)), limits)
		if err == nil {
			// Whatever validates must extract, and stay inside dir.
			root := t.TempDir()
			dir := filepath.Join(root, "x")
			if err := ExtractZip(bytes.NewReader(b), int64(len(b)), dir, limits); err != nil {
				t.Fatalf("validated zip failed to extract: %v", err)
			}
			ents, _ := os.ReadDir(root)
			if len(ents) != 1 {
				t.Fatalf("extraction wrote outside its dir: %v", ents)
			}
			removeReadOnlyTree(dir)
			return
		}
		var ze *ZipError
		if !errors.As(err, &ze) {
			t.Fatalf("error %T is not a *ZipError: %v", err, err)
		}
	})
}
