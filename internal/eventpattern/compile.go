package eventpattern

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
)

// Error is an invalid pattern; its message is EventBridge's.
type Error struct {
	Reason string
}

func (e *Error) Error() string { return "Event pattern is not valid. Reason: " + e.Reason }

func fail(format string, args ...any) { panic(&Error{Reason: fmt.Sprintf(format, args...)}) }

// Pattern is a compiled event pattern. It is immutable and safe for
// concurrent use.
type Pattern struct {
	root *node
}

// node is one object of the pattern.
type node struct {
	fields []field
	ors    [][]*node // each "$or": the object matches if one alternative does
}

type field struct {
	key   string
	child *node     // a nested object
	leaf  []matcher // an array of alternatives
}

// Compile parses a pattern. Errors are *Error.
func Compile(pattern string) (p *Pattern, err error) {
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(*Error)
			if !ok {
				panic(r)
			}
			p, err = nil, e
		}
	}()
	c := &compiler{dec: json.NewDecoder(strings.NewReader(pattern))}
	c.dec.UseNumber()
	if tok := c.token(); tok != json.Delim('{') {
		fail("Filter is not an object")
	}
	root := c.object(false)
	if _, err := c.dec.Token(); err != io.EOF {
		fail("Unexpected content after the end of the pattern")
	}
	return &Pattern{root: root}, nil
}

// MustCompile is Compile for patterns known to be valid.
func MustCompile(pattern string) *Pattern {
	p, err := Compile(pattern)
	if err != nil {
		panic(err)
	}
	return p
}

type compiler struct {
	dec *json.Decoder
}

func (c *compiler) token() json.Token {
	tok, err := c.dec.Token()
	if err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) || err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
			fail("%s", strings.TrimPrefix(err.Error(), "json: "))
		}
		fail("%s", err.Error())
	}
	return tok
}

// object reads the rest of an object whose '{' was consumed.
func (c *compiler) object(inOr bool) *node {
	n := &node{}
	empty := true
	for c.dec.More() {
		empty = false
		key := c.token().(string)
		if key == "$or" {
			n.ors = append(n.ors, c.or())
			continue
		}
		var f field
		f.key = key
		switch tok := c.token(); tok {
		case json.Delim('{'):
			f.child = c.object(inOr)
		case json.Delim('['):
			f.leaf = c.leaf()
		default:
			fail("%q must be an object or an array", key)
		}
		// A repeated key replaces the earlier one, as event-ruler's default does.
		replaced := false
		for i := range n.fields {
			if n.fields[i].key == key {
				n.fields[i], replaced = f, true
			}
		}
		if !replaced {
			n.fields = append(n.fields, f)
		}
	}
	c.token() // '}'
	if empty {
		fail("Empty objects are not allowed")
	}
	return n
}

func (c *compiler) or() []*node {
	if c.token() != json.Delim('[') {
		fail("It must be an Array followed with $or.")
	}
	var alts []*node
	for c.dec.More() {
		if c.token() != json.Delim('{') {
			fail("Only JSON object is allowed in array of $or relationship.")
		}
		alts = append(alts, c.object(true))
	}
	c.token() // ']'
	if len(alts) < 2 {
		fail("There must have at least 2 Objects in $or relationship.")
	}
	return alts
}

// leaf reads the rest of an array of alternatives whose '[' was consumed.
func (c *compiler) leaf() []matcher {
	var ms []matcher
	for c.dec.More() {
		switch tok := c.token().(type) {
		case string:
			ms = append(ms, matcher{kind: mExact, str: tok, isStr: true})
		case json.Number:
			f, err := tok.Float64()
			if err != nil {
				fail("Invalid number %s", tok)
			}
			ms = append(ms, matcher{kind: mExact, num: f, isNum: true})
		case bool:
			ms = append(ms, matcher{kind: mExact, boolean: tok, isBool: true})
		case nil:
			ms = append(ms, matcher{kind: mExact, isNull: true})
		case json.Delim:
			if tok != '{' {
				fail("Match value must be String, number, true, false, or null")
			}
			ms = append(ms, c.expression())
		}
	}
	c.token() // ']'
	if len(ms) == 0 {
		fail("Empty arrays are not allowed")
	}
	return ms
}

