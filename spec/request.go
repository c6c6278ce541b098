package spec

import (
	"fmt"
	"net/url"
)

// Additional body kinds (R1.7), beyond those in types.go.
const (
	// BodyFormData: multipart/form-data with a boundary, safelisted.
	BodyFormData BodyKind = "formdata"
	// BodyStream: a ReadableStream (duplex "half"); it sets the
	// use-CORS-preflight flag, so the request is always preflighted.
	BodyStream BodyKind = "stream"
)

// formDataContentType is what Chromium generates for a FormData body: 68
// bytes, no unsafe byte, so safelisted.
const formDataContentType = "multipart/form-data; boundary=----WebKitFormBoundaryAbCdEfGhIjKlMnOp"

// forbiddenRequestHeaders is R1.5's list, lowercase.
var forbiddenRequestHeaders = map[string]bool{
	"accept-charset": true, "accept-encoding": true, "access-control-request-headers": true,
	"access-control-request-method": true, "connection": true, "content-length": true,
	"cookie": true, "cookie2": true, "date": true, "dnt": true, "expect": true, "host": true,
	"keep-alive": true, "origin": true, "referer": true, "set-cookie": true, "te": true,
	"trailer": true, "transfer-encoding": true, "upgrade": true, "via": true,
}

// fetchRequest is a request after the Request constructor (R1): what the
// rest of the model works on.
type fetchRequest struct {
	page        origin
	url         *url.URL
	method      string
	headers     Headers
	body        BodyKind
	mode        Mode
	credentials CredentialsMode
	redirect    RedirectMode
	cache       string
	// useCORSPreflight is set by a stream body (R3.1.6).
	useCORSPreflight bool
	dropped          []string // lowercase names dropped as forbidden or by the no-cors guard
	deviations       []string
}

// constructError is a TypeError from the Request constructor (R1.1).
type constructError struct{ rule, why string }

// construct runs the Request constructor and the first steps of fetch
// (R1.1–R1.8). Nothing is sent when it fails.
func construct(r Request, p Profile) (*fetchRequest, *constructError) {
	fr := &fetchRequest{
		page: parseOrigin(r.Origin), body: r.Body,
		mode: r.Mode, credentials: r.Credentials, redirect: r.Redirect, cache: r.Cache,
	}
	if fr.mode == "" {
		fr.mode = ModeCORS
	}
	if fr.credentials == "" {
		fr.credentials = CredentialsSameOrigin
	}
	if fr.redirect == "" {
		fr.redirect = RedirectFollow
	}
	if err := fr.setURL(r.URL); err != nil {
		return nil, err
	}
	if err := fr.setMethod(r.Method); err != nil {
		return nil, err
	}
	if err := fr.checkInit(); err != nil {
		return nil, err
	}
	if err := fr.setHeaders(r, p); err != nil {
		return nil, err
	}
	return fr, nil
}

func (fr *fetchRequest) setURL(raw string) *constructError {
	u, err := parseURL(raw)
	if err != nil {
		return &constructError{"R1.1", fmt.Sprintf("the URL %q does not parse: %v", raw, err)}
	}
	if u.User != nil {
		return &constructError{"R1.1", "the URL includes credentials (user:pass@), so the Request constructor throws"}
	}
	fr.url = u
	return nil
}

func (fr *fetchRequest) setMethod(m string) *constructError {
	if m == "" {
		m = "GET"
	}
	if !IsToken(m) {
		return &constructError{"R1.1", fmt.Sprintf("the method %q is not a token", m)}
	}
	if IsForbiddenMethod(m) {
		return &constructError{"R1.2", fmt.Sprintf("the method %s is forbidden", m)}
	}
	fr.method = NormalizeMethod(m)
	return nil
}

// checkInit holds the constructor's remaining TypeErrors (R1.1).
func (fr *fetchRequest) checkInit() *constructError {
	switch {
	case fr.body != BodyNone && (fr.method == "GET" || fr.method == "HEAD"):
		return &constructError{"R1.1", fmt.Sprintf("a %s request cannot have a body", fr.method)}
	case fr.mode == ModeNoCORS && !IsCORSSafelistedMethod(fr.method):
		return &constructError{"R1.1", fmt.Sprintf("mode no-cors allows only GET, HEAD and POST, not %s", fr.method)}
	case fr.cache == "only-if-cached" && fr.mode != ModeSameOrigin:
		return &constructError{"R1.1", `cache "only-if-cached" needs mode "same-origin"`}
	case fr.body == BodyStream && fr.mode != ModeCORS && fr.mode != ModeSameOrigin:
		return &constructError{"R1.1", "a stream body needs mode cors or same-origin"}
	}
	fr.useCORSPreflight = fr.body == BodyStream
	return nil
}

