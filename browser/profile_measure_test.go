package browser_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/harness"
	"github.com/corsproof/corsproof/internal/testenv"
	"github.com/corsproof/corsproof/spec"
)

// Every Deviation of spec.Chromium, spec.Firefox and spec.WebKit is
// measured here, in that engine: what it sends (what reached the API, in
// order) and what it allows (what script saw, and the block reason where
// the engine reports one). A case names the deviation it measures and
// holds two outcomes: the deviant one, which an engine whose profile has
// the deviation must show, and the standard one, which every other engine
// must show. The two differ in something the engine can see, so a case
// fails when an engine stops deviating, or starts. TestProfileDeviationsMeasured
// (no browser) holds every profile entry to a case.
//
// Each engine runs behind a topology of its own: the app page (https), a
// plain-http page for the mixed-content control, and the deviationAPI,
// which can answer a second preflight otherwise than the first and a
// preflight with a redirect, which queryAPI cannot. One browser per engine
// for the whole table; every case has URLs of its own, so no case reaches
// another's preflight-cache entry.

const (
	devPlainHost = "plain.example.test"
	devPlainPage = "http://" + devPlainHost + "/"
)

// deviationAPI answers as queryAPI does (acao, acac, acam, acah, aceh and
// max-age set the CORS headers on the preflight and the actual response
// alike; redirect answers the actual request 307 to it), plus:
//
//	then-<param>         a preflight after the first to the same path
//	                     answers this instead of <param> (then-acam=DELETE)
//	preflight-redirect   the preflight is answered 307 to this URL
//
// It records every request, by path.
type deviationAPI struct {
	mu   sync.Mutex
	hits map[string][]*http.Request
}

