package judge

import (
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/spec"
)

// exchangeOf names the deciding exchange as a Cause does.
func (j *judgement) exchangeOf() string {
	if strings.HasPrefix(j.exchange, "preflight") {
		return "preflight"
	}
	return "actual"
}

// proof is a cause about header name on the deciding exchange, with what
// the server sent in it (unknown when the engine shows no wire).
func (j *judgement) proof(kind corsproof.CauseKind, exchange, name, subject string) *corsproof.Cause {
	c := &corsproof.Cause{Kind: kind, Exchange: exchange, Header: name, Subject: subject}
	if j.wireUnseen {
		c.Unseen = true
		return c
	}
	hs := j.wireHeaders
	if exchange != j.exchangeOf() {
		hs = j.headersOf(exchange)
	}
	c.Value, c.Sent = hs.Get(name)
	return c
}

// headersOf are the CORS headers the server sent on the named exchange.
func (j *judgement) headersOf(exchange string) spec.Headers {
	if exchange == "preflight" {
		if j.obs.Preflight == nil {
			return nil
		}
		return corsOnly(specHeaders(j.obs.Preflight.ResponseHeaders))
	}
	if len(j.obs.Actual) == 0 {
		return nil
	}
	return corsOnly(specHeaders(j.obs.Actual[len(j.obs.Actual)-1].ResponseHeaders))
}

// exchangeOfReason is the exchange a block reason is about.
func exchangeOfReason(r spec.Reason) string {
	if isPreflightReason(string(r)) {
		return "preflight"
	}
	return "actual"
}

// serverSawOrigin is the Origin the server got on the exchange (after a
// cross-origin redirect it is "null"), or the page's origin when the
// engine does not show it.
func (j *judgement) serverSawOrigin(exchange string) string {
	var x *corsproof.Exchange
	switch {
	case exchange == "preflight" && j.obs.Preflight != nil:
		x = j.obs.Preflight
	case exchange == "actual" && len(j.obs.Actual) > 0:
		x = &j.obs.Actual[len(j.obs.Actual)-1]
	}
	if x != nil {
		if o, ok := corsproof.HeaderValue(x.RequestHeaders, spec.HeaderOrigin); ok {
			return o
		}
	}
	return j.req.Origin
}

// securityCause: the browser read what the policy forbids. The policy's own
// reason for blocking names the header the server got wrong.
func (j *judgement) securityCause(browser, pol corsproof.Outcome) *corsproof.Cause {
	if browser.Allowed && pol.Allowed {
		extra := minus(browser.Exposed, pol.Exposed)
		if s := sensitive(extra); len(s) > 0 {
			extra = s // the ones that matter name the cause
		}
		return j.proof(corsproof.CauseHeaderExposed, "actual", spec.HeaderExposeHeaders, strings.Join(extra, ", "))
	}
	r := spec.Reason(pol.Reason)
	ex := exchangeOfReason(r)
	switch r {
	case spec.ReasonMissingAllowOriginHeader, spec.ReasonPreflightMissingAllowOriginHeader,
		spec.ReasonAllowOriginMismatch, spec.ReasonPreflightAllowOriginMismatch,
		spec.ReasonMultipleAllowOriginValues, spec.ReasonPreflightMultipleAllowOriginValues,
		spec.ReasonInvalidAllowOriginValue, spec.ReasonPreflightInvalidAllowOriginValue,
		spec.ReasonWildcardOriginNotAllowed, spec.ReasonPreflightWildcardOriginNotAllowed:
		if ex == "preflight" && (j.obs.Preflight == nil || j.obs.Preflight.Status == 0) && len(j.obs.Actual) > 0 {
			ex = "actual" // no preflight on the wire (cached): the response let it through
		}
		c := j.proof(corsproof.CauseOriginAccepted, ex, spec.HeaderAllowOrigin, "")
		origin := j.serverSawOrigin(ex)
		switch {
		case c.Unseen:
			c.Subject = "value"
		case origin == "null" && c.Value == "null":
			c.Subject = "null"
		case c.Value == origin:
			c.Subject = "echo"
		case c.Value == "*":
			c.Subject = "wildcard"
		default:
			c.Subject = "value"
		}
		return c
	case spec.ReasonInvalidAllowCredentials, spec.ReasonPreflightInvalidAllowCredentials:
		return j.proof(corsproof.CauseCredentialsAccepted, ex, spec.HeaderAllowCredentials, "")
	case spec.ReasonMethodDisallowedByPreflightResponse:
		return j.proof(corsproof.CauseMethodAccepted, "preflight", spec.HeaderAllowMethods, pol.Param)
	case spec.ReasonHeaderDisallowedByPreflightResponse:
		return j.proof(corsproof.CauseHeaderAccepted, "preflight", spec.HeaderAllowHeaders, strings.ToLower(pol.Param))
	}
	return &corsproof.Cause{Kind: corsproof.CauseServerOther, Exchange: ex, Subject: "the policy blocks it: " + pol.String()}
}

