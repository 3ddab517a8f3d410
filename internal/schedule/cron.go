package schedule

import (
	"math/bits"
	"strconv"
	"strings"
	"time"
)

// cronSpec is a parsed cron expression: one bit set per allowed value.
type cronSpec struct {
	minutes uint64 // bit m, 0-59
	hours   uint32 // bit h, 0-23
	months  uint16 // bit m, 1-12
	years   [4]uint64

	// Day of month; used when domAny is false.
	domAny  bool   // `?`
	dom     uint32 // bit d, 1-31
	domLast bool   // L
	domW    int    // nW: the weekday nearest day n (1-31); 32 means LW

	// Day of week; used when dowAny is false.
	dowAny  bool  // `?`
	dow     uint8 // bit wd, time.Weekday (0 = Sunday)
	dowLast int   // nL: last weekday n (1-7) of the month; 0 unused
	dowNth  [2]int
}

type field struct {
	name     string
	min, max int
	names    []string // names[i] is the value min+i
}

var (
	fMinute = field{name: "minutes", min: 0, max: 59}
	fHour   = field{name: "hours", min: 0, max: 23}
	fDOM    = field{name: "day-of-month", min: 1, max: 31}
	fMonth  = field{name: "month", min: 1, max: 12, names: []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}}
	fDOW    = field{name: "day-of-week", min: 1, max: 7, names: []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}}
	fYear   = field{name: "year", min: MinYear, max: MaxYear}
)

func parseCron(body string) (*cronSpec, string) {
	if body != strings.TrimSpace(body) {
		return nil, "space inside the parentheses"
	}
	fs := strings.Fields(body)
	if len(fs) != 6 {
		return nil, "cron needs 6 fields, got " + strconv.Itoa(len(fs))
	}
	c := &cronSpec{}
	var reason string
	var bits []int
	if bits, reason = fMinute.parse(fs[0], true); reason != "" {
		return nil, reason
	}
	for _, b := range bits {
		c.minutes |= 1 << b
	}
	if bits, reason = fHour.parse(fs[1], true); reason != "" {
		return nil, reason
	}
	for _, b := range bits {
		c.hours |= 1 << b
	}
	if bits, reason = fMonth.parse(fs[3], true); reason != "" {
		return nil, reason
	}
	for _, b := range bits {
		c.months |= 1 << b
	}
	if bits, reason = fYear.parse(fs[5], true); reason != "" {
		return nil, reason
	}
	for _, b := range bits {
		i := b - MinYear
		c.years[i/64] |= 1 << (i % 64)
	}
	dom, dow := fs[2], fs[4]
	if (dom == "?") == (dow == "?") {
		return nil, "exactly one of day-of-month and day-of-week must be ?"
	}
	if dom == "?" {
		c.domAny = true
		if reason = c.parseDOW(dow); reason != "" {
			return nil, reason
		}
	} else {
		c.dowAny = true
		if reason = c.parseDOM(dom); reason != "" {
			return nil, reason
		}
	}
	return c, ""
}

func (c *cronSpec) parseDOM(s string) string {
	switch {
	case s == "L":
		c.domLast = true
		return ""
	case s == "LW":
		c.domW = 32
		return ""
	case strings.HasSuffix(s, "W"):
		n, ok := number(s[:len(s)-1])
		if !ok || n < 1 || n > 31 {
			return "bad day-of-month " + strconv.Quote(s)
		}
		c.domW = n
		return ""
	}
	bits, reason := fDOM.parse(s, true)
	for _, b := range bits {
		c.dom |= 1 << b
	}
	return reason
}

func (c *cronSpec) parseDOW(s string) string {
	up := strings.ToUpper(s)
	if up == "L" {
		c.dow = 1 << time.Saturday
		return ""
	}
	if strings.HasSuffix(up, "L") {
		n, ok := fDOW.value(up[:len(up)-1])
		if !ok {
			return "bad day-of-week " + strconv.Quote(s)
		}
		c.dowLast = n
		return ""
	}
	if day, nth, ok := strings.Cut(up, "#"); ok {
		n, ok1 := fDOW.value(day)
		k, ok2 := number(nth)
		if !ok1 || !ok2 || k < 1 || k > 5 {
			return "bad day-of-week " + strconv.Quote(s) + " (# takes one day and an instance 1-5)"
		}
		c.dowNth = [2]int{n, k}
		return ""
	}
	bits, reason := fDOW.parse(s, false)
	for _, b := range bits {
		c.dow |= 1 << (b - 1)
	}
	return reason
}

