package filterpattern

import (
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"
)

// ---- boolean expressions shared by JSON and space-delimited patterns ----

// expr is a boolean expression over an environment T (the decoded JSON
// document, or one field's text).
type expr[T any] interface {
	eval(T) bool
}

type andExpr[T any] []expr[T]

func (a andExpr[T]) eval(x T) bool {
	for _, e := range a {
		if !e.eval(x) {
			return false
		}
	}
	return true
}

type orExpr[T any] []expr[T]

func (o orExpr[T]) eval(x T) bool {
	for _, e := range o {
		if e.eval(x) {
			return true
		}
	}
	return false
}

// parseOr parses  and { "||" and }; leaf parses one condition. The caller
// checks what follows (a closing '}' or the next field).
func parseOr[T any](p *parser, leaf func() (expr[T], error)) (expr[T], error) {
	first, err := parseAnd(p, leaf)
	if err != nil {
		return nil, err
	}
	items := orExpr[T]{first}
	for {
		p.skipSpace()
		if !strings.HasPrefix(p.rest(), "||") {
			break
		}
		p.pos += 2
		e, err := parseAnd(p, leaf)
		if err != nil {
			return nil, err
		}
		items = append(items, e)
	}
	if len(items) == 1 {
		return first, nil
	}
	return items, nil
}

func parseAnd[T any](p *parser, leaf func() (expr[T], error)) (expr[T], error) {
	first, err := parseUnary(p, leaf)
	if err != nil {
		return nil, err
	}
	items := andExpr[T]{first}
	for {
		p.skipSpace()
		if !strings.HasPrefix(p.rest(), "&&") {
			break
		}
		p.pos += 2
		e, err := parseUnary(p, leaf)
		if err != nil {
			return nil, err
		}
		items = append(items, e)
	}
	if len(items) == 1 {
		return first, nil
	}
	return items, nil
}

func parseUnary[T any](p *parser, leaf func() (expr[T], error)) (expr[T], error) {
	p.skipSpace()
	if p.peek() != '(' {
		return leaf()
	}
	open := p.pos
	p.pos++
	e, err := parseOr(p, leaf)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.peek() != ')' {
		if p.eof() {
			return nil, p.errAt(open, "unclosed '('")
		}
		return nil, p.errAt(p.pos, "expected '&&', '||' or ')'")
	}
	p.pos++
	return e, nil
}

// ---- comparison operators and values ----

type cmpOp uint8

const (
	opEq cmpOp = iota
	opNe
	opLt
	opLe
	opGt
	opGe
)

var opNames = [...]string{opEq: "=", opNe: "!=", opLt: "<", opLe: "<=", opGt: ">", opGe: ">="}

func (o cmpOp) String() string { return opNames[o] }

// parseOp reads a comparison operator, or returns ok=false without moving.
func (p *parser) parseOp() (op cmpOp, ok bool, err error) {
	r := p.rest()
	switch {
	case strings.HasPrefix(r, "!="):
		op, p.pos = opNe, p.pos+2
	case strings.HasPrefix(r, "<="):
		op, p.pos = opLe, p.pos+2
	case strings.HasPrefix(r, ">="):
		op, p.pos = opGe, p.pos+2
	case strings.HasPrefix(r, "=="):
		return 0, false, p.errAt(p.pos, "unknown operator '=='; use '='")
	case strings.HasPrefix(r, "="):
		op, p.pos = opEq, p.pos+1
	case strings.HasPrefix(r, "<"):
		op, p.pos = opLt, p.pos+1
	case strings.HasPrefix(r, ">"):
		op, p.pos = opGt, p.pos+1
	default:
		return 0, false, nil
	}
	return op, true, nil
}

// value is the right-hand side of a comparison.
type value struct {
	text  string         // literal text (quotes removed)
	glob  bool           // text contains '*' wildcards
	isNum bool           // a bare numeric literal
	num   float64        // its value
	re    *regexp.Regexp // a %regex% value
}

// scalar is the left-hand side: a JSON string/number/boolean or a field.
type scalar struct {
	text  string
	isNum bool
	num   float64
}

func textScalar(s string) scalar {
	if f, ok := parseNumber(s); ok {
		return scalar{text: s, isNum: true, num: f}
	}
	return scalar{text: s}
}

func (v *value) equal(s scalar) bool {
	switch {
	case v.re != nil:
		return v.re.MatchString(s.text)
	case v.isNum && s.isNum:
		return v.num == s.num
	case v.glob:
		return globMatch(v.text, s.text)
	default:
		return v.text == s.text
	}
}

func compare(s scalar, op cmpOp, v *value) bool {
	switch op {
	case opEq:
		return v.equal(s)
	case opNe:
		return !v.equal(s)
	}
	if !s.isNum || !v.isNum {
		return false
	}
	switch op {
	case opLt:
		return s.num < v.num
	case opLe:
		return s.num <= v.num
	case opGt:
		return s.num > v.num
	default:
		return s.num >= v.num
	}
}

