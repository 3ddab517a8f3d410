package awsjson_test

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/smithy-go"

	"hako/internal/protocol"
	"hako/internal/protocol/internal/codectest"
)

func equalDoc(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %#v\nwant %#v", what, got, want)
	}
}

// logsHandler answers the CloudWatch Logs calls the tests make with canned
// documents, and modelled errors for magic names.
func logsHandler(op string, in map[string]any) (map[string]any, error) {
	switch in["logGroupName"] {
	case "missing":
		return nil, protocol.Errorf("ResourceNotFoundException", "The specified log group does not exist.")
	case "bad":
		return nil, protocol.Errorf("InvalidParameterException", "1 validation error detected: Value 'x' at 'logStreamName' failed to satisfy constraint")
	case "dup":
		return nil, protocol.Errorf("DataAlreadyAcceptedException", "The given batch of log events has already been accepted.").
			With("expectedSequenceToken", "49640000000000000000000000000000000000000000000000000002")
	case "throttled":
		return nil, protocol.Errorf("ServiceUnavailableException", "The service cannot complete the request.")
	}
	switch op {
	case "PutLogEvents":
		return map[string]any{
			"nextSequenceToken": "49640000000000000000000000000000000000000000000000000001",
			"rejectedLogEventsInfo": map[string]any{
				"tooNewLogEventStartIndex": int64(8),
				"tooOldLogEventEndIndex":   int64(1),
			},
		}, nil
	case "GetLogEvents":
		return map[string]any{
			"events": []any{
				map[string]any{"timestamp": int64(1700000000123), "message": "first \"line\"\n\ttab é ✓", "ingestionTime": int64(1700000000456)},
				map[string]any{"timestamp": int64(1700000001000), "message": "second", "ingestionTime": int64(1700000001001)},
			},
			"nextForwardToken":  "f/3",
			"nextBackwardToken": "b/1",
		}, nil
	case "DescribeLogGroups":
		page := map[string]any{}
		switch in["nextToken"] {
		case nil:
			page["logGroups"] = []any{
				map[string]any{"logGroupName": "/aws/lambda/a", "creationTime": int64(1700000000000), "retentionInDays": int64(7), "storedBytes": int64(1 << 40), "arn": "arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/a:*", "logGroupClass": "STANDARD"},
				map[string]any{"logGroupName": "/aws/lambda/b", "creationTime": int64(1700000000001), "metricFilterCount": int64(0)},
			}
			page["nextToken"] = "page-2"
		case "page-2":
			page["logGroups"] = []any{
				map[string]any{"logGroupName": "/aws/lambda/c", "creationTime": int64(1700000000002), "deletionProtectionEnabled": true},
			}
		}
		return page, nil
	case "FilterLogEvents":
		return map[string]any{
			"events": []any{
				map[string]any{"logStreamName": "s1", "timestamp": int64(1700000000000), "message": "ERROR boom", "ingestionTime": int64(1700000000010), "eventId": "e1"},
			},
			"searchedLogStreams": []any{
				map[string]any{"logStreamName": "s1", "searchedCompletely": true},
				map[string]any{"logStreamName": "s2", "searchedCompletely": false},
			},
		}, nil
	}
	return nil, protocol.NotImplemented("logs", op)
}

func logsClient(url string) *cloudwatchlogs.Client {
	return cloudwatchlogs.NewFromConfig(codectest.SDKConfig(), func(o *cloudwatchlogs.Options) {
		o.BaseEndpoint = aws.String(url)
	})
}

