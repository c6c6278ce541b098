# corsproof: `make demo` runs the catalog on the embedded mock in real
# Chromium; `make test` runs every test in Chromium, Firefox and WebKit.
# Both install the browsers they need (Debian packages) when missing.

GO      ?= go
GINKGO  := $(GO) tool ginkgo
REPORTS ?= reports
PKGS     = $(shell $(GO) list ./... | grep -v /scenarios$$)

.PHONY: all demo test unit scenarios bench fuzz soak vet browsers compare clean

all: test

browsers: ## install Chromium, Firefox ESR and WebKitGTK (Debian packages) when missing
	@bash .ci/install-browser

demo: ## the main job: the conformance catalog on the embedded mock
	@bash .ci/install-browser chromium
	$(GO) run ./cmd/corsproof run

test: browsers vet unit scenarios ## every test, in all three engines

vet:
	$(GO) vet ./...

unit: ## package tests (policy, spec, mockapi, browser, harness, CLI)
	$(GO) test -count=1 $(PKGS)

scenarios: ## the Ginkgo conformance suite, with JUnit and JSON reports
	@mkdir -p $(REPORTS)
	$(GINKGO) --junit-report=junit.xml --json-report=report.json --output-dir=$(REPORTS) ./scenarios

bench: browsers ## scenarios per second, full-catalog wall time, peak memory -> $(REPORTS)/bench.json
	@mkdir -p $(REPORTS)
	$(GO) test -run '^$$' -bench . -benchtime 1x ./scenarios/ -args -bench-json=$(CURDIR)/$(REPORTS)/bench.json

soak: browsers ## the catalog 20 times (SOAK_RUNS) in all three engines; fails on any verdict that differs between runs
	bash scripts/soak

compare: browsers ## a refactor keeps behaviour: ids, verdicts, severities of full runs before (BASE) and after
	bash scripts/compare-verdicts $(BASE)

fuzz: ## the header-parser fuzzers, 60 s each
	$(GO) test -run '^$$' -fuzz FuzzHeaderParsers -fuzztime 60s ./spec/

clean:
	rm -rf $(REPORTS)
