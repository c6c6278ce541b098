package spec

import (
	"fmt"
	"strconv"
	"strings"
)

// PreflightInput is what validating a preflight response needs to know about
// the actual request (R4.2).
type PreflightInput struct {
	Origin           string          // byte-serialized request origin, maybe "null"
	Method           string          // normalized method, the ACRM value
	UnsafeNames      []string        // CORS-unsafe request-header names, the ACRH set
	Credentials      CredentialsMode // of the actual request (the preflight itself never has any)
	UseCORSPreflight bool            // the use-CORS-preflight flag (stream body)
}

// PreflightResult is the verdict on a preflight response.
type PreflightResult struct {
	Reason          Reason   // ReasonNone when the preflight passed
	FailedParameter string   // as Chromium: the method, the lowercase header, the bad value
	Steps           []Step   // each check, in order
	Deviations      []string // profile deviations that changed the verdict
	Methods         List     // parsed Access-Control-Allow-Methods
	Headers         List     // parsed Access-Control-Allow-Headers
	MaxAge          MaxAge   // how long the result may be cached (R4.2.9)
}

// ValidatePreflightResponse is steps 1–9 of the CORS-preflight fetch (R4.2),
// in the standard's order, with Chromium's error names. A redirect is
// refused first: a preflight never follows one (R4.1, R8.2).
func ValidatePreflightResponse(resp Response, in PreflightInput, p Profile) PreflightResult {
	var r PreflightResult
	if isRedirectStatus(resp.Status) && resp.Headers.Has(headerLoc) {
		return r.fail("R4.1", ReasonPreflightDisallowedRedirect, "",
			fmt.Sprintf("the preflight answered %d with a Location: a preflight never follows a redirect", resp.Status))
	}
	reason, param := CORSCheck(resp, in.Origin, in.Credentials)
	if reason != ReasonNone {
		return r.fail("R4.2.1", PreflightReason(reason), param, corsCheckText("preflight CORS check", reason, param, in.Origin, in.Credentials))
	}
	r.ok("R4.2.1", corsCheckText("preflight CORS check", reason, param, in.Origin, in.Credentials))
	if resp.Status < 200 || resp.Status > 299 {
		return r.fail("R4.2.1", ReasonPreflightInvalidStatus, "",
			fmt.Sprintf("the preflight status %d is not an ok status (200–299)", resp.Status))
	}
	r.ok("R4.2.1", fmt.Sprintf("the preflight status %d is an ok status", resp.Status))
	if !r.parseLists(resp.Headers) {
		return r
	}
	if r.Methods.State == ListNull && in.UseCORSPreflight {
		r.Methods = List{State: ListOK, Items: []string{in.Method}} // R4.2.5
	}
	if !r.checkMethod(in) || !r.checkHeaders(in, p) {
		return r
	}
	r.MaxAge = ParseMaxAge(resp.Headers, p)
	r.Deviations = append(r.Deviations, r.MaxAge.Deviations...)
	r.ok("R4.2.9", "the preflight result may be cached: "+r.MaxAge.Why)
	return r
}

func (r *PreflightResult) ok(rule, text string) {
	r.Steps = append(r.Steps, Step{Rule: rule, Text: text, OK: true})
}

func (r PreflightResult) fail(rule string, reason Reason, param, text string) PreflightResult {
	r.Steps = append(r.Steps, Step{Rule: rule, Text: text, OK: false})
	r.Reason, r.FailedParameter = reason, param
	return r
}

// parseLists is R4.2.2–4: a syntax error in ACAM or ACAH is fatal even when
// the request would otherwise pass.
func (r *PreflightResult) parseLists(h Headers) bool {
	r.Methods, r.Headers = ParseList(h, HeaderAllowMethods), ParseList(h, HeaderAllowHeaders)
	if r.Methods.State == ListFailure {
		// No failed parameter: Chromium reports none for a list that does
		// not parse (measured 156, differential test); the value is in the step.
		v, _ := h.Get(HeaderAllowMethods)
		*r = r.fail("R4.2.4", ReasonInvalidAllowMethodsPreflightResponse, "",
			fmt.Sprintf("Access-Control-Allow-Methods %q is not a comma-separated list of methods", v))
		return false
	}
	if r.Headers.State == ListFailure {
		v, _ := h.Get(HeaderAllowHeaders)
		*r = r.fail("R4.2.4", ReasonInvalidAllowHeadersPreflightResponse, "",
			fmt.Sprintf("Access-Control-Allow-Headers %q is not a comma-separated list of header names", v))
		return false
	}
	return true
}

