package bootstraps

import (
	"errors"
	"path"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// HandlerMaxLength is the Lambda model's length limit for Handler.
const HandlerMaxLength = 128

// HandlerPattern is the Lambda model's pattern for Handler.
const HandlerPattern = `[^\s]+`

// HandlerConstraint checks a handler string against the Lambda API model
// (length 0-128, pattern [^\s]+) and returns the text of the first violated
// constraint as AWS words it after "failed to satisfy constraint: ", or ""
// when it is valid. Lengths count UTF-16 code units and \s is Java's
// [ \t\n\x0B\f\r], as AWS's validator does.
func HandlerConstraint(h string) string {
	if utf16Len(h) > HandlerMaxLength {
		return "Member must have length less than or equal to 128"
	}
	if h == "" || strings.ContainsAny(h, " \t\n\x0b\f\r") {
		return "Member must satisfy regular expression pattern: " + HandlerPattern
	}
	return ""
}

func utf16Len(s string) int {
	n := 0
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		s = s[size:]
		if utf16.RuneLen(r) == 2 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// Handler is a handler string split the way a runtime splits it.
type Handler struct {
	// Dir is the directory prefix Node.js resolves the module in, relative
	// to LAMBDA_TASK_ROOT ("" or ending in "/"); always "" for Python.
	Dir string
	// Module is the module: a Python dotted module path ("/" already turned
	// into "."), or a Node.js file name without extension.
	Module string
	// Function is the attribute (Python) or the dotted property path
	// (Node.js) of the handler in the module.
	Function string
}

// ErrMalformedHandler is returned by SplitHandler for a handler string the
// runtime rejects as Runtime.MalformedHandlerName before loading any code.
var ErrMalformedHandler = errors.New("malformed handler")

// SplitHandler splits a handler string the way the family's runtime does
// before loading the module ("python": the last "." separates module and
// function; "nodejs": the path's last element is split at its first ".",
// and ".." anywhere is refused). Families without a handler convention
// ("provided", "go") accept any string as Function. The error wraps
// ErrMalformedHandler and reads as the runtime's errorMessage.
func SplitHandler(family, h string) (Handler, error) {
	switch family {
	case "python":
		i := strings.LastIndexByte(h, '.')
		if i < 0 {
			return Handler{}, malformed("Bad handler '" + h + "': not enough values to unpack (expected 2, got 1)")
		}
		return Handler{Module: strings.ReplaceAll(h[:i], "/", "."), Function: h[i+1:]}, nil
	case "nodejs":
		if strings.Contains(h, "..") {
			return Handler{}, malformed("'" + h + "' is not a valid handler name. Use absolute paths when specifying root directories in handler names.")
		}
		base := nodeBasename(h)
		dir := h[:strings.Index(h, base)]
		i := strings.IndexByte(base, '.')
		// Node's /^([^.]*)\.(.*)$/: "." matches no line terminator.
		if i < 0 || strings.ContainsAny(base[i+1:], "\n\r\u2028\u2029") {
			return Handler{}, malformed("Bad handler")
		}
		return Handler{Dir: dir, Module: base[:i], Function: base[i+1:]}, nil
	default:
		return Handler{Function: h}, nil
	}
}

// nodeBasename is Node's path.posix.basename (trailing slashes ignored).
func nodeBasename(p string) string {
	t := strings.TrimRight(p, "/")
	if t == "" {
		return ""
	}
	return path.Base(t)
}

type malformedError struct{ msg string }

func (e *malformedError) Error() string { return e.msg }
func (e *malformedError) Unwrap() error { return ErrMalformedHandler }

func malformed(msg string) error { return &malformedError{msg} }
