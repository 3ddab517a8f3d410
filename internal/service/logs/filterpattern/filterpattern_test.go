package filterpattern

import (
	"errors"
	"strings"
	"testing"
)

// Messages taken from the CloudWatch Logs filter pattern documentation.
const (
	docJSONEvent = `{"eventType":"UpdateTrail","sourceIPAddress":"111.111.111.111",` +
		`"arrayKey":["value","another value"],` +
		`"objectList":[{"name":"a","id":1},{"name":"b","id":2}],"SomeObject":null}`
	docCompound = `{"user":{"id":1,"email":"John.Stiles@example.com"},` +
		`"users":[{"id":2,"email":"John.Doe@example.com"},{"id":3,"email":"Jane.Doe@example.com"}],` +
		`"actions":["GET","PUT","DELETE"],"coordinates":[[0,1,2],[4,5,6],[7,8,9]]}`
	apacheLine   = `127.0.0.1 Prod frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534`
	lambdaReport = "REPORT RequestId: 5002d846-892a-4bfe-83bb-b0c32406c482\tDuration: 741.17 ms\t" +
		"Billed Duration: 800 ms\tMemory Size: 128 MB\tMax Memory Used: 84 MB"
)

type matchCase struct {
	pattern string
	message string
	want    bool
}

var matchCases = []matchCase{
	// ---- match everything ----
	{"", "anything at all", true},
	{"", "", true},
	{"   ", "anything", true},
	{`" "`, "no-blank-here", true},
	{`""`, "x", true},

	// ---- unstructured terms ----
	{"ERROR", "[ERROR 400] BAD REQUEST", true},
	{"ERROR", "[ERROR 401] UNAUTHORIZED REQUEST", true},
	{"ERROR", "[INFO] all good", false},
	{"ERROR", "error in lower case", false}, // case-sensitive
	{"ERROR", "ERRORS", true},               // substring
	{"ERROR ARGUMENTS", "[ERROR 419] MISSING ARGUMENTS", true},
	{"ERROR ARGUMENTS", "[ERROR 400] BAD REQUEST", false},
	{"ERROR ARGUMENTS", "ARGUMENTS without the other", false},
	{"?ERROR ?ARGUMENTS", "[ERROR 400] BAD REQUEST", true},
	{"?ERROR ?ARGUMENTS", "MISSING ARGUMENTS", true},
	{"?ERROR ?ARGUMENTS", "[ERROR 420] INVALID ARGUMENTS", true},
	{"?ERROR ?ARGUMENTS", "[INFO] fine", false},
	{`"INTERNAL SERVER ERROR"`, "[ERROR 500] INTERNAL SERVER ERROR", true},
	{`"INTERNAL SERVER ERROR"`, "[ERROR 500] INTERNAL ERROR SERVER", false},
	{`"Exception occurred"`, "java: Exception occurred in main", true},
	{"ERROR -ARGUMENTS", "[ERROR 400] BAD REQUEST", true},
	{"ERROR -ARGUMENTS", "[ERROR 419] MISSING ARGUMENTS", false},
	{"ERROR -Exiting", "ERROR Exiting now", false},
	{"ERROR -Exiting", "ERROR retrying", true},
	{`ERROR -"Exiting now"`, "ERROR Exiting later", true},
	{`ERROR -"Exiting now"`, "ERROR Exiting now", false},
	{"-DEBUG", "INFO started", true},
	{"-DEBUG", "DEBUG noise", false},
	{`?"ERROR" "MainThread" ?"WARN" "Deadlock"`, "ERROR in MainThread", true},
	{`?"ERROR" "MainThread" ?"WARN" "Deadlock"`, "WARN Deadlock detected", true},
	{`?"ERROR" "MainThread" ?"WARN" "Deadlock"`, "ERROR in worker", false},
	{`?"ERROR" "MainThread" ?"WARN" "Deadlock"`, "WARN MainThread", false},
	{"?ERROR ?WARN -Retry", "WARN Retry later", false},
	{"?ERROR ?WARN -Retry", "ERROR Retry later", true},
	{`"say \"hi\""`, `they say "hi" loudly`, true},
	{`"back\\slash"`, `a back\slash b`, true},
	{"user@example.com", "login user@example.com ok", true},
	{"404", "GET / 404", true},
	{"x {literal}", "x {literal} y", true}, // '{' only matters at the start
	{"a ?b", "b", true},

	// ---- regex ----
	{"%AUTHORIZED%", "[ERROR 401] UNAUTHORIZED REQUEST", true},
	{"%AUTHORIZED%", "[SUCCESS 200] AUTHORIZED REQUEST", true},
	{"%AUTHORIZED%", "[SUCCESS 200] authorized", false},
	{"%^[hc]at%", "hat trick", true},
	{"%^[hc]at%", "that", false},
	{"%[hc]at$%", "a cat", true},
	{"%colou?r%", "the color red", true},
	{"%colou?r%", "the colour red", true},
	{"%a{3,5}%", "baaab", true},
	{"%a{3,5}%", "baab", false},
	{`%\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}%`, "from 10.0.12.7 port 22", true},
	{`%\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}%`, "from localhost", false},
	{"%[Ee]rror|[Ff]ail%", "request FAILED", false},
	{"%[Ee]rror|[Ff]ail%", "request Failed", true},
	{"%[Ee]rror|[Ff]ail%", "an error", true},
	{"  %ERROR%  ", "x ERROR y", true},
	{`%[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}%`, lambdaReport, true},
	{`%\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}%`, "2024-01-02T03:04:05Z START", true},
	{`%\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}%`, "2024-01-02 03:04:05 START", false},
	{`%[a-z]{200}%`, strings.Repeat("a", 199), false},
	{`%[a-z]{200}%`, strings.Repeat("a", 200), true},

	// ---- JSON: strings ----
	{`{ $.eventType = "UpdateTrail" }`, docJSONEvent, true},
	{`{$.eventType="UpdateTrail"}`, docJSONEvent, true},
	{`{ $.eventType = UpdateTrail }`, docJSONEvent, true},
	{`{ $.eventType = "Update*" }`, docJSONEvent, true},
	{`{ $.eventType = "*Trail" }`, docJSONEvent, true},
	{`{ $.eventType = "*dateTr*" }`, docJSONEvent, true},
	{`{ $.eventType = "*" }`, docJSONEvent, true},
	{`{ $.eventType = "Update" }`, docJSONEvent, false},
	{`{ $.eventType = "updatetrail" }`, docJSONEvent, false},
	{`{ $.eventType != "UpdateTrail" }`, docJSONEvent, false},
	{`{ $.eventType != "DeleteTrail" }`, docJSONEvent, true},
	{`{ $.sourceIPAddress != 123.123.* }`, docJSONEvent, true},
	{`{ $.sourceIPAddress = 111.111.* }`, docJSONEvent, true},
	{`{ $.eventType = "*" && $.sourceIPAddress != 123.123.* }`, docJSONEvent, true},
	{`{ $.arrayKey[0] = "value" }`, docJSONEvent, true},
	{`{ $.arrayKey[1] = "another value" }`, docJSONEvent, true},
	{`{ $.arrayKey[ 1 ] = "another*" }`, docJSONEvent, true},
	{`{ $.arrayKey[2] = "value" }`, docJSONEvent, false},
	{`{ $.arrayKey[2] != "value" }`, docJSONEvent, false}, // missing: no comparison holds
	{`{ $.arrayKey = "*" }`, docJSONEvent, false},         // array
	{`{ $.objectList[0] != "x" }`, docJSONEvent, false},   // object
	{`{ $.SomeObject = "*" }`, docJSONEvent, false},       // null
	{`{ $.missing = "*" }`, docJSONEvent, false},
	{`{ $.missing != "x" }`, docJSONEvent, false},
	{`{ $.eventType.sub = "*" }`, docJSONEvent, false},

	// ---- JSON: numbers ----
	{`{ $.objectList[1].id = 2 }`, docJSONEvent, true},
	{`{ $.objectList[1].id = 2.0 }`, docJSONEvent, true},
	{`{ $.objectList[1].id != 2 }`, docJSONEvent, false},
	{`{ $.objectList[1].id > 1 }`, docJSONEvent, true},
	{`{ $.objectList[1].id >= 2 }`, docJSONEvent, true},
	{`{ $.objectList[1].id >= 3 }`, docJSONEvent, false},
	{`{ $.objectList[1].id < 3 }`, docJSONEvent, true},
	{`{ $.objectList[1].id <= 1 }`, docJSONEvent, false},
	{`{ $.objectList[1].name > 1 }`, docJSONEvent, false}, // not a number
	{`{ $.bandwidth > 75 }`, `{"bandwidth": 80}`, true},
	{`{ $.bandwidth > 75 }`, `{"bandwidth": 75}`, false},
	{`{ $.latency < 50 }`, `{"latency": -3.5}`, true},
	{`{ $.refreshRate >= 60 }`, `{"refreshRate": 60}`, true},
	{`{ $.responseTime <= 5 }`, `{"responseTime": 5.01}`, false},
	{`{ $.errorCode = 400}`, `{"errorCode": 400}`, true},
	{`{ $.errorCode = 400}`, `{"errorCode": 4e2}`, true},
	{`{ $.errorCode = 400}`, `{"errorCode": "400"}`, true}, // numeric string
	{`{ $.errorCode = 400}`, `{"errorCode": "four hundred"}`, false},
	{`{ $.errorCode != 500 }`, `{"errorCode": 400}`, true},
	{`{ $.errorCode = 4* }`, `{"errorCode": 404}`, true},
	{`{ $.errorCode = 4* }`, `{"errorCode": 504}`, false},
	{`{ $.number[0] = 1e-3 }`, `{"number": [0.001]}`, true},
	{`{ $.number[0] != 1e+3 }`, `{"number": [0.001]}`, true},
	{`{ $.n > -1 }`, `{"n": 0}`, true},
	{`{ $.n > +1.5e1 }`, `{"n": 16}`, true},
	{`{ $.n < 1e999 }`, `{"n": 1e308}`, true},
	{`{ $.latency = * }`, `{"latency": 50, "requestType": "GET"}`, true},

	// ---- JSON: IS / NOT EXISTS ----
	{`{ $.SomeObject IS NULL }`, docJSONEvent, true},
	{`{ $.SomeObject is null }`, docJSONEvent, true},
	{`{ $.eventType IS NULL }`, docJSONEvent, false},
	{`{ $.missing IS NULL }`, docJSONEvent, false},
	{`{ $.SomeOtherObject NOT EXISTS }`, docJSONEvent, true},
	{`{ $.eventType NOT EXISTS }`, docJSONEvent, false},
	{`{ $.SomeObject NOT EXISTS }`, docJSONEvent, false},
	{`{ $.arrayKey[5] NOT EXISTS }`, docJSONEvent, true},
	{`{ $.eventType.deeper NOT EXISTS }`, docJSONEvent, true},
	{`{ $.ok IS TRUE }`, `{"ok": true}`, true},
	{`{ $.ok IS TRUE }`, `{"ok": false}`, false},
	{`{ $.ok IS TRUE }`, `{"ok": "true"}`, false},
	{`{ $.ok IS FALSE }`, `{"ok": false}`, true},
	{`{ $.ok IS FALSE }`, `{"other": false}`, false},
	{`{ $.ok = true }`, `{"ok": true}`, true},

	// ---- JSON: && || () ----
	{`{ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") }`, docCompound, true},
	{`{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = "nonmatch" && $.actions[2] = "nonmatch" }`, docCompound, true},
	{`{ ($.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = "nonmatch") && $.actions[2] = "nonmatch" }`, docCompound, false},
	{`{ ($.user.id = 2 && $.users[0].email = "nonmatch") || $.actions[2] = "GET" }`, docCompound, false},
	{`{ $.coordinates[2][1] = 8 && $.actions[2] = DELETE }`, docCompound, true},
	{`{ ((($.user.id = 1))) }`, docCompound, true},
	{`{ $.user.id = 9 || $.user.id = 8 || $.user.id = 1 }`, docCompound, true},
	{`{ $.user.id = 1 && $.user.id = 1 && $.users[1].id = 4 }`, docCompound, false},

	// ---- JSON: other message shapes ----
	{`{ $.a = * }`, "a=1 plain text", false},
	{`{ $.a = * }`, `{"a": 1} trailing text`, false},
	{`{ $.a = * }`, `{"a": 1`, false},
	{`{ $.a = * }`, "  {\"a\": 1}\n", true},
	{`{ $.a NOT EXISTS }`, "not json", false}, // a non-JSON message never matches
	{`{ $[0].id = 1 }`, `[{"id": 1}]`, true},
	{`{ $.名前 = "x" }`, `{"名前": "x"}`, true},
	{`{ $.@timestamp = "2024*" }`, `{"@timestamp": "2024-01-01"}`, true},
	{`{ $.user-agent = "curl*" }`, `{"user-agent": "curl/8"}`, true},
	{`{ $.msg = "a \"q\"" }`, `{"msg": "a \"q\""}`, true},

	// ---- JSON: regex values ----
	{`{ $.message = %bind: address already in use% }`, `{"message": "listen: bind: address already in use"}`, true},
	{`{ $.eventType = %^Update% }`, docJSONEvent, true},
	{`{ $.eventType != %^Update% }`, docJSONEvent, false},
	{`{ $.code = %^4[0-9]{2}$% && $.path = %html% }`, `{"code": 404, "path": "/index.html"}`, true},
	{`{ $.code = %^4[0-9]{2}$% }`, `{"code": 500}`, false},

	// ---- space-delimited ----
	{`[ip, user, username, timestamp, request = "*html*", status_code = 4*, bytes]`, apacheLine, true},
	{`[ip, user, username, timestamp, request =*.html*, status_code = 4*, bytes]`, apacheLine, true},
	{`[ip, user, username, timestamp, request =*.html*, status_code = 5*, bytes]`, apacheLine, false},
	{`[ip, user, username, timestamp, request = "GET /index.html HTTP/1.0", status_code, bytes]`, apacheLine, true},
	{`[ip, user, username, timestamp = "10/Oct/2000:13:25:15 -0700", ...]`, apacheLine, true},
	{`[..., request =*.html*, status_code = 4*, bytes]`, apacheLine, true},
	{`[..., status_code = 404, bytes]`, apacheLine, true},
	{`[..., status_code = 404]`, apacheLine, false},
	{`[ip, user, username, timestamp, request =*.html*, status_code = 404 || status_code = 410, bytes]`, apacheLine, true},
	{`[ip, user, username, timestamp, request, status_code = 400 || status_code = 410, bytes]`, apacheLine, false},
	{`[ip, server, username, timestamp, request, status_code, bytes > 1000]`, apacheLine, true},
	{`[ip, server, username, timestamp, request, status_code, bytes > 2000]`, apacheLine, false},
	{`[ip, server, username, timestamp, request, status_code, bytes >= 1534 && bytes <= 1534]`, apacheLine, true},
	{`[ip, server, username, timestamp, request, status_code != 404, bytes]`, apacheLine, false},
	{`[ip = 127.0.0.*, ...]`, apacheLine, true},
	{`[ip = 10.*, ...]`, apacheLine, false},
	{`[ip, user = Prod, ...]`, apacheLine, true},
	{`[..., user = Prod, ...]`, apacheLine, true},
	{`[..., user = Dev, ...]`, apacheLine, false},
	{`[..., username = frank, ..., bytes = 1534]`, apacheLine, true},
	{`[..., bytes = 1534, ..., username = frank]`, apacheLine, false}, // order matters
	{`[...]`, apacheLine, true},
	{`[a, b, c, d, e, f, g, h]`, apacheLine, false}, // fewer message fields than pattern fields
	{`[a, b]`, apacheLine, true},                    // the last field takes the rest
	{`[a, b = Prod]`, apacheLine, false},
	{`[a, b = "Prod frank*"]`, apacheLine, true},
	{`[..., status_code = %^4[0-9]{2}$%, bytes]`, apacheLine, true},
	{`[..., status_code = %^5%, bytes]`, apacheLine, false},
	{`[w1=ERROR, w2]`, "ERROR something bad happened", true},
	{`[w1=ERROR, w2]`, "WARNING something", false},
	{`[w1=ERROR, w2]`, "ERROR", false},
	{`[w1=ERROR || W1=WARNING, w2]`, "WARNING disk almost full", true},
	{`[w1=ERROR || W1=WARNING, w2]`, "INFO disk fine", false},
	{`[w1!=ERROR && w1!=WARNING, w2]`, "INFO disk fine", true},
	{`[w1!=ERROR && w1!=WARNING, w2]`, "ERROR disk gone", false},
	{`[(w1=ERROR || w1=WARNING) && w1!=WARNING, w2]`, "ERROR x", true},
	{`[entryType = REPORT, a, b, c, Duration > 500, ...]`, lambdaReport, true},
	{`[entryType = REPORT, a, b, c, Duration > 1000, ...]`, lambdaReport, false},
	{`[entryType = REPORT, a, b, c, Duration, d, e, f, Billed = 800, ...]`, lambdaReport, true},
	{`[a, b]`, "", false},
	{`[...]`, "", true},
}

