# Run the dynamosql user service, tests and benchmarks against
# DynamoDB Local. scripts/dynamodb-local.sh installs DynamoDB Local (and Java
# when missing) into $(CACHE) on first use, so a fresh clone needs only Go,
# Node.js/npm and Java (or apt-get).
#
# When DYNAMODB_ENDPOINT is set in the environment, run, test and bench use
# that endpoint instead of starting DynamoDB Local.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.ONESHELL:
.DEFAULT_GOAL := help

# Cache for DynamoDB Local, its log and pid file, and benchmark results.
export DYNAMOSQL_CACHE ?= $(CURDIR)/.cache
CACHE := $(DYNAMOSQL_CACHE)

# Packages that test and bench cover.
PKGS ?= ./...
# Fuzz targets run by `make test`, as pkg:FuzzName entries.
# An entry may end with :BUDGET, a go test -fuzztime value for that target.
# Budgets are execution counts (Nx), sized to a few seconds each here: a
# duration-based -fuzztime makes Go 1.26's fuzzing coordinator fail now and
# then with a bare "context deadline exceeded" at the deadline (Go issue
# 75804, fixed in Go 1.27), which is not a finding.
FUZZ_TARGETS ?= .:FuzzParseDSN:20000x .:FuzzCountParams:20000x .:FuzzValueRoundTrip:1000x .:FuzzErrorMessagesAreValidUTF8:20000x \
	./internal/partiql:FuzzParse:100000x ./internal/partiql:FuzzParseDDL:60000x ./pagination:FuzzDecodeCursor:50000x
# The budget of a target whose entry names none.
FUZZTIME ?= 10000x

# staticcheck, pinned so that `make lint` gives the same findings every time.
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2

# GO_NEXT is the Go toolchain that make test also builds the driver with,
# for the code only it compiles (rows_go127.go: database/sql's
# RowsColumnScanner). The go command fetches it from the Go module proxy
# (about 76 MB, once per machine). Set GO_NEXT= to skip that step.
GO_NEXT ?= go1.27.3
# The tests run with GO_NEXT: those of the scanning paths.
GO_NEXT_TESTS ?= TestScanColumn|TestColumns|TestReturningColumns|TestSqlx|TestValues|TestEachTextIsAnalysedOncePerConnector

# benchstat, pinned so that `make bench` gives the same tool every time.
BENCHSTAT ?= golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da
# How many rounds bench runs (each runs every benchmark once), and how long
# each benchmark runs in a round (go test -benchtime).
BENCHCOUNT ?= 6
BENCHTIME ?= 1s
# Which benchmarks bench runs (go test -bench), for example BENCH=Latency.
BENCH ?= .
# The latency set (BenchmarkLatency*, bench_latency_test.go) reaches its
# endpoint through internal/latencyproxy: BENCH_RTT is the round trip each
# request gets, BENCH_JITTER spreads it (±), and BENCH_HANDSHAKE, when set,
# is what a new TCP connection costs on top (default two round trips).
BENCH_RTT ?= 5ms
BENCH_JITTER ?= 0s
export BENCH_RTT BENCH_JITTER

LOCAL := bash scripts/dynamodb-local.sh

# with-endpoint starts DynamoDB Local unless DYNAMODB_ENDPOINT is set, and
# exports DYNAMODB_ENDPOINT for the rest of the recipe.
define with-endpoint
if [ -z "$${DYNAMODB_ENDPOINT:-}" ]; then
	DYNAMODB_ENDPOINT="$$($(LOCAL) start | tail -n 1)"
fi
export DYNAMODB_ENDPOINT
echo "DYNAMODB_ENDPOINT=$$DYNAMODB_ENDPOINT" >&2
endef

.PHONY: help run test lint bench local-start local-stop clean

# help: list the targets.
# The descriptions are the comments above, with $(CACHE) shown as its value.
help:
	@grep -E '^# [a-z-]+: ' $(firstword $(MAKEFILE_LIST)) | sed -e 's/^# /  /' -e 's|\$$(CACHE)|$(CACHE)|g'

