package s3

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"hako/internal/clock"
	"hako/internal/engine"
	"hako/internal/protocol"
)

// maxLifecycleRules is AWS's limit of rules per configuration.
const maxLifecycleRules = 1000

const day = 24 * time.Hour

// validLifecycle applies AWS's checks to a lifecycle configuration.
// Actions hako cannot perform (storage class transitions) are
// NotImplemented; noncurrent-version actions are kept (hako has no
// versioning, so they never find anything to act on).
func validLifecycle(rules []LifecycleRule) error {
	if len(rules) == 0 {
		return protocol.Errorf("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
	}
	if len(rules) > maxLifecycleRules {
		return errInvalidArgument("Lifecycle configuration cannot have more than 1000 rules", "LifecycleConfiguration", "")
	}
	ids := map[string]bool{}
	for i := range rules {
		r := &rules[i]
		if len(r.ID) > 255 {
			return errInvalidArgument("ID length should not exceed allowed limit of 255", "ID", r.ID)
		}
		if r.ID != "" && ids[r.ID] {
			return errInvalidArgument("Rule ID must be unique. Found same ID for more than one rule", "ID", r.ID)
		}
		ids[r.ID] = true
		if r.Filter != nil && r.Prefix != "" {
			return protocol.Errorf("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
		}
		if f := r.Filter; f != nil {
			set := 0
			if f.Tag != nil {
				set++
			}
			if f.And != nil {
				set++
			}
			if f.ObjectSizeGreaterThan != nil {
				set++
			}
			if f.ObjectSizeLessThan != nil {
				set++
			}
			if set > 1 || (set == 1 && f.Prefix != "") {
				return protocol.Errorf("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
			}
			gt, lt := f.ObjectSizeGreaterThan, f.ObjectSizeLessThan
			if f.And != nil {
				gt, lt = f.And.ObjectSizeGreaterThan, f.And.ObjectSizeLessThan
				if err := validTags(f.And.Tags, 50); err != nil {
					return err
				}
			}
			if gt != nil && lt != nil && *gt >= *lt {
				return errInvalidArgument("ObjectSizeGreaterThan must be less than ObjectSizeLessThan", "ObjectSizeGreaterThan", fmt.Sprint(*gt))
			}
			if (gt != nil && *gt < 0) || (lt != nil && *lt <= 0) {
				return errInvalidArgument("Object size must be a positive number", "ObjectSize", "")
			}
		}
		if len(r.Transitions) > 0 || len(r.NoncurrentVersionTransitions) > 0 {
			return errNotImplemented("Lifecycle transitions between storage classes (hako keeps every object in STANDARD)")
		}
		if r.Expiration == nil && r.AbortIncompleteMultipartUpload == nil && r.NoncurrentVersionExpiration == nil {
			return ErrInvalidRequest("At least one action needs to be specified in a rule")
		}
		if e := r.Expiration; e != nil {
			n := 0
			if e.Days != nil {
				n++
				if *e.Days <= 0 {
					return errInvalidArgument("'Days' for Expiration action must be a positive integer", "Days", fmt.Sprint(*e.Days))
				}
			}
			if !e.Date.IsZero() {
				n++
				if !e.Date.Equal(e.Date.UTC().Truncate(day)) {
					return errInvalidArgument("'Date' must be at midnight GMT", "Date", e.Date.UTC().Format(time.RFC3339))
				}
			}
			if e.ExpiredObjectDeleteMarker != nil {
				n++
			}
			if n != 1 {
				return protocol.Errorf("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
			}
			if e.ExpiredObjectDeleteMarker != nil && ruleHasTags(r) {
				return ErrInvalidRequest("ExpiredObjectDeleteMarker cannot be specified with object tags")
			}
		}
		if a := r.AbortIncompleteMultipartUpload; a != nil {
			if a.DaysAfterInitiation == nil || *a.DaysAfterInitiation <= 0 {
				return errInvalidArgument("'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer", "DaysAfterInitiation", "")
			}
			if ruleHasTags(r) {
				return ErrInvalidRequest("AbortIncompleteMultipartUpload cannot be specified with Tags.")
			}
		}
		if n := r.NoncurrentVersionExpiration; n != nil && (n.NoncurrentDays == nil || *n.NoncurrentDays <= 0) {
			return errInvalidArgument("'NoncurrentDays' in NoncurrentVersionExpiration action must be a positive integer", "NoncurrentDays", "")
		}
	}
	return nil
}

func ruleHasTags(r *LifecycleRule) bool {
	return r.Filter != nil && (r.Filter.Tag != nil || (r.Filter.And != nil && len(r.Filter.And.Tags) > 0))
}

// ruleMatches reports whether an enabled rule's filter selects an object.
func ruleMatches(r *LifecycleRule, key string, o *objectRecord) bool {
	if r.Status != "Enabled" {
		return false
	}
	prefix := r.Prefix
	var tags []Tag
	var gt, lt *int64
	if f := r.Filter; f != nil {
		prefix, gt, lt = f.Prefix, f.ObjectSizeGreaterThan, f.ObjectSizeLessThan
		if f.Tag != nil {
			tags = []Tag{*f.Tag}
		}
		if a := f.And; a != nil {
			prefix, tags, gt, lt = a.Prefix, a.Tags, a.ObjectSizeGreaterThan, a.ObjectSizeLessThan
		}
	}
	if !strings.HasPrefix(key, prefix) {
		return false
	}
	if o == nil {
		return true
	}
	if (gt != nil && o.Size <= *gt) || (lt != nil && o.Size >= *lt) {
		return false
	}
	for _, want := range tags {
		found := false
		for _, t := range o.Tags {
			if t == want {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// afterDays is AWS's lifecycle arithmetic: the creation time plus n days,
// rounded up to the next midnight UTC (created 15 Jan 10:30, 3 days:
// 19 Jan 00:00).
func afterDays(created time.Time, n int32) time.Time {
	t := created.UTC().Add(time.Duration(n) * day)
	if m := t.Truncate(day); !m.Equal(t) {
		return m.Add(day)
	}
	return t
}

// expiry is when the bucket's rules expire an object (zero: never), and
// the rule's id.
func expiry(b *bucketRecord, key string, o *objectRecord) (time.Time, string) {
	var at time.Time
	id := ""
	for i := range b.Lifecycle {
		r := &b.Lifecycle[i]
		if r.Expiration == nil || !ruleMatches(r, key, o) {
			continue
		}
		var t time.Time
		switch {
		case r.Expiration.Days != nil:
			t = afterDays(time.Unix(0, o.Modified), *r.Expiration.Days)
		case !r.Expiration.Date.IsZero():
			t = r.Expiration.Date.UTC()
		default:
			continue
		}
		if at.IsZero() || t.Before(at) {
			at, id = t, r.ID
		}
	}
	return at, id
}

// expirationHeader is x-amz-expiration for an object ("" when no rule
// expires it).
func expirationHeader(b *bucketRecord, key string, o *objectRecord) string {
	at, id := expiry(b, key, o)
	if at.IsZero() {
		return ""
	}
	return fmt.Sprintf(`expiry-date="%s", rule-id="%s"`, at.Format(http.TimeFormat), id)
}

// PutBucketLifecycleConfiguration replaces the bucket's lifecycle rules.
func (s *Service) PutBucketLifecycleConfiguration(ctx context.Context, in *PutBucketLifecycleConfigurationRequest) (*PutBucketLifecycleConfigurationOutput, error) {
	if in.LifecycleConfiguration == nil {
		return nil, protocol.Errorf("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
	}
	rules := in.LifecycleConfiguration.Rules
	if err := validLifecycle(rules); err != nil {
		return nil, err
	}
	for i := range rules {
		if rules[i].ID == "" {
			// AWS names unnamed rules with an opaque id.
			rules[i].ID = newUUID()
		}
	}
	err := s.changeBucket(ctx, in.Bucket, func(tx engine.Txn, b *bucketRecord) error {
		b.Lifecycle = rules
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Rules whose time has passed apply now, not at the next midnight.
	s.sweepSoon()
	return &PutBucketLifecycleConfigurationOutput{TransitionDefaultMinimumObjectSize: "all_storage_classes_128K"}, nil
}

// GetBucketLifecycleConfiguration returns the rules;
// NoSuchLifecycleConfiguration when there are none.
func (s *Service) GetBucketLifecycleConfiguration(ctx context.Context, in *GetBucketLifecycleConfigurationRequest) (*GetBucketLifecycleConfigurationOutput, error) {
	b, err := s.readBucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	if len(b.Lifecycle) == 0 {
		return nil, protocol.Errorf("NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist").With("BucketName", in.Bucket)
	}
	return &GetBucketLifecycleConfigurationOutput{Rules: b.Lifecycle, TransitionDefaultMinimumObjectSize: "all_storage_classes_128K"}, nil
}

// DeleteBucketLifecycle removes the bucket's lifecycle rules.
func (s *Service) DeleteBucketLifecycle(ctx context.Context, in *DeleteBucketLifecycleRequest) (*struct{}, error) {
	err := s.changeBucket(ctx, in.Bucket, func(tx engine.Txn, b *bucketRecord) error {
		b.Lifecycle = nil
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

// sweeper runs the lifecycle rules: at start, after a configuration
// changes, and at every midnight UTC of the clock (when every Days and
// Date expiry falls), so a fake or scaled clock drives it.
type sweeper struct {
	mu      sync.Mutex
	timer   clock.Timer
	stopped bool
	running sync.WaitGroup
	kick    chan struct{}
}

// Start starts the lifecycle sweeper.
func (s *Service) Start(ctx context.Context) error {
	s.sw.mu.Lock()
	s.sw.stopped = false
	s.sw.kick = make(chan struct{}, 1)
	s.sw.mu.Unlock()
	s.sw.running.Add(1)
	go s.sweepLoop()
	s.sweepSoon()
	return nil
}

// Stop stops the sweeper and waits for a sweep in progress.
func (s *Service) Stop() error {
	s.sw.mu.Lock()
	if s.sw.stopped || s.sw.kick == nil {
		s.sw.mu.Unlock()
		return nil
	}
	s.sw.stopped = true
	if s.sw.timer != nil {
		s.sw.timer.Stop()
	}
	close(s.sw.kick)
	s.sw.mu.Unlock()
	s.sw.running.Wait()
	return nil
}

// sweepSoon asks the sweeper for a pass (no-op when it is not running).
func (s *Service) sweepSoon() {
	s.sw.mu.Lock()
	defer s.sw.mu.Unlock()
	if s.sw.stopped || s.sw.kick == nil {
		return
	}
	select {
	case s.sw.kick <- struct{}{}:
	default:
	}
}

func (s *Service) sweepLoop() {
	defer s.sw.running.Done()
	for range s.sw.kick {
		if err := s.Sweep(context.Background()); err != nil {
			s.log.Error("s3: lifecycle sweep failed; next at midnight", "err", err)
		}
		s.sw.mu.Lock()
		if !s.sw.stopped {
			if s.sw.timer != nil {
				s.sw.timer.Stop()
			}
			now := s.clock.Now().UTC()
			next := now.Truncate(day).Add(day)
			s.sw.timer = s.clock.AfterFunc(next.Sub(now), s.sweepSoon)
		}
		s.sw.mu.Unlock()
	}
}

// sweepBatch bounds the objects one transaction expires.
const sweepBatch = 256

// Sweep applies every bucket's lifecycle rules once: objects whose expiry
// has come are deleted (each with its s3:LifecycleExpiration:Delete event,
// in the deleting transaction) and multipart uploads older than their
// rule's AbortIncompleteMultipartUpload are aborted.
func (s *Service) Sweep(ctx context.Context) error {
	var names []string
	err := s.eng.View(func(r engine.Reader) error {
		p := []byte(keyRoot + "b/")
		return r.Scan(p, engine.PrefixEnd(p), false, func(k, v []byte) (bool, error) {
			var b bucketRecord
			if json.Unmarshal(v, &b) == nil && len(b.Lifecycle) > 0 {
				names = append(names, string(k[len(p):]))
			}
			return true, nil
		})
	})
	if err != nil {
		return err
	}
	for _, name := range names {
		if err := s.sweepBucket(ctx, name); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) sweepBucket(ctx context.Context, name string) error {
	now := s.clock.Now()
	var b *bucketRecord
	var expired []string
	var uploads []uploadRecord
	err := s.eng.View(func(r engine.Reader) error {
		var err error
		if b, err = getBucketRecord(r, name); err != nil {
			return err
		}
		op := objectsPrefix(name)
		if err := r.Scan(op, engine.PrefixEnd(op), false, func(k, v []byte) (bool, error) {
			o, err := decodeObject(v)
			if err != nil {
				return true, nil
			}
			key := string(k[len(op):])
			if at, _ := expiry(b, key, o); !at.IsZero() && !now.Before(at) {
				expired = append(expired, key)
			}
			return true, nil
		}); err != nil {
			return err
		}
		up := uploadsPrefix(name)
		return r.Scan(up, engine.PrefixEnd(up), false, func(k, v []byte) (bool, error) {
			var u uploadRecord
			if json.Unmarshal(v, &u) == nil {
				if at, _ := abortDate(b, &u); !at.IsZero() && !now.Before(at) {
					uploads = append(uploads, u)
				}
			}
			return true, nil
		})
	})
	if err != nil {
		return nil // the bucket went away: nothing to sweep
	}
	for len(expired) > 0 {
		n := min(len(expired), sweepBatch)
		if err := s.expire(ctx, name, expired[:n], now); err != nil {
			return err
		}
		expired = expired[n:]
	}
	for _, u := range uploads {
		_, err := s.AbortMultipartUpload(protocol.WithCall(ctx, &protocol.Call{RequestID: newUUID(), Account: b.Account}),
			&AbortMultipartUploadRequest{Bucket: name, Key: u.Key, UploadId: u.UploadID})
		if err != nil && !isAWSError(err, "NoSuchUpload") {
			return err
		}
	}
	return nil
}

// expire deletes keys that the rules expire at now, checking each again
// inside the transaction (an overwrite in between restarts its clock).
func (s *Service) expire(ctx context.Context, name string, keys []string, now time.Time) error {
	call := &protocol.Call{RequestID: newUUID(), CallerARN: lifecyclePrincipal, UserID: lifecyclePrincipal}
	var blobs []string
	queued := false
	err := s.update(ctx, func(tx engine.Txn) error {
		blobs, queued = blobs[:0], false
		b, err := getBucketRecord(tx, name)
		if err != nil {
			return nil // deleted meanwhile
		}
		call.Account = b.Account
		for _, key := range keys {
			o, err := getObjectRecord(tx, name, key)
			if err != nil {
				return err
			}
			if o == nil {
				continue
			}
			if at, _ := expiry(b, key, o); at.IsZero() || now.Before(at) {
				continue
			}
			tx.Delete(objectKey(name, key))
			blobs = append(blobs, segmentBlobs(o)...)
			q, err := s.record(tx, call, b, "LifecycleExpiration:Delete", name, key, nil)
			if err != nil {
				return err
			}
			queued = queued || q
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.kick(queued)
	s.deleteBlobs(blobs)
	return nil
}

// lifecyclePrincipal is who lifecycle actions are by, in event records.
const lifecyclePrincipal = "s3.amazonaws.com"

// abortDate is when a rule aborts an incomplete multipart upload (zero:
// never), and the rule's id.
func abortDate(b *bucketRecord, u *uploadRecord) (time.Time, string) {
	var at time.Time
	id := ""
	for i := range b.Lifecycle {
		r := &b.Lifecycle[i]
		a := r.AbortIncompleteMultipartUpload
		if a == nil || a.DaysAfterInitiation == nil || !ruleMatches(r, u.Key, nil) {
			continue
		}
		t := afterDays(time.Unix(0, u.Initiated), *a.DaysAfterInitiation)
		if at.IsZero() || t.Before(at) {
			at, id = t, r.ID
		}
	}
	return at, id
}

func isAWSError(err error, code string) bool {
	pe, ok := err.(*protocol.Error)
	return ok && pe.Code == code
}
