package spec

import "strings"

// CORSCheck is the standard's CORS check (R6.1) on a response, for a request
// whose byte-serialized origin is requestOrigin ("null" when opaque or
// redirect-tainted). It returns ReasonNone on success, otherwise Chromium's
// CorsError for the failure (the table at the end of R6.3) and the
// offending value as Chromium's failedParameter. For a preflight response
// use PreflightReason to get the Preflight-prefixed names.
func CORSCheck(resp Response, requestOrigin string, creds CredentialsMode) (Reason, string) {
	acao, ok := resp.Headers.Get(HeaderAllowOrigin)
	if !ok {
		// R6.1.2: "null is not `null`": absent is failure.
		return ReasonMissingAllowOriginHeader, ""
	}
	if acao == "*" {
		// R6.1.3: "*" is a wildcard only without credentials.
		if creds != CredentialsInclude {
			return ReasonNone, ""
		}
		return ReasonWildcardOriginNotAllowed, ""
	}
	if acao != requestOrigin {
		// R6.1.4: exact bytes. Two lines were combined with ", " by Get,
		// which is how Chromium spots them.
		switch {
		case strings.ContainsAny(acao, ", "):
			return ReasonMultipleAllowOriginValues, acao
		case acao == "null":
			return ReasonAllowOriginMismatch, acao
		case !isValidOriginValue(acao):
			return ReasonInvalidAllowOriginValue, acao
		}
		return ReasonAllowOriginMismatch, acao
	}
	if creds != CredentialsInclude {
		return ReasonNone, "" // R6.1.5: ACAC is ignored without credentials.
	}
	// R6.1.6: exactly "true", case-sensitive; two lines give "true, true".
	if acac, _ := resp.Headers.Get(HeaderAllowCredentials); acac != "true" {
		return ReasonInvalidAllowCredentials, acac
	}
	return ReasonNone, ""
}

// PreflightReason maps a CORS-check reason to its Preflight-prefixed variant
// (R6.3: "Preflight variants carry a Preflight prefix").
func PreflightReason(r Reason) Reason {
	switch r {
	case ReasonMissingAllowOriginHeader:
		return ReasonPreflightMissingAllowOriginHeader
	case ReasonWildcardOriginNotAllowed:
		return ReasonPreflightWildcardOriginNotAllowed
	case ReasonMultipleAllowOriginValues:
		return ReasonPreflightMultipleAllowOriginValues
	case ReasonInvalidAllowOriginValue:
		return ReasonPreflightInvalidAllowOriginValue
	case ReasonAllowOriginMismatch:
		return ReasonPreflightAllowOriginMismatch
	case ReasonInvalidAllowCredentials:
		return ReasonPreflightInvalidAllowCredentials
	}
	return r
}

// corsCheckText says in words what CORSCheck decided.
func corsCheckText(what string, r Reason, param, origin string, creds CredentialsMode) string {
	switch r {
	case ReasonNone:
		if creds == CredentialsInclude {
			return what + ": Access-Control-Allow-Origin matches " + origin + " and Access-Control-Allow-Credentials is true"
		}
		return what + ": Access-Control-Allow-Origin allows " + origin
	case ReasonMissingAllowOriginHeader:
		return what + ": no Access-Control-Allow-Origin header"
	case ReasonWildcardOriginNotAllowed:
		return what + `: Access-Control-Allow-Origin is "*", which does not allow credentialed requests`
	case ReasonMultipleAllowOriginValues:
		return what + ": Access-Control-Allow-Origin holds several values (" + param + "); exactly one is allowed"
	case ReasonInvalidAllowOriginValue:
		return what + ": Access-Control-Allow-Origin " + param + " is not a valid origin"
	case ReasonAllowOriginMismatch:
		return what + ": Access-Control-Allow-Origin " + param + " is not the request's origin " + origin
	case ReasonInvalidAllowCredentials:
		return what + `: credentials are included but Access-Control-Allow-Credentials is "` + param + `", not exactly "true"`
	}
	return what + ": " + string(r)
}
