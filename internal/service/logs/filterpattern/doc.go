// Package filterpattern implements the CloudWatch Logs filter pattern language
// used by FilterLogEvents, metric filters, subscription filters and Live Tail
// ("Filter pattern syntax for metric filters, subscription filters, filter log
// events, and Live Tail" in the CloudWatch Logs user guide).
//
//	p, err := filterpattern.Parse(`{ $.level = "ERROR" && $.latency > 500 }`)
//	if err != nil { /* InvalidParameterException, err.Error() is the message */ }
//	if p.Match(event.Message) { ... }
//
// A pattern is one of four forms, chosen by its first non-blank character:
// '{' a JSON pattern, '[' a space-delimited pattern, '%' a regular expression,
// anything else a list of terms. A pattern that is empty or blank (ASCII
// whitespace only) matches every event. Patterns are at most MaxLength (1024)
// characters, as the API allows.
//
// # Grammar
//
//	pattern    = blank | terms | regex | json | delimited
//
//	terms      = group { group }                   groups are ORed
//	group      = [ "?" ] term { term }             "?" starts a new group; terms of a group are ANDed
//	term       = [ "-" ] ( word | quoted )         "-" excludes: the message must not contain it
//	word       = run of non-blank characters (no '"')
//	quoted     = '"' { char | '\"' | '\\' } '"'
//
//	regex      = "%" re "%"                        the whole pattern; matches anywhere in the message
//
//	json       = "{" or "}"
//	or         = and { "||" and }                  && binds tighter than ||
//	and        = unary { "&&" unary }
//	unary      = "(" or ")" | jsonCond
//	jsonCond   = selector op value
//	           | selector "IS" ( "TRUE" | "FALSE" | "NULL" )
//	           | selector "NOT" "EXISTS"
//	selector   = "$" step { step }
//	step       = "." name | "[" digits "]"        name: letters, digits, '_', '-', '@'
//	op         = "=" | "!=" | "<" | "<=" | ">" | ">="
//	value      = quoted | regex | bare             bare: run up to blank, ')', '}', '&&', '||'
//
//	delimited  = "[" field { "," field } "]"
//	field      = "..." | name | fieldCond
//	fieldCond  = same shape as "or" above, whose leaves are: name op value
//	             (every leaf of one field must name that field; names compare case-insensitively)
//
// Keywords (IS, TRUE, FALSE, NULL, NOT, EXISTS) are accepted in any case.
//
// # Semantics
//
// Terms. Matching is case-sensitive. A term matches when the message contains
// it as a substring. AWS does not document whether a term must sit on word
// boundaries; substring matching is the documented "contains the term" reading
// and can only match more, never less. A blank quoted term (`" "` or `""`)
// always matches, which is how AWS documents `" "` as "match everything".
// Without "?" all terms are ANDed (`ERROR ARGUMENTS`); "?" starts an
// alternative (`?ERROR ?WARN`). Terms following a "?" term without their own
// "?" join its group, so `?"ERROR" "MainThread" ?"WARN" "Deadlock"` means
// (ERROR and MainThread) or (WARN and Deadlock): this is the form that the AWS
// CDK's FilterPattern.anyTermGroup generates. An exclusion belongs to the group
// it is written in (`?ERROR ?WARN -Retry` = ERROR or (WARN and not Retry)).
//
// Regular expressions. Between '%' signs, a subset of regex syntax as AWS
// documents it. AWS rejects '(' and ')', multi-byte characters and '!', so
// this package does too; what remains is compiled with Go's regexp (RE2, linear
// time) and matched anywhere in the text (use ^ and $ to anchor; '.' does not
// match a newline). Regexes that compile to more than 256 instructions, such
// as [a-z]{300}, are rejected so that matching stays cheap. A regex may be the
// whole pattern or a value in a JSON or space-delimited pattern; those two
// forms allow at most two regexes per pattern, AWS's documented quota.
//
// JSON. The whole message, apart from surrounding blanks, must be one JSON
// value, so a message that is not JSON never matches a JSON pattern. Selectors
// walk object members and array indexes; if a selector reaches an object, an
// array, null or nothing at all, every comparison on it is false (for != as
// well). Use NOT EXISTS and IS NULL to test for those cases.
//   - "=" and "!=" with a quoted or bare string: equality with the value's text,
//     with '*' matching any run of characters (`123.123.*`, `*`). Numbers
//     compare by their JSON text and booleans as true/false.
//   - "=" and "!=" with a bare number (`400`, `1e-3`, `-5`): numeric equality
//     when the node is a number or a string that holds a number, otherwise
//     equality of text.
//   - "<", "<=", ">", ">=" need a bare number. They are false unless the node is
//     a number or a string that holds one.
//   - "= %re%" and "!= %re%": whether the regex occurs in the node's text.
//   - IS TRUE / IS FALSE: the node is that boolean. IS NULL: the node exists and
//     is null. NOT EXISTS: the selector reaches nothing.
//
// Space-delimited. The message is split at blanks (ASCII whitespace) into
// fields. A field that begins with '"' runs to the next '"', and one that
// begins with '[' runs to the next ']'. Their values are the text between the
// delimiters, blanks included. Pattern fields match message fields in order,
// and each named pattern field needs a message field of its own.
//   - Without "...": pattern field i is message field i, and the last pattern
//     field takes the rest of the message. This is why AWS asks for a trailing
//     placeholder such as `[w1=ERROR, w2]` to match "the first word is ERROR".
//   - With "...": each "..." matches any number of message fields, zero
//     included, and every named field matches exactly one. The pattern matches
//     if some placement meets every condition: `[..., status = 404, bytes]`
//     tests the last two fields, and `[..., user = Prod, ...]` matches when any
//     field is Prod.
//
// Conditions compare a field's value as in JSON patterns. A field "holds a
// number" when its whole text is a number.
//
// # Known gaps
//
// Metric-value extraction ($.field, $name) is not provided: Match only says
// yes or no. Corner cases that AWS does not document are resolved as described
// above and may differ from AWS: whether terms match on word boundaries, how a
// "?" term combines with plain terms before it, numbers stored as JSON
// strings, and a message with more fields than a space-delimited pattern.
// Regexes are limited to a compiled size (see "Regular expressions").
package filterpattern