// expression reads a {"operator": ...} alternative whose '{' was consumed.
func (c *compiler) expression() matcher {
	if !c.dec.More() {
		fail("Match expression name not found")
	}
	op := c.token().(string)
	var m matcher
	switch op {
	case "prefix", "suffix":
		kind, foldKind := mPrefix, mPrefixFold
		if op == "suffix" {
			kind, foldKind = mSuffix, mSuffixFold
		}
		switch tok := c.token().(type) {
		case string:
			m = matcher{kind: kind, str: tok}
		case json.Delim:
			if tok != '{' {
				fail("%s match pattern must be a string", op)
			}
			s := c.foldOperand(op)
			m = matcher{kind: foldKind, str: s}
		default:
			fail("%s match pattern must be a string", op)
		}
	case "equals-ignore-case":
		s, ok := c.token().(string)
		if !ok {
			fail("equals-ignore-case match pattern must be a string")
		}
		m = matcher{kind: mEqualFold, str: s}
	case "wildcard":
		s, ok := c.token().(string)
		if !ok {
			fail("wildcard match pattern must be a string")
		}
		m = matcher{kind: mWildcard, glob: compileGlob(s)}
	case "numeric":
		m = c.numeric()
	case "exists":
		b, ok := c.token().(bool)
		if !ok {
			fail("exists match pattern must be either true or false.")
		}
		m = matcher{kind: mExists, boolean: b}
	case "cidr":
		s, ok := c.token().(string)
		if !ok {
			fail("prefix match pattern must be a string")
		}
		m = matcher{kind: mCIDR, prefix: parseCIDR(s)}
	case "anything-but":
		m = c.anythingBut()
	default:
		fail("Unrecognized match type %s", op)
	}
	c.closeExpression()
	return m
}

// closeExpression consumes the '}' ending a one-key expression.
func (c *compiler) closeExpression() {
	if c.dec.More() {
		fail("Only one key allowed in match expression")
	}
	c.token()
}

// foldOperand reads {"equals-ignore-case": "s"} after prefix/suffix.
func (c *compiler) foldOperand(op string) string {
	if !c.dec.More() {
		fail("%s expression name not found", strings.ToUpper(op[:1])+op[1:])
	}
	if name := c.token().(string); name != "equals-ignore-case" {
		fail("Unsupported %s pattern: %s", op, name)
	}
	s, ok := c.token().(string)
	if !ok {
		fail("equals-ignore-case match pattern must be a string")
	}
	c.closeExpression()
	return s
}

func (c *compiler) numeric() matcher {
	if c.token() != json.Delim('[') {
		fail("Value of numeric must be an array.")
	}
	m := matcher{kind: mNumeric}
	opTok := c.token()
	op, ok := opTok.(string)
	if !ok {
		fail("Invalid member in numeric match: %v", opTok)
	}
	val := func(op string) float64 {
		n, ok := c.token().(json.Number)
		if !ok {
			if op == "=" {
				fail("Value of equals must be numeric")
			}
			fail("Value of %s must be numeric", op)
		}
		f, err := n.Float64()
		if err != nil {
			fail("Value of %s must be numeric", op)
		}
		return f
	}
	end := func() {
		if c.dec.More() {
			fail("Too many elements in numeric expression")
		}
		c.token()
	}
	switch op {
	case "=":
		v := val(op)
		m.lo, m.hi, m.hasLo, m.hasHi = v, v, true, true
		end()
		return m
	case "<", "<=":
		m.hi, m.hasHi, m.hiOpen = val(op), true, op == "<"
		end()
		return m
	case ">", ">=":
		m.lo, m.hasLo, m.loOpen = val(op), true, op == ">"
	default:
		fail("Unrecognized numeric range operator: %s", op)
	}
	if !c.dec.More() {
		c.token()
		return m
	}
	tok := c.token()
	op2, ok := tok.(string)
	if !ok {
		fail("Bad value in numeric range: %v", tok)
	}
	if op2 != "<" && op2 != "<=" {
		fail("Bad numeric range operator: %s", op2)
	}
	m.hi, m.hasHi, m.hiOpen = val(op2), true, op2 == "<"
	if c.dec.More() {
		fail("Too many terms in numeric range expression")
	}
	c.token()
	if m.hi <= m.lo {
		fail("Bottom must be less than top")
	}
	return m
}

