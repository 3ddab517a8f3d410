package eventpattern

import (
	"errors"
	"strings"
	"testing"
)

// The examples of AWS's "Content filtering in Amazon EventBridge event
// patterns" and "Arrays in event patterns" pages, and the edge cases
// event-ruler documents, each with events that must and must not match.
func TestMatch(t *testing.T) {
	cases := []struct {
		name, pattern string
		match, miss   []string
	}{
		{"exact and AND",
			`{"source":["aws.ec2"],"detail-type":["EC2 Instance State-change Notification"],"detail":{"state":["terminated"]}}`,
			[]string{`{"source":"aws.ec2","detail-type":"EC2 Instance State-change Notification","detail":{"state":"terminated","x":1}}`},
			[]string{`{"source":"aws.ec2","detail-type":"EC2 Instance State-change Notification","detail":{"state":"running"}}`,
				`{"source":"aws.ec2","detail":{"state":"terminated"}}`}},
		{"array in pattern is OR",
			`{"detail":{"state":["stopped","terminated"]}}`,
			[]string{`{"detail":{"state":"stopped"}}`, `{"detail":{"state":"terminated"}}`},
			[]string{`{"detail":{"state":"running"}}`, `{"detail":{}}`}},
		{"array in event intersects",
			`{"resources":["arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f","arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f"]}`,
			[]string{`{"resources":["arn:aws:autoscaling:x","arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f"]}`},
			[]string{`{"resources":["arn:aws:autoscaling:x"]}`, `{"resources":[]}`}},
		{"prefix", `{"time":[{"prefix":"2017-10-02"}]}`,
			[]string{`{"time":"2017-10-02T18:43:48Z"}`}, []string{`{"time":"2017-10-03T00:00:00Z"}`, `{"time":20171002}`}},
		{"prefix ignoring case", `{"detail":{"service":[{"prefix":{"equals-ignore-case":"EventB"}}]}}`,
			[]string{`{"detail":{"service":"EventBridge"}}`, `{"detail":{"service":"eventbus"}}`, `{"detail":{"service":"EVENTB"}}`},
			[]string{`{"detail":{"service":"Event"}}`}},
		{"suffix", `{"FileName":[{"suffix":".png"}]}`,
			[]string{`{"FileName":"image.png"}`}, []string{`{"FileName":"image.PNG"}`, `{"FileName":"png"}`}},
		{"suffix ignoring case", `{"detail":{"FileName":[{"suffix":{"equals-ignore-case":".png"}}]}}`,
			[]string{`{"detail":{"FileName":"a.PNG"}}`, `{"detail":{"FileName":"a.png"}}`}, []string{`{"detail":{"FileName":"a.jpg"}}`}},
		{"anything-but string", `{"detail":{"state":[{"anything-but":"initializing"}]}}`,
			[]string{`{"detail":{"state":"running"}}`, `{"detail":{"state":null}}`, `{"detail":{"state":3}}`},
			[]string{`{"detail":{"state":"initializing"}}`, `{"detail":{}}`}},
		{"anything-but number", `{"detail":{"x-limit":[{"anything-but":123}]}}`,
			[]string{`{"detail":{"x-limit":124}}`, `{"detail":{"x-limit":"123"}}`}, []string{`{"detail":{"x-limit":123.0}}`}},
		{"anything-but string list", `{"detail":{"state":[{"anything-but":["stopped","overloaded"]}]}}`,
			[]string{`{"detail":{"state":"running"}}`, `{"detail":{"state":null}}`},
			[]string{`{"detail":{"state":"stopped"}}`, `{"detail":{"state":"overloaded"}}`}},
		{"anything-but number list", `{"detail":{"x-limit":[{"anything-but":[100,200,300]}]}}`,
			[]string{`{"detail":{"x-limit":150}}`}, []string{`{"detail":{"x-limit":3e2}}`}},
		{"anything-but prefix", `{"detail":{"state":[{"anything-but":{"prefix":"init"}}]}}`,
			[]string{`{"detail":{"state":"running"}}`, `{"detail":{"state":12}}`},
			[]string{`{"detail":{"state":"initializing"}}`}},
		{"anything-but prefix list", `{"detail":{"state":[{"anything-but":{"prefix":["init","test"]}}]}}`,
			[]string{`{"detail":{"state":"running"}}`}, []string{`{"detail":{"state":"testing"}}`}},
		{"anything-but suffix", `{"detail":{"FileName":[{"anything-but":{"suffix":".txt"}}]}}`,
			[]string{`{"detail":{"FileName":"a.png"}}`}, []string{`{"detail":{"FileName":"a.txt"}}`}},
		{"anything-but ignoring case", `{"detail":{"state":[{"anything-but":{"equals-ignore-case":["Stopped","OverLoaded"]}}]}}`,
			[]string{`{"detail":{"state":"running"}}`}, []string{`{"detail":{"state":"STOPPED"}}`, `{"detail":{"state":"overloaded"}}`}},
		{"anything-but wildcard", `{"detail":{"FilePath":[{"anything-but":{"wildcard":"*/lib/*"}}]}}`,
			[]string{`{"detail":{"FilePath":"dir/init/file"}}`, `{"detail":{"FilePath":123}}`},
			[]string{`{"detail":{"FilePath":"x/lib/y"}}`}},
		{"numeric range", `{"detail":{"c-count":[{"numeric":[">",0,"<=",5]}]}}`,
			[]string{`{"detail":{"c-count":5}}`, `{"detail":{"c-count":0.5}}`},
			[]string{`{"detail":{"c-count":0}}`, `{"detail":{"c-count":5.0001}}`, `{"detail":{"c-count":"3"}}`}},
		{"numeric one bound", `{"detail":{"d-count":[{"numeric":["<",10]}]}}`,
			[]string{`{"detail":{"d-count":-1e9}}`}, []string{`{"detail":{"d-count":10}}`}},
		{"numeric equals", `{"detail":{"x-limit":[{"numeric":["=",3.018e2]}]}}`,
			[]string{`{"detail":{"x-limit":301.8}}`}, []string{`{"detail":{"x-limit":301.9}}`}},
		{"exact number", `{"detail":{"n":[300]}}`,
			[]string{`{"detail":{"n":3e2}}`, `{"detail":{"n":300.0}}`}, []string{`{"detail":{"n":"300"}}`}},
		{"IPv4 cidr", `{"detail":{"sourceIPAddress":[{"cidr":"10.0.0.0/24"}]}}`,
			[]string{`{"detail":{"sourceIPAddress":"10.0.0.255"}}`},
			[]string{`{"detail":{"sourceIPAddress":"10.0.1.0"}}`, `{"detail":{"sourceIPAddress":123}}`, `{"detail":{"sourceIPAddress":"x"}}`}},
		{"IPv6 cidr", `{"detail":{"sourceIPAddress":[{"cidr":"2001:db8:1234:1a00::/64"}]}}`,
			[]string{`{"detail":{"sourceIPAddress":"2001:0db8:1234:1a00:0000:0000:0000:0000"}}`, `{"detail":{"sourceIPAddress":"2001:db8:1234:1a00::9"}}`},
			[]string{`{"detail":{"sourceIPAddress":"2001:db8:1234:1a01::"}}`}},
		{"exists", `{"detail":{"state":[{"exists":true}]}}`,
			[]string{`{"detail":{"state":"x"}}`, `{"detail":{"state":null}}`, `{"detail":{"state":[1]}}`},
			[]string{`{"detail":{}}`, `{"detail":{"state":{"a":1}}}`, `{"detail":{"state":[]}}`}},
		{"exists false", `{"detail":{"c-count":[{"exists":false}]}}`,
			[]string{`{"detail":{}}`, `{"x":1}`, `{"detail":{"c-count":{"nested":1}}}`}, []string{`{"detail":{"c-count":0}}`}},
		{"exists false deep", `{"detail":{"level1":{"level2:":{"level3":{"level4":[{"exists":false}]}}}}}`,
			[]string{`{"detail":{"level1":{"level2":"l2 value"}}}`}, []string{`{"detail":{"level1":{"level2:":{"level3":{"level4":1}}}}}`}},
		{"equals-ignore-case", `{"detail-type":[{"equals-ignore-case":"ec2 instance state-change notification"}]}`,
			[]string{`{"detail-type":"EC2 Instance State-change Notification"}`}, []string{`{"detail-type":"EC2"}`}},
		{"wildcard", `{"EventBusArn":[{"wildcard":"arn:aws:events:us-east-1:*:event-bus/*"}]}`,
			[]string{`{"EventBusArn":"arn:aws:events:us-east-1:123456789012:event-bus/default"}`},
			[]string{`{"EventBusArn":"arn:aws:events:us-west-2:123456789012:event-bus/default"}`}},
		{"wildcard middle", `{"title":[{"wildcard":"*Title*"}]}`,
			[]string{`{"title":"Title"}`, `{"title":"A Title Here"}`}, []string{`{"title":"title"}`}},
		{"wildcard escapes", `{"v":[{"wildcard":"a\\*b*c\\\\"}]}`,
			[]string{`{"v":"a*bxxc\\"}`, `{"v":"a*bc\\"}`}, []string{`{"v":"axbc\\"}`, `{"v":"a*bc"}`}},
		{"wildcard repeated segments", `{"v":[{"wildcard":"*ab*ab"}]}`,
			[]string{`{"v":"abab"}`, `{"v":"xabyabab"}`}, []string{`{"v":"aba"}`, `{"v":"ab"}`}},
		{"null and empty string", `{"detail":{"responseElements":[null],"eventVersion":[""]}}`,
			[]string{`{"detail":{"responseElements":null,"eventVersion":""}}`},
			[]string{`{"detail":{"eventVersion":""}}`, `{"detail":{"responseElements":"null","eventVersion":""}}`}},
		{"booleans", `{"detail":{"ok":[true]}}`,
			[]string{`{"detail":{"ok":true}}`}, []string{`{"detail":{"ok":"true"}}`, `{"detail":{"ok":false}}`}},
		{"$or", `{"detail":{"$or":[{"c-count":[{"numeric":[">",0,"<=",5]}]},{"d-count":[{"numeric":["<",10]}]},{"x-limit":[{"numeric":["=",3.018e2]}]}]}}`,
			[]string{`{"detail":{"c-count":0,"d-count":0,"x-limit":901.8}}`, `{"detail":{"x-limit":301.8}}`},
			[]string{`{"detail":{"c-count":0,"d-count":10,"x-limit":1}}`}},
		{"$or with other fields", `{"source":["aws.ec2"],"$or":[{"detail-type":["a"]},{"detail":{"state":["b"]}}]}`,
			[]string{`{"source":"aws.ec2","detail-type":"a"}`, `{"source":"aws.ec2","detail":{"state":"b"}}`},
			[]string{`{"source":"aws.s3","detail-type":"a"}`, `{"source":"aws.ec2","detail-type":"b"}`}},
		{"array of objects keeps fields together", `{"detail":{"items":{"a":[1],"b":[2]}}}`,
			[]string{`{"detail":{"items":[{"a":1,"b":3},{"a":1,"b":2}]}}`},
			[]string{`{"detail":{"items":[{"a":1,"b":3},{"a":2,"b":2}]}}`}},
		{"leaf inside array of objects", `{"detail":{"items":{"id":["x"]}}}`,
			[]string{`{"detail":{"items":[{"id":"y"},{"id":["z","x"]}]}}`}, []string{`{"detail":{"items":[{"id":"y"}]}}`}},
		{"dotted keys join paths", `{"detail":{"state.status":["running"]}}`,
			[]string{`{"detail":{"state":{"status":"running"}}}`, `{"detail":{"state.status":"running"}}`}, []string{`{"detail":{"state":{"status":"x"}}}`}},
		{"dotted event keys", `{"detail":{"state":{"status":["running"]}}}`,
			[]string{`{"detail":{"state.status":"running"}}`}, []string{`{"detail":{"state.other":"running"}}`}},
		{"repeated key: the last wins", `{"source":["a"],"source":["b"]}`,
			[]string{`{"source":"b"}`}, []string{`{"source":"a"}`}},
	}
	for _, c := range cases {
		p, err := Compile(c.pattern)
		if err != nil {
			t.Errorf("%s: Compile: %v", c.name, err)
			continue
		}
		for _, e := range c.match {
			if ok, err := p.Match([]byte(e)); !ok || err != nil {
				t.Errorf("%s: %s does not match (%v)", c.name, e, err)
			}
		}
		for _, e := range c.miss {
			if ok, err := p.Match([]byte(e)); ok || err != nil {
				t.Errorf("%s: %s matches (%v)", c.name, e, err)
			}
		}
	}
}

