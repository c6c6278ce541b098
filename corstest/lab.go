package corstest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/harness"
	"github.com/corsproof/corsproof/judge"
	"github.com/corsproof/corsproof/policy"
	"github.com/corsproof/corsproof/scenarios"
	"github.com/corsproof/corsproof/spec"
)

// TB is what corstest needs of a test. *testing.T, *testing.B and Ginkgo's
// GinkgoT() all have it.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	Logf(format string, args ...any)
	Cleanup(func())
}

// LabConfig describes a Lab. The zero value serves handlers under
// https://api.corsproof.test to the default origins.
type LabConfig struct {
	// Origins are the pages fetches run from, besides the attackers the
	// lab adds for them (a cross-site page, a sandboxed page with origin
	// "null", look-alikes of each origin, its http:// downgrade, another
	// port), exactly as Check derives them from a policy's origins.
	// Empty: https://app.corsproof.test.
	Origins []string
	// APIOrigin is where Serve puts handlers. Empty: a host on the same
	// site as the first origin, as Check does.
	APIOrigin string
	// Target is a live API to point at instead of serving handlers (its
	// base URL); API returns it. CAs are trusted for it besides the
	// system's roots.
	Target string
	// Engine is the browser: chromium (default), firefox or webkit.
	Engine corsproof.Engine
	// FetchTimeout bounds each fetch (default 15 s).
	FetchTimeout time.Duration

	// policy, for Check: the origin pages are derived from all of it
	// (patterns, null, routes), not only from Origins.
	policy *policy.Policy
}

// Lab is one browser and the origin pages a suite fetches from, started
// once and shared by every test of a process (with ginkgo -p, one per
// process). Serve hands it a handler for one test at a time. Start it in
// TestMain or a BeforeSuite, and Close it at the end.
type Lab struct {
	cfg     LabConfig
	session *harness.Session
	live    *harness.LiveTarget
	sites   []corsproof.Site
	current atomic.Pointer[http.Handler]
	journal journal
	// turn is held by the test whose handler is served, holder.
	turn   chan struct{}
	mu     sync.Mutex
	holder TB
	runs   atomic.Int64
}

// StartLab starts the browser and the origin pages.
func StartLab(ctx context.Context, cfg LabConfig) (*Lab, error) {
	if len(cfg.Origins) == 0 {
		cfg.Origins = []string{"https://app.corsproof.test"}
	}
	p := cfg.policy
	if p == nil {
		p = &policy.Policy{Rules: policy.Rules{Origins: cfg.Origins}}
	}
	l := &Lab{cfg: cfg, turn: make(chan struct{}, 1)}
	base := cfg.Target
	if base == "" {
		base = cfg.APIOrigin
		if base == "" {
			base = scenarios.SameSiteAPIOrigin(p)
		}
	}
	live, err := harness.NewLiveTarget(base, p)
	if err != nil {
		return nil, err
	}
	l.live = live
	l.sites, _ = scenarios.LiveSites(p, live.Base())
	hc := harness.Config{Engine: cfg.Engine, Sites: l.sites, Live: live, FetchTimeout: cfg.FetchTimeout}
	if cfg.Target == "" {
		hc.Handler = http.HandlerFunc(l.serveHTTP)
	}
	if l.session, err = harness.Start(ctx, hc); err != nil {
		return nil, err
	}
	return l, nil
}

// Close stops the browser and the listeners.
func (l *Lab) Close() error { return l.session.Close() }

// Engine is the lab's browser.
func (l *Lab) Engine() corsproof.Engine { return l.session.Engine.Name() }

// Origins are the lab's origin pages: the configured ones and the
// attackers derived from them, by name ("evil", "null", ...) and origin.
func (l *Lab) Origins() []corsproof.Site { return append([]corsproof.Site(nil), l.sites...) }

