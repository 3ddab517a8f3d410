package schedule

import (
	"errors"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"
)

func utc(s string) time.Time {
	t, err := time.Parse("2006-01-02T15:04", s)
	if err != nil {
		panic(err)
	}
	return t
}

// Next-fire tables. The expressions are AWS's documented examples (the
// EventBridge user guide's cron table) and one case per cron feature; the
// expected times were worked out from a calendar, not from this code.
func TestCronNext(t *testing.T) {
	cases := []struct {
		expr  string
		after string
		want  []string // "" means no further fire time
	}{
		// AWS's examples.
		{"cron(0 10 * * ? *)", "2026-01-01T00:00", []string{"2026-01-01T10:00", "2026-01-02T10:00", "2026-01-03T10:00"}},
		{"cron(15 12 * * ? *)", "2026-01-01T00:00", []string{"2026-01-01T12:15", "2026-01-02T12:15", "2026-01-03T12:15"}},
		{"cron(0 18 ? * MON-FRI *)", "2026-01-01T00:00", []string{"2026-01-01T18:00", "2026-01-02T18:00", "2026-01-05T18:00"}},
		{"cron(0 8 1 * ? *)", "2026-01-01T00:00", []string{"2026-01-01T08:00", "2026-02-01T08:00", "2026-03-01T08:00"}},
		{"cron(0/15 * * * ? *)", "2026-01-01T00:00", []string{"2026-01-01T00:15", "2026-01-01T00:30", "2026-01-01T00:45"}},
		{"cron(0/10 * ? * MON-FRI *)", "2026-01-03T00:00", []string{"2026-01-05T00:00", "2026-01-05T00:10", "2026-01-05T00:20"}},
		{"cron(0/5 8-17 ? * MON-FRI *)", "2026-01-02T17:50", []string{"2026-01-02T17:55", "2026-01-05T08:00", "2026-01-05T08:05"}},
		{"cron(0/30 20-23 ? * MON-FRI *)", "2026-01-01T23:45", []string{"2026-01-02T20:00", "2026-01-02T20:30", "2026-01-02T21:00"}},
		{"cron(0/30 0-2 ? * MON-FRI *)", "2026-01-02T02:30", []string{"2026-01-05T00:00", "2026-01-05T00:30", "2026-01-05T01:00"}},
		{"cron(0 2 ? * SAT *)", "2026-01-01T00:00", []string{"2026-01-03T02:00", "2026-01-10T02:00", "2026-01-17T02:00"}},
		{"cron(5,35 14 * * ? *)", "2026-01-01T14:05", []string{"2026-01-01T14:35", "2026-01-02T14:05", "2026-01-02T14:35"}},
		{"cron(15 10 ? * 6L 2002-2005)", "2002-01-01T00:00", []string{"2002-01-25T10:15", "2002-02-22T10:15", "2002-03-29T10:15"}},
		{"cron(15 10 ? * 6L 2002-2005)", "2026-01-01T00:00", []string{""}},
		{"cron(0 2 ? * SAT#3 *)", "2026-01-01T00:00", []string{"2026-01-17T02:00", "2026-02-21T02:00", "2026-03-21T02:00"}},
		{"cron(0/5 5 ? JAN 1-5 2022)", "2021-12-31T00:00", []string{"2022-01-02T05:00", "2022-01-02T05:05", "2022-01-02T05:10"}},
		// Seed 000's nightly job: 16:00 UTC is 01:00 JST.
		{"cron(0 16 * * ? *)", "2026-01-01T16:00", []string{"2026-01-02T16:00", "2026-01-03T16:00"}},
		// W, L, LW, #, L in day-of-week.
		{"cron(0 12 LW * ? *)", "2026-01-01T00:00", []string{"2026-01-30T12:00", "2026-02-27T12:00", "2026-03-31T12:00"}},
		{"cron(0 0 1W * ? *)", "2026-07-15T00:00", []string{"2026-08-03T00:00", "2026-09-01T00:00", "2026-10-01T00:00"}},
		{"cron(0 0 15W * ? *)", "2026-02-01T00:00", []string{"2026-02-16T00:00"}},                     // Sunday the 15th -> Monday
		{"cron(0 0 31W * ? *)", "2026-05-01T00:00", []string{"2026-05-29T00:00", "2026-07-31T00:00"}}, // Sunday the 31st -> Friday; June has no 31st
		{"cron(0 0 L * ? *)", "2028-01-15T00:00", []string{"2028-01-31T00:00", "2028-02-29T00:00", "2028-03-31T00:00"}},
		{"cron(0 0 ? * L *)", "2026-01-01T00:00", []string{"2026-01-03T00:00", "2026-01-10T00:00", "2026-01-17T00:00"}},
		{"cron(0 0 ? * 5#5 *)", "2026-01-01T00:00", []string{"2026-01-29T00:00", "2026-04-30T00:00", "2026-07-30T00:00"}},
		{"cron(0 0 ? * THU#1 *)", "2026-01-01T00:00", []string{"2026-02-05T00:00"}},
		// Leap years, month ends, names, lists, years, wrapping ranges.
		{"cron(0 0 29 2 ? *)", "2026-01-01T00:00", []string{"2028-02-29T00:00", "2032-02-29T00:00", "2036-02-29T00:00"}},
		{"cron(0 0 31 * ? *)", "2026-01-01T00:00", []string{"2026-01-31T00:00", "2026-03-31T00:00", "2026-05-31T00:00"}},
		{"cron(0 0 1 JAN,jul ? *)", "2026-01-01T00:00", []string{"2026-07-01T00:00", "2027-01-01T00:00", "2027-07-01T00:00"}},
		{"cron(0 0 1 1 ? 2199)", "2026-01-01T00:00", []string{"2199-01-01T00:00", ""}},
		{"cron(59 23 31 12 ? 2199)", "2199-12-31T23:58", []string{"2199-12-31T23:59", ""}},
		{"cron(0 22-1 * * ? *)", "2026-01-01T00:00", []string{"2026-01-01T01:00", "2026-01-01T22:00", "2026-01-01T23:00"}},
		{"cron(0 0 ? * FRI-MON *)", "2026-01-01T00:00", []string{"2026-01-02T00:00", "2026-01-03T00:00", "2026-01-04T00:00", "2026-01-05T00:00", "2026-01-09T00:00"}},
		{"cron(0 0 1 */5 ? *)", "2026-01-01T00:00", []string{"2026-06-01T00:00", "2026-11-01T00:00", "2027-01-01T00:00"}},
		{"cron(1-31/30 1-1 ? * 1,7 *)", "2026-01-01T00:00", []string{"2026-01-03T01:01", "2026-01-03T01:31", "2026-01-04T01:01"}},
		{"cron(0 0 1 1 ? 2030/50)", "2026-01-01T00:00", []string{"2030-01-01T00:00", "2080-01-01T00:00", "2130-01-01T00:00", "2180-01-01T00:00", ""}},
		// Never fires.
		{"cron(0 0 30 FEB ? *)", "2026-01-01T00:00", []string{""}},
		{"cron(0 0 ? FEB 2#5 2026)", "2026-01-01T00:00", []string{""}},
	}
	for _, c := range cases {
		s, err := Parse(c.expr)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.expr, err)
			continue
		}
		at := utc(c.after)
		for i, w := range c.want {
			got := s.Next(at)
			if w == "" {
				if !got.IsZero() {
					t.Errorf("%s: fire %d after %s = %s, want none", c.expr, i, at, got)
				}
				break
			}
			if !got.Equal(utc(w)) {
				t.Errorf("%s: fire %d after %s = %s, want %s", c.expr, i, at, got, w)
				break
			}
			at = got
		}
	}
}