// checkMethod is R4.2.6: byte-case-sensitive membership, safelisted methods
// need no listing, "*" is a wildcard only without credentials.
func (r *PreflightResult) checkMethod(in PreflightInput) bool {
	include := in.Credentials == CredentialsInclude
	switch {
	case r.Methods.Contains(in.Method):
		r.ok("R4.2.6", fmt.Sprintf("method %s is listed in Access-Control-Allow-Methods", in.Method))
	case IsCORSSafelistedMethod(in.Method):
		r.ok("R4.2.6", fmt.Sprintf("method %s is CORS-safelisted and needs no listing", in.Method))
	case !include && r.Methods.Contains("*"):
		r.ok("R4.2.6", fmt.Sprintf(`method %s is covered by "*" (no credentials)`, in.Method))
	default:
		why := fmt.Sprintf("method %s is not in Access-Control-Allow-Methods %s", in.Method, listText(r.Methods))
		if include && r.Methods.Contains("*") {
			why += `; "*" is not a wildcard for credentialed requests`
		} else if m := foldMatch(r.Methods, in.Method); m != "" {
			why += fmt.Sprintf("; %s differs in case and methods compare byte for byte", m)
		}
		*r = r.fail("R4.2.6", ReasonMethodDisallowedByPreflightResponse, in.Method, why)
		return false
	}
	return true
}

// checkHeaders is R4.2.7 (Authorization must be listed explicitly, unless
// the profile lets "*" cover it) then R4.2.8 for every unsafe name.
func (r *PreflightResult) checkHeaders(in PreflightInput, p Profile) bool {
	include := in.Credentials == CredentialsInclude
	star := !include && r.Headers.Contains("*")
	for _, n := range in.UnsafeNames {
		if !IsCORSNonWildcardRequestHeaderName(n) || r.Headers.ContainsFold(n) {
			continue
		}
		if star && p.AuthorizationCoveredByWildcard {
			r.Deviations = appendUnique(r.Deviations, DevAuthorizationWildcard)
			r.ok("R4.2.7", fmt.Sprintf(`authorization is covered by "*" in %s (the standard requires it listed explicitly)`, p.Name))
			continue
		}
		why := "header authorization must be listed explicitly in Access-Control-Allow-Headers"
		if star {
			why += `; "*" never covers it`
		}
		*r = r.fail("R4.2.7", ReasonHeaderDisallowedByPreflightResponse, n, why)
		return false
	}
	for _, n := range in.UnsafeNames {
		switch {
		case r.Headers.ContainsFold(n):
			r.ok("R4.2.8", fmt.Sprintf("header %s is listed in Access-Control-Allow-Headers", n))
		case IsCORSNonWildcardRequestHeaderName(n):
			// Already decided by R4.2.7.
		case star:
			r.ok("R4.2.8", fmt.Sprintf(`header %s is covered by "*" (no credentials)`, n))
		default:
			why := fmt.Sprintf("header %s is not in Access-Control-Allow-Headers %s", n, listText(r.Headers))
			if include && r.Headers.Contains("*") {
				why += `; "*" is not a wildcard for credentialed requests`
			}
			*r = r.fail("R4.2.8", ReasonHeaderDisallowedByPreflightResponse, n, why)
			return false
		}
	}
	return true
}

func listText(l List) string {
	if l.State == ListNull {
		return "(absent)"
	}
	return strconv.Quote(strings.Join(l.Items, ","))
}

func foldMatch(l List, v string) string {
	for _, it := range l.Items {
		if equalFoldASCII(it, v) {
			return it
		}
	}
	return ""
}

// isRedirectStatus is the standard's redirect status.
func isRedirectStatus(s int) bool {
	return s == 301 || s == 302 || s == 303 || s == 307 || s == 308
}
