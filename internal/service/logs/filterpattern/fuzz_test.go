package filterpattern

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// fuzzMessages are matched against every pattern that parses, in addition to
// the fuzzed message.
var fuzzMessages = []string{
	"",
	" ",
	"[ERROR 400] BAD REQUEST",
	"ERROR something bad happened",
	apacheLine,
	lambdaReport,
	docJSONEvent,
	docCompound,
	`{"a": 1, "b": [true, null, "x y", {"c": -2.5e3}], "d": {"e": "f*g"}}`,
	`[1, "two", {"three": 3}]`,
	`{"unterminated": `,
	`"quoted" [bracketed text] plain 123 -4.5 1e9`,
	"tab\tseparated\tfields 42",
	"ünïcödé ✓ テスト",
}

func FuzzParse(f *testing.F) {
	for _, tc := range matchCases {
		f.Add(tc.pattern, tc.message)
	}
	for _, tc := range parseErrorCases {
		if len(tc.pattern) <= MaxLength {
			f.Add(tc.pattern, "x")
		}
	}
	f.Add(`{ $.a.b[0].c != "x" }`, `{"a":{"b":[{"c":"y"}]}}`)
	f.Add(`[..., x = "*", ..., y = %a+%]`, "p x q aaa r")
	f.Add(`?"A" B -C ?-D`, "A B")

	f.Fuzz(func(t *testing.T, pattern, message string) {
		// Parse bounds pattern length itself; keep pathological message
		// sizes out so one input cannot dominate the fuzzing time.
		if len(pattern) > 8*MaxLength || len(message) > 1<<16 {
			t.Skip()
		}
		start := time.Now()
		p, err := Parse(pattern)
		if err != nil {
			if p != nil {
				t.Fatalf("Parse(%q) returned both a pattern and an error", pattern)
			}
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q): error %T is not a *SyntaxError", pattern, err)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, "Invalid filter pattern: ") {
				t.Fatalf("Parse(%q): error text %q", pattern, msg)
			}
			return
		}
		if p.String() != pattern {
			t.Fatalf("String() = %q, want %q", p.String(), pattern)
		}
		blank := isBlank(pattern)
		for _, m := range append(fuzzMessages, message) {
			got := p.Match(m)
			if got != p.Match(m) {
				t.Fatalf("Parse(%q).Match(%q) is not deterministic", pattern, m)
			}
			if blank && !got {
				t.Fatalf("blank pattern %q did not match %q", pattern, m)
			}
			if got && p.kind == kindJSON {
				if _, ok := decodeJSON(m); !ok {
					t.Fatalf("JSON pattern %q matched non-JSON message %q", pattern, m)
				}
			}
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("Parse+Match of %q took %v", pattern, d)
		}
	})
}
