package policy

import "strings"

// Rules are the CORS rules a server claims for a set of paths. A Policy holds
// one set of Rules for the whole API; a Route overrides some of them for a
// path prefix.
type Rules struct {
	// Origins allowed to read responses: exact serialized origins
	// ("https://app.example.com", no trailing slash, no path), the single
	// wildcard "*", the literal "null", or a subdomain pattern
	// "https://*.example.com" matching any subdomain at any depth (not the
	// apex, not "evilexample.com"). A policy must list its origins: nil is an
	// error, an empty list allows none, and both survive YAML and JSON.
	Origins []string `json:"origins,omitzero" yaml:"origins,omitempty"`
	// Methods allowed beyond the CORS-safelisted GET, HEAD and POST. They are
	// compared byte for byte, as browsers do since Chromium 109: "PATCH" does
	// not allow a page's "patch".
	Methods []string `json:"methods,omitempty" yaml:"methods,omitempty"`
	// RequestHeaders a page may send (Access-Control-Allow-Headers),
	// case-insensitive. "*" allows any header on requests without credentials.
	RequestHeaders []string `json:"request_headers,omitempty" yaml:"request_headers,omitempty"`
	// ExposeHeaders a page may read beyond the CORS-safelisted response
	// headers (Access-Control-Expose-Headers).
	ExposeHeaders []string `json:"expose_headers,omitempty" yaml:"expose_headers,omitempty"`
	// Credentials: the server lets pages send cookies and read the responses
	// (Access-Control-Allow-Credentials: true). Never together with "*".
	Credentials bool `json:"credentials,omitempty" yaml:"credentials,omitempty"`
	// MaxAge is Access-Control-Max-Age in seconds; nil omits the header (the
	// browser then caches a preflight for 5 s).
	MaxAge *int `json:"max_age,omitempty" yaml:"max_age,omitempty"`
}

// Policy is the CORS behaviour an API's owners claim. It is plain data: it
// round-trips through YAML and JSON and is printed in reports.
type Policy struct {
	Rules `json:",inline" yaml:",inline"`
	// Endpoints are where scenarios aim: a path and the methods it serves.
	Endpoints []Endpoint `json:"endpoints,omitempty" yaml:"endpoints,omitempty"`
	// Routes override fields of Rules for every path under a prefix; the
	// longest matching prefix wins.
	Routes []Route `json:"routes,omitempty" yaml:"routes,omitempty"`
}

// Endpoint is a path of the API and the methods it serves.
type Endpoint struct {
	Path    string   `json:"path" yaml:"path"`
	Methods []string `json:"methods,omitempty" yaml:"methods,omitempty"`
}

// Route overrides, for every path starting with Prefix, each field it sets.
// A nil field inherits the policy's value; an empty list overrides with
// nothing.
type Route struct {
	Prefix         string   `json:"prefix" yaml:"prefix"`
	Origins        []string `json:"origins,omitzero" yaml:"origins,omitempty"`
	Methods        []string `json:"methods,omitzero" yaml:"methods,omitempty"`
	RequestHeaders []string `json:"request_headers,omitzero" yaml:"request_headers,omitempty"`
	ExposeHeaders  []string `json:"expose_headers,omitzero" yaml:"expose_headers,omitempty"`
	Credentials    *bool    `json:"credentials,omitempty" yaml:"credentials,omitempty"`
	MaxAge         *int     `json:"max_age,omitempty" yaml:"max_age,omitempty"`
}

// For returns the rules in force for a request path: the policy's rules with
// the longest matching route's overrides applied.
func (p *Policy) For(path string) Rules {
	best := -1
	for i, rt := range p.Routes {
		if strings.HasPrefix(path, rt.Prefix) && (best < 0 || len(rt.Prefix) > len(p.Routes[best].Prefix)) {
			best = i
		}
	}
	if best < 0 {
		return p.Rules
	}
	return p.Routes[best].over(p.Rules)
}

// over returns r with each field the route sets replaced by the route's.
func (rt Route) over(r Rules) Rules {
	if rt.Origins != nil {
		r.Origins = rt.Origins
	}
	if rt.Methods != nil {
		r.Methods = rt.Methods
	}
	if rt.RequestHeaders != nil {
		r.RequestHeaders = rt.RequestHeaders
	}
	if rt.ExposeHeaders != nil {
		r.ExposeHeaders = rt.ExposeHeaders
	}
	if rt.Credentials != nil {
		r.Credentials = *rt.Credentials
	}
	if rt.MaxAge != nil {
		r.MaxAge = rt.MaxAge
	}
	return r
}

// PathParamValue is what Concrete puts in a "{name}" segment of an
// endpoint's path: a value most routers route ("/api/items/{id}" gives
// "/api/items/1"), the placeholder package openapi uses when a document
// gives no example either.
const PathParamValue = "1"

// Concrete is the endpoint's path as a request sends it: each "{name}"
// segment (a route template, as mockapi and OpenAPI write them) filled in
// with PathParamValue. A path without templates is returned as it is.
func (e Endpoint) Concrete() string {
	if !strings.Contains(e.Path, "{") {
		return e.Path
	}
	segs := strings.Split(e.Path, "/")
	for i, s := range segs {
		if len(s) > 2 && s[0] == '{' && s[len(s)-1] == '}' {
			segs[i] = PathParamValue
		}
	}
	return strings.Join(segs, "/")
}