// Invalid patterns and EventBridge's reasons (those marked AWS were
// recorded from EventBridge itself; the others are event-ruler's).
func TestCompileErrors(t *testing.T) {
	for _, c := range []struct{ pattern, reason string }{
		{`{"source":"aws.ec2"}`, `"source" must be an object or an array`},                                                                                // AWS
		{`{"detail":{"int":5}}`, `"int" must be an object or an array`},                                                                                   // AWS
		{`{"resources":[]}`, `Empty arrays are not allowed`},                                                                                              // AWS
		{`{"x":[{"NUMERIC":[">",1]}]}`, `Unrecognized match type NUMERIC`},                                                                                // AWS
		{`{"x":[{"EXISTS":true}]}`, `Unrecognized match type EXISTS`},                                                                                     // AWS
		{`{"x":[{"numeric":[">",0,">",0]}]}`, `Bad numeric range operator: >`},                                                                            // AWS
		{`{"x":[{"numeric":["<","ten"]}]}`, `Value of < must be numeric`},                                                                                 // AWS
		{`{"x":[{"numeric":5}]}`, `Value of numeric must be an array.`},                                                                                   // AWS
		{`{"x":[{"wildcard":"arn:aws:events:us-east-1:**:event-bus/*"}]}`, `Consecutive wildcard characters at pos 26`},                                   // AWS
		{`{"x":[{"equals-ignore-case":5}]}`, `equals-ignore-case match pattern must be a string`},                                                         // AWS
		{`{"x":[{"equals-ignore-case":["a"]}]}`, `equals-ignore-case match pattern must be a string`},                                                     // AWS
		{`{"x":[{"cidr":"10.0.0.0"}]}`, `Malformed CIDR, one '/' required`},                                                                               // AWS
		{`{"x":[{"cidr":"10.0.0.0/x"}]}`, `Malformed CIDR, mask bits must be an integer`},                                                                 // AWS
		{`{"x":[{"cidr":"xx.11.xx/24"}]}`, `Nonstandard IP address: xx.11.xx`},                                                                            // AWS
		{`{"x":[{"cidr":"xxxx:db8:1234:1a00::/64"}]}`, `Nonstandard IP address: xxxx:db8:1234:1a00::`},                                                    // AWS
		{`{"x":[{"cidr":5}]}`, `prefix match pattern must be a string`},                                                                                   // AWS
		{`{"x":[{"anything-but":{"equals-ignore-case":5}}]}`, `Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.`}, // AWS
		{`{"x":[{"anything-but":{"prefix":{"equals-ignore-case":"a"}}}]}`, `Value of anything-but must be an array or single string/number value.`},       // AWS
		{`{"x":[{"anything-but":null}]}`, `Value of anything-but must be an array or single string/number value.`},                                        // AWS
		{`{"x":[{"anything-but":["a",null]}]}`, `Inside anything but list, start|null|boolean is not supported.`},                                         // AWS
		{`{"x":[{"anything-but":{"prefix":""}}]}`, `Null prefix/suffix not allowed`},                                                                      // AWS
		{`{"x":[{"anything-but":{"suffix":[5]}}]}`, `prefix/suffix match pattern must be a string`},                                                       // AWS
		{`{"x":[{"anything-but":{"wildcard":[5]}}]}`, `wildcard match pattern must be a string`},                                                          // AWS
		{`{"x":[{"wildcard":5}]}`, `wildcard match pattern must be a string`},                                                                             // AWS
		{`{"x":[{"prefix":5}]}`, `prefix match pattern must be a string`},                                                                                 // AWS
		{`{"x":[{"suffix":["a"]}]}`, `suffix match pattern must be a string`},                                                                             // AWS
		{`["not","an","object"]`, `Filter is not an object`},                                                                                              // AWS
		{`{}`, `Empty objects are not allowed`},
		{`{"x":{}}`, `Empty objects are not allowed`},
		{`{"x":[{"anything-but":["a",1]}]}`, `Inside anything but list, either all values are number or string, mixed type is not supported`},
		{`{"x":[{"anything-but":{"contains":"a"}}]}`, `Unsupported anything-but pattern: contains`},
		{`{"x":[{"exists":"yes"}]}`, `exists match pattern must be either true or false.`},
		{`{"x":[{"prefix":"a","suffix":"b"}]}`, `Only one key allowed in match expression`},
		{`{"x":[{}]}`, `Match expression name not found`},
		{`{"x":[["a"]]}`, `Match value must be String, number, true, false, or null`},
		{`{"x":[{"numeric":[">",5,"<",5]}]}`, `Bottom must be less than top`},
		{`{"x":[{"numeric":["<",5,">",1]}]}`, `Too many elements in numeric expression`},
		{`{"x":[{"numeric":["!",5]}]}`, `Unrecognized numeric range operator: !`},
		{`{"x":[{"prefix":{"wildcard":"a"}}]}`, `Unsupported prefix pattern: wildcard`},
		{`{"x":[{"wildcard":"a\\b"}]}`, `Invalid escape character at pos 2`},
		{`{"x":[{"cidr":"10.0.0.0/32"}]}`, `IPv4 mask bits must be < 32`},
		{`{"x":[{"cidr":"300.0.0.0/8"}]}`, `Invalid IP address: 300.0.0.0`},
		{`{"$or":[{"a":["b"]}]}`, `There must have at least 2 Objects in $or relationship.`},
		{`{"$or":{"a":["b"]}}`, `It must be an Array followed with $or.`},
		{`{"$or":[{"a":["b"]},"c"]}`, `Only JSON object is allowed in array of $or relationship.`},
	} {
		_, err := Compile(c.pattern)
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("Compile(%s) = %v, want reason %q", c.pattern, err, c.reason)
			continue
		}
		if e.Reason != c.reason || err.Error() != "Event pattern is not valid. Reason: "+c.reason {
			t.Errorf("Compile(%s): %q, want reason %q", c.pattern, err, c.reason)
		}
	}
	// Malformed JSON is refused too (AWS quotes its parser's message).
	for _, bad := range []string{`{"not": closed mark"`, `{'bad': 'quotation'}`, `this is not json`, `{"a":["b"]} x`, ``} {
		if _, err := Compile(bad); err == nil || !strings.HasPrefix(err.Error(), "Event pattern is not valid. Reason: ") {
			t.Errorf("Compile(%q) = %v", bad, err)
		}
	}
}

