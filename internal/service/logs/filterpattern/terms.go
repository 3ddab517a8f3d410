package filterpattern

import "strings"

// term is one word or quoted phrase of an unstructured pattern.
type term struct {
	text    string
	exclude bool // written with a leading "-"
	always  bool // blank text: present in every message (AWS: `" "` matches everything)
}

// termGroup is a conjunction of terms; a pattern's groups are ORed.
type termGroup []term

func (g termGroup) match(msg string) bool {
	for _, t := range g {
		has := t.always || strings.Contains(msg, t.text)
		if has == t.exclude {
			return false
		}
	}
	return true
}

func matchTerms(groups []termGroup, msg string) bool {
	for _, g := range groups {
		if g.match(msg) {
			return true
		}
	}
	return false
}

func (p *parser) parseTerms() ([]termGroup, error) {
	var groups []termGroup
	var cur termGroup
	for {
		p.skipSpace()
		if p.eof() {
			break
		}
		newGroup := false
		if p.peek() == '?' {
			newGroup = true
			p.pos++
			if p.eof() || isSpace(p.peek()) {
				return nil, p.errAt(p.pos-1, "expected a term after '?'")
			}
		}
		t, err := p.parseTerm()
		if err != nil {
			return nil, err
		}
		if newGroup && len(cur) > 0 {
			groups = append(groups, cur)
			cur = nil
		}
		cur = append(cur, t)
	}
	if len(cur) > 0 {
		groups = append(groups, cur)
	}
	return groups, nil
}

func (p *parser) parseTerm() (term, error) {
	var t term
	if p.peek() == '-' {
		t.exclude = true
		p.pos++
		if p.eof() || isSpace(p.peek()) {
			return t, p.errAt(p.pos-1, "expected a term after '-'")
		}
	}
	start := p.pos
	if p.peek() == '"' {
		s, err := p.readQuoted()
		if err != nil {
			return t, err
		}
		if !p.eof() && !isSpace(p.peek()) {
			return t, p.errAt(p.pos, "expected a blank after the closing quote")
		}
		t.text = s
		t.always = isBlank(s)
		return t, nil
	}
	for !p.eof() && !isSpace(p.peek()) {
		if p.peek() == '"' {
			return t, p.errAt(p.pos, "quote inside an unquoted term; quote the whole term")
		}
		p.pos++
	}
	t.text = p.src[start:p.pos]
	if len(t.text) >= 2 && t.text[0] == '%' && t.text[len(t.text)-1] == '%' {
		// AWS: a regex is a standalone pattern or a value in a JSON or
		// space-delimited pattern, not one term among others.
		return t, p.errAt(start, "a regular expression (%%...%%) must be the whole pattern")
	}
	return t, nil
}
