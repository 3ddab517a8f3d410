// Package enginetest is the conformance suite every engine.Engine must pass.
//
// There is one suite, not one per backend, so that Memory (which most
// service tests run against) cannot drift from the on-disk engine, and so a
// future backend (PostgreSQL, FoundationDB) is held to the same contract by
// calling Run from its own test.
package enginetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"hako/internal/engine"
)

// Run runs the whole suite. open must return a fresh, empty engine for each
// call; Run closes it when the subtest ends.
func Run(t *testing.T, open func(t *testing.T) engine.Engine) {
	tests := []struct {
		name string
		fn   func(t *testing.T, e engine.Engine)
	}{
		{"GetSetDelete", testGetSetDelete},
		{"InvalidWrites", testInvalidWrites},
		{"BatchBuffersReusable", testBatchBuffersReusable},
		{"Scan", testScan},
		{"DeleteRange", testDeleteRange},
		{"ConcurrentApply", testConcurrentApply},
		{"TxnReadYourWrites", testTxnReadYourWrites},
		{"TxnErrorWritesNothing", testTxnErrorWritesNothing},
		{"TxnConflictOnGet", testTxnConflictOnGet},
		{"TxnConflictOnScan", testTxnConflictOnScan},
		{"TxnNoFalseConflict", testTxnNoFalseConflict},
		{"TxnConcurrentIncrements", testTxnConcurrentIncrements},
		{"TxnContext", testTxnContext},
		{"ViewSnapshot", testViewSnapshot},
		{"Blobs", testBlobs},
		{"Reset", testReset},
		{"Close", testClose},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := open(t)
			t.Cleanup(func() {
				if err := e.Close(); err != nil && !errors.Is(err, engine.ErrClosed) {
					t.Errorf("Close: %v", err)
				}
			})
			tc.fn(t, e)
		})
	}
}

var ctx = context.Background()

func set(t *testing.T, e engine.Engine, kvs ...string) {
	t.Helper()
	var b engine.Batch
	for i := 0; i+1 < len(kvs); i += 2 {
		b.Set([]byte(kvs[i]), []byte(kvs[i+1]))
	}
	if err := e.Apply(ctx, &b); err != nil {
		t.Fatalf("Apply: %v", err)
	}
}

func get(t *testing.T, r engine.Reader, k string) (string, bool) {
	t.Helper()
	v, err := r.Get([]byte(k))
	if errors.Is(err, engine.ErrNotFound) {
		return "", false
	}
	if err != nil {
		t.Fatalf("Get(%q): %v", k, err)
	}
	return string(v), true
}

func wantValue(t *testing.T, r engine.Reader, k, want string) {
	t.Helper()
	if v, ok := get(t, r, k); !ok || v != want {
		t.Fatalf("Get(%q) = %q, %v; want %q", k, v, ok, want)
	}
}

func wantMissing(t *testing.T, r engine.Reader, k string) {
	t.Helper()
	if v, ok := get(t, r, k); ok {
		t.Fatalf("Get(%q) = %q; want not found", k, v)
	}
}

// keys collects a scan as "k=v" strings.
func keys(t *testing.T, r engine.Reader, start, end string, reverse bool) []string {
	t.Helper()
	var s, en []byte
	if start != "" {
		s = []byte(start)
	}
	if end != "" {
		en = []byte(end)
	}
	var out []string
	err := r.Scan(s, en, reverse, func(k, v []byte) (bool, error) {
		out = append(out, string(k)+"="+string(v))
		return true, nil
	})
	if err != nil {
		t.Fatalf("Scan(%q, %q, %v): %v", start, end, reverse, err)
	}
	return out
}

func wantList(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("%s = %v; want %v", what, got, want)
	}
}

