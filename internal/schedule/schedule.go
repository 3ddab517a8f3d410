package schedule

import (
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // IANA zones for ScheduleExpressionTimezone even on hosts without zoneinfo
)

// Kind is the form of an expression.
type Kind int

const (
	Cron Kind = iota + 1
	Rate
	At
)

func (k Kind) String() string {
	switch k {
	case Cron:
		return "cron"
	case Rate:
		return "rate"
	case At:
		return "at"
	}
	return "unknown"
}

// Years outside [MinYear, MaxYear] are not valid in a cron year field and
// no cron schedule fires after MaxYear.
const (
	MinYear = 1970
	MaxYear = 2199
)

// Schedule is a parsed expression. It is immutable; Anchored returns a copy.
type Schedule struct {
	kind   Kind
	expr   string
	loc    *time.Location
	cron   *cronSpec
	every  time.Duration // Rate
	at     time.Time     // At: the instant, zero when the wall time does not exist
	anchor time.Time     // Rate: the first fire time; zero means the Unix epoch
}

// Error is an invalid expression. Its message is the one AWS returns.
type Error struct {
	Expr      string
	Scheduler bool   // the expression was given to EventBridge Scheduler
	Reason    string // what is wrong, for logs; not part of AWS's message
}

func (e *Error) Error() string {
	if e.Scheduler {
		return "Invalid Schedule Expression " + e.Expr + "."
	}
	return "Parameter ScheduleExpression is not valid."
}

// Parse parses an EventBridge rule's ScheduleExpression: cron(...) or
// rate(...), evaluated in UTC.
func Parse(expr string) (*Schedule, error) {
	s, reason := parse(expr, false, time.UTC)
	if reason != "" {
		return nil, &Error{Expr: expr, Reason: reason}
	}
	return s, nil
}

// ParseScheduler parses an EventBridge Scheduler ScheduleExpression:
// cron(...), rate(...) or at(...), evaluated in loc (UTC when nil).
func ParseScheduler(expr string, loc *time.Location) (*Schedule, error) {
	if loc == nil {
		loc = time.UTC
	}
	s, reason := parse(expr, true, loc)
	if reason != "" {
		return nil, &Error{Expr: expr, Scheduler: true, Reason: reason}
	}
	return s, nil
}

// LoadTimezone resolves a ScheduleExpressionTimezone: an IANA zone name
// ("Asia/Tokyo", "UTC"). Empty means UTC. The host's local zone is not a
// name AWS knows, so "Local" is refused.
func LoadTimezone(name string) (*time.Location, error) {
	if name == "" {
		return time.UTC, nil
	}
	if name == "Local" {
		return nil, &time.ParseError{Value: name, Message: "unknown time zone " + name}
	}
	return time.LoadLocation(name)
}

func parse(expr string, scheduler bool, loc *time.Location) (*Schedule, string) {
	open := strings.IndexByte(expr, '(')
	if open < 0 || !strings.HasSuffix(expr, ")") {
		return nil, "not of the form cron(...), rate(...)" + map[bool]string{true: " or at(...)"}[scheduler]
	}
	body := expr[open+1 : len(expr)-1]
	s := &Schedule{expr: expr, loc: loc}
	var reason string
	switch expr[:open] {
	case "cron":
		s.kind = Cron
		s.cron, reason = parseCron(body)
	case "rate":
		s.kind = Rate
		s.every, reason = parseRate(body, scheduler)
	case "at":
		if !scheduler {
			return nil, "at() is an EventBridge Scheduler expression"
		}
		s.kind = At
		s.at, reason = parseAt(body, loc)
	default:
		return nil, "unknown expression type " + strconv.Quote(expr[:open])
	}
	if reason != "" {
		return nil, reason
	}
	return s, ""
}

var rateUnits = map[string]time.Duration{
	"minute": time.Minute, "minutes": time.Minute,
	"hour": time.Hour, "hours": time.Hour,
	"day": 24 * time.Hour, "days": 24 * time.Hour,
}

