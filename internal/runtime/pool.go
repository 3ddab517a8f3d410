package runtime

import (
	"time"
)

// Warm reuse and concurrency.
//
// Sandboxes are pooled by (function ARN, version, revision): an invoke
// takes the most recently used idle sandbox of its pool (LIFO keeps the
// warmest caches busy and lets the rest expire), else starts one. A
// sandbox is either idle in its pool or owned by exactly one invoke, so
// it never receives a second invoke while one is in flight.
//
// Concurrency is counted per invoke, from before a cold start until the
// result: a function with reserved concurrency R runs at most R at once
// (R = 0 always throttles); the others share the account limit minus the
// sum of all reservations. Both checks happen under Manager.mu together
// with the pool take, so they are exact.
//
// Idle expiry: one reaper timer on the injected clock, armed for the
// earliest idle deadline (Start arms it). It only ever looks at idle
// sandboxes, so it cannot kill one with an invoke in flight.
//
// Lock order: Manager.mu, then Fake clock internals (AfterFunc/Stop);
// sandbox, runtimeAPI and logStream locks are never held with
// Manager.mu.

// poolKey identifies the sandboxes that may serve a Function.
type poolKey struct {
	arn, version, revision string
}

func keyOf(fn *Function) poolKey { return poolKey{fn.ARN, fn.Version, fn.RevisionID} }

// pool is the warm sandboxes of one function revision.
type pool struct {
	idle []*sandbox // most recently used last
}

// fnState is per-function (unqualified ARN) concurrency accounting.
type fnState struct {
	reserved *int
	inFlight int
}

// slot is one invoke's claim on concurrency.
type slot struct {
	arn        string
	unreserved bool
}

// acquire claims concurrency for fn and, when one is idle, a warm
// sandbox (nil: start one).
func (m *Manager) acquire(fn *Function) (*slot, *sandbox, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.stopped {
		return nil, nil, errStopped
	}
	fs := m.fnStateLocked(fn.ARN)
	m.setReservedLocked(fs, fn.ReservedConcurrency)
	s := &slot{arn: fn.ARN}
	if fs.reserved != nil {
		if fs.inFlight >= *fs.reserved {
			return nil, nil, &ThrottleError{Reason: "ReservedFunctionConcurrentInvocationLimitExceeded"}
		}
	} else {
		if m.unreservedInFlight >= m.cfg.AccountConcurrency-m.reservedSum {
			return nil, nil, &ThrottleError{Reason: "ConcurrentInvocationLimitExceeded"}
		}
		s.unreserved = true
		m.unreservedInFlight++
	}
	fs.inFlight++

	key := keyOf(fn)
	p := m.pools[key]
	if p == nil {
		p = &pool{}
		m.pools[key] = p
		m.retireOlderLocked(key)
	}
	for len(p.idle) > 0 {
		sb := p.idle[len(p.idle)-1]
		p.idle[len(p.idle)-1] = nil
		p.idle = p.idle[:len(p.idle)-1]
		select {
		case <-sb.exited:
			// Died while idle (onExit is on its way): not usable.
			sb.removed = true
			m.spawn(sb.stop)
			continue
		default:
		}
		sb.busy = true
		return s, sb, nil
	}
	return s, nil, nil
}

// register records a new (busy) sandbox so Sandboxes and Stop see it.
func (m *Manager) register(sb *sandbox) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.stopped {
		return false
	}
	sb.busy = true
	m.all[sb] = struct{}{}
	return true
}

// release ends an invoke: the slot is returned and the sandbox goes back
// to its pool, or is stopped when discard is set, its revision was
// retired (Evict, update) or the Manager is stopping.
func (m *Manager) release(s *slot, sb *sandbox, discard bool) {
	m.mu.Lock()
	if fs := m.fns[s.arn]; fs != nil {
		fs.inFlight--
	}
	if s.unreserved {
		m.unreservedInFlight--
	}
	if sb == nil {
		m.mu.Unlock()
		return
	}
	sb.busy = false
	sb.invokes++
	sb.lastUsed = m.clock.Now()
	p := m.pools[sb.key]
	if discard || p == nil || m.stopped || sb.removed {
		sb.removed = true
		m.mu.Unlock()
		m.spawn(sb.stop)
		return
	}
	p.idle = append(p.idle, sb)
	m.armReaperLocked()
	m.mu.Unlock()
}

