# corsproof: `make demo` runs the catalog on the embedded mock in real
# Chromium; `make test` runs every test. Both install Chromium when missing.

GO      ?= go
GINKGO  := $(GO) tool ginkgo
REPORTS ?= reports
PKGS     = $(shell $(GO) list ./... | grep -v /scenarios$$)

.PHONY: all demo test unit scenarios bench fuzz vet browser clean

all: test

browser: ## install Chromium (Debian package) when missing
	@bash .ci/install-browser

demo: browser ## the main job: the conformance catalog on the embedded mock
	$(GO) run ./cmd/corsproof run

test: browser vet unit scenarios ## every test, the browser ones included

vet:
	$(GO) vet ./...

unit: ## package tests (policy, spec, mockapi, browser, harness, CLI)
	$(GO) test -count=1 $(PKGS)

scenarios: ## the Ginkgo conformance suite, with JUnit and JSON reports
	@mkdir -p $(REPORTS)
	$(GINKGO) --junit-report=junit.xml --json-report=report.json --output-dir=$(REPORTS) ./scenarios

bench: browser ## scenarios per second, full-catalog wall time, peak memory -> $(REPORTS)/bench.json
	@mkdir -p $(REPORTS)
	$(GO) test -run '^$$' -bench . -benchtime 1x ./scenarios/ -args -bench-json=$(CURDIR)/$(REPORTS)/bench.json

fuzz: ## the header-parser fuzzers, 60 s each
	$(GO) test -run '^$$' -fuzz FuzzHeaderParsers -fuzztime 60s ./spec/

clean:
	rm -rf $(REPORTS)
