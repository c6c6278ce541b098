package judge

import (
	"testing"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/spec"
)

// Each mismatch and deviation names its root cause, with the header and
// value that prove it; causes group results, so the same server bug must
// give the same Key whatever the origin.
func TestCauses(t *testing.T) {
	app := corsproof.Site{Name: "app", Origin: appOrigin}
	evil := corsproof.Site{Name: "evil", Origin: evilOrigin}
	null := corsproof.Site{Name: "null", Origin: "null"}
	get := corsproof.Request{Path: "/api/items"}
	put := corsproof.Request{Path: "/api/items", Method: "PUT", Headers: spec.Headers{{Name: "X-Request-Id", Value: "1"}}}
	actual := func(hs ...string) []corsproof.Exchange {
		return []corsproof.Exchange{{URL: itemsURL, Method: "GET", Status: 200, ResponseHeaders: bh(hs...)}}
	}
	preflight := func(status int, hs ...string) *corsproof.Exchange {
		return &corsproof.Exchange{URL: itemsURL, Method: "OPTIONS", Status: status,
			RequestHeaders:  bh("Origin", appOrigin, "Access-Control-Request-Method", "PUT", "Access-Control-Request-Headers", "x-request-id"),
			ResponseHeaders: bh(hs...)}
	}
	tests := []struct {
		name string
		site corsproof.Site
		req  corsproof.Request
		obs  corsproof.Observation
		want corsproof.Cause
	}{
		{"an echoed Origin", evil, get,
			corsproof.Observation{Allowed: true, Status: 200, Actual: actual("Access-Control-Allow-Origin", evilOrigin, "Vary", "Origin")},
			corsproof.Cause{Kind: corsproof.CauseOriginAccepted, Exchange: "actual", Header: "Access-Control-Allow-Origin", Value: evilOrigin, Sent: true, Subject: "echo"}},
		{"the null origin allowed", null, get,
			corsproof.Observation{Allowed: true, Status: 200, Actual: actual("Access-Control-Allow-Origin", "null", "Vary", "Origin")},
			corsproof.Cause{Kind: corsproof.CauseOriginAccepted, Exchange: "actual", Header: "Access-Control-Allow-Origin", Value: "null", Sent: true, Subject: "null"}},
		{"a wildcard for an origin the policy forbids", evil, get,
			corsproof.Observation{Allowed: true, Status: 200, Actual: actual("Access-Control-Allow-Origin", "*")},
			corsproof.Cause{Kind: corsproof.CauseOriginAccepted, Exchange: "actual", Header: "Access-Control-Allow-Origin", Value: "*", Sent: true, Subject: "wildcard"}},
		{"no Access-Control-Allow-Origin for an allowed origin", app, get,
			corsproof.Observation{CorsError: "MissingAllowOriginHeader", Actual: actual("X-Total-Count", "3")},
			corsproof.Cause{Kind: corsproof.CauseAllowOriginMissing, Exchange: "actual", Header: "Access-Control-Allow-Origin"}},
		{"a trailing slash", app, get,
			corsproof.Observation{CorsError: "AllowOriginMismatch", FailedParameter: appOrigin + "/", Actual: actual("Access-Control-Allow-Origin", appOrigin+"/")},
			corsproof.Cause{Kind: corsproof.CauseAllowOriginWrong, Exchange: "actual", Header: "Access-Control-Allow-Origin", Value: appOrigin + "/", Sent: true}},
		{"a preflight the router answers 404", app, put,
			corsproof.Observation{CorsError: "PreflightInvalidStatus", Preflight: preflight(404, "Access-Control-Allow-Origin", appOrigin)},
			corsproof.Cause{Kind: corsproof.CausePreflightUnanswered, Exchange: "preflight", Subject: "status 404"}},
		{"a request header missing from Access-Control-Allow-Headers", app, put,
			corsproof.Observation{CorsError: "HeaderDisallowedByPreflightResponse", FailedParameter: "x-request-id",
				Preflight: preflight(204, "Access-Control-Allow-Origin", appOrigin, "Access-Control-Allow-Methods", "GET, PUT")},
			corsproof.Cause{Kind: corsproof.CauseHeaderMissing, Exchange: "preflight", Header: "Access-Control-Allow-Headers", Subject: "x-request-id"}},
		{"an exposed header missing", app, get,
			corsproof.Observation{Allowed: true, Status: 200, Actual: actual("X-Total-Count", "3", "Access-Control-Allow-Origin", appOrigin, "Vary", "Origin")},
			corsproof.Cause{Kind: corsproof.CauseExposeMissing, Exchange: "actual", Header: "Access-Control-Expose-Headers", Subject: "x-total-count"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := verdictFor(t, tt.site, tt.req, tt.obs)
			if res.Verdict == corsproof.VerdictPass || res.Cause == nil {
				t.Fatalf("verdict %s, cause %v: %s", res.VerdictLabel(), res.Cause, res.Explanation)
			}
			if *res.Cause != tt.want {
				t.Errorf("cause = %+v\nwant    %+v", *res.Cause, tt.want)
			}
			if res.Cause.String() == "" || res.Cause.Advice() == "" {
				t.Errorf("cause %s has no line or no advice", res.Cause.Kind)
			}
		})
	}
}