func TestMatch(t *testing.T) {
	for _, tc := range matchCases {
		p, err := Parse(tc.pattern)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.pattern, err)
			continue
		}
		if got := p.Match(tc.message); got != tc.want {
			t.Errorf("Parse(%q).Match(%q) = %v, want %v", tc.pattern, tc.message, got, tc.want)
		}
	}
}

var parseErrorCases = []struct {
	pattern string
	want    string // substring of the error
}{
	// terms
	{`"unterminated`, "unterminated quoted string"},
	{`ERROR ?`, "expected a term after '?'"},
	{`ERROR ? WARN`, "expected a term after '?'"},
	{`ERROR -`, "expected a term after '-'"},
	{`"abc"def`, "expected a blank after the closing quote"},
	{`abc"def"`, "quote inside an unquoted term"},
	{`ERROR %foo%`, "must be the whole pattern"},
	{strings.Repeat("a", MaxLength+1), "maximum is 1024"},
	// regex
	{`%abc`, "unterminated regular expression"},
	{`%%`, "empty regular expression"},
	{`%(a)%`, "'(' is not supported"},
	{`%something!%`, "'!' is not supported"},
	{`%café%`, "multi-byte"},
	{`%a% b`, "unexpected text after the regular expression"},
	{`%a[%`, "bad regular expression"},
	{`%a**%`, "bad regular expression"},
	{`%a{1000}b{1000}c{1000}%`, "too complex"},
	// JSON
	{`{ $.a = 1`, "unclosed '{'"},
	{`{}`, "empty JSON pattern"},
	{`{ }`, "empty JSON pattern"},
	{`{ a = 1 }`, "selectors start with '$'"},
	{`{ status = "401" }`, "selectors start with '$'"},
	{`{ $ = 1 }`, "selector must name a property"},
	{`{ $. = 1 }`, "expected a property name"},
	{`{ $.a[x] = 1 }`, "expected an array index"},
	{`{ $.a[1 = 1 }`, "expected ']'"},
	{`{ $.a[9999999999] = 1 }`, "array index out of range"},
	{`{ $.a == 1 }`, "use '='"},
	{`{ $.a = }`, "expected a value after '='"},
	{`{ $.a > "5" }`, "operator '>' needs a number"},
	{`{ $.a > abc }`, "operator '>' needs a number"},
	{`{ $.a <= 4* }`, "operator '<=' needs a number"},
	{`{ $.a > %5% }`, "operator '>' needs a number"},
	{`{ $.a IS MAYBE }`, "expected TRUE, FALSE or NULL"},
	{`{ $.a IS NOT NULL }`, "IS NOT is not supported"},
	{`{ $.a EXISTS }`, "EXISTS is not supported"},
	{`{ $.a NOT THERE }`, "expected EXISTS after NOT"},
	{`{ $.a }`, "expected an operator"},
	{`{ $.a ~ 1 }`, "expected an operator"},
	{`{ $.a = 1 } trailing`, "unexpected text after the JSON pattern"},
	{`{ ($.a = 1 }`, "expected '&&', '||' or ')'"},
	{`{ ($.a = 1`, "unclosed '('"},
	{`{ $.a = 1 & $.b = 2 }`, "expected '&&', '||' or '}'"},
	{`{ $.a = 1 && }`, "expected a selector"},
	{`{ $.a = 1 || $.b = 2 || }`, "expected a selector"},
	{`{ $.a = "x }`, "unterminated quoted string"},
	{`{ $.a = ab"c }`, "quote inside an unquoted value"},
	{`{ $.a = %x% && $.b = %y% && $.c = %z% }`, "at most 2 regular expressions"},
	{`{ $.a = %x(% }`, "'(' is not supported"},
	{`{ $.a = %x }`, "unterminated regular expression"},
	// space-delimited
	{`[a, b`, "unclosed '['"},
	{`[]`, "empty space-delimited pattern"},
	{`[a b]`, "expected an operator, ',' or ']' after \"a\""},
	{`[a = 1, b = 2 || c = 3]`, `condition on "c" inside the field "b"`},
	{`[a, , b]`, "expected a field name"},
	{`[a,]`, "expected a field name"},
	{`[a = ]`, "expected a value after '='"},
	{`[a > x]`, "operator '>' needs a number"},
	{`[a = 1 &| a = 2]`, "expected ',' or ']'"},
	{`[a] extra`, "unexpected text after the space-delimited pattern"},
	{`[(a = 1, b]`, "expected '&&', '||' or ')'"},
	{`[w1, "w2"]`, "expected a field name"},
	{`[a = %x%, b = %y%, c = %z%]`, "at most 2 regular expressions"},
}

