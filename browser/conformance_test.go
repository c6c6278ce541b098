package browser_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/browser"
)

// conformanceEngines are the engines every conformance case runs in, with
// what each one says of itself.
var conformanceEngines = []struct {
	name corsproof.Engine
	// version is how the engine's Version begins.
	version string
	// blockedError is true for the script's error of a fetch the browser
	// blocked (CORS or network alike: script cannot tell them apart).
	blockedError func(string) bool
	// unavailable are the fields the engine can never observe: it must name
	// them in every Observation, and leave them empty.
	unavailable []string
	// reused: the engine's own test (TestFirefox, TestWebKit) checks and
	// closes the same instance; otherwise the table closes it.
	reused bool
}{
	{name: corsproof.Chromium, version: "Chrome/1",
		blockedError: func(s string) bool { return s == "TypeError: Failed to fetch" }},
	{name: corsproof.Firefox, version: "Firefox/", reused: true,
		blockedError: func(s string) bool { return strings.Contains(s, "NetworkError") },
		unavailable:  []string{"blocked_cookies"}}, // WebDriver BiDi reports no refused cookie
	{name: corsproof.WebKit, version: "WebKitGTK/2.", reused: true,
		blockedError: func(s string) bool { return s == "TypeError: Load failed" },
		// Classic WebDriver sees neither the network nor the console.
		unavailable: []string{"preflight", "actual", "blocked_cookies"}},
}

// conformanceCase is one fetch from an origin page against the query API
// (see queryAPI) and what every engine must report of it.
type conformanceCase struct {
	name string
	// site is the topology site whose page runs the fetch ("" is app).
	site        string
	query       string
	method      string
	headers     []browser.Header
	body        string
	bodyKind    string
	blobType    string
	credentials string
	// cookie, when set, is put in the jar for the case's URL first (its
	// Path is the URL's path).
	cookie *browser.Cookie
	// redirectTo is the query of a second URL, on wkAPI2, that the first
	// answers 302 to.
	redirectTo string

	want conformanceWant
}

type conformanceWant struct {
	allowed bool
	// initError: fetch() threw before any request (a TypeError); otherwise
	// a blocked fetch rejects with the engine's blockedError.
	initError bool
	// readable are response headers script must read, with their values;
	// hidden are headers it must not read.
	readable map[string]string
	hidden   []string

	// What reached the API, which every engine is held to: the methods in
	// order (of the redirect's target too when there is one), and headers
	// of the last request ("" means absent). The first request's Origin
	// must be the page's origin, always.
	server        []string
	serverTarget  []string
	serverHeaders map[string]string

	// The browser's own view, asserted unless the engine names the field
	// in Observation.Unavailable.
	preflight     bool              // a preflight went out
	preflightReq  map[string]string // its wire request headers
	preflightResp map[string]string // its wire response headers
	actual        int               // the actual request's exchanges
	actualReq     map[string]string // the first exchange's wire headers
	actualResp    map[string]string
	corsError     string // the block reason and its parameter
	param         string
	// paramOf overrides param for an engine that reports it otherwise.
	paramOf map[corsproof.Engine]string
}

