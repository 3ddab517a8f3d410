// Package s3 is hako's S3: buckets, objects, multipart uploads, tagging and
// integrity checksums, served over the rest-xml API (types and error
// constructors in api_gen.go, generated from the botocore model).
//
// # Operations
//
// CreateBucket, HeadBucket, ListBuckets, DeleteBucket, GetBucketLocation,
// Put/Get/DeleteBucketTagging, GetBucketVersioning (never enabled) and
// PutBucketVersioning (Suspended only; Enabled answers NotImplemented);
// PutObject, GetObject, HeadObject, DeleteObject, DeleteObjects,
// CopyObject, ListObjects, ListObjectsV2, Put/Get/DeleteObjectTagging;
// CreateMultipartUpload, UploadPart, UploadPartCopy,
// CompleteMultipartUpload, AbortMultipartUpload, ListParts,
// ListMultipartUploads; Put/GetBucketNotificationConfiguration;
// Put/GetBucketLifecycleConfiguration, DeleteBucketLifecycle;
// Put/Get/DeleteBucketPolicy, Put/GetBucketAcl, Put/GetObjectAcl,
// Put/Get/DeleteBucketOwnershipControls, Put/Get/DeleteBucketCors,
// Put/Get/DeleteBucketWebsite. Every other operation of the model answers
// NotImplemented (501), and so do features inside implemented operations
// hako lacks (versionIds other than "null", SSE-C and SSE-KMS, Object
// Lock, x-amz-grant-* headers, appends), each naming what is missing.
//
// # Storage
//
// Bucket names are global across accounts, so keys begin with "s3/":
//
//	b/BUCKET                      bucket record (JSON): account, region,
//	                              creation time, tags, canned ACL, ownership
//	a/ACCOUNT/BUCKET              index of an account's buckets (empty value)
//	o/BUCKET/KEY                  object record: binary head (version, size,
//	                              mtime, ETag) + JSON (segments, metadata,
//	                              tags, checksum)
//	u/BUCKET/KEY 0x00 UPLOADID    multipart upload record (JSON)
//	p/UPLOADID/PARTNUMBER(4, BE)  part record (JSON): ETag, size, blob, checksum
//
// Object keys follow the bucket raw, so objects sort in S3's UTF-8 binary
// order, a prefix is a key range, and a listing is one Scan that decodes
// only the fixed head of the records it returns; a common prefix is
// skipped with a new Scan starting after its range.
//
// Bodies live in engine blobs: a PutObject streams the body into a new
// blob through MD5 (the ETag) and the checksum algorithm — from 1 MiB on,
// each in its own goroutine over double-buffered chunks (fanOut) —
// commits the blob (durable), and only then writes the record in one
// engine.Update with the bucket check, the write's condition
// (If-None-Match: *, If-Match) and the event (Notifier). A crash before
// that Update leaves an orphan blob and no object; the replaced object's
// blobs are deleted after the Update commits. A body of at most 8 KiB
// (inlineMax) written by PutObject or CopyObject skips the blob and rides
// in its record (segment.Data), so the group commit is its only fsync. A multipart object's record lists its parts' blobs as segments,
// so completing an upload copies nothing; GetObject reads the segments in
// order (a part number or a range is a window over them).
//
// # Checksums
//
// Content-MD5 and x-amz-checksum-{crc32,crc32c,crc64nvme,sha1,sha256,
// sha512,md5} are verified while the body streams (BadDigest, nothing
// stored); the object keeps one checksum — the one the client named, else
// CRC64NVME as AWS computes for every object — returned with
// x-amz-checksum-mode: ENABLED. Multipart uploads keep per-part checksums
// and complete to a COMPOSITE checksum (the checksum of the parts'
// checksums, "-N") or a FULL_OBJECT one (CRC algorithms; computed by
// reading the parts back). Operations whose model requires a checksum
// (requestChecksumRequired) accept Content-MD5 or any flexible checksum;
// the codec verifies bodies it reads whole (package restxml).
//
// # Events
//
// Put/GetBucketNotificationConfiguration keep the bucket's notification
// configuration in its record. Every object write and delete runs record
// inside its engine transaction: it matches the event against the
// configurations (event types with wildcards, prefix and suffix rules) and
// enqueues one eventbus message per destination in that same transaction —
// KindLambdaInvoke (Lambda handles it with AWS's asynchronous retries),
// KindSQSSend, KindSNSPublish, and KindEventsPut for EventBridge — then
// kicks the bus after commit. A crash after the 200 therefore loses no
// event, and a write that fails enqueues none. Records are AWS's shape
// with eventVersion 2.1 (notify.go; docs/s3.md). Destination validation
// asks Lambda (FunctionPolicy, wired in the server) whether the function's
// policy lets s3.amazonaws.com invoke it; queues and topics get AWS's
// s3:TestEvent. The Notifier option observes every event (tests).
//
// # Lifecycle
//
// Rules live in the bucket record. Expiration Days count from the object's
// last write and round up to the next midnight UTC (AWS's arithmetic,
// afterDays); Dates must be midnights. GetObject and HeadObject answer
// x-amz-expiration for covered objects. The sweeper (Start/Stop) runs at
// start, after each PutBucketLifecycleConfiguration, and at every
// midnight UTC of the injected clock — the only times an expiry can fall —
// deleting expired objects in batches, each deletion with its
// s3:LifecycleExpiration:Delete event in the same transaction, and
// aborting multipart uploads older than AbortIncompleteMultipartUpload.
// Transitions are NotImplemented (one storage class);
// NoncurrentVersionExpiration is kept but finds nothing (no versioning).
//
// # Access, CORS, website
//
// bucket() authorizes every call: the owner always; anonymous callers and
// other accounts by the bucket policy (an explicit Deny wins; the
// conditions hako can evaluate are aws:SourceIp, aws:SecureTransport,
// aws:PrincipalType, aws:PrincipalAccount) and, unless Object Ownership is
// BucketOwnerEnforced (the default, ACLs disabled), by the ACLs' AllUsers
// and AuthenticatedUsers grants (access.go). A missing key is AccessDenied
// to a caller who may not list the bucket, as on AWS.
//
// What the model has no operation for goes through the API's Intercept
// (cors.go): CORS preflights (OPTIONS, answered from the bucket's rules),
// CORS headers on requests with an Origin, the website endpoint
// (BUCKET.s3-website.localhost; the path form WebsitePath is mounted by
// the server) and browser POST uploads (post.go: the policy document's
// SigV4 or SigV2 signature, expiration, conditions and
// content-length-range, then the ordinary PutObject path with the event
// ObjectCreated:Post).
//
// # Differences from AWS
//
//   - No versioning, SSE-C, SSE-KMS, Object Lock yet (NotImplemented).
//   - No IAM policies: the owner account's callers may do everything;
//     bucket policies are evaluated for anonymous callers and other
//     accounts only. Block Public Access is not implemented (new buckets
//     are not blocked, unlike AWS since 2023).
//   - A GetObject of a multipart object that is overwritten while it is
//     being read may end early (the connection closes short of
//     Content-Length); the first segment is held open, later ones are
//     opened as the reader reaches them.
package s3
