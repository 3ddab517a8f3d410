// Package logs is hako's CloudWatch Logs: log groups, log streams, log
// events, retention and tags, served over the Logs_20140328 JSON 1.1 API
// (types and error constructors in api_gen.go, generated from the botocore
// model) and, for other services such as the Lambda runtime, through
// Service.Append without HTTP.
//
// # Operations
//
// CreateLogGroup, DeleteLogGroup, DescribeLogGroups, CreateLogStream,
// DeleteLogStream, DescribeLogStreams, PutLogEvents, GetLogEvents,
// FilterLogEvents (patterns by package filterpattern), PutRetentionPolicy,
// DeleteRetentionPolicy, TagResource, UntagResource, ListTagsForResource and
// the deprecated TagLogGroup, UntagLogGroup and ListTagsLogGroup. Every other
// operation of the model (StartLiveTail, metric and subscription filters,
// Insights queries, export tasks, deliveries, ...) answers NotImplemented.
//
// # Storage
//
// Everything lives in the engine under "logs/ACCOUNT/REGION/":
//
//	g/GROUP                                     group record (JSON): creation time,
//	                                            retention, class, KMS key, tags
//	s/GROUP⊥STREAM                              stream record (JSON): creation time,
//	                                            event counter, first/last event and
//	                                            last ingestion times, stored bytes
//	e/GROUP⊥STREAM⊥ TS(8) SEQ(8)                one event: ingestion time (8 bytes,
//	                                            big-endian) + message
//
// ⊥ is the two bytes 00 01 ending a name that is followed by more key; a 00
// inside a name is written 00 FF, which keeps the encoding order-preserving
// and stops one name's keys from falling in another name's range. The last
// name of a key is written raw. So:
//
//   - groups list in name order, and logGroupNamePrefix is a key prefix;
//   - a group's streams list in name order, and logStreamNamePrefix is a
//     key prefix;
//   - a stream's events sort by timestamp (TS: big-endian, sign bit
//     flipped) and then by SEQ, the stream's ingestion counter (big-endian,
//     from 1), so a time range is a key range and events with equal
//     timestamps keep their arrival order.
//
// A PutLogEvents batch is one engine transaction that reads the group and
// stream records, writes every event and the updated stream record, and is
// durable before the response; see put for the concurrency argument (the
// event counter lives in the stream record; writers of one stream are
// serialized by a striped lock in the process and by the transaction). A
// group's storedBytes is the sum of its streams' records, added up when
// DescribeLogGroups runs, so that writers to different streams of a group
// never touch a shared record. DescribeLogStreams ordered by LastEventTime
// sorts the group's stream records in memory per request (fine for groups of
// thousands of streams; an index would cost a write per PutLogEvents).
//
// # Ordering and tokens
//
// GetLogEvents tokens ("f/…/s", "b/…/s") are positions in a stream's
// (timestamp, seq) order; when a direction has no more events its token is
// returned unchanged. FilterLogEvents merges the streams' events by
// (timestamp, ingestion time, stream name, seq); ingestion times never
// decrease within a stream, so each stream is read in key order and merged
// with a heap, a chunk at a time. Its nextToken, and those of
// DescribeLogGroups and DescribeLogStreams, name the last item returned, so
// paging stays correct while items are added or removed.
//
// # Time and retention
//
// All times come from the injected clock. PutLogEvents rejects, event by
// event, timestamps more than 14 days old, older than the group's
// retention, or more than 2 hours ahead (rejectedLogEventsInfo); Start runs
// Sweep every SweepInterval of clock time to delete events older than their
// group's retention, and Stop waits for a running sweep.
//
// # Differences from AWS
//
//   - Events are visible to GetLogEvents and FilterLogEvents as soon as
//     PutLogEvents returns (AWS takes seconds), and lastEventTimestamp is
//     exact (AWS updates it lazily).
//   - storedBytes counts uncompressed message bytes; per-stream storedBytes
//     is always 0, as on AWS.
//   - Events past retention stay readable until the next sweep (AWS also
//     deletes lazily).
//   - FilterLogEvents returns as many matches as fit in limit and 1 MB and
//     never an empty page with a nextToken; searchedLogStreams marks the
//     streams with matches left as not searched completely.
//   - deletionProtectionEnabled is stored and reported but does not block
//     DeleteLogGroup; kmsKeyId is stored, nothing is encrypted; dataProtection
//     (unmask), entities, cross-account identifiers and log group classes
//     beyond recording them are not implemented.
//   - Logs-specific validation texts (e.g. "Invalid LogGroup or LogStream,
//     both must have length less than or equal to 512.") come from the
//     protocol layer's generic model validation instead.
package logs