func TestParseErrors(t *testing.T) {
	for _, tc := range parseErrorCases {
		p, err := Parse(tc.pattern)
		if err == nil {
			t.Errorf("Parse(%q) = %v, want an error containing %q", tc.pattern, p, tc.want)
			continue
		}
		if p != nil {
			t.Errorf("Parse(%q) returned a pattern with its error", tc.pattern)
		}
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%q) error %T is not a *SyntaxError", tc.pattern, err)
			continue
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, "Invalid filter pattern: ") || !strings.Contains(msg, " at position ") {
			t.Errorf("Parse(%q) error %q lacks the standard form", tc.pattern, msg)
		}
		if !strings.Contains(msg, tc.want) {
			t.Errorf("Parse(%q) error %q, want it to contain %q", tc.pattern, msg, tc.want)
		}
	}
}

func TestErrorPosition(t *testing.T) {
	_, err := Parse(`{ $.a IS MAYBE }`)
	const want = `Invalid filter pattern: expected TRUE, FALSE or NULL after IS at position 10 (near "MAYBE }")`
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
	_, err = Parse(`{ $.a = 1`)
	if err == nil || !strings.Contains(err.Error(), "at position 1 ") {
		t.Fatalf("unclosed brace should point at the brace: %v", err)
	}
	// Positions count characters, not bytes.
	_, err = Parse(`{ $.名前 ~ 1 }`)
	if err == nil || !strings.Contains(err.Error(), "at position 8 ") {
		t.Fatalf("position should count runes: %v", err)
	}
	_, err = Parse(`"abc`)
	if err == nil || !strings.Contains(err.Error(), "position 1 ") {
		t.Fatalf("unterminated quote should point at the quote: %v", err)
	}
	_, err = Parse(`ERROR ?`)
	if err == nil || !strings.Contains(err.Error(), "(end of pattern)") && !strings.Contains(err.Error(), `near "?"`) {
		t.Fatalf("got %v", err)
	}
}

