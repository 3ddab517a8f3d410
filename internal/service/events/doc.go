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
// ListTagsForResource, CreateEventBus, DescribeEventBus, ListEventBuses and
// DeleteEventBus (which also deletes the bus's rules). Every other
// operation, PutEvents included, answers NotImplemented.
//
// # Delivery (not yet)
//
// Scheduled rules do not fire and PutEvents is not served: both need the
// durable asynchronous invocation path, which is being built separately.
// The seam is Delivery: ScheduledEvent builds the event of a tick exactly
// as AWS sends it, NewDelivery renders it (or a matched event) for a target
// with its Input, InputPath or InputTransformer, and Service.Deliver is
// where a Delivery is to be handed over. Each rule record keeps a
// ScheduleAnchor for rate expressions: rate ticks are counted from the
// rule's creation, and restart from the moment a disabled rule is enabled
// again or its schedule or state is changed by PutRule (AWS counts from
// creation; what it does on enable is not documented). A
// schedule.Schedule's Anchored(rec.ScheduleAnchor).Next gives the ticks.
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