// parseValue reads the value after op. delimited selects the space-delimited
// terminators (',' and ']') instead of the JSON ones ('}').
func (p *parser) parseValue(op cmpOp, delimited bool) (*value, error) {
	p.skipSpace()
	start := p.pos
	v := &value{}
	switch c := p.peek(); {
	case c == '"':
		s, err := p.readQuoted()
		if err != nil {
			return nil, err
		}
		v.text, v.glob = s, strings.Contains(s, "*")
	case c == '%':
		re, err := p.parseEmbeddedRegex()
		if err != nil {
			return nil, err
		}
		v.re = re
	default:
		for !p.eof() {
			c := p.peek()
			if isSpace(c) || c == ')' || (delimited && (c == ',' || c == ']')) || (!delimited && c == '}') {
				break
			}
			r := p.rest()
			if strings.HasPrefix(r, "&&") || strings.HasPrefix(r, "||") {
				break
			}
			if c == '"' {
				return nil, p.errAt(p.pos, "quote inside an unquoted value; quote the whole value")
			}
			p.pos++
		}
		v.text = p.src[start:p.pos]
		if v.text == "" {
			return nil, p.errAt(start, "expected a value after '%s'", op)
		}
		v.glob = strings.Contains(v.text, "*")
		if !v.glob {
			v.num, v.isNum = parseNumber(v.text)
		}
	}
	if op != opEq && op != opNe && !v.isNum {
		return nil, p.errAt(start, "operator '%s' needs a number", op)
	}
	return v, nil
}

// parseNumber accepts [+-]digits[.digits][e[+-]digits] (also ".5" and "5."),
// the number syntax AWS documents, and nothing else (no Inf, NaN, hex, '_').
func parseNumber(s string) (float64, bool) {
	i, n := 0, len(s)
	if i < n && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for i < n && s[i] >= '0' && s[i] <= '9' {
		i, digits = i+1, digits+1
	}
	if i < n && s[i] == '.' {
		i++
		for i < n && s[i] >= '0' && s[i] <= '9' {
			i, digits = i+1, digits+1
		}
	}
	if digits == 0 {
		return 0, false
	}
	if i < n && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < n && (s[i] == '+' || s[i] == '-') {
			i++
		}
		exp := 0
		for i < n && s[i] >= '0' && s[i] <= '9' {
			i, exp = i+1, exp+1
		}
		if exp == 0 {
			return 0, false
		}
	}
	if i != n {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		// Only a range error is possible here; f is then ±Inf or 0,
		// which still orders correctly.
		if ne, ok := err.(*strconv.NumError); !ok || ne.Err != strconv.ErrRange {
			return 0, false
		}
	}
	return f, true
}

// globMatch reports whether s matches pattern, where '*' matches any run of
// characters (possibly empty) and everything else is literal. It runs in
// O(len(s)+len(pattern)) string searches: the first and last segments are
// anchored, and the middle segments are placed leftmost-first, which is
// optimal for '*'-only patterns.
func globMatch(pattern, s string) bool {
	segs := strings.Split(pattern, "*")
	if len(segs) == 1 {
		return pattern == s
	}
	first, last := segs[0], segs[len(segs)-1]
	if len(s) < len(first)+len(last) || !strings.HasPrefix(s, first) || !strings.HasSuffix(s, last) {
		return false
	}
	mid := s[len(first) : len(s)-len(last)]
	for _, seg := range segs[1 : len(segs)-1] {
		if seg == "" {
			continue
		}
		i := strings.Index(mid, seg)
		if i < 0 {
			return false
		}
		mid = mid[i+len(seg):]
	}
	return true
}

// ---- regular expressions ----

// maxRegexInsts bounds the compiled size of a regex. Go's regexp never
// backtracks exponentially, but its cost is O(len(text) × live threads), and
// a counted repetition such as [a-z]{900} keeps ~900 threads alive: about
// 10-20 s for a 1 MB message of letters. With this cap an adversarial regex
// costs at most a few seconds on a 1 MB message (tens of microseconds on a
// typical log line), while realistic filters (IP addresses, UUIDs, status
// codes, alternations of words) compile to well under 100 instructions.
const maxRegexInsts = 256

// compileRegex validates body against the subset AWS documents and compiles
// it. off is the byte offset of body in the pattern, for error positions.
func (p *parser) compileRegex(body string, off int) (*regexp.Regexp, error) {
	if body == "" {
		return nil, p.errAt(off, "empty regular expression")
	}
	for i := 0; i < len(body); i++ {
		switch c := body[i]; {
		case c >= 0x80:
			return nil, p.errAt(off+i, "multi-byte characters are not supported in regular expressions")
		case c == '(' || c == ')':
			return nil, p.errAt(off+i, "'%c' is not supported in regular expressions", c)
		case c == '!':
			return nil, p.errAt(off+i, "'!' is not supported in regular expressions")
		}
	}
	re, err := syntax.Parse(body, syntax.Perl)
	if err != nil {
		return nil, p.errAt(off, "bad regular expression: %v", err)
	}
	prog, err := syntax.Compile(re.Simplify())
	if err != nil || len(prog.Inst) > maxRegexInsts {
		return nil, p.errAt(off, "regular expression is too complex")
	}
	compiled, err := regexp.Compile(body)
	if err != nil {
		return nil, p.errAt(off, "bad regular expression: %v", err)
	}
	return compiled, nil
}

// readRegex reads %...% at p.pos and compiles it.
func (p *parser) readRegex() (*regexp.Regexp, error) {
	start := p.pos
	end := strings.IndexByte(p.src[start+1:], '%')
	if end < 0 {
		return nil, p.errAt(start, "unterminated regular expression (no closing '%%')")
	}
	body := p.src[start+1 : start+1+end]
	p.pos = start + 2 + end
	return p.compileRegex(body, start+1)
}

func (p *parser) parseStandaloneRegex() (*regexp.Regexp, error) {
	re, err := p.readRegex()
	if err != nil {
		return nil, err
	}
	if err := p.expectEnd("the regular expression"); err != nil {
		return nil, err
	}
	return re, nil
}

func (p *parser) parseEmbeddedRegex() (*regexp.Regexp, error) {
	start := p.pos
	p.regexN++
	if p.regexN > maxRegexPerPattern {
		return nil, p.errAt(start, "at most %d regular expressions are allowed in a JSON or space-delimited pattern", maxRegexPerPattern)
	}
	return p.readRegex()
}