// serveHTTP is the lab's API: the current test's handler, with every
// request noted by its query token.
func (l *Lab) serveHTTP(w http.ResponseWriter, r *http.Request) {
	l.journal.note(r)
	h := l.current.Load()
	if h == nil {
		http.Error(w, "corstest: no handler is being served (Lab.Serve)", http.StatusServiceUnavailable)
		return
	}
	(*h).ServeHTTP(w, r)
}

// Serve makes h the lab's API until t ends, and returns it. Tests of one
// process take turns: a second test's Serve waits for the first test to
// end (up to serveWait, then fails its test); a test that serves again
// replaces its own handler.
func (l *Lab) Serve(t TB, h http.Handler) *API {
	t.Helper()
	if l.cfg.Target != "" {
		t.Fatalf("corstest: this lab points at %s; it serves no handler", l.cfg.Target)
		return nil
	}
	l.mu.Lock()
	mine := l.holder != nil && l.holder == t
	l.mu.Unlock()
	if !mine {
		select {
		case l.turn <- struct{}{}:
		case <-time.After(serveWait):
			t.Fatalf("corstest: another test has served its handler on this lab for %v; a lab serves one test at a time "+
				"(run tests in parallel across processes, e.g. ginkgo -p, each with its own lab)", serveWait)
			return nil
		}
		l.mu.Lock()
		l.holder = t
		l.mu.Unlock()
		t.Cleanup(func() {
			l.current.Store(nil)
			l.mu.Lock()
			l.holder = nil
			l.mu.Unlock()
			<-l.turn
		})
	}
	return l.serve(h)
}

// serveWait is how long Serve waits for another test's turn to end.
const serveWait = 2 * time.Minute

// serve makes h the API.
func (l *Lab) serve(h http.Handler) *API {
	l.current.Store(&h)
	return &API{lab: l}
}

// API is the live target of a lab that points at one.
func (l *Lab) API() *API { return &API{lab: l} }

// API is the server fetches go to: a served handler or a live target.
type API struct {
	lab *Lab
}

// Origin is the API's origin, as the browser sees it.
func (a *API) Origin() string { return a.lab.live.Origin() }

// From starts a request from the origin page named by origin: a site name
// ("evil", "null", "app-corsproof-test") or an origin
// ("https://app.corsproof.test").
func (a *API) From(origin string) *Request {
	r := &Request{api: a}
	for _, s := range a.lab.sites {
		if s.Name == origin || s.Origin == origin {
			r.site = s
			return r
		}
	}
	names := make([]string, 0, len(a.lab.sites))
	for _, s := range a.lab.sites {
		names = append(names, s.Name+" ("+s.Origin+")")
	}
	r.err = fmt.Errorf("corstest: no origin page %q in the lab; it has %s", origin, strings.Join(names, ", "))
	return r
}

// Request is one fetch() from an origin page, built in a few words:
//
//	api.From("evil").PUT("/api/todos/1").Header("X-Token", "1").Credentials().Body(`{"done":true}`)
//
// It runs the first time a matcher or Result needs it, once.
type Request struct {
	api  *API
	site corsproof.Site
	req  corsproof.Request
	err  error

	once sync.Once
	res  *Result
}

// Method sets the method and path (with an optional query).
func (r *Request) Method(method, path string) *Request {
	r.req.Method, r.req.Path = strings.ToUpper(method), path
	return r
}

// GET, HEAD, POST, PUT, PATCH and DELETE set the method and path.
func (r *Request) GET(path string) *Request    { return r.Method(http.MethodGet, path) }
func (r *Request) HEAD(path string) *Request   { return r.Method(http.MethodHead, path) }
func (r *Request) POST(path string) *Request   { return r.Method(http.MethodPost, path) }
func (r *Request) PUT(path string) *Request    { return r.Method(http.MethodPut, path) }
func (r *Request) PATCH(path string) *Request  { return r.Method(http.MethodPatch, path) }
func (r *Request) DELETE(path string) *Request { return r.Method(http.MethodDelete, path) }

