package filterpattern

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// MaxLength is the longest filter pattern accepted, in characters. It is the
// length constraint of filterPattern in the CloudWatch Logs API.
const MaxLength = 1024

// maxRegexPerPattern is the AWS quota on regexes inside one JSON or
// space-delimited pattern.
const maxRegexPerPattern = 2

type kind uint8

const (
	kindAll kind = iota
	kindTerms
	kindRegex
	kindJSON
	kindDelimited
)

// Pattern is a parsed filter pattern. It is immutable and safe for concurrent
// use by multiple goroutines.
type Pattern struct {
	src    string
	kind   kind
	groups []termGroup      // kindTerms
	re     *regexp.Regexp   // kindRegex
	json   expr[any]        // kindJSON
	fields []delimitedField // kindDelimited
	// anyEllipsis records whether fields contains "...", which selects the
	// general matcher for delimited patterns.
	anyEllipsis bool
}

// SyntaxError describes a filter pattern that cannot be parsed. Its Error text
// is suitable as the message of an InvalidParameterException.
type SyntaxError struct {
	Pattern string // the pattern as given
	Offset  int    // byte offset in Pattern where the problem was found
	Msg     string // what is wrong
}

func (e *SyntaxError) Error() string {
	off := min(max(e.Offset, 0), len(e.Pattern))
	col := utf8.RuneCountInString(e.Pattern[:off]) + 1
	if off >= len(e.Pattern) {
		return fmt.Sprintf("Invalid filter pattern: %s at position %d (end of pattern)", e.Msg, col)
	}
	near := e.Pattern[off:]
	if len(near) > 24 {
		cut := 24
		for cut > 0 && !utf8.RuneStart(near[cut]) {
			cut--
		}
		near = near[:cut] + "..."
	}
	return fmt.Sprintf("Invalid filter pattern: %s at position %d (near %q)", e.Msg, col, near)
}

// Parse parses a filter pattern. Errors are *SyntaxError.
func Parse(s string) (*Pattern, error) {
	if n := utf8.RuneCountInString(s); n > MaxLength {
		return nil, &SyntaxError{Pattern: s, Offset: 0,
			Msg: fmt.Sprintf("pattern is %d characters long, the maximum is %d", n, MaxLength)}
	}
	p := &parser{src: s}
	p.skipSpace()
	pat := &Pattern{src: s}
	var err error
	switch p.peek() {
	case 0:
		pat.kind = kindAll
	case '{':
		pat.kind = kindJSON
		pat.json, err = p.parseJSON()
	case '[':
		pat.kind = kindDelimited
		pat.fields, err = p.parseDelimited()
		for _, f := range pat.fields {
			if f.ellipsis {
				pat.anyEllipsis = true
			}
		}
	case '%':
		pat.kind = kindRegex
		pat.re, err = p.parseStandaloneRegex()
	default:
		pat.kind = kindTerms
		pat.groups, err = p.parseTerms()
	}
	if err != nil {
		return nil, err
	}
	return pat, nil
}

// String returns the pattern's source text.
func (p *Pattern) String() string {
	if p == nil {
		return ""
	}
	return p.src
}

// Match reports whether the log event message matches the pattern. A nil
// Pattern matches everything, as the empty pattern does.
func (p *Pattern) Match(message string) bool {
	if p == nil {
		return true
	}
	switch p.kind {
	case kindTerms:
		return matchTerms(p.groups, message)
	case kindRegex:
		return p.re.MatchString(message)
	case kindJSON:
		root, ok := decodeJSON(message)
		return ok && p.json.eval(root)
	case kindDelimited:
		return p.matchDelimited(message)
	}
	return true
}

// parser is a cursor over the pattern text shared by all the sub-parsers.
type parser struct {
	src    string
	pos    int
	regexN int // regexes seen so far (JSON and delimited patterns)
}

func (p *parser) errAt(pos int, format string, args ...any) error {
	return &SyntaxError{Pattern: p.src, Offset: pos, Msg: fmt.Sprintf(format, args...)}
}

// peek returns the current byte, or 0 at the end.
func (p *parser) peek() byte {
	if p.pos < len(p.src) {
		return p.src[p.pos]
	}
	return 0
}

func (p *parser) eof() bool { return p.pos >= len(p.src) }

func (p *parser) rest() string { return p.src[p.pos:] }

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// isBlank reports whether s is empty or all blanks. Blanks are ASCII
// whitespace only, here and when splitting messages into fields.
func isBlank(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isSpace(s[i]) {
			return false
		}
	}
	return true
}

func (p *parser) skipSpace() {
	for p.pos < len(p.src) && isSpace(p.src[p.pos]) {
		p.pos++
	}
}

// expectEnd fails unless only blanks remain.
func (p *parser) expectEnd(what string) error {
	p.skipSpace()
	if !p.eof() {
		return p.errAt(p.pos, "unexpected text after %s", what)
	}
	return nil
}

// readQuoted reads a double-quoted string at p.pos. Inside, \" stands for "
// and \\ for \; any other backslash is kept as written.
func (p *parser) readQuoted() (string, error) {
	start := p.pos
	p.pos++ // opening quote
	var b strings.Builder
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == '\\' && p.pos+1 < len(p.src) && (p.src[p.pos+1] == '"' || p.src[p.pos+1] == '\\'):
			b.WriteByte(p.src[p.pos+1])
			p.pos += 2
		case c == '"':
			p.pos++
			return b.String(), nil
		default:
			b.WriteByte(c)
			p.pos++
		}
	}
	return "", p.errAt(start, "unterminated quoted string")
}
