package judge

import (
	"strconv"
	"strings"
	"testing"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/spec"
)

// judgeIn judges one recorded fetch as the runner does, with the run's own
// names.
func judgeIn(site corsproof.Site, req corsproof.Request, obs corsproof.Observation, hosts []string) corsproof.Result {
	return Judge(Input{
		Scenario: corsproof.Scenario{ID: "t", Site: site.Name, Request: req},
		Site:     site, URL: itemsURL,
		Fetches: []Fetch{{Observation: obs}},
		Policy:  testPolicy, PathOf: identityPath,
		Engine: corsproof.Chromium, Profile: spec.Chromium, Hosts: hosts,
	})
}

// redirect is an exchange of the scenario's URL answered with status and
// Location: to, then headers.
func redirect(method string, status int, to string, hs ...string) corsproof.Exchange {
	return corsproof.Exchange{URL: itemsURL, Method: method, Status: status, ResponseHeaders: bh(append([]string{"Location", to}, hs...)...)}
}

// runHosts are the names a run of the tests serves itself: its origin pages
// and a second API origin.
var runHosts = []string{"app.example.test:443", "evil.test:443", "api2.example.test:443"}

// A target that redirects the request (or its preflight) to an origin
// outside the run tested nothing under the policy, whatever the browser did
// after: not tested, naming the redirect, never a pass.
func TestRedirectOutOfTheRunIsNotTested(t *testing.T) {
	app := corsproof.Site{Name: "app", Origin: appOrigin}
	evil := corsproof.Site{Name: "evil", Origin: evilOrigin}
	get := corsproof.Request{Path: "/api/items"}
	put := corsproof.Request{Path: "/api/items", Method: "PUT", Headers: spec.Headers{{Name: "X-Request-Id", Value: "1"}}}
	away := "https://elsewhere.test/api/items?cp=t"
	tests := []struct {
		name     string
		site     corsproof.Site
		req      corsproof.Request
		obs      corsproof.Observation
		status   int
		location string // as sent
		origin   string // where it leads
		exchange string
	}{
		{
			name: "followed, then the other host did not resolve",
			site: app, req: get, status: 302, location: away, origin: "https://elsewhere.test", exchange: "actual",
			obs: corsproof.Observation{Error: "TypeError: Failed to fetch", NetError: "net::ERR_NAME_NOT_RESOLVED",
				Actual: []corsproof.Exchange{redirect("GET", 302, away, "Access-Control-Allow-Origin", appOrigin), {URL: away, Method: "GET"}}},
		},
		{
			// Today's pass ("blocked as the policy says") is no proof: the
			// policy is about the API, which is not here.
			name: "the redirect itself had no CORS headers: an attacker blocked",
			site: evil, req: get, status: 301, location: away, origin: "https://elsewhere.test", exchange: "actual",
			obs: corsproof.Observation{Error: "TypeError: Failed to fetch", CorsError: "MissingAllowOriginHeader",
				Actual: []corsproof.Exchange{redirect("GET", 301, away)}},
		},
		{
			name: "followed, and the other host let the page read",
			site: app, req: get, status: 307, location: away, origin: "https://elsewhere.test", exchange: "actual",
			obs: corsproof.Observation{Allowed: true, Status: 200, Actual: []corsproof.Exchange{
				redirect("GET", 307, away, "Access-Control-Allow-Origin", appOrigin),
				{URL: away, Method: "GET", Status: 200, ResponseHeaders: bh("Access-Control-Allow-Origin", appOrigin)}}},
		},
		{
			name: "the preflight redirected away",
			site: app, req: put, status: 308, location: "https://elsewhere.test:8443/api/items", origin: "https://elsewhere.test:8443", exchange: "preflight",
			obs: corsproof.Observation{Error: "TypeError: Failed to fetch", CorsError: "PreflightDisallowedRedirect",
				Preflight: func() *corsproof.Exchange {
					x := redirect("OPTIONS", 308, "https://elsewhere.test:8443/api/items")
					return &x
				}()},
		},
		{
			name: "a relative Location on another scheme's URL: the target's host, not its origin",
			site: app, req: get, status: 302, location: "//api.example.test:8443/api/items", origin: "https://api.example.test:8443", exchange: "actual",
			obs: corsproof.Observation{Error: "TypeError: Failed to fetch", NetError: "net::ERR_CONNECTION_REFUSED",
				Actual: []corsproof.Exchange{redirect("GET", 302, "//api.example.test:8443/api/items", "Access-Control-Allow-Origin", appOrigin)}},
		},
		{
			// The certificate that failed was the other host's, not the
			// target's: no infrastructure error about the target.
			name: "followed, then the other host's certificate failed",
			site: app, req: get, status: 302, location: away, origin: "https://elsewhere.test", exchange: "actual",
			obs: corsproof.Observation{Error: "TypeError: Failed to fetch", NetError: "net::ERR_CERT_AUTHORITY_INVALID",
				Actual: []corsproof.Exchange{redirect("GET", 302, away, "Access-Control-Allow-Origin", appOrigin), {URL: away, Method: "GET"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := judgeIn(tt.site, tt.req, tt.obs, runHosts)
			if res.Verdict != corsproof.VerdictNotTested || !res.Failed() {
				t.Fatalf("%s (failed %v), want not-tested: %s", res.VerdictLabel(), res.Failed(), res.Explanation)
			}
			c := res.Cause
			if c == nil || c.Kind != corsproof.CauseRedirectedAway || c.Subject != tt.origin || c.Exchange != tt.exchange ||
				c.Header != "Location" || c.Value != tt.location || !c.Sent {
				t.Errorf("cause = %+v, want redirected-away to %s on the %s exchange, Location %s", c, tt.origin, tt.exchange, tt.location)
			}
			for _, want := range []string{"not tested", itemsURL, tt.location, tt.origin, " " + strconv.Itoa(tt.status) + " ", "outside this run", "--target"} {
				if !strings.Contains(res.Explanation, want) {
					t.Errorf("explanation lacks %q: %s", want, res.Explanation)
				}
			}
			if len(res.Notes) > 0 || len(res.Diagnoses) > 0 {
				t.Errorf("notes %v and diagnoses %v about a server the policy is not about", res.Notes, res.Diagnoses)
			}
			if !strings.Contains(c.String(), tt.origin) || !strings.Contains(c.Advice(), "--target") {
				t.Errorf("cause line %q / advice %q", c.String(), c.Advice())
			}
		})
	}
}

// Redirects within the target's origin or to a name the run serves keep
// their verdicts; so does a redirect the fetch did not follow.
func TestRedirectWithinTheRunKeepsItsVerdict(t *testing.T) {
	app := corsproof.Site{Name: "app", Origin: appOrigin}
	evil := corsproof.Site{Name: "evil", Origin: evilOrigin}
	get := corsproof.Request{Path: "/api/items"}
	follow := func(to, toURL string) corsproof.Observation {
		return corsproof.Observation{Allowed: true, Status: 200, Headers: bh("x-total-count", "3"), Actual: []corsproof.Exchange{
			redirect("GET", 302, to, "Access-Control-Allow-Origin", appOrigin),
			{URL: toURL, Method: "GET", Status: 200, ResponseHeaders: bh("Access-Control-Allow-Origin", appOrigin,
				"Access-Control-Expose-Headers", "X-Total-Count", "X-Total-Count", "3", "Vary", "Origin")}}}
	}
	t.Run("the target's own origin, relative Location: a pass", func(t *testing.T) {
		res := judgeIn(app, get, follow("/api/items/1?cp=t", "https://api.example.test/api/items/1?cp=t"), nil)
		if res.Verdict != corsproof.VerdictPass {
			t.Errorf("%s: %s", res.VerdictLabel(), res.Explanation)
		}
	})
	t.Run("the target's origin spelled with its default port: a pass", func(t *testing.T) {
		res := judgeIn(app, get, follow("https://API.example.test:443/api/items/1", "https://api.example.test/api/items/1"), nil)
		if res.Verdict != corsproof.VerdictPass {
			t.Errorf("%s: %s", res.VerdictLabel(), res.Explanation)
		}
	})
	t.Run("a name the run serves: judged, and a wrong answer there is a mismatch", func(t *testing.T) {
		// After the cross-origin redirect the Origin is null, which the
		// policy forbids and api2 allows.
		obs := corsproof.Observation{Allowed: true, Status: 200, Actual: []corsproof.Exchange{
			redirect("GET", 302, "https://api2.example.test/api/items", "Access-Control-Allow-Origin", appOrigin),
			{URL: "https://api2.example.test/api/items", Method: "GET", Status: 200, RequestHeaders: bh("Origin", "null"),
				ResponseHeaders: bh("Access-Control-Allow-Origin", "null")}}}
		res := judgeIn(app, get, obs, runHosts)
		if res.Verdict != corsproof.VerdictServerMismatch || res.Severity != corsproof.SeveritySecurity {
			t.Fatalf("a redirect to a name of the run: %s, want server-mismatch (security): %s", res.VerdictLabel(), res.Explanation)
		}
		// The same redirect in a run that does not serve the name left it.
		if res := judgeIn(app, get, obs, nil); res.Verdict != corsproof.VerdictNotTested || res.Cause.Subject != "https://api2.example.test" {
			t.Errorf("without the name in the run: %s: %s", res.VerdictLabel(), res.Explanation)
		}
	})
	t.Run("redirect mode manual: the browser stopped at the redirect, which is what was tested", func(t *testing.T) {
		manual := corsproof.Request{Path: "/api/items", Redirect: spec.RedirectManual}
		obs := corsproof.Observation{Error: "TypeError: Failed to fetch", CorsError: "MissingAllowOriginHeader",
			Actual: []corsproof.Exchange{redirect("GET", 302, "https://elsewhere.test/x")}}
		if res := judgeIn(evil, manual, obs, runHosts); res.Verdict != corsproof.VerdictPass {
			t.Errorf("%s: %s", res.VerdictLabel(), res.Explanation)
		}
	})
	t.Run("a 3xx that is no redirect, and a redirect without Location", func(t *testing.T) {
		for _, x := range []corsproof.Exchange{
			{URL: itemsURL, Method: "GET", Status: 304, ResponseHeaders: bh("Location", "https://elsewhere.test/")},
			{URL: itemsURL, Method: "GET", Status: 302},
		} {
			obs := corsproof.Observation{Error: "TypeError: Failed to fetch", CorsError: "MissingAllowOriginHeader", Actual: []corsproof.Exchange{x}}
			if res := judgeIn(evil, get, obs, runHosts); res.Verdict != corsproof.VerdictPass {
				t.Errorf("status %d: %s: %s", x.Status, res.VerdictLabel(), res.Explanation)
			}
		}
	})
}

// WebKit shows no exchanges: a redirect away is seen only as the name the
// run's proxy refused while the fetch ran. It is not tested, naming that
// origin; a refusal of a name the run serves, or alongside exchanges that
// show no redirect away, changes nothing.
func TestARedirectSeenOnlyByTheProxyIsNotTested(t *testing.T) {
	app := corsproof.Site{Name: "app", Origin: appOrigin}
	get := corsproof.Request{Path: "/api/items"}
	blind := func(refused ...string) corsproof.Observation {
		return corsproof.Observation{Error: "TypeError: Load failed", Unavailable: []string{"cors_error", "preflight", "actual", "blocked_cookies"}, Refused: refused}
	}
	for _, c := range []struct{ refused, origin string }{
		{"elsewhere.test:443", "https://elsewhere.test"},
		{"elsewhere.test:80", "http://elsewhere.test"},
		{"elsewhere.test:8443", "https://elsewhere.test:8443"},
	} {
		res := Judge(Input{
			Scenario: corsproof.Scenario{ID: "t", Site: app.Name, Request: get}, Site: app, URL: itemsURL,
			Fetches: []Fetch{{Observation: blind(c.refused)}}, Policy: testPolicy, PathOf: identityPath,
			Engine: corsproof.WebKit, Profile: spec.WebKit, Hosts: runHosts,
		})
		if res.Verdict != corsproof.VerdictNotTested || res.Cause == nil || res.Cause.Kind != corsproof.CauseRedirectedAway || res.Cause.Subject != c.origin {
			t.Errorf("refused %s: %s, cause %+v: %s", c.refused, res.VerdictLabel(), res.Cause, res.Explanation)
			continue
		}
		for _, want := range []string{"not tested", itemsURL, c.origin, "no exchanges", "--target"} {
			if !strings.Contains(res.Explanation, want) {
				t.Errorf("refused %s: explanation lacks %q: %s", c.refused, want, res.Explanation)
			}
		}
	}
	inRun := Judge(Input{
		Scenario: corsproof.Scenario{ID: "t", Site: app.Name, Request: get}, Site: app, URL: itemsURL,
		Fetches: []Fetch{{Observation: blind("evil.test:443")}}, Policy: testPolicy, PathOf: identityPath,
		Engine: corsproof.WebKit, Profile: spec.WebKit, Hosts: runHosts,
	})
	if inRun.Verdict == corsproof.VerdictNotTested {
		t.Errorf("a refusal of a name the run serves: %s", inRun.Explanation)
	}
	withExchanges := judgeIn(app, get, corsproof.Observation{Allowed: true, Status: 200, Refused: []string{"elsewhere.test:443"},
		Actual: []corsproof.Exchange{{URL: itemsURL, Method: "GET", Status: 200, ResponseHeaders: bh("Access-Control-Allow-Origin", appOrigin)}}}, runHosts)
	if withExchanges.Verdict == corsproof.VerdictNotTested {
		t.Errorf("exchanges without a redirect away, and a refusal beside them: %s", withExchanges.Explanation)
	}
}
