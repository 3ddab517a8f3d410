package e2e

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// writeZip writes a zip of files to a temp file and returns its path.
func writeZip(t *testing.T, files map[string]string, modes map[string]os.FileMode) (string, []byte) {
	t.Helper()
	b := zipFiles(t, files, modes)
	p := filepath.Join(t.TempDir(), "archive.zip")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p, b
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestLambdaLayers runs seed 000's layout (a layer holding
// python/common_utils.py, imported by the handler) published and attached
// with the aws CLI v2 and with boto3, a Node function requiring modules
// from a layer, a provided.al2023 Go function whose bootstrap and data
// come from layers under /opt, the layer API's reads and policies, and
// refuses bad input with AWS's errors and nothing stored.
func TestLambdaLayers(t *testing.T) {
	s := StartServer(t)
	const v2 = "/usr/bin/aws"
	c := lambda.NewFromConfig(s.sdkConfig(t))

	t.Run("seed 000 with the aws CLI v2", func(t *testing.T) {
		layerZip, layerBytes := writeZip(t, map[string]string{
			"python/common_utils.py": readFile(t, "../examples/seed000-layer/layers/common_layer/common_utils.py"),
		}, nil)
		pub := s.cliJSON(t, v2, "lambda", "publish-layer-version", "--layer-name", "common_layer",
			"--description", "レイヤー", "--compatible-runtimes", "python3.11", "--zip-file", "fileb://"+layerZip)
		sum := sha256.Sum256(layerBytes)
		content, _ := pub["Content"].(map[string]any)
		if pub["LayerVersionArn"] != "arn:aws:lambda:us-east-1:000000000000:layer:common_layer:1" || pub["Version"] != 1.0 ||
			pub["Description"] != "レイヤー" || content["CodeSha256"] != base64.StdEncoding.EncodeToString(sum[:]) ||
			content["CodeSize"] != float64(len(layerBytes)) {
			t.Fatalf("publish-layer-version = %v", pub)
		}
		fnZip, _ := writeZip(t, map[string]string{"app.py": readFile(t, "../examples/seed000-layer/src/upload_csv/app.py")}, nil)
		created := s.cliJSON(t, v2, "lambda", "create-function", "--function-name", "upload_csv", "--runtime", "python3.11",
			"--handler", "app.lambda_handler", "--role", roleARN, "--zip-file", "fileb://"+fnZip,
			"--layers", pub["LayerVersionArn"].(string), "--environment", "Variables={LOGGING_LEVEL=WARNING}")
		layers, _ := created["Layers"].([]any)
		if len(layers) != 1 || layers[0].(map[string]any)["Arn"] != pub["LayerVersionArn"] || layers[0].(map[string]any)["CodeSize"] != float64(len(layerBytes)) {
			t.Fatalf("create-function Layers = %v", created["Layers"])
		}
		s.cli(t, v2, "lambda", "wait", "function-active-v2", "--function-name", "upload_csv")
		out := filepath.Join(t.TempDir(), "out.json")
		res := s.cliJSON(t, v2, "lambda", "invoke", "--function-name", "upload_csv", "--cli-binary-format", "raw-in-base64-out",
			"--payload", `{"file":"a.csv"}`, out)
		var body map[string]any
		json.Unmarshal([]byte(readFile(t, out)), &body)
		if res["FunctionError"] != nil || body["StatusCode"] != 200.0 || body["level"] != "WARNING" || body["common_utils"] != "/opt/python/common_utils.py" && !strings.HasSuffix(body["common_utils"].(string), "/python/common_utils.py") {
			t.Fatalf("invoke = %v %s", res, readFile(t, out))
		}

		// The layer API's reads.
		got := s.cliJSON(t, v2, "lambda", "get-layer-version", "--layer-name", "common_layer", "--version-number", "1")
		if got["LayerVersionArn"] != pub["LayerVersionArn"] || got["CreatedDate"] != pub["CreatedDate"] {
			t.Errorf("get-layer-version = %v", got)
		}
		got = s.cliJSON(t, v2, "lambda", "get-layer-version-by-arn", "--arn", pub["LayerVersionArn"].(string))
		if got["Version"] != 1.0 {
			t.Errorf("get-layer-version-by-arn = %v", got)
		}
		list := s.cliJSON(t, v2, "lambda", "list-layers", "--compatible-runtime", "python3.11")
		items, _ := list["Layers"].([]any)
		if len(items) != 1 || items[0].(map[string]any)["LayerName"] != "common_layer" {
			t.Errorf("list-layers = %v", list)
		}
		if list := s.cliJSON(t, v2, "lambda", "list-layers", "--compatible-runtime", "nodejs20.x"); len(list["Layers"].([]any)) != 0 {
			t.Errorf("list-layers nodejs20.x = %v", list)
		}
		perm := s.cliJSON(t, v2, "lambda", "add-layer-version-permission", "--layer-name", "common_layer", "--version-number", "1",
			"--statement-id", "xaccount", "--action", "lambda:GetLayerVersion", "--principal", "210987654321")
		if !strings.Contains(perm["Statement"].(string), `"Principal":{"AWS":"arn:aws:iam::210987654321:root"}`) || perm["RevisionId"] == "" {
			t.Errorf("add-layer-version-permission = %v", perm)
		}
		pol := s.cliJSON(t, v2, "lambda", "get-layer-version-policy", "--layer-name", "common_layer", "--version-number", "1")
		if pol["RevisionId"] != perm["RevisionId"] || !strings.Contains(pol["Policy"].(string), `"Sid":"xaccount"`) {
			t.Errorf("get-layer-version-policy = %v", pol)
		}
		s.cli(t, v2, "lambda", "remove-layer-version-permission", "--layer-name", "common_layer", "--version-number", "1", "--statement-id", "xaccount")
		if out, err := s.cliErr(t, v2, "lambda", "get-layer-version-policy", "--layer-name", "common_layer", "--version-number", "1"); err == nil ||
			!strings.Contains(out, "ResourceNotFoundException") || !strings.Contains(out, "No policy is associated with the given resource.") {
			t.Errorf("policy after remove: %v %s", err, out)
		}
	})

	t.Run("seed 000 with boto3, later layers overwrite earlier", func(t *testing.T) {
		py := s.python(t, `
import boto3, io, json, os, sys, zipfile
lam = boto3.client("lambda", endpoint_url=os.environ["ENDPOINT"])
def z(files):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w") as zf:
        for name, body in files.items():
            zf.writestr(name, body)
    return b.getvalue()
utils = open("../examples/seed000-layer/layers/common_layer/common_utils.py").read()
site = "python/lib/python%d.%d/site-packages/" % sys.version_info[:2]
one = lam.publish_layer_version(LayerName="common_layer_boto3", CompatibleRuntimes=["python3.11"],
    Content={"ZipFile": z({"python/common_utils.py": utils, "python/which.py": "WHICH = 'first'\n"})})
two = lam.publish_layer_version(LayerName="overrides",
    Content={"ZipFile": z({"python/which.py": "WHICH = 'second'\n", site + "sitepkg.py": "SITE = True\n"})})
code = "import common_utils, which, sitepkg\ndef handler(event, context):\n    return {'which': which.WHICH, 'site': sitepkg.SITE, 'level': common_utils.getLogger().level}\n"
fn = lam.create_function(FunctionName="upload_csv_boto3", Runtime="python3.11", Handler="app.handler",
    Role="arn:aws:iam::000000000000:role/role-lambdaexec", Code={"ZipFile": z({"app.py": code})},
    Layers=[one["LayerVersionArn"], two["LayerVersionArn"]])
lam.get_waiter("function_active_v2").wait(FunctionName="upload_csv_boto3")
r = lam.invoke(FunctionName="upload_csv_boto3", Payload=b"{}")
out = json.loads(r["Payload"].read())
cfg = lam.get_function_configuration(FunctionName="upload_csv_boto3")
versions = lam.list_layer_versions(LayerName="common_layer_boto3")["LayerVersions"]
print(json.dumps({"out": out, "err": r.get("FunctionError"), "layers": [l["Arn"] for l in cfg["Layers"]],
    "want": [one["LayerVersionArn"], two["LayerVersionArn"]], "versions": [v["Version"] for v in versions]}))
`)
		out, _ := py["out"].(map[string]any)
		if py["err"] != nil || out["which"] != "second" || out["site"] != true || out["level"] != 20.0 {
			t.Fatalf("boto3 function = %v", py)
		}
		if fmt.Sprint(py["layers"]) != fmt.Sprint(py["want"]) || fmt.Sprint(py["versions"]) != "[1]" {
			t.Errorf("configuration layers %v, want %v; versions %v", py["layers"], py["want"], py["versions"])
		}
	})

	t.Run("nodejs requires modules from a layer", func(t *testing.T) {
		zipBytes := zipFiles(t, map[string]string{
			"nodejs/node_modules/greeter/index.js":          `exports.greet = (n) => "hello " + n;`,
			"nodejs/node20/node_modules/versioned/index.js": `module.exports = "node20 dir";`,
		}, nil)
		pub, err := c.PublishLayerVersion(ctx, &lambda.PublishLayerVersionInput{
			LayerName: aws.String("node-libs"), Content: &types.LayerVersionContentInput{ZipFile: zipBytes},
			CompatibleRuntimes: []types.Runtime{types.RuntimeNodejs20x},
		})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.CreateFunction(ctx, &lambda.CreateFunctionInput{
			FunctionName: aws.String("node-layered"), Runtime: types.RuntimeNodejs20x, Handler: aws.String("index.handler"),
			Role: aws.String(roleARN), Layers: []string{aws.ToString(pub.LayerVersionArn)},
			Code: &types.FunctionCode{ZipFile: zipFiles(t, map[string]string{
				"index.js": `const { greet } = require("greeter"); const v = require("versioned");
exports.handler = async (event) => ({ greeting: greet(event.name), versioned: v, nodePath: process.env.NODE_PATH });`,
			}, nil)},
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := lambda.NewFunctionActiveV2Waiter(c).Wait(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("node-layered")}, 30e9); err != nil {
			t.Fatal(err)
		}
		v, fe := invoke(t, c, "node-layered", `{"name":"layers"}`)
		if fe != "" || v["greeting"] != "hello layers" || v["versioned"] != "node20 dir" {
			t.Fatalf("node-layered = %v %s", v, fe)
		}
		if s.isolated() && v["nodePath"] != "/opt/nodejs/node20/node_modules:/opt/nodejs/node_modules:/var/runtime/node_modules:/var/runtime:/var/task" {
			t.Errorf("NODE_PATH %q, want AWS's", v["nodePath"])
		}
	})

	t.Run("go provided.al2023 with its bootstrap and data under /opt", func(t *testing.T) {
		if !s.isolated() {
			t.Skip("layers appear at /opt only in a mount namespace (hako as root on Linux)")
		}
		dir := t.TempDir()
		build := exec.Command("go", "build", "-o", filepath.Join(dir, "bootstrap"), "../examples/go-opt-reader")
		build.Env = append(os.Environ(), "GOOS=linux", "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("build: %v\n%s", err, out)
		}
		bin, _ := os.ReadFile(filepath.Join(dir, "bootstrap"))
		runtimeLayer, err := c.PublishLayerVersion(ctx, &lambda.PublishLayerVersionInput{
			LayerName: aws.String("go-runtime"),
			Content: &types.LayerVersionContentInput{ZipFile: zipFiles(t, map[string]string{"bootstrap": string(bin)},
				map[string]os.FileMode{"bootstrap": 0o755})},
		})
		if err != nil {
			t.Fatal(err)
		}
		dataLayer, err := c.PublishLayerVersion(ctx, &lambda.PublishLayerVersionInput{
			LayerName: aws.String("go-data"),
			Content: &types.LayerVersionContentInput{ZipFile: zipFiles(t, map[string]string{
				"config/settings.json": `{"from":"layer"}`,
				"bin/layer-tool":       "#!/bin/sh\necho tool in a layer\n",
				"lib/.keep":            "",
			}, map[string]os.FileMode{"bin/layer-tool": 0o755})},
		})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.CreateFunction(ctx, &lambda.CreateFunctionInput{
			FunctionName: aws.String("go-opt"), Runtime: types.RuntimeProvidedal2023, Handler: aws.String("unused"),
			Role:   aws.String(roleARN),
			Layers: []string{aws.ToString(runtimeLayer.LayerVersionArn), aws.ToString(dataLayer.LayerVersionArn)},
			Code:   &types.FunctionCode{ZipFile: zipFiles(t, map[string]string{"README.txt": "the bootstrap is in a layer\n"}, nil)},
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := lambda.NewFunctionActiveV2Waiter(c).Wait(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("go-opt")}, 30e9); err != nil {
			t.Fatal(err)
		}
		v, fe := invoke(t, c, "go-opt", `{"file":"/opt/config/settings.json","tool":"layer-tool"}`)
		if fe != "" || v["content"] != `{"from":"layer"}` || v["tool"] != "/opt/bin/layer-tool" || v["tool_output"] != "tool in a layer" ||
			v["executable"] != "/opt/bootstrap" {
			t.Fatalf("go-opt = %v %s", v, fe)
		}
		if !strings.HasSuffix(v["path"].(string), ":/opt/bin") || !strings.HasSuffix(v["ld_library_path"].(string), ":/opt/lib") {
			t.Errorf("PATH %q LD_LIBRARY_PATH %q", v["path"], v["ld_library_path"])
		}
		// A function without layers sees an empty /opt, not the host's.
		_, err = c.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{
			FunctionName: aws.String("go-opt"), Layers: []string{aws.ToString(runtimeLayer.LayerVersionArn)},
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := lambda.NewFunctionUpdatedV2Waiter(c).Wait(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("go-opt")}, 30e9); err != nil {
			t.Fatal(err)
		}
		v, fe = invoke(t, c, "go-opt", `{"file":"/opt/config/settings.json"}`)
		if fe != "Unhandled" || !strings.Contains(fmt.Sprint(v["errorMessage"]), "no such file or directory") {
			t.Errorf("after removing the data layer: %v %s", v, fe)
		}
	})

	t.Run("bad input", func(t *testing.T) {
		before, err := c.ListFunctions(ctx, &lambda.ListFunctionsInput{})
		if err != nil {
			t.Fatal(err)
		}
		fnZip, _ := writeZip(t, map[string]string{"app.py": "def handler(e, c):\n    return 1\n"}, nil)
		create := func(layers ...string) (string, error) {
			args := []string{"lambda", "create-function", "--function-name", "refused", "--runtime", "python3.11",
				"--handler", "app.handler", "--role", roleARN, "--zip-file", "fileb://" + fnZip, "--layers"}
			return s.cliErr(t, v2, append(args, layers...)...)
		}
		const arn = "arn:aws:lambda:us-east-1:000000000000:layer:common_layer:"
		out, err := create(arn + "42")
		if err == nil || !strings.Contains(out, "InvalidParameterValueException") || !strings.Contains(out, "Layer version "+arn+"42 does not exist.") {
			t.Errorf("unknown layer version: %v %s", err, out)
		}
		var six []string
		for i := range 6 {
			six = append(six, fmt.Sprintf("arn:aws:lambda:us-east-1:000000000000:layer:l%d:1", i))
		}
		out, err = create(six...)
		if err == nil || !strings.Contains(out, "InvalidParameterValueException") || !strings.Contains(out, "Cannot reference more than 5 layers.") {
			t.Errorf("six layers: %v %s", err, out)
		}
		out, err = create(arn+"1", arn+"1")
		if err == nil || !strings.Contains(out, "Two different versions of the same layer are not allowed to be referenced in the same function.") {
			t.Errorf("same layer twice: %v %s", err, out)
		}
		after, err := c.ListFunctions(ctx, &lambda.ListFunctionsInput{})
		if err != nil || len(after.Functions) != len(before.Functions) {
			t.Errorf("functions before %d, after %d (%v)", len(before.Functions), len(after.Functions), err)
		}

		// A bad zip (through the SDK: the CLI refuses to send one), and one
		// escaping its root (through the CLI), publish nothing.
		_, err = c.PublishLayerVersion(ctx, &lambda.PublishLayerVersionInput{
			LayerName: aws.String("refused"), Content: &types.LayerVersionContentInput{ZipFile: []byte("this is not a zip")},
		})
		var ipv *types.InvalidParameterValueException
		if !errors.As(err, &ipv) || aws.ToString(ipv.Message) != "Could not unzip uploaded file. Please check your file, then try to upload again." {
			t.Errorf("publish a bad zip: %v", err)
		}
		escaping, _ := writeZip(t, map[string]string{"../../etc/evil": "x"}, nil)
		out, err = s.cliErr(t, v2, "lambda", "publish-layer-version", "--layer-name", "refused", "--zip-file", "fileb://"+escaping)
		if err == nil || !strings.Contains(out, "InvalidParameterValueException") || !strings.Contains(out, "Could not unzip uploaded file. Please check your file, then try to upload again.") {
			t.Errorf("publish an escaping zip: %v %s", err, out)
		}
		versions, err := c.ListLayerVersions(ctx, &lambda.ListLayerVersionsInput{LayerName: aws.String("refused")})
		if err != nil || len(versions.LayerVersions) != 0 {
			t.Errorf("refused layer has versions: %v %v", versions, err)
		}
		// Its first good version is still 1.
		pub, err := c.PublishLayerVersion(ctx, &lambda.PublishLayerVersionInput{
			LayerName: aws.String("refused"), Content: &types.LayerVersionContentInput{ZipFile: zipFiles(t, map[string]string{"f": "x"}, nil)},
		})
		if err != nil || pub.Version != 1 {
			t.Errorf("first good version: %v %v", pub, err)
		}
		_, err = c.GetLayerVersion(ctx, &lambda.GetLayerVersionInput{LayerName: aws.String("refused"), VersionNumber: aws.Int64(2)})
		var nf *types.ResourceNotFoundException
		if !errors.As(err, &nf) || aws.ToString(nf.Message) != "The resource you requested does not exist." {
			t.Errorf("missing version: %v", err)
		}
		// S3 content from a bucket that does not exist: S3's error, as AWS words it.
		out, err = s.cliErr(t, v2, "lambda", "publish-layer-version", "--layer-name", "refused", "--content", "S3Bucket=no-such-bucket,S3Key=layer.zip")
		if err == nil || !strings.Contains(out, "S3 Error Code: NoSuchBucket") {
			t.Errorf("S3 content: %v %s", err, out)
		}
	})

	t.Run("restart keeps layers and the functions using them", func(t *testing.T) {
		s.Restart()
		c := lambda.NewFromConfig(s.sdkConfig(t))
		v, fe := invoke(t, c, "node-layered", `{"name":"again"}`)
		if fe != "" || v["greeting"] != "hello again" {
			t.Fatalf("after restart = %v %s", v, fe)
		}
		// A deleted version keeps serving the functions that use it.
		cfg, err := c.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String("node-layered")})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.DeleteLayerVersion(ctx, &lambda.DeleteLayerVersionInput{LayerName: aws.String("node-libs"), VersionNumber: aws.Int64(1)}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.GetLayerVersionByArn(ctx, &lambda.GetLayerVersionByArnInput{Arn: cfg.Layers[0].Arn}); err == nil {
			t.Error("a deleted layer version is still readable")
		}
		s.Restart() // the sweep at start must keep it too
		c = lambda.NewFromConfig(s.sdkConfig(t))
		v, fe = invoke(t, c, "node-layered", `{"name":"still"}`)
		if fe != "" || v["greeting"] != "hello still" {
			t.Fatalf("after deleting the layer version = %v %s", v, fe)
		}
	})
}

// isolated reports whether the server's sandboxes see layers at /opt (a
// mount namespace over a host /opt), from its start-up log.
func (s *Server) isolated() bool {
	logs := s.Logs()
	return strings.Contains(logs, "mount namespace (") && !strings.Contains(logs, "no /opt on the host")
}
