package query

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"hako/internal/protocol"
	"hako/internal/protocol/model"
	"hako/internal/protocol/restxml/xmlshape"
)

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// TestSQSQueryForm decodes SQS requests built the way botocore's query
// serializer built them from SQS's last query model (botocore < 1.31.81,
// and the Debian aws CLI v2.9 today), and checks the XML answers.
func TestSQSQueryForm(t *testing.T) {
	f, srv := newFake(t, model.MustLoad("sqs"), Codec{}, map[string]reply{
		"SendMessage": func(in map[string]any) (map[string]any, error) {
			return map[string]any{"MD5OfMessageBody": md5hex(in["MessageBody"].(string)), "MessageId": "m-1"}, nil
		},
		"ReceiveMessage": func(in map[string]any) (map[string]any, error) {
			return map[string]any{"Messages": []any{
				map[string]any{
					"MessageId": "m-1", "ReceiptHandle": "rh-1", "MD5OfBody": md5hex("hello"), "Body": "hello <world> & co",
					"Attributes": map[string]any{"SenderId": "AIDA", "ApproximateReceiveCount": "1"},
					"MessageAttributes": map[string]any{
						"color": map[string]any{"StringValue": "blue", "DataType": "String"},
						"bin":   map[string]any{"BinaryValue": []byte("hi"), "DataType": "Binary"},
					},
				},
				map[string]any{"MessageId": "m-2", "ReceiptHandle": "rh-2", "Body": "second"},
			}}, nil
		},
		"GetQueueUrl": func(in map[string]any) (map[string]any, error) {
			return nil, protocol.Errorf("QueueDoesNotExist", "The specified queue does not exist.")
		},
		"PurgeQueue": func(in map[string]any) (map[string]any, error) {
			return nil, protocol.Errorf("PurgeQueueInProgress", "Only one PurgeQueue operation on q is allowed every 60 seconds.")
		},
	})

	form := "Action=SendMessage&Version=2012-11-05&QueueUrl=http%3A%2F%2Flocalhost%3A4566%2F000000000000%2Fq&MessageBody=hello&DelaySeconds=2" +
		"&MessageAttribute.1.Name=color&MessageAttribute.1.Value.StringValue=blue&MessageAttribute.1.Value.DataType=String" +
		"&MessageAttribute.2.Name=bin&MessageAttribute.2.Value.BinaryValue=aGk%3D&MessageAttribute.2.Value.DataType=Binary" +
		"&MessageAttribute.3.Name=list&MessageAttribute.3.Value.StringListValue.1=a&MessageAttribute.3.Value.StringListValue.2=b&MessageAttribute.3.Value.DataType=String" +
		"&MessageSystemAttribute.1.Name=AWSTraceHeader&MessageSystemAttribute.1.Value.StringValue=Root%3D1-abc&MessageSystemAttribute.1.Value.DataType=String"
	status, body := post(t, srv.URL, form)
	wantBody := `<SendMessageResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><SendMessageResult><MD5OfMessageBody>5d41402abc4b2a76b9719d911017c592</MD5OfMessageBody><MessageId>m-1</MessageId></SendMessageResult><ResponseMetadata><RequestId>4442587f-8eac-4b2a-9c85-1e5b8a7a2b11</RequestId></ResponseMetadata></SendMessageResponse>`
	if status != 200 || body != wantBody {
		t.Errorf("SendMessage: %d %s", status, body)
	}
	want := map[string]any{
		"QueueUrl":     "http://localhost:4566/000000000000/q",
		"MessageBody":  "hello",
		"DelaySeconds": int64(2),
		"MessageAttributes": map[string]any{
			"color": map[string]any{"StringValue": "blue", "DataType": "String"},
			"bin":   map[string]any{"BinaryValue": []byte("hi"), "DataType": "Binary"},
			"list":  map[string]any{"StringListValues": []any{"a", "b"}, "DataType": "String"},
		},
		"MessageSystemAttributes": map[string]any{
			"AWSTraceHeader": map[string]any{"StringValue": "Root=1-abc", "DataType": "String"},
		},
	}
	if got := f.last().in; !reflect.DeepEqual(got, want) {
		t.Errorf("SendMessage decoded\n%#v\nwant\n%#v", got, want)
	}

	status, body = post(t, srv.URL, "Action=ReceiveMessage&Version=2012-11-05&QueueUrl=q&AttributeName.1=All&MessageAttributeName.1=color&MessageAttributeName.2=bin&MaxNumberOfMessages=10&WaitTimeSeconds=1")
	want = map[string]any{
		"QueueUrl": "q", "AttributeNames": []any{"All"}, "MessageSystemAttributeNames": []any{"All"},
		"MessageAttributeNames": []any{"color", "bin"}, "MaxNumberOfMessages": int64(10), "WaitTimeSeconds": int64(1),
	}
	if got := f.last().in; !reflect.DeepEqual(got, want) {
		t.Errorf("ReceiveMessage decoded\n%#v\nwant\n%#v", got, want)
	}
	wantBody = `<ReceiveMessageResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><ReceiveMessageResult>` +
		`<Message><MessageId>m-1</MessageId><ReceiptHandle>rh-1</ReceiptHandle><MD5OfBody>5d41402abc4b2a76b9719d911017c592</MD5OfBody><Body>hello &lt;world&gt; &amp; co</Body>` +
		`<Attribute><Name>ApproximateReceiveCount</Name><Value>1</Value></Attribute><Attribute><Name>SenderId</Name><Value>AIDA</Value></Attribute>` +
		`<MessageAttribute><Name>bin</Name><Value><BinaryValue>aGk=</BinaryValue><DataType>Binary</DataType></Value></MessageAttribute>` +
		`<MessageAttribute><Name>color</Name><Value><StringValue>blue</StringValue><DataType>String</DataType></Value></MessageAttribute></Message>` +
		`<Message><MessageId>m-2</MessageId><ReceiptHandle>rh-2</ReceiptHandle><Body>second</Body></Message>` +
		`</ReceiveMessageResult><ResponseMetadata><RequestId>4442587f-8eac-4b2a-9c85-1e5b8a7a2b11</RequestId></ResponseMetadata></ReceiveMessageResponse>`
	if status != 200 || body != wantBody {
		t.Errorf("ReceiveMessage: %d\n%s\nwant\n%s", status, body, wantBody)
	}

	status, body = post(t, srv.URL, "Action=GetQueueUrl&Version=2012-11-05&QueueName=nope")
	wantBody = `<ErrorResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><Error><Type>Sender</Type><Code>AWS.SimpleQueueService.NonExistentQueue</Code><Message>The specified queue does not exist.</Message></Error>`
	if status != 400 || !strings.HasPrefix(body, wantBody) {
		t.Errorf("GetQueueUrl: %d %s", status, body)
	}
	status, body = post(t, srv.URL, "Action=PurgeQueue&Version=2012-11-05&QueueUrl=q")
	if status != 403 || !strings.Contains(body, "<Code>AWS.SimpleQueueService.PurgeQueueInProgress</Code>") {
		t.Errorf("PurgeQueue: %d %s", status, body)
	}
}

