package corsproof

import (
	"fmt"
	"strings"
)

// CauseKind is what went wrong, from a small closed set: what the server
// did wrong, which browser deviation decided, or what kept the scenario from
// testing anything. A run's findings group scenarios by cause, so one server
// bug is one finding, however many scenarios show it.
type CauseKind string

// Server causes that let a page read what the policy forbids.
const (
	// CauseOriginAccepted: Access-Control-Allow-Origin accepts an Origin
	// the policy forbids. Subject says how: "echo" (the request's Origin
	// sent back), "wildcard" (*), "null", or "value" (another fixed value).
	CauseOriginAccepted CauseKind = "origin-accepted"
	// CauseCredentialsAccepted: Access-Control-Allow-Credentials: true on
	// a credentialed request the policy does not allow credentials for.
	CauseCredentialsAccepted CauseKind = "credentials-accepted"
	// CauseMethodAccepted: the preflight allows a method the policy does
	// not (Subject).
	CauseMethodAccepted CauseKind = "method-accepted"
	// CauseHeaderAccepted: the preflight allows a request header the
	// policy does not (Subject).
	CauseHeaderAccepted CauseKind = "header-accepted"
	// CauseHeaderExposed: Access-Control-Expose-Headers makes headers
	// readable the policy does not expose (Subject, comma-separated).
	CauseHeaderExposed CauseKind = "header-exposed"
	// CausePreflightCachedTooLong: the browser skipped a preflight the
	// policy's max-age requires (Access-Control-Max-Age too long).
	CausePreflightCachedTooLong CauseKind = "preflight-cached-too-long"
)

// Server causes that block what the policy allows.
const (
	// CauseAllowOriginMissing: the response has no Access-Control-Allow-Origin.
	CauseAllowOriginMissing CauseKind = "allow-origin-missing"
	// CauseAllowOriginWrong: Access-Control-Allow-Origin names another origin.
	CauseAllowOriginWrong CauseKind = "allow-origin-wrong"
	// CauseAllowOriginInvalid: Access-Control-Allow-Origin is not one
	// valid origin (a trailing slash, several values).
	CauseAllowOriginInvalid CauseKind = "allow-origin-invalid"
	// CauseWildcardWithCredentials: Access-Control-Allow-Origin: * on a
	// credentialed request.
	CauseWildcardWithCredentials CauseKind = "wildcard-with-credentials"
	// CauseAllowCredentialsInvalid: Access-Control-Allow-Credentials is
	// missing or not exactly "true" on a credentialed request.
	CauseAllowCredentialsInvalid CauseKind = "allow-credentials-invalid"
	// CausePreflightUnanswered: no CORS layer answered the preflight: it
	// got a non-2xx status (a router's 404 or 405, a redirect), or a 2xx
	// without Access-Control-Allow-Methods or -Headers (the API handler
	// answered it). Subject: "status N", or what the 2xx lacked.
	CausePreflightUnanswered CauseKind = "preflight-unanswered"
	// CauseMethodMissing: Access-Control-Allow-Methods lacks a method the
	// policy allows (Subject).
	CauseMethodMissing CauseKind = "allow-methods-lacks"
	// CauseHeaderMissing: Access-Control-Allow-Headers lacks a request
	// header the policy allows (Subject).
	CauseHeaderMissing CauseKind = "allow-headers-lacks"
	// CauseAllowListInvalid: Access-Control-Allow-Methods or -Headers is
	// not a valid list (Header).
	CauseAllowListInvalid CauseKind = "allow-list-invalid"
	// CauseExposeMissing: Access-Control-Expose-Headers lacks headers the
	// policy exposes (Subject, comma-separated).
	CauseExposeMissing CauseKind = "expose-headers-lacks"
	// CausePreflightNotCached: the browser had to preflight again where the
	// policy's max-age caches the preflight (Access-Control-Max-Age short
	// or missing).
	CausePreflightNotCached CauseKind = "preflight-not-cached"
	// CauseMixedContent: the policy allows an https page to read a
	// plain-http API, which no browser sends.
	CauseMixedContent CauseKind = "mixed-content"
	// CauseServerOther: the server's answer differs from the policy in a
	// way none of the above names (status, redirect); Subject is the
	// browser's reason.
	CauseServerOther CauseKind = "server-other"
)

