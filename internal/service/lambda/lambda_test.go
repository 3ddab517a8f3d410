package lambda

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"hako/internal/clock"
	"hako/internal/engine"
	"hako/internal/eventbus"
	"hako/internal/protocol"
	"hako/internal/protocol/model"
	"hako/internal/runtime"
	"hako/internal/service"
)

const (
	testAccount = "123456789012"
	testRegion  = "eu-west-1"
	testRole    = "arn:aws:iam::123456789012:role/lambda-role"
	testARN     = "arn:aws:lambda:eu-west-1:123456789012:function:"
)

var testStart = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// fakeInvoker records what the service asks of the runtime.
type fakeInvoker struct {
	mu      sync.Mutex
	reqs    []*runtime.InvokeRequest
	evicted []string
	result  runtime.InvokeResult
	err     error
	// reserved is what SetReservedConcurrency was told last, per ARN.
	reserved map[string]*int
	// script, when set, answers each invoke instead of result/err.
	script func(n int, req *runtime.InvokeRequest) (*runtime.InvokeResult, error)
}

func (f *fakeInvoker) SetReservedConcurrency(arn string, n *int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.reserved == nil {
		f.reserved = map[string]*int{}
	}
	f.reserved[arn] = n
}

func (f *fakeInvoker) Invoke(ctx context.Context, req *runtime.InvokeRequest) (*runtime.InvokeResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reqs = append(f.reqs, req)
	if f.script != nil {
		return f.script(len(f.reqs), req)
	}
	if f.err != nil {
		return nil, f.err
	}
	res := f.result
	return &res, nil
}

func (f *fakeInvoker) Evict(arn, version string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.evicted = append(f.evicted, arn)
}

func (f *fakeInvoker) lastReq(t *testing.T) *runtime.InvokeRequest {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.reqs) == 0 {
		t.Fatal("the invoker was not called")
	}
	return f.reqs[len(f.reqs)-1]
}

// preparingInvoker also implements Preparer.
type preparingInvoker struct {
	*fakeInvoker
	prepared []string
	err      error
}

func (p *preparingInvoker) Prepare(ctx context.Context, fn *runtime.Function) error {
	p.prepared = append(p.prepared, fn.Name+"@"+fn.Code.Sha256)
	return p.err
}

// trackingEngine counts live blobs, so tests can tell that a refused call
// stored nothing and that replaced code was deleted.
type trackingEngine struct {
	engine.Engine
	blobs *trackingBlobs
}

func (e *trackingEngine) Blobs() engine.BlobStore { return e.blobs }

type trackingBlobs struct {
	engine.BlobStore
	mu   sync.Mutex
	live map[string]bool
}

func (b *trackingBlobs) Create() (engine.BlobWriter, error) {
	w, err := b.BlobStore.Create()
	if err != nil {
		return nil, err
	}
	return &trackingWriter{BlobWriter: w, b: b}, nil
}

func (b *trackingBlobs) Delete(id string) error {
	b.mu.Lock()
	delete(b.live, id)
	b.mu.Unlock()
	return b.BlobStore.Delete(id)
}

func (b *trackingBlobs) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.live)
}

type trackingWriter struct {
	engine.BlobWriter
	b *trackingBlobs
}

func (w *trackingWriter) Commit() (string, error) {
	id, err := w.BlobWriter.Commit()
	if err == nil {
		w.b.mu.Lock()
		w.b.live[id] = true
		w.b.mu.Unlock()
	}
	return id, err
}

type fixture struct {
	s   *Service
	clk *clock.Fake
	eng *trackingEngine
	inv *fakeInvoker
	bus *eventbus.Bus
	ctx context.Context
	// objects are the S3 objects code can come from ("bucket/key").
	objects fakeObjects
}

// fakeObjects stands in for S3 as a code source.
type fakeObjects map[string][]byte

