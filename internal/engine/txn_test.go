package engine

// A randomized check of the part of the transaction code that is easiest to
// get subtly wrong: Scan merging the snapshot with buffered point writes and
// range deletions (both directions, early stops), and the read range it
// records. A naive map model is the oracle.

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/btree"
)

func TestTxnScanMatchesModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	key := func() []byte { return []byte{'a' + byte(rng.IntN(12))} }
	for round := 0; round < 2000; round++ {
		base := btree.NewG(4, lessKV)
		model := map[string]string{}
		for i := 0; i < rng.IntN(10); i++ {
			k, v := key(), fmt.Sprint("base", i)
			base.ReplaceOrInsert(kv{key: k, val: []byte(v)})
			model[string(k)] = v
		}
		tx := newTxn(memSource{base})
		for i := 0; i < rng.IntN(8); i++ {
			switch k := key(); rng.IntN(4) {
			case 0, 1:
				v := fmt.Sprint("tx", i)
				tx.Set(k, []byte(v))
				model[string(k)] = v
			case 2:
				tx.Delete(k)
				delete(model, string(k))
			case 3:
				end := key()
				if rng.IntN(4) == 0 {
					end = nil
				}
				tx.DeleteRange(k, end)
				for mk := range model {
					if inRange([]byte(mk), k, end) {
						delete(model, mk)
					}
				}
			}
		}
		// Point reads.
		for c := byte('a'); c < 'a'+12; c++ {
			v, err := tx.Get([]byte{c})
			want, ok := model[string(c)]
			if ok != (err == nil) || (ok && string(v) != want) {
				t.Fatalf("round %d: Get(%c) = %q, %v; model %q, %v", round, c, v, err, want, ok)
			}
		}
		// Range reads with early stops.
		start, end := key(), key()
		if rng.IntN(4) == 0 {
			end = nil
		}
		reverse := rng.IntN(2) == 0
		limit := 1 + rng.IntN(6)
		var want []string
		for mk := range model {
			if inRange([]byte(mk), start, end) {
				want = append(want, mk+"="+model[mk])
			}
		}
		slices.Sort(want)
		if reverse {
			slices.Reverse(want)
		}
		if len(want) > limit {
			want = want[:limit]
		}
		var got []string
		tx.reads = nil
		err := tx.Scan(start, end, reverse, func(k, v []byte) (bool, error) {
			got = append(got, string(k)+"="+string(v))
			return len(got) < limit, nil
		})
		if err != nil || !slices.Equal(got, want) {
			t.Fatalf("round %d: Scan(%s, %s, rev=%v, limit %d) = %v; model %v", round, start, end, reverse, limit, got, want)
		}
		if emptyRange(start, end) {
			continue
		}
		rec := tx.reads[len(tx.reads)-1]
		// Nothing changed: the read must still hold.
		if ok, _ := rec.stillHolds(memSource{base}); !ok {
			t.Fatalf("round %d: unchanged snapshot fails validation", round)
		}
		// Changing the base inside the recorded range must be caught,
		// outside it must not.
		probe := key()
		changed := base.Clone()
		changed.ReplaceOrInsert(kv{key: probe, val: []byte("changed")})
		inside := inRange(probe, rec.start, rec.end)
		ok, _ := rec.stillHolds(memSource{changed})
		if ok == inside {
			t.Fatalf("round %d: write to %s, recorded range [%s,%s): stillHolds=%v", round, probe, rec.start, rec.end, ok)
		}
		// And the recorded range must cover everything fn saw.
		for _, g := range got {
			if k := []byte(g[:bytes.IndexByte([]byte(g), '=')]); !inRange(k, rec.start, rec.end) {
				t.Fatalf("round %d: key %s seen but outside recorded range [%s,%s)", round, k, rec.start, rec.end)
			}
		}
	}
}
