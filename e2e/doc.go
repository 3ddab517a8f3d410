// Package e2e starts real `hako server` processes on free ports with temp
// data dirs and drives them with the clients people use: the aws CLI v2
// (/usr/bin/aws) and v1 (aws on PATH), boto3 and aws-sdk-go-v2.
package e2e
