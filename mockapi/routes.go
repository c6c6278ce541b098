package mockapi

import (
	"net/http"
	"slices"
	"strings"
)

// anyMethod in a route's pattern accepts every method, in any spelling:
// policies test lowercase "patch" and custom methods such as PURGE, and the
// point of the API is its CORS answer, not REST.
const anyMethod = "*"

// route is one row of the routing table: "METHOD /path" and its handler.
type route struct {
	pattern string
	handler http.HandlerFunc
}

// routes is the API, readable at a glance. Methods are matched byte for
// byte: "get /api/items" is a 405, as a strict server would answer.
// Preflights never get here (the CORS layer answers them); a plain OPTIONS
// to a routed path gets 204 with Allow; anything unrouted gets 404 JSON.
func (s *Server) routes() []route {
	return []route{
		{"GET /api/items", s.listItems},
		{"HEAD /api/items", s.listItems},
		{"POST /api/items", s.createItem},
		{"* /api/items/{id}", s.item}, // GET PUT PATCH DELETE, patch, PURGE...
		{"GET /api/me", s.me},
		{"HEAD /api/me", s.me},
		{"POST /api/login", s.login},
		{"* /api/status/{code}", s.status},     // any method: scenarios test errors after a preflight
		{"* /api/redirect/{code}", s.redirect}, // any method: 307/308 keep PUT a PUT
	}
}

// router is the API behind the CORS layer: a routing table that can also
// say which dispatcher serves a request's path (for Allow).
type router interface {
	http.Handler
	dispatcherFor(r *http.Request) *dispatcher
}

// muxRouter is the mock's own API on a ServeMux.
type muxRouter struct{ *http.ServeMux }

func (m muxRouter) dispatcherFor(r *http.Request) *dispatcher {
	d, _ := routerHandler(m.ServeMux, r).(*dispatcher)
	return d
}

// newRouter registers the routing table on a ServeMux, one dispatcher per
// path. ServeMux's own method patterns are not used: they treat GET as
// GET+HEAD, answer 405 in plain text, and cannot express "any method
// except a plain OPTIONS".
func (s *Server) newRouter() router {
	mux := http.NewServeMux()
	byPath, paths := dispatchers(append(s.routes(), s.extraRoutes...))
	for _, path := range paths {
		mux.Handle(path, byPath[path])
	}
	mux.HandleFunc("/", notFound)
	return muxRouter{mux}
}

// notFound answers an unrouted path.
func notFound(w http.ResponseWriter, r *http.Request) {
	traceOf(r).route = "/"
	writeError(w, http.StatusNotFound, "no such endpoint")
}

// dispatchers groups routing rows by path, one dispatcher each, in the
// order the paths first appear.
func dispatchers(routes []route) (map[string]*dispatcher, []string) {
	byPath := map[string]*dispatcher{}
	var paths []string
	for _, rt := range routes {
		method, path, ok := strings.Cut(rt.pattern, " ")
		if !ok {
			panic("mockapi: route pattern without a method: " + rt.pattern)
		}
		d := byPath[path]
		if d == nil {
			d = &dispatcher{path: path, methods: map[string]http.HandlerFunc{}, first: rt.handler}
			byPath[path] = d
			paths = append(paths, path)
		}
		if method == anyMethod {
			d.any = rt.handler
		} else if _, dup := d.methods[method]; !dup {
			d.methods[method] = rt.handler
			d.allowList = append(d.allowList, method)
		}
	}
	for _, path := range paths {
		byPath[path].allow = byPath[path].allowHeader()
	}
	return byPath, paths
}

// dispatcher picks a path's handler by method.
type dispatcher struct {
	path      string
	methods   map[string]http.HandlerFunc
	any       http.HandlerFunc
	first     http.HandlerFunc // the row listed first, for passed-through preflights
	allowList []string
	allow     string // the Allow header's value
}

// anyMethodAllow is what Allow advertises for a path that accepts any
// method: the usual ones, since "*" is not a valid Allow value.
var anyMethodAllow = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"}

func (d *dispatcher) allowHeader() string {
	list := d.allowList
	if d.any != nil {
		list = anyMethodAllow
	}
	if !slices.Contains(list, http.MethodOptions) {
		list = append(list[:len(list):len(list)], http.MethodOptions)
	}
	return strings.Join(list, ", ")
}

func (d *dispatcher) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t := traceOf(r)
	t.route = d.path
	switch h := d.methods[r.Method]; {
	case t.passthrough:
		// A preflight the preflight-passthrough fault let through: the API
		// handler answers it as if it were any request.
		if d.any != nil {
			d.any(w, r)
		} else {
			d.first(w, r)
		}
	case h != nil:
		h(w, r)
	case r.Method == http.MethodOptions:
		w.Header().Set("Allow", d.allow)
		w.WriteHeader(http.StatusNoContent)
	case d.any != nil:
		d.any(w, r)
	default:
		w.Header().Set("Allow", d.allow)
		writeError(w, http.StatusMethodNotAllowed, "method not allowed")
	}
}

// allowFor is the Allow header the router would send for r's path; "" for
// an unrouted path.
func (s *Server) allowFor(r *http.Request) string {
	if d := s.router.dispatcherFor(r); d != nil {
		return d.allow
	}
	return ""
}

func routerHandler(mux *http.ServeMux, r *http.Request) http.Handler {
	h, _ := mux.Handler(r)
	return h
}