func testGetSetDelete(t *testing.T, e engine.Engine) {
	wantMissing(t, e, "a")
	set(t, e, "a", "1", "b", "2")
	wantValue(t, e, "a", "1")
	wantValue(t, e, "b", "2")

	// Get returns a copy the caller may scribble on.
	v, _ := e.Get([]byte("a"))
	v[0] = 'X'
	wantValue(t, e, "a", "1")

	set(t, e, "a", "11")
	wantValue(t, e, "a", "11")

	var b engine.Batch
	b.Set([]byte("empty"), nil)
	b.Delete([]byte("b"))
	b.Delete([]byte("never-existed"))
	if err := e.Apply(ctx, &b); err != nil {
		t.Fatal(err)
	}
	if v, err := e.Get([]byte("empty")); err != nil || len(v) != 0 {
		t.Fatalf("empty value: %q, %v", v, err)
	}
	wantMissing(t, e, "b")

	// Empty and nil batches are no-ops.
	if err := e.Apply(ctx, &engine.Batch{}); err != nil {
		t.Fatal(err)
	}
	if err := e.Apply(ctx, nil); err != nil {
		t.Fatal(err)
	}
	// Binary keys sort bytewise and round-trip.
	bin := []byte{0, 0xff, 0x80, 0}
	if err := e.Apply(ctx, &engine.Batch{Ops: []engine.Op{{Kind: engine.OpSet, Key: bin, Value: bin}}}); err != nil {
		t.Fatal(err)
	}
	if v, err := e.Get(bin); err != nil || !bytes.Equal(v, bin) {
		t.Fatalf("binary key: %q, %v", v, err)
	}
}

func testInvalidWrites(t *testing.T, e engine.Engine) {
	for name, b := range map[string]*engine.Batch{
		"empty key":   {Ops: []engine.Op{{Kind: engine.OpSet, Key: []byte("ok"), Value: []byte("1")}, {Kind: engine.OpSet, Key: nil, Value: []byte("x")}}},
		"huge key":    {Ops: []engine.Op{{Kind: engine.OpSet, Key: []byte("ok"), Value: []byte("1")}, {Kind: engine.OpSet, Key: make([]byte, engine.MaxKeySize+1)}}},
		"delete none": {Ops: []engine.Op{{Kind: engine.OpSet, Key: []byte("ok"), Value: []byte("1")}, {Kind: engine.OpDelete}}},
	} {
		if err := e.Apply(ctx, b); !errors.Is(err, engine.ErrInvalidKey) {
			t.Errorf("%s: Apply = %v; want ErrInvalidKey", name, err)
		}
	}
	// A bad op fails the batch as a whole.
	wantMissing(t, e, "ok")

	err := e.Update(ctx, func(tx engine.Txn) error {
		tx.Set([]byte("ok"), []byte("1"))
		tx.Set(nil, []byte("x"))
		return nil
	})
	if !errors.Is(err, engine.ErrInvalidKey) {
		t.Fatalf("Update with empty key = %v; want ErrInvalidKey", err)
	}
	wantMissing(t, e, "ok")

	// A key of exactly MaxKeySize is fine.
	long := bytes.Repeat([]byte("k"), engine.MaxKeySize)
	if err := e.Apply(ctx, &engine.Batch{Ops: []engine.Op{{Kind: engine.OpSet, Key: long, Value: []byte("v")}}}); err != nil {
		t.Fatalf("MaxKeySize key: %v", err)
	}
}