func (c *compiler) anythingBut() matcher {
	m := matcher{kind: mAnythingBut}
	sub := ""
	tok := c.token()
	if tok == json.Delim('{') {
		if !c.dec.More() {
			fail("Anything-But expression name not found")
		}
		sub = c.token().(string)
		switch sub {
		case "prefix":
			m.kind = mAnythingButPrefix
		case "suffix":
			m.kind = mAnythingButSuffix
		case "wildcard":
			m.kind = mAnythingButWildcard
		case "equals-ignore-case":
			m.kind = mAnythingButFold
		default:
			fail("Unsupported anything-but pattern: %s", sub)
		}
		tok = c.token()
	}
	var list []json.Token
	switch tok.(type) {
	case string, json.Number:
		list = []json.Token{tok}
	case json.Delim:
		if tok != json.Delim('[') {
			fail("Value of anything-but must be an array or single string/number value.")
		}
		for c.dec.More() {
			t := c.token()
			if d, ok := t.(json.Delim); ok {
				c.skip(d)
			}
			list = append(list, t)
		}
		c.token() // ']'
	default:
		fail("Value of anything-but must be an array or single string/number value.")
	}
	if sub == "" {
		var strs, nums bool
		for _, t := range list {
			switch v := t.(type) {
			case string:
				strs = true
				m.strs = append(m.strs, v)
			case json.Number:
				f, err := v.Float64()
				if err != nil {
					fail("Invalid number %s", v)
				}
				nums = true
				m.nums = append(m.nums, f)
			default:
				fail("Inside anything but list, start|null|boolean is not supported.")
			}
		}
		if strs == nums {
			fail("Inside anything but list, either all values are number or string, mixed type is not supported")
		}
	} else {
		for _, t := range list {
			s, ok := t.(string)
			if !ok {
				switch m.kind {
				case mAnythingButFold:
					fail("Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.")
				case mAnythingButWildcard:
					fail("wildcard match pattern must be a string")
				default:
					fail("prefix/suffix match pattern must be a string")
				}
			}
			if s == "" && (m.kind == mAnythingButPrefix || m.kind == mAnythingButSuffix) {
				fail("Null prefix/suffix not allowed")
			}
			switch m.kind {
			case mAnythingButWildcard:
				m.globs = append(m.globs, compileGlob(s))
			default:
				m.strs = append(m.strs, s)
			}
		}
		c.closeExpression() // the inner object
	}
	return m
}

// skip consumes the rest of a nested value whose opening delimiter was read.
func (c *compiler) skip(open json.Delim) {
	depth := 1
	for depth > 0 {
		if d, ok := c.token().(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
	}
	_ = open
}

// glob is a compiled wildcard: literal segments between stars.
type glob struct {
	segs           []string
	leading, trail bool // a star before the first / after the last segment
}

func compileGlob(s string) glob {
	var g glob
	var cur bytes.Buffer
	star := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '*':
			if i+1 < len(s) && s[i+1] == '*' {
				fail("Consecutive wildcard characters at pos %d", i+1) // event-ruler counts the opening quote
			}
			if len(g.segs) == 0 && cur.Len() == 0 {
				g.leading = true
			} else {
				g.segs = append(g.segs, cur.String())
				cur.Reset()
			}
			star = true
			continue
		case '\\':
			if i+1 < len(s) && (s[i+1] == '*' || s[i+1] == '\\') {
				cur.WriteByte(s[i+1])
				i++
				star = false
				continue
			}
			fail("Invalid escape character at pos %d", i+1)
		}
		cur.WriteByte(s[i])
		star = false
	}
	if star {
		g.trail = true
	} else {
		g.segs = append(g.segs, cur.String())
	}
	return g
}

var (
	ipv4Shape = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$`)
	ipv6Shape = regexp.MustCompile(`^[0-9a-fA-F:]*:[0-9a-fA-F:]*$`)
)

func parseCIDR(s string) netip.Prefix {
	parts := strings.Split(s, "/")
	if len(parts) != 2 {
		fail("Malformed CIDR, one '/' required")
	}
	bits, err := strconv.Atoi(parts[1])
	if err != nil {
		fail("Malformed CIDR, mask bits must be an integer")
	}
	if bits < 0 {
		fail("Malformed CIDR, mask bits must not be negative")
	}
	ip := parts[0]
	if !ipv4Shape.MatchString(ip) && !ipv6Shape.MatchString(ip) {
		fail("Nonstandard IP address: %s", ip)
	}
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		fail("Invalid IP address: %s", ip)
	}
	addr = addr.Unmap()
	if addr.Is4() && bits > 31 {
		fail("IPv4 mask bits must be < 32")
	}
	if addr.Is6() && bits > 127 {
		fail("IPv6 mask bits must be < 128")
	}
	return netip.PrefixFrom(addr, bits).Masked()
}
