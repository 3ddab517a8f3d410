package filterpattern

import "strings"

// delimitedField is one comma-separated entry of a space-delimited pattern.
type delimitedField struct {
	name     string
	ellipsis bool
	cond     expr[string] // nil: no condition
}

// fieldCond is a comparison on the value of the field it belongs to.
type fieldCond struct {
	op  cmpOp
	val *value
}

func (c *fieldCond) eval(s string) bool { return compare(textScalar(s), c.op, c.val) }

func (p *parser) parseDelimited() ([]delimitedField, error) {
	open := p.pos
	p.pos++ // '['
	var fields []delimitedField
	for {
		p.skipSpace()
		if p.peek() == ']' && len(fields) == 0 {
			return nil, p.errAt(p.pos, "empty space-delimited pattern")
		}
		f, err := p.parseDelimitedField()
		if err != nil {
			return nil, err
		}
		fields = append(fields, f)
		p.skipSpace()
		switch p.peek() {
		case ',':
			p.pos++
			continue
		case ']':
			p.pos++
		case 0:
			return nil, p.errAt(open, "unclosed '['")
		default:
			return nil, p.errAt(p.pos, "expected ',' or ']'")
		}
		break
	}
	if err := p.expectEnd("the space-delimited pattern"); err != nil {
		return nil, err
	}
	return fields, nil
}

func (p *parser) parseDelimitedField() (delimitedField, error) {
	if strings.HasPrefix(p.rest(), "...") {
		p.pos += 3
		return delimitedField{ellipsis: true}, nil
	}
	start := p.pos
	if name := p.readName(); name != "" {
		p.skipSpace()
		if c := p.peek(); c == ',' || c == ']' || c == 0 {
			return delimitedField{name: name}, nil
		}
		p.pos = start
	}
	var f delimitedField
	leaf := func() (expr[string], error) {
		p.skipSpace()
		namePos := p.pos
		name := p.readName()
		if name == "" {
			if p.eof() {
				return nil, p.errAt(p.pos, "expected a field name")
			}
			return nil, p.errAt(p.pos, "expected a field name, '...' or a condition such as status = 404")
		}
		switch {
		case f.name == "":
			f.name = name
		case !strings.EqualFold(f.name, name):
			// Each field's conditions are about that field only.
			return nil, p.errAt(namePos, "condition on %q inside the field %q", name, f.name)
		}
		p.skipSpace()
		opPos := p.pos
		op, ok, err := p.parseOp()
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, p.errAt(opPos, "expected an operator, ',' or ']' after %q", name)
		}
		v, err := p.parseValue(op, true)
		if err != nil {
			return nil, err
		}
		return &fieldCond{op: op, val: v}, nil
	}
	cond, err := parseOr(p, leaf)
	if err != nil {
		return f, err
	}
	f.cond = cond
	return f, nil
}

// token is one field of a log message.
type token struct {
	val        string // value, without enclosing quotes or brackets
	start, end int    // raw extent in the message
}

// tokenize splits msg at blanks; a field that starts with '"' or '[' runs to
// the next '"' or ']' and may contain blanks.
func tokenize(msg string) []token {
	var toks []token
	i, n := 0, len(msg)
	for {
		for i < n && isSpace(msg[i]) {
			i++
		}
		if i >= n {
			return toks
		}
		start := i
		if c := msg[i]; c == '"' || c == '[' {
			closer := byte('"')
			if c == '[' {
				closer = ']'
			}
			if j := strings.IndexByte(msg[i+1:], closer); j >= 0 {
				end := i + 2 + j
				toks = append(toks, token{val: msg[i+1 : end-1], start: start, end: end})
				i = end
				continue
			}
		}
		for i < n && !isSpace(msg[i]) {
			i++
		}
		toks = append(toks, token{val: msg[start:i], start: start, end: i})
	}
}

// restValue is the value the last pattern field takes when it starts at
// token j: that token's value when it is the last one, else the raw text
// from token j to the end of the message.
func restValue(msg string, toks []token, j int) string {
	if j == len(toks)-1 {
		return toks[j].val
	}
	return msg[toks[j].start:toks[len(toks)-1].end]
}

func (p *Pattern) matchDelimited(msg string) bool {
	toks := tokenize(msg)
	fields := p.fields
	last := len(fields) - 1
	if !p.anyEllipsis {
		// Fixed positions: field i is token i, the last field takes the rest.
		if len(toks) < len(fields) {
			return false
		}
		for i, f := range fields[:last] {
			if f.cond != nil && !f.cond.eval(toks[i].val) {
				return false
			}
		}
		f := fields[last]
		return f.cond == nil || f.cond.eval(restValue(msg, toks, last))
	}

	// With "...": reach[j] says the fields so far can consume exactly
	// toks[:j]. "..." consumes any number of fields, a named field exactly
	// one (no field takes "the rest" here: trailing named fields line up
	// with the end of the message). O(len(fields) × len(toks)).
	reach := make([]bool, len(toks)+1)
	next := make([]bool, len(toks)+1)
	reach[0] = true
	for _, f := range fields {
		clear(next)
		alive := false
		if f.ellipsis {
			on := false
			for j := range reach {
				on = on || reach[j]
				next[j] = on
				alive = alive || on
			}
		} else {
			for j := 0; j < len(toks); j++ {
				if reach[j] && (f.cond == nil || f.cond.eval(toks[j].val)) {
					next[j+1] = true
					alive = true
				}
			}
		}
		if !alive {
			return false
		}
		reach, next = next, reach
	}
	return reach[len(toks)]
}
