package lambda

import (
	"context"
	"errors"
	"testing"
	"time"

	"hako/internal/service"
)

func TestSettleDelay(t *testing.T) {
	f := newFixture(t, WithSettleDelay(2*time.Second))
	if _, err := f.s.CreateFunction(f.ctx, f.createReq("fn", pyZip(t, "x = 1\n"))); err != nil {
		t.Fatal(err)
	}
	f.clk.Advance(time.Second)
	if st := f.record(t, "fn").State; st != "Pending" {
		t.Errorf("after 1s: %s", st)
	}
	f.clk.Advance(time.Second)
	if st := f.record(t, "fn").State; st != "Active" {
		t.Errorf("after 2s: %s", st)
	}
}

// A stop (or crash) before the transition: the next Start finishes it,
// including deleting the code an update replaced.
func TestStartResumesTransitions(t *testing.T) {
	f := newFixture(t)
	f.create(t, "updated")
	if _, err := f.s.CreateFunction(f.ctx, f.createReq("created", pyZip(t, "x = 1\n"))); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.UpdateFunctionCode(f.ctx, &UpdateFunctionCodeRequest{FunctionName: "updated", ZipFile: pyZip(t, "x = 2\n")}); err != nil {
		t.Fatal(err)
	}
	if err := f.s.Stop(); err != nil {
		t.Fatal(err)
	}
	f.clk.Advance(time.Minute)
	if f.record(t, "created").State != "Pending" || f.record(t, "updated").LastUpdateStatus != "InProgress" {
		t.Fatal("a stopped service settled")
	}
	if n := f.eng.blobs.count(); n != 3 {
		t.Errorf("%d blobs", n)
	}
	// After Stop nothing new is scheduled either.
	f.s.schedule(scope{account: testAccount, region: testRegion}, "created", f.record(t, "created").Pending)
	f.clk.Advance(0)
	if f.record(t, "created").State != "Pending" {
		t.Fatal("scheduled after Stop")
	}

	s2 := New(service.Env{Engine: f.eng, Clock: f.clk}, f.inv)
	defer s2.Stop()
	if err := s2.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	f.clk.Advance(0)
	if f.record(t, "created").State != "Active" || f.record(t, "updated").LastUpdateStatus != "Successful" {
		t.Error("Start did not resume the transitions")
	}
	if n := f.eng.blobs.count(); n != 2 {
		t.Errorf("%d blobs after resuming: the replaced code was not deleted", n)
	}
}

func TestPrepare(t *testing.T) {
	f := newFixture(t)
	prep := &preparingInvoker{fakeInvoker: f.inv}
	f.s.inv = prep
	zipFile := pyZip(t, "x = 1\n")
	hexSum, _ := sha(zipFile)
	if _, err := f.s.CreateFunction(f.ctx, f.createReq("fn", zipFile)); err != nil {
		t.Fatal(err)
	}
	if len(prep.prepared) != 0 {
		t.Error("prepared inside the request")
	}
	f.clk.Advance(0)
	if len(prep.prepared) != 1 || prep.prepared[0] != "fn@"+hexSum {
		t.Errorf("prepared %v", prep.prepared)
	}

	prep.err = errors.New("disk full")
	if _, err := f.s.CreateFunction(f.ctx, f.createReq("broken", zipFile)); err != nil {
		t.Fatal(err)
	}
	f.clk.Advance(0)
	rec := f.record(t, "broken")
	if rec.State != "Failed" || rec.StateReasonCode != "InternalError" || rec.StateReason != "disk full" || rec.LastUpdateStatus != "Failed" {
		t.Errorf("failed prepare: %+v", rec)
	}
	_, err := f.s.Invoke(f.ctx, &InvocationRequest{FunctionName: "broken"})
	wantErr(t, err, "ResourceConflictException", 409, "The operation cannot be performed at this time. The function is currently in the following state: Failed")

	// A failed update can be retried.
	if _, err := f.s.UpdateFunctionCode(f.ctx, &UpdateFunctionCodeRequest{FunctionName: "fn", ZipFile: pyZip(t, "x = 2\n")}); err != nil {
		t.Fatal(err)
	}
	f.clk.Advance(0)
	if rec := f.record(t, "fn"); rec.LastUpdateStatus != "Failed" || rec.State != "Active" {
		t.Errorf("failed update: %+v", rec)
	}
	prep.err = nil
	for _, name := range []string{"fn", "broken"} {
		if _, err := f.s.UpdateFunctionCode(f.ctx, &UpdateFunctionCodeRequest{FunctionName: name, ZipFile: pyZip(t, "x = 3\n")}); err != nil {
			t.Fatal(err)
		}
		f.clk.Advance(0)
		if rec := f.record(t, name); rec.LastUpdateStatus != "Successful" || rec.State != "Active" || rec.StateReason != "" {
			t.Errorf("%s after a working update: %s / %s %q", name, rec.State, rec.LastUpdateStatus, rec.StateReason)
		}
	}
}
