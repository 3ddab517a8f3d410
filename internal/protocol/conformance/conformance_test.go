package conformance

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"hako/internal/protocol"
	"hako/internal/protocol/awsjson"
	"hako/internal/protocol/model"
	"hako/internal/protocol/query"
	"hako/internal/protocol/restjson"
	"hako/internal/protocol/restxml"
)

const script = "testdata/botocore_conformance.py"

// coreServices are the models hako serves today; the rest of model.Names()
// is the broader sweep. Both must agree with botocore.
var coreServices = map[string]bool{"logs": true, "sts": true, "iam": true}

// What is checked: the first three per operation and variant.
const (
	dirRequest = "request" // botocore serializes, the codec decodes
	dirOutput  = "output"  // the codec encodes an output, botocore parses
	dirError   = "error"   // the codec encodes the first modelled error, botocore parses
	// every error shape of the model once, and the common errors
	dirAllErrors = "all-errors"
)

// knownFailure excuses the diff lines of a known codec bug: a line is
// excused when model, direction and operation match and it contains match.
// A check whose every line is excused counts as "known", not as a failure.
type knownFailure struct {
	model, op, dir string
	match          string
	reason         string
}

// knownFailures are the codec bugs this test found that are not fixed
// yet. Keep it short and honest: one entry per bug, with its reason.
var knownFailures = []knownFailure{}

// errorMessage is the message of every encoded error: characters that need
// escaping in JSON and XML.
const errorMessage = "conformance \u00e9 <&> \"message\""

func TestCodecsAgreeWithBotocore(t *testing.T) {
	python := requireBotocore(t)
	var mu sync.Mutex
	tallies := map[string]*tally{}
	used := map[int]bool{}
	t.Run("models", func(t *testing.T) {
		for _, name := range model.Names() {
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				api := model.MustLoad(name)
				run, err := runModel(python, api, codecFor(api.Protocol()))
				if err != nil {
					t.Fatal(err)
				}
				tl := newTally(run)
				for _, r := range run.results {
					tl.record(t, name, r)
				}
				mu.Lock()
				tallies[name] = tl
				for i := range tl.used {
					used[i] = true
				}
				mu.Unlock()
			})
		}
	})
	names := make([]string, 0, len(tallies))
	for n := range tallies {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		if coreServices[names[i]] != coreServices[names[j]] {
			return coreServices[names[i]]
		}
		return names[i] < names[j]
	})
	var b strings.Builder
	fmt.Fprintf(&b, "%-16s %-10s %4s  %-16s %-16s %-18s %s\n", "model", "protocol", "ops",
		"request", "output", "error", "all errors")
	total := &tally{n: map[string]*[3]int{dirRequest: {}, dirOutput: {}, dirError: {}, dirAllErrors: {}}}
	for _, n := range names {
		tl := tallies[n]
		label := n
		if coreServices[n] {
			label += "*"
		}
		fmt.Fprintf(&b, "%-16s %-10s %4d  %s\n", label, tl.run.proto, tl.run.ops, tl)
		total.add(tl)
	}
	fmt.Fprintf(&b, "%-16s %-10s %4d  %s\n", "total", "", total.run.ops, total)
	fmt.Fprintf(&b, "checks are pass/fail/known; request, output and error run once per operation and\n"+
		"variant (%s), error with the operation's first modelled error (/N: operations\n"+
		"without one); all errors: every error shape of the model once, and %d common codes.\n",
		strings.Join(variants, ", "), len(commonErrors))
	fmt.Fprintf(&b, "scalar values compared: request %d, output %d, error %d\n",
		total.leaves[dirRequest], total.leaves[dirOutput], total.leaves[dirError]+total.leaves[dirAllErrors])
	for _, na := range total.run.notApplicable {
		fmt.Fprintf(&b, "not checked: %s\n", na)
	}
	for _, n := range total.run.ambiguous {
		fmt.Fprintf(&b, "same request line as another operation (decoded as the wanted one): %s\n", n)
	}
	t.Logf("botocore conformance (* = served by hako today):\n%s", b.String())
	if len(tallies) < len(model.Names()) {
		return // a model could not run: the known failures were not all tried
	}
	for i, k := range knownFailures {
		if !used[i] {
			t.Logf("note: known failure %s %s %s (%s) no longer occurs: remove it from knownFailures", k.model, k.op, k.dir, k.reason)
		}
	}
}

