package spec

// Header names the model reads or writes, spelled as in the Fetch standard.
const (
	headerOrigin  = "Origin"
	headerAccept  = "Accept"
	headerACAO    = "Access-Control-Allow-Origin"
	headerACAC    = "Access-Control-Allow-Credentials"
	headerACAM    = "Access-Control-Allow-Methods"
	headerACAH    = "Access-Control-Allow-Headers"
	headerACEH    = "Access-Control-Expose-Headers"
	headerMaxAge  = "Access-Control-Max-Age"
	headerACRM    = "Access-Control-Request-Method"
	headerACRH    = "Access-Control-Request-Headers"
	headerCT      = "Content-Type"
	headerAuth    = "Authorization"
	headerLoc     = "Location"
	headerSetCook = "Set-Cookie"
)

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

// isToken reports whether s is a non-empty RFC 9110 token.
func isToken(s string) bool {
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
