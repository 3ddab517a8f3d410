package engine_test

// The conformance suite against both engines, plus what only the on-disk
// engine has: data surviving a reopen, the directory lock, temp-file sweep.

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"hako/internal/engine"
	"hako/internal/engine/enginetest"
)

func TestMemory(t *testing.T) {
	enginetest.Run(t, func(t *testing.T) engine.Engine { return engine.NewMemory() })
}

func TestDisk(t *testing.T) {
	enginetest.Run(t, func(t *testing.T) engine.Engine { return openDisk(t, t.TempDir()) })
}

func openDisk(t testing.TB, dir string) engine.Engine {
	t.Helper()
	e, err := engine.Open(dir, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestDiskReopen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nested", "data") // Open creates parents
	e := openDisk(t, dir)
	ctx := context.Background()
	var b engine.Batch
	b.Set([]byte("a"), []byte("1"))
	b.Set([]byte("b"), []byte("2"))
	if err := e.Apply(ctx, &b); err != nil {
		t.Fatal(err)
	}
	if err := e.Update(ctx, func(tx engine.Txn) error { tx.Delete([]byte("b")); tx.Set([]byte("c"), []byte("3")); return nil }); err != nil {
		t.Fatal(err)
	}
	w, _ := e.Blobs().Create()
	w.Write([]byte("blob body"))
	id, err := w.Commit()
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}

	// A crashed blob writer leaves a temp file; Open sweeps it.
	stale := filepath.Join(dir, "blobs", "tmp-stale")
	if err := os.WriteFile(stale, []byte("half"), 0o600); err != nil {
		t.Fatal(err)
	}

	e = openDisk(t, dir)
	defer e.Close()
	for k, want := range map[string]string{"a": "1", "c": "3"} {
		if v, err := e.Get([]byte(k)); err != nil || string(v) != want {
			t.Fatalf("Get(%s) after reopen = %q, %v", k, v, err)
		}
	}
	if _, err := e.Get([]byte("b")); !errors.Is(err, engine.ErrNotFound) {
		t.Fatalf("deleted key after reopen: %v", err)
	}
	bl, err := e.Blobs().Open(id)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(bl)
	bl.Close()
	if string(body) != "blob body" {
		t.Fatalf("blob after reopen = %q", body)
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("stale temp blob not swept: %v", err)
	}
}

func TestDiskLocked(t *testing.T) {
	dir := t.TempDir()
	e := openDisk(t, dir)
	defer e.Close()
	start := time.Now()
	_, err := engine.Open(dir, engine.Options{LockTimeout: 50 * time.Millisecond})
	if err == nil {
		t.Fatal("second Open of the same directory succeeded")
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("second Open did not give up")
	}
}
