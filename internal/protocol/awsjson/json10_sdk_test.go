package awsjson_test

import (
	"crypto/md5"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	"hako/internal/protocol"
	"hako/internal/protocol/internal/codectest"
)

func TestDynamoDBSDK(t *testing.T) {
	created := time.Date(2024, 1, 2, 3, 4, 5, 678_000_000, time.UTC)
	increased := time.Date(2024, 2, 3, 4, 5, 6, 0, time.UTC)
	svc, srv := startService(t, "dynamodb", "ValidationException", func(op string, in map[string]any) (map[string]any, error) {
		switch op {
		case "PutItem":
			if in["TableName"] == "missing" {
				return nil, protocol.Errorf("ResourceNotFoundException", "Requested resource not found")
			}
			return map[string]any{
				"Attributes":       in["Item"],
				"ConsumedCapacity": map[string]any{"TableName": in["TableName"], "CapacityUnits": 1.5, "WriteCapacityUnits": float64(1)},
			}, nil
		case "DescribeTable":
			return map[string]any{"Table": map[string]any{
				"TableName":        in["TableName"],
				"TableStatus":      "ACTIVE",
				"CreationDateTime": created,
				"ItemCount":        int64(42),
				"TableSizeBytes":   int64(1 << 33),
				"KeySchema":        []any{map[string]any{"AttributeName": "pk", "KeyType": "HASH"}},
				"AttributeDefinitions": []any{
					map[string]any{"AttributeName": "pk", "AttributeType": "S"},
				},
				"ProvisionedThroughput": map[string]any{
					"LastIncreaseDateTime":   increased,
					"NumberOfDecreasesToday": int64(0),
					"ReadCapacityUnits":      int64(5),
					"WriteCapacityUnits":     int64(5),
				},
				"TableArn":                  "arn:aws:dynamodb:us-east-1:000000000000:table/t",
				"DeletionProtectionEnabled": false,
			}}, nil
		}
		return nil, protocol.NotImplemented("dynamodb", op)
	})
	client := dynamodb.NewFromConfig(codectest.SDKConfig(), func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(srv.URL) })

	t.Run("PutItem", func(t *testing.T) {
		item := map[string]ddbtypes.AttributeValue{
			"pk":   &ddbtypes.AttributeValueMemberS{Value: "user#1"},
			"n":    &ddbtypes.AttributeValueMemberN{Value: "-12.5e3"},
			"b":    &ddbtypes.AttributeValueMemberB{Value: []byte{0, 1, 2, 0xfe, 0xff}},
			"ok":   &ddbtypes.AttributeValueMemberBOOL{Value: true},
			"none": &ddbtypes.AttributeValueMemberNULL{Value: true},
			"ss":   &ddbtypes.AttributeValueMemberSS{Value: []string{"a", "b"}},
			"ns":   &ddbtypes.AttributeValueMemberNS{Value: []string{"1", "2"}},
			"bs":   &ddbtypes.AttributeValueMemberBS{Value: [][]byte{{1}, {2, 3}}},
			"l": &ddbtypes.AttributeValueMemberL{Value: []ddbtypes.AttributeValue{
				&ddbtypes.AttributeValueMemberS{Value: "x"},
				&ddbtypes.AttributeValueMemberM{Value: map[string]ddbtypes.AttributeValue{
					"deep": &ddbtypes.AttributeValueMemberN{Value: "7"},
				}},
			}},
			"m": &ddbtypes.AttributeValueMemberM{Value: map[string]ddbtypes.AttributeValue{}},
		}
		out, err := client.PutItem(ctx, &dynamodb.PutItemInput{
			TableName:                aws.String("t"),
			Item:                     item,
			ReturnValues:             ddbtypes.ReturnValueAllOld,
			ConditionExpression:      aws.String("attribute_not_exists(#p)"),
			ExpressionAttributeNames: map[string]string{"#p": "pk"},
			ReturnConsumedCapacity:   ddbtypes.ReturnConsumedCapacityTotal,
		})
		if err != nil {
			t.Fatal(err)
		}
		equalDoc(t, "input", svc.Last(t).Doc, map[string]any{
			"TableName": "t",
			"Item": map[string]any{
				"pk":   map[string]any{"S": "user#1"},
				"n":    map[string]any{"N": "-12.5e3"},
				"b":    map[string]any{"B": []byte{0, 1, 2, 0xfe, 0xff}},
				"ok":   map[string]any{"BOOL": true},
				"none": map[string]any{"NULL": true},
				"ss":   map[string]any{"SS": []any{"a", "b"}},
				"ns":   map[string]any{"NS": []any{"1", "2"}},
				"bs":   map[string]any{"BS": []any{[]byte{1}, []byte{2, 3}}},
				"l": map[string]any{"L": []any{
					map[string]any{"S": "x"},
					map[string]any{"M": map[string]any{"deep": map[string]any{"N": "7"}}},
				}},
				"m": map[string]any{"M": map[string]any{}},
			},
			"ReturnValues":             "ALL_OLD",
			"ConditionExpression":      "attribute_not_exists(#p)",
			"ExpressionAttributeNames": map[string]any{"#p": "pk"},
			"ReturnConsumedCapacity":   "TOTAL",
		})
		if !reflect.DeepEqual(out.Attributes, item) {
			t.Errorf("Attributes round trip:\n got %#v\nwant %#v", out.Attributes, item)
		}
		if cc := out.ConsumedCapacity; cc == nil || aws.ToFloat64(cc.CapacityUnits) != 1.5 || aws.ToFloat64(cc.WriteCapacityUnits) != 1 || aws.ToString(cc.TableName) != "t" {
			t.Errorf("ConsumedCapacity = %+v", cc)
		}
	})

	t.Run("DescribeTable", func(t *testing.T) {
		out, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("t")})
		if err != nil {
			t.Fatal(err)
		}
		tab := out.Table
		if tab == nil || !aws.ToTime(tab.CreationDateTime).Equal(created) || aws.ToInt64(tab.ItemCount) != 42 || aws.ToInt64(tab.TableSizeBytes) != 1<<33 || tab.TableStatus != ddbtypes.TableStatusActive {
			t.Fatalf("Table = %+v (created %v)", tab, aws.ToTime(tab.CreationDateTime))
		}
		pt := tab.ProvisionedThroughput
		if pt == nil || !aws.ToTime(pt.LastIncreaseDateTime).Equal(increased) || aws.ToInt64(pt.ReadCapacityUnits) != 5 {
			t.Errorf("ProvisionedThroughput = %+v", pt)
		}
		if len(tab.KeySchema) != 1 || tab.KeySchema[0].KeyType != ddbtypes.KeyTypeHash || tab.DeletionProtectionEnabled == nil || *tab.DeletionProtectionEnabled {
			t.Errorf("KeySchema = %+v", tab.KeySchema)
		}
	})

	t.Run("ResourceNotFoundException", func(t *testing.T) {
		_, err := client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("missing"), Item: map[string]ddbtypes.AttributeValue{"pk": &ddbtypes.AttributeValueMemberS{Value: "x"}}})
		var nf *ddbtypes.ResourceNotFoundException
		if !errors.As(err, &nf) || nf.ErrorMessage() != "Requested resource not found" {
			t.Fatalf("err = %T %v", err, err)
		}
	})

	t.Run("Json10ContentType", func(t *testing.T) {
		resp, err := http.Post(srv.URL, "application/x-amz-json-1.0", strings.NewReader(`{"TableName":"t"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		// No X-Amz-Target: an unknown operation.
		if resp.StatusCode != 400 || resp.Header.Get("Content-Type") != "application/x-amz-json-1.0" {
			t.Errorf("status %d content type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	})
}

func TestSQSQueryCompatibleErrors(t *testing.T) {
	_, srv := startService(t, "sqs", "InvalidParameterValue", func(op string, in map[string]any) (map[string]any, error) {
		switch op {
		case "GetQueueUrl":
			switch in["QueueName"] {
			case "by-shape":
				return nil, protocol.Errorf("QueueDoesNotExist", "The specified queue does not exist.")
			case "by-query-code":
				return nil, protocol.Errorf("AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist.")
			case "internal":
				return nil, protocol.InternalFailure()
			}
			return map[string]any{"QueueUrl": "http://localhost/000000000000/" + in["QueueName"].(string)}, nil
		case "SendMessage":
			sum := md5.Sum([]byte(in["MessageBody"].(string)))
			return map[string]any{"MessageId": "m-1", "MD5OfMessageBody": hex.EncodeToString(sum[:])}, nil
		case "ReceiveMessage":
			return nil, protocol.Errorf("OverLimit", "Too many messages in flight.")
		}
		return nil, protocol.NotImplemented("sqs", op)
	})
	client := sqs.NewFromConfig(codectest.SDKConfig(), func(o *sqs.Options) { o.BaseEndpoint = aws.String(srv.URL) })

	for _, name := range []string{"by-shape", "by-query-code"} {
		t.Run(name, func(t *testing.T) {
			_, err := client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
			var qd *sqstypes.QueueDoesNotExist
			if !errors.As(err, &qd) {
				t.Fatalf("err = %T %v", err, err)
			}
			if qd.ErrorCode() != "AWS.SimpleQueueService.NonExistentQueue" || qd.ErrorMessage() != "The specified queue does not exist." {
				t.Errorf("code %q message %q", qd.ErrorCode(), qd.ErrorMessage())
			}
		})
	}

	t.Run("StatusFromQueryTable", func(t *testing.T) {
		_, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String("http://localhost/000000000000/q")})
		var ol *sqstypes.OverLimit
		var re interface{ HTTPStatusCode() int }
		if !errors.As(err, &ol) || !errors.As(err, &re) || re.HTTPStatusCode() != 403 {
			t.Fatalf("err = %T %v", err, err)
		}
	})

	t.Run("ReceiverFault", func(t *testing.T) {
		_, err := client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("internal")})
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != "InternalFailure" || ae.ErrorFault() != smithy.FaultServer {
			t.Fatalf("err = %T %v", err, err)
		}
	})

	t.Run("SendMessage", func(t *testing.T) {
		out, err := client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String("http://localhost/000000000000/q"), MessageBody: aws.String("hello ✓")})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(out.MessageId) != "m-1" {
			t.Errorf("MessageId %q", aws.ToString(out.MessageId))
		}
	})

	t.Run("RawHeaders", func(t *testing.T) {
		req, _ := http.NewRequest("POST", srv.URL, strings.NewReader(`{"QueueName":"by-shape"}`))
		req.Header.Set("X-Amz-Target", "AmazonSQS.GetQueueUrl")
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if got := resp.Header.Get("X-Amzn-Query-Error"); got != "AWS.SimpleQueueService.NonExistentQueue;Sender" {
			t.Errorf("x-amzn-query-error = %q", got)
		}
		if got := resp.Header.Get("X-Amzn-ErrorType"); got != "QueueDoesNotExist" {
			t.Errorf("x-amzn-ErrorType = %q", got)
		}
		if want := `{"__type":"QueueDoesNotExist","message":"The specified queue does not exist."}`; string(body) != want {
			t.Errorf("body %s, want %s", body, want)
		}
	})
}