// result is the outcome of one check: no lines means agreement.
type result struct {
	op, dir, variant string
	lines            []string
	leaves           int
}

// modelRun is what checking one model produced.
type modelRun struct {
	name, proto string
	ops         int
	results     []result
	// noErrors counts operations without modelled errors.
	noErrors int
	// notApplicable lists checks that do not apply, with the reason;
	// ambiguous lists operations whose request line another operation
	// shares (S3's deprecated twins).
	notApplicable, ambiguous []string
}

// tally counts the outcomes of one model's checks.
type tally struct {
	run    modelRun
	n      map[string]*[3]int // per direction: pass, fail, known
	leaves map[string]int
	used   map[int]bool // knownFailures entries that excused a line
}

func newTally(run *modelRun) *tally {
	return &tally{run: *run, n: map[string]*[3]int{dirRequest: {}, dirOutput: {}, dirError: {}, dirAllErrors: {}}, leaves: map[string]int{}, used: map[int]bool{}}
}

func (tl *tally) add(o *tally) {
	tl.run.ops += o.run.ops
	tl.run.noErrors += o.run.noErrors
	tl.run.notApplicable = append(tl.run.notApplicable, o.run.notApplicable...)
	tl.run.ambiguous = append(tl.run.ambiguous, o.run.ambiguous...)
	if tl.leaves == nil {
		tl.leaves = map[string]int{}
	}
	for d, c := range o.n {
		for i := range c {
			tl.n[d][i] += c[i]
		}
		tl.leaves[d] += o.leaves[d]
	}
}

func (tl *tally) String() string {
	f := func(d string) string {
		c := tl.n[d]
		return fmt.Sprintf("%d/%d/%d", c[0], c[1], c[2])
	}
	return fmt.Sprintf("%-16s %-16s %-18s %s", f(dirRequest), f(dirOutput), fmt.Sprintf("%s/%d", f(dirError), tl.run.noErrors), f(dirAllErrors))
}

// record files one result: diff lines that knownFailures do not excuse
// fail the test.
func (tl *tally) record(t *testing.T, name string, r result) {
	t.Helper()
	c := tl.n[r.dir]
	tl.leaves[r.dir] += r.leaves
	if len(r.lines) == 0 {
		c[0]++
		return
	}
	var left []string
	for _, l := range r.lines {
		if i := excuse(name, r.op, r.dir, l); i >= 0 {
			tl.used[i] = true
		} else {
			left = append(left, l)
		}
	}
	if len(left) == 0 {
		c[2]++
		return
	}
	c[1]++
	if len(left) > 15 {
		left = append(left[:15], fmt.Sprintf("... and %d more", len(left)-15))
	}
	t.Errorf("%s %s (%s, %s values): botocore and hako disagree:\n\t%s", name, r.op, r.dir, r.variant, strings.Join(left, "\n\t"))
}

func excuse(name, op, dir, line string) int {
	for i, k := range knownFailures {
		if k.model == name && k.dir == dir && (k.op == "" || k.op == op) && strings.Contains(line, k.match) {
			return i
		}
	}
	return -1
}

func requireBotocore(t *testing.T) string {
	t.Helper()
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed")
	}
	if err := exec.Command(python, "-c", "import botocore.serialize, botocore.parsers").Run(); err != nil {
		t.Skip("botocore not installed for python3")
	}
	return python
}

