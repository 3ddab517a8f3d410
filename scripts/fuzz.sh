#!/usr/bin/env bash
# Runs every fuzz target in the module for the given time each (default 2m).
# CI runs only the seed corpora (as ordinary tests); this is for humans.
set -euo pipefail
cd "$(dirname "$0")/.."
time=${1:-2m}
for pkg in $(go list ./...); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  for target in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
    echo "== $pkg $target ($time)"
    go test -run '^$' -fuzz "^${target}\$" -fuzztime "$time" "$pkg"
  done
done
