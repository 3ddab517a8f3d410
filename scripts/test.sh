#!/usr/bin/env bash
# Runs the whole Go test suite and ends with one summary line
# ("N passed, N failed"), printing the output of failed tests only.
set -uo pipefail
cd "$(dirname "$0")/.."
go build ./... || { echo "0 passed, 1 failed"; exit 1; }
go vet ./... || { echo "0 passed, 1 failed"; exit 1; }
go test -json -timeout 15m ./... 2>&1 | go run ./scripts/testsum