// brokenCause: the browser blocked what the policy allows. The browser's
// reason (or the model's, given the wire, when the engine gives none) names
// the header the server got wrong.
func (j *judgement) brokenCause(browser, pol, wire corsproof.Outcome) *corsproof.Cause {
	if browser.Allowed && pol.Allowed {
		return j.proof(corsproof.CauseExposeMissing, "actual", spec.HeaderExposeHeaders, strings.Join(minus(pol.Exposed, browser.Exposed), ", "))
	}
	reason, param := spec.Reason(browser.Reason), browser.Param
	if (reason == "" || strings.HasPrefix(string(reason), "net::")) && !j.wire.Incomplete && wire.Reason != "" {
		reason, param = spec.Reason(wire.Reason), wire.Param
	}
	ex := exchangeOfReason(reason)
	if p := j.obs.Preflight; ex == "preflight" && p != nil && p.Status != 0 {
		switch {
		case p.Status < 200 || p.Status > 299:
			// A preflight answered with an error status or a redirect was
			// not answered by the CORS layer, whatever headers came with it.
			return &corsproof.Cause{Kind: corsproof.CausePreflightUnanswered, Exchange: "preflight", Subject: "status " + strconv.Itoa(p.Status)}
		case (reason == spec.ReasonMethodDisallowedByPreflightResponse || reason == spec.ReasonHeaderDisallowedByPreflightResponse) &&
			!hasHeader(p.ResponseHeaders, spec.HeaderAllowMethods) && !hasHeader(p.ResponseHeaders, spec.HeaderAllowHeaders):
			// A 2xx with no preflight headers at all: the API's handler,
			// not the CORS layer, answered it.
			return &corsproof.Cause{Kind: corsproof.CausePreflightUnanswered, Exchange: "preflight",
				Subject: "a 2xx without Access-Control-Allow-Methods or -Headers"}
		}
	}
	switch reason {
	case spec.ReasonMissingAllowOriginHeader, spec.ReasonPreflightMissingAllowOriginHeader:
		return j.proof(corsproof.CauseAllowOriginMissing, ex, spec.HeaderAllowOrigin, "")
	case spec.ReasonAllowOriginMismatch, spec.ReasonPreflightAllowOriginMismatch:
		if last := len(j.obs.Actual) - 1; j.in.Scenario.PrimeSite != "" && ex == "actual" && last >= 0 && !varyOrigin(j.obs.Actual[last].ResponseHeaders) {
			// Another origin's answer, served from the browser's cache:
			// the response did not say it depends on the Origin.
			return &corsproof.Cause{Kind: corsproof.CauseVaryMissing, Exchange: "actual", Header: "Vary",
				Value: headerOr(j.obs.Actual[last].ResponseHeaders, "Vary"), Sent: hasHeader(j.obs.Actual[last].ResponseHeaders, "Vary")}
		}
		return j.proof(corsproof.CauseAllowOriginWrong, ex, spec.HeaderAllowOrigin, "")
	case spec.ReasonMultipleAllowOriginValues, spec.ReasonPreflightMultipleAllowOriginValues,
		spec.ReasonInvalidAllowOriginValue, spec.ReasonPreflightInvalidAllowOriginValue:
		return j.proof(corsproof.CauseAllowOriginInvalid, ex, spec.HeaderAllowOrigin, "")
	case spec.ReasonWildcardOriginNotAllowed, spec.ReasonPreflightWildcardOriginNotAllowed:
		return j.proof(corsproof.CauseWildcardWithCredentials, ex, spec.HeaderAllowOrigin, "")
	case spec.ReasonInvalidAllowCredentials, spec.ReasonPreflightInvalidAllowCredentials:
		return j.proof(corsproof.CauseAllowCredentialsInvalid, ex, spec.HeaderAllowCredentials, "")
	case spec.ReasonPreflightInvalidStatus:
		status := "not 2xx"
		if j.obs.Preflight != nil && j.obs.Preflight.Status != 0 {
			status = strconv.Itoa(j.obs.Preflight.Status)
		}
		return &corsproof.Cause{Kind: corsproof.CausePreflightUnanswered, Exchange: "preflight", Subject: status}
	case spec.ReasonPreflightDisallowedRedirect:
		return &corsproof.Cause{Kind: corsproof.CausePreflightUnanswered, Exchange: "preflight", Subject: "a redirect"}
	case spec.ReasonMethodDisallowedByPreflightResponse:
		return j.proof(corsproof.CauseMethodMissing, "preflight", spec.HeaderAllowMethods, param)
	case spec.ReasonHeaderDisallowedByPreflightResponse:
		return j.proof(corsproof.CauseHeaderMissing, "preflight", spec.HeaderAllowHeaders, strings.ToLower(param))
	case spec.ReasonInvalidAllowMethodsPreflightResponse:
		return j.proof(corsproof.CauseAllowListInvalid, "preflight", spec.HeaderAllowMethods, "")
	case spec.ReasonInvalidAllowHeadersPreflightResponse:
		return j.proof(corsproof.CauseAllowListInvalid, "preflight", spec.HeaderAllowHeaders, "")
	}
	what := string(reason)
	if what == "" {
		what = "blocked, no reason given"
	}
	return &corsproof.Cause{Kind: corsproof.CauseServerOther, Exchange: j.exchangeOf(), Subject: what}
}