// codecFor is the codec the edge serves a protocol with.
func codecFor(proto string) protocol.Codec {
	switch proto {
	case "json":
		return awsjson.Codec{}
	case "rest-json":
		return restjson.Codec{}
	case "rest-xml":
		// Arbitrary Content-MD5 and checksum values: wire shapes only.
		return restxml.Codec{SkipIntegrity: true}
	case "query":
		return query.Codec{}
	}
	return nil
}

// runModel checks every operation of a model in all three directions,
// with one Python process per direction of travel.
func runModel(python string, api *model.API, codec protocol.Codec) (*modelRun, error) {
	proto := api.Protocol()
	if codec == nil {
		return nil, fmt.Errorf("%s: hako has no codec for protocol %q", api.Name, proto)
	}
	modelPath, err := filepath.Abs(filepath.Join("..", "model", "data", api.Name+".json.gz"))
	if err != nil {
		return nil, err
	}
	run := &modelRun{name: api.Name, proto: proto}
	ops := api.OperationNames()
	run.ops = len(ops)

	// Encode every output and error first, so both Python processes can
	// run at once.
	responses, checks := encodeResponses(api, codec, ops, run)
	var requests, parsed []map[string]any
	var reqErr, parseErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		requests, reqErr = runPython(python, []string{"serialize", modelPath, api.Name, proto}, []byte(strings.Join(ops, "\n")+"\n"))
	})
	wg.Go(func() {
		parsed, parseErr = runPython(python, []string{"parse", modelPath, api.Name, proto}, responses)
	})
	wg.Wait()
	if reqErr != nil {
		return nil, fmt.Errorf("%s: botocore serialize: %v", api.Name, reqErr)
	}
	if parseErr != nil {
		return nil, fmt.Errorf("%s: botocore parse: %v", api.Name, parseErr)
	}

	seen := map[string]bool{}
	for _, req := range requests {
		opName, _ := req["op"].(string)
		variant, _ := req["variant"].(string)
		seen[opName+" "+variant] = true
		r := checkRequest(api, codec, req, run)
		r.op, r.dir, r.variant = opName, dirRequest, variant
		run.results = append(run.results, r)
	}
	for _, op := range ops {
		for _, v := range variants {
			if !seen[op+" "+v] {
				run.results = append(run.results, result{op: op, dir: dirRequest, variant: v, lines: []string{"botocore printed no request"}})
			}
		}
	}
	seen = map[string]bool{}
	for _, p := range parsed {
		opName, _ := p["op"].(string)
		kind, _ := p["kind"].(string)
		variant, _ := p["variant"].(string)
		key := opName + " " + kind + " " + variant
		chk := checks[key]
		if chk == nil || seen[key] {
			return nil, fmt.Errorf("%s: botocore parsed an unexpected response %q", api.Name, key)
		}
		seen[key] = true
		r := chk(p)
		r.op, r.dir, r.variant = opName, kind, variant
		run.results = append(run.results, r)
	}
	for key := range checks {
		if !seen[key] {
			f := strings.Fields(key)
			run.results = append(run.results, result{op: f[0], dir: f[1], variant: f[2], lines: []string{"botocore printed no parse result"}})
		}
	}
	return run, nil
}

// runPython runs the script with stdin and returns the JSON lines it
// printed (numbers as json.Number).
func runPython(python string, args []string, stdin []byte) ([]map[string]any, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, append([]string{script}, args...)...)
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%v\n%s", err, stderr.String())
	}
	var lines []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.UseNumber()
		var line map[string]any
		if err := dec.Decode(&line); err != nil {
			return nil, fmt.Errorf("bad line %.200q: %v", sc.Text(), err)
		}
		lines = append(lines, line)
	}
	return lines, sc.Err()
}

func isXML(proto string) bool { return proto == "query" || proto == "rest-xml" }

// ---------------------------------------------------------------- requests

