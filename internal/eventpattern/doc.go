// Package eventpattern compiles EventBridge event patterns and matches
// events against them, with the semantics of AWS's open-source matcher
// (aws/event-ruler) and the error texts EventBridge returns.
//
// # Patterns
//
// A pattern is a JSON object whose structure follows the events it
// matches. Every leaf is an array of alternatives (OR); a field matches when
// any of the event's values there matches any alternative, and a pattern
// matches when every field does (AND). "$or": [{...}, {...}, ...] (at least
// two objects) at any level matches when the object's other fields and at
// least one alternative match. The alternatives are
//
//	"text", 12.5, true, false, null       exact values ("" matches the empty string)
//	{"prefix": "p"}   {"prefix": {"equals-ignore-case": "p"}}
//	{"suffix": "s"}   {"suffix": {"equals-ignore-case": "s"}}
//	{"equals-ignore-case": "v"}
//	{"wildcard": "a*b"}                   * is any run of characters; \* and \\ escape
//	{"anything-but": "v" | 12 | ["v", ...] | [1, 2, ...]}
//	{"anything-but": {"prefix" | "suffix" | "wildcard" | "equals-ignore-case": "v" | ["v", ...]}}
//	{"numeric": [">", 0, "<=", 5]}        one bound (=, <, <=, >, >=) or a lower and an upper one
//	{"exists": true | false}
//	{"cidr": "10.0.0.0/24"}               IPv4 or IPv6
//
// # Events
//
// Event values are looked up along the pattern's path. Arrays in the event
// are flattened: a leaf matches if any element does, and a nested pattern
// object matches an array of objects if one element matches all of its
// fields (fields are never combined across elements, as event-ruler's
// array consistency requires). Only scalars (strings, numbers, booleans,
// null) are values: an object or an empty array where the pattern expects a
// leaf is no value at all, so {"exists": false} matches it and
// {"exists": true} does not. anything-but needs a value and matches every
// value that is not excluded, including null and values of another type.
// Numbers compare as float64 (300 equals 3.0e2); strings never equal
// numbers.
//
// # Errors and cost
//
// Compile returns *Error, whose message is EventBridge's "Event pattern is
// not valid. Reason: ..." with event-ruler's reasons. Compile does all
// parsing once (wildcards are split into segments, CIDRs parsed, numbers
// converted); Match does no allocation beyond decoding the event, and
// MatchDecoded none at all, so one decoded event can be tested against
// many patterns cheaply. Wildcard matching is linear in the value (no
// backtracking).
//
// Not implemented: event-ruler's wildcard complexity limit ("Rule is too
// complex ..."), which AWS applies to patterns with many wildcards; hako
// accepts such patterns (its matcher does not backtrack, so they cost no
// more to run).
package eventpattern
