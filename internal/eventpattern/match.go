package eventpattern

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/netip"
	"slices"
	"strings"
)

type kind uint8

const (
	mExact kind = iota
	mPrefix
	mPrefixFold
	mSuffix
	mSuffixFold
	mEqualFold
	mWildcard
	mNumeric
	mExists
	mCIDR
	mAnythingBut
	mAnythingButPrefix
	mAnythingButSuffix
	mAnythingButWildcard
	mAnythingButFold
)

// matcher is one compiled alternative of a leaf.
type matcher struct {
	kind kind

	// mExact: exactly one of the is* flags is set.
	isStr, isNum, isBool, isNull bool
	str                          string
	num                          float64
	boolean                      bool // mExact true/false; mExists: must exist

	// mNumeric
	lo, hi                       float64
	hasLo, hasHi, loOpen, hiOpen bool

	glob   glob
	prefix netip.Prefix

	// anything-but exclusions
	strs  []string
	nums  []float64
	globs []glob
}

// ErrEvent is returned for an event that is not a JSON object; EventBridge
// answers "Parameter Event is not valid." for it.
var ErrEvent = errors.New("Parameter Event is not valid.")

// Decode parses an event for MatchDecoded. Numbers stay json.Number so that
// their text is never rounded before comparison.
func Decode(event []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(event))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, ErrEvent
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, ErrEvent
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, ErrEvent
	}
	return obj, nil
}

// Match reports whether the event (a JSON object) matches.
func (p *Pattern) Match(event []byte) (bool, error) {
	obj, err := Decode(event)
	if err != nil {
		return false, err
	}
	return p.MatchDecoded(obj), nil
}

// MatchDecoded reports whether an event decoded by Decode (or any value
// built from maps, slices, strings, json.Number or float64, bools and nil)
// matches.
func (p *Pattern) MatchDecoded(event map[string]any) bool {
	return p.root.match(event)
}

// match tests an object node against an event value: an object, an array
// (some element must match), or anything else (which has no fields).
func (n *node) match(v any) bool {
	if arr, ok := v.([]any); ok {
		sawObj := false
		for _, e := range arr {
			if _, isObj := e.(map[string]any); isObj || isArray(e) {
				sawObj = true
				if n.match(e) {
					return true
				}
			}
		}
		if sawObj {
			return false
		}
		v = nil // an array without objects has no fields
	}
	obj, _ := v.(map[string]any)
	for i := range n.fields {
		f := &n.fields[i]
		ev, present := lookup(obj, f.key)
		if f.child != nil {
			if !f.child.match(ev) {
				return false
			}
			continue
		}
		if !leafMatch(f.leaf, ev, present) {
			return false
		}
	}
	for _, alts := range n.ors {
		if !slices.ContainsFunc(alts, func(a *node) bool { return a.match(obj) }) {
			return false
		}
	}
	return true
}

// lookup finds a field. Like event-ruler, which joins path steps with
// dots, it treats {"a.b": x} and {"a": {"b": x}} as the same field, in the
// event and in the pattern; the dotted forms are tried only when the plain
// key is missing.
func lookup(obj map[string]any, key string) (any, bool) {
	if v, ok := obj[key]; ok {
		return v, true
	}
	for i := 0; i < len(key); i++ {
		if key[i] != '.' {
			continue
		}
		if v, ok := obj[key[:i]]; ok {
			if r, ok := descend(v, key[i+1:]); ok {
				return r, true
			}
		}
	}
	var virt map[string]any
	for k, v := range obj {
		if len(k) > len(key)+1 && k[len(key)] == '.' && strings.HasPrefix(k, key) {
			if virt == nil {
				virt = map[string]any{}
			}
			virt[k[len(key)+1:]] = v
		}
	}
	if virt != nil {
		return virt, true
	}
	return nil, false
}

func descend(v any, rest string) (any, bool) {
	switch t := v.(type) {
	case map[string]any:
		return lookup(t, rest)
	case []any:
		var out []any
		for _, e := range t {
			if r, ok := descend(e, rest); ok {
				out = append(out, r)
			}
		}
		return out, out != nil
	}
	return nil, false
}

func isArray(v any) bool { _, ok := v.([]any); return ok }

