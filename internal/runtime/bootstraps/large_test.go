package bootstraps

import (
	"strconv"
	"strings"
	"testing"
)

// TestLargeEvents sends a 5 MB event with and without Content-Length
// (chunked) to both runtimes, and has them answer a 5 MB response.
func TestLargeEvents(t *testing.T) {
	big := strings.Repeat("x", 5<<20)
	payload := `{"s":"` + big + `"}`
	for _, c := range []struct {
		name, interp, runtime, handler string
		files                          map[string]string
	}{
		{"python", "python3", "python3.12", "lambda_function.handler",
			map[string]string{"lambda_function.py": "def handler(event, context):\n    return {'n': len(event['s']), 'echo': event['s']}\n"}},
		{"node", "node", "nodejs20.x", "index.handler",
			map[string]string{"index.js": "exports.handler = async (event) => ({ n: event.s.length, echo: event.s });\n"}},
	} {
		for _, chunked := range []bool{false, true} {
			t.Run(c.name+"/chunked="+strconv.FormatBool(chunked), func(t *testing.T) {
				t.Parallel()
				interp := interpreter(t, c.interp)
				s := startSandbox(t, writeFiles(t, c.files), sandboxOpts{runtime: c.runtime, interpreter: interp, handler: c.handler})
				s.api.chunked = chunked
				for range 2 {
					_, p := s.invoke(payload)
					m := decode(t, p.Body)
					if p.Kind != "response" || m["n"] != float64(len(big)) || m["echo"] != big {
						t.Fatalf("got %s with %d bytes", p.Kind, len(p.Body))
					}
				}
			})
		}
	}
}
