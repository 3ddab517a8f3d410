// Command pebblebench measures Pebble configured as hako would use it: small
// memtable and cache (idle memory), Sync writes (Pebble's commit pipeline
// already groups concurrent WAL syncs).
package main

import (
	"hako/bench/engine/driver"

	"github.com/cockroachdb/pebble/v2"
)

type store struct{ db *pebble.DB }

func (s store) Put(k, v []byte) error { return s.db.Set(k, v, pebble.Sync) }
func (s store) Close() error          { return s.db.Close() }

func main() {
	driver.Main("pebble", func(dir string) (driver.Store, error) {
		c := pebble.NewCache(1 << 20)
		defer c.Unref()
		db, err := pebble.Open(dir, &pebble.Options{
			Cache:              c,
			MemTableSize:       2 << 20,
			FormatMajorVersion: pebble.FormatNewest,
			Logger:             quiet{},
		})
		if err != nil {
			return nil, err
		}
		return store{db}, nil
	})
}

type quiet struct{}

func (quiet) Infof(string, ...interface{})  {}
func (quiet) Errorf(string, ...interface{}) {}
func (quiet) Fatalf(f string, a ...interface{}) {
	panic(f)
}