// checkRequest builds the request botocore serialized and checks that the
// codec finds the operation and decodes the parameters.
func checkRequest(api *model.API, codec protocol.Codec, req map[string]any, run *modelRun) (res result) {
	fail := func(format string, args ...any) result {
		res.lines = append(res.lines, fmt.Sprintf(format, args...))
		return res
	}
	opName, _ := req["op"].(string)
	if e, ok := req["error"].(string); ok {
		return fail("botocore could not serialize the example input: %s", e)
	}
	method, _ := req["method"].(string)
	rawURL, _ := req["url"].(string)
	body, err := base64.StdEncoding.DecodeString(fmt.Sprint(req["body"]))
	if err != nil {
		return fail("bad body from botocore: %v", err)
	}
	// The request target as a server reads it: path and query, escaped as
	// botocore escaped them.
	target := rawURL
	if i := strings.Index(rawURL, "://"); i >= 0 {
		target = "/"
		if j := strings.IndexByte(rawURL[i+3:], '/'); j >= 0 {
			target = rawURL[i+3+j:]
		}
	}
	defer func() {
		if v := recover(); v != nil {
			res = fail("panic: %v (%s %s)", v, method, target)
		}
	}()
	r := httptest.NewRequest(method, target, bytes.NewReader(body))
	r.Host = "127.0.0.1:4566"
	headers, _ := req["headers"].(map[string]any)
	for k, v := range headers {
		if !strings.EqualFold(k, "Host") {
			r.Header.Set(k, fmt.Sprint(v))
		}
	}
	c := &protocol.Call{RequestID: "conformance-request", Time: time.Now(), Region: "us-east-1", Account: "123456789012", API: api}
	op, err := codec.Operation(c, r)
	if err != nil {
		return fail("Operation(%s %s): %v", method, target, err)
	}
	if op.Name != opName {
		want := api.Operations[opName]
		if want == nil || want.HTTP.Method != op.HTTP.Method || want.HTTP.RequestURI != op.HTTP.RequestURI ||
			requiredLocated(want) != requiredLocated(op) {
			return fail("Operation(%s %s) = %s, want %s", method, target, op.Name, opName)
		}
		// Nothing on the wire tells the two apart (S3's deprecated
		// GetBucketLifecycle and GetBucketLifecycleConfiguration): check
		// the decoding with the operation botocore meant.
		if variant, _ := req["variant"].(string); variant == variants[0] {
			run.ambiguous = append(run.ambiguous, fmt.Sprintf("%s %s (served as %s)", api.Name, opName, op.Name))
		}
		op = want
	}
	c.Op = op
	doc, err := codec.Decode(c, r)
	if err != nil {
		return fail("Decode(%s %s): %v", method, target, err)
	}
	params, _ := req["params"].(map[string]any)
	if op.InputShape == nil {
		if len(doc) != 0 {
			return fail("operation without input decoded %s", short(doc))
		}
		return res
	}
	xml := isXML(api.Protocol())
	want := typer{wire: true, xml: xml, errs: &res.lines}.value(op.InputShape, params, "")
	if w, ok := want.(map[string]any); ok {
		want = uncarried(op.InputShape, w, api.Protocol(), dirRequest)
	}
	got := typer{xml: xml, errs: &res.lines}.value(op.InputShape, doc, "")
	if g, ok := got.(map[string]any); ok {
		got = uncarried(op.InputShape, g, api.Protocol(), dirRequest)
	}
	df := &differ{}
	res.lines = append(res.lines, df.diff("", want, got)...)
	res.leaves = df.leaves
	return res
}

// requiredLocated lists an operation's required header and querystring
// members, which tell operations of one URI template apart.
func requiredLocated(op *model.Operation) string {
	var names []string
	if in := op.InputShape; in != nil {
		for _, m := range in.Members {
			if (m.Location == "header" || m.Location == "querystring") && in.IsRequired(m.Name) {
				names = append(names, m.Location+":"+strings.ToLower(m.LocationName))
			}
		}
	}
	sort.Strings(names)
	return strings.Join(names, ",")
}

