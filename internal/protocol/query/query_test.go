package query

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"hako/internal/protocol"
	"hako/internal/protocol/model"
)

func stsClient(url string) *sts.Client {
	return sts.NewFromConfig(sdkConfig(), func(o *sts.Options) { o.BaseEndpoint = aws.String(url) })
}

func iamClient(url string) *iam.Client {
	return iam.NewFromConfig(sdkConfig(), func(o *iam.Options) { o.BaseEndpoint = aws.String(url) })
}

func TestSTSGetCallerIdentity(t *testing.T) {
	f, srv := newFake(t, model.MustLoad("sts"), Codec{}, map[string]reply{
		"GetCallerIdentity": func(map[string]any) (map[string]any, error) {
			return map[string]any{"UserId": "AIDAEXAMPLE", "Account": "000000000000", "Arn": "arn:aws:iam::000000000000:root"}, nil
		},
	})
	out, err := stsClient(srv.URL).GetCallerIdentity(ctx(t), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Account) != "000000000000" || aws.ToString(out.Arn) != "arn:aws:iam::000000000000:root" || aws.ToString(out.UserId) != "AIDAEXAMPLE" {
		t.Errorf("output: %+v", out)
	}
	if got := f.last(); got.op != "GetCallerIdentity" || len(got.in) != 0 {
		t.Errorf("decoded %+v", got)
	}
}

