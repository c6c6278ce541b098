package judge

import (
	"testing"
	"time"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/policy"
	"github.com/corsproof/corsproof/spec"
)

// These tests drive a repeated scenario's verdict with synthetic wire
// observations: the model shares a preflight cache across the repeats, so
// it knows when the browser should have skipped the preflight, and a wrong
// Access-Control-Max-Age is a server mismatch even when access agrees.

const putURL = "https://api.example.test/api/items/1?cp=t"

func cachePolicy(maxAge *int) *policy.Policy {
	return &policy.Policy{Rules: policy.Rules{Origins: []string{appOrigin}, Methods: []string{"PUT"}, MaxAge: maxAge}}
}

// putFetch is one PUT from app: with a preflight answered with maxAge
// ("" for none) or, when preflight is false, from the preflight cache.
func putFetch(at time.Time, preflight bool, maxAge string) Fetch {
	obs := corsproof.Observation{Allowed: true, Status: 200, Actual: []corsproof.Exchange{{
		URL: putURL, Method: "PUT", RequestHeaders: bh("Origin", appOrigin), Status: 200,
		ResponseHeaders: bh("Access-Control-Allow-Origin", appOrigin, "Vary", "Origin"),
	}}}
	if preflight {
		hs := bh("Access-Control-Allow-Origin", appOrigin, "Access-Control-Allow-Methods", "PUT", "Vary", "Origin")
		if maxAge != "" {
			hs = append(hs, bh("Access-Control-Max-Age", maxAge)...)
		}
		obs.Preflight = &corsproof.Exchange{URL: putURL, Method: "OPTIONS", Status: 204, ResponseHeaders: hs,
			RequestHeaders: bh("Origin", appOrigin, "Access-Control-Request-Method", "PUT")}
	}
	return Fetch{At: at, Observation: obs}
}

// repeatVerdict judges a repeated PUT's recorded fetches.
func repeatVerdict(t *testing.T, p *policy.Policy, hist []Fetch) corsproof.Result {
	t.Helper()
	return Judge(repeatInput(p, hist))
}

func repeatInput(p *policy.Policy, hist []Fetch) Input {
	req := corsproof.Request{Path: "/api/items/1", Method: "PUT"}
	return Input{
		Scenario: corsproof.Scenario{ID: "t", Site: "app", Request: req, Repeat: len(hist) - 1},
		Site:     corsproof.Site{Name: "app", Origin: appOrigin}, URL: putURL, Fetches: hist,
		Policy: p, PathOf: identityPath, Engine: corsproof.Chromium, Profile: spec.Chromium,
	}
}

func TestRepeatedFetchVerdicts(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	six := t0.Add(6 * time.Second)
	tests := []struct {
		name     string
		maxAge   *int
		hist     []Fetch
		verdict  corsproof.Verdict
		severity corsproof.Severity
	}{
		{name: "max-age 600 sent, the repeat uses the cached preflight: pass",
			maxAge: maxAgeP(600), hist: []Fetch{putFetch(t0, true, "600"), putFetch(t0.Add(time.Millisecond), false, "")},
			verdict: corsproof.VerdictPass},
		{name: "no max-age, repeat within 5 s uses the cache: pass",
			maxAge: nil, hist: []Fetch{putFetch(t0, true, ""), putFetch(t0.Add(time.Second), false, "")},
			verdict: corsproof.VerdictPass},
		{name: "max-age 0 sent, the repeat preflights again: pass",
			maxAge: maxAgeP(0), hist: []Fetch{putFetch(t0, true, "0"), putFetch(t0.Add(time.Millisecond), true, "0")},
			verdict: corsproof.VerdictPass},
		{name: "policy max-age 600, server sent none, the repeat after 6 s preflights again: broken",
			maxAge: maxAgeP(600), hist: []Fetch{putFetch(t0, true, ""), putFetch(six, true, "")},
			verdict: corsproof.VerdictServerMismatch, severity: corsproof.SeverityBroken},
		{name: "policy max-age 0, server sent none, the repeat skips the preflight: security",
			maxAge: maxAgeP(0), hist: []Fetch{putFetch(t0, true, ""), putFetch(t0.Add(time.Millisecond), false, "")},
			verdict: corsproof.VerdictServerMismatch, severity: corsproof.SeveritySecurity},
		{name: "max-age 600 sent, yet the browser preflights again at once: unknown browser deviation",
			maxAge: maxAgeP(600), hist: []Fetch{putFetch(t0, true, "600"), putFetch(t0.Add(time.Millisecond), true, "600")},
			verdict: corsproof.VerdictBrowserDeviation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := repeatVerdict(t, cachePolicy(tt.maxAge), tt.hist)
			if res.Verdict != tt.verdict || res.Severity != tt.severity || (tt.verdict == corsproof.VerdictBrowserDeviation && res.Known) {
				t.Fatalf("verdict = %s, want %s %s: %s", res.VerdictLabel(), tt.verdict, tt.severity, res.Explanation)
			}
			if res.Verdict == corsproof.VerdictPass && len(res.Diagnoses) > 0 {
				t.Errorf("a cached preflight must not make the wire check partial: %v", res.Diagnoses)
			}
		})
	}
}

// Without the shared cache the model would ask the wire for a preflight the
// browser never sent: the decision would be incomplete.
func TestRepeatsShareThePreflightCacheInTheModel(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	hist := []Fetch{putFetch(t0, true, "600"), putFetch(t0.Add(time.Millisecond), false, "")}
	j := newJudgement(repeatInput(cachePolicy(maxAgeP(600)), hist))
	pol, wire := j.policy, j.wire
	if wire.Incomplete || wire.Preflight || !wire.PreflightCached || !wire.Allowed {
		t.Errorf("wire decision: incomplete=%t preflight=%t cached=%t allowed=%t", wire.Incomplete, wire.Preflight, wire.PreflightCached, wire.Allowed)
	}
	if pol.Preflight || !pol.Allowed {
		t.Errorf("policy decision: preflight=%t allowed=%t", pol.Preflight, pol.Allowed)
	}
}

func maxAgeP(n int) *int { return &n }

// The observation holds the first preflight only: a redirect's second
// preflight, to another URL, must not be answered with the first one's
// headers (they name the page's origin, the second carries Origin: null).
func TestWireServerDoesNotReplayTheFirstPreflightForARedirectsSecond(t *testing.T) {
	first := putFetch(time.Time{}, true, "600").Observation
	srv := wireServer(first)
	if _, ok := srv(spec.ServerRequest{Preflight: true, Method: "OPTIONS", URL: putURL}); !ok {
		t.Fatal("the first preflight is not answered")
	}
	if _, ok := srv(spec.ServerRequest{Preflight: true, Method: "OPTIONS", URL: "https://api2.example.test/api/items/1"}); ok {
		t.Error("the redirect's preflight was answered with the first preflight's response")
	}
}