// Causes that are not the server's.
const (
	// CauseKnownDeviation: a deviation of the engine's profile decided the
	// outcome (Subject: its id).
	CauseKnownDeviation CauseKind = "known-deviation"
	// CauseUnknownDeviation: the engine did not do what the Fetch standard
	// says given the headers it received (Subject: what it did).
	CauseUnknownDeviation CauseKind = "unknown-deviation"
	// CauseRedirectedAway: the target answered the actual request or its
	// preflight with a redirect (Exchange) to an origin outside the run
	// (Subject), so nothing under the policy was tested. Header is
	// Location, Value the URL it named.
	CauseRedirectedAway CauseKind = "redirected-away"
	// CauseError: infrastructure failed; nothing about CORS was judged.
	CauseError CauseKind = "error"
)

// Notes: what the wire shows beyond the browser's verdict. They never turn
// a pass into a mismatch by themselves.
const (
	// CauseVaryMissing: Access-Control-Allow-Origin depends on the Origin
	// but the response has no Vary: Origin, so a shared cache can serve one
	// origin's answer to another.
	CauseVaryMissing CauseKind = "vary-origin-missing"
	// CauseMaxAgeDiffers: the preflight's Access-Control-Max-Age is not
	// the policy's max_age (Value: what was sent; Subject: the policy's).
	CauseMaxAgeDiffers CauseKind = "max-age-differs"
	// CauseUnstable: two identical requests got different CORS headers
	// (Header).
	CauseUnstable CauseKind = "unstable-headers"
	// CauseCookieDropped: the browser's cookie policy kept the session
	// cookie from a credentialed request; no CORS header can fix that.
	CauseCookieDropped CauseKind = "cookie-dropped"
	// CauseDeviationApplied: a deviation of the engine's profile applied,
	// but the standard gives the same outcome (Subject: its id).
	CauseDeviationApplied CauseKind = "deviation-applied"
)

// Cause is why one scenario ended as it did, with the header and value that
// prove it.
type Cause struct {
	Kind CauseKind `json:"kind"`
	// Exchange is the response whose headers prove it: "preflight" or
	// "actual" ("" when no response does).
	Exchange string `json:"exchange,omitempty"`
	// Header is the header that proves it; Value what the server sent in
	// it ("" with Sent false: it sent none).
	Header string `json:"header,omitempty"`
	Value  string `json:"value,omitempty"`
	Sent   bool   `json:"sent,omitempty"`
	// Unseen: the engine shows no wire (WebKit), so what the server sent
	// in Header is unknown, not absent.
	Unseen bool `json:"unseen,omitempty"`
	// valueVaries: the cause stands for results whose Header had different
	// values (a finding's line), so no one value is shown.
	valueVaries bool
	// Subject is what the cause is about: a method, a header name, a
	// deviation id, a status (see each kind).
	Subject string `json:"subject,omitempty"`
}

// Key groups results that share a root cause: the kind, the exchange and
// what it is about, not the value (an echoed Origin differs per origin).
func (c Cause) Key() string {
	switch c.Kind {
	case CauseOriginAccepted, CauseCredentialsAccepted, CauseWildcardWithCredentials, CauseAllowOriginInvalid, CauseAllowCredentialsInvalid,
		CauseAllowOriginWrong:
		// The same origin check answers preflights and actual requests.
		return string(c.Kind) + "|" + strings.ToLower(c.Subject)
	case CauseRedirectedAway:
		// One redirect target, whichever request was sent there.
		return string(c.Kind) + "|" + strings.ToLower(c.Subject)
	}
	if c.listsSubjects() || c.Kind == CauseMaxAgeDiffers {
		// A max-age that differs is one Access-Control-Max-Age, whatever
		// the route's max_age.
		return string(c.Kind)
	}
	return string(c.Kind) + "|" + c.Exchange + "|" + strings.ToLower(c.Subject)
}

// listsSubjects: results of this kind with different subjects are one bug
// (one list header lacks or allows several names; one router in front of
// the CORS layer, whatever it answers), and a finding lists the subjects.
func (c Cause) listsSubjects() bool {
	switch c.Kind {
	case CauseMethodMissing, CauseHeaderMissing, CauseExposeMissing, CauseMethodAccepted, CauseHeaderAccepted, CauseHeaderExposed,
		CausePreflightUnanswered:
		return true
	}
	return false
}