func TestBadEvents(t *testing.T) {
	p := MustCompile(`{"source":["a"]}`)
	for _, e := range []string{`"a string"`, `[1,2]`, `not json`, `{"source":"a"} {}`, ``} {
		if _, err := p.Match([]byte(e)); !errors.Is(err, ErrEvent) || err.Error() != "Parameter Event is not valid." {
			t.Errorf("Match(%q) error %v", e, err)
		}
	}
}

func BenchmarkMatch(b *testing.B) {
	p := MustCompile(`{"source":["aws.ec2","aws.s3"],"detail-type":[{"prefix":"EC2"}],"detail":{"state":[{"anything-but":["pending"]}],"count":[{"numeric":[">",0,"<",100]}],"path":[{"wildcard":"*/lib/*.so"}]}}`)
	event, err := Decode([]byte(`{"version":"0","id":"1","source":"aws.ec2","detail-type":"EC2 Instance State-change Notification","account":"1","time":"2026-01-01T00:00:00Z","region":"us-east-1","resources":[],"detail":{"state":"running","count":7,"path":"/usr/lib/x86_64/libc.so"}}`))
	if err != nil {
		b.Fatal(err)
	}
	if !p.MatchDecoded(event) {
		b.Fatal("no match")
	}
	b.ReportAllocs()
	for b.Loop() {
		p.MatchDecoded(event)
	}
}
