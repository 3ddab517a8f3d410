package lambda

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// rawZip writes one entry whose header declares size bytes while its data
// is data (deflated as given): the way zip bombs lie.
func rawZip(t *testing.T, name string, declared uint64, plain []byte) []byte {
	t.Helper()
	var comp bytes.Buffer
	fw, _ := flate.NewWriter(&comp, flate.BestCompression)
	fw.Write(plain)
	fw.Close()
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	h := &zip.FileHeader{Name: name, Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(plain),
		CompressedSize64: uint64(comp.Len()), UncompressedSize64: declared}
	rw, err := w.CreateRaw(h)
	if err != nil {
		t.Fatal(err)
	}
	rw.Write(comp.Bytes())
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// zeros is a highly compressible deflated zip (a ratio bomb).
func zerosZip(t *testing.T, n int) []byte {
	t.Helper()
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	w.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(out, flate.BestCompression)
	})
	fw, _ := w.Create("zeros.bin")
	fw.Write(make([]byte, n))
	w.Close()
	return b.Bytes()
}

func TestZipRefused(t *testing.T) {
	const unzip = "Could not unzip uploaded file. Please check your file, then try to upload again."
	symlink := uint32(0o120777)
	cases := []struct {
		name string
		zip  func(t *testing.T) []byte
		msg  string
	}{
		{"not a zip", func(t *testing.T) []byte { return []byte("PK\x03\x04 this is not a zip") }, unzip},
		{"dot-dot path", func(t *testing.T) []byte {
			return makeZip(t, zipEntry{name: "app.py", body: "x=1"}, zipEntry{name: "../evil.py", body: "x=2"})
		}, unzip},
		{"nested dot-dot path", func(t *testing.T) []byte { return makeZip(t, zipEntry{name: "lib/../../evil.py", body: "x"}) }, unzip},
		{"backslash dot-dot path", func(t *testing.T) []byte { return makeZip(t, zipEntry{name: `..\evil.py`, body: "x"}) }, unzip},
		{"absolute path", func(t *testing.T) []byte { return makeZip(t, zipEntry{name: "/etc/cron.d/evil", body: "x"}) }, unzip},
		{"symlink out", func(t *testing.T) []byte {
			return makeZip(t, zipEntry{name: "app.py", body: "x"}, zipEntry{name: "link", body: "../../etc/passwd", mode: symlink})
		}, unzip},
		{"absolute symlink", func(t *testing.T) []byte {
			return makeZip(t, zipEntry{name: "link", body: "/etc/passwd", mode: symlink})
		}, unzip},
		{"lying sizes", func(t *testing.T) []byte { return rawZip(t, "bomb.bin", 10, make([]byte, 1<<20)) }, unzip},
		{"ratio bomb", func(t *testing.T) []byte { return zerosZip(t, 8<<20) }, unzip},
		{"declared over 250 MB", func(t *testing.T) []byte { return rawZip(t, "big.bin", 300<<20, make([]byte, 1<<10)) },
			"Unzipped size must be smaller than 262144000 bytes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := c.zip(t)
			f := newFixture(t)
			_, err := f.s.CreateFunction(f.ctx, f.createReq("fn", b))
			wantErr(t, err, "InvalidParameterValueException", 400, c.msg)
			f.nothingStored(t)

			// UpdateFunctionCode refuses it too and keeps the old code.
			f.create(t, "fn")
			before := f.record(t, "fn")
			_, err = f.s.UpdateFunctionCode(f.ctx, &UpdateFunctionCodeRequest{FunctionName: "fn", ZipFile: b})
			wantErr(t, err, "InvalidParameterValueException", 400, c.msg)
			if rec := f.record(t, "fn"); rec.RevisionID != before.RevisionID || rec.Code != before.Code || f.eng.blobs.count() != 1 {
				t.Error("the refused update changed the function")
			}
		})
	}
}

