package mockapi

import (
	"net/http"
	"slices"
	"strings"

	"github.com/corsproof/corsproof/policy"
)

// WithPolicyEndpoints makes the API behind the CORS layer the policy's own
// endpoints instead of the mock's items, as a real API serving that policy
// would: each endpoint's path (a segment "{name}" matches any one segment,
// so /api/todos/{id} answers /api/todos/42), each of its methods answered
// 200 with a small JSON body, every other method 405 with Allow, other paths
// 404, and every answer carrying the headers the policy exposes for its
// path, so that exposing them is observable. An endpoint that lists no
// methods serves GET and HEAD (what a check sends it); GET brings HEAD, as
// it does on most servers. POST /api/login and GET /api/me keep issuing and
// checking the session cookie where no endpoint of the policy matches them.
//
// The CORS layer and a fault bend the answers exactly as they do the mock's
// own API. A policy that lists no endpoints keeps the mock's API.
func WithPolicyEndpoints() Option { return func(s *Server) { s.policyEndpoints = true } }

// Endpoints are the paths and methods the API serves when it serves the
// policy's endpoints (WithPolicyEndpoints): the policy's, with the methods
// each really answers, then the session routes it kept. Nil when the
// server runs the mock's own API.
func (s *Server) Endpoints() []policy.Endpoint {
	rt, ok := s.router.(*endpointRouter)
	if !ok {
		return nil
	}
	var out []policy.Endpoint
	for i, ep := range rt.endpoints {
		out = append(out, policy.Endpoint{Path: s.policy.Endpoints[i].Path, Methods: ep.d.allowList})
	}
	for _, path := range rt.helperPaths {
		out = append(out, policy.Endpoint{Path: path, Methods: rt.helpers[path].allowList})
	}
	return out
}

// endpointRouter serves the policy's endpoints, then the session routes.
type endpointRouter struct {
	s         *Server
	endpoints []policyEndpoint       // in the policy's order
	helpers   map[string]*dispatcher // by exact path
	// helperPaths are the helpers no endpoint shadows, in order.
	helperPaths []string
}

// policyEndpoint is one endpoint of the policy: its path split at "/" and
// the dispatcher of its methods.
type policyEndpoint struct {
	segments []string
	params   []string // the names of its "{name}" segments, in order
	d        *dispatcher
}

func (s *Server) newEndpointRouter() router {
	rt := &endpointRouter{s: s}
	for _, ep := range s.policy.Endpoints {
		methods := ep.Methods
		if len(methods) == 0 {
			methods = []string{http.MethodGet, http.MethodHead}
		}
		if slices.Contains(methods, http.MethodGet) && !slices.Contains(methods, http.MethodHead) {
			methods = append(methods[:len(methods):len(methods)], http.MethodHead)
		}
		pe := policyEndpoint{segments: strings.Split(ep.Path, "/")}
		for _, seg := range pe.segments {
			if name, ok := paramName(seg); ok {
				pe.params = append(pe.params, name)
			}
		}
		h := s.endpoint(ep.Path, pe.params)
		routes := make([]route, 0, len(methods))
		for _, m := range methods {
			routes = append(routes, route{m + " " + ep.Path, h})
		}
		byPath, _ := dispatchers(routes)
		pe.d = byPath[ep.Path]
		rt.endpoints = append(rt.endpoints, pe)
	}
	helpers := []route{
		{"GET /api/me", s.me},
		{"HEAD /api/me", s.me},
		{"POST /api/login", s.login},
	}
	var paths []string
	rt.helpers, paths = dispatchers(append(helpers, s.extraRoutes...))
	for _, path := range paths {
		if ep, _ := rt.match(path); ep == nil {
			rt.helperPaths = append(rt.helperPaths, path)
		}
	}
	return rt
}

// paramName is the name of a path parameter segment "{name}".
func paramName(seg string) (string, bool) {
	if len(seg) > 2 && seg[0] == '{' && seg[len(seg)-1] == '}' {
		return seg[1 : len(seg)-1], true
	}
	return "", false
}

