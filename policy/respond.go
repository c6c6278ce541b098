package policy

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/corsproof/corsproof/spec"
)

// The policy speaks of the CORS headers by the names package spec gives
// them (spec.HeaderAllowOrigin, ...).
const (
	Wildcard        = "*"
	preflightVary   = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
	PreflightStatus = http.StatusNoContent
)

// Request is what a server sees of a request, reduced to what its CORS
// answer depends on.
type Request struct {
	Method string // the method on the wire: OPTIONS for a preflight
	Path   string
	Origin string // the Origin header; "" when absent
	// HasRequestMethod tells an OPTIONS request carrying
	// Access-Control-Request-Method (a preflight) from a plain OPTIONS.
	HasRequestMethod bool
	RequestMethod    string // Access-Control-Request-Method
	RequestHeaders   string // Access-Control-Request-Headers, raw
}

// RequestFrom reduces an http.Request to what the policy looks at.
func RequestFrom(r *http.Request) Request {
	acrm, has := r.Header[http.CanonicalHeaderKey(spec.HeaderRequestMethod)]
	req := Request{
		Method:           r.Method,
		Path:             r.URL.Path,
		Origin:           r.Header.Get(spec.HeaderOrigin),
		HasRequestMethod: has,
		RequestHeaders:   r.Header.Get(spec.HeaderRequestHeaders),
	}
	if has && len(acrm) > 0 {
		req.RequestMethod = acrm[0]
	}
	return req
}

// IsPreflight reports whether the request is a CORS preflight: an OPTIONS
// request with Access-Control-Request-Method. A plain OPTIONS is not one.
func (r Request) IsPreflight() bool { return r.Method == http.MethodOptions && r.HasRequestMethod }

// Answer is what a server that conforms to the policy answers.
type Answer struct {
	// Preflight: the request was a preflight; answer it with Status and
	// Header, and never pass it to the API handlers.
	Preflight bool
	// Status is the preflight's status (204); 0 for actual requests, whose
	// status the API handler chooses.
	Status int
	// Header holds the CORS response headers to send (and Vary).
	Header http.Header
	// OriginAllowed reports whether the policy grants the request's origin.
	OriginAllowed bool
}

// Answer tells what a server conforming to the policy sends for r. It is the
// single source both the mock API and the harness's prediction use.
func (p *Policy) Answer(r Request) Answer {
	rules := p.For(r.Path)
	h := http.Header{}
	a := Answer{Preflight: r.IsPreflight(), Header: h}
	wildcard := rules.allowsAny() && !rules.Credentials
	if a.Preflight {
		a.Status = PreflightStatus
		h.Set(spec.HeaderVary, preflightVary)
	} else if !wildcard {
		h.Set(spec.HeaderVary, spec.HeaderOrigin)
	}
	if r.Origin == "" || !rules.AllowsOrigin(r.Origin) {
		return a
	}
	a.OriginAllowed = true
	if wildcard {
		h.Set(spec.HeaderAllowOrigin, Wildcard)
	} else {
		h.Set(spec.HeaderAllowOrigin, r.Origin)
	}
	if rules.Credentials {
		h.Set(spec.HeaderAllowCredentials, "true")
	}
	if a.Preflight {
		if len(rules.Methods) > 0 {
			h.Set(spec.HeaderAllowMethods, strings.Join(rules.Methods, ", "))
		}
		if len(rules.RequestHeaders) > 0 {
			h.Set(spec.HeaderAllowHeaders, strings.Join(rules.RequestHeaders, ", "))
		}
		if rules.MaxAge != nil {
			h.Set(spec.HeaderMaxAge, strconv.Itoa(*rules.MaxAge))
		}
		return a
	}
	if len(rules.ExposeHeaders) > 0 {
		h.Set(spec.HeaderExposeHeaders, strings.Join(rules.ExposeHeaders, ", "))
	}
	return a
}

func (rl Rules) allowsAny() bool {
	for _, o := range rl.Origins {
		if o == Wildcard {
			return true
		}
	}
	return false
}

// AllowsOrigin reports whether a serialized origin (the Origin header's
// value) is granted by the rules: an exact match, "*", or a subdomain
// pattern "scheme://*.host[:port]".
func (rl Rules) AllowsOrigin(origin string) bool {
	for _, o := range rl.Origins {
		if o == Wildcard || o == origin {
			return true
		}
		if matchSubdomainPattern(o, origin) {
			return true
		}
	}
	return false
}

// matchSubdomainPattern matches "https://*.example.com" against an origin:
// same scheme and port, and a host that ends in ".example.com" with at least
// one non-empty label before it.
func matchSubdomainPattern(pattern, origin string) bool {
	scheme, rest, ok := strings.Cut(pattern, "://*.")
	if !ok {
		return false
	}
	oscheme, ohostport, ok := strings.Cut(origin, "://")
	if !ok || oscheme != scheme {
		return false
	}
	suffix := "." + rest
	if !strings.HasSuffix(ohostport, suffix) {
		return false
	}
	label := strings.TrimSuffix(ohostport, suffix)
	return label != "" && !strings.ContainsAny(label, ":/") && !strings.HasSuffix(label, ".") && !strings.HasPrefix(label, ".")
}
