package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"sort"
	"testing"
	"time"
)

// BenchmarkInvokeWarm is a warm invoke of the aws-lambda-go test function
// (echo of a small event), the full Manager.Invoke path. It reports hako's
// own share (InvokeResult.Overhead: pool, Runtime API and logs, outside
// the runtime) as overhead-p50-ns / overhead-p99-ns.
func BenchmarkInvokeWarm(b *testing.B) {
	e := newTestManager(b, nil)
	fn := e.function("bench", nil)
	payload, _ := json.Marshal(map[string]any{"action": "echo", "text": "hi"})
	req := &InvokeRequest{Function: fn, Payload: payload, RequestID: "00000000-0000-4000-8000-000000000000"}
	if _, err := e.m.Invoke(context.Background(), req); err != nil {
		b.Fatal(err)
	}
	over := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := e.m.Invoke(context.Background(), req)
		if err != nil || res.FunctionError != "" {
			b.Fatalf("%v %s", err, res.Payload)
		}
		over = append(over, res.Overhead)
	}
	b.StopTimer()
	reportPercentiles(b, "overhead", over)

}

// BenchmarkInvokeWarmParallel is the same at the benchmark's parallelism,
// one function (so one sandbox per concurrent invoke).
func BenchmarkInvokeWarmParallel(b *testing.B) {
	e := newTestManager(b, nil)
	fn := e.function("benchpar", nil)
	payload, _ := json.Marshal(map[string]any{"action": "echo", "text": "hi"})
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		req := &InvokeRequest{Function: fn, Payload: payload, RequestID: "00000000-0000-4000-8000-000000000000"}
		for pb.Next() {
			if res, err := e.m.Invoke(context.Background(), req); err != nil || res.FunctionError != "" {
				b.Errorf("%v", err)
				return
			}
		}
	})
}

// BenchmarkColdStart is a first invoke of a new sandbox each time (a new
// revision retires the previous one): process start, cgroup, mount
// namespace, Runtime API, init, and the invoke; for the aws-lambda-go
// binary and trivial Python and Node.js handlers (skipped without the
// interpreter). It reports init-p50-ns (InitDuration: start to the
// runtime's first /next).
func BenchmarkColdStart(b *testing.B) {
	for _, rt := range []struct {
		name, runtime, handler, interp string
		files                          []zipFile
	}{
		{name: "go", runtime: "provided.al2023", handler: "bootstrap"},
		{name: "python", runtime: "python3.12", handler: "lambda_function.handler", interp: "python3",
			files: []zipFile{{name: "lambda_function.py", body: []byte("def handler(event, context):\n    return event\n")}}},
		{name: "node", runtime: "nodejs20.x", handler: "index.handler", interp: "node",
			files: []zipFile{{name: "index.js", body: []byte("exports.handler = async (e) => e;\n")}}},
	} {
		b.Run(rt.name, func(b *testing.B) {
			if rt.interp != "" {
				if _, err := exec.LookPath(rt.interp); err != nil {
					b.Skipf("no %s", rt.interp)
				}
			}
			e := newTestManager(b, nil)
			payload, _ := json.Marshal(map[string]any{"action": "echo"})
			inits := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				fn := e.function("cold"+rt.name, func(f *Function) {
					f.RevisionID = fmt.Sprint("rev-", i)
					f.Runtime, f.Handler = rt.runtime, rt.handler
					if rt.files != nil {
						f.Code = codeOf(zipOf(b, rt.files))
					}
				})
				res, err := e.m.Invoke(context.Background(), &InvokeRequest{Function: fn, Payload: payload})
				if err != nil || !res.Cold || res.FunctionError != "" {
					b.Fatalf("%v %+v", err, res)
				}
				inits = append(inits, res.InitDuration)
			}
			b.StopTimer()
			reportPercentiles(b, "init", inits)
		})
	}
}

func reportPercentiles(b *testing.B, name string, ds []time.Duration) {
	if len(ds) == 0 {
		return
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	b.ReportMetric(float64(ds[len(ds)/2].Nanoseconds()), name+"-p50-ns")
	b.ReportMetric(float64(ds[len(ds)*99/100].Nanoseconds()), name+"-p99-ns")
}