// setHeaders normalizes and validates each header (R1.4), drops forbidden
// ones silently (R1.5), applies the no-cors guard (R1.6), adds the body's
// Content-Type (R1.7) and Accept: */* (R1.8).
func (fr *fetchRequest) setHeaders(r Request, p Profile) *constructError {
	for _, h := range r.Headers {
		v := trimHTTPWhitespace(h.Value)
		if !IsToken(h.Name) {
			return &constructError{"R1.1", fmt.Sprintf("%q is not a valid header name", h.Name)}
		}
		if !isHeaderValue(v) {
			return &constructError{"R1.4", fmt.Sprintf("the value of %s contains NUL, CR or LF", h.Name)}
		}
		fr.append(Header{h.Name, v}, p)
	}
	if ct := bodyContentType(r); ct != "" && !fr.headers.Has(headerCT) {
		fr.append(Header{headerCT, ct}, p)
	}
	if !fr.headers.Has(headerAccept) {
		fr.headers = append(fr.headers, Header{headerAccept, "*/*"})
	}
	return nil
}

// append is Headers.append with guard "request" or "request-no-cors".
func (fr *fetchRequest) append(h Header, p Profile) {
	n := lowerASCII(h.Name)
	if forbidden, dev := isForbiddenRequestHeader(h.Name, h.Value, p); forbidden {
		fr.dropped = append(fr.dropped, n)
		if dev != "" {
			fr.deviations = appendUnique(fr.deviations, dev)
		}
		return
	}
	if fr.mode == ModeNoCORS {
		combined := h.Value
		if prev, ok := fr.headers.Get(h.Name); ok {
			combined = prev + ", " + h.Value
		}
		if !isNoCORSSafelistedRequestHeader(h.Name, combined, p) {
			fr.dropped = append(fr.dropped, n)
			return
		}
	}
	fr.headers = append(fr.headers, h)
}

// isForbiddenRequestHeader is R1.5 under p; dev names the profile deviation
// when only the profile forbids it.
func isForbiddenRequestHeader(name, value string, p Profile) (bool, string) {
	n := lowerASCII(name)
	if forbiddenRequestHeaders[n] || hasPrefix(n, "proxy-") || hasPrefix(n, "sec-") {
		return true, ""
	}
	if n == "x-http-method" || n == "x-http-method-override" || n == "x-method-override" {
		for _, m := range getDecodeSplit(value) {
			if IsForbiddenMethod(m) {
				return true, ""
			}
		}
	}
	if p.DropsUserAgent && n == "user-agent" {
		return true, DevUserAgentForbidden
	}
	for _, x := range p.ExtraForbiddenRequestHeaders {
		if equalFoldASCII(x, n) {
			return true, DevExtraForbiddenHeader
		}
	}
	return false, ""
}

// IsForbiddenRequestHeader is R1.5 under the standard.
func IsForbiddenRequestHeader(name, value string) bool {
	f, _ := isForbiddenRequestHeader(name, value, Standard)
	return f
}

func hasPrefix(s, p string) bool { return len(s) >= len(p) && s[:len(p)] == p }

// isHeaderValue: no NUL, CR, LF, and no leading or trailing tab or space
// (R1.4; normalization already stripped those).
func isHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if v[i] == 0 || v[i] == '\r' || v[i] == '\n' {
			return false
		}
	}
	return trimTabOrSpace(v) == v
}

// bodyContentType is R1.7's implicit Content-Type.
func bodyContentType(r Request) string {
	switch r.Body {
	case BodyText:
		return "text/plain;charset=UTF-8"
	case BodyURLSearchParams:
		return "application/x-www-form-urlencoded;charset=UTF-8"
	case BodyFormData:
		return formDataContentType
	case BodyBlob:
		return r.BlobType
	}
	return ""
}
