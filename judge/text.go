package judge

import (
	"fmt"
	"strings"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/spec"
)

// mismatchText says first what the browser did and which header of which
// exchange made it so, then what the policy sends instead; the other CORS
// headers that differ follow only when the deciding one is not known.
func (j *judgement) mismatchText(sev corsproof.Severity, browser, pol corsproof.Outcome, c *corsproof.Cause) string {
	origin, req := j.in.Site.Origin, j.in.Scenario.Request
	var what string
	switch {
	case browser.Allowed && !pol.Allowed:
		what = fmt.Sprintf("%s could read %s, which the policy forbids", origin, req)
	case !browser.Allowed && c.Kind != corsproof.CauseAllowOriginMissing:
		what = fmt.Sprintf("%s could not read %s, which the policy allows (%s)", origin, req, describe(browser))
	case !browser.Allowed:
		what = fmt.Sprintf("%s could not read %s, which the policy allows", origin, req)
	case sev == corsproof.SeverityBroken:
		what = fmt.Sprintf("%s could not read %s, which the policy exposes", origin, strings.Join(minus(pol.Exposed, browser.Exposed), ", "))
	default:
		what = fmt.Sprintf("%s could read %s, which the policy does not expose", origin, strings.Join(minus(browser.Exposed, pol.Exposed), ", "))
	}
	return fmt.Sprintf("%s: %s: %s", sev, what, j.because(c))
}

// because names the header that decided, as sent and as the policy sends
// it.
func (j *judgement) because(c *corsproof.Cause) string {
	ex := "the response"
	if c.Exchange == "preflight" {
		ex = "the preflight response"
	}
	switch {
	case c.Header == "" && j.wireUnseen:
		return fmt.Sprintf("%s does not show the server's headers, so which of them is wrong is unknown here: "+
			"a run in chromium or `corsproof audit` shows them; the policy's %s has %s", j.in.Engine, j.exchange, headerList(j.policyHeaders))
	case c.Header == "":
		// No single header: the status or a redirect differs.
		return fmt.Sprintf("%s %s", ex, headerDiff(j.policyHeaders, j.wireHeaders))
	}
	want := j.policyHeadersOf(c.Exchange)
	policySays := "the policy sends " + headerPhrase(want, c.Header)
	if c.Unseen {
		return fmt.Sprintf("%s does not show the server's headers (a run in chromium or `corsproof audit` does); %s in %s",
			j.in.Engine, policySays, ex)
	}
	got := j.headersOf(c.Exchange)
	if c.Exchange == j.exchangeOf() {
		got = j.wireHeaders
	}
	return fmt.Sprintf("%s had %s, where %s", ex, headerPhrase(got, c.Header), policySays)
}

// policyHeadersOf are the CORS headers the policy answered on the named
// exchange for the last fetch.
func (j *judgement) policyHeadersOf(exchange string) spec.Headers {
	if exchange == j.exchangeOf() {
		return j.policyHeaders
	}
	var out spec.Headers
	if j.expected != nil {
		for _, a := range j.expected.answered {
			if a.req.Preflight == (exchange == "preflight") {
				out = corsOnly(a.resp.Headers)
			}
		}
	}
	return out
}

// headerPhrase is `Name: value` as hs has it, or "no Name".
func headerPhrase(hs spec.Headers, name string) string {
	v, ok := hs.Get(name)
	if !ok {
		return "no " + name
	}
	return name + ": " + v
}

func deviationText(engine corsproof.Engine, browser corsproof.Outcome, model spec.Decision) string {
	if browser.Allowed && !model.Allowed {
		return fmt.Sprintf("%s allowed it, but the Fetch standard blocks it given the headers it received: %s",
			engine, describe(outcomeOfDecision(model, nil)))
	}
	if !browser.Allowed && model.Allowed {
		return fmt.Sprintf("%s blocked it (%s), but the headers it received pass every Fetch standard check",
			engine, browser)
	}
	if !browser.Allowed {
		return fmt.Sprintf("%s blocked it for another reason (%s) than the Fetch standard gives (%s)",
			engine, browser, outcomeOfDecision(model, nil))
	}
	return fmt.Sprintf("%s exposed headers [%s], the Fetch standard exposes [%s]",
		engine, strings.Join(browser.Exposed, ", "), strings.Join(model.Exposed, ", "))
}

// knownDeviationText names the deviations that decided the outcome, with
// what they are and where they were seen.
func (j *judgement) knownDeviationText(o corsproof.Outcome, ids []string) string {
	var parts []string
	for _, id := range ids {
		if d, ok := j.in.Profile.Deviation(id); ok {
			parts = append(parts, fmt.Sprintf("%s: %s [%s; seen in %s]", d.ID, d.Summary, d.Rule, d.SeenIn))
		} else {
			parts = append(parts, id)
		}
	}
	return fmt.Sprintf("%s as the policy says, but only through a known %s deviation from the Fetch standard: %s",
		o, j.in.Engine, strings.Join(parts, "; "))
}

func passText(o corsproof.Outcome) string {
	if o.Allowed {
		return "allowed, as the policy says"
	}
	return fmt.Sprintf("%s, as the policy says", describe(o))
}

func allowsOrForbids(o corsproof.Outcome) string {
	if o.Allowed {
		return "allows"
	}
	return "forbids"
}

func sentOrSkipped(sent bool) string {
	if sent {
		return "sent"
	}
	return "skipped"
}

func sendOrSkip(send bool) string {
	if send {
		return "send one"
	}
	return "use the cached one"
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
	for _, name := range spec.CORSResponseHeaders {
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
func describe(o corsproof.Outcome) string {
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

// Describe says in words what an outcome is: "allowed", or why it is
// blocked ("blocked: the response has no Access-Control-Allow-Origin").
func Describe(o corsproof.Outcome) string { return describe(o) }
