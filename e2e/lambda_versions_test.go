package e2e

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// TestLambdaVersionsAndAliases follows the book's Appendix E with the aws
// CLI v2 and boto3: publish v1 and v2, point an alias at v1 then v2, split
// traffic by weight, and AWS's preconditions.
func TestLambdaVersionsAndAliases(t *testing.T) {
	s := StartServer(t)
	const aws2 = "/usr/bin/aws"
	code := func(v string) string {
		return zipAt(t, map[string]string{"app.py": "def handler(event, context):\n    return {'code': '" + v + "', 'version': context.function_version, 'arn': context.invoked_function_arn}\n"})
	}
	s.cli(t, aws2, "lambda", "create-function", "--function-name", "book", "--runtime", "python3.11",
		"--handler", "app.handler", "--role", roleARN, "--zip-file", "fileb://"+code("one"))
	v1 := s.cliJSON(t, aws2, "lambda", "publish-version", "--function-name", "book", "--description", "first")
	if v1["Version"] != "1" || v1["Description"] != "first" || !strings.HasSuffix(v1["FunctionArn"].(string), ":book:1") {
		t.Fatalf("v1 = %v", v1)
	}
	s.cli(t, aws2, "lambda", "update-function-code", "--function-name", "book", "--zip-file", "fileb://"+code("two"))
	s.cli(t, aws2, "lambda", "wait", "function-updated-v2", "--function-name", "book")

	// Preconditions: a stale CodeSha256 or RevisionId is 412.
	out, err := s.cliErr(t, aws2, "lambda", "publish-version", "--function-name", "book", "--code-sha256", v1["CodeSha256"].(string))
	if err == nil || !strings.Contains(out, "PreconditionFailedException") || !strings.Contains(out, "is different from current CodeSHA256 in $LATEST") {
		t.Errorf("stale sha: %s", out)
	}
	out, err = s.cliErr(t, aws2, "lambda", "publish-version", "--function-name", "book", "--revision-id", v1["RevisionId"].(string))
	if err == nil || !strings.Contains(out, "PreconditionFailedException") {
		t.Errorf("stale revision: %s", out)
	}
	v2 := s.cliJSON(t, aws2, "lambda", "publish-version", "--function-name", "book")
	if v2["Version"] != "2" {
		t.Fatalf("v2 = %v", v2)
	}
	versions := s.cliJSON(t, aws2, "lambda", "list-versions-by-function", "--function-name", "book")
	if vs := versions["Versions"].([]any); len(vs) != 3 || vs[0].(map[string]any)["Version"] != "$LATEST" || vs[2].(map[string]any)["Version"] != "2" {
		t.Errorf("versions = %v", versions)
	}

	alias := s.cliJSON(t, aws2, "lambda", "create-alias", "--function-name", "book", "--name", "prod", "--function-version", "1")
	if !strings.HasSuffix(alias["AliasArn"].(string), ":book:prod") {
		t.Fatalf("alias = %v", alias)
	}
	invoke := func(qualified string) map[string]any {
		t.Helper()
		path := t.TempDir() + "/out.json"
		res := s.cliJSON(t, aws2, "lambda", "invoke", "--function-name", qualified, path)
		v := readJSON(t, path)
		v["executed"] = res["ExecutedVersion"]
		return v
	}
	if v := invoke("book:prod"); v["code"] != "one" || v["version"] != "1" || v["executed"] != "1" || !strings.HasSuffix(v["arn"].(string), ":book:prod") {
		t.Errorf("prod before the update ran %v", v)
	}
	if v := invoke("book"); v["code"] != "two" || v["version"] != "$LATEST" || v["executed"] != "$LATEST" {
		t.Errorf("$LATEST ran %v", v)
	}
	s.cli(t, aws2, "lambda", "update-alias", "--function-name", "book", "--name", "prod", "--function-version", "2")
	if v := invoke("book:prod"); v["code"] != "two" || v["version"] != "2" {
		t.Errorf("prod after the update ran %v", v)
	}

	// A weighted alias splits 1,000 invokes: 20% to v1.
	v := s.python(t, `
import boto3, json, os
c = boto3.client("lambda", endpoint_url=os.environ["ENDPOINT"])
c.update_alias(FunctionName="book", Name="prod", FunctionVersion="2", RoutingConfig={"AdditionalVersionWeights": {"1": 0.2}})
counts = {}
for i in range(1000):
    r = c.invoke(FunctionName="book", Qualifier="prod", Payload=b"{}")
    body = json.loads(r["Payload"].read())
    key = r["ExecutedVersion"] + "/" + body["code"]
    counts[key] = counts.get(key, 0) + 1
print(json.dumps(counts))
`)
	one, two := v["1/one"], v["2/two"]
	if one == nil || two == nil || one.(float64)+two.(float64) != 1000 {
		t.Fatalf("split = %v", v)
	}
	// 200 expected, standard deviation about 12.6: 5 of them either way.
	if n := one.(float64); n < 137 || n > 263 {
		t.Errorf("v1 got %v of 1000 invokes, want about 200", n)
	}

	out, err = s.cliErr(t, aws2, "lambda", "delete-function", "--function-name", "book", "--qualifier", "1")
	if err == nil || !strings.Contains(out, "ResourceConflictException") || !strings.Contains(out, "[prod]") {
		t.Errorf("deleting a version an alias uses: %s", out)
	}
	out, err = s.cliErr(t, aws2, "lambda", "create-alias", "--function-name", "book", "--name", "bad", "--function-version", "$LATEST",
		"--routing-config", `{"AdditionalVersionWeights":{"1":0.5}}`)
	if err == nil || !strings.Contains(out, "InvalidParameterValueException") {
		t.Errorf("$LATEST with weights: %s", out)
	}
	s.Restart()
	if v := invoke("book:2"); v["code"] != "two" || v["version"] != "2" {
		t.Errorf("version 2 after restart ran %v", v)
	}
}

func readJSON(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s: %v\n%s", path, err, b)
	}
	return v
}