// Header adds a request header.
func (r *Request) Header(name, value string) *Request {
	r.req.Headers = append(r.req.Headers, spec.Header{Name: name, Value: value})
	return r
}

// Credentials sends cookies (credentials: "include").
func (r *Request) Credentials() *Request {
	r.req.Credentials = spec.CredentialsInclude
	return r
}

// Body sends s as a text body (with the Content-Type a Header sets, or
// text/plain, which needs no preflight).
func (r *Request) Body(s string) *Request {
	r.req.Body, r.req.BodyText = spec.BodyText, s
	return r
}

// String is "PUT /api/todos/1 +X-Token cred=include from https://evil.test".
func (r *Request) String() string {
	if r.req.Path == "" {
		return "a request with no method and path yet"
	}
	return r.req.String() + " from " + r.site.Origin
}

// Result runs the request (once) and returns what happened.
func (r *Request) Result() *Result {
	r.once.Do(func() { r.res = r.run(nil) })
	return r.res
}

// run fetches r, judged against p when p is not nil.
func (r *Request) run(p *policy.Policy) *Result {
	if r.err != nil {
		return &Result{Request: r.String(), Err: r.err}
	}
	if r.req.Path == "" {
		return &Result{Request: r.String(), Err: errors.New("corstest: the request has no method and path (GET, PUT, ... or Method)")}
	}
	l := r.api.lab
	n := l.runs.Add(1)
	s := corsproof.Scenario{ID: fmt.Sprintf("fetch-%d", n), Title: r.String(), Site: r.site.Name, Request: r.req, Policy: "policy"}
	runner := l.runner(p)
	res := runner.Run(context.Background(), s, 0)
	return &Result{Request: r.String(), Result: res, judged: p != nil}
}

// runner is a runner for the lab's API, judging against p (nil: the lab's
// origins, for custom fetches whose verdict nobody reads).
func (l *Lab) runner(p *policy.Policy) *harness.Runner {
	target := l.live
	if p != nil {
		var err error
		if target, err = harness.NewLiveTarget(l.live.Base().String(), p); err != nil {
			target = l.live
		}
	}
	r := l.session.Runner()
	r.Target = &labTarget{LiveTarget: target, lab: l}
	r.RunID = fmt.Sprintf("%s-%d", r.RunID, l.runs.Add(1))
	return r
}

// labTarget is the lab's API with the lab's journal: for a served handler
// it knows which requests reached it.
type labTarget struct {
	*harness.LiveTarget
	lab *Lab
}

func (t *labTarget) Reached(token string) *bool {
	if t.lab.cfg.Target != "" {
		return nil
	}
	reached := t.lab.journal.actual(token) > 0
	return &reached
}

// Preflights implements harness.PreflightJournal.
func (t *labTarget) Preflights(token string, since time.Time) int {
	if t.lab.cfg.Target != "" {
		return 0
	}
	return t.lab.journal.preflights(token)
}

// journal counts the requests of each query token ("cp").
type journal struct {
	mu   sync.Mutex
	seen map[string]*[2]int // actual, preflight
}

func (j *journal) note(r *http.Request) {
	token := r.URL.Query().Get("cp")
	if token == "" {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.seen == nil {
		j.seen = map[string]*[2]int{}
	}
	c := j.seen[token]
	if c == nil {
		c = new([2]int)
		j.seen[token] = c
	}
	if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
		c[1]++
	} else {
		c[0]++
	}
}

func (j *journal) count(token string, i int) int {
	j.mu.Lock()
	defer j.mu.Unlock()
	if c := j.seen[token]; c != nil {
		return c[i]
	}
	return 0
}

func (j *journal) actual(token string) int     { return j.count(token, 0) }
func (j *journal) preflights(token string) int { return j.count(token, 1) }

// Result is what one fetch did.
type Result struct {
	// Request is the fetch in words.
	Request string
	corsproof.Result
	// Err is an infrastructure failure: no fetch result.
	Err error

	judged bool // against a policy (ConformTo)
}

