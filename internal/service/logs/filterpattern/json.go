package filterpattern

import (
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// step is one selector component: .name or [index].
type step struct {
	key     string
	index   int
	isIndex bool
}

type jsonTest uint8

const (
	testCompare jsonTest = iota
	testTrue
	testFalse
	testNull
	testNotExists
)

// jsonCond is one condition of a JSON pattern.
type jsonCond struct {
	path []step
	test jsonTest
	op   cmpOp
	val  *value
}

func resolve(root any, path []step) (any, bool) {
	cur := root
	for _, s := range path {
		if s.isIndex {
			arr, ok := cur.([]any)
			if !ok || s.index >= len(arr) {
				return nil, false
			}
			cur = arr[s.index]
			continue
		}
		obj, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = obj[s.key]; !ok {
			return nil, false
		}
	}
	return cur, true
}

func (c *jsonCond) eval(root any) bool {
	node, found := resolve(root, c.path)
	switch c.test {
	case testNotExists:
		return !found
	case testNull:
		return found && node == nil
	case testTrue:
		b, ok := node.(bool)
		return ok && b
	case testFalse:
		b, ok := node.(bool)
		return ok && !b
	}
	var s scalar
	switch x := node.(type) {
	case string:
		s = textScalar(x)
	case json.Number:
		s = scalar{text: string(x)}
		s.num, s.isNum = parseNumber(string(x))
	case bool:
		s = scalar{text: strconv.FormatBool(x)}
	default: // missing, null, object or array: no comparison holds
		return false
	}
	return compare(s, c.op, c.val)
}

// decodeJSON decodes a message that is exactly one JSON value (blanks aside).
func decodeJSON(msg string) (any, bool) {
	i := 0
	for i < len(msg) && isSpace(msg[i]) {
		i++
	}
	if i == len(msg) || (msg[i] != '{' && msg[i] != '[') {
		return nil, false // cheap rejection of ordinary text lines
	}
	dec := json.NewDecoder(strings.NewReader(msg[i:]))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, false // trailing text after the JSON value
	}
	return v, true
}

func (p *parser) parseJSON() (expr[any], error) {
	open := p.pos
	p.pos++ // '{'
	p.skipSpace()
	if p.peek() == '}' {
		return nil, p.errAt(p.pos, "empty JSON pattern")
	}
	e, err := parseOr(p, p.parseJSONCond)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	switch {
	case p.eof():
		return nil, p.errAt(open, "unclosed '{'")
	case p.peek() != '}':
		return nil, p.errAt(p.pos, "expected '&&', '||' or '}'")
	}
	p.pos++
	if err := p.expectEnd("the JSON pattern"); err != nil {
		return nil, err
	}
	return e, nil
}

func (p *parser) parseJSONCond() (expr[any], error) {
	p.skipSpace()
	path, err := p.parseSelector()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	op, ok, err := p.parseOp()
	if err != nil {
		return nil, err
	}
	if ok {
		v, err := p.parseValue(op, false)
		if err != nil {
			return nil, err
		}
		return &jsonCond{path: path, test: testCompare, op: op, val: v}, nil
	}
	kwPos := p.pos
	switch kw := p.readWord(); {
	case strings.EqualFold(kw, "IS"):
		p.skipSpace()
		argPos := p.pos
		arg := p.readWord()
		switch {
		case strings.EqualFold(arg, "TRUE"):
			return &jsonCond{path: path, test: testTrue}, nil
		case strings.EqualFold(arg, "FALSE"):
			return &jsonCond{path: path, test: testFalse}, nil
		case strings.EqualFold(arg, "NULL"):
			return &jsonCond{path: path, test: testNull}, nil
		case strings.EqualFold(arg, "NOT"):
			return nil, p.errAt(argPos, "IS NOT is not supported; use '!=' or NOT EXISTS")
		}
		return nil, p.errAt(argPos, "expected TRUE, FALSE or NULL after IS")
	case strings.EqualFold(kw, "NOT"):
		p.skipSpace()
		argPos := p.pos
		if !strings.EqualFold(p.readWord(), "EXISTS") {
			return nil, p.errAt(argPos, "expected EXISTS after NOT")
		}
		return &jsonCond{path: path, test: testNotExists}, nil
	case strings.EqualFold(kw, "EXISTS"):
		return nil, p.errAt(kwPos, "EXISTS is not supported; use '= *' or NOT EXISTS")
	}
	if p.eof() {
		return nil, p.errAt(kwPos, "expected an operator after the selector")
	}
	return nil, p.errAt(kwPos, "expected an operator, IS or NOT EXISTS after the selector")
}

// readWord reads a run of ASCII letters.
func (p *parser) readWord() string {
	start := p.pos
	for !p.eof() {
		c := p.peek()
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') {
			break
		}
		p.pos++
	}
	return p.src[start:p.pos]
}

// isNameRune reports whether r may appear in a property or field name. AWS
// documents alphanumerics, '-' and '_'; '@' is accepted too for keys such as
// "@timestamp".
func isNameRune(r rune) bool {
	return r == '_' || r == '-' || r == '@' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// readName reads a run of name runes.
func (p *parser) readName() string {
	start := p.pos
	for !p.eof() {
		r, size := utf8.DecodeRuneInString(p.rest())
		if !isNameRune(r) {
			break
		}
		p.pos += size
	}
	return p.src[start:p.pos]
}

func (p *parser) parseSelector() ([]step, error) {
	if p.peek() != '$' {
		if p.eof() {
			return nil, p.errAt(p.pos, "expected a selector such as $.field")
		}
		return nil, p.errAt(p.pos, "expected a selector such as $.field (selectors start with '$')")
	}
	start := p.pos
	p.pos++
	var path []step
	for {
		switch p.peek() {
		case '.':
			p.pos++
			namePos := p.pos
			name := p.readName()
			if name == "" {
				return nil, p.errAt(namePos, "expected a property name after '.'")
			}
			path = append(path, step{key: name})
			continue
		case '[':
			open := p.pos
			p.pos++
			p.skipSpace()
			numPos := p.pos
			for !p.eof() && p.peek() >= '0' && p.peek() <= '9' {
				p.pos++
			}
			digits := p.src[numPos:p.pos]
			if digits == "" {
				return nil, p.errAt(numPos, "expected an array index")
			}
			idx, err := strconv.Atoi(digits)
			if err != nil || len(digits) > 9 {
				return nil, p.errAt(numPos, "array index out of range")
			}
			p.skipSpace()
			if p.peek() != ']' {
				return nil, p.errAt(open, "expected ']' to close the array index")
			}
			p.pos++
			path = append(path, step{index: idx, isIndex: true})
			continue
		}
		break
	}
	if len(path) == 0 {
		return nil, p.errAt(start, "selector must name a property, as in $.field")
	}
	return path, nil
}
