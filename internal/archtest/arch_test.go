package archtest

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

type pkg struct {
	ImportPath string
	Doc        string
	Name       string
	Imports    []string
	Deps       []string
}

func list(t *testing.T) []pkg {
	t.Helper()
	out, err := exec.Command("go", "list", "-json", "hako/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	var pkgs []pkg
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// TestPackageDocs fails for a package without a doc comment.
func TestPackageDocs(t *testing.T) {
	for _, p := range list(t) {
		if strings.TrimSpace(p.Doc) == "" {
			t.Errorf("%s has no package doc comment", p.ImportPath)
		}
	}
}

// TestDependencyDirection enforces: protocol imports no service or edge;
// services never import the edge, the server or each other's internals;
// only internal/engine imports storage drivers.
func TestDependencyDirection(t *testing.T) {
	drivers := []string{"github.com/cockroachdb/pebble", "go.etcd.io/bbolt"}
	for _, p := range list(t) {
		for _, imp := range p.Imports {
			switch {
			case strings.HasPrefix(p.ImportPath, "hako/internal/protocol") &&
				(strings.HasPrefix(imp, "hako/internal/service") || strings.HasPrefix(imp, "hako/internal/edge")):
				t.Errorf("%s imports %s: protocol must not know services or the edge", p.ImportPath, imp)
			case strings.HasPrefix(p.ImportPath, "hako/internal/service/") &&
				(strings.HasPrefix(imp, "hako/internal/edge") || strings.HasPrefix(imp, "hako/internal/server")):
				t.Errorf("%s imports %s: services never reach into the edge", p.ImportPath, imp)
			case strings.HasPrefix(p.ImportPath, "hako/internal/service/") && strings.HasPrefix(imp, "hako/internal/service/"):
				from := strings.SplitN(strings.TrimPrefix(p.ImportPath, "hako/internal/service/"), "/", 2)[0]
				to := strings.SplitN(strings.TrimPrefix(imp, "hako/internal/service/"), "/", 2)[0]
				if from != to {
					t.Errorf("%s imports %s: services talk through the eventbus or exported entry points wired by the server, not each other's packages", p.ImportPath, imp)
				}
			}
			for _, d := range drivers {
				if strings.HasPrefix(imp, d) && !strings.HasPrefix(p.ImportPath, "hako/internal/engine") && !strings.HasPrefix(p.ImportPath, "hako/bench") {
					t.Errorf("%s imports storage driver %s: only internal/engine may", p.ImportPath, imp)
				}
			}
		}
	}
}
