package harness

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/spec"
)

// judgement is the input of judge: the three sources a verdict weighs.
type judgement struct {
	site     Site
	req      Request
	policy   spec.Decision // the policy's answers through the model (browser profile)
	wire     spec.Decision // the wire's answers through the model (browser profile)
	obs      browser.Observation
	relevant []string
	// policyHeaders and wireHeaders are the CORS headers of the exchange
	// that decided: what the policy says and what the server sent.
	policyHeaders, wireHeaders spec.Headers
	// wireUnseen: the engine cannot show the deciding exchange, so
	// wireHeaders are unknown (not empty).
	wireUnseen bool
	exchange   string // "preflight" or "response"
	// intent is the policy's answer with mixed content set aside, when the
	// model blocked the fetch as mixed content (nil otherwise).
	intent      *spec.Decision
	browserName string
	profile     spec.Profile
}

// judge fills the verdict of r. The order matters: an unexplained browser
// behaviour makes any statement about the server unsafe, so it comes first;
// a server mismatch outranks a known deviation.
func judge(r *Result, j judgement) {
	r.Expected = outcomeOfDecision(j.policy, j.relevant)
	r.Model = outcomeOfDecision(j.wire, j.relevant)
	r.Observed = outcomeOfObservation(j.obs, j.relevant)

	switch {
	case j.wire.Reason == spec.ReasonMixedContent && j.intent != nil:
		judgeMixedContent(r, j)
	case !j.wire.Incomplete && !sameOutcome(r.Observed, r.Model) && !headerOrderOnly(r.Observed, r.Model, j.profile):
		r.Verdict = VerdictBrowserDeviation
		r.Explanation = deviationText(j.browserName, r.Observed, j.wire)
	case !sameAccess(r.Observed, r.Expected):
		r.Verdict = VerdictServerMismatch
		r.Severity = severity(r.Observed, r.Expected)
		r.Explanation = mismatchText(r.Severity, j, r.Observed, r.Expected)
	case len(j.wire.Deviations) > 0:
		r.Verdict = VerdictBrowserDeviation
		r.Known = true
		r.Explanation = knownDeviationText(r.Observed, j, j.wire.Deviations)
	case j.wire.Incomplete && slices.Contains(j.obs.Unavailable, "actual") && len(j.policy.Deviations) > 0:
		// No wire to go by (WebKit): the policy's own answers reach this
		// outcome only through a deviation, so say so rather than pass.
		r.Verdict = VerdictBrowserDeviation
		r.Known = true
		r.Explanation = knownDeviationText(r.Observed, j, j.policy.Deviations) +
			fmt.Sprintf(" (%s shows no wire: this is how the policy's answers fare in it)", j.browserName)
	default:
		r.Verdict = VerdictPass
		r.Explanation = passText(r.Observed, j)
	}
	if j.wire.Incomplete && r.Verdict == VerdictPass {
		r.Diagnoses = append(r.Diagnoses, "the browser did not send a request the model expected (a preflight served from its cache?): the wire check was partial")
	}
}

// judgeMixedContent judges a fetch the model blocks as mixed content: an
// https page's fetch of a plain-http URL, which never reaches the server, so
// the server's CORS headers are not what decided. Expected is the policy's
// answer had the browser sent it.
func judgeMixedContent(r *Result, j judgement) {
	r.Expected = outcomeOfDecision(*j.intent, j.relevant)
	target := j.wire.URL
	if u, err := url.Parse(target); err == nil {
		target = u.Scheme + "://" + u.Host
	}
	sent := j.obs.Preflight != nil || len(j.obs.Actual) > 0
	loopback := slices.Contains(j.wire.Deviations, spec.DevMixedContentLoopback)
	switch {
	case r.Observed.Allowed || sent:
		r.Verdict = VerdictBrowserDeviation
		r.Explanation = fmt.Sprintf("%s sent it (%s), but an https page's fetch of %s is mixed content, which the standard blocks before anything is sent",
			j.browserName, r.Observed, target)
	case loopback:
		d, _ := j.profile.Deviation(spec.DevMixedContentLoopback)
		r.Verdict, r.Known = VerdictBrowserDeviation, true
		r.Explanation = fmt.Sprintf("blocked before it was sent: %s treats an https page's fetch of %s as mixed content (known deviation %s: %s [seen in %s]); "+
			"the policy %s it, and the server's CORS headers were not tested in %s: give an https target to test them there",
			j.browserName, target, d.ID, d.Summary, d.SeenIn, allowsOrForbids(r.Expected), j.browserName)
	case r.Expected.Allowed:
		r.Verdict, r.Severity = VerdictServerMismatch, SeverityBroken
		r.Explanation = fmt.Sprintf("broken: the policy allows %s to read %s, but no browser lets an https page fetch %s: it is mixed content, blocked before it is sent; serve the API over https",
			j.site.Origin, j.req, target)
	default:
		r.Verdict = VerdictPass
		r.Explanation = fmt.Sprintf("blocked before it was sent: an https page's fetch of %s is mixed content, and the policy forbids it anyway", target)
		r.Diagnoses = append(r.Diagnoses, "the server's CORS headers were not tested: the browser never sent this request (mixed content)")
	}
}

