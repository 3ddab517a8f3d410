// Package protocol turns HTTP requests into typed operation inputs and typed
// outputs and errors back into the exact bytes each AWS protocol uses.
//
// The botocore models (package model) are the specification: one codec per
// protocol family walks the model's shapes, so no operation's wire format is
// written by hand.
//
//	               Codec (one per protocol family)
//	awsjson (json 1.0/1.1) | restjson | restxml | query
//	        \                  |          |        /
//	      document: map[string]any keyed by member name, values of
//	      string, int64, float64, bool, []byte, time.Time, []any,
//	      map[string]any, io.ReadCloser (streaming blobs), any (documents)
//	                           |
//	      Validate (required, enum, min/max, pattern) -> ValidationException
//	                           |
//	      FromDoc / ToDoc  <->  generated Go types of the service (api_gen.go)
//	                           |
//	      Handler: one method per operation on the service type
//
// Whose fault: a request the codec cannot read is a client error (4xx,
// SerializationException and friends); anything else that goes wrong inside
// hako is InternalFailure (500) and is logged. Services return *Error values
// for AWS errors; any other error becomes InternalFailure.
package protocol

import (
	"context"
	"net/http"
	"time"

	"hako/internal/protocol/model"
)

// Codec reads requests and writes responses of one protocol family.
// Implementations must be safe for concurrent use.
type Codec interface {
	// Operation finds the operation the request calls (from X-Amz-Target,
	// the Action parameter, or method + URI) and records any URI labels in
	// c.Labels. An unknown operation is an *Error.
	Operation(c *Call, r *http.Request) (*model.Operation, error)
	// Decode reads the input of c.Op from the request into a document.
	// A malformed request is an *Error.
	Decode(c *Call, r *http.Request) (map[string]any, error)
	// Encode writes the output document of c.Op (nil for no output).
	Encode(c *Call, w http.ResponseWriter, out map[string]any)
	// EncodeError writes an error response. c.Op may be nil.
	EncodeError(c *Call, w http.ResponseWriter, err *Error)
}

// Handler serves one operation: it receives the validated input document
// and returns the output document.
type Handler func(ctx context.Context, in map[string]any) (map[string]any, error)

// Call is what hako knows about one API call while serving it. It travels in
// the context handed to handlers.
type Call struct {
	RequestID string
	// Time is the clock's reading when the request arrived.
	Time time.Time
	// Region and Account the request acts in (from the credential scope and
	// the access key).
	Region  string
	Account string
	// AccessKeyID is the caller's access key ("" for anonymous calls), and
	// CallerARN the identity it stands for.
	AccessKeyID string
	CallerARN   string
	// UserID is the caller's unique id as GetCallerIdentity reports it.
	UserID string
	// AnyKey is true when the server accepts unknown access keys unverified
	// (it listens on loopback only): signatures a service checks itself,
	// such as S3's POST policy, follow the same rule.
	AnyKey bool
	// SourceIP is the address the request came from (S3 event records'
	// requestParameters.sourceIPAddress, bucket policies' aws:SourceIp).
	SourceIP string
	// API and Op are the model and operation being served.
	API *model.API
	Op  *model.Operation
	// Labels are the URI label values of rest protocols.
	Labels map[string]string
	// ValidationCode is the error code the service uses for constraint
	// violations (ValidationException, ValidationError,
	// InvalidParameterException...).
	ValidationCode string
	// ResponseHeader holds headers a handler wants on the response besides
	// the modelled ones (rarely needed).
	ResponseHeader http.Header
}

// CopyHeader adds the headers of src (Call.ResponseHeader, Error.Header)
// to a response's dst, replacing values of the same name; the value slices
// are copied.
func CopyHeader(dst, src http.Header) {
	for k, vs := range src {
		dst[k] = append([]string(nil), vs...)
	}
}

type callKey struct{}

// WithCall returns a context carrying c.
func WithCall(ctx context.Context, c *Call) context.Context {
	return context.WithValue(ctx, callKey{}, c)
}

// CallFrom returns the Call of a handler's context. Outside a request (tests
// calling a service directly) it returns a Call for the default region and
// account.
func CallFrom(ctx context.Context) *Call {
	if c, ok := ctx.Value(callKey{}).(*Call); ok {
		return c
	}
	return &Call{Region: "us-east-1", Account: "000000000000", Time: time.Now()}
}
