package model

import "testing"

func TestQueryCompat(t *testing.T) {
	sqs := MustLoad("sqs").QueryCompat()
	if sqs == nil || sqs.Namespace == "" || QueryCompatOf("sqs") != sqs {
		t.Fatal("no compat facts for sqs")
	}
	for _, name := range []string{"QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue"} {
		shape, e, ok := sqs.Error(name)
		if !ok || shape != "QueueDoesNotExist" || e.Code != "AWS.SimpleQueueService.NonExistentQueue" || e.Status != 400 {
			t.Errorf("%s: %s %+v %v", name, shape, e, ok)
		}
	}
	if _, _, ok := sqs.Error("InternalFailure"); ok {
		t.Error("InternalFailure has no compat code")
	}
	var none *API
	if none.QueryCompat() != nil || MustLoad("logs").QueryCompat() != nil {
		t.Error("compat facts for a model without them")
	}
	if _, _, ok := none.QueryCompat().Error("QueueDoesNotExist"); ok {
		t.Error("nil compat found an error")
	}
}
