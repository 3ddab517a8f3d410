# The book's MyScheduleFunction (chapter 3): run by an EventBridge rule
# every 5 minutes, it prints a greeting and the scheduled event it got.
import json


def lambda_handler(event, context):
    print("Hello")
    print(json.dumps(event))
    return "Hello"
