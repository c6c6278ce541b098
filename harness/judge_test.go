package harness

import (
	"net/url"
	"strings"
	"testing"

	"github.com/corsproof/corsproof/browser"
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

func bh(kv ...string) []browser.Header {
	var out []browser.Header
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, browser.Header{Name: kv[i], Value: kv[i+1]})
	}
	return out
}

// verdictFor runs the same steps as Runner.Run after the fetch.
func verdictFor(t *testing.T, site Site, req Request, obs browser.Observation) Result {
	t.Helper()
	s := Scenario{ID: "t", Site: site.Name, Request: req}
	sreq := toSpecRequest(site.Origin, itemsURL, req)
	pol := spec.Decide(sreq, policyServer(testPolicy, obs, identityPath, nil), spec.Chromium)
	wire := spec.Decide(sreq, wireServer(obs), spec.Chromium)
	res := Result{Scenario: s}
	j := judgement{site: site, req: req, policy: pol, wire: wire, obs: obs,
		relevant: relevantHeaders(obs), browserName: "chromium", profile: spec.Chromium}
	j.exchange, j.policyHeaders, j.wireHeaders = decidingExchange(testPolicy, identityPath, obs, pol, nil)
	judge(&res, j)
	return res
}

func TestVerdicts(t *testing.T) {
	app := Site{Name: "app", Origin: appOrigin}
	evil := Site{Name: "evil", Origin: evilOrigin}
	get := Request{Path: "/api/items"}
	actual := func(hs ...string) []browser.Exchange {
		return []browser.Exchange{{URL: itemsURL, Method: "GET", Status: 200, ResponseHeaders: bh(hs...)}}
	}
	tests := []struct {
		name         string
		site         Site
		req          Request
		obs          browser.Observation
		wantVerdict  Verdict
		wantSeverity Severity
		wantKnown    bool
		wantInText   []string
	}{
		{
			name: "conforming server, allowed origin reads the response",
			site: app, req: get,
			obs: browser.Observation{Allowed: true, Status: 200, Headers: bh("content-type", "application/json", "x-total-count", "3"),
				Actual: actual("Content-Type", "application/json", "X-Total-Count", "3", "Access-Control-Allow-Origin", appOrigin,
					"Access-Control-Expose-Headers", "X-Total-Count", "Vary", "Origin")},
			wantVerdict: VerdictPass, wantInText: []string{"allowed, as the policy says"},
		},
		{
			name: "conforming server, attacker blocked",
			site: evil, req: get,
			obs:         browser.Observation{CorsError: "MissingAllowOriginHeader", Error: "TypeError: Failed to fetch", Actual: actual("Vary", "Origin")},
			wantVerdict: VerdictPass, wantInText: []string{"no Access-Control-Allow-Origin", "as the policy says"},
		},
		{
			name: "reflected origin: the attacker reads what the policy forbids",
			site: evil, req: get,
			obs:         browser.Observation{Allowed: true, Status: 200, Actual: actual("Access-Control-Allow-Origin", evilOrigin)},
			wantVerdict: VerdictServerMismatch, wantSeverity: SeveritySecurity,
			wantInText: []string{"security:", evilOrigin, "could read", "sent Access-Control-Allow-Origin: " + evilOrigin},
		},
		{
			name: "missing ACAO for an allowed origin: broken access",
			site: app, req: get,
			obs:         browser.Observation{CorsError: "MissingAllowOriginHeader", Actual: actual("X-Total-Count", "3")},
			wantVerdict: VerdictServerMismatch, wantSeverity: SeverityBroken,
			wantInText: []string{"broken:", "lacks Access-Control-Allow-Origin"},
		},
		{
			name: "preflight lacks a listed header: broken, and the explanation names it",
			site: app, req: Request{Path: "/api/items", Method: "PUT", Headers: spec.Headers{{Name: "X-Request-Id", Value: "1"}}},
			obs: browser.Observation{CorsError: "HeaderDisallowedByPreflightResponse", FailedParameter: "x-request-id",
				Preflight: &browser.Exchange{URL: itemsURL, Method: "OPTIONS", Status: 204,
					RequestHeaders:  bh("Origin", appOrigin, "Access-Control-Request-Method", "PUT", "Access-Control-Request-Headers", "x-request-id"),
					ResponseHeaders: bh("Access-Control-Allow-Origin", appOrigin, "Access-Control-Allow-Methods", "GET, PUT")}},
			wantVerdict: VerdictServerMismatch, wantSeverity: SeverityBroken,
			wantInText: []string{"Access-Control-Allow-Headers lacks x-request-id", "preflight response", `the policy says "X-Request-Id"`},
		},
		{
			name: "two disallowed headers: Chromium names another one than the standard's order, still a pass",
			site: app, req: Request{Path: "/api/items", Headers: spec.Headers{{Name: "X-A", Value: "1"}, {Name: "X-Z", Value: "1"}}},
			obs: browser.Observation{CorsError: "HeaderDisallowedByPreflightResponse", FailedParameter: "x-z",
				Preflight: &browser.Exchange{URL: itemsURL, Method: "OPTIONS", Status: 204,
					ResponseHeaders: bh("Access-Control-Allow-Origin", appOrigin, "Access-Control-Allow-Methods", "GET, PUT",
						"Access-Control-Allow-Headers", "X-Request-Id")}},
			wantVerdict: VerdictPass, wantInText: []string{"as the policy says"},
		},
		{
			name: "exposure: the server exposes a header the policy keeps private",
			site: app, req: get,
			obs: browser.Observation{Allowed: true, Status: 200, Headers: bh("x-secret", "1", "x-total-count", "3"),
				Actual: actual("X-Secret", "1", "X-Total-Count", "3", "Access-Control-Allow-Origin", appOrigin,
					"Access-Control-Expose-Headers", "X-Total-Count, X-Secret")},
			wantVerdict: VerdictServerMismatch, wantSeverity: SeveritySecurity, wantInText: []string{"x-secret"},
		},
		{
			name: "the browser allows what the headers it received forbid: unknown deviation",
			site: evil, req: get,
			obs:         browser.Observation{Allowed: true, Status: 200, Actual: actual("Vary", "Origin")},
			wantVerdict: VerdictBrowserDeviation, wantInText: []string{"chromium allowed it", "Fetch standard blocks"},
		},
		{
			name: "the browser blocks what the headers it received allow: unknown deviation",
			site: app, req: get,
			obs:         browser.Observation{CorsError: "AllowOriginMismatch", Actual: actual("Access-Control-Allow-Origin", appOrigin)},
			wantVerdict: VerdictBrowserDeviation, wantInText: []string{"chromium blocked it", "pass every Fetch standard check"},
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
			if res.Failed() != (tt.wantVerdict != VerdictPass && !tt.wantKnown) {
				t.Errorf("Failed() = %v for %s", res.Failed(), res.VerdictLabel())
			}
		})
	}
}

