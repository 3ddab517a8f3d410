#!/bin/sh
# Reproduces the figures in docs/engine.md: Pebble vs bbolt as stores, and
# hako's engine (bbolt + its own group commit, internal/engine) side by side.
# fsync latency dominates every write figure and varies a lot with other
# load on the disk, so each round runs all contenders back to back and only
# figures from the same round should be compared.
set -e
cd "$(dirname "$0")"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
go build -o "$out/pebblebench" ./pebblebench
go build -o "$out/boltbench" ./boltbench
(cd ../.. && go test -c -o "$out/engine.test" ./internal/engine)
ls -l "$out/pebblebench" "$out/boltbench" | awk '{print "binary size", $5, $NF}'
hako() { # $1: benchmark name pattern
	"$out/engine.test" -test.run '^$' -test.bench "$1" -test.benchtime "${2:-1000x}" | grep -E '^Benchmark'
}
for round in 1 2 3; do
	echo "== round $round ($(uptime | sed 's/.*load/load/'))"
	"$out/pebblebench" -mode write -conc 1 -n 1000
	"$out/boltbench" -mode write -conc 1 -n 1000
	"$out/boltbench" -commit update -mode write -conc 1 -n 1000
	hako 'Apply/conc=1$'
	"$out/pebblebench" -mode write -conc 64 -n 20000
	"$out/boltbench" -mode write -conc 64 -n 20000
	hako 'Apply/conc=64$' 20000x
	"$out/pebblebench" -mode idle -keys 10000
	"$out/boltbench" -mode idle -keys 10000
	hako 'Open$' 200x
done
