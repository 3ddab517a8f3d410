// Package credentials resolves access keys to identities for the edge's
// authentication: keys configured when the server starts (verified
// strictly) and temporary keys issued by STS (stored in the engine, so they
// survive restarts, and cached in memory).
//
// A key that is neither configured nor issued is "unknown": the edge accepts
// it only while hako listens on loopback, as a convenience for local tools
// (a 12-digit key id then selects that account).
package credentials

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"hako/internal/clock"
	"hako/internal/engine"
	"hako/internal/service"
)

// Store implements service.CredentialStore.
type Store struct {
	eng    engine.Engine
	clk    clock.Clock
	static map[string]service.Identity

	mu    sync.RWMutex
	cache map[string]service.Identity
}

// New returns a store with the given configured keys.
func New(eng engine.Engine, clk clock.Clock, static []service.Identity) *Store {
	s := &Store{eng: eng, clk: clk, static: map[string]service.Identity{}, cache: map[string]service.Identity{}}
	for _, id := range static {
		s.static[id.AccessKeyID] = id
	}
	return s
}

var accountRe = regexp.MustCompile(`^\d{12}$`)

// ParseStatic reads configured keys: "ID:SECRET[:ACCOUNT]" entries separated
// by commas (the --credentials flag and HAKO_CREDENTIALS).
func ParseStatic(spec, defaultAccount string) ([]service.Identity, error) {
	var out []service.Identity
	for _, entry := range strings.Split(spec, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		parts := strings.Split(entry, ":")
		if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" {
			return nil, fmt.Errorf("credentials %q: want ACCESS_KEY_ID:SECRET[:ACCOUNT]", entry)
		}
		account := defaultAccount
		if len(parts) == 3 {
			if !accountRe.MatchString(parts[2]) {
				return nil, fmt.Errorf("credentials %q: account must be 12 digits", entry)
			}
			account = parts[2]
		}
		out = append(out, service.Identity{
			AccessKeyID: parts[0], SecretAccessKey: parts[1], Account: account,
			ARN: "arn:aws:iam::" + account + ":root", UserID: account,
		})
	}
	return out, nil
}

func key(accessKeyID string) []byte { return []byte("creds/" + accessKeyID) }

// Lookup returns the identity of a configured or issued, unexpired key.
func (s *Store) Lookup(ctx context.Context, accessKeyID string) (service.Identity, bool, error) {
	if id, ok := s.static[accessKeyID]; ok {
		return id, true, nil
	}
	s.mu.RLock()
	id, ok := s.cache[accessKeyID]
	s.mu.RUnlock()
	if !ok {
		raw, err := s.eng.Get(key(accessKeyID))
		if errors.Is(err, engine.ErrNotFound) {
			return service.Identity{}, false, nil
		}
		if err != nil {
			return service.Identity{}, false, err
		}
		if err := json.Unmarshal(raw, &id); err != nil {
			return service.Identity{}, false, err
		}
		s.mu.Lock()
		s.cache[accessKeyID] = id
		s.mu.Unlock()
	}
	if id.Expiration != 0 && s.clk.Now().Unix() >= id.Expiration {
		return id, false, nil
	}
	return id, true, nil
}

// Issue stores temporary credentials durably.
func (s *Store) Issue(ctx context.Context, id service.Identity) error {
	raw, err := json.Marshal(id)
	if err != nil {
		return err
	}
	var b engine.Batch
	b.Set(key(id.AccessKeyID), raw)
	if err := s.eng.Apply(ctx, &b); err != nil {
		return err
	}
	s.mu.Lock()
	s.cache[id.AccessKeyID] = id
	s.mu.Unlock()
	return nil
}

// Reset forgets cached temporary keys (the engine's copy is gone after a
// reset).
func (s *Store) Reset() {
	s.mu.Lock()
	s.cache = map[string]service.Identity{}
	s.mu.Unlock()
}

// Interface guards.
var _ service.CredentialStore = (*Store)(nil)
