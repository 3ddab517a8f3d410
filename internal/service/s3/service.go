package s3

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"

	"hako/internal/clock"
	"hako/internal/engine"
	"hako/internal/eventbus"
	"hako/internal/protocol"
	"hako/internal/service"
)

// Service is hako's S3.
type Service struct {
	eng   engine.Engine
	blobs engine.BlobStore
	clock clock.Clock
	log   *slog.Logger
	// notify is called inside the engine transaction of every object
	// write and delete (see Event); nil records nothing.
	notify Notifier
	// bus carries notifications to their destinations (nil: none are
	// accepted); functions checks Lambda destinations' policies.
	bus       *eventbus.Bus
	functions FunctionPolicy
	// creds resolves access keys of POST Object signatures.
	creds service.CredentialStore
	// lastSeq is the last event sequencer handed out (unix ns or more).
	lastSeq atomic.Int64
	// sw runs lifecycle rules (Start/Stop).
	sw sweeper
}

// Notifier observes every object event in the engine transaction of the
// write that caused it (tests; the bucket's notification configuration is
// delivered through the event bus besides). It runs inside engine.Update
// and may be called again when the transaction is retried; it must have
// no side effects besides tx. An error aborts the write.
type Notifier func(tx engine.Txn, ev Event) error

// Event is one object change as S3 event notifications describe it.
type Event struct {
	// Name is the event name without the "s3:" prefix, as the record's
	// eventName carries it: ObjectCreated:Put, ObjectCreated:Copy,
	// ObjectCreated:CompleteMultipartUpload, ObjectRemoved:Delete.
	Name      string
	Bucket    string
	Key       string
	Size      int64  // not for removals
	ETag      string // without quotes; not for removals
	Account   string // the bucket owner's
	Region    string // the bucket's
	RequestID string
	// Caller is the principal that made the request ("" for anonymous),
	// UserID its unique id and CallerAccount its account.
	Caller        string
	UserID        string
	CallerAccount string
	// SourceIP is the address the request came from.
	SourceIP string
	// Time is the request's time (ms precision in records).
	Time int64 // unix nanoseconds
	// Sequencer orders events of one key: hex of the write's time in
	// nanoseconds, so later writes of a key have larger sequencers.
	Sequencer string
}

// Option configures the service.
type Option func(*Service)

// WithNotifier sets the function that records object events.
func WithNotifier(n Notifier) Option { return func(s *Service) { s.notify = n } }

// Interface guards.
var (
	_ service.Service = (*Service)(nil)
	_ service.Starter = (*Service)(nil)
	_ service.Stopper = (*Service)(nil)
)

