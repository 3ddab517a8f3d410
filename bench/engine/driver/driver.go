// Package driver measures one embedded store the way hako uses it: durable
// single-key writes (each acknowledged only after fsync, concurrent writers
// sharing fsyncs), the time to open an existing directory, and the resident
// memory of an otherwise idle process that holds the store open.
//
// Each store gets its own binary (pebblebench, boltbench) so that the idle
// RSS figure includes only that store's code and data, not the other's.
package driver

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Store is the little a benchmark needs from a store.
type Store interface {
	// Put writes one key durably and returns once it is fsync'd.
	Put(k, v []byte) error
	Close() error
}

// Opener opens (creating if needed) a store in dir.
type Opener func(dir string) (Store, error)

// Main parses flags and runs one measurement:
//
//	-mode write -conc N -n TOTAL   writes/s with N concurrent writers
//	-mode idle  -keys K            open time and idle RSS with K keys present
func Main(name string, open Opener) {
	mode := flag.String("mode", "write", "write | idle")
	conc := flag.Int("conc", 1, "concurrent writers")
	n := flag.Int("n", 2000, "total writes")
	keys := flag.Int("keys", 10000, "keys to preload for idle mode")
	dir := flag.String("dir", "", "data dir (default: a fresh temp dir)")
	flag.Parse()
	if *dir == "" {
		d, err := os.MkdirTemp("", name+"-bench-")
		check(err)
		defer os.RemoveAll(d)
		*dir = d
	}
	switch *mode {
	case "write":
		s, err := open(*dir)
		check(err)
		rate := writes(s, *conc, *n)
		check(s.Close())
		fmt.Printf("%s write conc=%d n=%d: %.0f writes/s\n", name, *conc, *n, rate)
	case "idle":
		base := rssKB()
		// Preload in one process, close, then reopen: the figure we want is
		// a restart of a server that already has data.
		s, err := open(*dir)
		check(err)
		writes(s, 64, *keys)
		check(s.Close())
		runtime.GC()
		debug.FreeOSMemory()
		before := rssKB()
		t0 := time.Now()
		s, err = open(*dir)
		check(err)
		openTime := time.Since(t0)
		time.Sleep(500 * time.Millisecond) // let background goroutines settle
		runtime.GC()
		debug.FreeOSMemory()
		after := rssKB()
		check(s.Close())
		fmt.Printf("%s idle keys=%d: open %v, RSS process-start %d KB, before-open %d KB, after-open %d KB (+%d KB)\n",
			name, *keys, openTime.Round(10*time.Microsecond), base, before, after, after-before)
	default:
		check(fmt.Errorf("unknown mode %q", *mode))
	}
}

// writes runs n durable single-key writes spread over conc goroutines and
// returns the rate.
func writes(s Store, conc, n int) float64 {
	var next atomic.Int64
	var wg sync.WaitGroup
	val := make([]byte, 100)
	t0 := time.Now()
	for g := 0; g < conc; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(n) {
					return
				}
				check(s.Put([]byte(fmt.Sprintf("key/%012d", i)), val))
			}
		}()
	}
	wg.Wait()
	return float64(n) / time.Since(t0).Seconds()
}

func rssKB() int {
	b, err := os.ReadFile("/proc/self/status")
	check(err)
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			v, _ := strconv.Atoi(f[1])
			return v
		}
	}
	return -1
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
