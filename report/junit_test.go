package report

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/spec"
)

// junitDoc is the JUnit XML as CI tools read it.
type junitDoc struct {
	Suites []struct {
		Name     string `xml:"name,attr"`
		Tests    int    `xml:"tests,attr"`
		Failures int    `xml:"failures,attr"`
		Errors   int    `xml:"errors,attr"`
		Skipped  int    `xml:"skipped,attr"`
		Cases    []struct {
			Name      string `xml:"name,attr"`
			Classname string `xml:"classname,attr"`
			Skipped   *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
			Failure *junitText `xml:"failure"`
			Error   *junitText `xml:"error"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

type junitText struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Body    string `xml:",chardata"`
}

func parseJUnit(t *testing.T, runs []corsproof.Run) junitDoc {
	t.Helper()
	var b bytes.Buffer
	if err := JUnit(&b, runs, Meta{Command: "run", Target: "mock"}); err != nil {
		t.Fatal(err)
	}
	var doc junitDoc
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("JUnit XML does not parse: %v\n%s", err, b.String())
	}
	return doc
}

// wireResult is a result of a PUT from origin whose observation has the
// preflight and the actual exchange, each with a CORS header, an
// unrelated header and Vary.
func wireResult(id, origin string) corsproof.Result {
	api := "https://api.example.test/api/items/1?t=" + id
	return corsproof.Result{
		Scenario: corsproof.Scenario{ID: id, Title: id + " title", Policy: "default", Site: "evil",
			Request: corsproof.Request{Path: "/api/items/1?page=2", Method: "PUT", Headers: spec.Headers{{Name: "X-Request-Id", Value: "1"}}}},
		Origin:   origin,
		Policy:   corsproof.Outcome{Allowed: false, Reason: "AllowOriginMismatch", Preflight: true},
		Wire:     corsproof.Outcome{Allowed: true, Preflight: true},
		Browser:  corsproof.Outcome{Allowed: true, Preflight: true},
		Duration: time.Millisecond,
		Observation: &corsproof.Observation{
			Allowed: true, Status: 200,
			Preflight: &corsproof.Exchange{URL: api, Method: "OPTIONS",
				RequestHeaders: []corsproof.Header{{Name: "Origin", Value: origin}, {Name: "Access-Control-Request-Method", Value: "PUT"},
					{Name: "Access-Control-Request-Headers", Value: "x-request-id"}, {Name: "User-Agent", Value: "UA-preflight"}},
				Status: 204,
				ResponseHeaders: []corsproof.Header{{Name: "Access-Control-Allow-Origin", Value: origin},
					{Name: "Access-Control-Allow-Methods", Value: "PUT"}, {Name: "Access-Control-Allow-Headers", Value: "X-Request-Id"},
					{Name: "Server", Value: "preflight-server"}}},
			Actual: []corsproof.Exchange{{URL: api, Method: "PUT",
				RequestHeaders: []corsproof.Header{{Name: "Origin", Value: origin}, {Name: "X-Request-Id", Value: "1"}},
				Status:         200,
				ResponseHeaders: []corsproof.Header{{Name: "Access-Control-Allow-Origin", Value: origin},
					{Name: "Vary", Value: "Origin"}, {Name: "X-Total-Count", Value: "42"}}}},
		},
	}
}

// The failure's body holds the explanation, the cause with what to do, and
// the deciding exchange: the one the cause names, with its request line,
// status and CORS headers, and nothing else of the wire.
func TestJUnitFailureHoldsTheCauseAndTheDecidingExchange(t *testing.T) {
	echo := wireResult("put-evil", "https://evil.test")
	echo.Verdict, echo.Severity = corsproof.VerdictServerMismatch, corsproof.SeveritySecurity
	echo.Explanation = "security: https://evil.test could read PUT /api/items/1"
	echo.Cause = &corsproof.Cause{Kind: corsproof.CauseOriginAccepted, Exchange: "actual",
		Header: "Access-Control-Allow-Origin", Value: "https://evil.test", Sent: true, Subject: "echo"}

	unanswered := wireResult("put-unanswered", "https://app.example.test")
	unanswered.Verdict, unanswered.Severity = corsproof.VerdictServerMismatch, corsproof.SeverityBroken
	unanswered.Explanation = "broken: the preflight got 404"
	unanswered.Observation.Allowed, unanswered.Observation.Actual = false, nil
	unanswered.Observation.Preflight.Status = 404
	unanswered.Cause = &corsproof.Cause{Kind: corsproof.CausePreflightUnanswered, Exchange: "preflight", Subject: "status 404"}

	doc := parseJUnit(t, []corsproof.Run{{Engine: corsproof.Chromium, Version: "Chromium/1",
		Results: []corsproof.Result{echo, unanswered}}})
	s := doc.Suites[0]
	if s.Failures != 2 || len(s.Cases) != 2 {
		t.Fatalf("failures %d, cases %d; want 2, 2", s.Failures, len(s.Cases))
	}
	cases := map[string]*junitText{}
	for _, c := range s.Cases {
		if c.Failure == nil {
			t.Fatalf("case %s has no failure", c.Name)
		}
		cases[c.Name] = c.Failure
	}

	f := cases["put-evil"]
	if f.Message != echo.Explanation || f.Type != "server-mismatch (security)" {
		t.Errorf("failure message %q, type %q", f.Message, f.Type)
	}
	for _, w := range []string{
		echo.Explanation,
		"cause: " + echo.Cause.String(),
		"fix: " + echo.Cause.Advice(),
		"scenario: put-evil (put-evil title)",
		"page origin: https://evil.test",
		"fetch(): PUT /api/items/1?page=2 +X-Request-Id",
		"actual request:\n  PUT https://api.example.test/api/items/1?t=put-evil\n  Origin: https://evil.test\n  -> 200\n  Access-Control-Allow-Origin: https://evil.test\n  Vary: Origin",
	} {
		if !strings.Contains(f.Body, w) {
			t.Errorf("failure body lacks %q:\n%s", w, f.Body)
		}
	}
	// The cause is in the actual response: the preflight is no part of it,
	// and neither are the headers that are not CORS's.
	for _, bad := range []string{"OPTIONS", "preflight:", "X-Total-Count", "X-Request-Id: 1"} {
		if strings.Contains(f.Body, bad) {
			t.Errorf("failure body has %q:\n%s", bad, f.Body)
		}
	}

	f = cases["put-unanswered"]
	for _, w := range []string{
		"cause: " + unanswered.Cause.String(),
		"preflight:\n  OPTIONS https://api.example.test/api/items/1?t=put-unanswered\n  Origin: https://app.example.test\n" +
			"  Access-Control-Request-Method: PUT\n  Access-Control-Request-Headers: x-request-id\n  -> 404\n" +
			"  Access-Control-Allow-Origin: https://app.example.test\n  Access-Control-Allow-Methods: PUT\n  Access-Control-Allow-Headers: X-Request-Id",
	} {
		if !strings.Contains(f.Body, w) {
			t.Errorf("failure body lacks %q:\n%s", w, f.Body)
		}
	}
	for _, bad := range []string{"actual request:", "User-Agent", "preflight-server"} {
		if strings.Contains(f.Body, bad) {
			t.Errorf("failure body has %q:\n%s", bad, f.Body)
		}
	}
}

// An error's body says what failed too, and an engine without a wire says
// so rather than showing nothing.
func TestJUnitErrorAndUnseenWire(t *testing.T) {
	infra := corsproof.Result{Scenario: corsproof.Scenario{ID: "infra", Request: corsproof.Request{Path: "/api/items"}},
		Verdict: corsproof.VerdictError, Explanation: "the browser died", Err: "websocket: close 1006",
		Cause: &corsproof.Cause{Kind: corsproof.CauseError, Subject: "the browser died"}}
	unseen := wireResult("webkit-evil", "https://evil.test")
	unseen.Verdict, unseen.Severity, unseen.Explanation = corsproof.VerdictServerMismatch, corsproof.SeveritySecurity, "security: evil read it"
	unseen.Observation = &corsproof.Observation{Allowed: true, Unavailable: []string{"cors_error", "preflight", "actual", "blocked_cookies"}}
	doc := parseJUnit(t, []corsproof.Run{{Engine: corsproof.WebKit, Version: "WebKitGTK/1", Results: []corsproof.Result{infra, unseen}}})
	s := doc.Suites[0]
	if s.Errors != 1 || s.Failures != 1 || s.Cases[0].Error == nil || s.Cases[1].Failure == nil {
		t.Fatalf("errors %d, failures %d: %+v", s.Errors, s.Failures, s.Cases)
	}
	for _, w := range []string{"the browser died", "error: websocket: close 1006", "cause: " + infra.Cause.String()} {
		if !strings.Contains(s.Cases[0].Error.Body, w) {
			t.Errorf("error body lacks %q:\n%s", w, s.Cases[0].Error.Body)
		}
	}
	if b := s.Cases[1].Failure.Body; !strings.Contains(b, "preflight:\n  not observable in this engine") ||
		!strings.Contains(b, "actual request:\n  not observable in this engine") {
		t.Errorf("failure body of an engine without a wire:\n%s", b)
	}
}

// A scenario that tested nothing of the server and did not fail is
// skipped, with the reason; one that did fail, or whose request reached
// the server, is not.
func TestJUnitSkipsScenariosThatTestedNothingOfTheServer(t *testing.T) {
	noWire := []string{"cors_error", "preflight", "actual", "blocked_cookies"}
	mk := func(id string, v corsproof.Verdict, known bool, obs *corsproof.Observation) corsproof.Result {
		return corsproof.Result{Scenario: corsproof.Scenario{ID: id, Policy: "default", Request: corsproof.Request{Path: "/api/items"}},
			Verdict: v, Known: known, Explanation: id + " explained", Observation: obs}
	}
	// Chromium blocks an https page's fetch of plain http before sending:
	// no exchange on a wire it shows.
	mixedPass := mk("mixed-forbidden", corsproof.VerdictPass, false, &corsproof.Observation{NetError: "net::ERR_BLOCKED_BY_CLIENT"})
	// A preflight that got no response tested nothing either.
	noResponse := mk("no-response", corsproof.VerdictPass, false,
		&corsproof.Observation{Preflight: &corsproof.Exchange{Method: "OPTIONS", URL: "http://api.test/"}})
	// WebKit shows no wire; its model decided without sending anything.
	webkitMixed := mk("webkit-loopback", corsproof.VerdictBrowserDeviation, true, &corsproof.Observation{Unavailable: noWire})
	webkitMixed.WireDecision = &spec.Decision{Reason: spec.ReasonMixedContent, Deviations: []string{spec.DevMixedContentLoopback}}
	// Not skipped: WebKit blocked it after a preflight (the model needed
	// the server's answer, which WebKit does not show).
	webkitSent := mk("webkit-preflighted", corsproof.VerdictPass, false, &corsproof.Observation{Unavailable: noWire})
	webkitSent.WireDecision = &spec.Decision{Incomplete: true}
	webkitSent.PolicyDecision = &spec.Decision{Reason: spec.ReasonPreflightAllowOriginMismatch, Preflight: true,
		Sent: []spec.ServerRequest{{Preflight: true, Method: "OPTIONS", URL: "https://api.test/"}}}
	// Not skipped: the server answered, CORS kept the page from reading.
	answered := mk("answered", corsproof.VerdictPass, false, &corsproof.Observation{CorsError: "AllowOriginMismatch",
		Actual: []corsproof.Exchange{{Method: "GET", URL: "https://api.test/", Status: 200}}})
	// Not skipped: a fetch that resolved got a response.
	resolved := mk("resolved", corsproof.VerdictPass, false, &corsproof.Observation{Allowed: true, Status: 200})
	// Not skipped: the journal saw the request, whatever the events say.
	yes := true
	reached := mk("reached", corsproof.VerdictPass, false, &corsproof.Observation{})
	reached.ReachedServer = &yes
	// Not skipped: the engine says it may have missed events.
	missed := mk("missed", corsproof.VerdictPass, false, &corsproof.Observation{Notes: []string{"events did not arrive in time"}})
	// Not skipped: a failure stays a failure (the policy allows what no
	// browser sends).
	mixedBroken := mk("mixed-allowed", corsproof.VerdictServerMismatch, false, &corsproof.Observation{})
	mixedBroken.Severity = corsproof.SeverityBroken
	// Not skipped: no observation at all (it did not run).
	infra := mk("infra", corsproof.VerdictPass, false, nil)

	results := []corsproof.Result{mixedPass, noResponse, webkitMixed, webkitSent, answered, resolved, reached, missed, mixedBroken, infra}
	doc := parseJUnit(t, []corsproof.Run{{Engine: corsproof.Chromium, Results: results}})
	s := doc.Suites[0]
	want := map[string]bool{"mixed-forbidden": true, "no-response": true, "webkit-loopback": true}
	if s.Skipped != len(want) || s.Tests != len(results) || s.Failures != 1 {
		t.Errorf("tests/failures/skipped = %d/%d/%d, want %d/1/%d", s.Tests, s.Failures, s.Skipped, len(results), len(want))
	}
	for _, c := range s.Cases {
		if got := c.Skipped != nil; got != want[c.Name] {
			t.Errorf("case %s: skipped %t, want %t", c.Name, got, want[c.Name])
			continue
		}
		if c.Skipped != nil {
			if !strings.Contains(c.Skipped.Message, "no request") || !strings.Contains(c.Skipped.Message, c.Name+" explained") {
				t.Errorf("case %s: skip message %q lacks the reason", c.Name, c.Skipped.Message)
			}
			if c.Failure != nil || c.Error != nil {
				t.Errorf("case %s is skipped and failed", c.Name)
			}
		}
	}
}

// Test cases are grouped per endpoint, in each engine's suite.
func TestJUnitClassnameIsTheEndpoint(t *testing.T) {
	mk := func(id string, req corsproof.Request) corsproof.Result {
		return corsproof.Result{Scenario: corsproof.Scenario{ID: id, Policy: "default", Request: req},
			Verdict: corsproof.VerdictPass, Explanation: "as the policy says"}
	}
	results := []corsproof.Result{
		mk("get", corsproof.Request{Path: "/api/items?page=2"}),
		mk("get-again", corsproof.Request{Path: "/api/items", Method: "get"}),
		mk("put", corsproof.Request{Path: "/api/items/1", Method: "PUT", Headers: spec.Headers{{Name: "X-Foo", Value: "1"}}}),
		mk("other-api", corsproof.Request{API: "https://other.example.test/", Path: "/v1/x?y=1", Method: "DELETE"}),
	}
	want := map[string]string{
		"get":       "GET /api/items",
		"get-again": "GET /api/items",
		"put":       "PUT /api/items/1",
		"other-api": "DELETE https://other.example.test/v1/x",
	}
	runs := []corsproof.Run{{Engine: corsproof.Chromium, Results: results}, {Engine: corsproof.Firefox, Results: results}}
	doc := parseJUnit(t, runs)
	if len(doc.Suites) != 2 {
		t.Fatalf("%d suites, want 2", len(doc.Suites))
	}
	for i, s := range doc.Suites {
		for _, c := range s.Cases {
			if w := "corsproof." + string(runs[i].Engine) + "." + want[c.Name]; c.Classname != w {
				t.Errorf("suite %d, case %s: classname %q, want %q", i, c.Name, c.Classname, w)
			}
		}
	}
}
