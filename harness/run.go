package harness

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"time"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/judge"
	"github.com/corsproof/corsproof/policy"
	"github.com/corsproof/corsproof/spec"
)

// Target is the API under test as the runner sees it: the embedded mock or
// a live server.
type Target interface {
	// URL is the absolute URL a scenario fetches; token makes it unique per
	// scenario run so no cache serves one scenario from another.
	URL(s corsproof.Scenario, token string) (string, error)
	// Policy is what the scenario's API claims, and the path the policy sees
	// for a request URL.
	Policy(s corsproof.Scenario) (p *policy.Policy, pathOf func(*url.URL) string, err error)
	// Session returns the cookie the browser should hold for the scenario's
	// API (ok=false when the target has none).
	Session(s corsproof.Scenario) (apiURL string, c browser.Cookie, ok bool, err error)
	// Reached reports whether the request carrying token reached the server
	// as an actual (non-preflight) request; nil when the target cannot tell.
	Reached(token string) *bool
}

// Runner runs scenarios in one browser against one target.
type Runner struct {
	Engine   browser.Engine
	Topology *Topology
	Target   Target
	// Profile is the browser's known deviations from the Fetch standard.
	Profile spec.Profile
	// RunID makes URLs unique across runs sharing a browser.
	RunID string
	// FetchTimeout bounds one fetch (default 15 s).
	FetchTimeout time.Duration
}

// RunOptions shape a run of many scenarios.
type RunOptions struct {
	// Twice runs every scenario a second time (a new URL), so a server
	// whose answer changes from one request to the next shows it.
	Twice bool
	// Shuffle runs the scenarios in a random order drawn from Seed.
	Shuffle bool
	Seed    uint64
	// Progress is called after each scenario.
	Progress func(done, total int, r corsproof.Result)
}

// RunAll runs scenarios and returns their results in run order. It stops
// early only when ctx ends; each remaining scenario then gets an error.
func (r *Runner) RunAll(ctx context.Context, scenarios []corsproof.Scenario, o RunOptions) []corsproof.Result {
	type job struct {
		s   corsproof.Scenario
		rep int
	}
	var jobs []job
	for _, s := range scenarios {
		jobs = append(jobs, job{s, 0})
		if o.Twice {
			jobs = append(jobs, job{s, 1})
		}
	}
	if o.Shuffle {
		rng := rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15))
		rng.Shuffle(len(jobs), func(i, k int) { jobs[i], jobs[k] = jobs[k], jobs[i] })
	}
	results := make([]corsproof.Result, 0, len(jobs))
	for i, jb := range jobs {
		res := r.Run(ctx, jb.s, jb.rep)
		results = append(results, res)
		if o.Progress != nil {
			o.Progress(i+1, len(jobs), res)
		}
	}
	return results
}

// Run runs one scenario; rep distinguishes repetitions of the same one.
func (r *Runner) Run(ctx context.Context, s corsproof.Scenario, rep int) corsproof.Result {
	start := time.Now()
	res := r.run(ctx, s, rep)
	res.Duration = time.Since(start)
	return res
}

func (r *Runner) run(ctx context.Context, s corsproof.Scenario, rep int) corsproof.Result {
	res := corsproof.Result{Scenario: s}
	if err := ctx.Err(); err != nil {
		return judge.Errored(res, err)
	}
	token := fmt.Sprintf("%s-%s-%d", r.RunID, corsproof.SafeName(s.ID), rep)
	site, ok := r.Topology.Site(s.Site)
	if !ok {
		return judge.Errored(res, fmt.Errorf("scenario %s: no site %q in the topology", s.ID, s.Site))
	}
	res.Origin = site.Origin
	pageURL, _ := r.Topology.PageURL(s.Site)
	target, err := r.Target.URL(s, token)
	if err != nil {
		return judge.Errored(res, err)
	}
	res.URL = target
	pol, pathOf, err := r.Target.Policy(s)
	if err != nil {
		return judge.Errored(res, err)
	}
	if s.Session {
		apiURL, c, ok, err := r.Target.Session(s)
		if err != nil {
			return judge.Errored(res, err)
		}
		if ok {
			if err := r.Engine.SetCookie(ctx, apiURL, c); err != nil {
				return judge.Errored(res, &InfraError{Op: "set session cookie", Err: err})
			}
		}
	}
	fetches, err := r.fetchAll(ctx, s, s.Request.Fetch(pageURL, target))
	if err != nil {
		return judge.Errored(res, err)
	}
	return judge.Judge(judge.Input{
		Scenario: s, Site: site, PageURL: pageURL, URL: target, Fetches: fetches,
		Policy: pol, PathOf: pathOf, Engine: r.Engine.Name(), Profile: r.Profile,
		Oracle: r.oracle(s), ReachedServer: r.Target.Reached(token), Hosts: r.Topology.Hosts(),
	})
}

// oracle answers, for the target's oracle, the exchanges of s an engine
// could not observe; nil when the target has no oracle.
func (r *Runner) oracle(s corsproof.Scenario) spec.Server {
	o, ok := r.Target.(ResponseOracle)
	if !ok {
		return nil
	}
	return func(sr spec.ServerRequest) (spec.Response, bool) { return o.ServerResponse(s, sr) }
}

func (r *Runner) fetchTimeout() time.Duration {
	if r.FetchTimeout > 0 {
		return r.FetchTimeout
	}
	return 15 * time.Second
}

// InfraError is a failure of the run's infrastructure (browser, listener,
// target), never a CORS verdict.
type InfraError struct {
	Op  string
	Err error
}

func (e *InfraError) Error() string { return e.Op + ": " + e.Err.Error() }
func (e *InfraError) Unwrap() error { return e.Err }

// IsInfra reports whether err is an infrastructure failure.
func IsInfra(err error) bool {
	var ie *InfraError
	return errors.As(err, &ie)
}