func TestZipAccepted(t *testing.T) {
	f := newFixture(t)
	b := makeZip(t,
		zipEntry{name: "app.py", body: "x = 1"},
		zipEntry{name: "lib/", mode: 0o040755},
		zipEntry{name: "lib/util.py", body: "y = 2"},
		zipEntry{name: "util.py", body: "lib/util.py", mode: 0o120777}, // a link inside the root
		zipEntry{name: "bootstrap", body: "#!/bin/sh", mode: 0o100755},
	)
	if _, err := f.s.CreateFunction(f.ctx, f.createReq("fn", b)); err != nil {
		t.Fatal(err)
	}
	if rec := f.record(t, "fn"); rec.Code.Unzipped != int64(len("x = 1y = 2lib/util.py#!/bin/sh")) {
		t.Errorf("unzipped size %d", rec.Code.Unzipped)
	}
}

func TestCodeLocation(t *testing.T) {
	var srvURL string
	f := newFixture(t, WithEndpoint(func() string { return srvURL }))
	mux := http.NewServeMux()
	mux.Handle(CodePath, f.s.CodeHandler())
	srv := httptest.NewServer(mux)
	defer srv.Close()
	srvURL = srv.URL

	zipFile := pyZip(t, "def handler(e, c):\n    return 'code'\n")
	if _, err := f.s.CreateFunction(f.ctx, f.createReq("fn", zipFile)); err != nil {
		t.Fatal(err)
	}
	out, err := f.s.GetFunction(f.ctx, &GetFunctionRequest{FunctionName: "fn"})
	if err != nil {
		t.Fatal(err)
	}
	loc := out.Code.Location
	if !strings.HasPrefix(loc, srv.URL+CodePath) {
		t.Fatalf("location %s", loc)
	}
	get := func(url string) (*http.Response, []byte) {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, body
	}
	resp, body := get(loc)
	if resp.StatusCode != 200 || !bytes.Equal(body, zipFile) || resp.Header.Get("Content-Type") != "application/zip" {
		t.Errorf("download: %d %s, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(body))
	}

	// A forged token is refused.
	resp, body = get(loc[:len(loc)-2] + "xx")
	if resp.StatusCode != 403 || !strings.Contains(string(body), "<Code>SignatureDoesNotMatch</Code>") {
		t.Errorf("forged: %d %s", resp.StatusCode, body)
	}
	resp, _ = get(srv.URL + CodePath + "nothing")
	if resp.StatusCode != 403 {
		t.Errorf("no token: %d", resp.StatusCode)
	}

	// Valid for 10 minutes, as AWS's presigned URLs.
	f.clk.Advance(10 * time.Minute)
	if resp, _ = get(loc); resp.StatusCode != 200 {
		t.Errorf("at 10 minutes: %d", resp.StatusCode)
	}
	f.clk.Advance(time.Second + time.Millisecond)
	resp, body = get(loc)
	if resp.StatusCode != 403 || !strings.Contains(string(body), "<Message>Request has expired</Message>") {
		t.Errorf("expired: %d %s", resp.StatusCode, body)
	}

	// After an update the old code's URL finds nothing.
	out, _ = f.s.GetFunction(f.ctx, &GetFunctionRequest{FunctionName: "fn"})
	old := out.Code.Location
	if _, err := f.s.UpdateFunctionCode(f.ctx, &UpdateFunctionCodeRequest{FunctionName: "fn", ZipFile: pyZip(t, "v = 2\n")}); err != nil {
		t.Fatal(err)
	}
	f.clk.Advance(0)
	if resp, _ = get(old); resp.StatusCode != 404 {
		t.Errorf("old code: %d", resp.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodPut, old, nil)
	if r, err := http.DefaultClient.Do(req); err != nil || r.StatusCode != 405 {
		t.Errorf("PUT: %v %v", r, err)
	}
}

// Each server signs with its own random key: another server's token is
// refused.
func TestCodeTokenOtherServer(t *testing.T) {
	a, b := newFixture(t), newFixture(t)
	a.create(t, "fn")
	out, _ := a.s.GetFunction(a.ctx, &GetFunctionRequest{FunctionName: "fn"})
	tok := out.Code.Location[strings.LastIndexByte(out.Code.Location, '/')+1:]
	rec := httptest.NewRecorder()
	b.s.CodeHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/x/"+tok, nil))
	if rec.Code != 403 {
		t.Errorf("token of another server: %d", rec.Code)
	}
}
