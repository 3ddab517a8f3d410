# The two commands a newcomer runs:
#   make run    build and start hako on 127.0.0.1:4566 (data in ~/.local/share/hako)
#   make test   install what the tests need (idempotent) and run the whole suite

GO ?= go
BIN := bin/hako

.PHONY: run build test test-deps test-go fuzz bench generate coverage-doc

build:
	$(GO) build -o $(BIN) ./cmd/hako

run: build
	./$(BIN) server $(ARGS)

test: test-deps test-go

# Tools the tests drive: the aws CLI v2 from apt (/usr/bin/aws), zip.
# Installed only when missing, so running it twice costs nothing.
test-deps:
	@scripts/test-deps.sh

test-go:
	@scripts/test.sh

generate:
	$(GO) generate ./...
	$(GO) run ./cmd/hako coverage > docs/coverage.md

coverage-doc:
	$(GO) run ./cmd/hako coverage > docs/coverage.md

# Fuzz every parser for FUZZTIME each (outside CI).
FUZZTIME ?= 2m
fuzz:
	@scripts/fuzz.sh $(FUZZTIME)

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./bench/... ./internal/...