// maxAgeCause: on a repeat the browser sent a preflight the policy's
// max-age caches, or skipped one it requires.
func (j *judgement) maxAgeCause(sent bool) *corsproof.Cause {
	c := &corsproof.Cause{Kind: corsproof.CausePreflightCachedTooLong, Exchange: "preflight", Header: spec.HeaderMaxAge}
	if sent {
		c.Kind = corsproof.CausePreflightNotCached
	}
	if p := j.first.Preflight; p != nil {
		c.Value, c.Sent = corsproof.HeaderValue(p.ResponseHeaders, spec.HeaderMaxAge)
	}
	return c
}

var (
	urlInError    = regexp.MustCompile(`[a-z]+://\S+`)
	numberInError = regexp.MustCompile(`[0-9]+(\.[0-9]+)?(ms|s|m)?`)
)

// errorCause groups errors by their message with URLs and numbers blanked.
func errorCause(err string) *corsproof.Cause {
	s := urlInError.ReplaceAllString(err, "URL")
	s = numberInError.ReplaceAllString(s, "N")
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return &corsproof.Cause{Kind: corsproof.CauseError, Subject: s}
}

// notes are what the wire shows beyond the verdict.
func (j *judgement) notes() []corsproof.Cause {
	var out []corsproof.Cause
	if len(j.obs.Actual) > 0 {
		last := j.obs.Actual[len(j.obs.Actual)-1]
		if acao, ok := corsproof.HeaderValue(last.ResponseHeaders, spec.HeaderAllowOrigin); ok && acao != "*" && !varyOrigin(last.ResponseHeaders) {
			out = append(out, corsproof.Cause{Kind: corsproof.CauseVaryMissing, Exchange: "actual", Header: "Vary",
				Value: headerOr(last.ResponseHeaders, "Vary"), Sent: hasHeader(last.ResponseHeaders, "Vary")})
		}
	}
	if c, ok := j.maxAgeNote(); ok {
		out = append(out, c)
	}
	out = append(out, j.unstable()...)
	return out
}

