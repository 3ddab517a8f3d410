// Command boltbench measures bbolt: by default every write goes through
// db.Batch, which coalesces concurrent writers into one fsync'd
// transaction. (hako's engine does its own timer-less group commit on top
// of bbolt; its figures come from BenchmarkApply in internal/engine.)
package main

import (
	"flag"
	"path/filepath"
	"time"

	"hako/bench/engine/driver"

	bolt "go.etcd.io/bbolt"
)

var bucket = []byte("kv")

type store struct{ db *bolt.DB }

// -commit=update runs one plain transaction per write instead: the floor
// for a lone writer (no batch delay), and no sharing of fsyncs at all.
var commit = flag.String("commit", "batch", "batch (db.Batch group commit) | update (one db.Update per write)")

func (s store) Put(k, v []byte) error {
	f := func(tx *bolt.Tx) error { return tx.Bucket(bucket).Put(k, v) }
	if *commit == "update" {
		return s.db.Update(f)
	}
	return s.db.Batch(f)
}
func (s store) Close() error { return s.db.Close() }

func main() {
	driver.Main("bbolt", func(dir string) (driver.Store, error) {
		db, err := bolt.Open(filepath.Join(dir, "data.db"), 0o600, &bolt.Options{Timeout: time.Second, FreelistType: bolt.FreelistMapType})
		if err != nil {
			return nil, err
		}
		// Batch waits up to MaxBatchDelay for company; 10ms is bbolt's default
		// and would cap a lone writer at ~100 writes/s, so keep it short.
		db.MaxBatchDelay = time.Millisecond
		err = db.Update(func(tx *bolt.Tx) error {
			_, err := tx.CreateBucketIfNotExists(bucket)
			return err
		})
		if err != nil {
			db.Close()
			return nil, err
		}
		return store{db}, nil
	})
}
