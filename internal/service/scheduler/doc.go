// Package scheduler is hako's Amazon EventBridge Scheduler (rest-json,
// model "scheduler"): schedules and schedule groups, firing through the
// same durable ticks and target deliveries as EventBridge rules (package
// fire).
//
// # Operations
//
// CreateSchedule, GetSchedule, UpdateSchedule (a full replace: every member
// left out is cleared, as on AWS), DeleteSchedule, ListSchedules
// (GroupName, NamePrefix, State, paging), CreateScheduleGroup,
// GetScheduleGroup, ListScheduleGroups, DeleteScheduleGroup (with its
// schedules, in one transaction; the "default" group always exists and
// cannot be deleted), and TagResource / UntagResource / ListTagsForResource
// on schedule groups (schedules take no tags on AWS either).
//
// ClientToken makes CreateSchedule and CreateScheduleGroup idempotent: a
// create repeated with the token that created the resource answers its
// ARN again instead of ConflictException (the SDKs and the CLI fill the
// token in).
//
// # Firing
//
// ScheduleExpression is cron(), rate() or at() (package schedule's
// ParseScheduler) in ScheduleExpressionTimezone (an IANA zone, default
// UTC): at a spring-forward a wall time that does not exist is skipped, a
// fall-back time runs once; rate periods are fixed durations counted from
// StartDate (the first tick is at StartDate), else from the schedule's
// creation or last update (the first tick is one period later). No tick
// fires before StartDate or after EndDate. An ENABLED schedule has one
// armed tick message; FlexibleTimeWindow FLEXIBLE delays each tick's
// delivery by a random offset within MaximumWindowInMinutes, OFF delivers
// at the tick. Ticks missed while hako was down are skipped and logged.
// When a schedule has no further tick (an at() that fired, an EndDate
// passed) ActionAfterCompletion DELETE deletes it in the transaction of its
// last tick; NONE keeps it.
//
// Targets are Lambda functions (other templated and universal targets are
// refused with a ValidationException naming them). The function receives
// Target.Input as it is — no envelope — with Scheduler's context
// attributes <aws.scheduler.schedule-arn>, <aws.scheduler.scheduled-time>,
// <aws.scheduler.execution-id> and <aws.scheduler.attempt-number>
// substituted, or "{}" when Input is empty (AWS sends an undocumented
// "default notification" then). Input must be JSON for Lambda, as AWS
// requires. Delivery has the target's RetryPolicy (default 185 attempts,
// 24 hours) and DeadLetterConfig (an SQS queue, with Scheduler's
// X-Amz-Scheduler-* attributes), then goes through Lambda's own
// asynchronous path. Scheduler acts through Target.RoleArn, an IAM role
// whose policy hako does not evaluate, so no resource-policy check is made.
// KmsKeyArn is accepted and has no effect (nothing is encrypted at rest).
//
// # Storage
//
// Under "scheduler/ACCOUNT/REGION/": g/GROUP a schedule group (the default
// group has a record only once tagged), s/GROUP 00 NAME a schedule with its
// armed tick.
package scheduler