func TestMaxLength(t *testing.T) {
	ok := strings.Repeat("é", MaxLength) // 1024 characters, 2048 bytes
	if _, err := Parse(ok); err != nil {
		t.Fatalf("a %d-character pattern must be accepted: %v", MaxLength, err)
	}
}

func TestNilAndString(t *testing.T) {
	var p *Pattern
	if !p.Match("x") {
		t.Error("a nil pattern matches everything")
	}
	if p.String() != "" {
		t.Error("nil String")
	}
	const src = ` { $.a = 1 } `
	q, err := Parse(src)
	if err != nil || q.String() != src {
		t.Fatalf("String() = %q, %v", q.String(), err)
	}
}

func TestTokenize(t *testing.T) {
	got := tokenize(apacheLine)
	want := []string{"127.0.0.1", "Prod", "frank", "10/Oct/2000:13:25:15 -0700", "GET /index.html HTTP/1.0", "404", "1534"}
	if len(got) != len(want) {
		t.Fatalf("got %d tokens %v", len(got), got)
	}
	for i := range want {
		if got[i].val != want[i] {
			t.Errorf("token %d = %q, want %q", i, got[i].val, want[i])
		}
	}
	// An unclosed quote or bracket is an ordinary field.
	got = tokenize(`a "b c [d e`)
	var vals []string
	for _, tk := range got {
		vals = append(vals, tk.val)
	}
	if strings.Join(vals, "|") != `a|"b|c|[d|e` {
		t.Errorf("unclosed delimiters: %q", vals)
	}
}