// ---------------------------------------------------------------- responses

type parseCheck func(parsed map[string]any) result

// encodeResponses encodes the example output and first modelled error of
// every operation and returns them as the script's JSON lines, with the
// check of each parse result keyed by "op kind".
func encodeResponses(api *model.API, codec protocol.Codec, ops []string, run *modelRun) ([]byte, map[string]parseCheck) {
	var buf bytes.Buffer
	checks := map[string]parseCheck{}
	xml := isXML(api.Protocol())
	emit := func(op, kind, variant string, rec *httptest.ResponseRecorder) {
		res := rec.Result()
		headers := http.Header{}
		for k, vs := range res.Header {
			if len(vs) > 0 { // a nil value only stops net/http from sniffing
				headers[k] = vs
			}
		}
		line, _ := json.Marshal(map[string]any{
			"op": op, "kind": kind, "variant": variant, "status": res.StatusCode,
			"headers": headers, "body": base64.StdEncoding.EncodeToString(rec.Body.Bytes()),
		})
		buf.Write(line)
		buf.WriteByte('\n')
	}
	for _, variant := range variants {
		gen := generator{xml: xml, variant: variant}
		for _, name := range ops {
			encodeOp(api, codec, name, gen, run, checks, emit)
		}
	}
	encodeModelErrors(api, codec, ops, checks, emit)
	return buf.Bytes(), checks
}

// encodeOp encodes one operation's example output and error.
func encodeOp(api *model.API, codec protocol.Codec, name string, gen generator, run *modelRun, checks map[string]parseCheck, emit func(op, kind, variant string, rec *httptest.ResponseRecorder)) {
	xml := gen.xml
	encode := func(f func()) (panicked string) {
		defer func() {
			if v := recover(); v != nil {
				panicked = fmt.Sprint(v)
			}
		}()
		f()
		return ""
	}
	{
		op := api.Operations[name]
		call := func() *protocol.Call {
			return &protocol.Call{RequestID: "conformance-request", Region: "us-east-1", Account: "123456789012", API: api, Op: op}
		}

		if api.Protocol() == "json" && hasEventStream(op.OutputShape) {
			// The whole json response is an event stream (an
			// initial-response event first), which no codec writes.
			if gen.variant == variants[0] {
				run.notApplicable = append(run.notApplicable, fmt.Sprintf("%s %s output: json event stream", api.Name, name))
			}
		} else {
			want, enc := exampleOutput(op, gen)
			rec := httptest.NewRecorder()
			panicked := encode(func() { codec.Encode(call(), rec, enc) })
			emit(name, dirOutput, gen.variant, rec)
			status := rec.Code
			checks[name+" "+dirOutput+" "+gen.variant] = func(p map[string]any) (res result) {
				if panicked != "" {
					return result{lines: []string{"Encode panicked: " + panicked}}
				}
				if e, ok := p["error"].(string); ok {
					return result{lines: []string{fmt.Sprintf("botocore could not parse the output (HTTP %d): %s", status, e)}}
				}
				if status >= 300 {
					return result{lines: []string{fmt.Sprintf("Encode answered HTTP %d: %s", status, short(p["parsed"]))}}
				}
				parsed, _ := p["parsed"].(map[string]any)
				if op.OutputShape == nil {
					if len(parsed) != 0 {
						res.lines = append(res.lines, "operation without output parsed as "+short(parsed))
					}
					return res
				}
				w := typer{errs: &res.lines}.value(op.OutputShape, uncarried(op.OutputShape, want, api.Protocol(), dirOutput), "")
				g := typer{wire: true, xml: xml, errs: &res.lines}.value(op.OutputShape, parsed, "")
				if gm, ok := g.(map[string]any); ok {
					g = uncarried(op.OutputShape, gm, api.Protocol(), dirOutput)
				}
				df := &differ{}
				res.lines = append(res.lines, df.diff("", w, g)...)
				res.leaves = df.leaves
				return res
			}
		}

		if len(op.Errors) == 0 {
			if gen.variant == variants[0] {
				run.noErrors++
			}
			return
		}
		es := op.Errors[0].Shape
		encodeError(api, codec, op, errorCode(es), es, gen, dirError, gen.variant, checks, emit)
	}
}