// awsCLI returns the Debian aws CLI v2.9 (which still speaks query to
// SQS), or skips.
func awsCLI(t *testing.T) string {
	t.Helper()
	const path = "/usr/bin/aws"
	if _, err := os.Stat(path); err != nil {
		t.Skip("Debian aws CLI (/usr/bin/aws) not installed")
	}
	out, err := exec.Command(path, "--version").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "aws-cli/2.9.") {
		t.Skipf("/usr/bin/aws is not the aws CLI v2.9 that speaks query to SQS: %s", out)
	}
	return path
}

func runCLI(t *testing.T, cli, endpoint string, args ...string) (map[string]any, string, error) {
	t.Helper()
	home := t.TempDir()
	cmd := exec.Command(cli, append([]string{"--endpoint-url", endpoint, "--output", "json"}, args...)...)
	cmd.Env = []string{
		"PATH=/usr/bin:/bin", "HOME=" + home, "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY=secret",
		"AWS_DEFAULT_REGION=us-east-1", "AWS_PAGER=", "AWS_CONFIG_FILE=" + filepath.Join(home, "none"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "none"), "AWS_EC2_METADATA_DISABLED=true",
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var out map[string]any
	if stdout.Len() > 0 {
		if jerr := json.Unmarshal(stdout.Bytes(), &out); jerr != nil {
			t.Fatalf("aws %v: output is not JSON: %s", args, stdout.String())
		}
	}
	return out, stderr.String(), err
}

// TestSQSWithDebianCLI drives SQS's query form with the real client that
// sends it: the aws CLI v2.9 packaged by Debian.
func TestSQSWithDebianCLI(t *testing.T) {
	cli := awsCLI(t)
	var srvURL string
	f, srv := newFake(t, model.MustLoad("sqs"), Codec{}, map[string]reply{
		"CreateQueue": func(in map[string]any) (map[string]any, error) {
			return map[string]any{"QueueUrl": srvURL + "/000000000000/" + in["QueueName"].(string)}, nil
		},
		"SendMessage": func(in map[string]any) (map[string]any, error) {
			return map[string]any{"MD5OfMessageBody": md5hex(in["MessageBody"].(string)), "MessageId": "m-1", "SequenceNumber": "1"}, nil
		},
		"SendMessageBatch": func(in map[string]any) (map[string]any, error) {
			entries := in["Entries"].([]any)
			return map[string]any{
				"Successful": []any{map[string]any{"Id": entries[0].(map[string]any)["Id"], "MessageId": "m-2", "MD5OfMessageBody": md5hex(entries[0].(map[string]any)["MessageBody"].(string))}},
				"Failed":     []any{map[string]any{"Id": entries[1].(map[string]any)["Id"], "SenderFault": true, "Code": "InvalidParameterValue", "Message": "bad"}},
			}, nil
		},
		"ReceiveMessage": func(in map[string]any) (map[string]any, error) {
			return map[string]any{"Messages": []any{map[string]any{
				"MessageId": "m-1", "ReceiptHandle": "rh-1", "MD5OfBody": md5hex("hello"), "Body": "hello",
				"Attributes":        map[string]any{"SenderId": "AIDA", "SentTimestamp": "1700000000000"},
				"MessageAttributes": map[string]any{"color": map[string]any{"StringValue": "blue", "DataType": "String"}, "bin": map[string]any{"BinaryValue": []byte("hi"), "DataType": "Binary"}},
			}}}, nil
		},
		"GetQueueAttributes": func(in map[string]any) (map[string]any, error) {
			return map[string]any{"Attributes": map[string]any{"VisibilityTimeout": "60", "QueueArn": "arn:aws:sqs:us-east-1:000000000000:q"}}, nil
		},
		"ListQueues": func(in map[string]any) (map[string]any, error) {
			return map[string]any{"QueueUrls": []any{srvURL + "/000000000000/a", srvURL + "/000000000000/b"}}, nil
		},
		"GetQueueUrl": func(in map[string]any) (map[string]any, error) {
			return nil, protocol.Errorf("QueueDoesNotExist", "The specified queue does not exist.")
		},
	})
	srvURL = srv.URL
	queue := srv.URL + "/000000000000/q"

	// Each step is a separate CLI process (about two seconds of Python
	// start-up each), so they run in parallel; each checks its own operation.
	steps := map[string]func(t *testing.T){
		"create-queue": func(t *testing.T) {
			out, stderr, err := runCLI(t, cli, srv.URL, "sqs", "create-queue", "--queue-name", "q", "--attributes", "VisibilityTimeout=60,DelaySeconds=5", "--tags", "env=dev")
			if err != nil || out["QueueUrl"] != queue {
				t.Fatalf("create-queue: %v %v %s", out, err, stderr)
			}
			if got, want := f.lastOf("CreateQueue").in, map[string]any{"QueueName": "q", "Attributes": map[string]any{"VisibilityTimeout": "60", "DelaySeconds": "5"}, "tags": map[string]any{"env": "dev"}}; !reflect.DeepEqual(got, want) {
				t.Errorf("create-queue decoded %#v", got)
			}
		},
		"send-message": func(t *testing.T) {
			out, stderr, err := runCLI(t, cli, srv.URL, "sqs", "send-message", "--queue-url", queue, "--message-body", "hello", "--delay-seconds", "3",
				"--message-attributes", `{"color":{"DataType":"String","StringValue":"blue"},"bin":{"DataType":"Binary","BinaryValue":"aGk="}}`)
			if err != nil || out["MessageId"] != "m-1" || out["SequenceNumber"] != "1" {
				t.Fatalf("send-message: %v %v %s", out, err, stderr)
			}
			want := map[string]any{"QueueUrl": queue, "MessageBody": "hello", "DelaySeconds": int64(3), "MessageAttributes": map[string]any{
				"color": map[string]any{"DataType": "String", "StringValue": "blue"},
				"bin":   map[string]any{"DataType": "Binary", "BinaryValue": []byte("hi")},
			}}
			if got := f.lastOf("SendMessage").in; !reflect.DeepEqual(got, want) {
				t.Errorf("send-message decoded\n%#v\nwant\n%#v", got, want)
			}
		},
		"send-message-batch": func(t *testing.T) {
			out, stderr, err := runCLI(t, cli, srv.URL, "sqs", "send-message-batch", "--queue-url", queue, "--entries", `[{"Id":"a","MessageBody":"one"},{"Id":"b","MessageBody":"two","DelaySeconds":1}]`)
			if err != nil {
				t.Fatalf("send-message-batch: %v %s", err, stderr)
			}
			if s, _ := out["Successful"].([]any); len(s) != 1 || s[0].(map[string]any)["Id"] != "a" {
				t.Errorf("send-message-batch successful: %v", out)
			}
			if fl, _ := out["Failed"].([]any); len(fl) != 1 || fl[0].(map[string]any)["SenderFault"] != true || fl[0].(map[string]any)["Code"] != "InvalidParameterValue" {
				t.Errorf("send-message-batch failed: %v", out)
			}
			want := map[string]any{"QueueUrl": queue, "Entries": []any{
				map[string]any{"Id": "a", "MessageBody": "one"},
				map[string]any{"Id": "b", "MessageBody": "two", "DelaySeconds": int64(1)},
			}}
			if got := f.lastOf("SendMessageBatch").in; !reflect.DeepEqual(got, want) {
				t.Errorf("send-message-batch decoded %#v", got)
			}
		},
		"receive-message": func(t *testing.T) {
			out, stderr, err := runCLI(t, cli, srv.URL, "sqs", "receive-message", "--queue-url", queue, "--attribute-names", "All", "--message-attribute-names", "All", "--max-number-of-messages", "5")
			if err != nil {
				t.Fatalf("receive-message: %v %s", err, stderr)
			}
			msgs, _ := out["Messages"].([]any)
			if len(msgs) != 1 {
				t.Fatalf("receive-message: %v", out)
			}
			m := msgs[0].(map[string]any)
			attrs, _ := m["Attributes"].(map[string]any)
			mattrs, _ := m["MessageAttributes"].(map[string]any)
			if m["Body"] != "hello" || m["ReceiptHandle"] != "rh-1" || attrs["SentTimestamp"] != "1700000000000" ||
				mattrs["color"].(map[string]any)["StringValue"] != "blue" || mattrs["bin"].(map[string]any)["BinaryValue"] != "aGk=" {
				t.Errorf("receive-message: %v", m)
			}
			want := map[string]any{"QueueUrl": queue, "AttributeNames": []any{"All"}, "MessageSystemAttributeNames": []any{"All"},
				"MessageAttributeNames": []any{"All"}, "MaxNumberOfMessages": int64(5)}
			if got := f.lastOf("ReceiveMessage").in; !reflect.DeepEqual(got, want) {
				t.Errorf("receive-message decoded %#v", got)
			}
		},
		"get-queue-attributes": func(t *testing.T) {
			out, stderr, err := runCLI(t, cli, srv.URL, "sqs", "get-queue-attributes", "--queue-url", queue, "--attribute-names", "VisibilityTimeout", "QueueArn")
			if err != nil || out["Attributes"].(map[string]any)["VisibilityTimeout"] != "60" {
				t.Errorf("get-queue-attributes: %v %v %s", out, err, stderr)
			}
			if got := f.lastOf("GetQueueAttributes").in["AttributeNames"]; !reflect.DeepEqual(got, []any{"VisibilityTimeout", "QueueArn"}) {
				t.Errorf("get-queue-attributes decoded %#v", got)
			}
		},
		"list-queues": func(t *testing.T) {
			out, stderr, err := runCLI(t, cli, srv.URL, "sqs", "list-queues")
			if urls, _ := out["QueueUrls"].([]any); err != nil || len(urls) != 2 {
				t.Errorf("list-queues: %v %v %s", out, err, stderr)
			}
		},
		"get-queue-url": func(t *testing.T) {
			_, stderr, err := runCLI(t, cli, srv.URL, "sqs", "get-queue-url", "--queue-name", "missing")
			if err == nil || !strings.Contains(stderr, "An error occurred (AWS.SimpleQueueService.NonExistentQueue) when calling the GetQueueUrl operation: The specified queue does not exist.") {
				t.Errorf("get-queue-url: %v %s", err, stderr)
			}
		},
	}
	for name, step := range steps {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			step(t)
		})
	}
}

