package spec

import "strings"

// Header names of the CORS protocol and of the headers the model reads,
// spelled as in the Fetch standard. These are corsproof's one spelling of
// them: the policy, the mock, the judge and the audit use these.
const (
	HeaderOrigin           = "Origin"
	HeaderVary             = "Vary"
	HeaderAllowOrigin      = "Access-Control-Allow-Origin"
	HeaderAllowCredentials = "Access-Control-Allow-Credentials"
	HeaderAllowMethods     = "Access-Control-Allow-Methods"
	HeaderAllowHeaders     = "Access-Control-Allow-Headers"
	HeaderExposeHeaders    = "Access-Control-Expose-Headers"
	HeaderMaxAge           = "Access-Control-Max-Age"
	HeaderRequestMethod    = "Access-Control-Request-Method"
	HeaderRequestHeaders   = "Access-Control-Request-Headers"

	headerAccept  = "Accept"
	headerCT      = "Content-Type"
	headerAuth    = "Authorization"
	headerLoc     = "Location"
	headerSetCook = "Set-Cookie"
)

// CORSResponseHeaders are the response headers a CORS policy decides, in
// the order explanations list them. Everything else on a response (status,
// Location, X-Total-Count, ...) is the API's business.
var CORSResponseHeaders = []string{
	HeaderAllowOrigin, HeaderAllowCredentials, HeaderAllowMethods,
	HeaderAllowHeaders, HeaderExposeHeaders, HeaderMaxAge,
}

// IsCORSResponseHeader reports whether name (any case) is one of
// CORSResponseHeaders.
func IsCORSResponseHeader(name string) bool {
	for _, h := range CORSResponseHeaders {
		if strings.EqualFold(h, name) {
			return true
		}
	}
	return false
}

// isTChar reports whether b is an RFC 9110 tchar, the alphabet of a token
// (methods and header names are tokens).
func isTChar(b byte) bool {
	switch {
	case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9':
		return true
	}
	switch b {
	case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~':
		return true
	}
	return false
}

// IsToken reports whether s is a non-empty RFC 9110 token (section 5.6.2),
// the syntax of both methods and header names.
func IsToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isTChar(s[i]) {
			return false
		}
	}
	return true
}

// lowerASCII is the standard's "byte-lowercase": only A–Z change.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// equalFoldASCII is "byte-case-insensitive match".
func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// isHTTPWhitespace is the standard's HTTP whitespace byte (R1.4).
func isHTTPWhitespace(b byte) bool { return b == '\t' || b == '\n' || b == '\r' || b == ' ' }

// isHTTPTabOrSpace is OWS in list headers and range values.
func isHTTPTabOrSpace(b byte) bool { return b == '\t' || b == ' ' }

// trimHTTPWhitespace strips leading and trailing HTTP whitespace bytes.
func trimHTTPWhitespace(s string) string {
	for len(s) > 0 && isHTTPWhitespace(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isHTTPWhitespace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

// trimTabOrSpace strips OWS.
func trimTabOrSpace(s string) string {
	for len(s) > 0 && isHTTPTabOrSpace(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isHTTPTabOrSpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}
