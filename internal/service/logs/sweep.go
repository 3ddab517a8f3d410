package logs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"hako/internal/clock"
	"hako/internal/engine"
)

// SweepInterval is how often (in clock time) the retention sweeper runs.
const SweepInterval = 10 * time.Minute

// sweepBatch bounds the events one sweeping transaction deletes, so a large
// backlog is removed in several modest commits.
const sweepBatch = 10000

// sweeper is the state of the background retention sweep.
type sweeper struct {
	mu      sync.Mutex
	running bool // between Start and Stop
	timer   clock.Timer
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup // a sweep in progress
}

// Start starts the retention sweeper: every SweepInterval of the service's
// clock it deletes the events older than their group's retention. The
// sweeper outlives ctx's cancellation (ctx only carries values); Stop ends
// it.
func (s *Service) Start(ctx context.Context) error {
	w := &s.sweep
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.running {
		return errors.New("logs: already started")
	}
	w.running = true
	w.ctx, w.cancel = context.WithCancel(context.WithoutCancel(ctx))
	w.timer = s.clock.AfterFunc(SweepInterval, s.sweepTick)
	return nil
}

// Stop stops the sweeper and waits for a sweep in progress to end.
func (s *Service) Stop() error {
	w := &s.sweep
	w.mu.Lock()
	if !w.running {
		w.mu.Unlock()
		return nil
	}
	w.running = false
	w.timer.Stop()
	w.cancel()
	w.mu.Unlock()
	w.wg.Wait()
	return nil
}

func (s *Service) sweepTick() {
	w := &s.sweep
	w.mu.Lock()
	if !w.running {
		w.mu.Unlock()
		return
	}
	w.wg.Add(1) // under mu, so Stop cannot be waiting yet without seeing it
	ctx := w.ctx
	w.mu.Unlock()
	defer w.wg.Done()

	if err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
		s.log.Warn("logs: retention sweep failed", "err", err)
	}

	w.mu.Lock()
	if w.running {
		w.timer = s.clock.AfterFunc(SweepInterval, s.sweepTick)
	}
	w.mu.Unlock()
}

// Sweep deletes, in every account and region, the events that are older
// than their group's retention at the clock's current time. Start calls it
// periodically; it is exported for tests and tools.
func (s *Service) Sweep(ctx context.Context) error {
	scopes, err := s.scopes()
	if err != nil {
		return err
	}
	now := s.nowMs()
	for _, sc := range scopes {
		type target struct {
			group   string
			cutoff  int64
			streams []string
		}
		var targets []target
		err := s.eng.View(func(r engine.Reader) error {
			gp := sc.groupsPrefix()
			err := r.Scan(gp, engine.PrefixEnd(gp), false, func(k, v []byte) (bool, error) {
				var g groupRecord
				if err := json.Unmarshal(v, &g); err != nil {
					return false, fmt.Errorf("logs: group record %q: %w", k, err)
				}
				if g.RetentionInDays > 0 {
					targets = append(targets, target{group: g.Name, cutoff: now - int64(g.RetentionInDays)*dayMs})
				}
				return true, nil
			})
			if err != nil {
				return err
			}
			for i := range targets {
				t := &targets[i]
				sp := sc.streamsPrefix(t.group)
				err := r.Scan(sp, engine.PrefixEnd(sp), false, func(k, _ []byte) (bool, error) {
					t.streams = append(t.streams, string(k[len(sp):]))
					return true, nil
				})
				if err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, t := range targets {
			for _, stream := range t.streams {
				if err := ctx.Err(); err != nil {
					return err
				}
				if err := s.sweepStream(ctx, sc, t.group, stream, t.cutoff); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// sweepStream deletes a stream's events with timestamps before cutoff and
// takes them out of the stream's statistics.
func (s *Service) sweepStream(ctx context.Context, sc scope, group, stream string, cutoff int64) error {
	prefix := sc.eventsPrefix(group, stream)
	end := eventKey(prefix, pos{ts: cutoff})
	for {
		mu := s.streamLock(sc, group, stream)
		mu.Lock()
		again := false
		err := s.update(ctx, func(tx engine.Txn) error {
			again = false
			st, err := getStream(tx, sc, group, stream)
			if isNotFound(err) {
				return nil // deleted meanwhile
			}
			if err != nil {
				return err
			}
			var lastKey []byte
			n, freed := 0, int64(0)
			err = tx.Scan(prefix, end, false, func(k, v []byte) (bool, error) {
				lastKey = bytes.Clone(k)
				freed += int64(len(v) - 8)
				n++
				return n < sweepBatch, nil
			})
			if err != nil || n == 0 {
				return err
			}
			tx.DeleteRange(prefix, keyAfter(lastKey))
			st.StoredBytes = max(0, st.StoredBytes-freed)
			// The first event left, if any, becomes firstEventTimestamp.
			err = tx.Scan(keyAfter(lastKey), engine.PrefixEnd(prefix), false, func(k, _ []byte) (bool, error) {
				p, err := decodeEventKey(k)
				if err == nil {
					st.FirstEvent = p.ts
				}
				return false, err
			})
			if err != nil {
				return err
			}
			tx.Set(sc.streamKey(group, stream), engine.MustJSON(st))
			again = n == sweepBatch
			return nil
		})
		mu.Unlock()
		if err != nil || !again {
			return err
		}
	}
}

// scopes lists the (account, region) pairs that have any key, by skipping
// from one "logs/ACCOUNT/REGION/" prefix to the next instead of reading
// every key.
func (s *Service) scopes() ([]scope, error) {
	var out []scope
	start := []byte(keyRoot)
	end := engine.PrefixEnd(start)
	for {
		var found []byte
		err := s.eng.Scan(start, end, false, func(k, _ []byte) (bool, error) {
			found = bytes.Clone(k)
			return false, nil
		})
		if err != nil {
			return nil, err
		}
		if found == nil {
			return out, nil
		}
		parts := strings.SplitN(string(found[len(keyRoot):]), "/", 3)
		if len(parts) < 3 {
			return nil, fmt.Errorf("logs: unexpected key %q", found)
		}
		sc := scope{account: parts[0], region: parts[1]}
		out = append(out, sc)
		start = engine.PrefixEnd(sc.prefix())
	}
}
