package scenarios_test

import (
	"context"
	"errors"
	"os"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/harness"
	"github.com/corsproof/corsproof/scenarios"
)

// One browser and one topology for the whole suite, serving the conforming
// mock and every fault of the gallery side by side: a new browser per fault,
// or a new browser context per scenario, would cost far more than the
// fetches themselves (browser-facts.md).
var (
	faultRun *harness.FaultRun
	run      struct{ Runner *harness.Runner } // the conforming mock's runner
)

// Environment knobs of the suite. Shuffling is Ginkgo's own:
// `go tool ginkgo --randomize-all --seed N ./scenarios` (the seed is printed
// at the top of every run).
var (
	// CORSPROOF_TWICE=1 runs every catalog scenario a second time on a new
	// URL, so a server whose answer changes per request shows it.
	twice = os.Getenv("CORSPROOF_TWICE") == "1"
	// CORSPROOF_REPORTS is where the fault-catch report goes (default
	// ../reports, the Makefile's reports/ seen from the package).
	reportsDir = envOr("CORSPROOF_REPORTS", "../reports")
)

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func TestScenarios(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "corsproof conformance catalog")
}

var _ = BeforeSuite(func() {
	var err error
	faultRun, err = harness.StartFaultMock(context.Background(), harness.MockConfig{
		Policies: scenarios.Policies(), ChromePath: os.Getenv("CORSPROOF_CHROME"),
	}, nil)
	var nf *browser.NotFoundError
	if errors.As(err, &nf) && os.Getenv("CI") != "true" {
		Skip("no browser: " + err.Error())
	}
	Expect(err).NotTo(HaveOccurred(), "start the mock and Chromium (in CI a missing browser fails the run)")
	DeferCleanup(func() { Expect(faultRun.Close()).To(Succeed()) })
	var ok bool
	run.Runner, ok = faultRun.Runner("")
	Expect(ok).To(BeTrue())
	if twice {
		GinkgoWriter.Println("CORSPROOF_TWICE=1: every catalog scenario runs twice")
	}
})

// Catalog specs are generated before RunSpecs, one per scenario, labelled
// along every dimension so --label-filter selects slices.
var _ = Describe("the catalog on the conforming mock", Label("catalog"), func() {
	for _, s := range scenarios.Catalog() {
		It(s.ID+": "+s.Title, Label(s.Labels...), func(ctx SpecContext) {
			reps := 1
			if twice {
				reps = 2
			}
			for rep := range reps {
				res := run.Runner.Run(ctx, s, rep)
				Expect(res.Verdict).NotTo(Equal(harness.VerdictError), res.Explanation)
				Expect(res.Failed()).To(BeFalse(), "run %d: %s: expected %s, observed %s: %s",
					rep+1, res.VerdictLabel(), res.Expected, res.Observed, res.Explanation)
				Expect(res.Observation).NotTo(BeNil())
				if s.HasLabel("feature:cookie-dropped") {
					Expect(res.Diagnoses).To(ContainElement(ContainSubstring("cookie-dropped")),
						"a cross-site credentialed request loses its cookie, and the result says so")
				}
				if s.HasLabel("feature:side-effect") {
					// The journal agrees with the model about what reached
					// the server, blocked or not.
					Expect(res.ReachedServer).NotTo(BeNil())
					Expect(*res.ReachedServer).To(Equal(res.PolicyDecision.ActualSent),
						"reached the server: journal %t, model %t", *res.ReachedServer, res.PolicyDecision.ActualSent)
				}
			}
		})
	}
})
