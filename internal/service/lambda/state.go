package lambda

import (
	"context"
	"io"
	"time"

	"hako/internal/engine"
	"hako/internal/runtime"
)

// The state machine, as AWS runs it:
//
//	CreateFunction        -> State Pending (Creating)      -> Active
//	Update* (code/config) -> LastUpdateStatus InProgress   -> Successful
//
// An API call writes the record in its first state with a fresh Pending
// token and schedules settle on the service clock (settleDelay, default 0:
// right after the response, so `aws lambda wait function-active-v2` and
// `function-updated-v2` see the final state on their first poll). settle
// does the slow part outside the request (the Invoker's Prepare, when it
// has one), then writes the final state in one transaction, only if the
// record still carries the same token: a deleted or re-updated function
// is left alone. Like every change on AWS, the transition gives the
// function a new RevisionId. Tokens are durable, so Start resumes
// transitions a stop or crash interrupted.

// schedule runs settle for (sc, name, token) after settleDelay on the
// service clock. After Stop nothing is scheduled; Start picks it up.
func (s *Service) schedule(sc scope, name, token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return
	}
	s.wg.Add(1)
	s.nextID++
	id := s.nextID
	s.timers[id] = s.clock.AfterFunc(s.settleDelay, func() {
		defer s.wg.Done()
		s.mu.Lock()
		delete(s.timers, id)
		stopped := s.stopped
		s.mu.Unlock()
		if stopped {
			return
		}
		if err := s.settle(context.Background(), sc, name, token); err != nil {
			s.log.Error("cannot settle function state", "account", sc.account, "region", sc.region, "function", name, "err", err)
		}
	})
}

// settleTimeout bounds the Invoker's Prepare step.
const settleTimeout = 5 * time.Minute

// settle finishes the transition that token stands for. It is idempotent:
// once the record no longer carries token (settled, superseded, deleted)
// it does nothing. Invoke calls it too, so an invoke right after a create
// or update never sees a half-made function.
func (s *Service) settle(ctx context.Context, sc scope, name, token string) error {
	rec, err := getFunction(s.eng, sc, name)
	if err != nil || rec == nil || rec.Pending != token {
		return err
	}
	var prepErr error
	if p, ok := s.inv.(Preparer); ok {
		pctx, cancel := context.WithTimeout(ctx, settleTimeout)
		prepErr = p.Prepare(pctx, s.runtimeFunction(sc, rec))
		cancel()
		if prepErr != nil {
			s.log.Warn("cannot prepare function", "account", sc.account, "region", sc.region, "function", name, "err", prepErr)
		}
	}
	var done *functionRecord
	err = s.update(ctx, func(tx engine.Txn) error {
		done = nil
		cur, err := getFunction(tx, sc, name)
		if err != nil || cur == nil || cur.Pending != token {
			return err
		}
		finish(cur, prepErr)
		putFunction(tx, sc, cur)
		done = cur
		return nil
	})
	if err != nil || done == nil {
		return err
	}
	if rec.PendingUpdate && s.inv != nil {
		// Sandboxes of the previous revision drain and stop; only then
		// is the code they may still read deleted.
		s.inv.Evict(functionARN(sc, name), "$LATEST")
	}
	s.deleteBlobs(rec.Garbage...)
	return nil
}

// finish writes the final state of a transition into rec.
func finish(rec *functionRecord, prepErr error) {
	// A create decides the state; so does an update of a function whose
	// create failed (it becomes Active once an update works).
	if !rec.PendingUpdate || rec.State == "Failed" {
		rec.State, rec.StateReason, rec.StateReasonCode = "Active", "", ""
		if prepErr != nil {
			rec.State, rec.StateReason, rec.StateReasonCode = "Failed", prepErr.Error(), "InternalError"
		}
	}
	rec.LastUpdateStatus, rec.LastUpdateStatusReason, rec.LastUpdateStatusReasonCode = "Successful", "", ""
	if prepErr != nil {
		rec.LastUpdateStatus, rec.LastUpdateStatusReason, rec.LastUpdateStatusReasonCode = "Failed", prepErr.Error(), "InternalError"
	}
	rec.RevisionID = newUUID()
	rec.Pending, rec.PendingUpdate, rec.Garbage = "", false, nil
}

// runtimeFunction is what the runtime needs to run $LATEST of rec.
func (s *Service) runtimeFunction(sc scope, rec *functionRecord) *runtime.Function {
	blobID := rec.Code.Blob
	blobs := s.eng.Blobs()
	fn := &runtime.Function{
		Account:    sc.account,
		Region:     sc.region,
		Name:       rec.Name,
		Version:    versionName(rec),
		ARN:        functionARN(sc, rec.Name),
		RevisionID: rec.ConfigRev,
		Runtime:    rec.Runtime,
		Handler:    rec.Handler,
		Code: runtime.Code{
			Sha256: rec.Code.Sha256,
			// The returned engine.Blob is also an io.Closer: the reader
			// should close it when done.
			Open: func() (io.ReaderAt, int64, error) {
				b, err := blobs.Open(blobID)
				if err != nil {
					return nil, 0, err
				}
				return b, b.Size(), nil
			},
		},
		Layers:             s.runtimeLayers(rec.Layers),
		Environment:        rec.Environment,
		MemoryMB:           int(rec.MemorySize),
		Timeout:            time.Duration(rec.Timeout) * time.Second,
		EphemeralStorageMB: int(rec.EphemeralStorage),
		Role:               rec.Role,
		LogGroup:           loggingOf(rec).LogGroup,
	}
	if rec.Reserved != nil {
		fn.ReservedConcurrency = ptr(int(*rec.Reserved))
	}
	return fn
}
