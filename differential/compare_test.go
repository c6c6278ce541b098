package differential

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/spec"
)

func TestGenerateReplaysFromTheSeed(t *testing.T) {
	a, b := Generate(42, 50), Generate(42, 50)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("the same seed drew different cases")
	}
	if reflect.DeepEqual(a, Generate(43, 50)) {
		t.Fatal("another seed drew the same cases")
	}
}

func TestGenerateCoversTheDimensions(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range Generate(7, 600) {
		for _, d := range c.Draws {
			seen[d] = true
		}
	}
	for _, want := range []string{
		"method patch", "method PATCH", "method Purge", "authorization", "json content-type", "several",
		"credentials include", "credentials omit", "acao absent", "acao *", "acao trailing slash", "acao two lines",
		"acao null", "acac True", "preflight status 299", "preflight status 301", "preflight status 500",
		"acam invalid", "acam *", "acam lowercase", "acah *", "acah invalid", "aceh *", "aceh listed", "set-cookie",
	} {
		if !seen[want] {
			t.Errorf("600 cases never drew %q", want)
		}
	}
}

func TestHandlerWritesTheCaseHeadersExactly(t *testing.T) {
	c := Generate(1, 1)[0]
	c.Preflight = spec.Response{Status: 204, Headers: spec.Headers{h("Access-Control-Allow-Origin", "a"), h("Access-Control-Allow-Origin", "b")}}
	srv := httptest.NewServer(Handler("r", []Case{c}, nil))
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodOptions, srv.URL+c.Path("r"), nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 204 || strings.Join(resp.Header.Values("Access-Control-Allow-Origin"), "|") != "a|b" || resp.Header.Get("Date") != "" {
		t.Errorf("preflight answer: %d %v", resp.StatusCode, resp.Header)
	}
	resp, err = http.Get(srv.URL + "/d/r/1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("a case that does not exist answered %d", resp.StatusCode)
	}
}

// simpleCase: a GET from the allowed page, no preflight, ACAO * and ACEH
// X-Total-Count on the actual response.
func simpleCase() Case {
	return Case{Site: "app", Origin: AllowedOrigin, Method: "GET", Credentials: spec.CredentialsOmit,
		Preflight: spec.Response{Status: 204},
		Actual: spec.Response{Status: 200, Headers: spec.Headers{
			h("Access-Control-Allow-Origin", "*"), h("Access-Control-Expose-Headers", "X-Total-Count"),
			h("X-Total-Count", "3"), h("X-Secret", "s")}}}
}

func judgeAgainst(c Case, obs browser.Observation) Verdict {
	req := c.Request(APIOrigin + c.Path("t"))
	return Judge(c, spec.Decide(req, c.Server(), spec.Chromium), spec.Decide(req, c.Server(), spec.Standard), obs)
}

func TestJudgeAcceptsAnAgreeingBrowser(t *testing.T) {
	obs := browser.Observation{Allowed: true, Status: 200, Headers: []browser.Header{
		{Name: "content-length", Value: "2"}, {Name: "x-total-count", Value: "3"}}}
	if v := judgeAgainst(simpleCase(), obs); v.Problem != "" {
		t.Fatalf("problem %q: model %s, browser %s", v.Problem, v.Model, v.Browser)
	}
}

func TestJudgeCatchesDisagreements(t *testing.T) {
	tests := []struct {
		name string
		obs  browser.Observation
	}{
		{name: "blocked where the model allows", obs: browser.Observation{CorsError: "MissingAllowOriginHeader"}},
		{name: "an extra readable header", obs: browser.Observation{Allowed: true, Headers: []browser.Header{
			{Name: "x-total-count"}, {Name: "x-secret"}}}},
		{name: "a header missing", obs: browser.Observation{Allowed: true}},
		{name: "a preflight the model does not send", obs: browser.Observation{Allowed: true,
			Headers: []browser.Header{{Name: "x-total-count"}}, Preflight: &browser.Exchange{Method: "OPTIONS", Status: 204}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := simpleCase()
			v := judgeAgainst(c, tt.obs)
			if v.Problem == "" {
				t.Fatalf("no problem found: model %s, browser %s", v.Model, v.Browser)
			}
			rep := v.Report(99, c, "https://api.example.test/d/t/0")
			for _, want := range []string{"seed 99", "case 0", "from " + AllowedOrigin, "Access-Control-Allow-Origin: *", "model (chromium): allowed", "CORSPROOF_DIFF_SEED=99"} {
				if !strings.Contains(rep, want) {
					t.Errorf("report lacks %q:\n%s", want, rep)
				}
			}
		})
	}
}

func TestJudgeNamesTheDeviationWhereChromiumLeavesTheStandard(t *testing.T) {
	c := simpleCase()
	c.Headers = spec.Headers{h("Authorization", "x")}
	c.Preflight = spec.Response{Status: 204, Headers: spec.Headers{h("Access-Control-Allow-Origin", "*"), h("Access-Control-Allow-Headers", "*")}}
	obs := browser.Observation{Allowed: true, Headers: []browser.Header{{Name: "x-total-count"}},
		Preflight: &browser.Exchange{Method: "OPTIONS", Status: 204}}
	v := judgeAgainst(c, obs)
	if v.Problem != "" || !reflect.DeepEqual(v.Known, []string{spec.DevAuthorizationWildcard}) {
		t.Fatalf("problem %q, known %v; model %s, standard %s", v.Problem, v.Known, v.Model, v.Standard)
	}
}