func TestLogsSDK(t *testing.T) {
	svc, srv := startService(t, "logs", "InvalidParameterException", logsHandler)
	client := logsClient(srv.URL)

	t.Run("PutLogEvents", func(t *testing.T) {
		var events []types.InputLogEvent
		var want []any
		for i := range 10 {
			ts := int64(1700000000000 + i)
			msg := fmt.Sprintf("event %d: {\"k\": %d}", i, i)
			events = append(events, types.InputLogEvent{Timestamp: aws.Int64(ts), Message: aws.String(msg)})
			want = append(want, map[string]any{"timestamp": ts, "message": msg})
		}
		out, err := client.PutLogEvents(ctx, &cloudwatchlogs.PutLogEventsInput{
			LogGroupName:  aws.String("/aws/lambda/fn"),
			LogStreamName: aws.String("2024/01/01/[$LATEST]abc"),
			LogEvents:     events,
			SequenceToken: aws.String("49640000000000000000000000000000000000000000000000000000"),
		})
		if err != nil {
			t.Fatal(err)
		}
		equalDoc(t, "input", svc.Last(t).Doc, map[string]any{
			"logGroupName":  "/aws/lambda/fn",
			"logStreamName": "2024/01/01/[$LATEST]abc",
			"logEvents":     want,
			"sequenceToken": "49640000000000000000000000000000000000000000000000000000",
		})
		if got := aws.ToString(out.NextSequenceToken); got != "49640000000000000000000000000000000000000000000000000001" {
			t.Errorf("NextSequenceToken = %q", got)
		}
		info := out.RejectedLogEventsInfo
		if info == nil || aws.ToInt32(info.TooNewLogEventStartIndex) != 8 || aws.ToInt32(info.TooOldLogEventEndIndex) != 1 || info.ExpiredLogEventEndIndex != nil {
			t.Errorf("RejectedLogEventsInfo = %+v", info)
		}
	})

	t.Run("GetLogEvents", func(t *testing.T) {
		out, err := client.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{
			LogGroupName:  aws.String("/aws/lambda/fn"),
			LogStreamName: aws.String("s"),
			StartTime:     aws.Int64(1699999999000),
			Limit:         aws.Int32(50),
			StartFromHead: aws.Bool(true),
		})
		if err != nil {
			t.Fatal(err)
		}
		equalDoc(t, "input", svc.Last(t).Doc, map[string]any{
			"logGroupName":  "/aws/lambda/fn",
			"logStreamName": "s",
			"startTime":     int64(1699999999000),
			"limit":         int64(50),
			"startFromHead": true,
		})
		if len(out.Events) != 2 {
			t.Fatalf("events = %+v", out.Events)
		}
		e := out.Events[0]
		if aws.ToInt64(e.Timestamp) != 1700000000123 || aws.ToInt64(e.IngestionTime) != 1700000000456 || aws.ToString(e.Message) != "first \"line\"\n\ttab é ✓" {
			t.Errorf("event 0 = %+v", e)
		}
		if aws.ToString(out.NextForwardToken) != "f/3" || aws.ToString(out.NextBackwardToken) != "b/1" {
			t.Errorf("tokens %q %q", aws.ToString(out.NextForwardToken), aws.ToString(out.NextBackwardToken))
		}
	})

	t.Run("DescribeLogGroupsPaging", func(t *testing.T) {
		before := len(svc.All())
		p := cloudwatchlogs.NewDescribeLogGroupsPaginator(client, &cloudwatchlogs.DescribeLogGroupsInput{
			LogGroupNamePrefix: aws.String("/aws/lambda/"),
			Limit:              aws.Int32(2),
		})
		var groups []types.LogGroup
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			groups = append(groups, page.LogGroups...)
		}
		calls := svc.All()[before:]
		if len(calls) != 2 {
			t.Fatalf("%d calls, want 2", len(calls))
		}
		equalDoc(t, "page 1 input", calls[0].Doc, map[string]any{"logGroupNamePrefix": "/aws/lambda/", "limit": int64(2)})
		equalDoc(t, "page 2 input", calls[1].Doc, map[string]any{"logGroupNamePrefix": "/aws/lambda/", "limit": int64(2), "nextToken": "page-2"})
		if len(groups) != 3 {
			t.Fatalf("groups = %+v", groups)
		}
		a := groups[0]
		if aws.ToString(a.LogGroupName) != "/aws/lambda/a" || aws.ToInt64(a.CreationTime) != 1700000000000 ||
			aws.ToInt32(a.RetentionInDays) != 7 || aws.ToInt64(a.StoredBytes) != 1<<40 || a.LogGroupClass != types.LogGroupClassStandard {
			t.Errorf("group a = %+v", a)
		}
		if b := groups[1]; b.MetricFilterCount == nil || *b.MetricFilterCount != 0 || b.RetentionInDays != nil {
			t.Errorf("group b = %+v", b)
		}
		if c := groups[2]; aws.ToString(c.LogGroupName) != "/aws/lambda/c" || !aws.ToBool(c.DeletionProtectionEnabled) {
			t.Errorf("group c = %+v", c)
		}
	})

	t.Run("FilterLogEvents", func(t *testing.T) {
		out, err := client.FilterLogEvents(ctx, &cloudwatchlogs.FilterLogEventsInput{
			LogGroupName:   aws.String("/aws/lambda/fn"),
			LogStreamNames: []string{"s1", "s2"},
			StartTime:      aws.Int64(1),
			EndTime:        aws.Int64(1800000000000),
			FilterPattern:  aws.String(`"ERROR"`),
			Interleaved:    aws.Bool(false),
		})
		if err != nil {
			t.Fatal(err)
		}
		equalDoc(t, "input", svc.Last(t).Doc, map[string]any{
			"logGroupName":   "/aws/lambda/fn",
			"logStreamNames": []any{"s1", "s2"},
			"startTime":      int64(1),
			"endTime":        int64(1800000000000),
			"filterPattern":  `"ERROR"`,
			"interleaved":    false,
		})
		if len(out.Events) != 1 || aws.ToString(out.Events[0].EventId) != "e1" || aws.ToInt64(out.Events[0].IngestionTime) != 1700000000010 {
			t.Errorf("events = %+v", out.Events)
		}
		if len(out.SearchedLogStreams) != 2 || !aws.ToBool(out.SearchedLogStreams[0].SearchedCompletely) ||
			out.SearchedLogStreams[1].SearchedCompletely == nil || *out.SearchedLogStreams[1].SearchedCompletely {
			t.Errorf("searched = %+v", out.SearchedLogStreams)
		}
		if out.NextToken != nil {
			t.Errorf("NextToken = %q, want nil", *out.NextToken)
		}
	})

	put := func(group string) error {
		_, err := client.PutLogEvents(ctx, &cloudwatchlogs.PutLogEventsInput{
			LogGroupName:  aws.String(group),
			LogStreamName: aws.String("s"),
			LogEvents:     []types.InputLogEvent{{Timestamp: aws.Int64(1), Message: aws.String("m")}},
		})
		return err
	}

	t.Run("ResourceNotFoundException", func(t *testing.T) {
		err := put("missing")
		var nf *types.ResourceNotFoundException
		if !errors.As(err, &nf) {
			t.Fatalf("err = %T %v", err, err)
		}
		if nf.ErrorMessage() != "The specified log group does not exist." || nf.ErrorCode() != "ResourceNotFoundException" {
			t.Errorf("code %q message %q", nf.ErrorCode(), nf.ErrorMessage())
		}
		var re interface{ HTTPStatusCode() int }
		if errors.As(err, &re) && re.HTTPStatusCode() != 400 {
			t.Errorf("status %d", re.HTTPStatusCode())
		}
	})

	t.Run("InvalidParameterException", func(t *testing.T) {
		err := put("bad")
		var ip *types.InvalidParameterException
		if !errors.As(err, &ip) || !strings.HasPrefix(ip.ErrorMessage(), "1 validation error detected") {
			t.Fatalf("err = %T %v", err, err)
		}
	})

	t.Run("ValidationFromModel", func(t *testing.T) {
		// An empty group name passes the SDK's own checks (it only checks
		// presence) and fails the model's min length in protocol.Validate.
		err := put("")
		var ip *types.InvalidParameterException
		if !errors.As(err, &ip) {
			t.Fatalf("err = %T %v", err, err)
		}
		if want := "Value '' at 'logGroupName' failed to satisfy constraint: Member must have length greater than or equal to 1"; !strings.Contains(ip.ErrorMessage(), want) {
			t.Errorf("message %q lacks %q", ip.ErrorMessage(), want)
		}
	})

	t.Run("DataAlreadyAcceptedException", func(t *testing.T) {
		err := put("dup")
		var da *types.DataAlreadyAcceptedException
		if !errors.As(err, &da) {
			t.Fatalf("err = %T %v", err, err)
		}
		if aws.ToString(da.ExpectedSequenceToken) != "49640000000000000000000000000000000000000000000000000002" {
			t.Errorf("ExpectedSequenceToken = %q", aws.ToString(da.ExpectedSequenceToken))
		}
		if da.ErrorMessage() != "The given batch of log events has already been accepted." {
			t.Errorf("message %q", da.ErrorMessage())
		}
	})

	t.Run("ServerFault", func(t *testing.T) {
		err := put("throttled")
		var su *types.ServiceUnavailableException
		if !errors.As(err, &su) {
			t.Fatalf("err = %T %v", err, err)
		}
		var re interface{ HTTPStatusCode() int }
		if !errors.As(err, &re) || re.HTTPStatusCode() != 500 {
			t.Errorf("want status 500, err %v", err)
		}
		if su.ErrorFault() != smithy.FaultServer {
			t.Errorf("fault %v", su.ErrorFault())
		}
	})

	t.Run("NotImplemented", func(t *testing.T) {
		_, err := client.DeleteLogGroup(ctx, &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: aws.String("g")})
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != "NotImplemented" || !strings.Contains(ae.ErrorMessage(), "DeleteLogGroup") {
			t.Fatalf("err = %T %v", err, err)
		}
	})
}