// parse reads a list of values, ranges, `*` and increments and returns the
// values it allows.
func (f field) parse(s string, steps bool) ([]int, string) {
	if s == "" {
		return nil, "empty " + f.name
	}
	seen := make([]bool, f.max-f.min+1)
	for item := range strings.SplitSeq(s, ",") {
		rng, stepStr, hasStep := strings.Cut(item, "/")
		step := 1
		if hasStep {
			if !steps {
				return nil, "no increments in " + f.name
			}
			n, ok := number(stepStr)
			if !ok || n < 1 || n > f.max {
				return nil, "bad increment in " + f.name + ": " + strconv.Quote(item)
			}
			step = n
		}
		var lo, hi int
		switch {
		case rng == "*":
			lo, hi = f.min, f.max
		case strings.Contains(rng, "-"):
			a, b, _ := strings.Cut(rng, "-")
			var ok1, ok2 bool
			lo, ok1 = f.value(a)
			hi, ok2 = f.value(b)
			if !ok1 || !ok2 {
				return nil, "bad range in " + f.name + ": " + strconv.Quote(item)
			}
		default:
			var ok bool
			if lo, ok = f.value(rng); !ok {
				return nil, "bad value in " + f.name + ": " + strconv.Quote(item)
			}
			hi = lo
			if hasStep { // a/n: from a to the end of the field
				hi = f.max
			}
		}
		// A range whose end is before its start wraps past the field's end.
		span := hi - lo
		if span < 0 {
			span += f.max - f.min + 1
		}
		for i := 0; i <= span; i += step {
			v := lo + i
			if v > f.max {
				v -= f.max - f.min + 1
			}
			seen[v-f.min] = true
		}
	}
	var out []int
	for i, ok := range seen {
		if ok {
			out = append(out, f.min+i)
		}
	}
	return out, ""
}

// value reads one value of the field: a number or, where the field has
// names, a name.
func (f field) value(s string) (int, bool) {
	for i, n := range f.names {
		if strings.EqualFold(s, n) {
			return f.min + i, true
		}
	}
	n, ok := number(s)
	if !ok || n < f.min || n > f.max {
		return 0, false
	}
	return n, true
}

// number reads a short unsigned decimal; anything else (signs, spaces,
// more than 4 digits) is not one.
func number(s string) (int, bool) {
	if s == "" || len(s) > 4 {
		return 0, false
	}
	n := 0
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, false
		}
		n = n*10 + int(r-'0')
	}
	return n, true
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// days returns the days of month m of year y the day fields allow, one bit
// per day (bit 1 is the 1st).
func (c *cronSpec) days(y int, m time.Month) uint32 {
	n := daysIn(y, m)
	all := uint32(1)<<(n+1) - 2
	if !c.domAny {
		switch {
		case c.domLast:
			return 1 << n
		case c.domW != 0:
			d := c.domW
			if d == 32 {
				d = n
			}
			if d > n {
				return 0 // no such day this month
			}
			switch time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Weekday() {
			case time.Saturday:
				if d == 1 {
					d += 2 // Monday the 3rd: W never leaves the month
				} else {
					d--
				}
			case time.Sunday:
				if d == n {
					d -= 2 // Friday: W never leaves the month
				} else {
					d++
				}
			}
			return 1 << d
		}
		return c.dom & all
	}
	first := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC).Weekday()
	switch {
	case c.dowLast != 0:
		wd := time.Weekday(c.dowLast - 1)
		lastWd := (int(first) + n - 1) % 7
		d := n - (lastWd-int(wd)+7)%7
		return 1 << d
	case c.dowNth[0] != 0:
		wd := time.Weekday(c.dowNth[0] - 1)
		d := 1 + (int(wd)-int(first)+7)%7 + 7*(c.dowNth[1]-1)
		if d > n {
			return 0
		}
		return 1 << d
	}
	var out uint32
	for d := 1; d <= n; d++ {
		if c.dow&(1<<((int(first)+d-1)%7)) != 0 {
			out |= 1 << d
		}
	}
	return out
}

func (c *cronSpec) year(y int) bool {
	if y < MinYear || y > MaxYear {
		return false
	}
	i := y - MinYear
	return c.years[i/64]&(1<<(i%64)) != 0
}

// next is the first minute strictly after `after` that the spec allows, as
// a wall time in loc, or zero. It walks years, months and days in loc,
// skipping whole years and months that cannot match, so its cost is bounded
// by the 230 years a cron year field can name.
func (c *cronSpec) next(after time.Time, loc *time.Location) time.Time {
	a := after.In(loc)
	y, m, d := a.Date()
	if y < MinYear {
		y, m, d = MinYear, time.January, 1
	}
	first := true // only the day holding `after` can have times not after it
	for ; y <= MaxYear; y, m, d = y+1, time.January, 1 {
		if !c.year(y) {
			first = false
			continue
		}
		for ; m <= time.December; m, d = m+1, 1 {
			if c.months&(1<<m) == 0 {
				first = false
				continue
			}
			days := c.days(y, m)
			for ; d <= 31; d++ {
				if days&(1<<d) == 0 {
					first = false
					continue
				}
				if t, ok := c.inDay(y, m, d, after, loc, first); ok {
					return t
				}
				first = false
			}
		}
	}
	return time.Time{}
}

// inDay returns the first allowed minute of day y-m-d (in loc) after
// `after`. Wall times that do not exist are skipped; earliest-occurrence
// resolution keeps instants increasing with wall time within the day.
func (c *cronSpec) inDay(y int, m time.Month, d int, after time.Time, loc *time.Location, first bool) (time.Time, bool) {
	lastMin := 63 - bits.LeadingZeros64(c.minutes)
	for h := 0; h < 24; h++ {
		if c.hours&(1<<h) == 0 {
			continue
		}
		if first {
			// Skip the hour when even its last allowed minute is not after `after`.
			if t, ok := resolve(y, m, d, h, lastMin, 0, loc); ok && !t.After(after) {
				continue
			}
		}
		for mi := 0; mi < 60; mi++ {
			if c.minutes&(1<<mi) == 0 {
				continue
			}
			t, ok := resolve(y, m, d, h, mi, 0, loc)
			if ok && t.After(after) {
				return t, true
			}
		}
	}
	return time.Time{}, false
}