// errorCode is the code the generated error constructors (apigen) give an
// error shape: its modelled code, else its name.
func errorCode(es *model.Shape) string {
	if es.Error != nil && es.Error.Code != "" {
		return es.Error.Code
	}
	return es.Name
}

// commonErrors are codes hako answers that most models do not define
// (protocol.common): clients must still read their code and message.
var commonErrors = []string{
	"AccessDenied", "AccessDeniedException", "InternalFailure", "InvalidAction", "MissingAction",
	"NotImplemented", "SerializationException", "ServiceUnavailable", "SignatureDoesNotMatch",
	"ThrottlingException", "UnrecognizedClientException", "ValidationError", "ValidationException",
}

// encodeModelErrors encodes every error shape of the model once (with the
// first operation that lists it) and the common errors (with the first
// operation that is not a HEAD).
func encodeModelErrors(api *model.API, codec protocol.Codec, ops []string, checks map[string]parseCheck, emit func(op, kind, variant string, rec *httptest.ResponseRecorder)) {
	gen := generator{xml: isXML(api.Protocol()), variant: variants[0]}
	var shapes []string
	for name, s := range api.Shapes {
		if s.Exception || s.Error != nil {
			shapes = append(shapes, name)
		}
	}
	sort.Strings(shapes)
	var plain *model.Operation
	for _, name := range ops {
		if op := api.Operations[name]; op.HTTP.Method != http.MethodHead {
			plain = op
			break
		}
	}
	for _, sn := range shapes {
		es := api.Shapes[sn]
		op := plain
	find:
		for _, name := range ops {
			for _, e := range api.Operations[name].Errors {
				if e.Shape == es {
					op = api.Operations[name]
					break find
				}
			}
		}
		encodeError(api, codec, op, errorCode(es), es, gen, dirAllErrors, sn, checks, emit)
	}
	for _, code := range commonErrors {
		if api.ErrorShape(code) != nil {
			continue // the model's own, checked above
		}
		encodeError(api, codec, plain, code, api.ErrorShape(code), gen, dirAllErrors, code, checks, emit)
	}
}

// encodeError encodes an error of code (with the fields of its shape es,
// nil when the model does not define it) in the context of op.
func encodeError(api *model.API, codec protocol.Codec, op *model.Operation, code string, es *model.Shape, gen generator, kind, label string, checks map[string]parseCheck, emit func(op, kind, variant string, rec *httptest.ResponseRecorder)) {
	var msgMember string
	fields := map[string]any{}
	if es != nil {
		msgMember = messageMember(es)
		fields = gen.structure(es, nil)
		delete(fields, msgMember)
	}
	perr := &protocol.Error{Code: code, Message: errorMessage}
	for k, v := range deepCopy(fields).(map[string]any) {
		perr = perr.With(k, v)
	}
	rec := httptest.NewRecorder()
	var panicked string
	func() {
		defer func() {
			if v := recover(); v != nil {
				panicked = fmt.Sprint(v)
			}
		}()
		codec.EncodeError(&protocol.Call{RequestID: "conformance-request", Region: "us-east-1", Account: "123456789012", API: api, Op: op}, rec, perr)
	}()
	emit(op.Name, kind, label, rec)
	status := rec.Code
	checks[op.Name+" "+kind+" "+label] = func(p map[string]any) result {
		if panicked != "" {
			return result{lines: []string{"EncodeError panicked: " + panicked}}
		}
		return checkError(p, api, op, es, code, msgMember, fields, status)
	}
}

