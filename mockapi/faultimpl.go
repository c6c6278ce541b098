package mockapi

import (
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"

	"github.com/corsproof/corsproof/spec"

	"github.com/corsproof/corsproof/policy"
)

// faultState is what faults remember between requests, one per Server.
type faultState struct {
	regexps sync.Map // origin list joined by "\n" -> *regexp.Regexp, nil if it did not compile

	mu   sync.Mutex
	seen map[string]uint64 // stateful-matcher: requests per allowed origin
}

// maxTrackedOrigins bounds stateful-matcher's memory; past it, it starts over.
const maxTrackedOrigins = 10_000

func newFaultState(p *policy.Policy) *faultState {
	st := &faultState{seen: map[string]uint64{}}
	st.naiveRegexp(p.Origins) // precompute for the policy's lists
	for _, rt := range p.Routes {
		st.naiveRegexp(rt.Origins)
	}
	return st
}

// --- origin checks ---

// widen makes a fault's extra acceptance into an origin check: the policy's
// origins, plus those the broken check lets in.
func widen(broken func(st *faultState, rules policy.Rules, origin string) bool) func(*faultState, policy.Rules, string, bool) bool {
	return func(st *faultState, rules policy.Rules, origin string, allowed bool) bool {
		return allowed || broken(st, rules, origin)
	}
}

func reflectAny(*faultState, policy.Rules, string, bool) bool { return true }

func acceptNull(_ *faultState, _ policy.Rules, origin string) bool { return origin == "null" }

// namedOrigins are the rules' origins that name a host: not "*", not "null".
func namedOrigins(rules policy.Rules) []string {
	var out []string
	for _, o := range rules.Origins {
		if o != policy.Wildcard && o != "null" {
			out = append(out, o)
		}
	}
	return out
}

// hostSuffixMatch: the origin ends with an allowed origin's host[:port].
func hostSuffixMatch(_ *faultState, rules policy.Rules, origin string) bool {
	for _, o := range namedOrigins(rules) {
		if _, hostport, ok := strings.Cut(o, "://"); ok && strings.HasSuffix(origin, strings.TrimPrefix(hostport, "*.")) {
			return true
		}
	}
	return false
}

// originPrefixMatch: the origin starts with an allowed exact origin.
func originPrefixMatch(_ *faultState, rules policy.Rules, origin string) bool {
	for _, o := range namedOrigins(rules) {
		if !strings.Contains(o, "*") && strings.HasPrefix(origin, o) {
			return true
		}
	}
	return false
}

func unescapedDotMatch(st *faultState, rules policy.Rules, origin string) bool {
	re := st.naiveRegexp(rules.Origins)
	return re != nil && re.MatchString(origin)
}

// naiveRegexp is the allow-list as an anchored regexp, built the broken
// way: regexp.QuoteMeta is deliberately omitted, so "." matches any byte.
func (st *faultState) naiveRegexp(origins []string) *regexp.Regexp {
	key := strings.Join(origins, "\n")
	if re, ok := st.regexps.Load(key); ok {
		return re.(*regexp.Regexp)
	}
	var alts []string
	for _, o := range origins {
		if o != policy.Wildcard {
			alts = append(alts, strings.ReplaceAll(o, "*", ".*"))
		}
	}
	var re *regexp.Regexp
	if len(alts) > 0 {
		re, _ = regexp.Compile("^(?:" + strings.Join(alts, "|") + ")$") // nil if it does not compile
	}
	st.regexps.Store(key, re)
	return re
}

// parentDomainMatch: same scheme and port, and a host ending with the
// allowed host's parent domain, with no dot boundary.
func parentDomainMatch(_ *faultState, rules policy.Rules, origin string) bool {
	oscheme, ohost, oport, ok := originParts(origin)
	if !ok {
		return false
	}
	for _, o := range namedOrigins(rules) {
		scheme, host, port, ok := originParts(o)
		if !ok || scheme != oscheme || port != oport {
			continue
		}
		if parent := parentDomain(strings.TrimPrefix(host, "*.")); parent != "" && strings.HasSuffix(ohost, parent) {
			return true
		}
	}
	return false
}

// parentDomain drops a host's first label when at least two remain
// (app.example.test -> example.test); a two-label host is its own parent.
// IP addresses have none.
func parentDomain(host string) string {
	if host == "" || net.ParseIP(strings.Trim(host, "[]")) != nil {
		return ""
	}
	if labels := strings.Split(host, "."); len(labels) > 2 {
		return strings.Join(labels[1:], ".")
	}
	return host
}

