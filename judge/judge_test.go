package judge

import (
	"net/url"
	"strings"
	"testing"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/policy"
	"github.com/corsproof/corsproof/spec"
)

// These tests drive the verdict logic with synthetic wire observations: the
// same code path as a browser run, minus the browser. They pin down which
// verdict each combination of policy, wire and browser behaviour gets.

const (
	appOrigin  = "https://app.example.test"
	evilOrigin = "https://evil.test"
	itemsURL   = "https://api.example.test/api/items?cp=t"
)

var testPolicy = &policy.Policy{Rules: policy.Rules{
	Origins: []string{appOrigin}, Methods: []string{"GET", "PUT"},
	RequestHeaders: []string{"X-Request-Id"}, ExposeHeaders: []string{"X-Total-Count"},
}}

func identityPath(u *url.URL) string { return u.Path }

func bh(kv ...string) []corsproof.Header {
	var out []corsproof.Header
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, corsproof.Header{Name: kv[i], Value: kv[i+1]})
	}
	return out
}

// verdictFor runs the same steps as Runner.Run after the fetch.
func verdictFor(t *testing.T, site corsproof.Site, req corsproof.Request, obs corsproof.Observation) corsproof.Result {
	t.Helper()
	return judgeOne(site, itemsURL, "", req, obs, testPolicy, spec.Chromium)
}

// judgeOne judges one recorded fetch of req from site to url, as the runner
// does after the browser ran it.
func judgeOne(site corsproof.Site, url, pageURL string, req corsproof.Request, obs corsproof.Observation, p *policy.Policy, profile spec.Profile) corsproof.Result {
	return Judge(Input{
		Scenario: corsproof.Scenario{ID: "t", Site: site.Name, Request: req},
		Site:     site, PageURL: pageURL, URL: url,
		Fetches: []Fetch{{Observation: obs}},
		Policy:  p, PathOf: identityPath,
		Engine: corsproof.Engine(profile.Name), Profile: profile,
	})
}

