package s3

import (
	"strings"
	"testing"
	"time"
)

func putLifecycle(s *Service, bucket string, rules ...LifecycleRule) error {
	_, err := s.PutBucketLifecycleConfiguration(bg, &PutBucketLifecycleConfigurationRequest{Bucket: bucket,
		LifecycleConfiguration: &BucketLifecycleConfiguration{Rules: rules}})
	return err
}

func exists(t *testing.T, s *Service, bucket, key string) bool {
	t.Helper()
	_, err := s.HeadObject(bg, &HeadObjectRequest{Bucket: bucket, Key: key})
	if err == nil {
		return true
	}
	if code(t, err) != "NoSuchKey" {
		t.Fatal(err)
	}
	return false
}

func TestAfterDays(t *testing.T) {
	for _, tc := range []struct {
		created string
		days    int32
		want    string
	}{
		// AWS's documented example: 15 Jan 10:30 + 3 days -> 19 Jan 00:00.
		{"2014-01-15T10:30:00Z", 3, "2014-01-19T00:00:00Z"},
		{"2026-01-02T03:04:05Z", 1, "2026-01-04T00:00:00Z"},
		{"2026-01-02T00:00:00Z", 1, "2026-01-03T00:00:00Z"},
		{"2026-12-31T23:59:59.999Z", 1, "2027-01-02T00:00:00Z"},
	} {
		c, _ := time.Parse(time.RFC3339, tc.created)
		if got := afterDays(c, tc.days).Format(time.RFC3339); got != tc.want {
			t.Errorf("afterDays(%s, %d) = %s, want %s", tc.created, tc.days, got, tc.want)
		}
	}
}

// Seed 001's rule: files under a user's prefix are deleted one day after
// upload, at the midnight UTC that follows (fake clock), each with its
// s3:LifecycleExpiration:Delete event; other prefixes stay.
func TestLifecycleExpiresAfterMidnight(t *testing.T) {
	s, clk, events := newTest(t)
	mustBucket(t, s, "downloads")
	put(t, s, "downloads", "user-1/export.zip", "zip bytes") // 2026-01-02T03:04:05Z
	put(t, s, "downloads", "keep/readme.txt", "stay")
	if err := putLifecycle(s, "downloads", LifecycleRule{ID: "expire-downloads", Status: "Enabled",
		Filter: &LifecycleRuleFilter{Prefix: "user-"}, Expiration: &LifecycleExpiration{Days: ptr(int32(1))}}); err != nil {
		t.Fatal(err)
	}
	h, err := s.HeadObject(bg, &HeadObjectRequest{Bucket: "downloads", Key: "user-1/export.zip"})
	if err != nil {
		t.Fatal(err)
	}
	if want := `expiry-date="Sun, 04 Jan 2026 00:00:00 GMT", rule-id="expire-downloads"`; h.Expiration != want {
		t.Errorf("x-amz-expiration = %q, want %q", h.Expiration, want)
	}
	if h, _ := s.HeadObject(bg, &HeadObjectRequest{Bucket: "downloads", Key: "keep/readme.txt"}); h.Expiration != "" {
		t.Errorf("uncovered object has x-amz-expiration %q", h.Expiration)
	}
	// PutObject and CopyObject answer x-amz-expiration too, for the new
	// object (written now: two days after the first).
	clk.AdvanceTo(time.Date(2026, 1, 3, 10, 0, 0, 0, time.UTC))
	wantNew := `expiry-date="Mon, 05 Jan 2026 00:00:00 GMT", rule-id="expire-downloads"`
	if p := put(t, s, "downloads", "user-2/new.zip", "new"); p.Expiration != wantNew {
		t.Errorf("PutObject x-amz-expiration = %q, want %q", p.Expiration, wantNew)
	}
	if p := put(t, s, "downloads", "keep/other.txt", "x"); p.Expiration != "" {
		t.Errorf("uncovered PutObject x-amz-expiration = %q", p.Expiration)
	}
	c, err := s.CopyObject(bg, &CopyObjectRequest{Bucket: "downloads", Key: "user-3/copy.zip", CopySource: "downloads/keep/other.txt"})
	if err != nil || c.Expiration != wantNew {
		t.Errorf("CopyObject x-amz-expiration = %+v %v", c, err)
	}
	for _, k := range []string{"user-2/new.zip", "keep/other.txt", "user-3/copy.zip"} {
		if _, err := s.DeleteObject(bg, &DeleteObjectRequest{Bucket: "downloads", Key: k}); err != nil {
			t.Fatal(err)
		}
	}
	*events = nil
	clk.AdvanceTo(time.Date(2026, 1, 3, 23, 59, 59, 0, time.UTC))
	if err := s.Sweep(bg); err != nil {
		t.Fatal(err)
	}
	if !exists(t, s, "downloads", "user-1/export.zip") {
		t.Fatal("expired before the midnight after one day")
	}
	clk.AdvanceTo(time.Date(2026, 1, 4, 0, 0, 0, 0, time.UTC))
	if err := s.Sweep(bg); err != nil {
		t.Fatal(err)
	}
	if exists(t, s, "downloads", "user-1/export.zip") || !exists(t, s, "downloads", "keep/readme.txt") {
		t.Fatal("sweep at midnight: wrong objects left")
	}
	if len(*events) != 1 || (*events)[0].Name != "LifecycleExpiration:Delete" || (*events)[0].Key != "user-1/export.zip" {
		t.Errorf("events %+v", *events)
	}
}