// sent is how the proving header reads: `Name: value`, or "no Name".
func (c Cause) sent() string {
	switch {
	case c.Unseen:
		return c.Header + " not shown by this engine"
	case !c.Sent:
		return "no " + c.Header
	}
	return fmt.Sprintf("%s: %s", c.Header, c.Value)
}

// paren is " (what was sent)", or "" when the header is not known (a
// finding whose results sent different values).
func (c Cause) paren() string {
	if c.Header == "" || c.valueVaries {
		return ""
	}
	return " (" + c.sent() + ")"
}

// String is the cause in one line, without the scenario's particulars.
func (c Cause) String() string {
	switch c.Kind {
	case CauseOriginAccepted:
		switch c.Subject {
		case "echo":
			return "Access-Control-Allow-Origin echoes Origins the policy forbids"
		case "wildcard":
			return "Access-Control-Allow-Origin is * where the policy forbids the origin"
		case "null":
			return "Access-Control-Allow-Origin allows the null origin"
		}
		return fmt.Sprintf("Access-Control-Allow-Origin (%s) allows an origin the policy forbids", c.sent())
	case CauseCredentialsAccepted:
		return "Access-Control-Allow-Credentials: true where the policy allows no credentials"
	case CauseMethodAccepted:
		return fmt.Sprintf("Access-Control-Allow-Methods allows %s, which the policy does not", c.Subject)
	case CauseHeaderAccepted:
		return fmt.Sprintf("Access-Control-Allow-Headers allows %s, which the policy does not", c.Subject)
	case CauseHeaderExposed:
		return fmt.Sprintf("Access-Control-Expose-Headers exposes %s, which the policy does not", c.Subject)
	case CausePreflightCachedTooLong:
		return fmt.Sprintf("the preflight is cached longer than the policy's max-age%s", c.paren())
	case CauseAllowOriginMissing:
		if c.Exchange == "preflight" {
			return "preflight responses lack Access-Control-Allow-Origin"
		}
		return "responses lack Access-Control-Allow-Origin"
	case CauseAllowOriginWrong:
		return fmt.Sprintf("Access-Control-Allow-Origin names another origin than the request's%s", c.paren())
	case CauseAllowOriginInvalid:
		return fmt.Sprintf("Access-Control-Allow-Origin is not one valid origin%s", c.paren())
	case CauseWildcardWithCredentials:
		return "Access-Control-Allow-Origin is * on credentialed requests"
	case CauseAllowCredentialsInvalid:
		return fmt.Sprintf("Access-Control-Allow-Credentials is not exactly \"true\" on credentialed requests%s", c.paren())
	case CausePreflightUnanswered:
		return fmt.Sprintf("preflights are not answered by the CORS layer (%s)", c.Subject)
	case CauseMethodMissing:
		return fmt.Sprintf("Access-Control-Allow-Methods lacks %s%s", c.Subject, c.paren())
	case CauseHeaderMissing:
		return fmt.Sprintf("Access-Control-Allow-Headers lacks %s%s", c.Subject, c.paren())
	case CauseAllowListInvalid:
		return fmt.Sprintf("%s is not a valid list%s", c.Header, c.paren())
	case CauseExposeMissing:
		return fmt.Sprintf("Access-Control-Expose-Headers lacks %s%s", c.Subject, c.paren())
	case CausePreflightNotCached:
		return fmt.Sprintf("the preflight is not cached for the policy's max-age%s", c.paren())
	case CauseMixedContent:
		return "the policy allows https pages to read a plain-http API, which browsers block as mixed content"
	case CauseServerOther:
		return fmt.Sprintf("the server's answer differs from the policy's (%s)", c.Subject)
	case CauseKnownDeviation:
		return fmt.Sprintf("known browser deviation %s decided the outcome", c.Subject)
	case CauseUnknownDeviation:
		return fmt.Sprintf("the browser departs from the Fetch standard: %s", c.Subject)
	case CauseRedirectedAway:
		return fmt.Sprintf("the target redirects to %s%s, an origin outside this run, so nothing under the policy was tested", c.Subject, c.paren())
	case CauseError:
		return "the scenario could not run: " + c.Subject
	case CauseVaryMissing:
		return "Access-Control-Allow-Origin depends on the Origin, but the response has no Vary: Origin"
	case CauseMaxAgeDiffers:
		return fmt.Sprintf("Access-Control-Max-Age is %s, the policy's max_age is %s", orNone(c.Value, c.Sent), c.Subject)
	case CauseUnstable:
		return fmt.Sprintf("identical requests got different %s", c.Header)
	case CauseCookieDropped:
		return "the browser kept the session cookie from credentialed requests (third-party cookies blocked)"
	case CauseDeviationApplied:
		return fmt.Sprintf("known deviation %s applied without changing the outcome", c.Subject)
	}
	return string(c.Kind)
}

