package harness

import (
	"net/url"
	"strings"
	"testing"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/judge"
	"github.com/corsproof/corsproof/mockapi"
	"github.com/corsproof/corsproof/policy"
	"github.com/corsproof/corsproof/spec"
)

func oracleTarget() *MockTarget {
	return NewMockTarget(map[string]*policy.Policy{"default": policy.Default()}, mockapi.Fault{}, nil)
}

func TestMockOracleAnswersLikeTheConformingMock(t *testing.T) {
	m := oracleTarget()
	s := corsproof.Scenario{ID: "o", Policy: "default", Session: true}
	base := corsproof.MockAPIOrigin + "/p/default"
	tests := []struct {
		name         string
		req          spec.ServerRequest
		wantStatus   int
		wantLocation string
	}{
		{name: "a redirect keeps its status and Location",
			req:        spec.ServerRequest{Method: "GET", URL: base + "/api/redirect/307?to=" + url.QueryEscape(corsproof.MockAPI2Origin+"/x")},
			wantStatus: 307, wantLocation: corsproof.MockAPI2Origin + "/x"},
		{name: "the session endpoint without cookies is 401",
			req: spec.ServerRequest{Method: "GET", URL: base + "/api/me"}, wantStatus: 401},
		{name: "the session endpoint with the scenario's cookie is 200",
			req: spec.ServerRequest{Method: "GET", URL: base + "/api/me", Credentials: true}, wantStatus: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, ok := m.ServerResponse(s, tt.req)
			if !ok || resp.Status != tt.wantStatus {
				t.Fatalf("got %d ok=%v, want %d", resp.Status, ok, tt.wantStatus)
			}
			if loc, _ := resp.Headers.Get("Location"); loc != tt.wantLocation {
				t.Errorf("Location = %q, want %q", loc, tt.wantLocation)
			}
		})
	}
	if _, ok := m.ServerResponse(s, spec.ServerRequest{Method: "GET", URL: "https://elsewhere.test/api/items"}); ok {
		t.Error("a URL outside the policy's mount must stay unknown")
	}
	if n := m.Journal().Len(); n != 0 {
		t.Errorf("the oracle wrote %d entries into the run's journal", n)
	}
}

// An engine that sees no wire (WebKit) reports only "blocked". Without the
// oracle the policy side assumes a plain 200 and would blame the server;
// with it, the policy side follows the redirect to another origin like the
// browser did, where the Origin is null and the policy grants nothing.
func TestUnseenRedirectIsAnsweredByTheOracleNotAssumedAway(t *testing.T) {
	m := oracleTarget()
	s := corsproof.Scenario{ID: "o", Policy: "default", Site: "app"}
	url0 := corsproof.MockAPIOrigin + "/p/default/api/redirect/307?to=" +
		url.QueryEscape(corsproof.MockAPIOtherOrigin+"/p/default/api/items")
	obs := browser.Observation{Error: "TypeError: Load failed", Unavailable: []string{"cors_error", "preflight", "actual"}}
	p, pathOf, _ := m.Policy(s)
	oracle := func(sr spec.ServerRequest) (spec.Response, bool) { return m.ServerResponse(s, sr) }

	policySide := func(oracle spec.Server) spec.Decision {
		res := judge.Judge(judge.Input{
			Scenario: s, Site: corsproof.Site{Name: "app", Origin: corsproof.MockAppOrigin}, URL: url0,
			Fetches: []judge.Fetch{{Observation: obs}}, Policy: p, PathOf: pathOf,
			Engine: corsproof.Chromium, Profile: spec.Chromium, Oracle: oracle,
		})
		return *res.PolicyDecision
	}
	blind := policySide(nil)
	if !blind.Allowed {
		t.Fatalf("premise: without the oracle the policy side sees a 200 and allows (%s)", blind.Reason)
	}
	seeing := policySide(oracle)
	if seeing.Allowed || len(seeing.Sent) < 2 {
		t.Fatalf("with the oracle the redirect is followed and blocked; got allowed=%v after %d requests", seeing.Allowed, len(seeing.Sent))
	}
	if o, _ := seeing.Sent[len(seeing.Sent)-1].Headers.Get("Origin"); !strings.EqualFold(o, "null") {
		t.Errorf("the last hop's Origin = %q, want null", o)
	}
}
