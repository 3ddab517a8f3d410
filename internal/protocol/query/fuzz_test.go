package query

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"hako/internal/protocol"
	"hako/internal/protocol/model"
)

// FuzzDecode feeds arbitrary bodies and query strings to the codec with
// the STS, IAM and SQS models: it must never panic, must only fail with
// *protocol.Error, and whatever it decodes must encode (as an output
// document, which exercises the encoder with ill-typed values) without
// panicking.
func FuzzDecode(f *testing.F) {
	seeds := []struct {
		model       uint8
		method, raw string
		body        string
	}{
		{0, "POST", "", "Action=GetCallerIdentity&Version=2011-06-15"},
		{0, "POST", "", "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A000000000000%3Arole%2Fr&RoleSessionName=s&DurationSeconds=900&Tags.member.1.Key=a&Tags.member.1.Value=b&PolicyArns.member.1.arn=arn&TransitiveTagKeys.member.1=a"},
		{0, "GET", "Action=GetSessionToken&DurationSeconds=3600", ""},
		{1, "POST", "", "Action=CreateRole&Version=2010-05-08&RoleName=r&Path=%2F&AssumeRolePolicyDocument=%7B%7D&Tags.member.1.Key=k&Tags.member.1.Value=v&MaxSessionDuration=3600"},
		{1, "POST", "", "Action=ListRoles&Version=2010-05-08&Marker=m&MaxItems=10"},
		{1, "POST", "", "Action=TagRole&RoleName=r&Tags="},
		{1, "POST", "", "Action=UpdateAccountPasswordPolicy&RequireSymbols=true&MinimumPasswordLength=x"},
		{1, "POST", "Action=SimulateCustomPolicy", "PolicyInputList.member.1=%7B%7D&ActionNames.member.1=s3%3AGetObject&ContextEntries.member.1.ContextKeyValues.member.1=v&ResourceArns.member.1=*"},
		{2, "POST", "", "Action=SendMessage&QueueUrl=q&MessageBody=b&MessageAttribute.1.Name=n&MessageAttribute.1.Value.DataType=String&MessageAttribute.1.Value.StringValue=v&MessageAttribute.2.Value.BinaryValue=%25%25"},
		{2, "POST", "", "Action=CreateQueue&QueueName=q&Attribute.1.Name=VisibilityTimeout&Attribute.1.Value=3&Tag.1.Key=a&Tag.1.Value=b"},
		{2, "POST", "", "Action=SendMessageBatch&QueueUrl=q&SendMessageBatchRequestEntry.1.Id=a&SendMessageBatchRequestEntry.1.MessageBody=b&SendMessageBatchRequestEntry.2.Id=c"},
		{1, "POST", "", "Action=ListRoles&MaxItems.member.1=3&Marker.a.b=c"},
	}
	for _, s := range seeds {
		f.Add(s.model, s.method, s.raw, s.body)
	}
	apis := []*model.API{model.MustLoad("sts"), model.MustLoad("iam"), model.MustLoad("sqs")}
	f.Fuzz(func(t *testing.T, which uint8, method, rawQuery, body string) {
		api := apis[int(which)%len(apis)]
		if method == "" || strings.ContainsAny(method, " \t\r\n") {
			method = "POST"
		}
		r := &http.Request{
			Method: method,
			URL:    &url.URL{Path: "/", RawQuery: rawQuery},
			Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
			Body:   readCloser{strings.NewReader(body)},
		}
		var codec Codec
		c := &protocol.Call{API: api, RequestID: "rid"}
		op, err := codec.Operation(c, r)
		if err != nil {
			mustBeProtocolError(t, err)
			codec.EncodeError(c, newRecorder(), asProtocolError(err))
			return
		}
		c.Op = op
		doc, err := codec.Decode(c, r)
		if err != nil {
			mustBeProtocolError(t, err)
			codec.EncodeError(c, newRecorder(), asProtocolError(err))
			return
		}
		codec.Encode(c, newRecorder(), doc)
	})
}

type readCloser struct{ *strings.Reader }

func (readCloser) Close() error { return nil }

func mustBeProtocolError(t *testing.T, err error) {
	t.Helper()
	var pe *protocol.Error
	if !errors.As(err, &pe) {
		t.Fatalf("error %T is not a *protocol.Error: %v", err, err)
	}
}

func asProtocolError(err error) *protocol.Error {
	var pe *protocol.Error
	errors.As(err, &pe)
	return pe
}