# run: start DynamoDB Local and serve examples/userservice on ADDR (default 127.0.0.1:8080) with SEED (default 25) users, printing example curl commands, until Ctrl-C.
run:
	@$(with-endpoint)
	mkdir -p "$(CACHE)"
	go build -o "$(CACHE)/userservice" ./examples/userservice
	export SEED="$${SEED:-25}"
	exec "$(CACHE)/userservice"

# test: lint, start DynamoDB Local, run every test with -race, fuzz each target of FUZZ_TARGETS for its budget, then vet and run the scanning tests with Go GO_NEXT.
test: lint
	@$(with-endpoint)
	go test -race -count=1 $(PKGS)
	targets="$(FUZZ_TARGETS)"
	for t in $$targets; do
		pkg="$${t%%:*}"
		rest="$${t#*:}"
		name="$${rest%%:*}"
		budget="$(FUZZTIME)"
		if [ "$$rest" != "$$name" ]; then budget="$${rest#*:}"; fi
		echo "fuzz $$name in $$pkg for $$budget" >&2
		go test -run='^$$' -fuzz="^$$name\$$" -fuzztime="$$budget" "$$pkg"
	done
	if [ -n "$(GO_NEXT)" ]; then
		echo "$(GO_NEXT): go vet, and the scanning tests" >&2
		GOTOOLCHAIN=$(GO_NEXT) go vet .
		GOTOOLCHAIN=$(GO_NEXT) go test -count=1 -run '$(GO_NEXT_TESTS)' .
	fi

# lint: fail on anything gofmt -l, go vet, staticcheck (pinned) or go mod tidy -diff reports.
lint:
	@unformatted="$$(gofmt -l .)"
	if [ -n "$$unformatted" ]; then echo "gofmt -l: these files are not formatted:" >&2; echo "$$unformatted" >&2; exit 1; fi
	go vet $(PKGS)
	go run $(STATICCHECK) $(PKGS)
	go mod tidy -diff

# bench: start DynamoDB Local, run every benchmark (canned, DynamoDB Local, and the latency set through a BENCH_RTT proxy) BENCHCOUNT times into $(CACHE)/bench.txt, print benchstat's summary and the table of driver/SDK ratios (see BENCHMARKS.md).
# The rounds are separate `go test -count=1` runs rather than one -count=6:
# -count repeats a benchmark back to back, so a driver benchmark's six runs
# and its SDK twin's would meet different background load; rounds alternate
# them. The data are the same six samples per benchmark. Even rounds set
# BENCH_SDK_FIRST=1, so each side of a pair runs first in half the rounds.
bench:
	@$(with-endpoint)
	mkdir -p "$(CACHE)"
	: > "$(CACHE)/bench.txt"
	for i in $$(seq $(BENCHCOUNT)); do
		echo "bench: round $$i of $(BENCHCOUNT)" >&2
		BENCH_SDK_FIRST=$$(( (i + 1) % 2 )) go test -run='^$$' -bench='$(BENCH)' -benchmem -count=1 -benchtime=$(BENCHTIME) -timeout=30m $(PKGS) | tee -a "$(CACHE)/bench.txt"
	done
	go run $(BENCHSTAT) "$(CACHE)/bench.txt" > "$(CACHE)/benchstat.txt" || echo "benchstat failed; raw results are in $(CACHE)/bench.txt" >&2
	cat "$(CACHE)/benchstat.txt"
	go run ./internal/benchtable "$(CACHE)/bench.txt" | tee "$(CACHE)/benchtable.md"

# local-start: start DynamoDB Local (installing it if needed) and print its endpoint.
local-start:
	@$(LOCAL) start

# local-stop: stop the DynamoDB Local that local-start (or a test) started.
local-stop:
	@$(LOCAL) stop

# clean: stop DynamoDB Local and remove the cache ($(CACHE)).
clean:
	@$(LOCAL) stop
	rm -rf "$(CACHE)"