func (s *deviationAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	earlier := 0
	for _, h := range s.hits[r.URL.Path] {
		if h.Method == http.MethodOptions {
			earlier++
		}
	}
	s.hits[r.URL.Path] = append(s.hits[r.URL.Path], r)
	s.mu.Unlock()
	q, h := r.URL.Query(), w.Header()
	for param, name := range map[string]string{
		"acao": "Access-Control-Allow-Origin", "acac": "Access-Control-Allow-Credentials",
		"acam": "Access-Control-Allow-Methods", "acah": "Access-Control-Allow-Headers",
		"aceh": "Access-Control-Expose-Headers", "max-age": "Access-Control-Max-Age",
	} {
		v, ok := q[param]
		if then, again := q["then-"+param]; again && r.Method == http.MethodOptions && earlier > 0 {
			v, ok = then, true
		}
		if ok {
			h.Set(name, v[0])
		}
	}
	if r.Method == http.MethodOptions {
		if to := q.Get("preflight-redirect"); to != "" {
			http.Redirect(w, r, to, http.StatusTemporaryRedirect)
			return
		}
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if to := q.Get("redirect"); to != "" {
		http.Redirect(w, r, to, http.StatusTemporaryRedirect)
		return
	}
	h.Set("Content-Type", "text/plain")
	fmt.Fprintf(w, "hello %s %s", r.Method, r.URL.Path)
}

func (s *deviationAPI) requests(path string) []*http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

// devStep is one fetch of a case, run in order.
type devStep struct {
	// page is the page the fetch runs from: "" the https app page,
	// "plain" the http one.
	page string
	// target is what it fetches: "" the case's URL, "second" its second
	// URL (on wkAPI2), "loopback" and "localhost" the case's path and
	// query on the plain-http loopback server as http://127.0.0.1:port and
	// http://localhost:port.
	target  string
	method  string
	headers []browser.Header
	body    string
	cache   string
}

// devOutcome is what an engine does with a case's steps.
type devOutcome struct {
	// allowed is what script saw, per step.
	allowed []bool
	// server is every method that reached the case's path, in order;
	// second those of the second URL's path, and secondOrigins the Origin
	// of each of those requests.
	server        []string
	second        []string
	secondOrigins []string
	// sent are headers of the last non-OPTIONS request at the case's path
	// ("" wants the header absent); notSent are values it must not carry.
	sent    map[string]string
	notSent map[string]string
	// corsError is the last step's block reason, checked where the engine
	// reports one; param its parameter ("" is not checked), paramNot a
	// parameter it must not be.
	corsError string
	param     string
	paramNot  string
}

// devCase measures one deviation.
type devCase struct {
	name string
	// deviation is the id the case measures.
	deviation string
	// deviates says, from the profile's data, whether an engine with
	// profile p must deviate in this case.
	deviates func(p spec.Profile) bool
	// query is the case's URL's (see deviationAPI); secondQuery, when set,
	// that of a second URL on wkAPI2, which the first redirects to when
	// redirectToSecond.
	query            string
	secondQuery      string
	redirectToSecond bool
	steps            []devStep

	deviant, standard devOutcome
	// control, when set, is a query run with the same steps (or
	// controlSteps) that must give the standard outcome in every engine:
	// proof that the deviant outcome comes from what the case varies.
	control      string
	controlSteps []devStep

	// gaps are engines that deviate in this case though their profile
	// does not say so, with what the profile lacks. There the case holds
	// the engine to the deviant outcome (a measurement, not a claim of the
	// profile); TestProfileDeviationsMeasured fails once the profile has
	// it, so that the note goes.
	gaps map[corsproof.Engine]string
}

// listed is deviates for the deviations no profile field stands for.
func listed(id string) func(spec.Profile) bool {
	return func(p spec.Profile) bool { _, ok := p.Deviation(id); return ok }
}

var (
	twoPuts    = []devStep{{method: "PUT"}, {method: "PUT"}}
	cachedOnce = devOutcome{allowed: []bool{true, true}, server: []string{"OPTIONS", "PUT", "PUT"}}
	notCached  = devOutcome{allowed: []bool{true, true}, server: []string{"OPTIONS", "PUT", "OPTIONS", "PUT"}}
)

// allowedSimple is a fetch that was not preflighted and reached the API,
// with sent; preflightBlocked one whose preflight refused header.
func allowedSimple(method string, sent map[string]string) devOutcome {
	return devOutcome{allowed: []bool{true}, server: []string{method}, sent: sent}
}

func preflightBlocked(reason spec.Reason, param string) devOutcome {
	return devOutcome{allowed: []bool{false}, server: []string{"OPTIONS"}, corsError: string(reason), param: param}
}

// clientHintValues are valid values under Chromium's value rule of each
// extra safelisted header.
var clientHintValues = map[string]string{
	"device-memory": "0.5", "dpr": "2", "downlink": "1.5",
	"width": "100", "viewport-width": "100", "rtt": "50",
	"ect": "4g", "save-data": "on", "intervention": "probe",
}

func devCases() []devCase {
	var cs []devCase
	add := func(c devCase) { cs = append(cs, c) }

	add(devCase{name: "authorization-wildcard", deviation: spec.DevAuthorizationWildcard,
		deviates: func(p spec.Profile) bool { return p.AuthorizationCoveredByWildcard },
		query:    "acao=*&acah=*",
		steps:    []devStep{{headers: []browser.Header{{Name: "Authorization", Value: "Bearer probe"}}}},
		deviant: devOutcome{allowed: []bool{true}, server: []string{"OPTIONS", "GET"},
			sent: map[string]string{"Authorization": "Bearer probe"}},
		standard: preflightBlocked(spec.ReasonHeaderDisallowedByPreflightResponse, "authorization")})

	for _, name := range slices.Sorted(mapKeys(clientHintValues)) {
		v := clientHintValues[name]
		add(devCase{name: "client-hint-" + name, deviation: spec.DevClientHintsSafelisted,
			deviates: func(p spec.Profile) bool {
				return slices.ContainsFunc(p.ExtraSafelistedHeaders, func(h spec.SafelistedHeader) bool { return h.Name == name })
			},
			query:    "acao=*",
			steps:    []devStep{{headers: []browser.Header{{Name: name, Value: v}}}},
			deviant:  allowedSimple("GET", map[string]string{name: v}),
			standard: preflightBlocked(spec.ReasonHeaderDisallowedByPreflightResponse, name)})
	}

	const adAuction = "message/ad-auction-trusted-signals-request"
	add(devCase{name: "ad-auction-content-type", deviation: spec.DevAdAuctionContentType,
		deviates: func(p spec.Profile) bool { return slices.Contains(p.ExtraSafelistedContentTypes, adAuction) },
		query:    "acao=*",
		steps:    []devStep{{method: "POST", body: "probe", headers: []browser.Header{{Name: "Content-Type", Value: adAuction}}}},
		deviant:  allowedSimple("POST", map[string]string{"Content-Type": adAuction}),
		standard: preflightBlocked(spec.ReasonHeaderDisallowedByPreflightResponse, "content-type")})

	add(devCase{name: "range-uppercase", deviation: spec.DevRangeCaseInsensitive,
		deviates: func(p spec.Profile) bool { return p.RangeValueCaseInsensitive },
		query:    "acao=*",
		steps:    []devStep{{headers: []browser.Header{{Name: "Range", Value: "BYTES=0-1"}}}},
		deviant:  allowedSimple("GET", map[string]string{"Range": "BYTES=0-1"}),
		standard: preflightBlocked(spec.ReasonHeaderDisallowedByPreflightResponse, "range")})

	add(devCase{name: "user-agent-dropped", deviation: spec.DevUserAgentForbidden,
		deviates: func(p spec.Profile) bool { return p.DropsUserAgent },
		query:    "acao=*",
		steps:    []devStep{{headers: []browser.Header{{Name: "User-Agent", Value: "corsproof-probe"}}}},
		deviant: devOutcome{allowed: []bool{true}, server: []string{"GET"},
			notSent: map[string]string{"User-Agent": "corsproof-probe"}},
		standard: preflightBlocked(spec.ReasonHeaderDisallowedByPreflightResponse, "user-agent")})

	const acrpn = "access-control-request-private-network"
	add(devCase{name: "private-network-request-header-dropped", deviation: spec.DevExtraForbiddenHeader,
		deviates: func(p spec.Profile) bool { return slices.Contains(p.ExtraForbiddenRequestHeaders, acrpn) },
		query:    "acao=*",
		steps:    []devStep{{headers: []browser.Header{{Name: "Access-Control-Request-Private-Network", Value: "true"}}}},
		deviant:  allowedSimple("GET", map[string]string{acrpn: ""}),
		standard: preflightBlocked(spec.ReasonHeaderDisallowedByPreflightResponse, acrpn)})

	// Max-age: whether the second of two PUTs within a second is
	// preflighted again. The control, without Access-Control-Max-Age (the
	// default 5 s), proves the engine serves it from the cache otherwise.
	add(devCase{name: "max-age-negative", deviation: spec.DevNegativeMaxAge,
		deviates: func(p spec.Profile) bool { return p.NegativeMaxAgeMeansNoCache },
		query:    "acao=*&acam=PUT&max-age=-1", steps: twoPuts,
		deviant: notCached, standard: cachedOnce, control: "acao=*&acam=PUT"})
	for _, v := range []string{"abc", "1.5", "10, 20"} {
		add(devCase{name: "max-age-invalid-" + strings.NewReplacer(".", "-", ", ", "-").Replace(v), deviation: spec.DevInvalidMaxAge,
			deviates: func(p spec.Profile) bool { return p.InvalidMaxAgeMeansNoCache },
			query:    "acao=*&acam=PUT&max-age=" + url.QueryEscape(v), steps: twoPuts,
			deviant: notCached, standard: cachedOnce, control: "acao=*&acam=PUT"})
	}

	// The second preflight to the URL allows only DELETE and X-B: the
	// standard adds them to the cached PUT and X-A, an engine with one
	// entry per URL forgets PUT and X-A, preflights the third fetch again
	// and gets the second answer, which refuses it.
	xa, xb := []browser.Header{{Name: "X-A", Value: "1"}}, []browser.Header{{Name: "X-B", Value: "1"}}
	add(devCase{name: "cache-entry-replaced", deviation: spec.DevCacheWholeEntry,
		deviates: func(p spec.Profile) bool { return p.CacheReplacesWholeEntry },
		query:    "acao=*&acam=PUT&acah=x-a&max-age=60&then-acam=DELETE&then-acah=x-b",
		steps:    []devStep{{method: "PUT", headers: xa}, {method: "DELETE", headers: xb}, {method: "PUT", headers: xa}},
		deviant: devOutcome{allowed: []bool{true, true, false}, server: []string{"OPTIONS", "PUT", "OPTIONS", "DELETE", "OPTIONS"},
			corsError: string(spec.ReasonMethodDisallowedByPreflightResponse), param: "PUT"},
		standard: devOutcome{allowed: []bool{true, true, true}, server: []string{"OPTIONS", "PUT", "OPTIONS", "DELETE", "PUT"}}})

	// A PUT redirected from api to api2 reaches api2 with Origin: null
	// (the redirect taints it), and the app page PUTs to the api2 URL
	// directly, before or after. The standard keys the redirected
	// request's preflight on null and the direct one's on the page's
	// origin, so both are preflighted; an engine keying on the page serves
	// the second from the first's entry. Firefox even sends the page's
	// Origin on the preflight after the redirect.
	add(devCase{name: "cache-key-after-redirect", deviation: spec.DevCacheKeyInitiator,
		deviates: func(p spec.Profile) bool { return p.CacheKeyUsesInitiatorOrigin },
		query:    "acao=*&acam=PUT", secondQuery: "acao=*&acam=PUT&max-age=60", redirectToSecond: true,
		steps: []devStep{{method: "PUT"}, {method: "PUT", target: "second"}},
		deviant: devOutcome{allowed: []bool{true, true}, server: []string{"OPTIONS", "PUT"},
			second: []string{"OPTIONS", "PUT", "PUT"}, secondOrigins: []string{ffApp, "null", ffApp}},
		standard: devOutcome{allowed: []bool{true, true}, server: []string{"OPTIONS", "PUT"},
			second: []string{"OPTIONS", "PUT", "OPTIONS", "PUT"}, secondOrigins: []string{"null", "null", ffApp, ffApp}}})
	add(devCase{name: "cache-key-before-redirect", deviation: spec.DevCacheKeyInitiator,
		deviates: func(p spec.Profile) bool { return p.CacheKeyUsesInitiatorOrigin },
		query:    "acao=*&acam=PUT", secondQuery: "acao=*&acam=PUT&max-age=60", redirectToSecond: true,
		steps: []devStep{{method: "PUT", target: "second"}, {method: "PUT"}},
		deviant: devOutcome{allowed: []bool{true, true}, server: []string{"OPTIONS", "PUT"},
			second: []string{"OPTIONS", "PUT", "PUT"}, secondOrigins: []string{ffApp, ffApp, "null"}},
		standard: devOutcome{allowed: []bool{true, true}, server: []string{"OPTIONS", "PUT"},
			second: []string{"OPTIONS", "PUT", "OPTIONS", "PUT"}, secondOrigins: []string{ffApp, ffApp, "null", "null"}}})

	// Four disallowed names set in byte order: the standard's failed
	// parameter (as the model picks it) is the first, x-a.
	add(devCase{name: "disallowed-header-order", deviation: spec.DevDisallowedHeaderOrder,
		deviates: listed(spec.DevDisallowedHeaderOrder),
		query:    "acao=*&acah=x-other",
		steps: []devStep{{headers: []browser.Header{{Name: "X-A", Value: "1"}, {Name: "X-B", Value: "1"},
			{Name: "X-C", Value: "1"}, {Name: "X-D", Value: "1"}}}},
		deviant: devOutcome{allowed: []bool{false}, server: []string{"OPTIONS"},
			corsError: string(spec.ReasonHeaderDisallowedByPreflightResponse), paramNot: "x-a"},
		standard: preflightBlocked(spec.ReasonHeaderDisallowedByPreflightResponse, "x-a")})

	for _, mode := range []string{"no-store", "reload", "no-cache"} {
		c := devCase{name: "cache-mode-" + mode, deviation: spec.DevCacheModeBypass,
			deviates: func(p spec.Profile) bool { return slices.Contains(p.CacheBypassModes, mode) },
			query:    "acao=*&acam=PUT&max-age=60",
			steps:    []devStep{{method: "PUT"}, {method: "PUT", cache: mode}},
			deviant:  notCached, standard: cachedOnce,
			control: "acao=*&acam=PUT&max-age=60", controlSteps: twoPuts}
		add(c)
	}

	add(devCase{name: "cache-wildcard-headers-literal", deviation: spec.DevCacheTokensLiteral,
		deviates: func(p spec.Profile) bool { return p.CacheTokensLiteral },
		query:    "acao=*&acam=PUT&acah=*&max-age=60",
		steps:    []devStep{{method: "PUT", headers: xa}, {method: "PUT", headers: xa}},
		deviant:  notCached, standard: cachedOnce, control: "acao=*&acam=PUT&acah=x-a&max-age=60"})
	add(devCase{name: "cache-wildcard-methods-literal", deviation: spec.DevCacheTokensLiteral,
		deviates: func(p spec.Profile) bool { return p.CacheTokensLiteral },
		query:    "acao=*&acam=*&max-age=60", steps: twoPuts,
		deviant: notCached, standard: cachedOnce, control: "acao=*&acam=PUT&max-age=60"})

	// A refused method and an unparsable Access-Control-Allow-Headers
	// ("x a" is no token): blocked either way, for another reason.
	add(devCase{name: "preflight-method-before-headers", deviation: spec.DevPreflightMethodBeforeHeaders,
		deviates: listed(spec.DevPreflightMethodBeforeHeaders),
		query:    "acao=*&acam=GET&acah=" + url.QueryEscape("x a"),
		steps:    []devStep{{method: "PUT", headers: xa}},
		deviant:  preflightBlocked(spec.ReasonMethodDisallowedByPreflightResponse, "PUT"),
		standard: preflightBlocked(spec.ReasonInvalidAllowHeadersPreflightResponse, "")})

	// A preflight answered 307: blocked either way; the standard says so
	// for the redirect, the deviant engine for the CORS check of the
	// redirect response, or when that passes, as a refused redirect.
	elsewhere := url.QueryEscape(ffAPI + "/elsewhere")
	add(devCase{name: "preflight-redirect-fails-cors-check", deviation: spec.DevPreflightRedirectChecked,
		deviates: listed(spec.DevPreflightRedirectChecked),
		query:    "acam=PUT&preflight-redirect=" + elsewhere,
		steps:    []devStep{{method: "PUT"}},
		deviant:  preflightBlocked(spec.ReasonPreflightMissingAllowOriginHeader, ""),
		standard: preflightBlocked(spec.ReasonPreflightDisallowedRedirect, "")})
	add(devCase{name: "preflight-redirect-passes-cors-check", deviation: spec.DevPreflightRedirectChecked,
		deviates: listed(spec.DevPreflightRedirectChecked),
		query:    "acao=*&acam=PUT&preflight-redirect=" + elsewhere,
		steps:    []devStep{{method: "PUT"}},
		deviant:  preflightBlocked(spec.ReasonInvalidRedirect, ""),
		standard: preflightBlocked(spec.ReasonPreflightDisallowedRedirect, "")})

	// The https page fetches plain http on loopback: potentially
	// trustworthy in the standard, so sent. The control runs the same
	// fetch from the http page, where nothing is mixed.
	for _, target := range []string{"loopback", "localhost"} {
		add(devCase{name: "mixed-content-" + target, deviation: spec.DevMixedContentLoopback,
			deviates: func(p spec.Profile) bool { return p.LoopbackIsMixedContent },
			query:    "acao=*",
			steps:    []devStep{{target: target}},
			deviant:  devOutcome{allowed: []bool{false}, server: nil},
			standard: allowedSimple("GET", nil),
			control:  "acao=*", controlSteps: []devStep{{target: target, page: "plain"}}})
	}
	return cs
}

func mapKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// devEngines are the engines and the profiles they are held to.
var devEngines = []struct {
	name    corsproof.Engine
	profile spec.Profile
	find    func() (string, error)
}{
	{corsproof.Chromium, spec.Chromium, browser.FindChromium},
	{corsproof.Firefox, spec.Firefox, browser.FindFirefox},
	{corsproof.WebKit, spec.WebKit, browser.FindWebKit},
}

// devEnv is one engine behind the deviation topology.
type devEnv struct {
	e        browser.Engine
	api      *deviationAPI
	loopback string // the plain-http loopback server, "127.0.0.1:port"
	ctx      context.Context
	n        atomic.Int64
}

// TestProfileDeviations runs every case in every engine:
// TestProfileDeviations/<engine>/<case>. The engine's version is logged
// first; the profiles' SeenIn name the version each entry was measured in.
func TestProfileDeviations(t *testing.T) {
	for _, eng := range devEngines {
		t.Run(string(eng.name), func(t *testing.T) {
			env := launchDevEnv(t, eng.name, eng.find)
			t.Logf("engine %s", env.e.Version())
			// The profiles' SeenIn name the version each entry was measured
			// in; another version runs the same table, and says so.
			v := env.e.Version()[strings.IndexByte(env.e.Version(), '/')+1:]
			for _, d := range eng.profile.Deviations {
				if !strings.Contains(d.SeenIn, v) {
					t.Logf("note: %s %s was measured in %q; this run is %s", eng.profile.Name, d.ID, d.SeenIn, env.e.Version())
				}
			}
			for _, c := range devCases() {
				t.Run(c.name, func(t *testing.T) {
					want := c.standard
					if c.deviates(eng.profile) {
						want = c.deviant
					} else if gap := c.gaps[eng.name]; gap != "" {
						t.Logf("profile gap: %s deviates here (%s), but %s", eng.name, c.deviation, gap)
						want = c.deviant
					}
					runDevCase(t, env, c, c.query, c.steps, want)
					if c.control != "" {
						steps := c.steps
						if c.controlSteps != nil {
							steps = c.controlSteps
						}
						t.Run("control", func(t *testing.T) {
							runDevCase(t, env, c, c.control, steps, c.standard)
						})
					}
				})
			}
		})
	}
}

func launchDevEnv(t *testing.T, name corsproof.Engine, find func() (string, error)) *devEnv {
	t.Helper()
	path := testenv.Found(t, string(name), find)
	api := &deviationAPI{hits: map[string][]*http.Request{}}
	topo, err := harness.StartTopology(harness.TopologyConfig{
		Sites: []corsproof.Site{
			{Name: "app", Origin: ffApp, Class: "allowed"},
			{Name: "plain", Origin: "http://" + devPlainHost, Class: "allowed"},
		},
		APIOrigins: []string{ffAPI, wkAPI2},
		API:        api,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { topo.Close() })
	// httptest listens on 127.0.0.1 only.
	plain := httptest.NewServer(api)
	t.Cleanup(plain.Close)
	_, port, _ := net.SplitHostPort(plain.Listener.Addr().String())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	t.Cleanup(cancel)
	lctx, lcancel := context.WithTimeout(ctx, 3*time.Minute)
	defer lcancel()
	e, err := harness.Launch(lctx, harness.EngineConfig{Engine: name, ExecPath: path, Topology: topo,
		Direct: []string{"127.0.0.1:" + port, "localhost:" + port}, Logf: testLogf})
	testenv.Started(t, string(name), err)
	t.Cleanup(func() {
		if err := e.Close(); err != nil {
			t.Errorf("closing %s: %v", name, err)
		}
	})
	return &devEnv{e: e, api: api, loopback: "127.0.0.1:" + port, ctx: ctx}
}

// runDevCase runs steps against fresh URLs answering query (and the case's
// second query) and holds the engine to want.
func runDevCase(t *testing.T, env *devEnv, c devCase, query string, steps []devStep, want devOutcome) {
	t.Helper()
	n := env.n.Add(1)
	path := fmt.Sprintf("/dev/%d-%d", os.Getpid(), n)
	path2 := path + "-second"
	u := ffAPI + path + "?" + query
	second := wkAPI2 + path2 + "?" + c.secondQuery
	if c.redirectToSecond {
		u += "&redirect=" + url.QueryEscape(second)
	}
	var last browser.Observation
	var allowed []bool
	for i, s := range steps {
		page := ffAppPage
		if s.page == "plain" {
			page = devPlainPage
		}
		target := u
		switch s.target {
		case "second":
			target = second
		case "loopback":
			target = "http://" + env.loopback + path + "?" + query
		case "localhost":
			_, port, _ := net.SplitHostPort(env.loopback)
			target = "http://localhost:" + port + path + "?" + query
		}
		o, err := env.e.Fetch(env.ctx, browser.Fetch{PageURL: page, URL: target, Method: s.method,
			Headers: s.headers, Body: s.body, Cache: s.cache})
		if err != nil {
			t.Fatalf("step %d: %v", i+1, err)
		}
		t.Logf("step %d %s %s from %s: allowed=%v error=%q cors=%q/%q", i+1, or(s.method, "GET"), target, page,
			o.Allowed, o.Error, o.CorsError, o.FailedParameter)
		allowed = append(allowed, o.Allowed)
		last = o
	}

	hits := env.api.requests(path)
	if !slices.Equal(allowed, want.allowed) {
		t.Errorf("allowed per step = %v, want %v", allowed, want.allowed)
	}
	if got := methods(hits); !slices.Equal(got, want.server) {
		t.Errorf("the API saw %v, want %v", got, want.server)
	}
	if c.secondQuery != "" {
		hits2 := env.api.requests(path2)
		if got := methods(hits2); !slices.Equal(got, want.second) {
			t.Errorf("the second URL saw %v, want %v", got, want.second)
		}
		var origins []string
		for _, r := range hits2 {
			origins = append(origins, r.Header.Get("Origin"))
		}
		if want.secondOrigins != nil && !slices.Equal(origins, want.secondOrigins) {
			t.Errorf("the second URL's requests came with Origin %q, want %q", origins, want.secondOrigins)
		}
	}
	if len(want.sent)+len(want.notSent) > 0 {
		var actual *http.Request
		for _, r := range hits {
			if r.Method != http.MethodOptions {
				actual = r
			}
		}
		if actual == nil {
			t.Errorf("no actual request reached the API to check %v %v in", want.sent, want.notSent)
		} else {
			checkHeaders(t, "the API's actual request", httpHeaders(actual.Header), want.sent)
			for name, v := range want.notSent {
				if got := actual.Header.Get(name); got == v {
					t.Errorf("the API's actual request has %s: %q, which the engine must not send", name, got)
				}
			}
		}
	}
	if want.corsError != "" && !last.Allowed {
		if slices.Contains(last.Unavailable, "cors_error") {
			t.Logf("%s reports no block reason: %s not checked", env.e.Name(), want.corsError)
		} else {
			if last.CorsError != want.corsError {
				t.Errorf("block reason = %q, want %q", last.CorsError, want.corsError)
			}
			if want.param != "" && last.FailedParameter != want.param {
				t.Errorf("failed parameter = %q, want %q", last.FailedParameter, want.param)
			}
			if want.paramNot != "" && strings.EqualFold(last.FailedParameter, want.paramNot) {
				t.Errorf("failed parameter = %q, which is the standard's pick", last.FailedParameter)
			}
		}
	}
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// TestProfileDeviationsMeasured needs no browser: every Deviation of every
// engine profile is measured by a case of TestProfileDeviations that the
// profile makes deviate, and that case's two outcomes differ in what that
// engine can observe; a profile that sets a field a case measures documents
// the deviation; and each entry's SeenIn names the test.
func TestProfileDeviationsMeasured(t *testing.T) {
	cases := devCases()
	names := map[string]bool{}
	for _, c := range cases {
		if names[c.name] {
			t.Errorf("two cases named %s", c.name)
		}
		names[c.name] = true
		if c.deviation == "" || c.deviates == nil {
			t.Errorf("case %s names no deviation", c.name)
		}
		if c.deviates(spec.Standard) {
			t.Errorf("case %s: the standard itself would deviate", c.name)
		}
	}
	for _, eng := range devEngines {
		p := eng.profile
		measured := map[string][]string{}
		for _, c := range cases {
			if gap, ok := c.gaps[eng.name]; ok {
				if c.deviates(p) {
					t.Errorf("%s: case %s: the profile has what the gap note says it lacks (%s); drop the note", p.Name, c.name, gap)
				}
				t.Logf("%s: profile gap measured by case %s: %s", p.Name, c.name, gap)
			}
			if !c.deviates(p) {
				continue
			}
			if _, ok := p.Deviation(c.deviation); !ok {
				t.Errorf("%s: case %s deviates by the profile's data, but the profile does not document %s", p.Name, c.name, c.deviation)
			}
			if !discriminates(c, eng.name) {
				t.Errorf("%s: case %s: its deviant and standard outcomes look the same in %s", p.Name, c.name, eng.name)
				continue
			}
			measured[c.deviation] = append(measured[c.deviation], c.name)
		}
		for _, d := range p.Deviations {
			if len(measured[d.ID]) == 0 {
				t.Errorf("%s: deviation %s is measured by no case of TestProfileDeviations", p.Name, d.ID)
			}
			if !strings.Contains(d.SeenIn, "TestProfileDeviations/"+string(eng.name)+"/") ||
				!slices.ContainsFunc(measured[d.ID], func(name string) bool { return namesCase(d.SeenIn, name) }) {
				t.Errorf("%s: deviation %s: SeenIn %q does not name the test and a case (of %v) that measure it", p.Name, d.ID, d.SeenIn, measured[d.ID])
			}
		}
		t.Logf("%s: %v", p.Name, measured)
	}
}

// namesCase: seen names the case, or a family of cases ("client-hint-*")
// it belongs to.
func namesCase(seen, name string) bool {
	if strings.Contains(seen, name) {
		return true
	}
	for _, f := range strings.FieldsFunc(seen, func(r rune) bool { return r == ' ' || r == ',' || r == '(' || r == '/' }) {
		if prefix, ok := strings.CutSuffix(f, "*"); ok && prefix != "" && strings.HasPrefix(name, prefix) {
			return true
		}
	}
	return false
}

// discriminates: the outcomes differ in what the engine observes (every
// engine sees what script sees and what reached the API; WebKit reports no
// block reason).
func discriminates(c devCase, name corsproof.Engine) bool {
	a, b := c.deviant, c.standard
	if !slices.Equal(a.allowed, b.allowed) || !slices.Equal(a.server, b.server) || !slices.Equal(a.second, b.second) ||
		!slices.Equal(a.secondOrigins, b.secondOrigins) || fmt.Sprint(a.sent) != fmt.Sprint(b.sent) || fmt.Sprint(a.notSent) != fmt.Sprint(b.notSent) {
		return true
	}
	return name != corsproof.WebKit && (a.corsError != b.corsError || a.param != b.param || a.paramNot != "")
}
