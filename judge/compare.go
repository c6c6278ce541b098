package judge

import (
	"slices"
	"strings"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/spec"
)

// Replay is what ReasonDeviation needs to re-run the model's preflight
// checks: the preflight response the server sent, and the request's origin
// and credentials mode.
type Replay struct {
	Preflight   spec.Response
	Origin      string
	Credentials spec.CredentialsMode
}

// ReasonDeviation reports whether the browser's block differs from the
// model's only in the reason, in a way the engine's profile lists and
// predicts: the deviations that change why a fetch is blocked, never
// whether. It returns the deviation's id. d is the model's decision (its
// preflight's request method and headers); model and browser are the
// outcomes compared. The judge and the differential test of the model both
// tolerate exactly these.
func ReasonDeviation(p spec.Profile, r Replay, d spec.Decision, model, browser corsproof.Outcome) (string, bool) {
	for _, dev := range []struct {
		id      string
		applies func(spec.Profile, Replay, spec.Decision, corsproof.Outcome, corsproof.Outcome) bool
	}{
		{spec.DevDisallowedHeaderOrder, otherDisallowedHeader},
		{spec.DevPreflightRedirectChecked, redirectedPreflightChecked},
		{spec.DevPreflightMethodBeforeHeaders, methodCheckedFirst},
	} {
		if _, listed := p.Deviation(dev.id); listed && dev.applies(p, r, d, model, browser) {
			return dev.id, true
		}
	}
	return "", false
}

// otherDisallowedHeader: both block with HeaderDisallowedByPreflightResponse
// but name different headers (Chromium picks among several in hash order),
// and the model confirms that the header the browser named is disallowed by
// the preflight response too.
func otherDisallowedHeader(p spec.Profile, r Replay, d spec.Decision, model, browser corsproof.Outcome) bool {
	const hd = string(spec.ReasonHeaderDisallowedByPreflightResponse)
	if model.Reason != hd || browser.Reason != hd || model.Preflight != browser.Preflight || browser.Param == "" {
		return false
	}
	name := strings.ToLower(browser.Param)
	if !slices.Contains(strings.Split(d.RequestHeaders, ","), name) {
		return false // not even a header the preflight asked for
	}
	alone := spec.ValidatePreflightResponse(r.Preflight, spec.PreflightInput{
		Origin: r.Origin, Method: d.RequestMethod, UnsafeNames: []string{name}, Credentials: r.Credentials,
	}, p)
	return alone.Reason == spec.ReasonHeaderDisallowedByPreflightResponse && alone.FailedParameter == name
}

// redirectedPreflightChecked: the model blocks a preflight answered with a
// redirect (PreflightDisallowedRedirect), and the browser reports what that
// engine does instead: the failure of the CORS check on the redirect
// response (Preflight-prefixed), or InvalidRedirect when that check passes.
// Blocked either way; only the reason differs, and it must be the predicted
// one.
func redirectedPreflightChecked(_ spec.Profile, r Replay, _ spec.Decision, model, browser corsproof.Outcome) bool {
	if model.Reason != string(spec.ReasonPreflightDisallowedRedirect) || browser.Allowed || !browser.Preflight || !model.Preflight {
		return false
	}
	want := spec.ReasonInvalidRedirect
	if reason, _ := spec.CORSCheck(r.Preflight, r.Origin, r.Credentials); reason != spec.ReasonNone {
		want = spec.PreflightReason(reason)
	}
	return browser.Reason == string(want)
}

// methodCheckedFirst: the model blocks for an unparsable
// Access-Control-Allow-Headers, and the browser reports the method that
// Access-Control-Allow-Methods does not allow, which it checks before it
// parses the headers list. The method must be the one the preflight
// response, without its Access-Control-Allow-Headers, refuses.
func methodCheckedFirst(p spec.Profile, r Replay, d spec.Decision, model, browser corsproof.Outcome) bool {
	if model.Reason != string(spec.ReasonInvalidAllowHeadersPreflightResponse) ||
		browser.Reason != string(spec.ReasonMethodDisallowedByPreflightResponse) || !browser.Preflight || !model.Preflight {
		return false
	}
	resp := spec.Response{Status: r.Preflight.Status}
	for _, x := range r.Preflight.Headers {
		if !strings.EqualFold(x.Name, spec.HeaderAllowHeaders) {
			resp.Headers = append(resp.Headers, x)
		}
	}
	alone := spec.ValidatePreflightResponse(resp, spec.PreflightInput{
		Origin: r.Origin, Method: d.RequestMethod, Credentials: r.Credentials,
	}, p)
	return alone.Reason == spec.ReasonMethodDisallowedByPreflightResponse && strings.EqualFold(alone.FailedParameter, browser.Param)
}