func testBatchBuffersReusable(t *testing.T, e engine.Engine) {
	k, v := []byte("key"), []byte("value")
	var b engine.Batch
	b.Set(k, v)
	if err := e.Apply(ctx, &b); err != nil {
		t.Fatal(err)
	}
	copy(k, "KEY")
	copy(v, "VALUE")
	wantValue(t, e, "key", "value")

	// Same inside a transaction: Set must not keep the caller's buffers.
	k2, v2 := []byte("tk"), []byte("tv")
	if err := e.Update(ctx, func(tx engine.Txn) error {
		tx.Set(k2, v2)
		copy(k2, "XX")
		copy(v2, "YY")
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	wantValue(t, e, "tk", "tv")
	wantMissing(t, e, "XX")
}

func testScan(t *testing.T, e engine.Engine) {
	set(t, e, "a", "1", "b", "2", "b\x00", "2z", "c", "3", "d", "4", "e", "5")
	wantList(t, "all", keys(t, e, "", "", false), "a=1", "b=2", "b\x00=2z", "c=3", "d=4", "e=5")
	wantList(t, "all reverse", keys(t, e, "", "", true), "e=5", "d=4", "c=3", "b\x00=2z", "b=2", "a=1")
	wantList(t, "[b,d)", keys(t, e, "b", "d", false), "b=2", "b\x00=2z", "c=3")
	wantList(t, "[b,d) reverse", keys(t, e, "b", "d", true), "c=3", "b\x00=2z", "b=2")
	wantList(t, "[bb,cc)", keys(t, e, "bb", "cc", false), "c=3")
	wantList(t, "[bb,cc) reverse", keys(t, e, "bb", "cc", true), "c=3")
	wantList(t, "[c,) ", keys(t, e, "c", "", false), "c=3", "d=4", "e=5")
	wantList(t, "[c,) reverse", keys(t, e, "c", "", true), "e=5", "d=4", "c=3")
	wantList(t, "[,c) reverse", keys(t, e, "", "c", true), "b\x00=2z", "b=2", "a=1")
	wantList(t, "[d,b)", keys(t, e, "d", "b", false))
	wantList(t, "[c,c)", keys(t, e, "c", "c", true))
	wantList(t, "[f,)", keys(t, e, "f", "", false))
	wantList(t, "[f,) reverse", keys(t, e, "f", "", true))
	wantList(t, "[0,a) reverse", keys(t, e, "0", "a", true))
	wantList(t, "[,zz) reverse", keys(t, e, "", "zz", true), "e=5", "d=4", "c=3", "b\x00=2z", "b=2", "a=1")

	// Stop early, in both directions.
	for _, reverse := range []bool{false, true} {
		var got []string
		err := e.Scan(nil, nil, reverse, func(k, v []byte) (bool, error) {
			got = append(got, string(k))
			return len(got) < 2, nil
		})
		if err != nil || len(got) != 2 {
			t.Fatalf("stop early (reverse=%v): %v, %v", reverse, got, err)
		}
	}
	// fn's error comes back unchanged.
	boom := errors.New("boom")
	if err := e.Scan(nil, nil, false, func(k, v []byte) (bool, error) { return true, boom }); err != boom {
		t.Fatalf("Scan error = %v; want boom", err)
	}
	// The same inside View and a transaction.
	e.View(func(r engine.Reader) error {
		wantList(t, "view [b,d) reverse", keys(t, r, "b", "d", true), "c=3", "b\x00=2z", "b=2")
		return nil
	})
}

func testDeleteRange(t *testing.T, e engine.Engine) {
	var b engine.Batch
	for i := 0; i < 3000; i++ {
		b.Set([]byte(fmt.Sprintf("k%04d", i)), []byte("v"))
	}
	b.Set([]byte("other"), []byte("o"))
	if err := e.Apply(ctx, &b); err != nil {
		t.Fatal(err)
	}
	b = engine.Batch{}
	b.DeleteRange([]byte("k0500"), []byte("k2500"))
	if err := e.Apply(ctx, &b); err != nil {
		t.Fatal(err)
	}
	n := len(keys(t, e, "k", "l", false))
	if n != 1000 {
		t.Fatalf("after DeleteRange: %d keys; want 1000", n)
	}
	wantValue(t, e, "k0499", "v")
	wantMissing(t, e, "k0500")
	wantMissing(t, e, "k2499")
	wantValue(t, e, "k2500", "v")

	// Order inside one batch matters: Set after DeleteRange survives, Set
	// before it does not.
	b = engine.Batch{}
	b.Set([]byte("k0000"), []byte("before"))
	b.DeleteRange([]byte("k"), []byte("k1000"))
	b.Set([]byte("k0001"), []byte("after"))
	if err := e.Apply(ctx, &b); err != nil {
		t.Fatal(err)
	}
	wantList(t, "[k,k1000)", keys(t, e, "k", "k1000", false), "k0001=after")

	// Nil end deletes to the end of the key space, empty start from its
	// beginning.
	b = engine.Batch{}
	b.DeleteRange([]byte("k2"), nil)
	if err := e.Apply(ctx, &b); err != nil {
		t.Fatal(err)
	}
	wantList(t, "[k2,)", keys(t, e, "k2", "", false))
	wantMissing(t, e, "other")
	wantValue(t, e, "k0001", "after")
	b = engine.Batch{}
	b.DeleteRange(nil, []byte("l"))
	if err := e.Apply(ctx, &b); err != nil {
		t.Fatal(err)
	}
	wantList(t, "all", keys(t, e, "", "", false))
}

// testConcurrentApply checks that group commit keeps every batch whole and
// answers every writer.
func testConcurrentApply(t *testing.T, e engine.Engine) {
	const writers, each = 64, 10
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				var b engine.Batch
				b.Set([]byte(fmt.Sprintf("w%02d/%02d/a", w, i)), []byte("1"))
				b.Set([]byte(fmt.Sprintf("w%02d/%02d/b", w, i)), []byte("2"))
				if err := e.Apply(ctx, &b); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := len(keys(t, e, "", "", false)); n != writers*each*2 {
		t.Fatalf("%d keys; want %d", n, writers*each*2)
	}
}

func testTxnReadYourWrites(t *testing.T, e engine.Engine) {
	set(t, e, "a", "1", "b", "2", "c", "3", "d", "4", "e", "5")
	err := e.Update(ctx, func(tx engine.Txn) error {
		tx.Set([]byte("b"), []byte("22"))
		tx.Set([]byte("bb"), []byte("new"))
		tx.Delete([]byte("c"))
		wantValue(t, tx, "b", "22")
		wantValue(t, tx, "bb", "new")
		wantMissing(t, tx, "c")
		wantList(t, "txn all", keys(t, tx, "", "", false), "a=1", "b=22", "bb=new", "d=4", "e=5")
		wantList(t, "txn all reverse", keys(t, tx, "", "", true), "e=5", "d=4", "bb=new", "b=22", "a=1")
		wantList(t, "txn [b,d) reverse", keys(t, tx, "b", "d", true), "bb=new", "b=22")

		tx.DeleteRange([]byte("d"), nil)
		tx.Set([]byte("e"), []byte("55")) // after the range delete: survives
		tx.Set([]byte("z"), []byte("26"))
		wantMissing(t, tx, "d")
		wantValue(t, tx, "e", "55")
		wantList(t, "txn [c,)", keys(t, tx, "c", "", false), "e=55", "z=26")
		wantList(t, "txn [c,) reverse", keys(t, tx, "c", "", true), "z=26", "e=55")

		// Early stop on a buffered key.
		var got []string
		tx.Scan(nil, nil, false, func(k, v []byte) (bool, error) {
			got = append(got, string(k))
			return string(k) != "bb", nil
		})
		wantList(t, "stop at bb", got, "a", "b", "bb")
		// Outside the transaction nothing has happened yet.
		wantValue(t, e, "b", "2")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	wantList(t, "after commit", keys(t, e, "", "", false), "a=1", "b=22", "bb=new", "e=55", "z=26")

	// The Txn is dead once fn returned.
	var leaked engine.Txn
	e.Update(ctx, func(tx engine.Txn) error { leaked = tx; return nil })
	if _, err := leaked.Get([]byte("a")); err == nil {
		t.Fatal("Get on a finished Txn succeeded")
	}
	// A read-only Update succeeds and writes nothing.
	if err := e.Update(ctx, func(tx engine.Txn) error { _, err := tx.Get([]byte("a")); return err }); err != nil {
		t.Fatal(err)
	}
}

func testTxnErrorWritesNothing(t *testing.T, e engine.Engine) {
	set(t, e, "a", "1")
	boom := errors.New("boom")
	err := e.Update(ctx, func(tx engine.Txn) error {
		tx.Set([]byte("a"), []byte("2"))
		tx.Set([]byte("b"), []byte("2"))
		tx.DeleteRange(nil, nil)
		return fmt.Errorf("wrapped: %w", boom)
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update = %v; want boom", err)
	}
	wantValue(t, e, "a", "1")
	wantMissing(t, e, "b")
}

// interfere runs fn in an Update and, during its first attempt only, lets
// write() commit from another goroutine (a genuine concurrent writer, not a
// side effect of fn). It returns how many attempts fn took.
func interfere(t *testing.T, e engine.Engine, fn func(tx engine.Txn) error, write func() error) int {
	t.Helper()
	attempts := 0
	err := e.Update(ctx, func(tx engine.Txn) error {
		attempts++
		if err := fn(tx); err != nil {
			return err
		}
		if attempts == 1 {
			done := make(chan error)
			go func() { done <- write() }()
			if err := <-done; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	return attempts
}

func testTxnConflictOnGet(t *testing.T, e engine.Engine) {
	set(t, e, "n", "1")
	var seen []string
	attempts := interfere(t, e, func(tx engine.Txn) error {
		v, _ := get(t, tx, "n")
		seen = append(seen, v)
		tx.Set([]byte("copy"), []byte(v))
		return nil
	}, func() error {
		// Snapshot isolation: this write is invisible to the attempt
		// already running, and makes it conflict.
		var b engine.Batch
		b.Set([]byte("n"), []byte("2"))
		return e.Apply(ctx, &b)
	})
	if attempts != 2 {
		t.Fatalf("attempts = %d (saw %v); want 2", attempts, seen)
	}
	wantList(t, "values seen", seen, "1", "2")
	wantValue(t, e, "copy", "2")

	// A missing key that appears is a conflict too.
	attempts = interfere(t, e, func(tx engine.Txn) error {
		if _, ok := get(t, tx, "ghost"); !ok {
			tx.Set([]byte("ghost-was-missing"), []byte("1"))
		}
		return nil
	}, func() error { set(t, e, "ghost", "boo"); return nil })
	if attempts != 2 {
		t.Fatalf("phantom point read: attempts = %d; want 2", attempts)
	}
	wantMissing(t, e, "ghost-was-missing")
}

func testTxnConflictOnScan(t *testing.T, e engine.Engine) {
	set(t, e, "p/1", "x", "p/3", "x")
	count := func(tx engine.Txn) error {
		n := 0
		if err := tx.Scan([]byte("p/"), []byte("p0"), false, func(k, v []byte) (bool, error) { n++; return true, nil }); err != nil {
			return err
		}
		tx.Set([]byte("count"), []byte(strconv.Itoa(n)))
		return nil
	}
	// An insert into the scanned range (a phantom) forces a retry.
	if a := interfere(t, e, count, func() error { set(t, e, "p/2", "x"); return nil }); a != 2 {
		t.Fatalf("insert in range: attempts = %d; want 2", a)
	}
	wantValue(t, e, "count", "3")
	// So does a delete, in a reverse scan.
	countRev := func(tx engine.Txn) error {
		n := 0
		tx.Scan([]byte("p/"), []byte("p0"), true, func(k, v []byte) (bool, error) { n++; return true, nil })
		tx.Set([]byte("count"), []byte(strconv.Itoa(n)))
		return nil
	}
	del := func() error {
		var b engine.Batch
		b.Delete([]byte("p/1"))
		return e.Apply(ctx, &b)
	}
	if a := interfere(t, e, countRev, del); a != 2 {
		t.Fatalf("delete in range: attempts = %d; want 2", a)
	}
	wantValue(t, e, "count", "2")
	// And a changed value.
	if a := interfere(t, e, count, func() error { set(t, e, "p/3", "y"); return nil }); a != 2 {
		t.Fatalf("update in range: attempts = %d; want 2", a)
	}
}

func testTxnNoFalseConflict(t *testing.T, e engine.Engine) {
	set(t, e, "p/1", "x", "p/2", "x", "p/5", "x", "q", "x")
	// Writes outside everything read do not conflict.
	a := interfere(t, e, func(tx engine.Txn) error {
		get(t, tx, "q")
		tx.Scan([]byte("p/"), []byte("p0"), false, func(k, v []byte) (bool, error) { return true, nil })
		tx.Set([]byte("out"), []byte("1"))
		return nil
	}, func() error { set(t, e, "r", "new", "p", "new", "p0", "new"); return nil })
	if a != 1 {
		t.Fatalf("disjoint write: attempts = %d; want 1", a)
	}
	// A scan that stopped early only read up to where it stopped.
	a = interfere(t, e, func(tx engine.Txn) error {
		return tx.Scan([]byte("p/"), nil, false, func(k, v []byte) (bool, error) {
			tx.Set([]byte("first"), k)
			return false, nil
		})
	}, func() error { set(t, e, "p/3", "x"); return nil })
	if a != 1 {
		t.Fatalf("write past an early stop: attempts = %d; want 1", a)
	}
	// The same for a reverse scan stopping at p/5: p/4 is below it.
	a = interfere(t, e, func(tx engine.Txn) error {
		return tx.Scan([]byte("p/"), []byte("p0"), true, func(k, v []byte) (bool, error) {
			tx.Set([]byte("last"), k)
			return false, nil
		})
	}, func() error { set(t, e, "p/4", "x"); return nil })
	if a != 1 {
		t.Fatalf("write past an early reverse stop: attempts = %d; want 1", a)
	}
	wantValue(t, e, "last", "p/5")
	// Blind writes (no reads) never conflict.
	a = interfere(t, e, func(tx engine.Txn) error {
		tx.Set([]byte("q"), []byte("mine"))
		return nil
	}, func() error { set(t, e, "q", "theirs"); return nil })
	if a != 1 {
		t.Fatalf("blind write: attempts = %d; want 1", a)
	}
	wantValue(t, e, "q", "mine")
}

// testTxnConcurrentIncrements is the classic lost-update check: with
// correct validation and retry the counter ends exactly at the number of
// increments, even though every attempt reads the same hot key.
func testTxnConcurrentIncrements(t *testing.T, e engine.Engine) {
	const workers, each = 32, 50
	var tries atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				err := e.Update(ctx, func(tx engine.Txn) error {
					tries.Add(1)
					n := 0
					v, err := tx.Get([]byte("counter"))
					if err == nil {
						n, _ = strconv.Atoi(string(v))
					} else if !errors.Is(err, engine.ErrNotFound) {
						return err
					}
					tx.Set([]byte("counter"), []byte(strconv.Itoa(n+1)))
					return nil
				})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	wantValue(t, e, "counter", strconv.Itoa(workers*each))
	t.Logf("%d increments took %d attempts", workers*each, tries.Load())
}

func testTxnContext(t *testing.T, e engine.Engine) {
	c, cancel := context.WithCancel(ctx)
	cancel()
	ran := false
	if err := e.Update(c, func(tx engine.Txn) error { ran = true; return nil }); !errors.Is(err, context.Canceled) {
		t.Fatalf("Update with canceled context = %v", err)
	}
	if ran {
		t.Fatal("fn ran under a canceled context")
	}
	var b engine.Batch
	b.Set([]byte("k"), []byte("v"))
	if err := e.Apply(c, &b); !errors.Is(err, context.Canceled) {
		t.Fatalf("Apply with canceled context = %v", err)
	}
	wantMissing(t, e, "k")
}

func testViewSnapshot(t *testing.T, e engine.Engine) {
	set(t, e, "a", "1", "b", "1")
	var leaked engine.Reader
	err := e.View(func(r engine.Reader) error {
		leaked = r
		wantValue(t, r, "a", "1")
		// A writer commits while the view is open (from another goroutine,
		// as a concurrent request would).
		done := make(chan struct{})
		go func() {
			defer close(done)
			var b engine.Batch
			b.Set([]byte("a"), []byte("2"))
			b.Delete([]byte("b"))
			b.Set([]byte("c"), []byte("2"))
			if err := e.Apply(ctx, &b); err != nil {
				t.Error(err)
			}
		}()
		<-done
		wantValue(t, r, "a", "1")
		wantValue(t, r, "b", "1")
		wantMissing(t, r, "c")
		wantList(t, "snapshot scan", keys(t, r, "", "", false), "a=1", "b=1")
		wantList(t, "snapshot reverse", keys(t, r, "", "", true), "b=1", "a=1")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	wantList(t, "after", keys(t, e, "", "", false), "a=2", "c=2")
	if _, err := leaked.Get([]byte("a")); err == nil {
		t.Fatal("Get on a Reader after View returned succeeded")
	}
	boom := errors.New("boom")
	if err := e.View(func(r engine.Reader) error { return boom }); err != boom {
		t.Fatalf("View error = %v; want boom", err)
	}
}

func writeBlob(t *testing.T, bs engine.BlobStore, chunks ...[]byte) string {
	t.Helper()
	w, err := bs.Create()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range chunks {
		if n, err := w.Write(c); err != nil || n != len(c) {
			t.Fatalf("Write: %d, %v", n, err)
		}
	}
	id, err := w.Commit()
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func testBlobs(t *testing.T, e engine.Engine) {
	bs := e.Blobs()
	data := make([]byte, 300<<10)
	for i := range data {
		data[i] = byte(i * 7)
	}
	id := writeBlob(t, bs, data[:1000], data[1000:100000], data[100000:])
	if id == "" {
		t.Fatal("empty id")
	}
	b, err := bs.Open(id)
	if err != nil {
		t.Fatal(err)
	}
	if b.Size() != int64(len(data)) {
		t.Fatalf("Size = %d; want %d", b.Size(), len(data))
	}
	all, err := io.ReadAll(b)
	if err != nil || !bytes.Equal(all, data) {
		t.Fatalf("ReadAll: %d bytes, %v", len(all), err)
	}
	p := make([]byte, 10)
	if n, err := b.ReadAt(p, 12345); n != 10 || err != nil || !bytes.Equal(p, data[12345:12355]) {
		t.Fatalf("ReadAt: %d, %v", n, err)
	}
	if n, err := b.ReadAt(p, int64(len(data))-4); n != 4 || err != io.EOF {
		t.Fatalf("ReadAt past the end: %d, %v; want 4, EOF", n, err)
	}
	if pos, err := b.Seek(-10, io.SeekEnd); err != nil || pos != int64(len(data))-10 {
		t.Fatalf("Seek end: %d, %v", pos, err)
	}
	if rest, _ := io.ReadAll(b); !bytes.Equal(rest, data[len(data)-10:]) {
		t.Fatalf("read after Seek end: %d bytes", len(rest))
	}
	b.Seek(100, io.SeekStart)
	if pos, err := b.Seek(5, io.SeekCurrent); err != nil || pos != 105 {
		t.Fatalf("Seek current: %d, %v", pos, err)
	}
	if n, _ := io.ReadFull(b, p); n != 10 || !bytes.Equal(p, data[105:115]) {
		t.Fatal("read after Seek current")
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}

	// Empty blob.
	empty := writeBlob(t, bs)
	if b, err := bs.Open(empty); err != nil || b.Size() != 0 {
		t.Fatalf("empty blob: %v", err)
	} else {
		b.Close()
	}
	if empty == id {
		t.Fatal("two blobs got the same id")
	}

	// Writers finish once.
	w, _ := bs.Create()
	w.Write([]byte("x"))
	if _, err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Commit(); err == nil {
		t.Fatal("second Commit succeeded")
	}
	w, _ = bs.Create()
	w.Write([]byte("discard me"))
	if err := w.Abort(); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("more")); err == nil {
		t.Fatal("Write after Abort succeeded")
	}
	if _, err := w.Commit(); err == nil {
		t.Fatal("Commit after Abort succeeded")
	}

	// Delete, twice; unknown and malformed ids are not found.
	if err := bs.Delete(id); err != nil {
		t.Fatal(err)
	}
	if err := bs.Delete(id); err != nil {
		t.Fatalf("second Delete: %v", err)
	}
	for _, bad := range []string{id, "nope", "../data.db", "", "00000000000000000000000000000000"} {
		if _, err := bs.Open(bad); !errors.Is(err, engine.ErrNotFound) {
			t.Fatalf("Open(%q) = %v; want ErrNotFound", bad, err)
		}
	}
	// A blob opened before its deletion stays readable (object GETs race
	// with DELETEs).
	id2 := writeBlob(t, bs, []byte("still here"))
	b, _ = bs.Open(id2)
	bs.Delete(id2)
	if all, _ := io.ReadAll(b); string(all) != "still here" {
		t.Fatalf("read after delete: %q", all)
	}
	b.Close()
}

func testReset(t *testing.T, e engine.Engine) {
	set(t, e, "a", "1", "b", "2")
	id := writeBlob(t, e.Blobs(), []byte("blob"))
	if err := e.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	wantList(t, "after reset", keys(t, e, "", "", false))
	if _, err := e.Blobs().Open(id); !errors.Is(err, engine.ErrNotFound) {
		t.Fatalf("blob after reset: %v", err)
	}
	// Still fully usable.
	set(t, e, "c", "3")
	wantList(t, "after reset and write", keys(t, e, "", "", false), "c=3")
	id = writeBlob(t, e.Blobs(), []byte("again"))
	if b, err := e.Blobs().Open(id); err != nil {
		t.Fatal(err)
	} else {
		b.Close()
	}
	if err := e.Update(ctx, func(tx engine.Txn) error { tx.Set([]byte("d"), []byte("4")); return nil }); err != nil {
		t.Fatal(err)
	}
	wantValue(t, e, "d", "4")
}

func testClose(t *testing.T, e engine.Engine) {
	set(t, e, "a", "1")
	w, err := e.Blobs().Create()
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	is := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, engine.ErrClosed) {
			t.Errorf("%s after Close = %v; want ErrClosed", what, err)
		}
	}
	_, err = e.Get([]byte("a"))
	is("Get", err)
	is("Scan", e.Scan(nil, nil, false, func(k, v []byte) (bool, error) { return true, nil }))
	var b engine.Batch
	b.Set([]byte("b"), []byte("2"))
	is("Apply", e.Apply(ctx, &b))
	is("Update", e.Update(ctx, func(tx engine.Txn) error { return nil }))
	is("View", e.View(func(r engine.Reader) error { return nil }))
	is("Reset", e.Reset(ctx))
	_, err = e.Blobs().Create()
	is("Blobs.Create", err)
	_, err = e.Blobs().Open("00000000000000000000000000000000")
	is("Blobs.Open", err)
	is("Blobs.Delete", e.Blobs().Delete("00000000000000000000000000000000"))
	w.Write([]byte("late"))
	_, err = w.Commit()
	is("BlobWriter.Commit", err)
	is("second Close", e.Close())
}
