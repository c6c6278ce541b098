package scenarios_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/corsproof/corsproof"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	. "github.com/onsi/gomega"

	"github.com/corsproof/corsproof/harness"
	"github.com/corsproof/corsproof/mockapi"
	"github.com/corsproof/corsproof/report"
	"github.com/corsproof/corsproof/scenarios"
)

// expectedSeverity is, for every fault of the gallery, how a browser shows
// it: security when some page can read what the policy forbids, broken when
// a page the policy allows cannot read. A fault missing here fails the
// suite: a new fault must come with its expectation.
//
// No fault of the gallery is invisible to a browser, though two are
// invisible to a single fetch:
//   - missing-vary shows only when the browser's HTTP cache serves one
//     origin's response to another: the http-cache-* scenarios fetch a URL
//     from one page, then the same URL with cache: "force-cache" from
//     another page; without Vary: Origin the second page gets the first
//     one's Access-Control-Allow-Origin and is blocked.
//   - max-age-ignored shows only when a preflight is repeated after the 5 s
//     a browser caches one that came without Access-Control-Max-Age:
//     cache-max-age-600-put-after-default repeats its PUT until 5.5 s and
//     counts preflights.
//
// stateful-matcher needs repetition: every request from an allowed origin
// after the first alternates allow and deny, so a preflighted request
// (preflight passes, actual fails) and any repeated scenario catch it.
var expectedSeverity = map[string]corsproof.Severity{
	"reflect-origin":             corsproof.SeveritySecurity,
	"reflect-origin-credentials": corsproof.SeveritySecurity,
	"allow-null":                 corsproof.SeveritySecurity,
	"suffix-match":               corsproof.SeveritySecurity,
	"prefix-match":               corsproof.SeveritySecurity,
	"unescaped-dot":              corsproof.SeveritySecurity,
	"subdomain-too-broad":        corsproof.SeveritySecurity,
	"http-origin-accepted":       corsproof.SeveritySecurity,
	"stateful-matcher":           corsproof.SeverityBroken,
	"wildcard-credentials":       corsproof.SeverityBroken,
	"duplicate-acao":             corsproof.SeverityBroken,
	"trailing-slash-acao":        corsproof.SeverityBroken,
	"acac-capitalized":           corsproof.SeverityBroken,
	"acam-case-mismatch":         corsproof.SeverityBroken,
	"acah-missing-header":        corsproof.SeverityBroken,
	"aceh-missing":               corsproof.SeverityBroken,
	"max-age-ignored":            corsproof.SeverityBroken,
	"missing-vary":               corsproof.SeverityBroken,
	"no-cors-on-errors":          corsproof.SeverityBroken,
	"no-preflight-handler-404":   corsproof.SeverityBroken,
	"no-preflight-handler-405":   corsproof.SeverityBroken,
	"preflight-passthrough":      corsproof.SeverityBroken,
	"preflight-redirected":       corsproof.SeverityBroken,
}

// alsoSecurity names the access-breaking faults that, besides breaking
// access, also let a page do something the policy forbids, and why.
var alsoSecurity = map[string]string{
	"acam-case-mismatch": "a lower-case Access-Control-Allow-Methods (put, delete, patch) admits a page's lower-case " +
		"\"patch\", which the policy's byte-for-byte PATCH refuses",
	"max-age-ignored": "under a max-age 0 policy, dropping Access-Control-Max-Age: 0 lets the browser cache the " +
		"preflight for its 5 s default, so a repeat skips the check the policy requires every time",
}