var conformanceCases = []conformanceCase{
	{name: "simple-get-allowed", query: "acao=" + ffApp, want: conformanceWant{allowed: true,
		server: []string{"GET"}, actual: 1,
		actualReq:  map[string]string{"Origin": ffApp},
		actualResp: map[string]string{"Access-Control-Allow-Origin": ffApp}}},
	{name: "simple-get-allowed-wildcard", query: "acao=*", want: conformanceWant{allowed: true,
		server: []string{"GET"}, actual: 1,
		actualResp: map[string]string{"Access-Control-Allow-Origin": "*"}}},
	{name: "missing-acao", query: "x", want: conformanceWant{
		corsError: "MissingAllowOriginHeader",
		// The blocked response still crossed the wire, whole.
		server: []string{"GET"}, actual: 1,
		actualReq:  map[string]string{"Origin": ffApp},
		actualResp: map[string]string{"X-Hidden": "2"}}},
	{name: "allow-origin-mismatch", query: "acao=https://other.test", want: conformanceWant{
		corsError: "AllowOriginMismatch", server: []string{"GET"}, actual: 1,
		// Firefox's console message names the value, but its reason
		// mapping keeps no parameter for it.
		paramOf: map[corsproof.Engine]string{corsproof.Chromium: "https://other.test"}}},
	// Three slashes after the scheme: Go's net/url sees no host, but the
	// URL standard (and so the engines' parsers) skips the slashes, so
	// the value is a valid URL that merely names another origin.
	{name: "allow-origin-extra-slashes", query: "acao=" + url.QueryEscape("https:///app.example.test"), want: conformanceWant{
		corsError: "AllowOriginMismatch", server: []string{"GET"}, actual: 1,
		paramOf: map[corsproof.Engine]string{corsproof.Chromium: "https:///app.example.test"}}},
	{name: "credentialed-wildcard", query: "acao=*", credentials: "include", want: conformanceWant{
		corsError: "WildcardOriginNotAllowed", server: []string{"GET"}, actual: 1}},
	{name: "preflight-method-disallowed", query: "acao=" + ffApp, method: "PUT", body: "x", want: conformanceWant{
		corsError: "MethodDisallowedByPreflightResponse", param: "PUT",
		// The PUT never leaves the browser.
		server: []string{"OPTIONS"}, serverHeaders: map[string]string{"Access-Control-Request-Method": "PUT"},
		preflight: true, preflightReq: map[string]string{"Access-Control-Request-Method": "PUT"}, actual: 0}},
	{name: "preflight-header-disallowed", query: "acao=" + ffApp + "&acah=x-foo",
		headers: []browser.Header{{Name: "X-Bar", Value: "1"}}, want: conformanceWant{
			corsError: "HeaderDisallowedByPreflightResponse", param: "x-bar",
			server: []string{"OPTIONS"}, preflight: true, actual: 0}},
	{name: "preflight-allowed", query: "acao=" + ffApp + "&acam=PUT&acah=x-foo", method: "PUT", body: "x",
		headers: []browser.Header{{Name: "X-Foo", Value: "1"}}, want: conformanceWant{allowed: true,
			server: []string{"OPTIONS", "PUT"}, serverHeaders: map[string]string{"X-Foo": "1"},
			preflight: true,
			preflightReq: map[string]string{"Access-Control-Request-Method": "PUT",
				"Access-Control-Request-Headers": "x-foo", "Origin": ffApp},
			preflightResp: map[string]string{"Access-Control-Allow-Methods": "PUT"},
			actual:        1, actualReq: map[string]string{"X-Foo": "1"}}},
	{name: "exposed-headers", query: "acao=" + ffApp + "&x=1&aceh=X-Exposed", want: conformanceWant{allowed: true,
		readable: map[string]string{"X-Exposed": "1"}, hidden: []string{"X-Hidden"},
		server: []string{"GET"}, actual: 1,
		// Hidden from script, still on the wire.
		actualResp: map[string]string{"X-Hidden": "2"}}},
	{name: "null-origin-from-sandboxed-page", site: "null", query: "acao=null", want: conformanceWant{allowed: true,
		server: []string{"GET"}, actual: 1, actualReq: map[string]string{"Origin": "null"}}},
	// Back on the app page after the sandboxed one: the next case's
	// Origin check proves the app window's origin intact.
	{name: "jar-cookie-sent-with-credentials", query: "acao=" + ffApp + "&acac=true&aceh=X-Got-Cookie",
		credentials: "include", cookie: &browser.Cookie{Name: "sid", Value: "s3cret", Secure: true, SameSite: "None"},
		want: conformanceWant{allowed: true,
			readable: map[string]string{"X-Got-Cookie": "s3cret"},
			server:   []string{"GET"}, serverHeaders: map[string]string{"Cookie": "sid=s3cret"},
			actual: 1, actualReq: map[string]string{"Cookie": "sid=s3cret"}}},
	{name: "jar-cookie-not-sent-with-credentials-omit", query: "acao=" + ffApp + "&acac=true&aceh=X-Got-Cookie",
		credentials: "omit", cookie: &browser.Cookie{Name: "sid", Value: "s3cret", Secure: true, SameSite: "None"},
		want: conformanceWant{allowed: true, hidden: []string{"X-Got-Cookie"},
			server: []string{"GET"}, serverHeaders: map[string]string{"Cookie": ""}, actual: 1}},
	{name: "jar-cookie-not-sent-cross-origin-by-default", query: "acao=*&aceh=X-Got-Cookie",
		cookie: &browser.Cookie{Name: "sid", Value: "s3cret", Secure: true, SameSite: "None"},
		want: conformanceWant{allowed: true, hidden: []string{"X-Got-Cookie"},
			server: []string{"GET"}, serverHeaders: map[string]string{"Cookie": ""}, actual: 1}},
	{name: "redirect-to-other-origin", query: "acao=*", redirectTo: "acao=*", want: conformanceWant{allowed: true,
		// The second hop has a tainted origin: Origin: null.
		server: []string{"GET"}, serverTarget: []string{"GET"}, serverHeaders: map[string]string{"Origin": "null"},
		actual: 2}},
	{name: "body-text", query: "acao=*", method: "POST", body: "a=1", bodyKind: "text", want: conformanceWant{allowed: true,
		server: []string{"POST"}, serverHeaders: map[string]string{"Content-Type": "text/plain;charset=UTF-8"},
		actual: 1, actualReq: map[string]string{"Content-Type": "text/plain;charset=UTF-8"}}},
	{name: "body-urlsearchparams", query: "acao=*", method: "POST", body: "a=1", bodyKind: "urlsearchparams", want: conformanceWant{allowed: true,
		server: []string{"POST"}, serverHeaders: map[string]string{"Content-Type": "application/x-www-form-urlencoded;charset=UTF-8"},
		actual: 1, actualReq: map[string]string{"Content-Type": "application/x-www-form-urlencoded;charset=UTF-8"}}},
	{name: "body-blob", query: "acao=*", method: "POST", body: "a=1", bodyKind: "blob", blobType: "text/plain", want: conformanceWant{allowed: true,
		server: []string{"POST"}, serverHeaders: map[string]string{"Content-Type": "text/plain"},
		actual: 1, actualReq: map[string]string{"Content-Type": "text/plain"}}},
	{name: "body-arraybuffer", query: "acao=*", method: "POST", body: "a=1", bodyKind: "arraybuffer", want: conformanceWant{allowed: true,
		server: []string{"POST"}, serverHeaders: map[string]string{"Content-Type": ""},
		actual: 1, actualReq: map[string]string{"Content-Type": ""}}},
	{name: "invalid-init-without-network", query: "acao=*", headers: []browser.Header{{Name: "bad name", Value: "x"}},
		want: conformanceWant{initError: true, server: []string{}, actual: 0}},
}

