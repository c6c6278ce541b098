package harness

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"sync"
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

	// direct: the Target is a *LiveTarget the browser reaches at its real
	// address (not served on loopback), so a fetch refused on its
	// certificate is described by what it presents (see run).
	direct bool

	// cookies are the session cookies already in the jar (url, name,
	// value): each is set once, so that the jar never changes under a
	// scenario in flight.
	cookies sync.Map
}

// RunOptions shape a run of many scenarios.
type RunOptions struct {
	// Twice runs every scenario a second time (a new URL), so a server
	// whose answer changes from one request to the next shows it.
	Twice bool
	// Shuffle runs the scenarios in a random order drawn from Seed.
	Shuffle bool
	Seed    uint64
	// Concurrency is how many scenarios are in flight at once (0:
	// DefaultConcurrency). 1 runs them one after another, in order, as a
	// run did before concurrency; the verdicts do not depend on it.
	Concurrency int
	// Progress is called after each scenario, in the order they finish,
	// never concurrently.
	Progress func(done, total int, r corsproof.Result)
}

// RunAll runs scenarios and returns their results in run order (the
// scenarios' order, shuffled with Shuffle; a scenario's second run right
// after its first with Twice), whatever order they finished in. Up to
// Concurrency run at once in the one browser; scenarios that wait
// (RepeatAfter) start first, and scenarios sharing state with a stateful
// target keep their order (see StatefulTarget). It stops early only when
// ctx ends: it then returns at once, with the results that finished and
// every other scenario (in flight, or not started) not run
// (corsproof.VerdictNotRun), never an error.
func (r *Runner) RunAll(ctx context.Context, scenarios []corsproof.Scenario, o RunOptions) []corsproof.Result {
	var jobs []job
	for _, s := range scenarios {
		jobs = append(jobs, job{s: s, rep: 0})
		if o.Twice {
			jobs = append(jobs, job{s: s, rep: 1})
		}
	}
	if o.Shuffle {
		rng := rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15))
		rng.Shuffle(len(jobs), func(i, k int) { jobs[i], jobs[k] = jobs[k], jobs[i] })
	}
	for i := range jobs {
		jobs[i].index = i
	}
	n := o.Concurrency
	if n <= 0 {
		n = DefaultConcurrency
	}
	if n == 1 {
		// The sequential run: in run order, nothing moved ahead.
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
	sched := r.schedule(jobs)
	r.openPages(ctx, sched)
	done := 0
	return r.runJobs(ctx, sched, n, func(res corsproof.Result) {
		done++
		if o.Progress != nil {
			o.Progress(done, len(jobs), res)
		}
	})
}

// Run runs one scenario; rep distinguishes repetitions of the same one.
func (r *Runner) Run(ctx context.Context, s corsproof.Scenario, rep int) corsproof.Result {
	start := time.Now()
	res, lost := r.run(ctx, s, rep, 0)
	if lost {
		// The browser's events missed a preflight the server answered:
		// nothing was judged. Once more on a fresh URL; a second loss is
		// the scenario's error.
		res, _ = r.run(ctx, s, rep, 1)
	}
	res.Duration = time.Since(start)
	if res.Verdict == corsproof.VerdictError && ctx.Err() != nil {
		// Cut short by the run's end (Ctrl-C, a deadline), not by the
		// target or the browser: no verdict, and no error about them.
		origin := ""
		if site, ok := r.Topology.Site(s.Site); ok {
			origin = site.Origin
		}
		return corsproof.NotRun(s, origin, context.Cause(ctx).Error())
	}
	return res
}

// run runs s once; attempt > 0 is a retry, on URLs of its own. lost says
// the browser's evidence was incomplete (see missingPreflights).
func (r *Runner) run(ctx context.Context, s corsproof.Scenario, rep, attempt int) (_ corsproof.Result, lost bool) {
	res := corsproof.Result{Scenario: s}
	if err := ctx.Err(); err != nil {
		return judge.Errored(res, err), false
	}
	token := fmt.Sprintf("%s-%s-%d", r.RunID, corsproof.SafeName(s.ID), rep)
	if attempt > 0 {
		token += fmt.Sprintf("-again%d", attempt)
	}
	site, ok := r.Topology.Site(s.Site)
	if !ok {
		return judge.Errored(res, fmt.Errorf("scenario %s: no site %q in the topology", s.ID, s.Site)), false
	}
	res.Origin = site.Origin
	pageURL, _ := r.Topology.PageURL(s.Site)
	target, err := r.Target.URL(s, token)
	if err != nil {
		return judge.Errored(res, err), false
	}
	res.URL = target
	pol, pathOf, err := r.Target.Policy(s)
	if err != nil {
		return judge.Errored(res, err), false
	}
	if s.Session {
		apiURL, c, ok, err := r.Target.Session(s)
		if err != nil {
			return judge.Errored(res, err), false
		}
		if ok {
			if err := r.setCookieOnce(ctx, apiURL, c); err != nil {
				return judge.Errored(res, &InfraError{Op: "set session cookie", Err: err}), false
			}
		}
	}
	started := time.Now()
	fetches, prime, err := r.fetchAll(ctx, s, s.Request.Fetch(pageURL, target))
	if err != nil {
		return judge.Errored(res, err), false
	}
	if err := r.missingPreflights(token, started, prime, fetches); err != nil {
		return judge.Errored(res, err), true
	}
	return judge.Judge(judge.Input{
		Scenario: s, Site: site, PageURL: pageURL, URL: target, Fetches: fetches,
		Policy: pol, PathOf: pathOf, Engine: r.Engine.Name(), Profile: r.Profile,
		Oracle: r.oracle(s), ReachedServer: r.Target.Reached(token), Hosts: r.Topology.Hosts(),
		Certificate: r.certificate(ctx, fetches),
	}), false
}

// certificate is what a live target reached directly presents, when the
// last fetch failed on its certificate: the judge's message then names it
// and its issuer. The target is dialed once per run, not per scenario.
func (r *Runner) certificate(ctx context.Context, fetches []judge.Fetch) *judge.ServerCertificate {
	lt, ok := r.Target.(*LiveTarget)
	if !r.direct || !ok || len(fetches) == 0 || judge.CertFailure(fetches[len(fetches)-1].Observation) == "" {
		return nil
	}
	return lt.PresentedCertificate(ctx, r.fetchTimeout())
}

// setCookieOnce puts c into the jar unless this runner already did. Two
// scenarios starting at once may both set it: the value is the same.
func (r *Runner) setCookieOnce(ctx context.Context, apiURL string, c browser.Cookie) error {
	key := apiURL + "\x00" + c.Name + "\x00" + c.Value + "\x00" + c.Path
	if _, ok := r.cookies.Load(key); ok {
		return nil
	}
	if err := r.Engine.SetCookie(ctx, apiURL, c); err != nil {
		return err
	}
	r.cookies.Store(key, true)
	return nil
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