func TestSTSAssumeRole(t *testing.T) {
	expiry := time.Date(2030, 1, 2, 3, 4, 5, 678e6, time.UTC)
	f, srv := newFake(t, model.MustLoad("sts"), Codec{}, map[string]reply{
		"AssumeRole": func(in map[string]any) (map[string]any, error) {
			return map[string]any{
				"Credentials": map[string]any{
					"AccessKeyId":     "ASIAEXAMPLE",
					"SecretAccessKey": "secret/with+chars",
					"SessionToken":    "token<&>",
					"Expiration":      expiry,
				},
				"AssumedRoleUser": map[string]any{
					"AssumedRoleId": "AROAEXAMPLE:" + in["RoleSessionName"].(string),
					"Arn":           "arn:aws:sts::000000000000:assumed-role/r/" + in["RoleSessionName"].(string),
				},
				"PackedPolicySize": int64(6),
				"SourceIdentity":   "me",
			}, nil
		},
	})
	out, err := stsClient(srv.URL).AssumeRole(ctx(t), &sts.AssumeRoleInput{
		RoleArn:           aws.String("arn:aws:iam::000000000000:role/r"),
		RoleSessionName:   aws.String("sess"),
		DurationSeconds:   aws.Int32(900),
		Policy:            aws.String(`{"Version":"2012-10-17"}`),
		PolicyArns:        []ststypes.PolicyDescriptorType{{Arn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")}, {Arn: aws.String("arn:aws:iam::aws:policy/Other")}},
		Tags:              []ststypes.Tag{{Key: aws.String("team"), Value: aws.String("a b&c")}},
		TransitiveTagKeys: []string{"team"},
	})
	if err != nil {
		t.Fatal(err)
	}
	c := out.Credentials
	if aws.ToString(c.AccessKeyId) != "ASIAEXAMPLE" || aws.ToString(c.SecretAccessKey) != "secret/with+chars" || aws.ToString(c.SessionToken) != "token<&>" {
		t.Errorf("credentials: %+v", c)
	}
	if !c.Expiration.Equal(expiry) {
		t.Errorf("expiration %v, want %v", c.Expiration, expiry)
	}
	if aws.ToString(out.AssumedRoleUser.Arn) != "arn:aws:sts::000000000000:assumed-role/r/sess" || aws.ToInt32(out.PackedPolicySize) != 6 || aws.ToString(out.SourceIdentity) != "me" {
		t.Errorf("output: %+v %+v", out.AssumedRoleUser, out)
	}
	want := map[string]any{
		"RoleArn":         "arn:aws:iam::000000000000:role/r",
		"RoleSessionName": "sess",
		"DurationSeconds": int64(900),
		"Policy":          `{"Version":"2012-10-17"}`,
		"PolicyArns": []any{
			map[string]any{"arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"},
			map[string]any{"arn": "arn:aws:iam::aws:policy/Other"},
		},
		"Tags":              []any{map[string]any{"Key": "team", "Value": "a b&c"}},
		"TransitiveTagKeys": []any{"team"},
	}
	if got := f.last().in; !reflect.DeepEqual(got, want) {
		t.Errorf("decoded\n%#v\nwant\n%#v", got, want)
	}
}

func TestIAMCreateRoleWithTags(t *testing.T) {
	created := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	f, srv := newFake(t, model.MustLoad("iam"), Codec{}, map[string]reply{
		"CreateRole": func(in map[string]any) (map[string]any, error) {
			return map[string]any{"Role": map[string]any{
				"Path":                     in["Path"],
				"RoleName":                 in["RoleName"],
				"RoleId":                   "AROAEXAMPLE",
				"Arn":                      "arn:aws:iam::000000000000:role/" + in["RoleName"].(string),
				"CreateDate":               created,
				"AssumeRolePolicyDocument": url.QueryEscape(in["AssumeRolePolicyDocument"].(string)),
				"Description":              in["Description"],
				"MaxSessionDuration":       in["MaxSessionDuration"],
				"Tags":                     in["Tags"],
				"RoleLastUsed":             map[string]any{"LastUsedDate": created, "Region": "us-east-1"},
			}}, nil
		},
	})
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	out, err := iamClient(srv.URL).CreateRole(ctx(t), &iam.CreateRoleInput{
		RoleName:                 aws.String("fn-role"),
		Path:                     aws.String("/service/"),
		AssumeRolePolicyDocument: aws.String(policy),
		Description:              aws.String("Lambda <execution> & role"),
		MaxSessionDuration:       aws.Int32(7200),
		Tags: []iamtypes.Tag{
			{Key: aws.String("env"), Value: aws.String("dev")},
			{Key: aws.String("owner"), Value: aws.String("ünïcode é")},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := out.Role
	if aws.ToString(r.RoleName) != "fn-role" || aws.ToString(r.Path) != "/service/" || !r.CreateDate.Equal(created) || aws.ToInt32(r.MaxSessionDuration) != 7200 {
		t.Errorf("role: %+v", r)
	}
	if aws.ToString(r.Description) != "Lambda <execution> & role" {
		t.Errorf("description %q", aws.ToString(r.Description))
	}
	if len(r.Tags) != 2 || aws.ToString(r.Tags[1].Value) != "ünïcode é" {
		t.Errorf("tags: %+v", r.Tags)
	}
	if doc, _ := url.QueryUnescape(aws.ToString(r.AssumeRolePolicyDocument)); doc != policy {
		t.Errorf("policy document %q", doc)
	}
	if r.RoleLastUsed == nil || !r.RoleLastUsed.LastUsedDate.Equal(created) {
		t.Errorf("role last used: %+v", r.RoleLastUsed)
	}
	want := map[string]any{
		"RoleName":                 "fn-role",
		"Path":                     "/service/",
		"AssumeRolePolicyDocument": policy,
		"Description":              "Lambda <execution> & role",
		"MaxSessionDuration":       int64(7200),
		"Tags": []any{
			map[string]any{"Key": "env", "Value": "dev"},
			map[string]any{"Key": "owner", "Value": "ünïcode é"},
		},
	}
	if got := f.last().in; !reflect.DeepEqual(got, want) {
		t.Errorf("decoded\n%#v\nwant\n%#v", got, want)
	}
	if err := protocol.Validate(model.MustLoad("iam"), model.MustLoad("iam").Operations["CreateRole"].InputShape, f.last().in, "ValidationError"); err != nil {
		t.Errorf("decoded document does not validate: %v", err)
	}
}

func TestIAMListRolesPaging(t *testing.T) {
	f, srv := newFake(t, model.MustLoad("iam"), Codec{}, map[string]reply{
		"ListRoles": func(in map[string]any) (map[string]any, error) {
			role := func(name string) map[string]any {
				return map[string]any{"RoleName": name, "Path": "/", "RoleId": "AROA" + name, "Arn": "arn:aws:iam::000000000000:role/" + name, "CreateDate": time.Unix(1700000000, 0)}
			}
			if in["Marker"] == nil {
				return map[string]any{"Roles": []any{role("a"), role("b")}, "IsTruncated": true, "Marker": "page-2"}, nil
			}
			return map[string]any{"Roles": []any{role("c")}, "IsTruncated": false}, nil
		},
	})
	p := iam.NewListRolesPaginator(iamClient(srv.URL), &iam.ListRolesInput{PathPrefix: aws.String("/"), MaxItems: aws.Int32(2)})
	var names []string
	for p.HasMorePages() {
		page, err := p.NextPage(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page.Roles {
			names = append(names, aws.ToString(r.RoleName))
			if !r.CreateDate.Equal(time.Unix(1700000000, 0)) {
				t.Errorf("create date %v", r.CreateDate)
			}
		}
	}
	if strings.Join(names, ",") != "a,b,c" {
		t.Errorf("roles %v", names)
	}
	calls := f.all()
	if len(calls) != 2 {
		t.Fatalf("%d calls", len(calls))
	}
	if !reflect.DeepEqual(calls[0].in, map[string]any{"PathPrefix": "/", "MaxItems": int64(2)}) {
		t.Errorf("first page decoded %#v", calls[0].in)
	}
	if !reflect.DeepEqual(calls[1].in, map[string]any{"PathPrefix": "/", "MaxItems": int64(2), "Marker": "page-2"}) {
		t.Errorf("second page decoded %#v", calls[1].in)
	}
}

func TestIAMRolePolicies(t *testing.T) {
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`
	f, srv := newFake(t, model.MustLoad("iam"), Codec{}, map[string]reply{
		"GetRolePolicy": func(in map[string]any) (map[string]any, error) {
			return map[string]any{"RoleName": in["RoleName"], "PolicyName": in["PolicyName"], "PolicyDocument": url.QueryEscape(doc)}, nil
		},
		"AttachRolePolicy": func(in map[string]any) (map[string]any, error) { return nil, nil },
	})
	client := iamClient(srv.URL)
	out, err := client.GetRolePolicy(ctx(t), &iam.GetRolePolicyInput{RoleName: aws.String("r"), PolicyName: aws.String("p")})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := url.QueryUnescape(aws.ToString(out.PolicyDocument)); got != doc || aws.ToString(out.PolicyName) != "p" {
		t.Errorf("GetRolePolicy: %+v", out)
	}
	if _, err := client.AttachRolePolicy(ctx(t), &iam.AttachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")}); err != nil {
		t.Fatal(err)
	}
	if got := f.last(); got.op != "AttachRolePolicy" || !reflect.DeepEqual(got.in, map[string]any{"RoleName": "r", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}) {
		t.Errorf("decoded %+v", got)
	}
}

func TestIAMModelledErrors(t *testing.T) {
	_, srv := newFake(t, model.MustLoad("iam"), Codec{}, map[string]reply{
		// A service may name the error by its shape or by its wire code.
		"GetRole": func(in map[string]any) (map[string]any, error) {
			return nil, protocol.Errorf("NoSuchEntityException", "The role with name %s cannot be found.", in["RoleName"])
		},
		"CreateRole": func(in map[string]any) (map[string]any, error) {
			return nil, protocol.Errorf("EntityAlreadyExists", "Role with name %s already exists.", in["RoleName"])
		},
		"ListRoles": func(in map[string]any) (map[string]any, error) {
			return nil, protocol.InternalFailure()
		},
	})
	client := iamClient(srv.URL)
	_, err := client.GetRole(ctx(t), &iam.GetRoleInput{RoleName: aws.String("ghost")})
	var nse *iamtypes.NoSuchEntityException
	if !errors.As(err, &nse) {
		t.Fatalf("GetRole error %T %v, want NoSuchEntityException", err, err)
	}
	if nse.ErrorMessage() != "The role with name ghost cannot be found." || nse.ErrorCode() != "NoSuchEntity" {
		t.Errorf("code %q message %q", nse.ErrorCode(), nse.ErrorMessage())
	}
	checkStatus(t, err, 404)
	checkRequestID(t, err)

	_, err = client.CreateRole(ctx(t), &iam.CreateRoleInput{RoleName: aws.String("dup"), AssumeRolePolicyDocument: aws.String("{}")})
	var eae *iamtypes.EntityAlreadyExistsException
	if !errors.As(err, &eae) || eae.ErrorMessage() != "Role with name dup already exists." {
		t.Fatalf("CreateRole error %T %v, want EntityAlreadyExistsException", err, err)
	}
	checkStatus(t, err, 409)

	_, err = client.ListRoles(ctx(t), &iam.ListRolesInput{})
	checkStatus(t, err, 500)
}

func checkStatus(t *testing.T, err error, want int) {
	t.Helper()
	var re *smithyhttp.ResponseError
	if !errors.As(err, &re) {
		t.Fatalf("%v is not a response error", err)
	}
	if re.HTTPStatusCode() != want {
		t.Errorf("status %d, want %d", re.HTTPStatusCode(), want)
	}
}

func checkRequestID(t *testing.T, err error) {
	t.Helper()
	type requestIDer interface{ ServiceRequestID() string }
	var rid requestIDer
	if !errors.As(err, &rid) || rid.ServiceRequestID() != "4442587f-8eac-4b2a-9c85-1e5b8a7a2b11" {
		t.Errorf("request id not carried: %v", err)
	}
}

// post sends a raw query request.
func post(t *testing.T, url, form string) (int, string) {
	t.Helper()
	resp, err := http.Post(url, "application/x-www-form-urlencoded; charset=utf-8", strings.NewReader(form))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); ct != "text/xml" {
		t.Errorf("content type %q", ct)
	}
	return resp.StatusCode, string(b)
}

func TestProtocolErrors(t *testing.T) {
	_, srv := newFake(t, model.MustLoad("iam"), Codec{}, map[string]reply{
		"ListRoles": func(map[string]any) (map[string]any, error) { return nil, nil },
	})
	ns := `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type>`
	cases := []struct {
		form   string
		status int
		body   string
	}{
		{"Version=2010-05-08", 400, ns + `<Code>MissingAction</Code><Message>Missing Action</Message></Error>`},
		{"Action=GetRoles&Version=2010-05-08", 400, ns + `<Code>InvalidAction</Code><Message>Could not find operation GetRoles for version 2010-05-08</Message></Error>`},
		{"Action=ListRoles&Version=2010-05-08&MaxItems=ten", 400, ns + `<Code>MalformedInput</Code><Message>Value ten for parameter MaxItems is invalid. Reason: not an integer.</Message></Error>`},
		{"Action=ListRoles&MaxItems.member.1=3", 400, ns + `<Code>MalformedInput</Code><Message>Parameter MaxItems is malformed: start of list found where not expected.</Message></Error>`},
		{"Action=ListRoles&Version=2010-05-08&%zz=1", 404, ns + `<Code>MalformedQueryString</Code>`},
	}
	for _, c := range cases {
		status, body := post(t, srv.URL, c.form)
		if status != c.status || !strings.Contains(body, c.body) || !strings.Contains(body, "<RequestId>4442587f-8eac-4b2a-9c85-1e5b8a7a2b11</RequestId></ErrorResponse>") {
			t.Errorf("%s: %d %s\nwant %d %s", c.form, status, body, c.status, c.body)
		}
	}
	// GET with the parameters in the query string works too.
	resp, err := http.Get(srv.URL + "/?Action=ListRoles&Version=2010-05-08")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want := `<ListRolesResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ListRolesResult></ListRolesResult><ResponseMetadata><RequestId>4442587f-8eac-4b2a-9c85-1e5b8a7a2b11</RequestId></ResponseMetadata></ListRolesResponse>`
	if resp.StatusCode != 200 || string(b) != want {
		t.Errorf("GET: %d %s", resp.StatusCode, b)
	}
}

func TestEmptyAndFlattenedForms(t *testing.T) {
	api := model.MustLoad("iam")
	cases := []struct {
		op, form string
		want     map[string]any
	}{
		// The query protocol writes an empty list as "Name=".
		{"TagRole", "RoleName=r&Tags=", map[string]any{"RoleName": "r", "Tags": []any{}}},
		// Items are ordered by index, not by arrival.
		{"TagRole", "RoleName=r&Tags.member.2.Key=b&Tags.member.1.Key=a&Tags.member.10.Key=c", map[string]any{"RoleName": "r", "Tags": []any{map[string]any{"Key": "a"}, map[string]any{"Key": "b"}, map[string]any{"Key": "c"}}}},
		// Unknown parameters are ignored.
		{"GetRole", "RoleName=r&Foo=bar&Foo.member.1=x", map[string]any{"RoleName": "r"}},
		// Booleans and timestamps.
		{"UpdateAccountPasswordPolicy", "RequireSymbols=true&AllowUsersToChangePassword=FALSE&MinimumPasswordLength=12", map[string]any{"RequireSymbols": true, "AllowUsersToChangePassword": false, "MinimumPasswordLength": int64(12)}},
		// Blobs are base64.
		{"UploadSSHPublicKey", "UserName=u&SSHPublicKeyBody=ssh-rsa", map[string]any{"UserName": "u", "SSHPublicKeyBody": "ssh-rsa"}},
		{"CreateVirtualMFADevice", "VirtualMFADeviceName=m&Tags.member.1.Key=k&Tags.member.1.Value=", map[string]any{"VirtualMFADeviceName": "m", "Tags": []any{map[string]any{"Key": "k", "Value": ""}}}},
	}
	for _, c := range cases {
		r, _ := http.NewRequest("POST", "/", strings.NewReader("Action="+c.op+"&"+c.form))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		call := &protocol.Call{API: api}
		op, err := Codec{}.Operation(call, r)
		if err != nil {
			t.Fatal(err)
		}
		call.Op = op
		got, err := Codec{}.Decode(call, r)
		if err != nil {
			t.Errorf("%s: %v", c.form, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s:\n got %#v\nwant %#v", c.form, got, c.want)
		}
	}
}

func TestTimestampsAndBlobs(t *testing.T) {
	// SNS Publish has binary message attributes; STS none with times, so
	// use a synthetic model to cover each scalar type in one shape.
	api, err := model.Parse("synthetic", []byte(`{
		"metadata": {"protocol": "query", "apiVersion": "2020-01-01", "xmlNamespace": "https://example.com/doc/"},
		"operations": {"Op": {"name": "Op", "http": {"method": "POST", "requestUri": "/"},
			"input": {"shape": "In"}, "output": {"shape": "Out", "resultWrapper": "OpResult"}}},
		"shapes": {
			"In": {"type": "structure", "members": {
				"When": {"shape": "Time"}, "Epoch": {"shape": "EpochTime"}, "Data": {"shape": "Blob"},
				"Ratio": {"shape": "Double"}, "Flag": {"shape": "Bool"},
				"Attrs": {"shape": "Map", "locationName": "Attr"},
				"Names": {"shape": "Names"}}},
			"Out": {"type": "structure", "members": {
				"When": {"shape": "Time"}, "Epoch": {"shape": "EpochTime"}, "Data": {"shape": "Blob"},
				"Ratio": {"shape": "Double"}, "Flag": {"shape": "Bool"},
				"Attrs": {"shape": "Map"}, "Names": {"shape": "Names"}, "Flat": {"shape": "FlatMap"}}},
			"Time": {"type": "timestamp"},
			"EpochTime": {"type": "timestamp", "timestampFormat": "unixTimestamp"},
			"Blob": {"type": "blob"}, "Double": {"type": "double"}, "Bool": {"type": "boolean"},
			"String": {"type": "string"},
			"Map": {"type": "map", "key": {"shape": "String", "locationName": "Name"}, "value": {"shape": "String", "locationName": "Value"}},
			"FlatMap": {"type": "map", "key": {"shape": "String"}, "value": {"shape": "String"}, "flattened": true},
			"Names": {"type": "list", "member": {"shape": "String", "locationName": "Name"}, "flattened": true}
		}}`))
	if err != nil {
		t.Fatal(err)
	}
	form := "Action=Op&When=2024-02-03T04:05:06.789Z&Epoch=1700000000.5&Data=aGVsbG8%3D&Ratio=0.25&Flag=true" +
		"&Attr.entry.1.Name=a&Attr.entry.1.Value=1&Attr.entry.2.Name=b&Attr.entry.2.Value=2&Name.1=x&Name.2=y"
	r, _ := http.NewRequest("POST", "/", strings.NewReader(form))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	call := &protocol.Call{API: api, RequestID: "rid"}
	op, err := Codec{}.Operation(call, r)
	if err != nil {
		t.Fatal(err)
	}
	call.Op = op
	got, err := Codec{}.Decode(call, r)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"When":  time.Date(2024, 2, 3, 4, 5, 6, 789e6, time.UTC),
		"Epoch": time.Unix(1700000000, 500e6).UTC(),
		"Data":  []byte("hello"),
		"Ratio": 0.25,
		"Flag":  true,
		"Attrs": map[string]any{"a": "1", "b": "2"},
		"Names": []any{"x", "y"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("decoded\n%#v\nwant\n%#v", got, want)
	}
	got["Flat"] = map[string]any{"k": "v", "j": "w"}
	w := newRecorder()
	Codec{}.Encode(call, w, got)
	wantXML := `<OpResponse xmlns="https://example.com/doc/"><OpResult>` +
		`<When>2024-02-03T04:05:06.789Z</When><Epoch>1700000000.500</Epoch><Data>aGVsbG8=</Data><Ratio>0.25</Ratio><Flag>true</Flag>` +
		`<Attrs><entry><Name>a</Name><Value>1</Value></entry><entry><Name>b</Name><Value>2</Value></entry></Attrs>` +
		`<Name>x</Name><Name>y</Name>` +
		`<Flat><key>j</key><value>w</value></Flat><Flat><key>k</key><value>v</value></Flat>` +
		`</OpResult><ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></OpResponse>`
	if w.body.String() != wantXML {
		t.Errorf("encoded\n%s\nwant\n%s", w.body.String(), wantXML)
	}
}

func TestEncodeNoOutput(t *testing.T) {
	api := model.MustLoad("iam")
	call := &protocol.Call{API: api, Op: api.Operations["AttachRolePolicy"], RequestID: "rid"}
	w := newRecorder()
	Codec{}.Encode(call, w, nil)
	want := `<AttachRolePolicyResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></AttachRolePolicyResponse>`
	if w.body.String() != want || w.status != 200 || w.Header().Get("X-Amzn-Requestid") != "rid" {
		t.Errorf("%d %s", w.status, w.body.String())
	}
}

func TestErrorFields(t *testing.T) {
	api := model.MustLoad("iam")
	call := &protocol.Call{API: api, RequestID: "rid"}
	w := newRecorder()
	err := protocol.Errorf("InternalFailure", "boom").With("Extra", int64(3)).With("bad name", "x")
	Codec{}.EncodeError(call, w, err)
	want := `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Receiver</Type><Code>InternalFailure</Code><Message>boom</Message><Extra>3</Extra></Error><RequestId>rid</RequestId></ErrorResponse>`
	if w.status != 500 || w.body.String() != want {
		t.Errorf("%d %s", w.status, w.body.String())
	}
}

type recorder struct {
	header http.Header
	status int
	body   strings.Builder
}

func newRecorder() *recorder                    { return &recorder{header: http.Header{}} }
func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) WriteHeader(status int)      { r.status = status }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