// leafMatch tests a field's alternatives against the event's value there.
func leafMatch(ms []matcher, v any, present bool) bool {
	has := present && hasScalar(v)
	for i := range ms {
		m := &ms[i]
		if m.kind == mExists {
			if m.boolean == has {
				return true
			}
			continue
		}
		if has && anyScalar(v, m.match) {
			return true
		}
	}
	return false
}

// hasScalar reports whether v is, or an array holds at any depth, a value
// that is not an object.
func hasScalar(v any) bool {
	switch t := v.(type) {
	case map[string]any:
		return false
	case []any:
		return slices.ContainsFunc(t, hasScalar)
	}
	return true
}

// anyScalar reports whether f holds for v or, for arrays, any scalar in it.
func anyScalar(v any, f func(any) bool) bool {
	switch t := v.(type) {
	case map[string]any:
		return false
	case []any:
		for _, e := range t {
			if anyScalar(e, f) {
				return true
			}
		}
		return false
	}
	return f(v)
}

func number(v any) (float64, bool) {
	switch t := v.(type) {
	case json.Number:
		f, err := t.Float64()
		return f, err == nil
	case float64:
		return t, true
	case int:
		return float64(t), true
	}
	return 0, false
}

// match tests one scalar event value.
func (m *matcher) match(v any) bool {
	s, isStr := v.(string)
	switch m.kind {
	case mExact:
		switch {
		case m.isStr:
			return isStr && s == m.str
		case m.isNum:
			f, ok := number(v)
			return ok && f == m.num
		case m.isBool:
			b, ok := v.(bool)
			return ok && b == m.boolean
		default:
			return v == nil
		}
	case mPrefix:
		return isStr && strings.HasPrefix(s, m.str)
	case mSuffix:
		return isStr && strings.HasSuffix(s, m.str)
	case mPrefixFold:
		return isStr && len(s) >= len(m.str) && strings.EqualFold(s[:len(m.str)], m.str)
	case mSuffixFold:
		return isStr && len(s) >= len(m.str) && strings.EqualFold(s[len(s)-len(m.str):], m.str)
	case mEqualFold:
		return isStr && strings.EqualFold(s, m.str)
	case mWildcard:
		return isStr && m.glob.match(s)
	case mNumeric:
		f, ok := number(v)
		if !ok {
			return false
		}
		if m.hasLo && (f < m.lo || (m.loOpen && f == m.lo)) {
			return false
		}
		if m.hasHi && (f > m.hi || (m.hiOpen && f == m.hi)) {
			return false
		}
		return true
	case mCIDR:
		if !isStr {
			return false
		}
		a, err := netip.ParseAddr(s)
		return err == nil && m.prefix.Contains(a.Unmap())
	case mAnythingBut:
		if isStr {
			return !slices.Contains(m.strs, s)
		}
		if f, ok := number(v); ok {
			return !slices.Contains(m.nums, f)
		}
		return true
	case mAnythingButPrefix:
		return !isStr || !slices.ContainsFunc(m.strs, func(p string) bool { return strings.HasPrefix(s, p) })
	case mAnythingButSuffix:
		return !isStr || !slices.ContainsFunc(m.strs, func(p string) bool { return strings.HasSuffix(s, p) })
	case mAnythingButFold:
		return !isStr || !slices.ContainsFunc(m.strs, func(p string) bool { return strings.EqualFold(s, p) })
	case mAnythingButWildcard:
		return !isStr || !slices.ContainsFunc(m.globs, func(g glob) bool { return g.match(s) })
	}
	return false
}

// match reports whether s matches the wildcard, without backtracking: the
// segments between stars are found leftmost-first, which is enough because
// a star absorbs anything between them.
func (g glob) match(s string) bool {
	segs := g.segs
	if !g.leading {
		if len(segs) == 0 || !strings.HasPrefix(s, segs[0]) {
			return false
		}
		s, segs = s[len(segs[0]):], segs[1:]
		if len(segs) == 0 {
			return g.trail || s == ""
		}
	}
	if len(segs) == 0 {
		return true // "*"
	}
	if !g.trail {
		last := segs[len(segs)-1]
		for _, seg := range segs[:len(segs)-1] {
			i := strings.Index(s, seg)
			if i < 0 {
				return false
			}
			s = s[i+len(seg):]
		}
		return strings.HasSuffix(s, last)
	}
	for _, seg := range segs {
		i := strings.Index(s, seg)
		if i < 0 {
			return false
		}
		s = s[i+len(seg):]
	}
	return true
}