func TestRuleRate(t *testing.T) {
	created := utc("2026-01-01T10:03")
	for _, c := range []struct {
		expr string
		want time.Duration
	}{
		{"rate(1 minute)", time.Minute},
		{"rate(5 minutes)", 5 * time.Minute},
		{"rate(1 hour)", time.Hour},
		{"rate(12 hours)", 12 * time.Hour},
		{"rate(1 day)", 24 * time.Hour},
		{"rate(7 days)", 7 * 24 * time.Hour},
	} {
		s, err := Parse(c.expr)
		if err != nil {
			t.Fatalf("Parse(%q): %v", c.expr, err)
		}
		if s.Kind() != Rate || s.Rate() != c.want {
			t.Fatalf("%s: kind %v rate %v", c.expr, s.Kind(), s.Rate())
		}
		a := s.Anchored(created)
		if got := a.Next(created); !got.Equal(created.Add(c.want)) {
			t.Errorf("%s: first tick %s, want %s", c.expr, got, created.Add(c.want))
		}
		// From the middle of a period, the next tick stays on the grid.
		mid := created.Add(c.want*3 + c.want/2)
		if got := a.Next(mid); !got.Equal(created.Add(4 * c.want)) {
			t.Errorf("%s: Next(mid) %s, want %s", c.expr, got, created.Add(4*c.want))
		}
		if got := a.Next(created.Add(-time.Hour)); !got.Equal(created) {
			t.Errorf("%s: before the anchor Next = %s, want the anchor", c.expr, got)
		}
	}
}