// maxAgeNote: the preflight's Access-Control-Max-Age is not the one the
// policy sends, on a preflight the policy lets through.
func (j *judgement) maxAgeNote() (corsproof.Cause, bool) {
	p := j.obs.Preflight
	if p == nil || p.Status < 200 || p.Status > 299 || j.expected == nil || !hasHeader(p.ResponseHeaders, spec.HeaderAllowOrigin) {
		return corsproof.Cause{}, false // no preflight the browser could cache
	}
	for _, a := range j.expected.answered {
		if !a.req.Preflight {
			continue
		}
		if _, ok := a.resp.Headers.Get(spec.HeaderAllowOrigin); !ok {
			return corsproof.Cause{}, false // the policy refuses this preflight
		}
		want, wantOK := a.resp.Headers.Get(spec.HeaderMaxAge)
		got, gotOK := corsproof.HeaderValue(p.ResponseHeaders, spec.HeaderMaxAge)
		if wantOK == gotOK && strings.TrimSpace(want) == strings.TrimSpace(got) {
			return corsproof.Cause{}, false
		}
		if !wantOK {
			want = "not set"
		}
		return corsproof.Cause{Kind: corsproof.CauseMaxAgeDiffers, Exchange: "preflight", Header: spec.HeaderMaxAge,
			Value: got, Sent: gotOK, Subject: want}, true
	}
	return corsproof.Cause{}, false
}

// unstable: identical fetches of a repeated scenario got different CORS
// headers on their actual responses.
func (j *judgement) unstable() []corsproof.Cause {
	if len(j.in.Fetches) < 2 {
		return nil
	}
	var first spec.Headers
	for i, f := range j.in.Fetches {
		if len(f.Observation.Actual) == 0 || f.Observation.Actual[0].Status == 0 {
			return nil
		}
		hs := corsOnly(specHeaders(f.Observation.Actual[0].ResponseHeaders))
		if i == 0 {
			first = hs
			continue
		}
		for _, name := range spec.CORSResponseHeaders {
			a, aok := first.Get(name)
			b, bok := hs.Get(name)
			if a != b || aok != bok {
				return []corsproof.Cause{{Kind: corsproof.CauseUnstable, Exchange: "actual", Header: name, Value: b, Sent: bok}}
			}
		}
	}
	return nil
}

func varyOrigin(hs []corsproof.Header) bool {
	for _, h := range hs {
		if !strings.EqualFold(h.Name, "Vary") {
			continue
		}
		for _, v := range strings.Split(h.Value, ",") {
			v = strings.TrimSpace(v)
			if v == "*" || strings.EqualFold(v, "origin") {
				return true
			}
		}
	}
	return false
}

func hasHeader(hs []corsproof.Header, name string) bool {
	_, ok := corsproof.HeaderValue(hs, name)
	return ok
}

func headerOr(hs []corsproof.Header, name string) string {
	v, _ := corsproof.HeaderValue(hs, name)
	return v
}

// decides: the engine's profile, given the same wire, reaches another
// outcome or reason than the standard: a deviation that decided.
func decides(engine, standard spec.Decision) bool {
	return engine.Allowed != standard.Allowed || engine.Reason != standard.Reason ||
		!strings.EqualFold(engine.FailedParameter, standard.FailedParameter) ||
		!slices.Equal(engine.Exposed, standard.Exposed) || engine.Preflight != standard.Preflight
}

// appliedNotes record deviations that applied without deciding.
func appliedNotes(ids []string) []corsproof.Cause {
	var out []corsproof.Cause
	for _, id := range ids {
		out = append(out, corsproof.Cause{Kind: corsproof.CauseDeviationApplied, Subject: id})
	}
	return out
}

// knownDeviation: the profile's deviations that decided.
func knownDeviation(ids []string) *corsproof.Cause {
	return &corsproof.Cause{Kind: corsproof.CauseKnownDeviation, Subject: strings.Join(ids, ", ")}
}

// unknownDeviation: what the engine did that the standard does not, given
// the same wire, in words that group alike departures.
func unknownDeviation(browser, wire corsproof.Outcome) *corsproof.Cause {
	var what string
	switch {
	case browser.Allowed && !wire.Allowed:
		what = "allowed what the standard blocks (" + wire.Reason + ")"
	case !browser.Allowed && wire.Allowed:
		what = "blocked what the standard allows (" + orUnnamed(browser.Reason) + ")"
	case !browser.Allowed:
		what = "blocked for " + orUnnamed(browser.Reason) + " where the standard says " + wire.Reason
	default:
		what = "exposed other headers than the standard"
	}
	return &corsproof.Cause{Kind: corsproof.CauseUnknownDeviation, Subject: what}
}

func orUnnamed(r string) string {
	if r == "" {
		return "no reason given"
	}
	return r
}
