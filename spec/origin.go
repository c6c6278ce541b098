package spec

import (
	"errors"
	"net/url"
	"strings"
)

// origin is a serialized tuple origin ("https://a.example:8443"), or "" for
// an opaque origin, which serializes to "null" and is same origin with
// nothing here.
type origin string

func (o origin) String() string {
	if o == "" {
		return "null"
	}
	return string(o)
}

func (o origin) sameOrigin(p origin) bool { return o != "" && o == p }

var defaultPorts = map[string]string{"http": "80", "https": "443", "ws": "80", "wss": "443"}

// parseURL parses an absolute URL and normalizes what the WHATWG URL parser
// would: lowercase scheme and host, no default port, "/" for an empty path,
// no fragment.
func parseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	if u.Scheme == "" {
		return nil, errors.New("not an absolute URL")
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Fragment, u.RawFragment = "", ""
	if !isHTTPScheme(u.Scheme) {
		return u, nil
	}
	if u.Host == "" {
		return nil, errors.New("missing host")
	}
	host, port := u.Hostname(), u.Port()
	if port == defaultPorts[u.Scheme] {
		port = ""
	}
	u.Host = strings.ToLower(host)
	if strings.Contains(host, ":") {
		u.Host = "[" + u.Host + "]"
	}
	if port != "" {
		u.Host += ":" + port
	}
	if u.Path == "" && u.RawPath == "" {
		u.Path = "/"
	}
	return u, nil
}

func isHTTPScheme(s string) bool { return s == "http" || s == "https" }

// urlOrigin is the origin of an http(s) URL; other schemes are opaque here.
func urlOrigin(u *url.URL) origin {
	if !isHTTPScheme(u.Scheme) {
		return ""
	}
	return origin(u.Scheme + "://" + u.Host)
}

// parseOrigin reads a page's serialized origin; "null" or anything that is
// not scheme://host[:port] is opaque.
func parseOrigin(s string) origin {
	if s == "" || s == "null" {
		return ""
	}
	u, err := parseURL(s)
	if err != nil || u.User != nil || !isHTTPScheme(u.Scheme) {
		return ""
	}
	return urlOrigin(u)
}

// serializeRequestOrigin is R9: "null" when the redirect-taint is not
// same-origin, that is when some hop lastURL→url changed origin while the
// request's origin was not same origin with lastURL (R9.1).
func serializeRequestOrigin(page origin, urls []*url.URL) string {
	for i := 1; i < len(urls); i++ {
		last, cur := urlOrigin(urls[i-1]), urlOrigin(urls[i])
		if !cur.sameOrigin(last) && !page.sameOrigin(last) {
			return "null"
		}
	}
	return page.String()
}

// isValidOriginValue is whether Chromium's URL parser (GURL, which follows
// the URL standard for special schemes) accepts the value as a valid URL,
// for the InvalidAllowOriginValue mapping (R6.3). It is not Go's net/url:
// for a special scheme the URL standard skips any number of slashes and
// backslashes after the colon, so "https:app.test" and "https:///app.test"
// are valid (and merely mismatch), while a special URL without a host, or
// with a forbidden code point or a bad port in its host, is not.
func isValidOriginValue(v string) bool {
	v = strings.TrimFunc(v, func(r rune) bool { return r <= ' ' })
	v = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(v)
	scheme, rest, ok := strings.Cut(v, ":")
	if !ok || !isSchemeName(scheme) {
		return false
	}
	switch strings.ToLower(scheme) {
	case "http", "https", "ws", "wss", "ftp":
	default:
		return true // file: needs no host; other schemes are opaque
	}
	rest = strings.TrimLeft(rest, "/\\")
	end := strings.IndexAny(rest, "/\\?#")
	if end < 0 {
		end = len(rest)
	}
	host, port := rest[:end], ""
	if at := strings.LastIndexByte(host, '@'); at >= 0 {
		host = host[at+1:]
	}
	if strings.HasPrefix(host, "[") {
		close := strings.IndexByte(host, ']')
		if close < 0 {
			return false
		}
		after := host[close+1:]
		if after != "" && after[0] != ':' {
			return false
		}
		host, port = host[:close+1], strings.TrimPrefix(after, ":")
		if host == "[]" || strings.ContainsFunc(host[1:len(host)-1], func(r rune) bool { return r != ':' && r != '.' && !isHexDigit(r) }) {
			return false
		}
	} else {
		if c := strings.LastIndexByte(host, ':'); c >= 0 {
			host, port = host[:c], host[c+1:]
		}
		if host == "" || strings.ContainsAny(host, " #%/:<>?@[\\]^|") {
			return false
		}
	}
	n := 0
	for _, r := range port {
		if r < '0' || r > '9' {
			return false
		}
		if n = n*10 + int(r-'0'); n > 65535 {
			return false
		}
	}
	return true
}

// isSchemeName: an ASCII letter, then letters, digits, "+", "-" or ".".
func isSchemeName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case i > 0 && (r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.'):
		default:
			return false
		}
	}
	return true
}

func isHexDigit(r rune) bool {
	return r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F'
}

// urlT is a parsed, normalized URL.
type urlT = *url.URL