func (o fakeObjects) OpenObject(ctx context.Context, bucket, key, version string) (io.ReadCloser, error) {
	b, ok := o[bucket+"/"+key]
	if !ok {
		return nil, protocol.Errorf("NoSuchKey", "The specified key does not exist.")
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

func newFixture(t *testing.T, opts ...Option) *fixture {
	t.Helper()
	mem := engine.NewMemory()
	t.Cleanup(func() { mem.Close() })
	eng := &trackingEngine{Engine: mem, blobs: &trackingBlobs{BlobStore: mem.Blobs(), live: map[string]bool{}}}
	clk := clock.NewFake(testStart)
	inv := &fakeInvoker{result: runtime.InvokeResult{Payload: []byte(`{"ok":true}`), ExecutedVersion: "$LATEST"}}
	f := &fixture{clk: clk, eng: eng, inv: inv}
	f.bus = eventbus.New(eventbus.Config{Engine: eng, Clock: clk, Poll: 10 * time.Millisecond})
	f.objects = fakeObjects{}
	opts = append([]Option{WithObjectSource(f.objects)}, opts...)
	f.s = New(service.Env{Engine: eng, Clock: clk, Account: "000000000000", Region: "us-east-1", Bus: f.bus}, inv, opts...)
	f.bus.Start(context.Background())
	t.Cleanup(func() { f.bus.Stop() })
	f.ctx = protocol.WithCall(context.Background(), &protocol.Call{Account: testAccount, Region: testRegion, Time: testStart, RequestID: "req-1"})
	t.Cleanup(func() { f.s.Stop() })
	return f
}

// call runs an operation the way the server does: the model's validation,
// then the registered handler.
func (f *fixture) call(op string, doc map[string]any) (map[string]any, error) {
	api := f.s.APIs()[0]
	h, ok := api.Handlers[op]
	if !ok {
		return nil, protocol.NotImplemented("lambda", op)
	}
	if verr := protocol.Validate(api.Model(), api.Model().Operations[op].InputShape, doc, api.ValidationCode); verr != nil {
		return nil, verr
	}
	return h(f.ctx, doc)
}

type zipEntry struct {
	name string
	body string
	mode uint32 // unix mode bits (with type), 0 for a regular 0644 file
}

func makeZip(t testing.TB, entries ...zipEntry) []byte {
	t.Helper()
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		if e.mode != 0 {
			h.CreatorVersion = 3 << 8 // unix
			h.ExternalAttrs = e.mode << 16
		}
		fw, err := w.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(fw, e.body)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func pyZip(t *testing.T, body string) []byte {
	return makeZip(t, zipEntry{name: "app.py", body: body})
}

func (f *fixture) createReq(name string, zipFile []byte) *CreateFunctionRequest {
	return &CreateFunctionRequest{
		FunctionName: name, Runtime: "python3.12", Role: testRole, Handler: "app.handler",
		Code: &FunctionCode{ZipFile: zipFile},
	}
}

// create makes a function and lets it become Active.
func (f *fixture) create(t *testing.T, name string) *FunctionConfiguration {
	t.Helper()
	out, err := f.s.CreateFunction(f.ctx, f.createReq(name, pyZip(t, "def handler(e, c):\n    return e\n")))
	if err != nil {
		t.Fatal(err)
	}
	f.clk.Advance(0)
	return out
}

func (f *fixture) record(t *testing.T, name string) *functionRecord {
	t.Helper()
	rec, err := getFunction(f.eng, scope{account: testAccount, region: testRegion}, name)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// keys lists every key of the engine.
func (f *fixture) keys(t *testing.T) []string {
	t.Helper()
	var out []string
	err := f.eng.Scan(nil, nil, false, func(k, v []byte) (bool, error) {
		out = append(out, string(k))
		return true, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// nothingStored fails unless the engine holds no key and no blob.
func (f *fixture) nothingStored(t *testing.T) {
	t.Helper()
	if k := f.keys(t); len(k) != 0 {
		t.Errorf("keys stored: %q", k)
	}
	if n := f.eng.blobs.count(); n != 0 {
		t.Errorf("%d blobs stored", n)
	}
}

var lambdaModel = model.MustLoad(ModelName)

// wantErr checks an AWS error's code, HTTP status and message (exact, or
// a prefix when msg ends with "...").
func wantErr(t *testing.T, err error, code string, status int, msg string) *protocol.Error {
	t.Helper()
	var pe *protocol.Error
	if !errors.As(err, &pe) {
		t.Fatalf("got %v (%T), want %s", err, err, code)
	}
	pe.Resolve(lambdaModel)
	if pe.Code != code || pe.Status != status {
		t.Errorf("got %s %d (%s), want %s %d", pe.Code, pe.Status, pe.Message, code, status)
	}
	if prefix, ok := strings.CutSuffix(msg, "..."); ok {
		if !strings.HasPrefix(pe.Message, prefix) {
			t.Errorf("message %q\nwant prefix %q", pe.Message, prefix)
		}
	} else if msg != "" && pe.Message != msg {
		t.Errorf("message %q\nwant        %q", pe.Message, msg)
	}
	return pe
}

func sha(b []byte) (hexSum, b64 string) {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:]), base64.StdEncoding.EncodeToString(s[:])
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestAPIsServeTheOperations(t *testing.T) {
	f := newFixture(t)
	api := f.s.APIs()[0]
	if f.s.Name() != "lambda" || api.Model().Name != "lambda" || api.ValidationCode != "ValidationException" {
		t.Errorf("name %s model %s code %s", f.s.Name(), api.Model().Name, api.ValidationCode)
	}
	for op := range api.Handlers {
		if api.Model().Operations[op] == nil {
			t.Errorf("handler for %s, which the model does not have", op)
		}
	}
	if len(api.Handlers) != 40 {
		t.Errorf("%d handlers", len(api.Handlers))
	}
}

func TestRuntimeTable(t *testing.T) {
	enum := map[string]bool{}
	for _, id := range lambdaModel.Shapes["Runtime"].Enum {
		enum[id] = true
	}
	for _, id := range []string{"python3.12", "python3.9", "nodejs20.x", "nodejs22.x", "provided.al2023", "provided.al2", "go1.x"} {
		if !enum[id] {
			t.Errorf("%s is not in the model's Runtime enum", id)
		}
		if DefaultRuntimes(id) != RuntimeSupported {
			t.Errorf("%s is not supported", id)
		}
	}
	for id, want := range map[string]RuntimeStatus{"python3.7": RuntimeDeprecated, "nodejs14.x": RuntimeDeprecated, "java21": RuntimeNotRunnable, "dotnet8": RuntimeNotRunnable, "cobol": RuntimeUnknown} {
		if got := DefaultRuntimes(id); got != want {
			t.Errorf("%s: %d, want %d", id, got, want)
		}
	}
}

func ctxFor(account, region string) context.Context {
	return protocol.WithCall(context.Background(), &protocol.Call{Account: account, Region: region, Time: testStart})
}