// The mutation score: the whole catalog runs against every fault, all
// mounted side by side in the suite's Chromium, and every fault must be
// caught with its severity. It runs in Chromium only (engine:chromium),
// whatever CORSPROOF_ENGINES says: it proves that the catalog catches
// faults, which one engine suffices for, and it is the suite's slow part
// (23 catalog passes); the other engines run the catalog itself. The runs of different faults go concurrently
// on a few workers: their fetches take turns in the browser, and one
// fault's 5.5 s wait overlaps the others' work.
var _ = Describe("every fault of the gallery is caught", Ordered, ContinueOnFailure, Label("feature:faults", "engine:chromium"), func() {
	catches := map[string][]faultResult{}

	// faultLabels are a fault spec's labels, as the label filter sees them.
	faultLabels := func(name string) []string { return []string{"feature:faults", "engine:chromium", "fault:" + name} }

	BeforeAll(func(ctx SpecContext) {
		faultRun := chromium().fault
		match := func([]string) bool { return true }
		if f := GinkgoLabelFilter(); f != "" {
			var err error
			match, err = types.ParseLabelFilter(f)
			Expect(err).NotTo(HaveOccurred())
		}
		catalog := scenarios.Catalog()
		var (
			mu sync.Mutex
			wg sync.WaitGroup
		)
		start := time.Now()
		ran := 0
		// A few workers, not one per fault: enough that one worker's 5.5 s
		// wait leaves the browser busy, few enough that a fetch queued
		// behind the others' never nears its own timeout.
		jobs := make(chan string)
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for name := range jobs {
					r, _ := faultRun.FaultRunner(name)
					var slim []faultResult // the observations are not kept: 23 x 500 of them add up
					for _, res := range r.RunAll(ctx, catalog, harness.RunOptions{}) {
						slim = append(slim, faultResult{ID: res.Scenario.ID, Verdict: res.Verdict,
							Severity: res.Severity, Known: res.Known, Explanation: res.Explanation, Cause: res.Cause,
							Origin: res.Origin, Request: res.Scenario.Request})
					}
					mu.Lock()
					catches[name] = slim
					mu.Unlock()
				}
			}()
		}
		for _, f := range mockapi.Faults() {
			if !match(faultLabels(f.Name)) {
				continue
			}
			_, ok := faultRun.FaultRunner(f.Name)
			Expect(ok).To(BeTrue(), "fault %s is mounted", f.Name)
			ran++
			jobs <- f.Name
		}
		close(jobs)
		wg.Wait()
		GinkgoWriter.Printf("%d faults x %d scenarios in %s\n", ran, len(catalog), time.Since(start).Round(time.Millisecond))
		AddReportEntry("fault catches (full list: "+filepath.Join(reportsDir, "fault-catches.txt")+")",
			catchReport(catches, 6), ReportEntryVisibilityAlways)
		if err := os.MkdirAll(reportsDir, 0o755); err == nil {
			_ = os.WriteFile(filepath.Join(reportsDir, "fault-catches.txt"), []byte(catchReport(catches, 0)), 0o644)
		}
	}, NodeTimeout(5*time.Minute))

	It("has an expected severity for every fault of the gallery", func() {
		for _, f := range mockapi.Faults() {
			Expect(expectedSeverity).To(HaveKey(f.Name), "fault %s needs an expected severity", f.Name)
		}
	})

	for _, f := range mockapi.Faults() {
		It(fmt.Sprintf("%s is caught as %s", f.Name, expectedSeverity[f.Name]), Label(faultLabels(f.Name)...), func() {
			results, ok := catches[f.Name]
			Expect(ok).To(BeTrue(), "the fault's catalog run is missing")
			want := expectedSeverity[f.Name]
			var caught, other []string
			for _, r := range results {
				Expect(r.Verdict).NotTo(Equal(corsproof.VerdictError), "%s: %s", r.ID, r.Explanation)
				if r.Verdict != corsproof.VerdictServerMismatch {
					continue
				}
				if r.Severity == want {
					caught = append(caught, r.ID)
				} else {
					other = append(other, r.ID+" ("+string(r.Severity)+")")
				}
			}
			Expect(caught).NotTo(BeEmpty(), "%s: no scenario caught it as %s (other catches: %v)", f.Name, want, other)
			// One bug, a few causes: at most 3, whose counts add up to the
			// mismatches, and the first screen of the report names the first.
			runs := []corsproof.Run{asRun(results)}
			var causes []corsproof.Finding
			counted := 0
			for _, fd := range corsproof.Findings(runs) {
				if !fd.Note && fd.Verdict == corsproof.VerdictServerMismatch {
					causes = append(causes, fd)
					counted += fd.Count
				}
			}
			lines := make([]string, len(causes))
			for i, c := range causes {
				lines[i] = fmt.Sprintf("%d× %s", c.Count, c.Line)
			}
			Expect(len(causes)).To(BeNumerically("<=", 3), "%s is %d causes:\n%s", f.Name, len(causes), strings.Join(lines, "\n"))
			Expect(counted).To(Equal(len(caught)+len(other)), "%s: the causes count %d results of %d mismatches", f.Name, counted, len(caught)+len(other))
			var b strings.Builder
			report.Text(&b, runs, report.TextOptions{Width: 120, OnlyFailures: true})
			screen := strings.Split(b.String(), "\n")
			screen = screen[:min(40, len(screen))]
			Expect(strings.Join(strings.Fields(strings.Join(screen, " ")), " ")).To(ContainSubstring(strings.Join(strings.Fields(causes[0].Line), " ")),
				"%s: the first screen does not name the first cause", f.Name)
			if _, both := alsoSecurity[f.Name]; want == corsproof.SeverityBroken && !both {
				// A fault that only breaks access must never look like a leak.
				Expect(other).To(BeEmpty(), "%s breaks access only, yet these scenarios report security", f.Name)
			}
		})
	}
})

// faultResult is what the mutation score keeps of a result.
type faultResult struct {
	ID          string
	Verdict     corsproof.Verdict
	Severity    corsproof.Severity
	Known       bool
	Explanation string
	Cause       *corsproof.Cause
	Origin      string
	Request     corsproof.Request
}

// asRun is a fault's slim results as a run, for the findings and reports.
func asRun(results []faultResult) corsproof.Run {
	run := corsproof.Run{Engine: corsproof.Chromium}
	for _, r := range results {
		run.Results = append(run.Results, corsproof.Result{Scenario: corsproof.Scenario{ID: r.ID, Request: r.Request},
			Origin: r.Origin, Verdict: r.Verdict, Severity: r.Severity, Known: r.Known, Explanation: r.Explanation, Cause: r.Cause})
	}
	return run
}

// catchReport lists, per fault, the scenarios that caught it (the first
// limit of them, or all when limit is 0), with the first catch's
// explanation.
func catchReport(catches map[string][]faultResult, limit int) string {
	var names []string
	for n := range catches {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		var ids []string
		first := ""
		sev := map[corsproof.Severity]int{}
		for _, r := range catches[n] {
			if r.Verdict == corsproof.VerdictServerMismatch {
				ids = append(ids, r.ID+" ("+string(r.Severity)+")")
				sev[r.Severity]++
				if first == "" {
					first = r.ID + ": " + r.Explanation
				}
			}
		}
		fmt.Fprintf(&b, "%s: caught by %d of %d scenarios (security %d, broken %d)\n", n, len(ids), len(catches[n]),
			sev[corsproof.SeveritySecurity], sev[corsproof.SeverityBroken])
		if first != "" {
			fmt.Fprintf(&b, "  e.g. %s\n", first)
		}
		for i, id := range ids {
			if limit > 0 && i == limit {
				fmt.Fprintf(&b, "    ... and %d more\n", len(ids)-limit)
				break
			}
			fmt.Fprintf(&b, "    %s\n", id)
		}
	}
	return b.String()
}
