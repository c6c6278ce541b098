package mockapi

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/corsproof/corsproof/spec"

	"github.com/corsproof/corsproof/policy"
)

// Bounds on what the server accepts and stores of hostile input. net/http
// already caps the whole header block (MaxHeaderBytes, 1 MB by default);
// these keep single values small enough to journal and parse.
const (
	maxStoredField = 256  // journal: Origin, method, ACRM, ACRH
	maxStoredURL   = 2048 // journal: path, raw query
	maxOrigin      = 512  // longer Origin values are junk: hosts are <= 253 bytes
	maxMethod      = 64   // Access-Control-Request-Method
	maxACRHBytes   = 8 << 10
	maxACRHNames   = 128
)

// inputError is a request the CORS layer refuses before any policy is
// consulted. Browsers never send one, so no prediction depends on it.
type inputError struct {
	status int
	msg    string
}

// corsRequest reduces r to what the policy looks at, refusing junk CORS
// request headers and blanking a junk Origin so that it is not allowed.
func corsRequest(r *http.Request) (policy.Request, *inputError) {
	req := policy.RequestFrom(r)
	if !validOrigin(req.Origin) || len(r.Header[spec.HeaderOrigin]) > 1 {
		req.Origin = "" // not allowed: answered as if no Origin had come
	}
	if !req.IsPreflight() {
		return req, nil
	}
	if len(req.RequestMethod) > maxMethod || !spec.IsToken(req.RequestMethod) {
		return req, &inputError{http.StatusBadRequest, "Access-Control-Request-Method must be a method token"}
	}
	if len(req.RequestHeaders) > maxACRHBytes {
		return req, &inputError{http.StatusRequestHeaderFieldsTooLarge, "Access-Control-Request-Headers too long"}
	}
	names := 0
	for name := range strings.SplitSeq(req.RequestHeaders, ",") {
		name = strings.Trim(name, " \t")
		if name == "" {
			continue // empty list elements are allowed (RFC 9110 5.6.1)
		}
		if names++; names > maxACRHNames {
			return req, &inputError{http.StatusRequestHeaderFieldsTooLarge, "Access-Control-Request-Headers lists too many names"}
		}
		if !spec.IsToken(name) {
			return req, &inputError{http.StatusBadRequest, "Access-Control-Request-Headers must list header names"}
		}
	}
	return req, nil
}

// validOrigin accepts what could be a serialized origin: "" (absent),
// "null", or printable ASCII with a scheme. It is deliberately loose: the
// crafted origins scanners send (backticks, "_", "$") pass, so the faults
// that reflect them can be probed without a browser; non-ASCII, control
// characters, spaces, and lists of origins do not.
func validOrigin(o string) bool {
	switch {
	case o == "" || o == "null":
		return true
	case len(o) > maxOrigin || o == policy.Wildcard || !printableASCII(o):
		return false
	}
	scheme, host, ok := strings.Cut(o, "://")
	return ok && scheme != "" && host != ""
}

// printableASCII: every byte is in 0x21..0x7E (no space, no control).
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// clip truncates s to at most n bytes of valid UTF-8, for storing.
func clip(s string, n int) string {
	if len(s) > n {
		s = s[:n]
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return s
}
