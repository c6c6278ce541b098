package judge

import (
	"slices"
	"strings"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/spec"
)

func outcomeOfDecision(d spec.Decision, relevant []string) corsproof.Outcome {
	return corsproof.Outcome{
		Allowed:   d.Allowed,
		Reason:    string(d.Reason),
		Param:     d.FailedParameter,
		Exposed:   intersect(d.Exposed, relevant),
		Preflight: d.Preflight,
	}
}

func outcomeOfObservation(o corsproof.Observation, relevant []string) corsproof.Outcome {
	out := corsproof.Outcome{Allowed: o.Allowed, Reason: o.CorsError, Param: o.FailedParameter, Preflight: o.Preflight != nil}
	if !o.Allowed && out.Reason == "" && o.NetError != "" {
		out.Reason = o.NetError
	}
	if o.Allowed {
		var names []string
		for _, h := range o.Headers {
			names = append(names, strings.ToLower(h.Name))
		}
		out.Exposed = intersect(names, relevant)
	}
	return out
}

// intersect keeps the names of xs that are in relevant, lowercase, sorted
// and unique.
func intersect(xs, relevant []string) []string {
	set := map[string]bool{}
	for _, r := range relevant {
		set[strings.ToLower(r)] = true
	}
	var out []string
	for _, x := range xs {
		x = strings.ToLower(x)
		if set[x] && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	slices.Sort(out)
	return out
}

// sameOutcome compares the parts both sides know. A block reason is
// compared only when both sides give one.
func sameOutcome(a, b corsproof.Outcome) bool {
	if a.Allowed != b.Allowed {
		return false
	}
	if !a.Allowed {
		if netErrorMatch(a.Reason, b.Reason) || netErrorMatch(b.Reason, a.Reason) {
			return true
		}
		if a.Reason != "" && b.Reason != "" && (a.Reason != b.Reason || !strings.EqualFold(a.Param, b.Param)) {
			return false
		}
		return true
	}
	return slices.Equal(a.Exposed, b.Exposed)
}

// netErrorMatch: the browser reports some blocks as a plain network error
// (net::ERR_FAILED) with no CorsError, where the model names the Fetch
// standard's network error (a redirect with redirect mode "error", too
// many redirects, a bad Location). Both say the same thing.
func netErrorMatch(observed, model string) bool {
	if !strings.HasPrefix(observed, "net::") {
		return false
	}
	switch spec.Reason(model) {
	case spec.ReasonRedirectModeError, spec.ReasonTooManyRedirects, spec.ReasonInvalidRedirect:
		return true
	}
	return false
}

// sameAccess compares what the policy is about: may the page read the
// response, and which headers. Two different block reasons are both "blocked".
func sameAccess(a, b corsproof.Outcome) bool {
	if a.Allowed != b.Allowed {
		return false
	}
	return !a.Allowed || slices.Equal(a.Exposed, b.Exposed)
}

func severity(browser, pol corsproof.Outcome) corsproof.Severity {
	if browser.Allowed && !pol.Allowed {
		return corsproof.SeveritySecurity
	}
	if !browser.Allowed && pol.Allowed {
		return corsproof.SeverityBroken
	}
	extra := minus(browser.Exposed, pol.Exposed)
	if len(extra) == 0 {
		return corsproof.SeverityBroken
	}
	if len(sensitive(extra)) == 0 {
		return corsproof.SeverityInfo
	}
	return corsproof.SeveritySecurity
}

// innocuous are response headers that carry no data of the API: readable
// or not, a page learns nothing it could not learn otherwise.
var innocuous = map[string]bool{
	"date": true, "connection": true, "keep-alive": true, "vary": true, "server": true,
	"transfer-encoding": true, "age": true, "accept-ranges": true, "via": true, "alt-svc": true,
	"strict-transport-security": true, "x-content-type-options": true, "x-frame-options": true,
	"referrer-policy": true, "content-encoding": true, "cache-control": true, "pragma": true, "expires": true,
}

// sensitive keeps the header names that may carry data.
func sensitive(names []string) []string {
	var out []string
	for _, n := range names {
		if !innocuous[strings.ToLower(n)] {
			out = append(out, n)
		}
	}
	return out
}

func minus(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}