// A deviation that applied but changed nothing is a note, not a verdict:
// Chromium caps a max-age of a day at two hours, and no single fetch's
// outcome depends on it.
func TestDeviationThatDoesNotDecideIsANote(t *testing.T) {
	app := corsproof.Site{Name: "app", Origin: appOrigin}
	put := corsproof.Request{Path: "/api/items", Method: "PUT"}
	obs := corsproof.Observation{Allowed: true, Status: 200,
		Preflight: &corsproof.Exchange{URL: itemsURL, Method: "OPTIONS", Status: 204,
			ResponseHeaders: bh("Access-Control-Allow-Origin", appOrigin, "Access-Control-Allow-Methods", "GET, PUT", "Access-Control-Max-Age", "86400")},
		Actual: []corsproof.Exchange{{URL: itemsURL, Method: "PUT", Status: 200,
			ResponseHeaders: bh("Access-Control-Allow-Origin", appOrigin, "Vary", "Origin")}}}
	res := verdictFor(t, app, put, obs)
	if res.Verdict != corsproof.VerdictPass {
		t.Fatalf("verdict %s: %s", res.VerdictLabel(), res.Explanation)
	}
	var applied, maxAge bool
	for _, n := range res.Notes {
		applied = applied || n.Kind == corsproof.CauseDeviationApplied && n.Subject == spec.DevMaxAgeCap
		maxAge = maxAge || n.Kind == corsproof.CauseMaxAgeDiffers && n.Value == "86400"
	}
	if !applied || !maxAge {
		t.Errorf("notes %+v lack the applied max-age cap or the max-age that differs from the policy's", res.Notes)
	}
}

// The wire shows a missing Vary: Origin on an Origin-dependent answer, as a
// note that leaves the pass a pass.
func TestMissingVaryIsANote(t *testing.T) {
	app := corsproof.Site{Name: "app", Origin: appOrigin}
	obs := corsproof.Observation{Allowed: true, Status: 200, Headers: bh("x-total-count", "3"),
		Actual: []corsproof.Exchange{{URL: itemsURL, Method: "GET", Status: 200,
			ResponseHeaders: bh("X-Total-Count", "3", "Access-Control-Allow-Origin", appOrigin, "Access-Control-Expose-Headers", "X-Total-Count")}}}
	res := verdictFor(t, app, corsproof.Request{Path: "/api/items"}, obs)
	if res.Verdict != corsproof.VerdictPass {
		t.Fatalf("verdict %s: %s", res.VerdictLabel(), res.Explanation)
	}
	if len(res.Notes) != 1 || res.Notes[0].Kind != corsproof.CauseVaryMissing {
		t.Errorf("notes = %+v, want one %s", res.Notes, corsproof.CauseVaryMissing)
	}
}