func TestJudgeAcceptsAnotherDisallowedHeaderButNotAnAllowedOne(t *testing.T) {
	c := simpleCase()
	c.Method = "PUT"
	c.Headers = spec.Headers{h("X-A", "1"), h("X-Z", "1"), h("X-Ok", "1")}
	c.Preflight = spec.Response{Status: 204, Headers: spec.Headers{h("Access-Control-Allow-Origin", "*"),
		h("Access-Control-Allow-Methods", "PUT"), h("Access-Control-Allow-Headers", "x-ok")}}
	blocked := func(param string) browser.Observation {
		return browser.Observation{CorsError: "HeaderDisallowedByPreflightResponse", FailedParameter: param,
			Preflight: &browser.Exchange{Method: "OPTIONS", Status: 204}}
	}
	if v := judgeAgainst(c, blocked("x-z")); v.Problem != "" || !reflect.DeepEqual(v.Known, []string{spec.DevDisallowedHeaderOrder}) {
		t.Errorf("x-z is disallowed too, yet: problem %q known %v", v.Problem, v.Known)
	}
	if v := judgeAgainst(c, blocked("x-ok")); v.Problem == "" {
		t.Errorf("x-ok is allowed by the preflight; naming it must be a disagreement")
	}
	if v := judgeAgainst(c, blocked("x-never-sent")); v.Problem == "" {
		t.Errorf("a header the request never had must be a disagreement")
	}
}

func judgeIn(engine corsproof.Engine, c Case, obs browser.Observation) Verdict {
	p := engine.Profile()
	req := c.Request(APIOrigin + c.Path("t"))
	return JudgeEngine(c, engine, p, spec.Decide(req, c.Server(), p), spec.Decide(req, c.Server(), spec.Standard), obs)
}

// WebKit reports neither a block reason nor the preflight: those are left
// out on every side, while allowed/blocked and the readable headers still
// decide.
func TestJudgeComparesOnlyWhatTheEngineObserves(t *testing.T) {
	c := simpleCase()
	c.Actual.Headers = spec.Headers{h("X-Total-Count", "3")} // no ACAO: blocked
	noWire := []string{"cors_error", "preflight", "actual", "blocked_cookies"}
	blocked := browser.Observation{Error: "TypeError: Load failed", Unavailable: noWire}
	if v := judgeIn("webkit", c, blocked); v.Problem != "" || !reflect.DeepEqual(v.Unobservable, []string{"cors_error", "preflight"}) {
		t.Errorf("a block without reason: problem %q, unobservable %v", v.Problem, v.Unobservable)
	}
	allowed := browser.Observation{Allowed: true, Unavailable: noWire}
	if v := judgeIn("webkit", c, allowed); v.Problem == "" {
		t.Error("allowed where the model blocks must be a disagreement, reason or not")
	}
	// Chromium observes everything: the same block without a reason is a
	// disagreement there.
	if v := judgeIn("chromium", c, browser.Observation{Error: "TypeError: Failed to fetch"}); v.Problem == "" {
		t.Error("chromium: a block with no reason where the model names one must be a disagreement")
	}
}

func TestJudgeFirefoxRedirectedPreflightReason(t *testing.T) {
	c := simpleCase()
	c.Method = "PUT"
	c.Preflight = spec.Response{Status: 302, Headers: spec.Headers{h("Location", "/elsewhere"), h("Access-Control-Allow-Origin", "https://other.test")}}
	pre := &browser.Exchange{Method: "OPTIONS", Status: 302}
	v := judgeIn("firefox", c, browser.Observation{CorsError: "PreflightAllowOriginMismatch", Preflight: pre})
	if v.Problem != "" || !reflect.DeepEqual(v.Known, []string{spec.DevPreflightRedirectChecked}) {
		t.Errorf("the failed CORS check of the redirect: problem %q, known %v", v.Problem, v.Known)
	}
	if v := judgeIn("firefox", c, browser.Observation{CorsError: "InvalidRedirect", Preflight: pre}); v.Problem == "" {
		t.Error("InvalidRedirect although the redirect response fails its CORS check must be a disagreement")
	}
	c.Preflight.Headers = spec.Headers{h("Location", "/elsewhere"), h("Access-Control-Allow-Origin", "*")}
	if v := judgeIn("firefox", c, browser.Observation{CorsError: "InvalidRedirect", Preflight: pre}); v.Problem != "" {
		t.Errorf("a redirect that passes the CORS check: problem %q", v.Problem)
	}
	if v := judgeIn("chromium", c, browser.Observation{CorsError: "InvalidRedirect", Preflight: pre}); v.Problem == "" {
		t.Error("chromium's profile lists no such deviation: a disagreement")
	}
}

func TestJudgeFirefoxChecksTheMethodBeforeParsingHeaders(t *testing.T) {
	c := simpleCase()
	c.Method = "PUT"
	c.Preflight = spec.Response{Status: 204, Headers: spec.Headers{h("Access-Control-Allow-Origin", "*"),
		h("Access-Control-Allow-Methods", "DELETE"), h("Access-Control-Allow-Headers", "x-a;q=1")}}
	pre := &browser.Exchange{Method: "OPTIONS", Status: 204}
	v := judgeIn("firefox", c, browser.Observation{CorsError: "MethodDisallowedByPreflightResponse", FailedParameter: "PUT", Preflight: pre})
	if v.Problem != "" || !reflect.DeepEqual(v.Known, []string{spec.DevPreflightMethodBeforeHeaders}) {
		t.Errorf("problem %q, known %v", v.Problem, v.Known)
	}
	c.Preflight.Headers[1] = h("Access-Control-Allow-Methods", "PUT")
	if v := judgeIn("firefox", c, browser.Observation{CorsError: "MethodDisallowedByPreflightResponse", FailedParameter: "PUT", Preflight: pre}); v.Problem == "" {
		t.Error("a method the response allows must not be accepted as refused")
	}
}
