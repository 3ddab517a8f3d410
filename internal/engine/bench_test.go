package engine_test

// Benchmarks for the on-disk engine's costs that users feel: durable write
// throughput alone and under concurrency (where group commit must share
// fsyncs), hot-key transactions, and the time to open an existing store
// (part of server start-to-healthy). Figures go in docs/engine.md.

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"hako/internal/engine"
)

// runConcurrent spreads b.N calls of op over conc goroutines and reports
// the rate as ops/s under the given unit.
func runConcurrent(b *testing.B, conc int, unit string, op func(i int64) error) {
	var next atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Value
	b.ResetTimer()
	start := time.Now()
	for g := 0; g < conc; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				if err := op(i); err != nil {
					failed.Store(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), unit)
}

// BenchmarkApply: one durable single-key batch per op (100-byte values).
func BenchmarkApply(b *testing.B) {
	for _, conc := range []int{1, 64} {
		b.Run(fmt.Sprintf("conc=%d", conc), func(b *testing.B) {
			e := openDisk(b, b.TempDir())
			defer e.Close()
			ctx := context.Background()
			val := make([]byte, 100)
			runConcurrent(b, conc, "writes/s", func(i int64) error {
				var batch engine.Batch
				batch.Set([]byte(fmt.Sprintf("key/%012d", i)), val)
				return e.Apply(ctx, &batch)
			})
		})
	}
}

// BenchmarkUpdateHotKey: every op increments the same counter, the worst
// case for optimistic transactions.
func BenchmarkUpdateHotKey(b *testing.B) {
	for _, conc := range []int{1, 32} {
		b.Run(fmt.Sprintf("conc=%d", conc), func(b *testing.B) {
			e := openDisk(b, b.TempDir())
			defer e.Close()
			ctx := context.Background()
			runConcurrent(b, conc, "txns/s", func(int64) error {
				return e.Update(ctx, func(tx engine.Txn) error {
					v, _ := tx.Get([]byte("counter"))
					n, _ := strconv.Atoi(string(v))
					tx.Set([]byte("counter"), []byte(strconv.Itoa(n+1)))
					return nil
				})
			})
		})
	}
}

// BenchmarkOpen: reopening a store that holds 10,000 keys and 100 blobs.
func BenchmarkOpen(b *testing.B) {
	dir := b.TempDir()
	e := openDisk(b, dir)
	ctx := context.Background()
	var batch engine.Batch
	for i := 0; i < 10000; i++ {
		batch.Set([]byte(fmt.Sprintf("key/%012d", i)), make([]byte, 100))
	}
	if err := e.Apply(ctx, &batch); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < 100; i++ {
		w, _ := e.Blobs().Create()
		w.Write(make([]byte, 1000))
		if _, err := w.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	e.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e, err := engine.Open(dir, engine.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		e.Close()
		b.StartTimer()
	}
}
