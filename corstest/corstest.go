// Package corstest checks an http.Handler's CORS behaviour against a policy
// in real headless Chromium, from go test:
//
//	func TestCORS(t *testing.T) {
//		p, err := policy.Load("testdata/cors.yaml")
//		if err != nil {
//			t.Fatal(err)
//		}
//		corstest.Check(t, myapp.Handler(), p)
//	}
//
// The handler is served over HTTPS on 127.0.0.1 under a real-looking API
// name; the policy's allowed origins and a set of attacker origins are served
// as origin pages under their own names; Chromium fetches the policy's
// endpoints from each of them. Every scenario whose outcome differs from the
// policy fails the test with a one-line explanation. Without a browser the
// test is skipped, except under CI=true, where it fails.
package corstest

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/harness"
	"github.com/corsproof/corsproof/internal/testenv"
	"github.com/corsproof/corsproof/policy"
	"github.com/corsproof/corsproof/scenarios"
	"github.com/corsproof/corsproof/spec"
)

// Options tune a check. The zero value is fine.
type Options struct {
	// APIOrigin is the origin the handler is served under. Empty: a host
	// on the same site as the policy's first exact origin ("app.example.com"
	// gives "https://corsproof-api.example.com"), so that credentialed
	// requests keep their cookies as they would in a same-site deployment.
	APIOrigin string
	// Methods limits the methods sent (default: each endpoint's own).
	Methods []string
	// Headers are added to every request.
	Headers spec.Headers
	// FetchTimeout bounds each fetch (default 15 s).
	FetchTimeout time.Duration
	// Engines are the browsers to check in, one after the other (default
	// chromium). Check names each subtest after its engine when there is
	// more than one.
	Engines []corsproof.Engine
	// JSONReport, when set, is a file Check and Run write the JSON report
	// of their results to (the schema of 'corsproof run --json', command
	// "corstest"), with the policy and the origin pages: 'corsproof repro
	// --from FILE --id ID' then turns any result into a reproduction.
	JSONReport string
}

// Check runs the policy's scenarios against h, one subtest per scenario
// named by endpoint and origin (get-api-items-evil), so that
// go test -run 'TestCORS/get-api-items-evil' runs one and reporters count
// each. A scenario that does not match fails its subtest with a one-line
// explanation and the wire exchange. It returns the results of the
// scenarios that ran.
//
// t is a *testing.T for subtests; any other TB (GinkgoT(), a *testing.B)
// gets one error per failing scenario instead.
func Check(t TB, h http.Handler, p *policy.Policy, o ...Options) []corsproof.Result {
	t.Helper()
	var opts Options
	if len(o) > 0 {
		opts = o[0]
	}
	if err := p.Validate(); err != nil {
		t.Fatalf("corstest: %v", err)
		return nil
	}
	engines := opts.Engines
	if len(engines) == 0 {
		engines = []corsproof.Engine{corsproof.Chromium}
	}
	var all []corsproof.Result
	var runs []reportRun
	for _, engine := range engines {
		lab, err := startLab(context.Background(), p, opts, engine)
		if tt, ok := t.(testing.TB); ok {
			testenv.Started(tt, "the browser for corstest", err)
		} else if err != nil {
			t.Fatalf("corstest: starting %s: %v", engine, err)
			return all
		}
		api := lab.serve(h)
		list := api.scenarios(p, opts)
		start := len(all)
		run := func(s corsproof.Scenario) corsproof.Result {
			return lab.runner(p).Run(context.Background(), s, 0)
		}
		tt, subtests := t.(*testing.T)
		switch {
		case subtests && len(engines) > 1:
			tt.Run(string(engine), func(t *testing.T) { all = append(all, subtestEach(t, list, run)...) })
		case subtests:
			all = append(all, subtestEach(tt, list, run)...)
		default:
			for _, s := range list {
				r := run(s)
				all = append(all, r)
				if r.Failed() {
					t.Errorf("corstest: %s", failureText(r))
				}
			}
		}
		runs = append(runs, runOf(lab, all[start:]))
		target := lab.live.Base().String()
		if err := lab.Close(); err != nil {
			t.Errorf("corstest: closing %s: %v", engine, err)
		}
		if opts.JSONReport != "" && len(runs) == len(engines) {
			if err := writeReport(opts.JSONReport, target, p, runs); err != nil {
				t.Errorf("%v", err)
			}
		}
	}
	return all
}

// subtestEach runs each scenario in a subtest of its own.
func subtestEach(t *testing.T, list []corsproof.Scenario, run func(corsproof.Scenario) corsproof.Result) []corsproof.Result {
	var out []corsproof.Result
	for _, s := range list {
		t.Run(s.ID, func(t *testing.T) {
			r := run(s)
			out = append(out, r)
			if r.Failed() {
				t.Errorf("%s", failureText(r))
			}
		})
	}
	return out
}

// failureText is a failing scenario's line and its wire exchange.
func failureText(r corsproof.Result) string {
	res := &Result{Request: r.Scenario.Request.String() + " from " + r.Origin, Result: r, judged: true}
	return fmt.Sprintf("%s [%s]: %s", r.Scenario.ID, r.VerdictLabel(), res.String()[len(res.Request)+2:])
}

// Run is Check without testing.TB: it serves h, runs the scenarios in one
// browser (Options.Engines' first, default Chromium) and returns their
// results. The browser and the listeners are gone when it returns.
func Run(ctx context.Context, h http.Handler, p *policy.Policy, o Options) ([]corsproof.Result, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	engine := corsproof.Chromium
	if len(o.Engines) > 0 {
		engine = o.Engines[0]
	}
	lab, err := startLab(ctx, p, o, engine)
	if err != nil {
		return nil, err
	}
	defer lab.Close()
	results, err := lab.serve(h).check(p, o)
	if err == nil && o.JSONReport != "" {
		err = writeReport(o.JSONReport, lab.live.Base().String(), p, []reportRun{runOf(lab, results)})
	}
	return results, err
}

// startLab starts a lab with the policy's origins.
func startLab(ctx context.Context, p *policy.Policy, o Options, engine corsproof.Engine) (*Lab, error) {
	apiOrigin := o.APIOrigin
	if apiOrigin == "" {
		apiOrigin = scenarios.SameSiteAPIOrigin(p)
	}
	return StartLab(ctx, LabConfig{Origins: p.Origins, APIOrigin: apiOrigin, Engine: engine, FetchTimeout: o.FetchTimeout, policy: p})
}

// scenarios are p's generated scenarios for the lab's origin pages.
func (a *API) scenarios(p *policy.Policy, o Options) []corsproof.Scenario {
	return scenarios.GenerateScenarios(p, scenarios.GenerateOptions{
		Sites: a.lab.sites, Methods: o.Methods, Headers: o.Headers, Policy: "policy",
	})
}

// check runs p's generated scenarios against the API at the run's
// default concurrency.
func (a *API) check(p *policy.Policy, o Options) ([]corsproof.Result, error) {
	return a.lab.runner(p).RunAll(context.Background(), a.scenarios(p, o), harness.RunOptions{}), nil
}
