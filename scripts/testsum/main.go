// Command testsum reads `go test -json` on stdin, prints the output of
// failed tests and packages that failed to build, one line per package, and
// ends with "N passed, N failed" (exit status 1 when anything failed).
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

type event struct {
	Action  string
	Package string
	Test    string
	Output  string
	Elapsed float64
}

func main() {
	outputs := map[string]*strings.Builder{}
	failedTests := map[string]bool{} // packages with a failed test
	passed, failed, skipped := 0, 0, 0
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		line := sc.Bytes()
		var ev event
		if err := json.Unmarshal(line, &ev); err != nil {
			// Build errors and other non-JSON lines.
			fmt.Println(string(line))
			continue
		}
		key := ev.Package + " " + ev.Test
		switch ev.Action {
		case "output":
			b := outputs[key]
			if b == nil {
				b = &strings.Builder{}
				outputs[key] = b
			}
			if b.Len() < 64<<10 {
				b.WriteString(ev.Output)
			}
		case "pass":
			if ev.Test != "" {
				passed++
			} else {
				fmt.Printf("ok   %s (%.1fs)\n", ev.Package, ev.Elapsed)
			}
			delete(outputs, key)
		case "skip":
			if ev.Test != "" {
				skipped++
			}
			delete(outputs, key)
		case "fail":
			if ev.Test != "" {
				failed++
				failedTests[ev.Package] = true
				fmt.Printf("--- FAIL %s %s\n%s", ev.Package, ev.Test, outputs[key])
			} else {
				fmt.Printf("FAIL %s (%.1fs)\n", ev.Package, ev.Elapsed)
				if b := outputs[key]; b != nil && !failedTests[ev.Package] {
					fmt.Print(b.String())
					failed++
				}
			}
			delete(outputs, key)
		}
	}
	if skipped > 0 {
		fmt.Printf("(%d skipped)\n", skipped)
	}
	fmt.Printf("%d passed, %d failed\n", passed, failed)
	if failed > 0 {
		os.Exit(1)
	}
}