// The sweeper started with the service runs on the clock by itself.
func TestLifecycleSweeperOnClock(t *testing.T) {
	s, clk, _ := newTest(t)
	if err := s.Start(bg); err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	mustBucket(t, s, "bkt")
	put(t, s, "bkt", "old", "x")
	if err := putLifecycle(s, "bkt", LifecycleRule{Status: "Enabled", Filter: &LifecycleRuleFilter{}, Expiration: &LifecycleExpiration{Days: ptr(int32(2))}}); err != nil {
		t.Fatal(err)
	}
	// Let the pass the configuration asked for finish and arm its timer.
	time.Sleep(50 * time.Millisecond)
	clk.Advance(72 * time.Hour)
	deadline := time.Now().Add(5 * time.Second)
	for exists(t, s, "bkt", "old") {
		if time.Now().After(deadline) {
			t.Fatal("the sweeper did not expire the object when the clock passed its midnight")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestLifecycleFilters(t *testing.T) {
	s, clk, _ := newTest(t)
	mustBucket(t, s, "bkt")
	put(t, s, "bkt", "small", "x")
	put(t, s, "bkt", "large", strings.Repeat("x", 100))
	put(t, s, "bkt", "tagged", "x")
	put(t, s, "bkt", "logs/a", "x")
	if _, err := s.PutObjectTagging(bg, &PutObjectTaggingRequest{Bucket: "bkt", Key: "tagged", ContentMD5: "x", Tagging: &Tagging{TagSet: []Tag{{Key: "temp", Value: "yes"}}}}); err != nil {
		t.Fatal(err)
	}
	date := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	err := putLifecycle(s, "bkt",
		LifecycleRule{ID: "big", Status: "Enabled", Filter: &LifecycleRuleFilter{ObjectSizeGreaterThan: ptr(int64(50))}, Expiration: &LifecycleExpiration{Days: ptr(int32(1))}},
		LifecycleRule{ID: "tag", Status: "Enabled", Filter: &LifecycleRuleFilter{Tag: &Tag{Key: "temp", Value: "yes"}}, Expiration: &LifecycleExpiration{Days: ptr(int32(1))}},
		LifecycleRule{ID: "logs", Status: "Enabled", Prefix: "logs/", Expiration: &LifecycleExpiration{Date: date}},
		LifecycleRule{ID: "off", Status: "Disabled", Filter: &LifecycleRuleFilter{}, Expiration: &LifecycleExpiration{Days: ptr(int32(1))}},
	)
	if err != nil {
		t.Fatal(err)
	}
	clk.AdvanceTo(time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC))
	s.Sweep(bg)
	for key, want := range map[string]bool{"small": true, "large": false, "tagged": false, "logs/a": true} {
		if exists(t, s, "bkt", key) != want {
			t.Errorf("%s exists = %v after the day rules", key, !want)
		}
	}
	clk.AdvanceTo(date)
	s.Sweep(bg)
	if exists(t, s, "bkt", "logs/a") || !exists(t, s, "bkt", "small") {
		t.Error("date rule")
	}
}

func TestLifecycleAbortsMultipart(t *testing.T) {
	s, clk, _ := newTest(t)
	mustBucket(t, s, "bkt")
	up, err := s.CreateMultipartUpload(bg, &CreateMultipartUploadRequest{Bucket: "bkt", Key: "big"})
	if err != nil {
		t.Fatal(err)
	}
	if err := putLifecycle(s, "bkt", LifecycleRule{ID: "abort", Status: "Enabled", Filter: &LifecycleRuleFilter{},
		AbortIncompleteMultipartUpload: &AbortIncompleteMultipartUpload{DaysAfterInitiation: ptr(int32(7))}}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(7 * day) // 7 days after 03:04: not yet the midnight after
	s.Sweep(bg)
	if _, err := s.ListParts(bg, &ListPartsRequest{Bucket: "bkt", Key: "big", UploadId: up.UploadId}); err != nil {
		t.Fatalf("aborted too early: %v", err)
	}
	clk.Advance(day)
	s.Sweep(bg)
	if _, err := s.ListParts(bg, &ListPartsRequest{Bucket: "bkt", Key: "big", UploadId: up.UploadId}); code(t, err) != "NoSuchUpload" {
		t.Fatalf("not aborted: %v", err)
	}
}

func TestLifecycleValidation(t *testing.T) {
	s, _, _ := newTest(t)
	mustBucket(t, s, "bkt")
	days := func(n int32) *LifecycleExpiration { return &LifecycleExpiration{Days: ptr(n)} }
	for _, tc := range []struct {
		name  string
		rules []LifecycleRule
		code  string
	}{
		{"no rules", nil, "MalformedXML"},
		{"zero days", []LifecycleRule{{Status: "Enabled", Filter: &LifecycleRuleFilter{}, Expiration: days(0)}}, "InvalidArgument"},
		{"no action", []LifecycleRule{{Status: "Enabled", Filter: &LifecycleRuleFilter{}}}, "InvalidRequest"},
		{"duplicate ids", []LifecycleRule{{ID: "a", Status: "Enabled", Expiration: days(1)}, {ID: "a", Status: "Enabled", Expiration: days(2)}}, "InvalidArgument"},
		{"date not midnight", []LifecycleRule{{Status: "Enabled", Expiration: &LifecycleExpiration{Date: time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)}}}, "InvalidArgument"},
		{"days and date", []LifecycleRule{{Status: "Enabled", Expiration: &LifecycleExpiration{Days: ptr(int32(1)), Date: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}}}, "MalformedXML"},
		{"prefix and filter", []LifecycleRule{{Status: "Enabled", Prefix: "a", Filter: &LifecycleRuleFilter{}, Expiration: days(1)}}, "MalformedXML"},
		{"abort with tags", []LifecycleRule{{Status: "Enabled", Filter: &LifecycleRuleFilter{Tag: &Tag{Key: "k", Value: "v"}}, AbortIncompleteMultipartUpload: &AbortIncompleteMultipartUpload{DaysAfterInitiation: ptr(int32(1))}}}, "InvalidRequest"},
		{"transition", []LifecycleRule{{Status: "Enabled", Transitions: []Transition{{Days: ptr(int32(30)), StorageClass: "GLACIER"}}}}, "NotImplemented"},
	} {
		if got := code(t, putLifecycle(s, "bkt", tc.rules...)); got != tc.code {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.code)
		}
	}
	if _, err := s.GetBucketLifecycleConfiguration(bg, &GetBucketLifecycleConfigurationRequest{Bucket: "bkt"}); code(t, err) != "NoSuchLifecycleConfiguration" {
		t.Errorf("refused configurations were stored: %v", err)
	}
	if err := putLifecycle(s, "bkt", LifecycleRule{Status: "Enabled", Filter: &LifecycleRuleFilter{}, Expiration: days(3)}); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetBucketLifecycleConfiguration(bg, &GetBucketLifecycleConfigurationRequest{Bucket: "bkt"})
	if err != nil || len(got.Rules) != 1 || got.Rules[0].ID == "" || *got.Rules[0].Expiration.Days != 3 {
		t.Fatalf("get: %+v %v", got, err)
	}
	if _, err := s.DeleteBucketLifecycle(bg, &DeleteBucketLifecycleRequest{Bucket: "bkt"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetBucketLifecycleConfiguration(bg, &GetBucketLifecycleConfigurationRequest{Bucket: "bkt"}); code(t, err) != "NoSuchLifecycleConfiguration" {
		t.Errorf("after delete: %v", err)
	}
}