// The refusals AWS answers with "Parameter ScheduleExpression is not valid."
// (issue 7's list and expressions recorded against AWS), plus malformed
// fields.
func TestParseRuleInvalid(t *testing.T) {
	for _, expr := range []string{
		"cron(0 16 * * * *)", "cron(7 20 * * 1-7 *)", "cron(0 1 * * * *)", "cron(7 20 * * NOT *)",
		"cron(INVALID)", "cron(0 dummy ? * MON-FRI *)", "cron(71 8 1 * ? *)", "cron(61 * * * ? *)",
		"cron(*/60 * * * ? *)", "cron()", "cron(0 0 ? * ? *)", "cron(0 0 1 * 1 *)", "cron(0 0 * * ? 1969)",
		"cron(0 0 * * ? 2200)", "cron(0 24 * * ? *)", "cron(0 0 0 * ? *)", "cron(0 0 32 * ? *)",
		"cron(0 0 1 13 ? *)", "cron(0 0 ? * 8 *)", "cron(0 0 ? * 0 *)", "cron(0 0 ? * 3#1,6#3 *)",
		"cron(0 0 ? * 3#6 *)", "cron(0 0 ? * */2 *)", "cron(0 0 1W,15 * ? *)", "cron(0 0 L,15 * ? *)",
		"cron(0 0 ? * MON,5L *)", "cron(0 0 * * ? * *)", "cron(0 0 * * ?)", "cron(0/0 * * * ? *)",
		"cron(-1 * * * ? *)", "cron(1- * * * ? *)", "cron(0 0 1,,2 * ? *)", "cron( 0 0 * * ? *)",
		"cron(0 0 * * ? * )", "cron(*/5 * * * ? *", "CRON(0 0 * * ? *)", "cron(0 0 32W * ? *)", "cron(0 0 0W * ? *)",
		"rate(1 minutes)", "rate(5 hour)", "rate(10 seconds)", "rate(10 years)", "rate(1 hours)", "rate(1 days)",
		"rate(10 minute)", "rate(10 hour)", "rate(10 day)", "rate()", "rate(10)", "rate(10 minutess)",
		"rate(foo minutes)", "rate(0 minutes)", "rate(-10 minutes)", "rate(10 MINUTES)", "rate( 10 minutes )",
		" rate(10 minutes)", "rate(+5 minutes)", "rate(5  minutes)", "rate(99999999999999999999 minutes)",
		"rate(9999999999999 days)", "at(2026-01-01T00:00:00)", "", "()", "cron", "every(5 minutes)",
	} {
		s, err := Parse(expr)
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("Parse(%q) = %v, %v; want *Error", expr, s, err)
			continue
		}
		if err.Error() != "Parameter ScheduleExpression is not valid." || e.Reason == "" {
			t.Errorf("Parse(%q): message %q reason %q", expr, err.Error(), e.Reason)
		}
	}
}

