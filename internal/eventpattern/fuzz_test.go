package eventpattern

import (
	"errors"
	"strings"
	"testing"
)

// FuzzCompile feeds arbitrary patterns and events: Compile either succeeds
// or returns *Error with EventBridge's prefix (never panics), and a
// compiled pattern matches any event without panicking, the same way
// twice, and the same way through Match and MatchDecoded.
func FuzzCompile(f *testing.F) {
	for _, s := range []struct{ p, e string }{
		{`{"source":["aws.ec2"],"detail":{"state":["terminated"]}}`, `{"source":"aws.ec2","detail":{"state":"terminated"}}`},
		{`{"detail":{"$or":[{"c":[{"numeric":[">",0,"<=",5]}]},{"d":[{"numeric":["<",10]}]}]}}`, `{"detail":{"c":1}}`},
		{`{"v":[{"wildcard":"*ab*a\\*b"},{"anything-but":{"wildcard":["*x","y*"]}}]}`, `{"v":["xab*b",1,null]}`},
		{`{"ip":[{"cidr":"2001:db8::/32"},{"cidr":"10.0.0.0/8"}]}`, `{"ip":"10.1.2.3"}`},
		{`{"a.b":{"c":[{"exists":false}]},"e":[{"prefix":{"equals-ignore-case":"X"}}]}`, `{"a":{"b.c":1},"e":"xy"}`},
		{`{"x":[{"anything-but":[1,2]},{"anything-but":{"prefix":["a"]}},{"suffix":"z"},""]}`, `{"x":[[["a"]],{"y":2}]}`},
		{`{"x":[{"numeric":[">",0,">",0]}]}`, `{}`},
	} {
		f.Add(s.p, s.e)
	}
	f.Fuzz(func(t *testing.T, pattern, event string) {
		p, err := Compile(pattern)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || !strings.HasPrefix(err.Error(), "Event pattern is not valid. Reason: ") {
				t.Fatalf("Compile(%q): %v", pattern, err)
			}
			return
		}
		ok1, err1 := p.Match([]byte(event))
		ok2, err2 := p.Match([]byte(event))
		if ok1 != ok2 || (err1 == nil) != (err2 == nil) {
			t.Fatalf("not deterministic: %v %v / %v %v", ok1, err1, ok2, err2)
		}
		if err1 != nil {
			return
		}
		obj, err := Decode([]byte(event))
		if err != nil || p.MatchDecoded(obj) != ok1 {
			t.Fatalf("MatchDecoded disagrees with Match")
		}
	})
}