func TestKnownDeviationNamesTheProfileEntry(t *testing.T) {
	open := &policy.Policy{Rules: policy.Rules{Origins: []string{"*"}, RequestHeaders: []string{"*"}}}
	req := Request{Path: "/api/items", Headers: spec.Headers{{Name: "Authorization", Value: "Bearer t"}}}
	obs := browser.Observation{Allowed: true, Status: 200,
		Preflight: &browser.Exchange{URL: itemsURL, Method: "OPTIONS", Status: 204,
			RequestHeaders:  bh("Origin", evilOrigin, "Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "authorization"),
			ResponseHeaders: bh("Access-Control-Allow-Origin", "*", "Access-Control-Allow-Headers", "*")},
		Actual: []browser.Exchange{{URL: itemsURL, Method: "GET", Status: 200, ResponseHeaders: bh("Access-Control-Allow-Origin", "*")}},
	}
	site := Site{Name: "evil", Origin: evilOrigin}
	sreq := toSpecRequest(site.Origin, itemsURL, req)
	pol := spec.Decide(sreq, policyServer(open, obs, identityPath, nil), spec.Chromium)
	wire := spec.Decide(sreq, wireServer(obs), spec.Chromium)
	std := spec.Decide(sreq, wireServer(obs), spec.Standard)
	if std.Allowed {
		t.Fatal("the standard must block Authorization under ACAH *; the test premise is wrong")
	}
	var res Result
	judge(&res, judgement{site: site, req: req, policy: pol, wire: wire, obs: obs,
		relevant: relevantHeaders(obs), browserName: "chromium", profile: spec.Chromium})
	if res.Verdict != VerdictBrowserDeviation || !res.Known || res.Failed() {
		t.Fatalf("got %s (failed=%v): %s", res.VerdictLabel(), res.Failed(), res.Explanation)
	}
	if !strings.Contains(res.Explanation, spec.DevAuthorizationWildcard) || !strings.Contains(res.Explanation, "seen in Chromium") {
		t.Errorf("explanation does not name the deviation and where it was seen: %s", res.Explanation)
	}
}

func TestCookieDiagnosisOnlyWhenTheCookieWentMissing(t *testing.T) {
	s := Scenario{Session: true}
	wire := spec.Decision{CookiesSent: true}
	withCookie := browser.Observation{Actual: []browser.Exchange{{RequestHeaders: bh("Cookie", "sid=1")}}}
	if d := cookieDiagnoses(s, withCookie, wire); d != nil {
		t.Errorf("cookie was sent, got diagnosis %v", d)
	}
	without := browser.Observation{Actual: []browser.Exchange{{}}, BlockedCookies: []browser.BlockedCookie{{Name: "sid", Reason: "UserPreferences"}}}
	d := cookieDiagnoses(s, without, wire)
	if len(d) != 1 || !strings.Contains(d[0], "cookie-dropped") || !strings.Contains(d[0], "UserPreferences") {
		t.Errorf("diagnosis = %v", d)
	}
	if d := cookieDiagnoses(Scenario{}, without, wire); d != nil {
		t.Errorf("no session asked for, got %v", d)
	}
}
