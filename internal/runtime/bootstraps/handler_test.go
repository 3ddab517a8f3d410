package bootstraps

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestHandlerConstraint(t *testing.T) {
	for h, want := range map[string]string{
		"lambda_function.handler":     "",
		"src/app.api.handler":         "",
		"bootstrap":                   "",
		"ünïcode.hándler":             "",
		"a\u00a0b":                    "", // NBSP is not \s in Java
		"":                            "Member must satisfy regular expression pattern: [^\\s]+",
		"a b":                         "Member must satisfy regular expression pattern: [^\\s]+",
		"a\tb":                        "Member must satisfy regular expression pattern: [^\\s]+",
		"a\x0bb":                      "Member must satisfy regular expression pattern: [^\\s]+",
		strings.Repeat("a", 128):      "",
		strings.Repeat("a", 129):      "Member must have length less than or equal to 128",
		strings.Repeat("😀", 64):       "",
		strings.Repeat("😀", 64) + "a": "Member must have length less than or equal to 128",
	} {
		if got := HandlerConstraint(h); got != want {
			t.Errorf("HandlerConstraint(%q) = %q, want %q", h, got, want)
		}
	}
}

func TestSplitHandler(t *testing.T) {
	cases := []struct {
		family, h string
		want      Handler
		err       string
	}{
		{"python", "lambda_function.lambda_handler", Handler{Module: "lambda_function", Function: "lambda_handler"}, ""},
		{"python", "pkg.sub.mod.fn", Handler{Module: "pkg.sub.mod", Function: "fn"}, ""},
		{"python", "pkg/sub/mod.fn", Handler{Module: "pkg.sub.mod", Function: "fn"}, ""},
		{"python", "mod.", Handler{Module: "mod", Function: ""}, ""},
		{"python", "x", Handler{}, "Bad handler 'x': not enough values to unpack (expected 2, got 1)"},
		{"nodejs", "index.handler", Handler{Module: "index", Function: "handler"}, ""},
		{"nodejs", "src/lib/app.api.handler", Handler{Dir: "src/lib/", Module: "app", Function: "api.handler"}, ""},
		{"nodejs", "/abs/app.handler", Handler{Dir: "/abs/", Module: "app", Function: "handler"}, ""},
		{"nodejs", "index", Handler{}, "Bad handler"},
		{"nodejs", "dir.x/index", Handler{}, "Bad handler"},
		{"nodejs", "../index.handler", Handler{}, "'../index.handler' is not a valid handler name. Use absolute paths when specifying root directories in handler names."},
		{"nodejs", "index.a\u2028b", Handler{}, "Bad handler"},
		{"provided", "anything goes", Handler{Function: "anything goes"}, ""},
	}
	for _, c := range cases {
		got, err := SplitHandler(c.family, c.h)
		if c.err != "" {
			if err == nil || err.Error() != c.err || !errors.Is(err, ErrMalformedHandler) {
				t.Errorf("SplitHandler(%s, %q) error = %v, want %q", c.family, c.h, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("SplitHandler(%s, %q) = %+v, %v, want %+v", c.family, c.h, got, err, c.want)
		}
	}
}

// FuzzParseHandler checks the handler helpers on arbitrary strings: no
// panics, the model constraint is exactly "1-128 UTF-16 units, no Java \s",
// and each split is a faithful partition of the string.
func FuzzParseHandler(f *testing.F) {
	for _, s := range []string{
		"lambda_function.handler", "pkg.sub.mod.fn", "pkg/sub/mod.fn", "index.handler", "src/lib/app.api.handler",
		"x", "", " ", "a b", "../index.handler", "a..b", "dir.x/index", "/abs/app.handler", "a/b/", "///", ".", "..",
		"index.a\u2028b", "a\x0bb", "b.c/b.c", "x/index.handler/", "\xff\xfe.x", strings.Repeat("😀", 65), strings.Repeat("a", 128) + ".h",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		c := HandlerConstraint(h)
		n := len(utf16Units(h))
		valid := h != "" && n <= HandlerMaxLength && !strings.ContainsAny(h, " \t\n\x0b\f\r")
		if (c == "") != valid {
			t.Fatalf("HandlerConstraint(%q) = %q, valid = %v", h, c, valid)
		}

		if p, err := SplitHandler("python", h); err == nil {
			i := strings.LastIndexByte(h, '.')
			if i < 0 || p.Function != h[i+1:] || p.Module != strings.ReplaceAll(h[:i], "/", ".") || strings.Contains(p.Function, ".") || p.Dir != "" {
				t.Fatalf("python split of %q = %+v", h, p)
			}
		} else if strings.Contains(h, ".") || !errors.Is(err, ErrMalformedHandler) {
			t.Fatalf("python split of %q: %v", h, err)
		}

		if p, err := SplitHandler("nodejs", h); err == nil {
			// Node's path.basename, and the module root as AWS computes it:
			// everything before the first occurrence of the basename.
			trimmed := strings.TrimRight(h, "/")
			base := trimmed[strings.LastIndexByte(trimmed, '/')+1:]
			if strings.Contains(h, "..") || p.Module+"."+p.Function != base || p.Dir != h[:strings.Index(h, base)] ||
				strings.ContainsAny(p.Module, "./") || strings.Contains(p.Function, "/") {
				t.Fatalf("nodejs split of %q = %+v", h, p)
			}
		} else if !errors.Is(err, ErrMalformedHandler) {
			t.Fatalf("nodejs split of %q: %v", h, err)
		}
	})
}

func utf16Units(s string) []uint16 {
	var out []uint16
	for _, r := range s {
		if r >= 0x10000 && utf8.ValidRune(r) {
			out = append(out, 0, 0)
		} else {
			out = append(out, 0)
		}
	}
	return out
}

func TestLookupAndRuntimes(t *testing.T) {
	for _, id := range []string{"python3.9", "python3.10", "python3.11", "python3.12", "python3.13"} {
		b, ok := Lookup(id)
		if !ok || b.Family != "python" || b.Entry != "bootstrap.py" || len(b.Files) != 2 ||
			b.ExecutionEnv != "AWS_Lambda_"+id || b.LanguageVersion != strings.TrimPrefix(id, "python") {
			t.Errorf("Lookup(%s) = %+v, %v", id, b, ok)
		}
		if args := b.Args("/rt"); len(args) != 1 || args[0] != "/rt/bootstrap.py" {
			t.Errorf("Args = %q", args)
		}
	}
	for _, id := range []string{"nodejs18.x", "nodejs20.x", "nodejs22.x"} {
		b, ok := Lookup(id)
		if !ok || b.Family != "nodejs" || b.Entry != "index.cjs" || len(b.Files) != 1 || b.PrecompileArgs("/rt") != nil {
			t.Errorf("Lookup(%s) = %+v, %v", id, b, ok)
		}
	}
	b, _ := Lookup("nodejs20.x")
	env := strings.Join(b.Env(Paths{TaskRoot: "/var/task", RuntimeDir: "/var/runtime", OptDir: "/opt"}), "\n")
	if !strings.Contains(env, "NODE_PATH=/opt/nodejs/node20/node_modules:/opt/nodejs/node_modules:/var/runtime/node_modules:/var/runtime:/var/task") ||
		!strings.Contains(env, "AWS_EXECUTION_ENV=AWS_Lambda_nodejs20.x") {
		t.Errorf("Env = %s", env)
	}
	for _, id := range []string{"provided.al2", "provided.al2023", "go1.x", "python2.7", "nodejs16.x", "java21", ""} {
		if _, ok := Lookup(id); ok {
			t.Errorf("Lookup(%q) = true", id)
		}
	}

	var ids []string
	for _, r := range Supported() {
		ids = append(ids, r.ID)
		if _, ok := Info(r.ID); !ok {
			t.Errorf("Info(%s) missing", r.ID)
		}
	}
	if got := strings.Join(ids, " "); got != "python3.9 python3.10 python3.11 python3.12 python3.13 nodejs18.x nodejs20.x nodejs22.x provided.al2 provided.al2023 go1.x" {
		t.Errorf("Supported = %s", got)
	}
	at := time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)
	var dep []string
	for _, r := range Deprecated(at) {
		dep = append(dep, r.ID)
	}
	if got := strings.Join(dep, " "); got != "python3.9 nodejs18.x go1.x" {
		t.Errorf("Deprecated(2026-01-01) = %s", got)
	}
	g, _ := Info("go1.x")
	if !g.CreateBlocked(at) || !g.UpdateBlocked(at) {
		t.Errorf("go1.x not blocked at %v", at)
	}
	if got := g.BlockedMessage(); got != "The runtime parameter of go1.x is no longer supported for creating or updating AWS Lambda functions. We recommend you use the new runtime (provided.al2023) while creating or updating functions." {
		t.Errorf("BlockedMessage = %q", got)
	}
	p, _ := Info("python3.13")
	if p.Deprecated(at) || p.CreateBlocked(at) {
		t.Errorf("python3.13 deprecated at %v", at)
	}
}

func TestInstall(t *testing.T) {
	b, _ := Lookup("python3.12")
	dir := t.TempDir()
	if err := b.Install(dir); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "hako_runtime", "bootstrap.py")
	st1, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	os.Chtimes(p, old, old)
	if err := b.Install(dir); err != nil {
		t.Fatal(err)
	}
	if st2, _ := os.Stat(p); !st2.ModTime().Equal(old) || st2.Size() != st1.Size() {
		t.Errorf("Install rewrote an unchanged file")
	}
	os.WriteFile(p, []byte("stale"), 0o644)
	if err := b.Install(dir); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(p); string(got) == "stale" {
		t.Errorf("Install kept a stale file")
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, "hako_runtime")); len(entries) != 1 {
		t.Errorf("leftover files: %v", entries)
	}
}