// TestSQSCompatAgainstQueryModel checks the compat table against SQS's
// last query model, which the Debian aws CLI still bundles: every wire name
// and error code the table gives the JSON model must be the one the query
// model gives.
func TestSQSCompatAgainstQueryModel(t *testing.T) {
	matches, _ := filepath.Glob("/usr/lib/python3/dist-packages/awscli/botocore/data/sqs/*/service-2.json")
	if len(matches) == 0 {
		t.Skip("no SQS query model from the Debian aws CLI")
	}
	raw, err := os.ReadFile(matches[0])
	if err != nil {
		t.Fatal(err)
	}
	old, err := model.Parse("sqs-query", raw)
	if err != nil {
		t.Fatal(err)
	}
	if old.Metadata.Protocol != "query" {
		t.Skipf("bundled SQS model speaks %s", old.Metadata.Protocol)
	}
	cur := model.MustLoad("sqs")
	table := model.QueryCompatOf("sqs")
	names := names(cur)
	var none *xmlshape.Names
	checked := 0
	for name, s := range cur.Shapes {
		os := old.Shapes[name]
		if os == nil || os.Type != s.Type {
			continue
		}
		switch s.Type {
		case "structure":
			for _, m := range s.Members {
				om := os.MemberByName(m.Name)
				if om == nil {
					continue
				}
				if got, want := names.MemberName(s, m), none.MemberName(os, *om); got != want {
					t.Errorf("%s.%s: compat name %q, query model %q", name, m.Name, got, want)
				}
				checked++
			}
		case "map":
			gk, gv := names.EntryNames(s)
			wk, wv := none.EntryNames(os)
			if gk != wk || gv != wv {
				t.Errorf("%s: compat entry names %s/%s, query model %s/%s", name, gk, gv, wk, wv)
			}
			checked++
		}
		if os.Exception {
			code, status := name, 0
			if os.Error != nil && os.Error.Code != "" {
				code, status = os.Error.Code, os.Error.HTTPStatusCode
			}
			e, ok := table.Errors[name]
			if !ok {
				e = model.QueryError{Code: name}
			}
			if e.Code != code || (status != 0 && e.Status != status) {
				t.Errorf("error %s: compat %s %d, query model %s %d", name, e.Code, e.Status, code, status)
			}
			checked++
		}
	}
	if checked < 100 {
		t.Errorf("only %d names checked", checked)
	}
	// Every table entry names something the JSON model has.
	for k := range table.Members {
		if s := cur.Shapes[k.Shape]; s == nil || s.MemberByName(k.Name) == nil {
			t.Errorf("compat member %s.%s is not in the sqs model", k.Shape, k.Name)
		}
	}
	for k := range table.Entries {
		if s := cur.Shapes[k]; s == nil || s.Type != "map" {
			t.Errorf("compat map %s is not in the sqs model", k)
		}
	}
	for k := range table.Errors {
		if s := cur.Shapes[k]; s == nil || !s.Exception {
			t.Errorf("compat error %s is not in the sqs model", k)
		}
	}
}
