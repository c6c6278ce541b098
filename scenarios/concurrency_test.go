package scenarios_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/harness"
	"github.com/corsproof/corsproof/internal/testenv"
	"github.com/corsproof/corsproof/mockapi"
	"github.com/corsproof/corsproof/scenarios"
)

// concurrencyRuns is how many runs at the default concurrency are compared
// with the sequential one: CORSPROOF_CONCURRENCY_RUNS, 2 in `make test`,
// 20 in `make soak`.
func concurrencyRuns() int {
	if n, err := strconv.Atoi(os.Getenv("CORSPROOF_CONCURRENCY_RUNS")); err == nil && n > 0 {
		return n
	}
	return 2
}

// concurrencySample is the catalog slice the comparison runs against a
// target: the first scenario of each kind of state a scenario can depend
// on (preflight cache, HTTP cache, cookie jar), every 16th of the rest,
// and, with waits, every scenario that waits (5.5 s each). Only the
// conforming mock gets the waits: a run of 27 targets, 4 at a time, would
// otherwise spend 27 x 5.5 s / 4 waiting, whatever the concurrency.
func concurrencySample(catalog []corsproof.Scenario, waits bool) []corsproof.Scenario {
	var out []corsproof.Scenario
	seen := map[corsproof.State]bool{}
	for i, s := range catalog {
		if s.RepeatAfter > 0 {
			if waits {
				out = append(out, s)
			}
			continue
		}
		take := i%16 == 0
		for _, st := range s.Uses() {
			if !seen[st] {
				seen[st], take = true, true
			}
		}
		if take {
			out = append(out, s)
		}
	}
	return out
}

// verdictLine is what must not depend on concurrency: the id, the
// verdict, the severity, and the cause (its kind, and the response and
// header that prove it; header values can carry the run's tokens).
func verdictLine(target string, r corsproof.Result) string {
	cause := "-"
	if c := r.Cause; c != nil {
		cause = fmt.Sprintf("%s %s %s sent=%t", c.Kind, c.Exchange, c.Header, c.Sent)
	}
	return fmt.Sprintf("%s\t%s\t%s\t%s\t%s", target, r.Scenario.ID, r.Verdict, r.Severity, cause)
}

// runEveryTarget runs sample against the conforming mock and every fault,
// all mounted in one new Chromium, each target's run at concurrency n, a
// few targets at a time (as the fault suite does), and returns one line per
// result, in target and run order.
func runEveryTarget(ctx context.Context, n int) []string {
	s, err := harness.Start(ctx, harness.Config{
		Policies: scenarios.Policies(), Faults: mockapi.Faults(), ExecPath: os.Getenv(browser.EnvChrome),
	})
	testenv.Started(GinkgoT(), "chromium", err)
	defer s.Close()
	targets := append([]string{""}, s.Faults.Faults()...)
	lines := make([][]string, len(targets))
	var wg sync.WaitGroup
	jobs := make(chan int)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				r, _ := s.FaultRunner(targets[i])
				sample := concurrencySample(scenarios.Catalog(), targets[i] == "")
				for _, res := range r.RunAll(ctx, sample, harness.RunOptions{Concurrency: n}) {
					name := targets[i]
					if name == "" {
						name = "conforming"
					}
					lines[i] = append(lines[i], verdictLine(name, res))
				}
			}
		}()
	}
	for i := range targets {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	var out []string
	for _, l := range lines {
		out = append(out, l...)
	}
	return out
}

// Verdicts must not depend on how many scenarios are in flight: the runs at
// the default concurrency must give, line for line, what the sequential run
// gives, for the conforming mock and every fault (the stateful one too,
// whose answers depend on the order of requests), each in a new browser.
var _ = Describe("verdicts do not depend on concurrency", Label("feature:concurrency", "engine:chromium"), func() {
	It(fmt.Sprintf("gives at concurrency %d the ids, verdicts and causes of --concurrency 1, for the conforming mock and every fault", harness.DefaultConcurrency), func(ctx SpecContext) {
		chromium() // skips when CORSPROOF_ENGINES leaves Chromium out
		start := time.Now()
		sequential := runEveryTarget(ctx, 1)
		GinkgoWriter.Printf("sequential: %d results in %s\n", len(sequential), time.Since(start).Round(time.Millisecond))
		catalog := scenarios.Catalog()
		Expect(sequential).To(HaveLen(len(concurrencySample(catalog, true)) + len(concurrencySample(catalog, false))*len(mockapi.Faults())))
		for _, l := range sequential {
			Expect(l).NotTo(ContainSubstring("\t"+string(corsproof.VerdictError)+"\t"), "no infrastructure error in the sequential run")
		}
		for run := 1; run <= concurrencyRuns(); run++ {
			start := time.Now()
			concurrent := runEveryTarget(ctx, harness.DefaultConcurrency)
			GinkgoWriter.Printf("concurrent run %d: %d results in %s\n", run, len(concurrent), time.Since(start).Round(time.Millisecond))
			var diff []string
			for i := range sequential {
				if i >= len(concurrent) || concurrent[i] != sequential[i] {
					got := "(missing)"
					if i < len(concurrent) {
						got = concurrent[i]
					}
					diff = append(diff, "sequential: "+sequential[i]+"\n  concurrent: "+got)
				}
			}
			Expect(diff).To(BeEmpty(), "run %d at concurrency %d differs from the sequential run:\n%s", run, harness.DefaultConcurrency, strings.Join(diff, "\n"))
		}
	}, NodeTimeout(10*time.Minute))
})