func TestVerdicts(t *testing.T) {
	app := corsproof.Site{Name: "app", Origin: appOrigin}
	evil := corsproof.Site{Name: "evil", Origin: evilOrigin}
	get := corsproof.Request{Path: "/api/items"}
	actual := func(hs ...string) []corsproof.Exchange {
		return []corsproof.Exchange{{URL: itemsURL, Method: "GET", Status: 200, ResponseHeaders: bh(hs...)}}
	}
	tests := []struct {
		name         string
		site         corsproof.Site
		req          corsproof.Request
		obs          corsproof.Observation
		wantVerdict  corsproof.Verdict
		wantSeverity corsproof.Severity
		wantKnown    bool
		wantInText   []string
	}{
		{
			name: "conforming server, allowed origin reads the response",
			site: app, req: get,
			obs: corsproof.Observation{Allowed: true, Status: 200, Headers: bh("content-type", "application/json", "x-total-count", "3"),
				Actual: actual("Content-Type", "application/json", "X-Total-Count", "3", "Access-Control-Allow-Origin", appOrigin,
					"Access-Control-Expose-Headers", "X-Total-Count", "Vary", "Origin")},
			wantVerdict: corsproof.VerdictPass, wantInText: []string{"allowed, as the policy says"},
		},
		{
			name: "conforming server, attacker blocked",
			site: evil, req: get,
			obs:         corsproof.Observation{CorsError: "MissingAllowOriginHeader", Error: "TypeError: Failed to fetch", Actual: actual("Vary", "Origin")},
			wantVerdict: corsproof.VerdictPass, wantInText: []string{"no Access-Control-Allow-Origin", "as the policy says"},
		},
		{
			name: "reflected origin: the attacker reads what the policy forbids",
			site: evil, req: get,
			obs:         corsproof.Observation{Allowed: true, Status: 200, Actual: actual("Access-Control-Allow-Origin", evilOrigin)},
			wantVerdict: corsproof.VerdictServerMismatch, wantSeverity: corsproof.SeveritySecurity,
			wantInText: []string{"security:", evilOrigin, "could read", "had Access-Control-Allow-Origin: " + evilOrigin},
		},
		{
			name: "missing ACAO for an allowed origin: broken access",
			site: app, req: get,
			obs:         corsproof.Observation{CorsError: "MissingAllowOriginHeader", Actual: actual("X-Total-Count", "3")},
			wantVerdict: corsproof.VerdictServerMismatch, wantSeverity: corsproof.SeverityBroken,
			wantInText: []string{"broken:", "the response had no Access-Control-Allow-Origin, where the policy sends Access-Control-Allow-Origin: " + appOrigin},
		},
		{
			name: "preflight lacks a listed header: broken, and the explanation names it",
			site: app, req: corsproof.Request{Path: "/api/items", Method: "PUT", Headers: spec.Headers{{Name: "X-Request-Id", Value: "1"}}},
			obs: corsproof.Observation{CorsError: "HeaderDisallowedByPreflightResponse", FailedParameter: "x-request-id",
				Preflight: &corsproof.Exchange{URL: itemsURL, Method: "OPTIONS", Status: 204,
					RequestHeaders:  bh("Origin", appOrigin, "Access-Control-Request-Method", "PUT", "Access-Control-Request-Headers", "x-request-id"),
					ResponseHeaders: bh("Access-Control-Allow-Origin", appOrigin, "Access-Control-Allow-Methods", "GET, PUT")}},
			wantVerdict: corsproof.VerdictServerMismatch, wantSeverity: corsproof.SeverityBroken,
			wantInText: []string{"Access-Control-Allow-Headers lacks x-request-id", "preflight response", "the policy sends Access-Control-Allow-Headers: X-Request-Id"},
		},
		{
			name: "two disallowed headers: Chromium names another one than the standard's order, still a pass",
			site: app, req: corsproof.Request{Path: "/api/items", Headers: spec.Headers{{Name: "X-A", Value: "1"}, {Name: "X-Z", Value: "1"}}},
			obs: corsproof.Observation{CorsError: "HeaderDisallowedByPreflightResponse", FailedParameter: "x-z",
				Preflight: &corsproof.Exchange{URL: itemsURL, Method: "OPTIONS", Status: 204,
					ResponseHeaders: bh("Access-Control-Allow-Origin", appOrigin, "Access-Control-Allow-Methods", "GET, PUT",
						"Access-Control-Allow-Headers", "X-Request-Id")}},
			wantVerdict: corsproof.VerdictPass, wantInText: []string{"as the policy says"},
		},
		{
			name: "exposure: the server exposes a header the policy keeps private",
			site: app, req: get,
			obs: corsproof.Observation{Allowed: true, Status: 200, Headers: bh("x-secret", "1", "x-total-count", "3"),
				Actual: actual("X-Secret", "1", "X-Total-Count", "3", "Access-Control-Allow-Origin", appOrigin,
					"Access-Control-Expose-Headers", "X-Total-Count, X-Secret")},
			wantVerdict: corsproof.VerdictServerMismatch, wantSeverity: corsproof.SeveritySecurity, wantInText: []string{"x-secret"},
		},
		{
			name: "the browser allows what the headers it received forbid: unknown deviation",
			site: evil, req: get,
			obs:         corsproof.Observation{Allowed: true, Status: 200, Actual: actual("Vary", "Origin")},
			wantVerdict: corsproof.VerdictBrowserDeviation, wantInText: []string{"chromium allowed it", "Fetch standard blocks"},
		},
		{
			name: "the browser blocks what the headers it received allow: unknown deviation",
			site: app, req: get,
			obs:         corsproof.Observation{CorsError: "AllowOriginMismatch", Actual: actual("Access-Control-Allow-Origin", appOrigin)},
			wantVerdict: corsproof.VerdictBrowserDeviation, wantInText: []string{"chromium blocked it", "pass every Fetch standard check"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := verdictFor(t, tt.site, tt.req, tt.obs)
			if res.Verdict != tt.wantVerdict || res.Severity != tt.wantSeverity || res.Known != tt.wantKnown {
				t.Fatalf("verdict = %s severity=%q known=%v, want %s %q %v\n  %s",
					res.Verdict, res.Severity, res.Known, tt.wantVerdict, tt.wantSeverity, tt.wantKnown, res.Explanation)
			}
			for _, want := range tt.wantInText {
				if !strings.Contains(res.Explanation, want) {
					t.Errorf("explanation lacks %q:\n  %s", want, res.Explanation)
				}
			}
			if res.Failed() != (tt.wantVerdict != corsproof.VerdictPass && !tt.wantKnown) {
				t.Errorf("Failed() = %v for %s", res.Failed(), res.VerdictLabel())
			}
		})
	}
}

