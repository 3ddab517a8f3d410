package e2e

import (
	"strings"
	"testing"
)

const trust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

func TestIAMRolesWithCLI(t *testing.T) {
	s := StartServer(t)
	for _, bin := range []string{"/usr/bin/aws", "aws"} {
		t.Run(bin, func(t *testing.T) {
			s.Reset(t)
			out := s.cliJSON(t, bin, "iam", "create-role", "--role-name", "lambda-exec", "--assume-role-policy-document", trust,
				"--tags", "Key=team,Value=core")
			role, _ := out["Role"].(map[string]any)
			if role["Arn"] != "arn:aws:iam::000000000000:role/lambda-exec" || !strings.HasPrefix(role["RoleId"].(string), "AROA") {
				t.Fatalf("create-role = %v", out)
			}
			// The CLI decodes the URL-encoded policy document back to JSON.
			got := s.cliJSON(t, bin, "iam", "get-role", "--role-name", "lambda-exec")
			doc, _ := got["Role"].(map[string]any)["AssumeRolePolicyDocument"].(map[string]any)
			if doc["Version"] != "2012-10-17" {
				t.Fatalf("get-role policy document = %v", got)
			}
			s.cli(t, bin, "iam", "put-role-policy", "--role-name", "lambda-exec", "--policy-name", "logs",
				"--policy-document", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"logs:*","Resource":"*"}]}`)
			s.cli(t, bin, "iam", "attach-role-policy", "--role-name", "lambda-exec", "--policy-arn", "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
			pol := s.cliJSON(t, bin, "iam", "get-role-policy", "--role-name", "lambda-exec", "--policy-name", "logs")
			if pol["PolicyName"] != "logs" {
				t.Fatalf("get-role-policy = %v", pol)
			}
			for i := 0; i < 3; i++ {
				s.cli(t, bin, "iam", "create-role", "--role-name", "r"+string(rune('a'+i)), "--assume-role-policy-document", trust)
			}
			list := s.cliJSON(t, bin, "iam", "list-roles", "--page-size", "2")
			if roles, _ := list["Roles"].([]any); len(roles) != 4 {
				t.Fatalf("list-roles (pages of 2) = %v", list)
			}
			msg, err := s.cliErr(t, bin, "iam", "delete-role", "--role-name", "lambda-exec")
			if err == nil || !strings.Contains(msg, "DeleteConflict") {
				t.Fatalf("delete-role with policies: %v %s", err, msg)
			}
			msg, err = s.cliErr(t, bin, "iam", "get-role", "--role-name", "nobody")
			if err == nil || !strings.Contains(msg, "NoSuchEntity") || !strings.Contains(msg, "The role with name nobody cannot be found.") {
				t.Fatalf("get-role missing: %v %s", err, msg)
			}
		})
	}
}