func TestParseValid(t *testing.T) {
	for _, expr := range []string{
		// AWS's examples and expressions recorded as accepted by AWS.
		"cron(0 2 ? * SAT *)", "cron(0 12 * * ? *)", "cron(5,35 14 * * ? *)", "cron(15 10 ? * 6L 2002-2005)",
		"cron(0 2 ? * SAT#3 *)", "cron(* * ? * SAT#3 *)", "cron(0/5 5 ? JAN 1-5 2022)", "cron(0 10 * * ? *)",
		"cron(0-15/1 8-8 ? * 2,3,4,5,6,7 *)", "cron(30-30 13-13 ? * 2,4,6 *)", "cron(1-31/30 1-1 ? * 1,7 *)",
		"cron(*/15 * * * ? *)", "cron(0-59/10 0-23/2 ? * * *)", "cron(0 9 ? * 2#1 *)", "cron(0 0 LW * ? *)",
		"cron(0/59 * * * ? *)", "cron(0 0 ? * L *)", "rate(1 minute)", "rate(5 minutes)", "rate(1 hour)",
		"rate(1 day)", "rate(365 days)",
	} {
		if _, err := Parse(expr); err != nil {
			t.Errorf("Parse(%q): %v", expr, err)
		}
		if _, err := ParseScheduler(expr, nil); err != nil {
			t.Errorf("ParseScheduler(%q): %v", expr, err)
		}
	}
}

// Scheduler's message names the expression (as recorded against AWS).
func TestParseSchedulerInvalid(t *testing.T) {
	for _, expr := range []string{
		"cron(0 1 * * * *)", "cron(7 20 * * NOT *)", "cron(INVALID)", "cron(0 dummy ? * MON-FRI *)",
		"cron(71 8 1 * ? *)", "cron()", "rate(10 seconds)", "rate(10 years)", "rate()", "rate(10)",
		"rate(10 minutess)", "rate(foo minutes)", "rate(-10 minutes)", "rate( 10 minutes )", " rate(10 minutes)",
		"at(2021-12-31T23:59:59Z)", "at(2021-12-31)", "at(2026-02-30T00:00:00)", "at(2026-1-01T00:00:00)",
		"at(2026-01-01 00:00:00)", "at(2026-01-01T24:00:00)", "at()", "rate(0 minutes)",
	} {
		_, err := ParseScheduler(expr, nil)
		if err == nil || err.Error() != "Invalid Schedule Expression "+expr+"." {
			t.Errorf("ParseScheduler(%q) = %v", expr, err)
		}
	}
	for _, expr := range []string{"rate(1 minutes)", "rate(5 minute)", "at(2022-12-31T23:59:59)"} {
		if _, err := ParseScheduler(expr, nil); err != nil {
			t.Errorf("ParseScheduler(%q): %v", expr, err)
		}
	}
}