// TestEngineConformance runs every conformance case in every engine:
// TestEngineConformance/<engine>/<case>.
func TestEngineConformance(t *testing.T) {
	for _, eng := range conformanceEngines {
		t.Run(string(eng.name), func(t *testing.T) {
			env := sharedEngine(t, eng.name)
			if !eng.reused {
				defer func() {
					if err := env.Close(); err != nil {
						t.Errorf("Close: %v", err)
					}
				}()
			}
			if env.e.Name() != eng.name || !strings.HasPrefix(env.e.Version(), eng.version) {
				t.Errorf("Name/Version = %q/%q, want %s/%s...", env.e.Name(), env.e.Version(), eng.name, eng.version)
			}
			for _, c := range conformanceCases {
				t.Run(c.name, func(t *testing.T) {
					runConformanceCase(t, env, eng.blockedError, eng.unavailable, c)
				})
			}
		})
	}
}

func runConformanceCase(t *testing.T, env *engineEnv, blockedError func(string) bool, mustLack []string, c conformanceCase) {
	w := c.want
	site := c.site
	if site == "" {
		site = "app"
	}
	page := env.page(t, site)
	origin := ffApp
	if site == "null" {
		origin = "null"
	}
	method := c.method
	if method == "" {
		method = "GET"
	}
	u, path := ffURL(c.query)
	targetPath := ""
	if c.redirectTo != "" {
		to, p2 := ffURL(c.redirectTo)
		to = strings.Replace(to, ffAPI, wkAPI2, 1)
		targetPath = p2
		u += "&redirect=" + url.QueryEscape(to)
	}
	if c.cookie != nil {
		// The API origin's root: WebKit loads the cookie's URL in a window
		// of its own, and that load must not count as a hit on path.
		ck := *c.cookie
		ck.Path = path
		if err := env.e.SetCookie(env.ctx, ffAPI+"/", ck); err != nil {
			t.Fatalf("SetCookie: %v", err)
		}
	}
	o := fetcher(env.ctx, env.e, page)(t, browser.Fetch{URL: u, Method: c.method, Headers: c.headers,
		Body: c.body, BodyKind: c.bodyKind, BlobType: c.blobType, Credentials: c.credentials})
	unavailable := func(f string) bool { return slices.Contains(o.Unavailable, f) }

	// Never guessed: what the engine cannot see, it names and leaves empty.
	for _, f := range mustLack {
		if !unavailable(f) {
			t.Errorf("%s cannot observe %s; Unavailable = %v", env.name, f, o.Unavailable)
		}
	}
	if unavailable("preflight") && len(o.AllPreflights()) != 0 ||
		unavailable("actual") && len(o.Actual) != 0 ||
		unavailable("blocked_cookies") && len(o.BlockedCookies) != 0 ||
		unavailable("cors_error") && (o.CorsError != "" || o.FailedParameter != "") {
		t.Errorf("a field named unavailable is filled in: %+v", o)
	}

	// What script saw.
	if o.Allowed != w.allowed {
		t.Fatalf("allowed = %v, want %v (cors %q/%q, error %q)", o.Allowed, w.allowed, o.CorsError, o.FailedParameter, o.Error)
	}
	final := path
	if targetPath != "" {
		final = targetPath
	}
	switch {
	case w.allowed:
		if o.Status != 200 || o.Type != "cors" || o.Body != "hello "+method+" "+final {
			t.Errorf("script saw status=%d type=%q body=%q, want 200 cors %q", o.Status, o.Type, o.Body, "hello "+method+" "+final)
		}
		if o.CorsError != "" || unavailable("cors_error") {
			t.Errorf("an allowed fetch has no block reason, nor one to miss: %q %v", o.CorsError, o.Unavailable)
		}
	case w.initError:
		if !strings.HasPrefix(o.Error, "TypeError") {
			t.Errorf("script error = %q, want a TypeError from fetch()", o.Error)
		}
	default:
		if !blockedError(o.Error) {
			t.Errorf("script error = %q, not %s's for a blocked fetch", o.Error, env.name)
		}
	}
	for name, want := range w.readable {
		if v, ok := browser.HeaderValue(o.Headers, name); !ok || v != want {
			t.Errorf("readable %s = %q (%v), want %q; readable %v", name, v, ok, want, o.Headers)
		}
	}
	for _, name := range w.hidden {
		if v, ok := browser.HeaderValue(o.Headers, name); ok {
			t.Errorf("%s = %q is readable, want it filtered", name, v)
		}
	}

	// What reached the API.
	hits := env.api.requests(path)
	if got := methods(hits); !slices.Equal(got, w.server) && !(len(got) == 0 && len(w.server) == 0) {
		t.Errorf("the API saw %v, want %v", got, w.server)
	}
	if len(hits) > 0 && hits[0].Header.Get("Origin") != origin {
		t.Errorf("the API saw Origin %q, want %q", hits[0].Header.Get("Origin"), origin)
	}
	last := hits
	if targetPath != "" {
		last = env.api.requests(targetPath)
		if got := methods(last); !slices.Equal(got, w.serverTarget) {
			t.Errorf("the redirect's target saw %v, want %v", got, w.serverTarget)
		}
	}
	if len(last) > 0 {
		checkHeaders(t, "the API's last request", httpHeaders(last[len(last)-1].Header), w.serverHeaders)
	}

	// The browser's own view.
	param := w.param
	if p, ok := w.paramOf[env.name]; ok {
		param = p
	}
	if !unavailable("cors_error") && !w.allowed && (o.CorsError != w.corsError || o.FailedParameter != param) {
		t.Errorf("block reason = %q/%q, want %q/%q", o.CorsError, o.FailedParameter, w.corsError, param)
	}
	if !unavailable("preflight") {
		p := o.Preflight
		if (p != nil) != w.preflight {
			t.Errorf("preflight = %+v, want one: %v", p, w.preflight)
		}
		if p != nil {
			if p.Method != "OPTIONS" || p.Status != 204 || p.URL != u {
				t.Errorf("preflight = %s %s %d, want OPTIONS %s 204", p.Method, p.URL, p.Status, u)
			}
			checkHeaders(t, "preflight request", p.RequestHeaders, w.preflightReq)
			checkHeaders(t, "preflight response", p.ResponseHeaders, w.preflightResp)
		}
	}
	if !unavailable("actual") {
		if len(o.Actual) != w.actual {
			t.Fatalf("actual = %+v, want %d exchanges", o.Actual, w.actual)
		}
		if w.actual > 0 {
			a := o.Actual[0]
			if a.Method != method || a.Status != 200 && a.Status != http.StatusFound {
				t.Errorf("actual = %s %d, want %s 200 (302 for a redirect)", a.Method, a.Status, method)
			}
			checkHeaders(t, "actual request", a.RequestHeaders, w.actualReq)
			checkHeaders(t, "actual response", a.ResponseHeaders, w.actualResp)
			if a.Status == 200 {
				if v, _ := browser.HeaderValue(a.RequestHeaders, "Origin"); v != origin {
					t.Errorf("wire Origin = %q, want %q", v, origin)
				}
			}
		}
	}
}

// checkHeaders says where hs lacks a wanted value ("" wants the header
// absent).
func checkHeaders(t *testing.T, what string, hs []browser.Header, want map[string]string) {
	t.Helper()
	for name, v := range want {
		got, ok := browser.HeaderValue(hs, name)
		if got != v || (v == "" && ok) {
			t.Errorf("%s %s = %q (present %v), want %q; headers %v", what, name, got, ok, v, hs)
		}
	}
}

func httpHeaders(h http.Header) []browser.Header {
	var out []browser.Header
	for name, vs := range h {
		for _, v := range vs {
			out = append(out, browser.Header{Name: name, Value: v})
		}
	}
	return out
}
