// Package server benchmarks a real `hako server` process end to end: start
// to healthy, idle RSS, and CloudWatch Logs round trips through
// aws-sdk-go-v2 at concurrency 16; Lambda invokes; and schedules
// (schedule_test.go: tick-to-handler jitter on the real clock, the cost of
// 10,000 enabled rules, the time to compute a next tick).
//
//	go test -run '^$' -bench . -benchtime 3000x ./bench/server/
package server
