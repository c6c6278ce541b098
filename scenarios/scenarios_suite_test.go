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

// One browser and one topology for the whole suite: a new browser context
// per scenario would cost ~60x the fetch itself (browser-facts.md).
var run *harness.MockRun

func TestScenarios(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "corsproof conformance catalog")
}

var _ = BeforeSuite(func() {
	var err error
	run, err = harness.StartMock(context.Background(), harness.MockConfig{
		Policies: scenarios.Policies(), ChromePath: os.Getenv("CORSPROOF_CHROME"),
	})
	var nf *browser.NotFoundError
	if errors.As(err, &nf) && os.Getenv("CI") != "true" {
		Skip("no browser: " + err.Error())
	}
	Expect(err).NotTo(HaveOccurred(), "start the mock and Chromium (in CI a missing browser fails the run)")
	DeferCleanup(func() { Expect(run.Close()).To(Succeed()) })
})

// Catalog specs are generated before RunSpecs, one per scenario, labelled
// along every dimension so --label-filter selects slices.
var _ = Describe("the catalog on the conforming mock", func() {
	for _, s := range scenarios.Catalog() {
		It(s.ID+": "+s.Title, Label(s.Labels...), func(ctx SpecContext) {
			res := run.Runner.Run(ctx, s, 0)
			Expect(res.Verdict).NotTo(Equal(harness.VerdictError), res.Explanation)
			Expect(res.Failed()).To(BeFalse(), "%s: expected %s, observed %s: %s", res.VerdictLabel(), res.Expected, res.Observed, res.Explanation)
			Expect(res.Observation).NotTo(BeNil())
		})
	}
})
