package browser

import (
	"regexp"
	"strings"
)

// Firefox reports a CORS block only as a console message (log.entryAdded
// over BiDi), from dom/locales/en-US/chrome/security/security.properties.
// This table maps each message key to the Chromium CorsError name the rest
// of corsproof uses (spec.Reason). The English texts are matched by the
// "(Reason: …)" part, which is the same in every version since the keys
// got their numeric suffixes; a text that matches nothing is reported
// verbatim in a Note, never guessed.
//
// Firefox uses one message for the preflight and the actual response
// (e.g. CORSMissingAllowOrigin2 for both). Chromium names the preflight's
// failures Preflight…; firefoxReason adds the prefix when the message was
// logged for the preflight (see preflightVariant).
type firefoxReasonRule struct {
	// Key is the security.properties key of the message.
	Key string
	// Pattern matches the message; its first group, if any, is the
	// message's parameter (a header name, a token).
	Pattern *regexp.Regexp
	// Reason is the Chromium CorsError name; "" means a network error, not
	// a CORS verdict (NetError gets the key).
	Reason string
	// Param says where FailedParameter comes from: "" none, "group" the
	// pattern's first group (lowercased for header names), "method" the
	// fetch's method.
	Param string
}

var firefoxReasonRules = []firefoxReasonRule{
	{"CORSMissingAllowOrigin2", rx(`\(Reason: CORS header ‘Access-Control-Allow-Origin’ missing\)`), "MissingAllowOriginHeader", ""},
	{"CORSAllowOriginNotMatchingOrigin", rx(`\(Reason: CORS header ‘Access-Control-Allow-Origin’ does not match ‘(.*)’\)`), "AllowOriginMismatch", "group"},
	{"CORSNotSupportingCredentials", rx(`\(Reason: Credential is not supported if the CORS header ‘Access-Control-Allow-Origin’ is ‘\*’\)`), "WildcardOriginNotAllowed", ""},
	{"CORSMissingAllowCredentials", rx(`\(Reason: expected ‘true’ in CORS header ‘Access-Control-Allow-Credentials’\)`), "InvalidAllowCredentials", ""},
	{"CORSMultipleAllowOriginNotAllowed", rx(`\(Reason: Multiple CORS header ‘Access-Control-Allow-Origin’ not allowed\)`), "MultipleAllowOriginValues", ""},
	{"CORSPreflightDidNotSucceed3", rx(`\(Reason: CORS preflight response did not succeed\)`), "PreflightInvalidStatus", ""},
	{"CORSMethodNotFound", rx(`\(Reason: Did not find method in CORS header ‘Access-Control-Allow-Methods’\)`), "MethodDisallowedByPreflightResponse", "method"},
	{"CORSMissingAllowHeaderFromPreflight2", rx(`\(Reason: header ‘(.*)’ is not allowed according to header ‘Access-Control-Allow-Headers’ from CORS preflight response\)`), "HeaderDisallowedByPreflightResponse", "group"},
	{"CORSInvalidAllowMethod", rx(`\(Reason: invalid token ‘(.*)’ in CORS header ‘Access-Control-Allow-Methods’\)`), "InvalidAllowMethodsPreflightResponse", "group"},
	{"CORSInvalidAllowHeader", rx(`\(Reason: invalid token ‘(.*)’ in CORS header ‘Access-Control-Allow-Headers’\)`), "InvalidAllowHeadersPreflightResponse", "group"},
	// Chromium has no single counterpart: Firefox refuses a CORS redirect to
	// a URL it will not follow (credentials in the URL, a non-HTTP scheme).
	// Reported as Chromium's closest name, InvalidRedirect.
	{"CORSExternalRedirectNotAllowed", rx(`\(Reason: CORS request external redirect not allowed\)`), "InvalidRedirect", ""},
	{"CORSRequestNotHttp", rx(`\(Reason: CORS request not http\)`), "CorsDisabledScheme", ""},
	{"CORSOriginHeaderNotAdded", rx(`\(Reason: CORS header ‘Origin’ cannot be added\)`), "InvalidRequest", ""},
	// Not CORS verdicts: the request failed (no response, or the network
	// refused), or CORS was switched off by a pref.
	{"CORSDidNotSucceed2", rx(`\(Reason: CORS request did not succeed\)`), "", ""},
	{"CORSDisabled", rx(`\(Reason: CORS disabled\)`), "", ""},
}

// Older spellings of the same messages (Firefox before ~115), kept so an
// older ESR still maps. Matched after the table above.
var firefoxLegacyRules = []firefoxReasonRule{
	{"CORSMIssingAllowCredentials", rx(`\(Reason: expected ‘true’ in CORS header ‘Access-Control-Allow-Credentials’\)`), "InvalidAllowCredentials", ""},
	{"CORSPreflightDidNotSucceed2", rx(`\(Reason: CORS preflight channel did not succeed\)`), "PreflightInvalidStatus", ""},
	{"CORSMissingAllowHeaderFromPreflight", rx(`\(Reason: missing token ‘(.*)’ in CORS header ‘Access-Control-Allow-Headers’ from CORS preflight channel\)`), "HeaderDisallowedByPreflightResponse", "group"},
	{"CORSMissingAllowOrigin", rx(`\(Reason: CORS header ‘Access-Control-Allow-Origin’ missing\)`), "MissingAllowOriginHeader", ""},
}

// firefoxWarningKey is a warning, not a block: Firefox allowed
// "Access-Control-Allow-Headers: *" to cover Authorization and says it
// will stop (CORSAllowHeaderFromPreflightDeprecation).
var firefoxWarning = rx(`^Cross-Origin Request Warning: .*the .Authorization. header is not covered`)

func rx(s string) *regexp.Regexp { return regexp.MustCompile(s) }

// firefoxBlock is a console message read through the table.
type firefoxBlock struct {
	Key       string
	Reason    string // Chromium CorsError name; "" for network errors
	Param     string
	Text      string
	Preflight bool // the message names a preflight-only check
}

// parseFirefoxCORS reads one console message. ok is false for messages
// that are not CORS blocks.
func parseFirefoxCORS(text, method string) (b firefoxBlock, ok bool) {
	if !strings.HasPrefix(text, "Cross-Origin Request Blocked:") {
		return b, false
	}
	b.Text = text
	for _, rules := range [][]firefoxReasonRule{firefoxReasonRules, firefoxLegacyRules} {
		for _, r := range rules {
			m := r.Pattern.FindStringSubmatch(text)
			if m == nil {
				continue
			}
			b.Key, b.Reason = r.Key, r.Reason
			switch r.Param {
			case "group":
				b.Param = m[1]
				if r.Reason == "HeaderDisallowedByPreflightResponse" {
					b.Param = strings.ToLower(b.Param)
				}
			case "method":
				b.Param = strings.ToUpper(method)
				if b.Param == "" {
					b.Param = "GET"
				}
			}
			// Chromium reports AllowOriginMismatch without a parameter.
			if r.Reason == "AllowOriginMismatch" {
				b.Param = ""
			}
			return b, true
		}
	}
	return b, true // a CORS block, reason unknown
}

// preflightVariant returns Chromium's name for reason when the check failed
// on the preflight response (Firefox uses the same message for both).
func preflightVariant(reason string) string {
	switch reason {
	case "MissingAllowOriginHeader", "AllowOriginMismatch", "WildcardOriginNotAllowed",
		"MultipleAllowOriginValues", "InvalidAllowOriginValue", "InvalidAllowCredentials":
		return "Preflight" + reason
	}
	return reason
}