func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := LoadTimezone(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// Seed 000's rule and a Scheduler schedule at 01:00 Asia/Tokyo fire at the
// same instants.
func TestTokyoMatchesUTCRule(t *testing.T) {
	rule, err := Parse("cron(0 16 * * ? *)")
	if err != nil {
		t.Fatal(err)
	}
	sched, err := ParseScheduler("cron(0 1 * * ? *)", zone(t, "Asia/Tokyo"))
	if err != nil {
		t.Fatal(err)
	}
	a, b := utc("2026-03-01T05:00"), utc("2026-03-01T05:00")
	for range 400 {
		a, b = rule.Next(a), sched.Next(b)
		if !a.Equal(b) || a.Hour() != 16 {
			t.Fatalf("rule %s, schedule %s", a, b)
		}
	}
}

// America/New_York in 2026: clocks spring forward on March 8 (02:00 ->
// 03:00) and fall back on November 1 (02:00 -> 01:00). AWS: a wall time that
// does not exist is skipped, one that happens twice runs once, and rate days
// are 24 hours.
func TestNewYorkDST(t *testing.T) {
	ny := zone(t, "America/New_York")
	next := func(expr string, after time.Time, n int) []string {
		s, err := ParseScheduler(expr, ny)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for range n {
			after = s.Next(after)
			out = append(out, after.UTC().Format("2006-01-02T15:04"))
		}
		return out
	}
	check := func(name string, got []string, want ...string) {
		t.Helper()
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s: got %v, want %v", name, got, want)
		}
	}
	// 02:30 does not exist on March 8: skipped. EST is UTC-5, EDT UTC-4.
	check("spring 02:30", next("cron(30 2 * * ? *)", utc("2026-03-07T00:00"), 3),
		"2026-03-07T07:30", "2026-03-09T06:30", "2026-03-10T06:30")
	// 03:00 exists on March 8 (it is the first minute of EDT).
	check("spring 03:00", next("cron(0 3 * * ? *)", utc("2026-03-07T00:00"), 3),
		"2026-03-07T08:00", "2026-03-08T07:00", "2026-03-09T07:00")
	// 01:30 happens twice on November 1: it fires once, at the first.
	check("fall 01:30", next("cron(30 1 * * ? *)", utc("2026-10-31T00:00"), 3),
		"2026-10-31T05:30", "2026-11-01T05:30", "2026-11-02T06:30")
	// Every 30 minutes across the fall-back hour: 01:00 and 01:30 once each.
	check("fall every 30", next("cron(0/30 * * * ? *)", utc("2026-11-01T04:30"), 4),
		"2026-11-01T05:00", "2026-11-01T05:30", "2026-11-01T07:00", "2026-11-01T07:30")
	// Every 30 minutes across the spring-forward gap: 02:00 and 02:30 skipped.
	check("spring every 30", next("cron(0/30 * * * ? *)", utc("2026-03-08T05:30"), 3),
		"2026-03-08T06:00", "2026-03-08T06:30", "2026-03-08T07:00")
	// rate(1 day) is 24 hours: 09:00 EST becomes 10:00 EDT.
	s, err := ParseScheduler("rate(1 day)", ny)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 3, 7, 9, 0, 0, 0, ny)
	got := s.Anchored(start).Next(start)
	if got.Sub(start) != 24*time.Hour || got.In(ny).Hour() != 10 {
		t.Errorf("rate(1 day) across spring-forward: %s", got.In(ny))
	}
	// at() at a wall time that does not exist never fires; one that happens
	// twice fires at its first occurrence.
	gap, err := ParseScheduler("at(2026-03-08T02:30:00)", ny)
	if err != nil {
		t.Fatal(err)
	}
	if got := gap.Next(utc("2026-01-01T00:00")); !got.IsZero() {
		t.Errorf("at() in the gap fires at %s", got)
	}
	twice, err := ParseScheduler("at(2026-11-01T01:30:00)", ny)
	if err != nil {
		t.Fatal(err)
	}
	if got := twice.Next(utc("2026-01-01T00:00")); !got.Equal(utc("2026-11-01T05:30")) {
		t.Errorf("at() in the repeated hour fires at %s", got.UTC())
	}
	if got := twice.Next(utc("2026-11-01T05:30")); !got.IsZero() {
		t.Errorf("at() fires again at %s", got.UTC())
	}
}

func TestAtUTC(t *testing.T) {
	s, err := ParseScheduler("at(2026-05-01T12:34:56)", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2026, 5, 1, 12, 34, 56, 0, time.UTC)
	if got := s.Next(utc("2026-05-01T12:34")); !got.Equal(want) {
		t.Errorf("Next = %s", got)
	}
	if got := s.Next(want); !got.IsZero() {
		t.Errorf("Next after the time = %s", got)
	}
}

func TestLoadTimezone(t *testing.T) {
	for _, bad := range []string{"Local", "Mars/Olympus", "../etc/passwd"} {
		if _, err := LoadTimezone(bad); err == nil {
			t.Errorf("LoadTimezone(%q) accepted", bad)
		}
	}
}

