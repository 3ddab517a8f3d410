package protocol

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"hako/internal/protocol/model"
)

// Validate checks a decoded input document against its shape's constraints
// (required members, enums, length and value ranges, patterns) the way AWS's
// frontends do, and reports every violation in one error with AWS's text:
//
//	1 validation error detected: Value null at 'logGroupName' failed to
//	satisfy constraint: Member must not be null
//
// code is the service's validation error code (ValidationException,
// ValidationError, InvalidParameterException...). Members are named in
// lowerCamelCase in these messages ('roleName', 'memorySize', 'tableName'),
// as AWS's frontends name them whatever the wire spelling. api is the
// model being served, for per-service quirks of these messages.
func Validate(api *model.API, shape *model.Shape, doc map[string]any, code string) *Error {
	if shape == nil {
		return nil
	}
	var v validator
	v.structure(shape, doc, "")
	if len(v.problems) == 0 {
		return nil
	}
	noun := "error"
	if len(v.problems) > 1 {
		noun = "errors"
	}
	return Errorf(code, "%d validation %s detected: %s", len(v.problems), noun, strings.Join(v.problems, "; "))
}

type validator struct {
	problems []string
}

const maxProblems = 10

func (v *validator) fail(value any, path, constraint string) {
	if len(v.problems) >= maxProblems {
		return
	}
	v.problems = append(v.problems, fmt.Sprintf("Value %s at '%s' failed to satisfy constraint: %s", render(value), path, constraint))
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func (v *validator) structure(s *model.Shape, doc map[string]any, path string) {
	for _, m := range s.Members {
		val, ok := doc[m.Name]
		p := join(path, v.memberPathName(m))
		if !ok || val == nil {
			if s.IsRequired(m.Name) {
				v.fail(nil, p, "Member must not be null")
			}
			continue
		}
		v.value(m.Shape, val, p)
	}
}

// memberPathName is the member's name as AWS reports it in validation
// messages: the model's name in lowerCamelCase.
func (v *validator) memberPathName(m model.Member) string {
	if m.Name != "" {
		return strings.ToLower(m.Name[:1]) + m.Name[1:]
	}
	return m.Name
}

func (v *validator) value(s *model.Shape, val any, path string) {
	switch s.Type {
	case "structure":
		if d, ok := val.(map[string]any); ok {
			v.structure(s, d, path)
		}
	case "list":
		l, _ := val.([]any)
		v.length(s, val, len(l), path)
		for i, item := range l {
			if item == nil {
				continue
			}
			v.value(s.Member.Shape, item, fmt.Sprintf("%s.%d.member", path, i+1))
		}
	case "map":
		m, _ := val.(map[string]any)
		v.length(s, val, len(m), path)
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			v.value(s.Key.Shape, k, path+".key")
			if m[k] != nil {
				v.value(s.Value.Shape, m[k], path+".value")
			}
		}
	case "string":
		str, _ := val.(string)
		v.length(s, val, utf8.RuneCountInString(str), path)
		if len(s.Enum) > 0 && !contains(s.Enum, str) {
			v.fail(val, path, "Member must satisfy enum value set: ["+strings.Join(s.Enum, ", ")+"]")
		}
		if s.Pattern != "" {
			if re := pattern(s.Pattern); re != nil && !re.MatchString(str) {
				v.fail(val, path, "Member must satisfy regular expression pattern: "+s.Pattern)
			}
		}
	case "blob":
		if b, ok := val.([]byte); ok {
			v.length(s, val, len(b), path)
		}
	case "integer", "long", "float", "double":
		n, ok := number(val)
		if !ok {
			return
		}
		if s.Min != nil && n < *s.Min {
			v.fail(val, path, "Member must have value greater than or equal to "+formatBound(*s.Min))
		}
		if s.Max != nil && n > *s.Max {
			v.fail(val, path, "Member must have value less than or equal to "+formatBound(*s.Max))
		}
	}
}

func (v *validator) length(s *model.Shape, val any, n int, path string) {
	if s.Min != nil && float64(n) < *s.Min {
		v.fail(val, path, "Member must have length greater than or equal to "+formatBound(*s.Min))
	}
	if s.Max != nil && float64(n) > *s.Max {
		v.fail(val, path, "Member must have length less than or equal to "+formatBound(*s.Max))
	}
}

func formatBound(f float64) string {
	if f == float64(int64(f)) {
		return fmt.Sprintf("%d", int64(f))
	}
	return fmt.Sprintf("%g", f)
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case float64:
		return n, true
	case int:
		return float64(n), true
	case int32:
		return float64(n), true
	}
	return 0, false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// render writes a value the way AWS's validation messages quote it.
func render(v any) string {
	switch t := v.(type) {
	case nil:
		return "null"
	case string:
		return "'" + t + "'"
	case []byte:
		return "'java.nio.HeapByteBuffer[pos=0 lim=" + fmt.Sprint(len(t)) + " cap=" + fmt.Sprint(len(t)) + "]'"
	case time.Time:
		return "'" + t.UTC().Format(time.RFC3339) + "'"
	case []any:
		parts := make([]string, len(t))
		for i, x := range t {
			parts[i] = strings.Trim(render(x), "'")
		}
		return "'[" + strings.Join(parts, ", ") + "]'"
	case map[string]any:
		return "'{...}'"
	default:
		return "'" + fmt.Sprint(t) + "'"
	}
}

// javaEscapes are \uXXXX escapes, which Java regexps have and RE2 spells \x{XXXX}.
var javaEscapes = regexp.MustCompile(`\\u([0-9A-Fa-f]{4})`)

var patterns sync.Map // pattern string -> *regexp.Regexp (nil when RE2 cannot compile it)

// pattern compiles a model pattern anchored at both ends, as AWS (Java's
// String.matches) applies it. Patterns RE2 cannot compile (lookarounds) are
// not enforced.
func pattern(p string) *regexp.Regexp {
	if re, ok := patterns.Load(p); ok {
		r, _ := re.(*regexp.Regexp)
		return r
	}
	re, err := regexp.Compile(`^(?:` + javaEscapes.ReplaceAllString(p, `\x{$1}`) + `)$`)
	if err != nil {
		re = nil
	}
	patterns.Store(p, re)
	return re
}