// onExit is called when a sandbox's process exits: an idle sandbox is
// taken out of its pool; a busy one is handled by its invoke.
func (m *Manager) onExit(sb *sandbox) {
	m.mu.Lock()
	if sb.busy || sb.removed {
		m.mu.Unlock()
		return
	}
	if p := m.pools[sb.key]; p != nil {
		p.remove(sb)
	}
	sb.removed = true
	stopping := m.stopped
	m.mu.Unlock()
	if !stopping {
		m.spawn(sb.stop)
	}
}

// forget drops a stopped sandbox from the registry.
func (m *Manager) forget(sb *sandbox) {
	m.mu.Lock()
	delete(m.all, sb)
	if p := m.pools[sb.key]; p != nil {
		p.remove(sb)
	}
	m.mu.Unlock()
}

func (p *pool) remove(sb *sandbox) {
	for i, x := range p.idle {
		if x == sb {
			p.idle = append(p.idle[:i], p.idle[i+1:]...)
			return
		}
	}
}

func (m *Manager) fnStateLocked(arn string) *fnState {
	fs := m.fns[arn]
	if fs == nil {
		fs = &fnState{}
		m.fns[arn] = fs
	}
	return fs
}

func (m *Manager) setReservedLocked(fs *fnState, n *int) {
	if fs.reserved != nil {
		m.reservedSum -= *fs.reserved
	}
	fs.reserved = nil
	if n != nil {
		v := max(*n, 0)
		fs.reserved = &v
		m.reservedSum += v
	}
}

// retireOlderLocked stops the idle sandboxes of other revisions of the
// same function version (an update happened): busy ones are stopped when
// their invoke ends.
func (m *Manager) retireOlderLocked(key poolKey) {
	for k, p := range m.pools {
		if k.arn == key.arn && k.version == key.version && k.revision != key.revision {
			m.dropPoolLocked(k, p)
		}
	}
}

func (m *Manager) dropPoolLocked(k poolKey, p *pool) {
	delete(m.pools, k)
	for _, sb := range p.idle {
		sb.removed = true
		m.spawn(sb.stop)
	}
	p.idle = nil
	for sb := range m.all {
		if sb.key == k {
			sb.removed = true // busy: stopped at release
		}
	}
}

// armReaperLocked schedules the reaper for the earliest idle deadline.
func (m *Manager) armReaperLocked() {
	if !m.started || m.stopped || m.reaper != nil {
		return
	}
	var earliest time.Time
	for _, p := range m.pools {
		for _, sb := range p.idle {
			if earliest.IsZero() || sb.lastUsed.Before(earliest) {
				earliest = sb.lastUsed
			}
		}
	}
	if earliest.IsZero() {
		return
	}
	d := earliest.Add(m.cfg.IdleTimeout).Sub(m.clock.Now())
	m.reaper = m.clock.AfterFunc(max(d, 0), m.reap)
}

// reap stops the sandboxes idle for IdleTimeout or longer.
func (m *Manager) reap() {
	m.mu.Lock()
	m.reaper = nil
	if m.stopped {
		m.mu.Unlock()
		return
	}
	now := m.clock.Now()
	var expired []*sandbox
	for _, p := range m.pools {
		kept := p.idle[:0]
		for _, sb := range p.idle {
			if !now.Before(sb.lastUsed.Add(m.cfg.IdleTimeout)) {
				sb.removed = true
				expired = append(expired, sb)
				continue
			}
			kept = append(kept, sb)
		}
		clear(p.idle[len(kept):])
		p.idle = kept
	}
	m.armReaperLocked()
	for _, sb := range expired {
		m.spawn(sb.stop)
	}
	m.mu.Unlock()
}
