package schedule

import (
	"testing"
	"time"
)

// FuzzParse feeds arbitrary expressions and instants to both parsers and
// checks what Next promises: a fire time strictly after its argument (or
// none), on a whole minute for cron, never past MaxYear for cron, matching
// the expression, and stable (asking again from just before a fire time
// gives the same fire time). The fuzzer's own time limit catches a Next
// that does not return.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"cron(0 16 * * ? *)", "cron(0/5 * * * ? *)", "cron(15 10 ? * 6L 2002-2005)", "cron(0 2 ? * SAT#3 *)",
		"cron(0 0 LW * ? *)", "cron(0 0 1W * ? *)", "cron(0 0 30 FEB ? *)", "cron(0 22-1 * * ? *)",
		"cron(0 0 ? * FRI-MON 2199)", "cron(*/7 */5 */9 */4 ? 2030/50)", "cron(30 2 * * ? *)",
		"rate(1 minute)", "rate(5 minutes)", "rate(1 day)", "at(2026-03-08T02:30:00)", "at(2026-11-01T01:30:00)",
		"cron(0 16 * * * *)", "rate(1 minutes)", "cron(61 * * * ? *)", "cron(0 0 ? * 3#1,6#3 *)",
	} {
		f.Add(s, int64(1767225600), int64(3600))
	}
	ny, err := LoadTimezone("America/New_York")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, expr string, unix int64, step int64) {
		after := time.Unix(unix%(1<<36), 0) // about ±2200 years around 1970
		rule, err := Parse(expr)
		if err == nil {
			check(t, rule, after)
			check(t, rule.Anchored(time.Unix(step%(1<<34), 0)), after)
		} else if err.Error() != "Parameter ScheduleExpression is not valid." {
			t.Fatalf("Parse(%q) message %q", expr, err)
		}
		for _, loc := range []*time.Location{time.UTC, ny} {
			s, err := ParseScheduler(expr, loc)
			if err == nil {
				check(t, s, after)
			} else if err.Error() != "Invalid Schedule Expression "+expr+"." {
				t.Fatalf("ParseScheduler(%q) message %q", expr, err)
			}
			if rule != nil && err != nil {
				t.Fatalf("%q: a valid rule expression is not a valid Scheduler expression: %v", expr, err)
			}
		}
	})
}

func check(t *testing.T, s *Schedule, after time.Time) {
	t.Helper()
	at := after
	for range 5 {
		next := s.Next(at)
		if next.IsZero() {
			return
		}
		if !next.After(at) {
			t.Fatalf("%s: Next(%s) = %s, not after", s, at, next)
		}
		if s.Kind() == Cron {
			l := next.In(s.Location())
			if l.Second() != 0 || l.Nanosecond() != 0 || l.Year() > MaxYear {
				t.Fatalf("%s: Next(%s) = %s", s, at, l)
			}
			if s.Location() == time.UTC && !minuteMatches(s.cron, next) {
				t.Fatalf("%s: Next(%s) = %s does not match", s, at, next)
			}
		}
		if again := s.Next(next.Add(-time.Nanosecond)); !again.Equal(next) {
			t.Fatalf("%s: Next(%s) = %s but Next(just before it) = %s", s, at, next, again)
		}
		at = next
	}
}