// dayMatches is an independent, slow statement of the day fields' meaning,
// used to check Next against a minute-by-minute scan.
func dayMatches(c *cronSpec, t time.Time) bool {
	y, m, d := t.Date()
	n := daysIn(y, m)
	wd := t.Weekday()
	if !c.domAny {
		switch {
		case c.domLast:
			return d == n
		case c.domW != 0:
			target := c.domW
			if target == 32 {
				target = n
			}
			if target > n {
				return false
			}
			// The weekday of the month closest to target.
			best := 0
			for cand := 1; cand <= n; cand++ {
				w := time.Date(y, m, cand, 0, 0, 0, 0, time.UTC).Weekday()
				if w == time.Saturday || w == time.Sunday {
					continue
				}
				if best == 0 || abs(cand-target) < abs(best-target) {
					best = cand
				}
			}
			return d == best
		}
		return c.dom&(1<<d) != 0
	}
	switch {
	case c.dowLast != 0:
		return int(wd) == c.dowLast-1 && d+7 > n
	case c.dowNth[0] != 0:
		return int(wd) == c.dowNth[0]-1 && (d-1)/7+1 == c.dowNth[1]
	}
	return c.dow&(1<<wd) != 0
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func minuteMatches(c *cronSpec, t time.Time) bool {
	return c.minutes&(1<<t.Minute()) != 0 && c.hours&(1<<t.Hour()) != 0 &&
		c.months&(1<<t.Month()) != 0 && c.year(t.Year()) && dayMatches(c, t)
}

// randomCron builds a random valid-looking expression from the grammar.
func randomCron(r *rand.Rand) string {
	pick := func(opts ...string) string { return opts[r.IntN(len(opts))] }
	num := func(lo, hi int) string { return strconv.Itoa(lo + r.IntN(hi-lo+1)) }
	minute := pick("*", num(0, 59), num(0, 59)+"-"+num(0, 59), "*/"+num(1, 59), num(0, 59)+"/"+num(1, 30), num(0, 59)+","+num(0, 59))
	hour := pick("*", num(0, 23), num(0, 23)+"-"+num(0, 23), "*/"+num(1, 23), num(0, 23)+","+num(0, 23))
	month := pick("*", num(1, 12), num(1, 12)+"-"+num(1, 12), "*/"+num(1, 12), pick("JAN", "FEB", "dec"))
	year := pick("*", "*", num(2026, 2030), "2026-"+num(2026, 2199))
	var dom, dow string
	if r.IntN(2) == 0 {
		dom, dow = pick("*", num(1, 31), num(1, 31)+"-"+num(1, 31), "*/"+num(1, 31), "L", "LW", num(1, 31)+"W"), "?"
	} else {
		dom, dow = "?", pick("*", num(1, 7), num(1, 7)+"-"+num(1, 7), "L", num(1, 7)+"L", num(1, 7)+"#"+num(1, 5), pick("MON", "sat")+"#"+num(1, 5))
	}
	return "cron(" + strings.Join([]string{minute, hour, dom, month, dow, year}, " ") + ")"
}

// Next agrees with a minute-by-minute scan over random expressions and
// random three-day windows.
func TestCronNextAgainstScan(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 300; i++ {
		expr := randomCron(r)
		s, err := Parse(expr)
		if err != nil {
			t.Fatalf("Parse(%q): %v", expr, err)
		}
		after := time.Date(2026+r.IntN(4), time.Month(1+r.IntN(12)), 1+r.IntN(28), r.IntN(24), r.IntN(60), r.IntN(60), 0, time.UTC)
		got := s.Next(after)
		want := time.Time{}
		end := after.Add(72 * time.Hour)
		for m := after.Truncate(time.Minute).Add(time.Minute); m.Before(end); m = m.Add(time.Minute) {
			if minuteMatches(s.cron, m) {
				want = m
				break
			}
		}
		if want.IsZero() {
			if !got.IsZero() && got.Before(end) {
				t.Errorf("%s after %s: Next = %s, scan found nothing before %s", expr, after, got, end)
			}
			if !got.IsZero() && !minuteMatches(s.cron, got) {
				t.Errorf("%s after %s: Next = %s does not match", expr, after, got)
			}
			continue
		}
		if !got.Equal(want) {
			t.Errorf("%s after %s: Next = %s, scan = %s", expr, after, got, want)
		}
	}
}

func BenchmarkNext(b *testing.B) {
	for _, expr := range []string{"cron(0/5 * * * ? *)", "cron(0 16 * * ? *)", "cron(0 0 30 FEB ? *)", "cron(0 0 ? * 6L 2199)"} {
		s, err := Parse(expr)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(expr, func(b *testing.B) {
			at := utc("2026-01-01T00:00")
			for b.Loop() {
				s.Next(at)
			}
		})
	}
}
