package conformance

import (
	"net/http"
	"sort"
	"sync"
	"testing"

	"hako/internal/protocol"
	"hako/internal/protocol/model"
)

// mutant wraps a codec and spoils one value per call: the first string
// (in key order, at any depth) of a decoded input or of an output to
// encode, and the message of every error. The harness must notice each
// spoiled call, or its agreement would prove nothing.
type mutant struct {
	protocol.Codec

	mu      sync.Mutex
	spoiled map[string]int // "op dir" -> calls spoiled
}

func (m *mutant) mark(op, dir string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.spoiled[op+" "+dir]++
}

func (m *mutant) Decode(c *protocol.Call, r *http.Request) (map[string]any, error) {
	doc, err := m.Codec.Decode(c, r)
	if err == nil && spoil(doc) {
		m.mark(c.Op.Name, dirRequest)
	}
	return doc, err
}

func (m *mutant) Encode(c *protocol.Call, w http.ResponseWriter, out map[string]any) {
	if spoil(out) {
		m.mark(c.Op.Name, dirOutput)
	}
	m.Codec.Encode(c, w, out)
}

func (m *mutant) EncodeError(c *protocol.Call, w http.ResponseWriter, err *protocol.Error) {
	if c.Op != nil && c.Op.HTTP.Method != http.MethodHead {
		err.Message += " (spoiled)"
		m.mark(c.Op.Name, dirError)
	}
	m.Codec.EncodeError(c, w, err)
}

// spoil changes the first string value it finds; it reports whether it
// found one.
func spoil(v any) bool {
	switch t := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if s, ok := t[k].(string); ok {
				t[k] = s + "!"
				return true
			}
			if spoil(t[k]) {
				return true
			}
		}
	case []any:
		for i, x := range t {
			if s, ok := x.(string); ok {
				t[i] = s + "!"
				return true
			}
			if spoil(x) {
				return true
			}
		}
	}
	return false
}

// TestHarnessCatchesDisagreement runs models of each protocol family
// through codecs that spoil values and checks that every spoiled call is
// reported, and that unspoiled ones still agree.
func TestHarnessCatchesDisagreement(t *testing.T) {
	python := requireBotocore(t)
	for _, name := range []string{"logs", "iam", "lambda", "s3"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			api := model.MustLoad(name)
			m := &mutant{Codec: codecFor(api.Protocol()), spoiled: map[string]int{}}
			run, err := runModel(python, api, m)
			if err != nil {
				t.Fatal(err)
			}
			failed := map[string]int{}
			for _, r := range run.results {
				if len(r.lines) > 0 && !allExcused(name, r) {
					dir := r.dir
					if dir == dirAllErrors {
						dir = dirError // the mutant cannot tell them apart
					}
					failed[r.op+" "+dir]++
				}
			}
			caught := 0
			for key, n := range m.spoiled {
				if failed[key] < n {
					t.Errorf("%s: %d spoiled calls, %d noticed", key, n, failed[key])
				}
				caught += min(n, failed[key])
			}
			for key, n := range failed {
				if n > m.spoiled[key] {
					t.Errorf("%s: %d failures for %d spoiled calls", key, n, m.spoiled[key])
				}
			}
			if caught < run.ops {
				t.Errorf("only %d spoiled calls for %d operations: the mutant is too weak", caught, run.ops)
			}
			t.Logf("%s: %d spoiled calls caught", name, caught)
		})
	}
}

func allExcused(name string, r result) bool {
	for _, l := range r.lines {
		if excuse(name, r.op, r.dir, l) < 0 {
			return false
		}
	}
	return true
}
