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

// isValidOriginValue approximates Chromium's GURL(value).is_valid() for the
// InvalidAllowOriginValue mapping (R6.3): an absolute URL with a scheme and,
// for http(s), a host.
func isValidOriginValue(v string) bool {
	u, err := url.Parse(v)
	if err != nil || u.Scheme == "" {
		return false
	}
	if isHTTPScheme(strings.ToLower(u.Scheme)) && u.Host == "" {
		return false
	}
	return true
}

// urlT is a parsed, normalized URL.
type urlT = *url.URL
