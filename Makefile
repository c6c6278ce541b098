# corsproof: `make demo` runs the catalog on the embedded mock in real
# Chromium; `make test` runs every test in Chromium, Firefox and WebKit.
# Both install the browsers they need (Debian packages) when missing.

GO      ?= go
GINKGO  := $(GO) tool ginkgo
REPORTS ?= reports
PKGS     = $(shell $(GO) list ./... | grep -v /scenarios$$)

.PHONY: all demo test unit scenarios bench fuzz soak vet browsers grid compare clean

all: test

browsers: ## install Chromium, Firefox ESR and WebKitGTK (Debian packages) when missing
	@bash .ci/install-browser

grid: ## install what the Selenium Grid tests need: ChromeDriver, a Java runtime, the Grid 4 jar (from npm, sha512-checked)
	@bash .ci/install-grid >/dev/null

demo: ## the main job: the conformance catalog on the embedded mock
	@bash .ci/install-browser chromium
	$(GO) run ./cmd/corsproof run

test: browsers grid vet unit scenarios ## every test, in all three engines

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

# soak: the catalog SOAK_RUNS (20) times in all three engines, failing on
# any verdict that differs between runs; 20 runs at the default concurrency
# compared with --concurrency 1 for the conforming mock and every fault; and
# SOAK_DIFF_N (50,000) differential cases per engine.
SOAK_RUNS   ?= 20
SOAK_DIFF_N ?= 50000

soak: browsers ## the long proofs: repeated catalogs, concurrency vs sequential 20 times, 50,000 differential cases per engine
	SOAK_RUNS=$(SOAK_RUNS) bash scripts/soak
	CORSPROOF_CONCURRENCY_RUNS=$(SOAK_RUNS) $(GINKGO) --label-filter feature:concurrency ./scenarios
	CORSPROOF_DIFF_N=$(SOAK_DIFF_N) $(GO) test -count=1 -timeout 2h -run 'TestModelAgreesWith' -v ./differential/

compare: browsers ## a refactor keeps behaviour: ids, verdicts, severities of full runs before (BASE) and after
	bash scripts/compare-verdicts $(BASE)

# fuzz finds every FuzzXxx in the project's test files and runs each for
# FUZZTIME. Go minimizes each new interesting input, with a number of runs
# that grows as the square of its size, and counts those runs only when it
# is done: FUZZMINIMIZETIME bounds that, so a target spends its time fuzzing.
FUZZTIME         ?= 60s
FUZZMINIMIZETIME ?= 10s

fuzz: ## every fuzz target (spec, policy, ...), FUZZTIME (60s) each
	@set -e; for file in $$(grep -rl --include='*_test.go' '^func Fuzz' . | sort); do \
		for target in $$(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' $$file); do \
			echo "$(GO) test -run '^$$' -fuzz '^$$target\$$' -fuzztime $(FUZZTIME) $$(dirname $$file)/"; \
			$(GO) test -run '^$$' -fuzz "^$$target\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME) $$(dirname $$file)/; \
		done; \
	done

clean:
	rm -rf $(REPORTS)
