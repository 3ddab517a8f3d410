// Package e2e starts real `hako server` processes on free ports with temp
// data dirs and drives them with the clients people use: the aws CLI v2
// (/usr/bin/aws) and v1 (aws on PATH), boto3 and aws-sdk-go-v2.
package e2e

// The tests run the hako binary, which the go test cache cannot see; this
// import makes every change to the server invalidate cached e2e results.
import _ "hako/internal/server"