func parseRate(body string, scheduler bool) (time.Duration, string) {
	num, unit, ok := strings.Cut(body, " ")
	if !ok {
		return 0, "rate needs a value and a unit"
	}
	if num == "" || strings.TrimLeft(num, "0123456789") != "" {
		return 0, "rate value " + strconv.Quote(num) + " is not a positive integer"
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 1 {
		return 0, "rate value " + strconv.Quote(num) + " is not a positive integer"
	}
	d, ok := rateUnits[unit]
	if !ok {
		return 0, "rate unit " + strconv.Quote(unit) + " is not minute(s), hour(s) or day(s)"
	}
	if !scheduler && (n == 1) == strings.HasSuffix(unit, "s") {
		return 0, "rate unit must be singular for 1 and plural otherwise"
	}
	if n > int64(maxDuration/d) {
		return 0, "rate is too long"
	}
	return time.Duration(n) * d, ""
}

const maxDuration = time.Duration(1<<63 - 1)

func parseAt(body string, loc *time.Location) (time.Time, string) {
	// yyyy-mm-ddThh:mm:ss exactly: time.Parse's fixed-width layout elements
	// refuse short fields, and it checks the day against the month.
	if len(body) != len("2006-01-02T15:04:05") {
		return time.Time{}, "at() needs yyyy-mm-ddThh:mm:ss"
	}
	w, err := time.Parse("2006-01-02T15:04:05", body)
	if err != nil {
		return time.Time{}, "at(): " + err.Error()
	}
	t, _ := resolve(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), loc)
	return t, ""
}

// Kind is the expression's form.
func (s *Schedule) Kind() Kind { return s.kind }

// String is the expression as given.
func (s *Schedule) String() string { return s.expr }

// Location is the zone the expression is evaluated in.
func (s *Schedule) Location() *time.Location { return s.loc }

// Rate is the period of a rate schedule, zero for the other kinds.
func (s *Schedule) Rate() time.Duration { return s.every }

// Anchored returns a copy of s whose rate ticks are counted from anchor
// (anchor, anchor+r, ...). Cron and at() schedules ignore the anchor.
func (s *Schedule) Anchored(anchor time.Time) *Schedule {
	c := *s
	c.anchor = anchor
	return &c
}

// Next returns the first fire time strictly after `after`, or the zero time
// when the schedule never fires again.
func (s *Schedule) Next(after time.Time) time.Time {
	switch s.kind {
	case Cron:
		return s.cron.next(after, s.loc)
	case Rate:
		anchor := s.anchor
		if anchor.IsZero() {
			anchor = time.Unix(0, 0)
		}
		if after.Before(anchor) {
			return anchor
		}
		since := after.Sub(anchor) // saturates at maxDuration
		if since == maxDuration {
			return time.Time{}
		}
		k := since/s.every + 1
		if k > maxDuration/s.every {
			return time.Time{}
		}
		return anchor.Add(k * s.every)
	case At:
		if !s.at.IsZero() && s.at.After(after) {
			return s.at
		}
	}
	return time.Time{}
}

// resolve turns a wall time in loc into an instant. ok is false when the
// wall time does not exist (skipped by a spring-forward transition); a wall
// time that exists twice (fall-back) resolves to its first occurrence.
func resolve(y int, mo time.Month, d, h, mi, sec int, loc *time.Location) (t time.Time, ok bool) {
	if loc == time.UTC {
		return time.Date(y, mo, d, h, mi, sec, 0, time.UTC), true
	}
	wall := time.Date(y, mo, d, h, mi, sec, 0, time.UTC)
	// The offsets in force a day either side of the wall time cover every
	// real zone (transitions are months apart); try each and keep the
	// earliest instant whose local reading is the wall time.
	var best time.Time
	for _, probe := range [...]time.Time{wall.Add(-24 * time.Hour), wall, wall.Add(24 * time.Hour)} {
		_, off := probe.In(loc).Zone()
		c := wall.Add(-time.Duration(off) * time.Second)
		l := c.In(loc)
		if l.Year() != y || l.Month() != mo || l.Day() != d || l.Hour() != h || l.Minute() != mi || l.Second() != sec {
			continue
		}
		if best.IsZero() || c.Before(best) {
			best = c
		}
	}
	if best.IsZero() {
		return time.Time{}, false
	}
	return best.In(loc), true
}