func orNone(v string, sent bool) string {
	if !sent {
		return "not sent"
	}
	return v
}

// Advice is what the server must do instead, in one line ("" for causes
// that are not the server's; for a redirect away, what to check instead).
func (c Cause) Advice() string {
	switch c.Kind {
	case CauseOriginAccepted:
		switch c.Subject {
		case "echo":
			return "compare the Origin against the policy's exact origins (whole string, anchored) and send Access-Control-Allow-Origin only on a match; never echo it unchecked"
		case "wildcard":
			return "send Access-Control-Allow-Origin: * only where every origin may read; else the matched origin"
		case "null":
			return "never allow the origin null: sandboxed frames, file: pages and redirects send it, so any site can"
		}
		return "send Access-Control-Allow-Origin only for the policy's origins"
	case CauseCredentialsAccepted:
		return "send Access-Control-Allow-Credentials: true only where the policy allows credentials"
	case CauseMethodAccepted, CauseHeaderAccepted:
		return "list in the preflight response only what the policy allows"
	case CauseHeaderExposed:
		return "list in Access-Control-Expose-Headers only the headers the policy exposes (no *)"
	case CausePreflightCachedTooLong, CausePreflightNotCached, CauseMaxAgeDiffers:
		return "send Access-Control-Max-Age with the policy's max_age on every preflight response"
	case CauseAllowOriginMissing:
		if c.Exchange == "preflight" {
			return "answer OPTIONS preflights in the CORS layer with Access-Control-Allow-Origin for the policy's origins"
		}
		return "send Access-Control-Allow-Origin on every response to an allowed origin, error responses included"
	case CauseAllowOriginWrong:
		return "send Access-Control-Allow-Origin with the request's Origin when it is one of the policy's"
	case CauseAllowOriginInvalid:
		return "send exactly one Access-Control-Allow-Origin line: the origin as the browser sent it (scheme://host[:port], no path, no trailing /)"
	case CauseWildcardWithCredentials:
		return "answer credentialed requests with the matched origin, not *"
	case CauseAllowCredentialsInvalid:
		return "send Access-Control-Allow-Credentials: true (lowercase, exactly) where the policy allows credentials"
	case CausePreflightUnanswered:
		return "answer OPTIONS preflights in the CORS layer, before routing and authentication, with 204 and the policy's CORS headers"
	case CauseMethodMissing:
		return "list every method the policy allows in Access-Control-Allow-Methods, in uppercase as the browser sends them"
	case CauseHeaderMissing:
		return "list every request header the policy allows in Access-Control-Allow-Headers"
	case CauseAllowListInvalid:
		return "send a comma-separated list of tokens"
	case CauseExposeMissing:
		return "list the headers the policy exposes in Access-Control-Expose-Headers on the actual response"
	case CauseMixedContent:
		return "serve the API over https"
	case CauseRedirectedAway:
		return fmt.Sprintf("point --target at the API itself, not at an address that redirects its requests (if the API is at %s, check that instead), "+
			"or have the target answer them without redirecting them away", c.Subject)
	case CauseServerOther:
		return "answer as the policy does"
	case CauseVaryMissing:
		return "send Vary: Origin on every response whose CORS headers depend on the Origin"
	case CauseUnstable:
		return "make the CORS answer depend on the request alone (no per-request state)"
	}
	return ""
}
