package protocol

import (
	"fmt"
	"net/http"

	"hako/internal/protocol/model"
)

// Error is an AWS error: a code the SDKs map to an exception type, a
// message for people, and whose fault it was.
type Error struct {
	Code    string
	Message string
	// Status is the HTTP status; 0 means "as the model or the common error
	// table says" (see Resolve).
	Status int
	// Sender is true for client faults (Sender), false for server faults
	// (Receiver); resolved like Status.
	Sender *bool
	// Fields are extra members of the error shape (e.g. expectedSequenceToken).
	Fields map[string]any
	// Header are extra response headers (e.g. Retry-After).
	Header http.Header
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	if len(args) == 0 {
		return &Error{Code: code, Message: format}
	}
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// WithStatus sets the HTTP status explicitly.
func (e *Error) WithStatus(status int) *Error { e.Status = status; return e }

// With adds an error shape member.
func (e *Error) With(member string, value any) *Error {
	if e.Fields == nil {
		e.Fields = map[string]any{}
	}
	e.Fields[member] = value
	return e
}

// common lists errors every AWS service can return that most models do not
// define: the protocol-level and authentication errors of the AWS "common
// errors" page plus hako's own NotImplemented.
var common = map[string]struct {
	status int
	sender bool
}{
	"AccessDenied":                        {403, true},
	"AccessDeniedException":               {403, true},
	"ExpiredToken":                        {403, true},
	"ExpiredTokenException":               {403, true},
	"IncompleteSignature":                 {403, true},
	"IncompleteSignatureException":        {403, true},
	"InternalFailure":                     {500, false},
	"InternalError":                       {500, false},
	"InvalidAction":                       {400, true},
	"InvalidClientTokenId":                {403, true},
	"InvalidParameterCombination":         {400, true},
	"InvalidParameterValue":               {400, true},
	"InvalidQueryParameter":               {400, true},
	"InvalidSignatureException":           {403, true},
	"MalformedQueryString":                {404, true},
	"MissingAction":                       {400, true},
	"MissingAuthenticationToken":          {403, true},
	"MissingAuthenticationTokenException": {403, true},
	"MissingParameter":                    {400, true},
	"NotImplemented":                      {501, false},
	"OptInRequired":                       {403, true},
	"RequestExpired":                      {400, true},
	"RequestTimeTooSkewed":                {403, true},
	"SerializationException":              {400, true},
	"ServiceUnavailable":                  {503, false},
	"SignatureDoesNotMatch":               {403, true},
	"ThrottlingException":                 {400, true},
	"UnknownOperationException":           {400, true},
	"UnrecognizedClientException":         {403, true},
	"ValidationError":                     {400, true},
	"ValidationException":                 {400, true},
	"UnsupportedMediaTypeException":       {415, true},
	"MethodNotAllowed":                    {405, true},
	"InvalidRequest":                      {400, true},
	"InvalidArgument":                     {400, true},
	"RequestEntityTooLargeException":      {413, true},
	"InvalidParameterException":           {400, true},
}

// Resolve fills in Status and Sender from the model's error shape for the
// code, else the common error table, else 400/Sender. It returns the
// model's shape for the code (nil if none).
func (e *Error) Resolve(api *model.API) *model.Shape {
	var shape *model.Shape
	if api != nil {
		shape = api.ErrorShape(e.Code)
	}
	status, sender := 400, true
	switch {
	case shape != nil && shape.Error != nil:
		if shape.Error.HTTPStatusCode != 0 {
			status = shape.Error.HTTPStatusCode
		}
		// Without an explicit senderFault the fault trait or a 5xx status
		// makes it the server's fault.
		sender = shape.Error.SenderFault || (!shape.Fault && status < 500)
	case shape != nil && shape.Fault:
		status, sender = 500, false
	default:
		if c, ok := common[e.Code]; ok {
			status, sender = c.status, c.sender
		}
	}
	if e.Status == 0 {
		e.Status = status
	}
	if e.Sender == nil {
		e.Sender = &sender
	}
	return shape
}

// IsSender reports whether the error is the client's fault (after Resolve).
func (e *Error) IsSender() bool { return e.Sender == nil || *e.Sender }

// NotImplemented is the answer for a modelled operation hako does not serve.
func NotImplemented(service, operation string) *Error {
	return Errorf("NotImplemented", "The operation %s of service %s is not implemented by hako yet. See GET /_hako/coverage for what is.", operation, service)
}

// InternalFailure is the answer when hako itself failed; the cause is logged,
// never shown to clients.
func InternalFailure() *Error {
	return Errorf("InternalFailure", "The request processing has failed because of an unknown error, exception or failure.")
}
