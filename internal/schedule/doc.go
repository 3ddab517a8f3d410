// Package schedule parses the schedule expressions of EventBridge rules and
// EventBridge Scheduler schedules and computes their fire times.
//
// # Expressions
//
// Parse reads a rule's ScheduleExpression, evaluated in UTC:
//
//	cron(minutes hours day-of-month month day-of-week year)
//	rate(value unit)
//
// ParseScheduler reads a schedule's ScheduleExpression, evaluated in the
// schedule's ScheduleExpressionTimezone; it also accepts the one-time
//
//	at(yyyy-mm-ddThh:mm:ss)
//
// Cron fields follow AWS's table: minutes 0-59, hours 0-23, day-of-month
// 1-31, month 1-12 or JAN-DEC, day-of-week 1-7 or SUN-SAT (1 is Sunday),
// year 1970-2199; `,` lists, `-` ranges (a range may wrap, FRI-MON or 22-2,
// as in Quartz, whose syntax AWS's is), `*`, and `/` increments (not in
// day-of-week, as AWS's table says; an increment may not exceed the field's
// largest value, so `*/60` in minutes is refused as AWS refuses it). Exactly
// one of the two day fields is `?`. Day-of-month also takes `L` (last day),
// `LW` (last weekday) and `nW` (the weekday nearest day n, never leaving the
// month); day-of-week takes `L` (Saturday, the last day of the week), `nL`
// (the last day n of the month) and `n#k` (the k-th day n of the month).
// These special forms stand alone in their field ("3#1,6#3" is refused, as
// AWS documents). Names are matched without regard to case.
//
// Rate values are positive integers; for rules the unit is singular exactly
// when the value is 1 (`rate(1 minute)`, `rate(5 minutes)`), as AWS enforces.
// EventBridge Scheduler's tested refusals (see the tests) do not include the
// singular/plural mismatches that rules refuse, so ParseScheduler accepts
// either form of the unit. Units are lower case in both.
//
// Invalid expressions give an *Error whose message is AWS's: "Parameter
// ScheduleExpression is not valid." for rules, "Invalid Schedule Expression
// EXPR." for Scheduler. Error.Reason says what is wrong, for logs.
//
// # Fire times
//
// Schedule.Next(after) is the first fire time strictly after `after`, or the
// zero time when there is none. A cron schedule fires at whole minutes; a
// cron field can never match past the year 2199, so the search is bounded
// (it skips whole years and months that cannot match and looks at most at
// 31 days of each month it visits), and Next returns in microseconds even
// for expressions that never fire, such as `cron(0 0 30 FEB ? *)`.
//
// In a time zone with daylight saving time (Scheduler only) cron fields are
// wall-clock times, as AWS documents: a wall time that does not exist on the
// day clocks spring forward is skipped, and a wall time that happens twice
// when clocks fall back fires once, at its first occurrence. Rates are fixed
// durations (a day is 24 hours) counted from the schedule's anchor: the fire
// times of a rate schedule anchored at A are A, A+r, A+2r, ... An at()
// schedule fires once, at that wall time in its zone (never if the wall time
// does not exist); Next returns zero once it has passed.
package schedule
