// Package events is hako's Amazon EventBridge (CloudWatch Events) API:
// event buses, rules and their targets, tags and TestEventPattern, served
// over the AWSEvents JSON 1.1 API (types and error constructors in
// api_gen.go, generated from the botocore model).
//
// # Operations
//
// PutRule (a full replace, as on AWS: fields left out are cleared; the
// schedule expression is checked by package schedule and the pattern by
// package eventpattern, and nothing is stored on error), DescribeRule,
// ListRules, EnableRule, DisableRule, DeleteRule (refused while the rule has
// targets), PutTargets, RemoveTargets, ListTargetsByRule,
// ListRuleNamesByTarget, TestEventPattern, TagResource, UntagResource,
// ListTagsForResource, CreateEventBus, DescribeEventBus, ListEventBuses,
// DeleteEventBus (which also deletes the bus's rules) and PutEvents. Every
// other operation answers NotImplemented.
//
// # Delivery
//
// Everything after a response goes through the durable eventbus, each step
// recorded in one transaction with what caused it:
//
//   - An enabled scheduled rule has one tick message (kind events.tick,
//     package fire), due at its next fire time on the service clock;
//     PutRule, EnableRule and DisableRule arm a new one or drop it in their
//     own transaction, and DeleteRule leaves the old one to expire as
//     stale. The tick's outcome transaction enqueues the scheduled event
//     (ScheduledEvent: AWS's exact shape, time of the tick to the second)
//     for every target and the next tick, so each tick fires exactly once
//     across crashes; ticks missed while hako was down are skipped and
//     logged, as AWS does not backfill them.
//   - PutEvents wraps each valid entry in AWS's envelope (version "0", id,
//     detail-type, source, account, time, region, resources, detail),
//     matches it against the enabled rules of its bus and enqueues every
//     matched target's delivery, all in one transaction per call. Entries
//     are checked one by one (FailedEntryCount, ErrorCode, ErrorMessage);
//     the entries' total size, counted as AWS counts it (14 bytes for a
//     Time, then the UTF-8 bytes of Source, DetailType, Detail and
//     Resources), is at most 1 MiB. TraceHeader is accepted and not passed
//     on; EndpointId (global endpoints) is refused.
//   - events.put messages from other services (Lambda destinations, S3's
//     EventBridge notifications: Target the bus ARN, Payload the event)
//     are matched the same way; a Lambda invocation record becomes the
//     event AWS makes of it (source "lambda", detail-type "Lambda Function
//     Invocation Result - Success|Failure").
//   - Each target's delivery (kind events.deliver) is the event rendered
//     with the target's Input, InputPath or InputTransformer, with its
//     RetryPolicy (default 185 attempts within 24 hours, exponential
//     backoff with jitter) and DeadLetterConfig. A Lambda target needs its
//     function's resource policy to allow events.amazonaws.com for the rule
//     (Lambda's InvokePermitted); as AWS documents, a missing permission or
//     function is not retried: the event goes to the dead-letter queue (an
//     sqs.send message with RULE_ARN, TARGET_ARN, ERROR_CODE, ERROR_MESSAGE
//     attributes) or, without one, is dropped and logged. A permitted
//     delivery becomes a lambda.invoke message: Lambda's own asynchronous
//     path, with its own retries, runs the function.
//
// Rate ticks are counted from the rule's creation (ScheduleAnchor), as on
// AWS, and restart from the moment a disabled rule is enabled again or its
// schedule or state is changed by PutRule (what AWS does on enable is not
// documented; counting from the enable means the first tick comes one full
// period after it, never at once).
//
// PutTargets accepts Lambda function ARNs. Targets of other services (SQS,
// SNS, ...) are answered per entry in FailedEntries with ErrorCode
// NotImplemented and are not stored, so no target is accepted that would
// never receive anything.
//
// # Storage
//
// Under "events/ACCOUNT/REGION/": b/BUS holds a custom bus (JSON; the
// default bus has a record only once tagged), r/BUS 00 RULE a rule with its
// targets (at most 5), so every rule operation reads and writes one key in
// one transaction.
package events
