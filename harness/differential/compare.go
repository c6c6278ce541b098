package differential

import (
	"fmt"
	"slices"
	"strings"

	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/spec"
)

// Outcome is the part of a fetch both the model and the browser report.
type Outcome struct {
	Allowed bool
	Reason  string // Chromium's CorsError name, when blocked
	Param   string // its failed parameter
	// Preflight: an OPTIONS request went out.
	Preflight bool
	// Exposed are the response header names script could read, among those
	// the case's actual response sends; lowercase, sorted.
	Exposed []string
}

func (o Outcome) String() string {
	var s string
	switch {
	case o.Allowed:
		s = fmt.Sprintf("allowed, readable [%s]", strings.Join(o.Exposed, ", "))
	case o.Param != "":
		s = fmt.Sprintf("blocked: %s %s", o.Reason, o.Param)
	default:
		s = "blocked: " + o.Reason
	}
	if o.Preflight {
		s += " (preflighted)"
	}
	return s
}

// Equal compares outcomes; failed parameters compare case-insensitively
// (Chromium reports header names as the page wrote them in some versions).
func (o Outcome) Equal(p Outcome) bool {
	return o.Allowed == p.Allowed && o.Reason == p.Reason && strings.EqualFold(o.Param, p.Param) &&
		o.Preflight == p.Preflight && slices.Equal(o.Exposed, p.Exposed)
}

// ModelOutcome is a decision seen through the case's response headers.
func ModelOutcome(c Case, d spec.Decision) Outcome {
	o := Outcome{Allowed: d.Allowed, Reason: string(d.Reason), Param: d.FailedParameter, Preflight: d.Preflight}
	if d.Allowed {
		o.Exposed = sent(c, d.Exposed)
	}
	return o
}

// BrowserOutcome is an observation seen through the case's response headers.
func BrowserOutcome(c Case, obs browser.Observation) Outcome {
	o := Outcome{Allowed: obs.Allowed, Reason: obs.CorsError, Param: obs.FailedParameter, Preflight: obs.Preflight != nil}
	// A preflight block reason proves a preflight went out even when the
	// engine's capture of the OPTIONS exchange came up empty (it sometimes
	// does for a preflight that fails its CORS check; see PreflightUncaptured).
	o.Preflight = o.Preflight || isPreflightReason(o.Reason)
	if !obs.Allowed && o.Reason == "" {
		o.Reason = obs.NetError
		if o.Reason == "" {
			o.Reason = obs.Error
		}
	}
	if obs.Allowed {
		var names []string
		for _, x := range obs.Headers {
			names = append(names, x.Name)
		}
		o.Exposed = sent(c, names)
	}
	return o
}

// sent keeps the names among the headers the case's actual response sends,
// lowercased, unique and sorted: net/http adds Content-Length, which the
// model was not told about.
func sent(c Case, names []string) []string {
	out := []string{}
	for _, n := range names {
		n = strings.ToLower(n)
		if c.Actual.Headers.Has(n) && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

// Verdict is the comparison of one case.
type Verdict struct {
	Model, Standard, Browser Outcome
	// Known lists the Chromium profile's deviations that explain why the
	// browser departs from the standard here.
	Known []string
	// Problem is empty when the case is fine, else what is wrong.
	Problem string
}

// Judge compares the browser with the model. The browser must agree with
// the Chromium profile. Where it departs from the standard, the Chromium
// decision must name the deviation that explains it: a profile that agrees
// with the browser by accident is a finding too.
func Judge(c Case, chromium, standard spec.Decision, obs browser.Observation) Verdict {
	v := Verdict{Model: ModelOutcome(c, chromium), Standard: ModelOutcome(c, standard), Browser: BrowserOutcome(c, obs)}
	switch {
	case !v.Model.Equal(v.Browser) && otherDisallowedHeader(c, chromium, v.Model, v.Browser):
		v.Known = []string{spec.DevDisallowedHeaderOrder}
	case !v.Model.Equal(v.Browser):
		v.Problem = "the model (chromium profile) and Chromium disagree"
	case !v.Standard.Equal(v.Browser) && len(chromium.Deviations) == 0:
		v.Problem = "Chromium departs from the Fetch standard but the chromium profile names no deviation"
	case !v.Standard.Equal(v.Browser):
		v.Known = chromium.Deviations
	}
	return v
}

// Report is the failure message for a case: enough to replay and to judge.
func (v Verdict) Report(seed uint64, c Case, url string) string {
	return fmt.Sprintf("seed %d case %d: %s\n    %s\n    url: %s\n    model (chromium): %s\n    model (standard): %s\n    Chromium:         %s\n    replay: CORSPROOF_DIFF_SEED=%d go test ./harness/differential/",
		seed, c.Index, v.Problem, c, url, v.Model, v.Standard, v.Browser, seed)
}

// otherDisallowedHeader: both block with HeaderDisallowedByPreflightResponse
// but name different headers, and the model confirms that the header the
// browser named is disallowed by the preflight response too. Chromium picks
// among several in hash order (spec.DevDisallowedHeaderOrder).
func otherDisallowedHeader(c Case, d spec.Decision, model, browser Outcome) bool {
	const r = string(spec.ReasonHeaderDisallowedByPreflightResponse)
	if _, listed := spec.Chromium.Deviation(spec.DevDisallowedHeaderOrder); !listed ||
		model.Reason != r || browser.Reason != r || model.Preflight != browser.Preflight || browser.Param == "" {
		return false
	}
	name := strings.ToLower(browser.Param)
	if !slices.Contains(strings.Split(d.RequestHeaders, ","), name) {
		return false // not even a header the preflight asked for
	}
	alone := spec.ValidatePreflightResponse(c.Preflight, spec.PreflightInput{
		Origin: c.Origin, Method: d.RequestMethod, UnsafeNames: []string{name}, Credentials: c.Credentials,
	}, spec.Chromium)
	return alone.Reason == spec.ReasonHeaderDisallowedByPreflightResponse && alone.FailedParameter == name
}

// isPreflightReason: Chromium reports this CorsError only about a preflight
// response.
func isPreflightReason(r string) bool {
	return strings.HasPrefix(r, "Preflight") || strings.HasSuffix(r, "PreflightResponse")
}

// PreflightUncaptured: the browser blocked for a preflight reason but the
// observation holds no preflight exchange.
func PreflightUncaptured(obs browser.Observation) bool {
	return !obs.Allowed && obs.Preflight == nil && isPreflightReason(obs.CorsError)
}
