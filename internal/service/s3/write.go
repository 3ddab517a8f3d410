package s3

import (
	"context"
	"fmt"
	"strings"

	"hako/internal/engine"
	"hako/internal/protocol"
)

// putObject is one object write: the record to store at bucket/key once
// its blobs are committed, the condition it is made under, and the event
// it causes.
type putObject struct {
	bucket, key string
	rec         *objectRecord
	// cond checks the current object (nil when none) inside the
	// transaction: conditional writes (If-None-Match, If-Match).
	cond func(old *objectRecord) error
	// event is the notification's name (ObjectCreated:Put, ...).
	event string
	// extra runs inside the transaction too (CompleteMultipartUpload
	// deletes its upload there).
	extra func(tx engine.Txn) error
}

// commitObject stores an object record whose blobs are already committed,
// in one engine transaction with the bucket check, the condition and the
// event (so no partial object is ever visible and an acknowledged write
// never loses its event). The blobs of the object it replaces are deleted
// after the transaction commits; on failure the new blobs are. It returns
// x-amz-expiration for the new object ("" when no lifecycle rule expires
// it), as PutObject and CopyObject answer it.
func (s *Service) commitObject(ctx context.Context, w putObject) (string, error) {
	call := protocol.CallFrom(ctx)
	var old *objectRecord
	queued := false
	expiration := ""
	err := s.update(ctx, func(tx engine.Txn) error {
		b, err := bucket(tx, ctx, w.bucket)
		if err != nil {
			return err
		}
		if old, err = getObjectRecord(tx, w.bucket, w.key); err != nil {
			return err
		}
		if w.cond != nil {
			if err := w.cond(old); err != nil {
				return err
			}
		}
		if w.extra != nil {
			if err := w.extra(tx); err != nil {
				return err
			}
		}
		tx.Set(objectKey(w.bucket, w.key), encodeObject(w.rec))
		expiration = expirationHeader(b, w.key, w.rec)
		queued, err = s.record(tx, call, b, w.event, w.bucket, w.key, w.rec)
		return err
	})
	if err != nil {
		s.deleteBlobs(segmentBlobs(w.rec))
		return "", err
	}
	s.kick(queued)
	s.deleteBlobs(segmentBlobs(old))
	return expiration, nil
}

// kick wakes the event bus after a commit that enqueued notifications.
func (s *Service) kick(queued bool) {
	if queued && s.bus != nil {
		s.bus.Kick()
	}
}

// record hands an object event to the observer and enqueues the bucket's
// notifications for it, inside tx; it reports whether anything was
// enqueued (the caller kicks the bus after commit).
func (s *Service) record(tx engine.Txn, call *protocol.Call, b *bucketRecord, name, bucket, key string, rec *objectRecord) (bool, error) {
	if s.notify == nil && b.Notification == nil {
		return false, nil
	}
	now := s.clock.Now().UnixNano()
	// Sequencers only grow, also when the clock stands still (a fixed
	// clock, two writes in one tick).
	seq := now
	for {
		last := s.lastSeq.Load()
		if seq <= last {
			seq = last + 1
		}
		if s.lastSeq.CompareAndSwap(last, seq) {
			break
		}
	}
	ev := Event{
		Name: name, Bucket: bucket, Key: key, Account: b.Account, Region: b.Region,
		RequestID: call.RequestID, Caller: call.CallerARN, UserID: call.UserID,
		CallerAccount: call.Account, SourceIP: call.SourceIP, Time: now,
		Sequencer: fmt.Sprintf("%018X", seq),
	}
	if call.AccessKeyID == "" && call.CallerARN == "" {
		ev.CallerAccount = ""
	}
	if rec != nil {
		ev.Size = rec.Size
		ev.ETag = strings.Trim(rec.ETag, `"`)
	}
	if s.notify != nil {
		if err := s.notify(tx, ev); err != nil {
			return false, err
		}
	}
	return s.deliver(tx, b, &ev)
}