// Allowed: the promise resolved with a readable response.
func (r *Result) Allowed() bool {
	return r.Err == nil && r.Verdict != corsproof.VerdictError && r.Browser.Allowed
}

// CorsError is the browser's own block reason (Chromium's CorsError name),
// or the model's when the engine does not report one.
func (r *Result) CorsError() string {
	if r.Observation != nil && r.Observation.CorsError != "" {
		return r.Observation.CorsError
	}
	return r.Browser.Reason
}

// Preflighted: the browser sent a preflight.
func (r *Result) Preflighted() bool {
	return r.Observation != nil && (r.Observation.Preflight != nil || len(r.Observation.Preflights) > 0)
}

// Readable reports whether script could read the response header name.
func (r *Result) Readable(name string) bool {
	if r.Observation == nil || !r.Allowed() {
		return false
	}
	_, ok := corsproof.HeaderValue(r.Observation.Headers, name)
	return ok
}

// failure is the error that stops any judgement of r, if any.
func (r *Result) failure() error {
	if r.Err != nil {
		return r.Err
	}
	if r.Verdict == corsproof.VerdictError || r.Verdict == corsproof.VerdictNotRun {
		return errors.New(r.Explanation)
	}
	return nil
}

// Line is the one-line account of the fetch: what the browser did, and why.
func (r *Result) Line() string { return r.Request + ": " + r.outcome() }

// outcome is what happened, the part of Line after the request.
func (r *Result) outcome() string {
	if err := r.failure(); err != nil {
		return err.Error()
	}
	if r.judged {
		return r.Explanation
	}
	s := outcomeText(r.Browser)
	if r.Observation != nil && r.Observation.CorsError != "" {
		s += " (" + r.Observation.CorsError + ")"
	}
	return s
}

// String is the line and the wire exchange.
func (r *Result) String() string {
	s := r.Line()
	if w := r.Exchange(); w != "" {
		s += "\n" + w
	}
	return s
}

// Exchange is the exchange as the browser sent and received it: request
// lines, the CORS request headers, statuses and the CORS response headers.
func (r *Result) Exchange() string {
	o := r.Observation
	if o == nil {
		return ""
	}
	var b strings.Builder
	for _, p := range o.AllPreflights() {
		writeExchange(&b, "preflight", p)
	}
	for _, a := range o.Actual {
		writeExchange(&b, "request", a)
	}
	if len(o.Actual) == 0 && len(o.AllPreflights()) == 0 {
		b.WriteString("  (the engine shows no exchange: " + strings.Join(o.Unavailable, ", ") + " unavailable)\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

func writeExchange(b *strings.Builder, what string, e corsproof.Exchange) {
	u := e.URL
	if pu, err := url.Parse(u); err == nil {
		q := pu.Query()
		q.Del("cp")
		pu.RawQuery = q.Encode()
		u = pu.String()
	}
	fmt.Fprintf(b, "  %s: %s %s\n", what, e.Method, u)
	for _, h := range e.RequestHeaders {
		if corsHeader(h.Name, true) {
			fmt.Fprintf(b, "    > %s: %s\n", h.Name, h.Value)
		}
	}
	if e.Status == 0 {
		b.WriteString("    < no response\n")
		return
	}
	fmt.Fprintf(b, "    < %d\n", e.Status)
	for _, h := range e.ResponseHeaders {
		if corsHeader(h.Name, false) {
			fmt.Fprintf(b, "    < %s: %s\n", h.Name, h.Value)
		}
	}
}

// corsHeader: the headers that decide CORS, for a short wire account.
func corsHeader(name string, request bool) bool {
	n := strings.ToLower(name)
	if request {
		return n == "origin" || strings.HasPrefix(n, "access-control-request-")
	}
	return strings.HasPrefix(n, "access-control-") || n == "vary" || n == "location"
}

func outcomeText(o corsproof.Outcome) string { return judge.Describe(o) }