func allowsOrForbids(o Outcome) string {
	if o.Allowed {
		return "allows"
	}
	return "forbids"
}

// headerOrderOnly: both blocked for a disallowed request header, naming
// different headers, in a browser known to pick among several disallowed
// headers in its own order (spec.DevDisallowedHeaderOrder). Both headers
// must be unsafe for the request for that to hold; the model checked its own.
func headerOrderOnly(observed, model Outcome, p spec.Profile) bool {
	hd := string(spec.ReasonHeaderDisallowedByPreflightResponse)
	if observed.Allowed || observed.Reason != hd || model.Reason != hd {
		return false
	}
	_, listed := p.Deviation(spec.DevDisallowedHeaderOrder)
	return listed
}

// sameAccess compares what the policy is about: may the page read the
// response, and which headers. Two different block reasons are both "blocked".
func sameAccess(a, b Outcome) bool {
	if a.Allowed != b.Allowed {
		return false
	}
	return !a.Allowed || strings.Join(a.Exposed, ",") == strings.Join(b.Exposed, ",")
}

func severity(observed, expected Outcome) Severity {
	if observed.Allowed && !expected.Allowed {
		return SeveritySecurity
	}
	if !observed.Allowed && expected.Allowed {
		return SeverityBroken
	}
	for _, h := range observed.Exposed {
		if !contains(expected.Exposed, h) {
			return SeveritySecurity
		}
	}
	return SeverityBroken
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func mismatchText(sev Severity, j judgement, observed, expected Outcome) string {
	diff := headerDiff(j.policyHeaders, j.wireHeaders)
	where := fmt.Sprintf("the server's %s", j.exchange)
	if j.wireUnseen {
		where = fmt.Sprintf("%s does not show the server's headers, so which of them is wrong is unknown here: "+
			"a run in chromium or `corsproof audit` shows them; the policy's %s has", j.browserName, j.exchange)
		diff = headerList(j.policyHeaders)
	}
	switch {
	case sev == SeveritySecurity && observed.Allowed && !expected.Allowed:
		return fmt.Sprintf("security: %s could read %s although the policy forbids it (%s); %s %s",
			j.site.Origin, j.req, describe(expected), where, diff)
	case sev == SeverityBroken && !observed.Allowed:
		return fmt.Sprintf("broken: %s although the policy allows %s to read %s; %s %s",
			describe(observed), j.site.Origin, j.req, where, diff)
	case sev == SeveritySecurity:
		return fmt.Sprintf("security: %s could read headers the policy does not expose (%s); %s %s",
			j.site.Origin, strings.Join(minus(observed.Exposed, expected.Exposed), ", "), where, diff)
	default:
		return fmt.Sprintf("broken: %s could not read headers the policy exposes (%s); %s %s",
			j.site.Origin, strings.Join(minus(expected.Exposed, observed.Exposed), ", "), where, diff)
	}
}

func minus(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

func deviationText(browserName string, observed Outcome, model spec.Decision) string {
	if observed.Allowed && !model.Allowed {
		return fmt.Sprintf("%s allowed it, but the Fetch standard blocks it given the headers it received: %s",
			browserName, describe(outcomeOfDecision(model, nil)))
	}
	if !observed.Allowed && model.Allowed {
		return fmt.Sprintf("%s blocked it (%s), but the headers it received pass every Fetch standard check",
			browserName, observed)
	}
	if !observed.Allowed {
		return fmt.Sprintf("%s blocked it for another reason (%s) than the Fetch standard gives (%s)",
			browserName, observed, outcomeOfDecision(model, nil))
	}
	return fmt.Sprintf("%s exposed headers [%s], the Fetch standard exposes [%s]",
		browserName, strings.Join(observed.Exposed, ", "), strings.Join(model.Exposed, ", "))
}

// knownDeviationText names the deviations that decided the outcome, with
// what they are and where they were seen.
func knownDeviationText(o Outcome, j judgement, ids []string) string {
	var parts []string
	for _, id := range ids {
		if d, ok := j.profile.Deviation(id); ok {
			parts = append(parts, fmt.Sprintf("%s: %s [%s; seen in %s]", d.ID, d.Summary, d.Rule, d.SeenIn))
		} else {
			parts = append(parts, id)
		}
	}
	return fmt.Sprintf("%s as the policy says, but only through a known %s deviation from the Fetch standard: %s",
		o, j.browserName, strings.Join(parts, "; "))
}

func passText(o Outcome, j judgement) string {
	if o.Allowed {
		return "allowed, as the policy says"
	}
	return fmt.Sprintf("%s, as the policy says", describe(o))
}

// headerList lists CORS headers as "Name: value; ...", or "no CORS headers".
func headerList(hs spec.Headers) string {
	var parts []string
	for _, h := range hs {
		parts = append(parts, h.Name+": "+h.Value)
	}
	if len(parts) == 0 {
		return "no CORS headers"
	}
	return strings.Join(parts, "; ")
}

// headerDiff names the CORS headers whose values differ.
func headerDiff(want, got spec.Headers) string {
	var parts []string
	for _, name := range corsResponseHeaders {
		w, wok := want.Get(name)
		g, gok := got.Get(name)
		switch {
		case wok == gok && w == g:
		case !gok:
			parts = append(parts, fmt.Sprintf("lacks %s (the policy says %q)", name, w))
		case !wok:
			parts = append(parts, fmt.Sprintf("sent %s: %s (the policy sends none)", name, g))
		default:
			parts = append(parts, fmt.Sprintf("sent %s: %s (the policy says %q)", name, g, w))
		}
	}
	if len(parts) == 0 {
		return "had the policy's CORS headers (the status or a redirect differs)"
	}
	return strings.Join(parts, "; ")
}

// describe says in words why an outcome is blocked, after Chromium's
// CorsError names.
func describe(o Outcome) string {
	if o.Allowed {
		return "allowed"
	}
	p := o.Param
	switch spec.Reason(o.Reason) {
	case spec.ReasonMissingAllowOriginHeader:
		return "blocked: the response has no Access-Control-Allow-Origin"
	case spec.ReasonPreflightMissingAllowOriginHeader:
		return "blocked: the preflight response has no Access-Control-Allow-Origin"
	case spec.ReasonWildcardOriginNotAllowed, spec.ReasonPreflightWildcardOriginNotAllowed:
		return "blocked: Access-Control-Allow-Origin is * on a credentialed request"
	case spec.ReasonAllowOriginMismatch, spec.ReasonPreflightAllowOriginMismatch:
		return "blocked: Access-Control-Allow-Origin names another origin"
	case spec.ReasonMultipleAllowOriginValues, spec.ReasonPreflightMultipleAllowOriginValues:
		return "blocked: Access-Control-Allow-Origin has several values"
	case spec.ReasonInvalidAllowOriginValue, spec.ReasonPreflightInvalidAllowOriginValue:
		return "blocked: Access-Control-Allow-Origin is not a valid origin"
	case spec.ReasonInvalidAllowCredentials, spec.ReasonPreflightInvalidAllowCredentials:
		return "blocked: Access-Control-Allow-Credentials is not exactly \"true\""
	case spec.ReasonPreflightInvalidStatus:
		return "blocked: the preflight's status is not 2xx"
	case spec.ReasonPreflightDisallowedRedirect:
		return "blocked: the preflight was redirected"
	case spec.ReasonMethodDisallowedByPreflightResponse:
		return fmt.Sprintf("blocked: the preflight response's Access-Control-Allow-Methods lacks %s", p)
	case spec.ReasonHeaderDisallowedByPreflightResponse:
		return fmt.Sprintf("blocked: the preflight response's Access-Control-Allow-Headers lacks %s", p)
	case spec.ReasonInvalidAllowMethodsPreflightResponse:
		return "blocked: Access-Control-Allow-Methods is not a valid list"
	case spec.ReasonInvalidAllowHeadersPreflightResponse:
		return "blocked: Access-Control-Allow-Headers is not a valid list"
	case "":
		return "blocked"
	}
	if p != "" {
		return fmt.Sprintf("blocked: %s %s", o.Reason, p)
	}
	return "blocked: " + o.Reason
}