// New builds the service; it starts nothing.
func New(env service.Env, opts ...Option) *Service {
	s := &Service{eng: env.Engine, clock: env.Clock, log: env.Log, bus: env.Bus, creds: env.Credentials}
	if s.eng != nil {
		s.blobs = s.eng.Blobs()
	}
	if s.clock == nil {
		s.clock = clock.Real{}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Name is "s3".
func (s *Service) Name() string { return "s3" }

// APIs returns the S3 API; operations without a handler answer
// NotImplemented.
func (s *Service) APIs() []*service.API {
	return []*service.API{{
		ModelName: ModelName,
		Handlers: map[string]protocol.Handler{
			"CreateBucket":            protocol.Op(s.CreateBucket),
			"HeadBucket":              protocol.Op(s.HeadBucket),
			"ListBuckets":             protocol.Op(s.ListBuckets),
			"DeleteBucket":            protocol.Op(s.DeleteBucket),
			"GetBucketLocation":       protocol.Op(s.GetBucketLocation),
			"PutBucketTagging":        protocol.Op(s.PutBucketTagging),
			"GetBucketTagging":        protocol.Op(s.GetBucketTagging),
			"DeleteBucketTagging":     protocol.Op(s.DeleteBucketTagging),
			"GetBucketVersioning":     protocol.Op(s.GetBucketVersioning),
			"PutBucketVersioning":     protocol.Op(s.PutBucketVersioning),
			"PutObject":               protocol.Op(s.PutObject),
			"GetObject":               protocol.Op(s.GetObject),
			"HeadObject":              protocol.Op(s.HeadObject),
			"DeleteObject":            protocol.Op(s.DeleteObject),
			"DeleteObjects":           protocol.Op(s.DeleteObjects),
			"CopyObject":              protocol.Op(s.CopyObject),
			"ListObjects":             protocol.Op(s.ListObjects),
			"ListObjectsV2":           protocol.Op(s.ListObjectsV2),
			"PutObjectTagging":        protocol.Op(s.PutObjectTagging),
			"GetObjectTagging":        protocol.Op(s.GetObjectTagging),
			"DeleteObjectTagging":     protocol.Op(s.DeleteObjectTagging),
			"CreateMultipartUpload":   protocol.Op(s.CreateMultipartUpload),
			"UploadPart":              protocol.Op(s.UploadPart),
			"UploadPartCopy":          protocol.Op(s.UploadPartCopy),
			"CompleteMultipartUpload": protocol.Op(s.CompleteMultipartUpload),
			"AbortMultipartUpload":    protocol.Op(s.AbortMultipartUpload),
			"ListParts":               protocol.Op(s.ListParts),
			"ListMultipartUploads":    protocol.Op(s.ListMultipartUploads),

			"PutBucketNotificationConfiguration": protocol.Op(s.PutBucketNotificationConfiguration),
			"GetBucketNotificationConfiguration": protocol.Op(s.GetBucketNotificationConfiguration),
			"PutBucketLifecycleConfiguration":    protocol.Op(s.PutBucketLifecycleConfiguration),
			"GetBucketLifecycleConfiguration":    protocol.Op(s.GetBucketLifecycleConfiguration),
			"DeleteBucketLifecycle":              protocol.Op(s.DeleteBucketLifecycle),
			"PutBucketPolicy":                    protocol.Op(s.PutBucketPolicy),
			"GetBucketPolicy":                    protocol.Op(s.GetBucketPolicy),
			"DeleteBucketPolicy":                 protocol.Op(s.DeleteBucketPolicy),
			"PutBucketAcl":                       protocol.Op(s.PutBucketAcl),
			"GetBucketAcl":                       protocol.Op(s.GetBucketAcl),
			"PutObjectAcl":                       protocol.Op(s.PutObjectAcl),
			"GetObjectAcl":                       protocol.Op(s.GetObjectAcl),
			"PutBucketOwnershipControls":         protocol.Op(s.PutBucketOwnershipControls),
			"GetBucketOwnershipControls":         protocol.Op(s.GetBucketOwnershipControls),
			"DeleteBucketOwnershipControls":      protocol.Op(s.DeleteBucketOwnershipControls),
			"PutBucketCors":                      protocol.Op(s.PutBucketCors),
			"GetBucketCors":                      protocol.Op(s.GetBucketCors),
			"DeleteBucketCors":                   protocol.Op(s.DeleteBucketCors),
			"PutBucketWebsite":                   protocol.Op(s.PutBucketWebsite),
			"GetBucketWebsite":                   protocol.Op(s.GetBucketWebsite),
			"DeleteBucketWebsite":                protocol.Op(s.DeleteBucketWebsite),
		},
		ValidationCode: "InvalidArgument",
		Intercept:      s.intercept,
	}}
}

// update runs an engine transaction; one that kept conflicting is S3's
// retryable SlowDown... as AWS answers contention: 503 SlowDown.
func (s *Service) update(ctx context.Context, fn func(tx engine.Txn) error) error {
	err := s.eng.Update(ctx, fn)
	if errors.Is(err, engine.ErrConflict) {
		return protocol.Errorf("SlowDown", "Please reduce your request rate.")
	}
	return err
}

func ptr[T any](v T) *T { return &v }

// canonicalID is the account's canonical user id (S3's Owner ID): 64 hex
// digits, stable per account.
func canonicalID(account string) string {
	sum := sha256.Sum256([]byte("hako-s3-owner/" + account))
	return hex.EncodeToString(sum[:])
}

func ownerOf(account string) *Owner {
	return &Owner{ID: canonicalID(account), DisplayName: "hako-" + account}
}

func errNoSuchBucket(bucket string) error {
	return ErrNoSuchBucket("The specified bucket does not exist").With("BucketName", bucket)
}

func errNoSuchKey(key string) error {
	return ErrNoSuchKey("The specified key does not exist.").With("Key", key)
}

func errInvalidArgument(msg, name, value string) error {
	return protocol.Errorf("InvalidArgument", "%s", msg).With("ArgumentName", name).With("ArgumentValue", value)
}

func errNotImplemented(what string) error {
	return protocol.Errorf("NotImplemented", "%s is not implemented by hako yet.", what)
}

// requireChecksum enforces the model's httpChecksum requestChecksumRequired
// (DeleteObjects, PutBucketTagging, PutObjectTagging, ...): the request
// carries Content-MD5 or names a flexible checksum algorithm (boto3 >=
// 1.36 sends x-amz-sdk-checksum-algorithm with x-amz-checksum-crc32
// instead of MD5). The codec has verified whichever value came.
func requireChecksum(contentMD5, algorithm string) error {
	if contentMD5 == "" && algorithm == "" {
		return protocol.Errorf("InvalidRequest", "Missing required header for this request: Content-MD5")
	}
	return nil
}

// trimETag removes the quotes of an entity tag (and a weak W/ prefix).
func trimETag(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "W/")
	return strings.Trim(s, `"`)
}

func invalidArgument(msg string) *protocol.Error {
	return protocol.Errorf("InvalidArgument", "%s", msg)
}
