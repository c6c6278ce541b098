package harness

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/policy"
	"github.com/corsproof/corsproof/spec"
)

// Target is the API under test as the runner sees it: the embedded mock or
// a live server.
type Target interface {
	// URL is the absolute URL a scenario fetches; token makes it unique per
	// scenario run so no cache serves one scenario from another.
	URL(s Scenario, token string) (string, error)
	// Policy is what the scenario's API claims, and the path the policy sees
	// for a request URL.
	Policy(s Scenario) (p *policy.Policy, pathOf func(*url.URL) string, err error)
	// Session returns the cookie the browser should hold for the scenario's
	// API (ok=false when the target has none).
	Session(s Scenario) (apiURL string, c browser.Cookie, ok bool, err error)
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
	Progress func(done, total int, r Result)
}

// RunAll runs scenarios and returns their results in run order. It stops
// early only when ctx ends; each remaining scenario then gets an error.
func (r *Runner) RunAll(ctx context.Context, scenarios []Scenario, o RunOptions) []Result {
	type job struct {
		s   Scenario
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
	results := make([]Result, 0, len(jobs))
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
func (r *Runner) Run(ctx context.Context, s Scenario, rep int) (res Result) {
	start := time.Now()
	res = Result{Scenario: s}
	defer func() { res.Duration = time.Since(start) }()
	if err := ctx.Err(); err != nil {
		return errorResult(res, err)
	}
	token := fmt.Sprintf("%s-%s-%d", r.RunID, sanitize(s.ID), rep)
	site, ok := r.Topology.Site(s.Site)
	if !ok {
		return errorResult(res, fmt.Errorf("scenario %s: no site %q in the topology", s.ID, s.Site))
	}
	pageURL, _ := r.Topology.PageURL(s.Site)
	target, err := r.Target.URL(s, token)
	if err != nil {
		return errorResult(res, err)
	}
	res.URL = target
	pol, pathOf, err := r.Target.Policy(s)
	if err != nil {
		return errorResult(res, err)
	}
	if s.Session {
		apiURL, c, ok, err := r.Target.Session(s)
		if err != nil {
			return errorResult(res, err)
		}
		if ok {
			if err := r.Engine.SetCookie(ctx, apiURL, c); err != nil {
				return errorResult(res, &InfraError{Op: "set session cookie", Err: err})
			}
		}
	}

	hist, err := r.fetchAll(ctx, s, toFetch(pageURL, target, s.Request))
	if err != nil {
		return errorResult(res, err)
	}
	obs := hist[len(hist)-1].obs
	res.Observation = &obs
	res.ReachedServer = r.Target.Reached(token)
	if code := certFailure(obs); code != "" {
		return errorResult(res, &InfraError{Op: "TLS with " + target, Err: fmt.Errorf(
			"%s refused the server's certificate (%s), so no CORS header was tested; your users' %s would refuse it too",
			r.Engine.Name(), code, r.Engine.Name())})
	}

	req := toSpecRequest(site.Origin, target, s.Request)
	req.PageURL = pageURL
	relevant := relevantHeaders(obs)
	unseen := r.unseenServer(s)
	polDec, wireDec := decideAll(req, hist, pol, pathOf, r.Profile, unseen) // repeats share a preflight cache
	res.PolicyDecision, res.WireDecision = &polDec, &wireDec

	j := newJudgement(site, s.Request, req, obs, relevant, pol, pathOf, unseen, polDec, wireDec, r.Engine.Name(), r.Profile)
	judge(&res, j)
	judgePreflights(&res, s, wireDec, hist[0].obs)
	res.Diagnoses = append(res.Diagnoses, cookieDiagnoses(s, obs, wireDec)...)
	return res
}

// newJudgement gathers what judge weighs for one fetch.
func newJudgement(site Site, sr Request, req spec.Request, obs browser.Observation, relevant []string,
	pol *policy.Policy, pathOf func(*url.URL) string, unseen spec.Server,
	polDec, wireDec spec.Decision, browserName string, profile spec.Profile) judgement {
	j := judgement{
		site: site, req: sr, policy: polDec, wire: wireDec, obs: obs,
		relevant: relevant, browserName: browserName, profile: profile,
	}
	j.exchange, j.policyHeaders, j.wireHeaders, j.wireUnseen = decidingExchange(pol, pathOf, obs, polDec, unseen)
	if wireDec.Reason == spec.ReasonMixedContent {
		// The server's part, had the browser sent it: what the policy
		// means for this origin.
		intent := spec.Decide(req, policyServer(pol, obs, pathOf, unseen), profile, spec.WithoutMixedContent())
		j.intent = &intent
	}
	return j
}

// unseenServer answers, for the target's oracle, the exchanges of s an
// engine could not observe; nil when the target has no oracle.
func (r *Runner) unseenServer(s Scenario) spec.Server {
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

// decidingExchange picks the exchange whose CORS headers explain a mismatch:
// the preflight when it failed or was the only one, else the last response.
// The policy's side replays the requests the model sent for the policy, so
// it does not depend on which request headers an engine can report.
//
// When the engine cannot show the exchange (WebKit), wireUnseen is true:
// the server's headers are unknown, never taken as empty.
func decidingExchange(pol *policy.Policy, pathOf func(*url.URL) string, obs browser.Observation, polDec spec.Decision, unseen spec.Server) (exchange string, want, got spec.Headers, wireUnseen bool) {
	replay := policyServer(pol, obs, pathOf, unseen)
	var wantPreflight, wantActual spec.Headers
	var sentPreflight, sentActual bool
	for _, sr := range polDec.Sent {
		resp, _ := replay(sr)
		if sr.Preflight {
			wantPreflight, sentPreflight = resp.Headers, true
		} else {
			wantActual, sentActual = resp.Headers, true
		}
	}
	preflightFailed := strings.HasPrefix(obs.CorsError, "Preflight") || strings.HasSuffix(obs.CorsError, "PreflightResponse")
	if obs.Preflight != nil && (len(obs.Actual) == 0 || preflightFailed) {
		return "preflight response", corsOnly(wantPreflight), corsOnly(specHeaders(obs.Preflight.ResponseHeaders)), false
	}
	if len(obs.Actual) > 0 {
		last := obs.Actual[len(obs.Actual)-1]
		return "response", corsOnly(wantActual), corsOnly(specHeaders(last.ResponseHeaders)), false
	}
	if !slices.Contains(obs.Unavailable, "actual") {
		return "response", corsOnly(wantActual), nil, false
	}
	// Nothing on the wire is observable in this engine. The target's
	// oracle knows only the non-CORS part of a response (it answers as the
	// conforming server, whatever fault is served), so the server's CORS
	// headers stay unknown.
	if sentPreflight && (!sentActual || !obs.Allowed) {
		return "preflight response", corsOnly(wantPreflight), nil, true
	}
	return "response", corsOnly(wantActual), nil, true
}

func corsOnly(hs spec.Headers) spec.Headers {
	var out spec.Headers
	for _, h := range hs {
		if isCORSResponseHeader(h.Name) {
			out = append(out, h)
		}
	}
	return out
}

// cookieDiagnoses reports a session cookie the browser's cookie policy kept
// from the request: CORS headers cannot fix that, the topology must.
func cookieDiagnoses(s Scenario, obs browser.Observation, wire spec.Decision) []string {
	if !s.Session || !wire.CookiesSent || len(obs.Actual) == 0 {
		return nil
	}
	if _, sent := browser.HeaderValue(obs.Actual[0].RequestHeaders, "Cookie"); sent {
		return nil
	}
	why := "no reason given"
	if len(obs.BlockedCookies) > 0 {
		var rs []string
		for _, c := range obs.BlockedCookies {
			rs = append(rs, c.Name+": "+c.Reason)
		}
		why = strings.Join(rs, ", ")
	}
	return []string{fmt.Sprintf("cookie-dropped: the browser sent no session cookie although the request is credentialed (%s); "+
		"the page and the API are cross-site and third-party cookies are blocked, so no CORS header can make this work", why)}
}

// certErrorCode matches what engines put in a failed fetch's error when the
// TLS handshake failed on the certificate: Chromium's net error names,
// Firefox's NSS and mozilla::pkix codes.
var certErrorCode = regexp.MustCompile(`(net::ERR_CERT_|net::ERR_SSL_|MOZILLA_PKIX_ERROR_|SEC_ERROR_|SSL_ERROR_)[A-Za-z0-9_]*`)

// certFailure is the certificate error code a blocked fetch failed with,
// or "" when it did not fail on a certificate.
func certFailure(o browser.Observation) string {
	if o.Allowed {
		return ""
	}
	for _, text := range []string{o.NetError, o.CorsError, o.Error} {
		if code := certErrorCode.FindString(text); code != "" {
			return code
		}
	}
	return ""
}

func errorResult(res Result, err error) Result {
	res.Verdict = VerdictError
	res.Err = err.Error()
	res.Explanation = "error: " + err.Error()
	return res
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

func sanitize(id string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			return r
		}
		return '_'
	}, id)
}

func toFetch(pageURL, target string, r Request) browser.Fetch {
	f := browser.Fetch{
		PageURL: pageURL, URL: target, Method: r.Method,
		Body: r.BodyText, BodyKind: string(r.Body), BlobType: r.BlobType,
		Credentials: string(r.Credentials), Mode: string(r.Mode), Redirect: string(r.Redirect), Cache: r.Cache,
	}
	for _, h := range r.Headers {
		f.Headers = append(f.Headers, browser.Header{Name: h.Name, Value: h.Value})
	}
	return f
}

func toSpecRequest(origin, target string, r Request) spec.Request {
	return spec.Request{
		Origin: origin, URL: target, Method: r.Method, Headers: r.Headers,
		Body: r.Body, BlobType: r.BlobType, Credentials: r.Credentials,
		Mode: r.Mode, Redirect: r.Redirect, Cache: r.Cache,
	}
}
