"""Drives hako's json codec with botocore: argv[1] is the endpoint URL.

Prints one JSON object with what botocore parsed, for the Go test to check.
"""
import json
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

client = boto3.client(
    "logs",
    endpoint_url=sys.argv[1],
    region_name="us-east-1",
    aws_access_key_id="AKIDEXAMPLE",
    aws_secret_access_key="secret",
    config=Config(retries={"total_max_attempts": 1, "mode": "standard"}),
)
result = {}

out = client.put_log_events(
    logGroupName="/aws/lambda/fn",
    logStreamName="s",
    logEvents=[{"timestamp": 1700000000000 + i, "message": "event %d ✓" % i} for i in range(3)],
)
result["put"] = {
    "nextSequenceToken": out["nextSequenceToken"],
    "rejectedLogEventsInfo": out["rejectedLogEventsInfo"],
}

out = client.get_log_events(logGroupName="/aws/lambda/fn", logStreamName="s", startFromHead=True)
result["get"] = {"events": out["events"], "nextForwardToken": out["nextForwardToken"]}

groups = []
for page in client.get_paginator("describe_log_groups").paginate(logGroupNamePrefix="/aws/lambda/", limit=2):
    groups += [g["logGroupName"] for g in page["logGroups"]]
result["groups"] = groups

errors = {}
for name in ["missing", "dup", "throttled"]:
    try:
        client.put_log_events(
            logGroupName=name, logStreamName="s", logEvents=[{"timestamp": 1, "message": "m"}]
        )
        errors[name] = None
    except ClientError as e:
        errors[name] = {
            "code": e.response["Error"]["Code"],
            "message": e.response["Error"]["Message"],
            "status": e.response["ResponseMetadata"]["HTTPStatusCode"],
            "expectedSequenceToken": e.response.get("expectedSequenceToken"),
            "modeled": type(e).__name__,
        }
result["errors"] = errors

print(json.dumps(result))