// originParts splits "scheme://host[:port]".
func originParts(o string) (scheme, host, port string, ok bool) {
	scheme, hostport, ok := strings.Cut(o, "://")
	if !ok {
		return "", "", "", false
	}
	host = hostport
	if i := strings.LastIndexByte(hostport, ':'); i >= 0 && !strings.Contains(hostport[i:], "]") {
		host, port = hostport[:i], hostport[i+1:]
	}
	return scheme, host, port, true
}

// httpDowngradeMatch: http://X is let in when https://X is allowed.
func httpDowngradeMatch(_ *faultState, rules policy.Rules, origin string) bool {
	rest, ok := strings.CutPrefix(origin, "http://")
	return ok && rules.AllowsOrigin("https://"+rest)
}

// alternate: allowed origins pass on their 1st, 3rd, 5th... request.
func alternate(st *faultState, _ policy.Rules, origin string, allowed bool) bool {
	if !allowed {
		return false
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.seen) >= maxTrackedOrigins {
		clear(st.seen)
	}
	n := st.seen[origin]
	st.seen[origin] = n + 1
	return n%2 == 0
}

// --- header rewrites ---

func wildcardWithCredentials(sv *served) {
	if sv.header.Get(spec.HeaderAllowOrigin) != "" {
		sv.header.Set(spec.HeaderAllowOrigin, policy.Wildcard)
		sv.header.Set(spec.HeaderAllowCredentials, "true")
	}
}

func duplicateACAO(sv *served) {
	if v := sv.header.Get(spec.HeaderAllowOrigin); v != "" {
		sv.header.Add(spec.HeaderAllowOrigin, v)
	}
}

func trailingSlashACAO(sv *served) {
	if v := sv.header.Get(spec.HeaderAllowOrigin); v != "" && v != policy.Wildcard {
		sv.header.Set(spec.HeaderAllowOrigin, v+"/")
	}
}

func capitalizeACAC(sv *served) {
	if sv.header.Get(spec.HeaderAllowCredentials) != "" {
		sv.header.Set(spec.HeaderAllowCredentials, "True")
	}
}

func lowercaseACAM(sv *served) {
	if v := sv.header.Get(spec.HeaderAllowMethods); v != "" {
		sv.header.Set(spec.HeaderAllowMethods, strings.ToLower(v))
	}
}

func dropLastAllowedHeader(sv *served) {
	if sv.header.Get(spec.HeaderAllowHeaders) == "" {
		return
	}
	if list := sv.rules.RequestHeaders; len(list) > 1 {
		sv.header.Set(spec.HeaderAllowHeaders, strings.Join(list[:len(list)-1], ", "))
	} else {
		sv.header.Del(spec.HeaderAllowHeaders)
	}
}

func dropHeaders(names ...string) func(*served) {
	return func(sv *served) {
		for _, n := range names {
			sv.header.Del(n)
		}
	}
}

// corsResponseHeaders are what no-cors-on-errors loses: everything a CORS
// layer adds, Vary aside.
var corsResponseHeaders = []string{
	spec.HeaderAllowOrigin, spec.HeaderAllowCredentials, spec.HeaderAllowMethods,
	spec.HeaderAllowHeaders, spec.HeaderExposeHeaders, spec.HeaderMaxAge,
}

func stripOnErrors(sv *served) {
	if !sv.req.IsPreflight() && sv.status >= 400 {
		dropHeaders(corsResponseHeaders...)(sv)
	}
}

// --- preflight answers ---

// passPreflightThrough hands a preflight to the API as if it were an
// actual request, with the actual-request CORS headers.
func passPreflightThrough(s *Server, w http.ResponseWriter, r *http.Request, req policy.Request) {
	traceOf(r).passthrough = true
	req.HasRequestMethod = false // answered as an actual request
	s.serveActual(w, r, req, s.router)
}

// redirectMarker is the query parameter preflight-redirected appends.
const redirectMarker = "corsproof_redirected=1"

// redirectPreflight answers the conforming preflight headers, but with a
// 307 to the same URL plus a marker.
func redirectPreflight(s *Server, w http.ResponseWriter, r *http.Request, req policy.Request) {
	sv := s.corsAnswer(req, http.StatusTemporaryRedirect)
	copyHeader(w.Header(), sv.header)
	target := r.RequestURI // the URL as the client sent it, before any StripPrefix
	if target == "" || !strings.HasPrefix(target, "/") {
		target = r.URL.RequestURI()
	}
	sep := "?"
	if strings.Contains(target, "?") {
		sep = "&"
	}
	w.Header().Set("Location", target+sep+redirectMarker)
	w.WriteHeader(http.StatusTemporaryRedirect)
}