func hasEventStream(s *model.Shape) bool {
	if s == nil {
		return false
	}
	for _, m := range s.Members {
		if m.Shape.EventStream {
			return true
		}
	}
	return false
}

// messageMember is the member of an error shape that holds the message,
// or "".
func messageMember(s *model.Shape) string {
	for _, m := range s.Members {
		if strings.EqualFold(m.Name, "message") && m.Location == "" {
			return m.Name
		}
	}
	return ""
}

func sameCode(api *model.API, shape string, es *model.Shape) bool {
	s := api.Shapes[shape]
	return s != nil && errorCode(s) == errorCode(es)
}

// checkError checks what botocore made of an encoded error: the exception
// class a client raises, Error.Code and Message, the HTTP status the model
// gives and the modelled fields.
func checkError(p map[string]any, api *model.API, op *model.Operation, es *model.Shape, code, msgMember string, fields map[string]any, status int) (res result) {
	proto := api.Protocol()
	xml := isXML(proto)
	bad := func(format string, args ...any) { res.lines = append(res.lines, fmt.Sprintf(format, args...)) }
	if e, ok := p["error"].(string); ok {
		bad("botocore could not parse the error: %s", e)
		return res
	}
	parsed, _ := p["parsed"].(map[string]any)
	perr, _ := parsed["Error"].(map[string]any)
	if status < 400 {
		bad("HTTP status %d is not an error", status)
	}
	if es != nil && es.Error != nil && es.Error.HTTPStatusCode != 0 && status != es.Error.HTTPStatusCode {
		bad("HTTP status: want %d (model), got %d", es.Error.HTTPStatusCode, status)
	}
	if op.HTTP.Method == http.MethodHead {
		// A HEAD response has no body: clients know the error by its
		// status alone (botocore's Error.Code is the status, as with AWS).
		if got := fmt.Sprint(perr["Code"]); got != strconv.Itoa(status) {
			bad("HEAD error: Error.Code %s, want the status %d", short(perr["Code"]), status)
		}
		return res
	}
	modeled := "a generic ClientError"
	if p["modeled"] != nil {
		modeled = fmt.Sprint(p["modeled"])
	}
	switch {
	case es != nil && modeled != es.Name && !sameCode(api, modeled, es):
		// (two shapes of one code, as CloudWatch's DashboardNotFoundError
		// and ResourceNotFound, are one exception to a client)
		bad("exception: botocore raises %s (Error.Code %s), want %s (code %s)", modeled, short(perr["Code"]), es.Name, code)
	case es == nil && (p["modeled"] != nil || perr["Code"] != code):
		bad("exception: botocore raises %s with Error.Code %s, want a generic ClientError with %s", modeled, short(perr["Code"]), code)
	}
	if got, _ := perr["Message"].(string); got != errorMessage {
		bad("Error.Message: want %q, got %s", errorMessage, short(perr["Message"]))
	}
	if msgMember != "" {
		if got, ok := parsed[msgMember]; ok && got != errorMessage {
			bad("%s: want %q, got %s", msgMember, errorMessage, short(got))
		}
	}
	if es == nil {
		res.leaves = 2
		return res
	}
	// The modelled fields the codec was given, as botocore parsed them.
	w := typer{errs: &res.lines}.value(es, uncarried(es, fields, proto, dirError), "")
	gotFields := map[string]any{}
	for k := range fields {
		if v, ok := parsed[k]; ok {
			gotFields[k] = v
		}
	}
	g := typer{wire: true, xml: xml, errs: &res.lines}.value(es, gotFields, "")
	if gm, ok := g.(map[string]any); ok {
		g = uncarried(es, gm, proto, dirError)
	}
	df := &differ{}
	res.lines = append(res.lines, df.diff("", w, g)...)
	res.leaves = df.leaves + 2 // code and message
	return res
}
