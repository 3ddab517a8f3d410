"""Drives hako's rest-json codec with botocore: argv[1] is the endpoint URL.

Prints one JSON object with what botocore parsed, for the Go test to check.
"""
import base64
import json
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

client = boto3.client(
    "lambda",
    endpoint_url=sys.argv[1],
    region_name="us-east-1",
    aws_access_key_id="AKIDEXAMPLE",
    aws_secret_access_key="secret",
    config=Config(retries={"total_max_attempts": 1, "mode": "standard"}),
)
result = {}

out = client.create_function(
    FunctionName="fn",
    Runtime="python3.12",
    Role="arn:aws:iam::000000000000:role/r",
    Handler="app.handler",
    Code={"ZipFile": b"PK\x03\x04zip\x00\xff"},
    Environment={"Variables": {"AA": "1"}},
)
result["create"] = {"FunctionArn": out["FunctionArn"], "CodeSize": out["CodeSize"], "Timeout": out["Timeout"]}

out = client.invoke(
    FunctionName="fn",
    Payload=b'{"x":"fail"}',
    LogType="Tail",
    Qualifier="live",
    ClientContext=base64.b64encode(b'{"custom":{}}').decode(),
)
result["invoke"] = {
    "StatusCode": out["StatusCode"],
    "FunctionError": out.get("FunctionError"),
    "ExecutedVersion": out.get("ExecutedVersion"),
    "LogResult": base64.b64decode(out["LogResult"]).decode(),
    "Payload": out["Payload"].read().decode(),
}

out = client.invoke(FunctionName="fn", InvocationType="Event", Payload=b"{}")
result["event"] = {"StatusCode": out["StatusCode"], "Payload": out["Payload"].read().decode()}

out = client.list_tags(Resource="arn:aws:lambda:us-east-1:000000000000:function:fn")
result["tags"] = out["Tags"]

out = client.delete_function(FunctionName="fn", Qualifier="3")
result["delete"] = out["StatusCode"]

errors = {}
for name in ["missing", "busy"]:
    try:
        client.get_function(FunctionName=name)
        errors[name] = None
    except ClientError as e:
        errors[name] = {
            "code": e.response["Error"]["Code"],
            "message": e.response["Error"]["Message"],
            "status": e.response["ResponseMetadata"]["HTTPStatusCode"],
            "type": e.response.get("Type"),
            "retryAfterSeconds": e.response.get("retryAfterSeconds"),
            "modeled": type(e).__name__,
        }
result["errors"] = errors

print(json.dumps(result))