func TestKnownDeviationNamesTheProfileEntry(t *testing.T) {
	open := &policy.Policy{Rules: policy.Rules{Origins: []string{"*"}, RequestHeaders: []string{"*"}}}
	req := corsproof.Request{Path: "/api/items", Headers: spec.Headers{{Name: "Authorization", Value: "Bearer t"}}}
	obs := corsproof.Observation{Allowed: true, Status: 200,
		Preflight: &corsproof.Exchange{URL: itemsURL, Method: "OPTIONS", Status: 204,
			RequestHeaders:  bh("Origin", evilOrigin, "Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "authorization"),
			ResponseHeaders: bh("Access-Control-Allow-Origin", "*", "Access-Control-Allow-Headers", "*")},
		Actual: []corsproof.Exchange{{URL: itemsURL, Method: "GET", Status: 200, ResponseHeaders: bh("Access-Control-Allow-Origin", "*")}},
	}
	site := corsproof.Site{Name: "evil", Origin: evilOrigin}
	std := spec.Decide(req.Spec(site.Origin, itemsURL), wireServer(obs), spec.Standard)
	if std.Allowed {
		t.Fatal("the standard must block Authorization under ACAH *; the test premise is wrong")
	}
	res := judgeOne(site, itemsURL, "", req, obs, open, spec.Chromium)
	if res.Verdict != corsproof.VerdictBrowserDeviation || !res.Known || res.Failed() {
		t.Fatalf("got %s (failed=%v): %s", res.VerdictLabel(), res.Failed(), res.Explanation)
	}
	if !strings.Contains(res.Explanation, spec.DevAuthorizationWildcard) || !strings.Contains(res.Explanation, "seen in Chromium") {
		t.Errorf("explanation does not name the deviation and where it was seen: %s", res.Explanation)
	}
}

func TestCookieDiagnosisOnlyWhenTheCookieWentMissing(t *testing.T) {
	s := corsproof.Scenario{Session: true}
	wire := spec.Decision{CookiesSent: true}
	withCookie := corsproof.Observation{Actual: []corsproof.Exchange{{RequestHeaders: bh("Cookie", "sid=1")}}}
	if d := cookieDiagnoses(s, withCookie, wire); d != nil {
		t.Errorf("cookie was sent, got diagnosis %v", d)
	}
	without := corsproof.Observation{Actual: []corsproof.Exchange{{}}, BlockedCookies: []corsproof.BlockedCookie{{Name: "sid", Reason: "UserPreferences"}}}
	d := cookieDiagnoses(s, without, wire)
	if len(d) != 1 || !strings.Contains(d[0], "cookie-dropped") || !strings.Contains(d[0], "UserPreferences") {
		t.Errorf("diagnosis = %v", d)
	}
	if d := cookieDiagnoses(corsproof.Scenario{}, without, wire); d != nil {
		t.Errorf("no session asked for, got %v", d)
	}
}

func TestCertFailureIsNamedNotJudged(t *testing.T) {
	for _, tt := range []struct {
		obs  corsproof.Observation
		want string
	}{
		{corsproof.Observation{NetError: "net::ERR_CERT_AUTHORITY_INVALID"}, "net::ERR_CERT_AUTHORITY_INVALID"},
		{corsproof.Observation{CorsError: "CORSDidNotSucceed2", NetError: "NS_ERROR_GENERATE_FAILURE(NS_ERROR_MODULE_SECURITY, MOZILLA_PKIX_ERROR_CA_CERT_USED_AS_END_ENTITY)"}, "MOZILLA_PKIX_ERROR_CA_CERT_USED_AS_END_ENTITY"},
		{corsproof.Observation{NetError: "SEC_ERROR_UNKNOWN_ISSUER"}, "SEC_ERROR_UNKNOWN_ISSUER"},
		{corsproof.Observation{CorsError: "MissingAllowOriginHeader", NetError: "net::ERR_FAILED"}, ""},
		{corsproof.Observation{Allowed: true, NetError: "net::ERR_CERT_DATE_INVALID"}, ""},
	} {
		if got := certFailure(tt.obs); got != tt.want {
			t.Errorf("certFailure(%+v) = %q, want %q", tt.obs, got, tt.want)
		}
	}
}

// A fetch the model blocks as mixed content never reached the server: the
// verdict says so, and never blames (or credits) the server's headers.
func TestMixedContentVerdicts(t *testing.T) {
	app := corsproof.Site{Name: "app", Origin: appOrigin}
	evil := corsproof.Site{Name: "evil", Origin: evilOrigin}
	get := corsproof.Request{Path: "/api/items"}
	blocked := corsproof.Observation{Error: "TypeError: Load failed", Unavailable: []string{"cors_error", "preflight", "actual"}}
	run := func(site corsproof.Site, url string, obs corsproof.Observation, p spec.Profile) corsproof.Result {
		return judgeOne(site, url, site.Origin+"/page", get, obs, testPolicy, p)
	}

	t.Run("webkit and loopback: a known deviation that tested nothing of the server", func(t *testing.T) {
		res := run(app, "http://127.0.0.1:8080/api/items", blocked, spec.WebKit)
		if res.Verdict != corsproof.VerdictBrowserDeviation || !res.Known || res.Failed() {
			t.Fatalf("%s (known %v): %s", res.VerdictLabel(), res.Known, res.Explanation)
		}
		for _, want := range []string{"mixed content", spec.DevMixedContentLoopback, "policy allows", "not tested in webkit", "https target"} {
			if !strings.Contains(res.Explanation, want) {
				t.Errorf("explanation lacks %q: %s", want, res.Explanation)
			}
		}
		if !res.Policy.Allowed {
			t.Errorf("expected %v: the policy allows this origin", res.Policy)
		}
		if res = run(evil, "http://127.0.0.1:8080/api/items", blocked, spec.WebKit); !strings.Contains(res.Explanation, "policy forbids") {
			t.Errorf("evil origin: %s", res.Explanation)
		}
	})
	t.Run("plain http elsewhere: broken where the policy allows", func(t *testing.T) {
		obs := corsproof.Observation{NetError: "net::ERR_FAILED (blocked: mixed-content)"}
		res := run(app, "http://api.example.test/api/items", obs, spec.Chromium)
		if res.Verdict != corsproof.VerdictServerMismatch || res.Severity != corsproof.SeverityBroken || !strings.Contains(res.Explanation, "serve the API over https") {
			t.Errorf("%s: %s", res.VerdictLabel(), res.Explanation)
		}
		res = run(evil, "http://api.example.test/api/items", obs, spec.Chromium)
		if res.Verdict != corsproof.VerdictPass || len(res.Diagnoses) == 0 || !strings.Contains(res.Diagnoses[0], "not tested") {
			t.Errorf("evil: %s: %s %v", res.VerdictLabel(), res.Explanation, res.Diagnoses)
		}
	})
	t.Run("a browser that sends mixed content deviates", func(t *testing.T) {
		obs := corsproof.Observation{Allowed: true, Status: 200, Type: "cors",
			Actual: []corsproof.Exchange{{URL: "http://api.example.test/api/items", Method: "GET", Status: 200, ResponseHeaders: bh("Access-Control-Allow-Origin", appOrigin)}}}
		res := run(app, "http://api.example.test/api/items", obs, spec.Chromium)
		if res.Verdict != corsproof.VerdictBrowserDeviation || res.Known {
			t.Errorf("%s: %s", res.VerdictLabel(), res.Explanation)
		}
	})
	t.Run("chromium and loopback: no mixed content, the headers decide", func(t *testing.T) {
		obs := corsproof.Observation{CorsError: "MissingAllowOriginHeader",
			Actual: []corsproof.Exchange{{URL: "http://127.0.0.1:8080/api/items", Method: "GET", Status: 200}}}
		res := run(app, "http://127.0.0.1:8080/api/items", obs, spec.Chromium)
		if res.Verdict != corsproof.VerdictServerMismatch || !strings.Contains(res.Explanation, "had no Access-Control-Allow-Origin") {
			t.Errorf("%s: %s", res.VerdictLabel(), res.Explanation)
		}
	})
}

// An engine that cannot show the server's headers gets no guess about them.
func TestUnseenWireIsNotTakenAsEmpty(t *testing.T) {
	app := corsproof.Site{Name: "app", Origin: appOrigin}
	get := corsproof.Request{Path: "/api/items"}
	obs := corsproof.Observation{Error: "TypeError: Load failed", Unavailable: []string{"cors_error", "preflight", "actual"}}
	res := judgeOne(app, itemsURL, "", get, obs, testPolicy, spec.WebKit)
	if res.Verdict != corsproof.VerdictServerMismatch || res.Severity != corsproof.SeverityBroken {
		t.Fatalf("%s: %s", res.VerdictLabel(), res.Explanation)
	}
	if strings.Contains(res.Explanation, "lacks") || !strings.Contains(res.Explanation, "webkit does not show the server's headers") ||
		!strings.Contains(res.Explanation, "Access-Control-Allow-Origin: "+appOrigin) {
		t.Errorf("explanation: %s", res.Explanation)
	}
}

// Without a wire (WebKit), an outcome the policy's own answers reach only
// through a profile deviation is that known deviation, not a plain pass.
func TestNoWireOutcomeThroughADeviationIsKnown(t *testing.T) {
	app := corsproof.Site{Name: "app", Origin: appOrigin}
	withAuth := corsproof.Request{Path: "/api/items", Headers: spec.Headers{{Name: "Authorization", Value: "Bearer x"}}}
	pol := &policy.Policy{Rules: policy.Rules{Origins: []string{"*"}, RequestHeaders: []string{"*"}}}
	obs := corsproof.Observation{Allowed: true, Status: 200, Type: "cors", Unavailable: []string{"cors_error", "preflight", "actual"}}
	judgeIn := func(p spec.Profile) corsproof.Result {
		return judgeOne(app, itemsURL, "", withAuth, obs, pol, p)
	}
	res := judgeIn(spec.WebKit)
	if res.Verdict != corsproof.VerdictBrowserDeviation || !res.Known || !strings.Contains(res.Explanation, spec.DevAuthorizationWildcard) ||
		!strings.Contains(res.Explanation, "webkit shows no wire") {
		t.Errorf("webkit: %s: %s", res.VerdictLabel(), res.Explanation)
	}
	// The standard blocks Authorization under *: the same observation is then
	// a mismatch, so the test above is not a pass in disguise.
	if res := judgeIn(spec.Standard); !res.Failed() {
		t.Errorf("standard: %s: %s", res.VerdictLabel(), res.Explanation)
	}
}
