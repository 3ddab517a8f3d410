// Package query is the codec of the AWS query protocol: STS, IAM, SNS, SES
// (v1) and CloudFormation, and SQS when an older client (the Debian aws
// CLI v2.9, botocore before 1.31.81) speaks query to it.
//
// What it reads. The operation is the Action parameter; parameters come
// from an application/x-www-form-urlencoded POST body and the URL query
// string (GET works too). A missing Action is MissingAction, an unknown one
// InvalidAction ("Could not find operation X for version Y"). Parameter
// names are flattened paths built the way botocore's query serializer and
// the SDKs build them:
//
//	RoleName=r                         scalar member (its locationName, else its name)
//	Credentials.AccessKeyId=k          nested structure
//	Tags.member.1.Key=k                list (item element "member" unless the list member has a locationName)
//	AttributeName.1=All                flattened list, named by its item's locationName
//	Attributes.entry.1.key=k           map (key and value renamed by their locationNames)
//	Attribute.1.Name=k                 flattened map
//	Tags=                              an empty list
//
// Scalars are text: integers and floats in decimal, booleans true/false,
// timestamps ISO 8601 (epoch seconds and RFC 1123 are accepted too), blobs
// base64. A value that does not fit its type is MalformedInput (400,
// Sender); unknown parameters are ignored, as AWS ignores them.
//
// What it writes. A result is
//
//	<OpResponse xmlns="metadata.xmlNamespace">
//	  <OpResult>members in model order</OpResult>      (the resultWrapper; absent without output)
//	  <ResponseMetadata><RequestId>id</RequestId></ResponseMetadata>
//	</OpResponse>
//
// as text/xml, with XML rules from package xmlshape (lists as <member>
// unless flattened, maps as <entry><key/><value/></entry>, timestamps
// 2006-01-02T15:04:05.000Z). An error is
//
//	<ErrorResponse xmlns=...><Error><Type>Sender|Receiver</Type><Code/><Message/>
//	  (extra members of the error shape)</Error><RequestId>id</RequestId></ErrorResponse>
//
// with the HTTP status from the model (protocol.Error.Resolve) and the
// model's wire code for the error (IAM's NoSuchEntityException travels as
// NoSuchEntity).
//
// Query-compatible JSON models. SQS's model is JSON-protocol now and lost
// the query names and error codes; hako's table of them (model.QueryCompat,
// which the json codec reads too) puts them back:
// MessageAttribute.1.Value.StringValue on the way in, <Message>...</Message>
// items on the way out, and error codes such as
// AWS.SimpleQueueService.NonExistentQueue with their statuses.
package query

import (
	"errors"
	"io"
	"net/http"
	"net/url"

	"hako/internal/protocol"
	"hako/internal/protocol/model"
)

// Codec reads and writes the query protocol. The zero value is ready to
// use and safe for concurrent use.
type Codec struct{}

// MaxBodyBytes bounds a request body. SES SendRawEmail carries up to 10 MB
// of message, base64 and then URL encoded, so the bound is generous.
const MaxBodyBytes = 48 << 20

// Operation finds the operation named by the Action parameter.
func (Codec) Operation(c *protocol.Call, r *http.Request) (*model.Operation, error) {
	form, err := params(r)
	if err != nil {
		return nil, err
	}
	action := form.Get("Action")
	if action == "" {
		return nil, protocol.Errorf("MissingAction", "Missing Action")
	}
	if c.API != nil {
		if op := c.API.Operations[action]; op != nil {
			return op, nil
		}
	}
	version := form.Get("Version")
	if version == "" && c.API != nil {
		version = c.API.Metadata.APIVersion
	}
	return nil, protocol.Errorf("InvalidAction", "Could not find operation %s for version %s", action, version)
}

// params returns the request's parameters: the form body's, then the URL
// query's. The result is kept in r.Form and r.PostForm (as
// http.Request.ParseForm does) so Operation and Decode parse once, and a
// caller that already called ParseForm is served from it.
func params(r *http.Request) (url.Values, error) {
	if r.PostForm != nil && r.Form != nil {
		return r.Form, nil
	}
	form := url.Values{}
	if r.Body != nil && r.Method != http.MethodGet && r.Method != http.MethodHead {
		body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
		if err != nil {
			var aws *protocol.Error
			if errors.As(err, &aws) {
				return nil, aws // the edge's verdict on the body
			}
			return nil, protocol.Errorf("IncompleteBody", "The request body could not be read: %v", err)
		}
		if len(body) > MaxBodyBytes {
			return nil, protocol.Errorf("RequestEntityTooLarge", "The request body is larger than %d bytes.", MaxBodyBytes).WithStatus(http.StatusRequestEntityTooLarge)
		}
		if err := parseQuery(form, string(body)); err != nil {
			return nil, err
		}
	}
	post := url.Values{}
	for k, v := range form {
		post[k] = v
	}
	if err := parseQuery(form, r.URL.RawQuery); err != nil {
		return nil, err
	}
	r.PostForm, r.Form = post, form
	return form, nil
}

func parseQuery(into url.Values, s string) error {
	if s == "" {
		return nil
	}
	q, err := url.ParseQuery(s)
	if err != nil {
		return protocol.Errorf("MalformedQueryString", "The query string is malformed: %v", err)
	}
	for k, v := range q {
		into[k] = append(into[k], v...)
	}
	return nil
}

// Interface guards.
var _ protocol.Codec = Codec{}
