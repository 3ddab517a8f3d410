// Package restxml is the codec of the AWS rest-xml protocol, which S3
// speaks.
//
// What it reads. The operation is found by method, path and query
// (model.API.MatchREST; for virtual-hosted S3 the edge puts the bucket back
// into the path first): a path that fits no operation is NotFound (404),
// one that fits with another method MethodNotAllowed (405). Then each input
// member is read from where the model binds it (package restbind, shared
// with rest-json, implements the HTTP bindings; this package brings
// rest-xml's text forms, its XML bodies and S3's errors):
//
//	uri          a label of the path ({Bucket}, {Key+}), unescaped
//	querystring  a query parameter (a list from repeated ones; a map from all
//	             the parameters no other member claims)
//	header       a header; timestamps RFC 1123 by default, lists split on
//	             commas, jsonvalue headers base64 JSON
//	headers      every header with the member's prefix, keyed by the rest of
//	             the name lower-cased (x-amz-meta-Color -> "color")
//	payload      the body: a streaming blob is handed over as the request's
//	             io.ReadCloser, unread (hako's S3 decodes aws-chunked
//	             framing itself); a string or blob is read whole; a structure
//	             is parsed as XML (root element CreateBucketConfiguration,
//	             Delete, Tagging..., flattened lists, xmlAttribute and
//	             xmlNamespace honoured)
//	(none)       members without a location, parsed from an XML body
//
// A body read whole (XML, or a non-streaming raw payload) is checked
// against the Content-MD5 and x-amz-checksum-ALGORITHM headers it came
// with (package checksum): a wrong Content-MD5 is BadDigest, a malformed
// one InvalidDigest, a wrong checksum BadDigest, a malformed one or an
// algorithm hako lacks InvalidRequest.
//
// Malformed XML, or XML whose values do not fit their shapes, is
// MalformedXML (400); a header, label or parameter that does not fit its
// type is InvalidArgument (400).
//
// What it writes. The status is the operation's responseCode (default
// 200) unless a statusCode member says otherwise, and 206 when a streamed
// payload comes with a Content-Range header (a ranged GetObject). Header members become
// headers (timestamps RFC 1123 GMT, as Last-Modified), headers maps become
// prefixed headers (x-amz-meta-*). The body is the payload member when the
// output has one (a streaming io.Reader is copied, with Content-Length
// when its length is known from Size() int64 or Len() int; a structure is
// XML rooted at the member's name), otherwise the output's body members as
// XML rooted at the Smithy root name (ListBucketResult,
// ListAllMyBucketsResult...), with xmlns="http://s3.amazonaws.com/doc/2006-03-01/".
// XML bodies are application/xml and start with an XML declaration; HEAD
// responses carry no body. Errors are S3's:
//
//	<?xml version="1.0" encoding="UTF-8"?>
//	<Error><Code>NoSuchBucket</Code><Message>...</Message><BucketName>b</BucketName>
//	  <RequestId>id</RequestId><HostId>...</HostId></Error>
//
// with the status from the model, else S3's table of error codes
// (quirks.go), else protocol's common errors.
package restxml

import (
	"net/http"
	"strings"

	"hako/internal/protocol"
	"hako/internal/protocol/model"
)

// Codec reads and writes the rest-xml protocol. The zero value is ready to
// use and safe for concurrent use.
type Codec struct {
	// SkipIntegrity turns off the check of a body read whole against its
	// Content-MD5 and x-amz-checksum-* headers (verifyBody). Only the
	// conformance suite sets it: it feeds arbitrary values to every
	// header to test the wire shapes. Default: false (checked).
	SkipIntegrity bool
}

// MaxXMLBytes bounds an XML request body (DeleteObjects with 1000 long
// keys is about 1 MB).
const MaxXMLBytes = 20 << 20

// Operation matches the request to an operation and records its URI labels
// in c.Labels.
func (Codec) Operation(c *protocol.Call, r *http.Request) (*model.Operation, error) {
	if c.API == nil {
		return nil, protocol.InternalFailure()
	}
	op, labels, methodMismatch := c.API.MatchREST(r.Method, r.URL.EscapedPath(), r.URL.Query(), r.Header)
	if op == nil {
		if methodMismatch {
			return nil, protocol.Errorf("MethodNotAllowed", "The specified method is not allowed against this resource.").
				WithStatus(http.StatusMethodNotAllowed).With("Method", r.Method).With("ResourceType", resourceType(r.URL.EscapedPath()))
		}
		return nil, protocol.Errorf("NotFound", "No operation of %s matches %s %s.", c.API.Metadata.ServiceID, r.Method, r.URL.EscapedPath()).
			WithStatus(http.StatusNotFound)
	}
	c.Labels = labels
	return op, nil
}

// resourceType is what S3 calls the addressed resource in MethodNotAllowed.
func resourceType(path string) string {
	path = strings.Trim(path, "/")
	switch {
	case path == "":
		return "SERVICE"
	case !strings.Contains(path, "/"):
		return "BUCKET"
	}
	return "OBJECT"
}

// Interface guards.
var _ protocol.Codec = Codec{}
