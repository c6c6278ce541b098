package scenarios_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/corsproof/corsproof"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/harness"
	"github.com/corsproof/corsproof/internal/testenv"
	"github.com/corsproof/corsproof/mockapi"
	"github.com/corsproof/corsproof/scenarios"
)

// One browser per engine for the whole suite, started when the first spec
// that needs it runs (so `--label-filter engine:firefox` starts Firefox
// only) and closed after the suite: a new browser per scenario, or a new
// browser context per scenario, would cost far more than the fetches
// themselves (browser-facts.md). Chromium's topology also serves every fault
// of the gallery side by side, for the mutation score (faults_test.go).
var (
	enginesMu sync.Mutex
	started   = map[corsproof.Engine]*startedEngine{}
)

type startedEngine struct {
	runner *harness.Runner
	fault  *harness.Session // chromium only: every fault mounted beside the conforming mock
	close  func() error
	err    error
}

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
	// CORSPROOF_ENGINES is the comma-separated engines the catalog runs in
	// (default: every engine of corsproof.Engines). Each engine's specs carry
	// the label engine:<name>, so --label-filter picks one too.
	suiteEngines, enginesErr = parseEngines(os.Getenv("CORSPROOF_ENGINES"))
)

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// parseEngines reads CORSPROOF_ENGINES; "" means all of corsproof.Engines.
func parseEngines(v string) ([]corsproof.Engine, error) {
	if strings.TrimSpace(v) == "" {
		return corsproof.Engines, nil
	}
	engines, err := corsproof.ParseEngines(strings.ToLower(v), "CORSPROOF_ENGINES")
	if err != nil {
		return nil, fmt.Errorf("CORSPROOF_ENGINES=%q: %v", v, err)
	}
	return engines, nil
}

func TestScenarios(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "corsproof conformance catalog")
}

var _ = BeforeSuite(func() {
	Expect(enginesErr).NotTo(HaveOccurred())
	GinkgoWriter.Printf("engines: %v (CORSPROOF_ENGINES)\n", suiteEngines)
	if twice {
		GinkgoWriter.Println("CORSPROOF_TWICE=1: every catalog scenario runs twice")
	}
})

var _ = AfterSuite(func() {
	enginesMu.Lock()
	defer enginesMu.Unlock()
	var errs []error
	for name, e := range started {
		if e.close != nil {
			if err := e.close(); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
			}
		}
		delete(started, name)
	}
	Expect(errors.Join(errs...)).NotTo(HaveOccurred(), "closing the browsers")
})

// engine returns the suite's browser for name, starting it on first use.
// A missing browser skips the spec with the install hint, or fails it
// under CI=true; any other start-up failure fails it.
func engine(name corsproof.Engine) *startedEngine {
	enginesMu.Lock()
	e, ok := started[name]
	if !ok {
		e = start(name)
		started[name] = e
	}
	enginesMu.Unlock()
	testenv.Started(GinkgoT(), "the mock and "+string(name), e.err)
	return e
}

func start(name corsproof.Engine) *startedEngine {
	cfg := harness.Config{Engine: name, Policies: scenarios.Policies()}
	if name == corsproof.Chromium {
		// Chromium also serves the fault gallery, each fault mounted
		// beside the conforming mock, for the mutation score.
		cfg.ExecPath, cfg.Faults = os.Getenv(browser.EnvChrome), mockapi.Faults()
	}
	s, err := harness.Start(context.Background(), cfg)
	if err != nil {
		return &startedEngine{err: err}
	}
	e := &startedEngine{runner: s.Runner(), close: s.Close}
	if cfg.Faults != nil {
		e.fault = s
	}
	return e
}

// chromium is the suite's Chromium, for the Chromium-only specs (skipped
// when CORSPROOF_ENGINES leaves Chromium out).
func chromium() *startedEngine {
	if !slices.Contains(suiteEngines, corsproof.Chromium) {
		Skip("CORSPROOF_ENGINES leaves out chromium, which this spec needs")
	}
	return engine(corsproof.Chromium)
}

// observable: the engine reported field (see browser.Observation.Unavailable).
func observable(o *browser.Observation, field string) bool {
	return o != nil && !slices.Contains(o.Unavailable, field)
}

// Catalog specs are generated before RunSpecs, one per scenario and engine,
// labelled along every dimension and with engine:<name>, so --label-filter
// selects slices.
var _ = Describe("the catalog on the conforming mock", Label("catalog"), func() {
	for _, name := range suiteEngines {
		Context("in "+string(name), Label("engine:"+string(name)), func() {
			for _, s := range scenarios.Catalog() {
				It(s.ID+": "+s.Title, Label(s.Labels...), func(ctx SpecContext) {
					runner := engine(name).runner
					reps := 1
					if twice {
						reps = 2
					}
					for rep := range reps {
						res := runner.Run(ctx, s, rep)
						Expect(res.Verdict).NotTo(Equal(corsproof.VerdictError), res.Explanation)
						Expect(res.Failed()).To(BeFalse(), "%s, run %d: %s: expected %s, observed %s: %s",
							name, rep+1, res.VerdictLabel(), res.Policy, res.Browser, res.Explanation)
						Expect(res.Observation).NotTo(BeNil())
						// The cookie on the wire is the evidence; an engine
						// that cannot see the wire (WebKit) cannot say.
						if s.HasLabel("feature:cookie-dropped") && observable(res.Observation, "actual") {
							Expect(res.Diagnoses).To(ContainElement(ContainSubstring("cookie-dropped")),
								"a cross-site credentialed request loses its cookie, and the result says so")
						}
						if s.HasLabel("feature:side-effect") {
							// The journal agrees with the model about what
							// reached the server, blocked or not.
							Expect(res.ReachedServer).NotTo(BeNil())
							Expect(*res.ReachedServer).To(Equal(res.PolicyDecision.ActualSent),
								"reached the server: journal %t, model %t", *res.ReachedServer, res.PolicyDecision.ActualSent)
						}
					}
				})
			}
		})
	}
})
