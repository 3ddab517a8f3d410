// Package server benchmarks a real `hako server` process end to end: start
// to healthy, idle RSS, and CloudWatch Logs round trips through
// aws-sdk-go-v2 at concurrency 16.
//
//	go test -run '^$' -bench . -benchtime 3000x ./bench/server/
package server