func TestGlob(t *testing.T) {
	cases := []struct {
		pat, s string
		want   bool
	}{
		{"*", "", true},
		{"*", "abc", true},
		{"a*", "abc", true},
		{"*c", "abc", true},
		{"a*c", "ac", true},
		{"a*c", "abbbc", true},
		{"a*a", "a", false},
		{"*b*b*", "abab", true},
		{"*b*b*", "ab", false},
		{"a**b", "ab", true},
		{"abc", "abc", true},
		{"abc", "abd", false},
		{"*.html*", "GET /index.html HTTP/1.0", true},
	}
	for _, c := range cases {
		if got := globMatch(c.pat, c.s); got != c.want {
			t.Errorf("globMatch(%q, %q) = %v", c.pat, c.s, got)
		}
	}
}

// TestLongMessages checks that matching stays fast on large messages.
func TestLongMessages(t *testing.T) {
	big := strings.Repeat("word ", 200_000) // 1 MB, 200k fields
	for _, pat := range []string{
		`[..., last = "*zzz*"]`,
		`[..., a = x, ..., b = y, ..., c]`,
		`[a, b, ..., c = %q%]`,
		`%w.{0,20}z%`,
		`ERROR -word`,
		`{ $.a = 1 }`,
	} {
		p, err := Parse(pat)
		if err != nil {
			t.Fatalf("Parse(%q): %v", pat, err)
		}
		if p.Match(big) {
			t.Errorf("%q should not match", pat)
		}
	}
}

func BenchmarkMatchJSON(b *testing.B) {
	p, err := Parse(`{ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") }`)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(docCompound)))
	for b.Loop() {
		if !p.Match(docCompound) {
			b.Fatal("no match")
		}
	}
}

func BenchmarkMatchJSONNonJSON(b *testing.B) {
	p, _ := Parse(`{ $.level = "ERROR" }`)
	for b.Loop() {
		p.Match(apacheLine)
	}
}

func BenchmarkMatchTerms(b *testing.B) {
	p, _ := Parse(`?ERROR ?WARN -Retry`)
	for b.Loop() {
		p.Match(apacheLine)
	}
}

func BenchmarkMatchDelimited(b *testing.B) {
	p, _ := Parse(`[..., request = "*.html*", status_code = 4*, bytes]`)
	for b.Loop() {
		if !p.Match(apacheLine) {
			b.Fatal("no match")
		}
	}
}
