// Package clock is hako's one source of time.
//
// Every service, sweeper and scheduler takes a Clock instead of calling
// time.Now or time.AfterFunc, so tests drive a Fake clock (no sleeping) and
// demos can run the server at a fixed start time and a faster speed
// (`hako server --clock=fixed:2026-01-01T00:59:00Z,speed=60`).
//
// Timers of the Fake clock fire synchronously inside Advance, in deadline
// order, so a test that advances past a deadline observes its effect when
// Advance returns (as long as the callback does not hand off to another
// goroutine).
package clock

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Clock tells the time and schedules callbacks.
type Clock interface {
	Now() time.Time
	// AfterFunc calls f in its own goroutine (Real) or inside Advance (Fake)
	// once d has elapsed on this clock.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a scheduled callback.
type Timer interface {
	// Stop prevents the callback from running; it reports whether it did.
	Stop() bool
}

// Real is the wall clock.
type Real struct{}

func (Real) Now() time.Time { return time.Now() }

func (Real) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }

// Since returns the time elapsed on c since t.
func Since(c Clock, t time.Time) time.Duration { return c.Now().Sub(t) }

// Scaled is a clock that starts at a fixed instant, runs speed times
// faster than real time, and can be moved forward (Advance): what
// --clock=fixed:...,speed=N builds, and what POST /_hako/clock moves, so
// a demo need not wait for 01:00 JST.
type Scaled struct {
	origin time.Time // real time when start was read
	speed  float64

	mu     sync.Mutex
	start  time.Time // the clock's reading at origin (Advance adds to it)
	timers map[*scaledTimer]struct{}
}

// scaledTimer is a callback due at a clock instant, carried by a real
// timer that Advance re-arms.
type scaledTimer struct {
	s   *Scaled
	at  time.Time
	f   func()
	rt  *time.Timer
	ran bool
}

// NewScaled returns a clock reading start now and advancing speed times
// faster than real time.
func NewScaled(start time.Time, speed float64) *Scaled {
	if speed <= 0 {
		speed = 1
	}
	return &Scaled{start: start, origin: time.Now(), speed: speed, timers: map[*scaledTimer]struct{}{}}
}

func (s *Scaled) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nowLocked()
}

func (s *Scaled) nowLocked() time.Time {
	return s.start.Add(time.Duration(float64(time.Since(s.origin)) * s.speed))
}

func (s *Scaled) AfterFunc(d time.Duration, f func()) Timer {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := &scaledTimer{s: s, at: s.nowLocked().Add(d), f: f}
	s.timers[t] = struct{}{}
	s.armLocked(t)
	return t
}

// armLocked (re)starts t's real timer for the real time left until t.at.
func (s *Scaled) armLocked(t *scaledTimer) {
	real := time.Duration(float64(t.at.Sub(s.nowLocked())) / s.speed)
	t.rt = time.AfterFunc(max(real, 0), func() {
		s.mu.Lock()
		if t.ran {
			s.mu.Unlock()
			return
		}
		t.ran = true
		delete(s.timers, t)
		s.mu.Unlock()
		t.f()
	})
}

// Advance moves the clock forward by d; timers that become due fire at
// once (each in its own goroutine, as time.AfterFunc's do).
func (s *Scaled) Advance(d time.Duration) {
	if d <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.start = s.start.Add(d)
	for t := range s.timers {
		if t.rt.Stop() {
			s.armLocked(t)
		}
	}
}

func (t *scaledTimer) Stop() bool {
	t.s.mu.Lock()
	defer t.s.mu.Unlock()
	if t.ran {
		return false
	}
	t.ran = true
	delete(t.s.timers, t)
	t.rt.Stop()
	return true
}

// Advancer is a clock that can be moved forward (Scaled and Fake).
type Advancer interface {
	Clock
	Advance(d time.Duration)
}

// Parse reads a --clock flag value: "" or "real" is the wall clock;
// "fixed:RFC3339[,speed=N]" starts at the given instant.
func Parse(spec string) (Clock, error) {
	if spec == "" || spec == "real" {
		return Real{}, nil
	}
	rest, ok := strings.CutPrefix(spec, "fixed:")
	if !ok {
		return nil, fmt.Errorf("clock %q: want real or fixed:2006-01-02T15:04:05Z[,speed=N]", spec)
	}
	at, opts, _ := strings.Cut(rest, ",")
	start, err := time.Parse(time.RFC3339, at)
	if err != nil {
		return nil, fmt.Errorf("clock %q: %v", spec, err)
	}
	speed := 1.0
	if opts != "" {
		v, ok := strings.CutPrefix(opts, "speed=")
		if !ok {
			return nil, fmt.Errorf("clock %q: unknown option %q", spec, opts)
		}
		speed, err = strconv.ParseFloat(v, 64)
		if err != nil || speed <= 0 {
			return nil, fmt.Errorf("clock %q: speed must be a positive number", spec)
		}
	}
	return NewScaled(start, speed), nil
}

// Fake is a manually advanced clock for tests.
type Fake struct {
	mu     sync.Mutex
	now    time.Time
	seq    int
	timers []*fakeTimer
}

// NewFake returns a fake clock reading start.
func NewFake(start time.Time) *Fake { return &Fake{now: start} }

type fakeTimer struct {
	c    *Fake
	at   time.Time
	seq  int
	f    func()
	done bool
}

func (t *fakeTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	if t.done {
		return false
	}
	t.done = true
	return true
}

func (c *Fake) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *Fake) AfterFunc(d time.Duration, f func()) Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	t := &fakeTimer{c: c, at: c.now.Add(d), seq: c.seq, f: f}
	c.timers = append(c.timers, t)
	return t
}

// Advance moves the clock forward by d, running every timer that falls due
// in deadline order (timers scheduled by callbacks run too if due).
func (c *Fake) Advance(d time.Duration) {
	c.mu.Lock()
	target := c.now.Add(d)
	c.mu.Unlock()
	c.AdvanceTo(target)
}

// AdvanceTo moves the clock to t (never backwards), running due timers.
func (c *Fake) AdvanceTo(t time.Time) {
	for {
		c.mu.Lock()
		live := c.timers[:0]
		for _, tm := range c.timers {
			if !tm.done {
				live = append(live, tm)
			}
		}
		c.timers = live
		sort.Slice(c.timers, func(i, j int) bool {
			if !c.timers[i].at.Equal(c.timers[j].at) {
				return c.timers[i].at.Before(c.timers[j].at)
			}
			return c.timers[i].seq < c.timers[j].seq
		})
		if len(c.timers) == 0 || c.timers[0].at.After(t) {
			if t.After(c.now) {
				c.now = t
			}
			c.mu.Unlock()
			return
		}
		next := c.timers[0]
		next.done = true
		if next.at.After(c.now) {
			c.now = next.at
		}
		c.mu.Unlock()
		next.f()
	}
}

// Interface guards.
var (
	_ Clock = Real{}
	_ Clock = (*Scaled)(nil)
	_ Clock = (*Fake)(nil)
)