// match is the endpoint for path, with its parameters' values: of the
// endpoints that match, the one with a literal segment where the others
// have a parameter, earliest (/api/todos/new beats /api/todos/{id}); among
// equals, the one listed first.
func (rt *endpointRouter) match(path string) (*policyEndpoint, []string) {
	segs := strings.Split(path, "/")
	var best *policyEndpoint
	var bestValues []string
	for i := range rt.endpoints {
		ep := &rt.endpoints[i]
		values, ok := ep.matches(segs)
		if ok && (best == nil || ep.moreSpecific(best)) {
			best, bestValues = ep, values
		}
	}
	return best, bestValues
}

func (ep *policyEndpoint) matches(segs []string) ([]string, bool) {
	if len(segs) != len(ep.segments) {
		return nil, false
	}
	var values []string
	for i, want := range ep.segments {
		if _, ok := paramName(want); ok {
			if segs[i] == "" {
				return nil, false
			}
			values = append(values, segs[i])
		} else if segs[i] != want {
			return nil, false
		}
	}
	return values, true
}

// moreSpecific: at the first segment where one endpoint has a literal and
// the other a parameter, ep has the literal.
func (ep *policyEndpoint) moreSpecific(other *policyEndpoint) bool {
	for i := range ep.segments {
		_, mine := paramName(ep.segments[i])
		_, theirs := paramName(other.segments[i])
		if mine != theirs {
			return theirs
		}
	}
	return false
}

func (rt *endpointRouter) dispatcherFor(r *http.Request) *dispatcher {
	if ep, _ := rt.match(r.URL.Path); ep != nil {
		return ep.d
	}
	return rt.helpers[r.URL.Path]
}

func (rt *endpointRouter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rt.s.setExposed(w.Header(), r.URL.Path)
	if ep, values := rt.match(r.URL.Path); ep != nil {
		for i, name := range ep.params {
			r.SetPathValue(name, values[i])
		}
		ep.d.ServeHTTP(w, r)
		return
	}
	if d := rt.helpers[r.URL.Path]; d != nil {
		d.ServeHTTP(w, r)
		return
	}
	notFound(w, r)
}

// endpoint answers any method of one policy endpoint: what was asked, the
// path parameters, whether the session cookie came, the body's size.
func (s *Server) endpoint(path string, params []string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		n, ok := drainBody(w, r)
		if !ok {
			return
		}
		body := map[string]any{
			"endpoint": path, "path": r.URL.Path, "method": r.Method,
			"session": s.sessions.validRequest(r), "received_bytes": n,
		}
		if len(params) > 0 {
			values := map[string]string{}
			for _, name := range params {
				values[name] = r.PathValue(name)
			}
			body["params"] = values
		}
		writeJSON(w, http.StatusOK, body)
	}
}

// exposedValue is what a response carries in each header the policy
// exposes and the API does not set itself.
const exposedValue = "corsproof"

// unsettable are headers the API never fills in for the policy's
// expose_headers: the CORS-safelisted ones a page reads anyway, framing and
// connection headers that would break the response, Date, Location and
// Vary that mean something to clients, Set-Cookie that would set a cookie;
// the CORS headers are the CORS layer's.
var unsettable = map[string]bool{
	"Cache-Control": true, "Content-Language": true, "Content-Length": true, "Content-Type": true,
	"Expires": true, "Last-Modified": true, "Pragma": true,
	"Connection": true, "Content-Encoding": true, "Keep-Alive": true, "Trailer": true,
	"Transfer-Encoding": true, "Upgrade": true,
	"Date": true, "Location": true, "Vary": true, "Set-Cookie": true, "Set-Cookie2": true,
}

// setExposed gives every header the policy exposes for path a value, unless
// the API already set it.
func (s *Server) setExposed(h http.Header, path string) {
	for _, name := range s.policy.For(path).ExposeHeaders {
		k := http.CanonicalHeaderKey(name)
		if name == "*" || unsettable[k] || strings.HasPrefix(k, "Access-Control-") || h.Get(k) != "" {
			continue
		}
		h.Set(k, exposedValue)
	}
}
