package scenarios

import (
	"fmt"
	"net"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/policy"
	"github.com/corsproof/corsproof/spec"
)

// Origins a live check serves its pages under when the policy names no
// concrete one: a cross-site attacker, a page any "*" policy allows, and the
// host of the sandboxed page whose origin is "null". They end in .test, a
// name that never resolves on the internet, and are served locally anyway.
const (
	LiveEvilOrigin     = "https://evil.corsproof.test"
	LiveAnyOrigin      = "https://any-origin.corsproof.test"
	LiveSandboxHost    = "https://sandbox.corsproof.test"
	liveSubdomainLabel = "corsproof"
)

// ProbeHeader is the request header no policy lists: a page sending it
// must be refused by a server that keeps its policy.
const ProbeHeader = "X-Corsproof-Probe"

// SameSiteAPIOrigin is where a mock or a lab serves the API for a policy: on
// the same site as the policy's first exact https origin, so that site's
// cookies are first-party to it ("https://app.example.com" gives
// "https://corsproof-api.example.com"), else "https://api.corsproof.test".
func SameSiteAPIOrigin(p *policy.Policy) string {
	for _, o := range p.Origins {
		u, err := url.Parse(o)
		if err != nil || u.Scheme != "https" || strings.Contains(u.Host, "*") || net.ParseIP(u.Hostname()) != nil {
			continue
		}
		host := u.Hostname()
		if i := strings.IndexByte(host, '.'); i > 0 && strings.Count(host, ".") >= 2 {
			return "https://corsproof-api" + host[i:]
		}
		return "https://corsproof-api." + host
	}
	return "https://api.corsproof.test"
}

// LiveSites derives the origin pages of a live check from a policy: one page
// under each origin the policy allows (a concrete subdomain for a pattern
// "https://*.example.com", a neutral page for "*"), and the attackers the
// allowed origins suggest: a cross-site page, the http:// downgrade and
// another port of each exact origin, the crafted look-alikes of
// CraftedSites, and a sandboxed page whose origin is null.
//
// A site whose host and port are the target's own is left out, with a note:
// the browser must reach the target itself, never a local page in its place.
func LiveSites(p *policy.Policy, target *url.URL) (sites []corsproof.Site, notes []string) {
	seenName := map[string]int{}
	seenOrigin := map[string]bool{}
	seenHost := map[string]bool{}
	targetHost := ""
	if target != nil {
		targetHost = corsproof.HostPort(target)
	}
	add := func(s corsproof.Site) {
		if seenOrigin[s.Origin] {
			return
		}
		u, err := url.Parse(s.Served())
		if err != nil || u.Host == "" {
			notes = append(notes, fmt.Sprintf("origin %s is left out: it is not a URL origin", s.Origin))
			return
		}
		hp := corsproof.HostPort(u)
		if hp == targetHost {
			notes = append(notes, fmt.Sprintf("origin %s is left out: it is the target's own host and port (same origin, no CORS)", s.Origin))
			return
		}
		if seenHost[u.Scheme+"://"+hp] {
			return
		}
		seenOrigin[s.Origin] = true
		seenHost[u.Scheme+"://"+hp] = true
		if n := seenName[s.Name]; n > 0 {
			seenName[s.Name] = n + 1
			s.Name = fmt.Sprintf("%s-%d", s.Name, n+1)
		} else {
			seenName[s.Name] = 1
		}
		sites = append(sites, s)
	}

	allowed := allowedOrigins(p)
	var exact []string
	hasNull := false
	for _, o := range allowed {
		switch {
		case o == policy.Wildcard:
			add(corsproof.Site{Name: "any-origin", Class: corsproof.ClassAllowed, Origin: LiveAnyOrigin})
		case o == "null":
			hasNull = true
		case strings.Contains(o, "://*."):
			scheme, rest, _ := strings.Cut(o, "://*.")
			concrete := scheme + "://" + liveSubdomainLabel + "." + rest
			add(corsproof.Site{Name: siteName(scheme+"://"+rest) + "-sub", Class: corsproof.ClassAllowed, Origin: concrete})
		default:
			exact = append(exact, o)
			add(corsproof.Site{Name: siteName(o), Class: corsproof.ClassAllowed, Origin: o})
		}
	}
	nullClass := corsproof.ClassNull
	if hasNull {
		nullClass = corsproof.ClassAllowed
	}
	add(corsproof.Site{Name: "evil", Class: corsproof.ClassCrossSite, Origin: LiveEvilOrigin})
	add(corsproof.Site{Name: "null", Class: nullClass, Origin: "null", Host: LiveSandboxHost, Sandboxed: true})

	// Patterns: the apex and a look-alike without the dot boundary are not
	// subdomains, though careless matchers accept them.
	for _, o := range allowed {
		scheme, rest, ok := strings.Cut(o, "://*.")
		if !ok {
			continue
		}
		base := siteName(scheme + "://" + rest)
		add(corsproof.Site{Name: base + "-apex", Class: "pattern-apex", Origin: scheme + "://" + rest})
		add(corsproof.Site{Name: base + "-suffix", Class: "suffix", Origin: scheme + "://evil" + rest})
	}

	prefix := func(o, name string) string {
		if len(exact) > 1 {
			return siteName(o) + "-" + name
		}
		return name
	}
	for _, o := range exact {
		u, err := url.Parse(o)
		if err != nil || u.Host == "" {
			continue
		}
		if u.Scheme == "https" {
			add(corsproof.Site{Name: prefix(o, "downgrade"), Class: corsproof.ClassDowngrade, Origin: "http://" + u.Host})
		}
		port := "8443"
		if u.Port() == port {
			port = "9443"
		}
		add(corsproof.Site{Name: prefix(o, "other-port"), Class: corsproof.ClassOtherPort, Origin: u.Scheme + "://" + u.Hostname() + ":" + port})
		if net.ParseIP(u.Hostname()) != nil {
			continue // look-alikes of an IP address are not host names
		}
		crafted, err := corsproof.CraftedSites(o)
		if err != nil {
			continue
		}
		for _, c := range crafted {
			c.Name = prefix(o, strings.TrimPrefix(c.Name, "crafted-"))
			add(c)
		}
	}
	return sites, notes
}

// allowedOrigins lists every origin the policy or one of its routes allows,
// each once, in the order written.
func allowedOrigins(p *policy.Policy) []string {
	seen := map[string]bool{}
	var out []string
	addAll := func(os []string) {
		for _, o := range os {
			if !seen[o] {
				seen[o] = true
				out = append(out, o)
			}
		}
	}
	addAll(p.Origins)
	for _, rt := range p.Routes {
		addAll(rt.Origins)
	}
	return out
}

// siteName is a short readable name for an origin's page: the host's first
// label, and its port when it has one ("app", "admin-8443").
func siteName(origin string) string {
	u, err := url.Parse(origin)
	if err != nil || u.Hostname() == "" {
		return corsproof.Slug(origin)
	}
	host := u.Hostname()
	name := host
	if net.ParseIP(host) == nil {
		name, _, _ = strings.Cut(host, ".")
	}
	if u.Port() != "" {
		name += "-" + u.Port()
	}
	return corsproof.Slug(name)
}

// GenerateOptions shape the scenarios generated from a policy.
type GenerateOptions struct {
	// Sites are the origin pages (see LiveSites); scenarios run from each.
	Sites []corsproof.Site
	// Methods keeps only these methods (byte for byte). Empty: each
	// endpoint's listed methods, or GET and HEAD for an endpoint that lists
	// none.
	Methods []string
	// Headers are added to every request (e.g. the user's Authorization).
	Headers spec.Headers
	// Session marks credentialed scenarios to carry the user's cookies.
	Session bool
	// Policy is the name scenarios carry in Scenario.Policy.
	Policy string
}

// SafeMethods are the methods a check sends when an endpoint lists none:
// they change nothing on a server that follows HTTP's semantics.
var SafeMethods = []string{"GET", "HEAD"}

// GenerateScenarios derives the scenarios of a live check from a policy:
// for every endpoint and method, a fetch from every site without and with
// credentials, and from the allowed sites and the cross-site attacker a fetch
// with each allowed request header, an unlisted one (ProbeHeader) and
// Authorization. Exposure is checked on every allowed response. Scenarios
// are deduplicated by request; their ids are stable and readable
// ("get-api-items-evil", "put-api-items-1-app-h-x-request-id").
func GenerateScenarios(p *policy.Policy, o GenerateOptions) []corsproof.Scenario {
	endpoints := p.Endpoints
	if len(endpoints) == 0 {
		endpoints = []policy.Endpoint{{Path: "/"}}
	}
	g := generator{opts: o, ids: map[string]int{}, reqs: map[string]bool{}}
	for _, ep := range endpoints {
		methods := ep.Methods
		if len(methods) == 0 {
			methods = SafeMethods
		}
		rules := p.For(ep.Path)
		path := ep.Concrete() // "/api/items/{id}" is fetched as "/api/items/1"
		for _, m := range methods {
			if len(o.Methods) > 0 && !slices.Contains(o.Methods, m) {
				continue
			}
			for _, site := range o.Sites {
				g.add(path, m, site, spec.CredentialsMode(""), nil, "")
				g.add(path, m, site, spec.CredentialsInclude, nil, "cred")
			}
			for _, site := range o.Sites {
				if site.Class != corsproof.ClassAllowed && site.Name != "evil" {
					continue
				}
				for _, h := range headerProbes(rules) {
					g.add(path, m, site, spec.CredentialsMode(""), spec.Headers{h}, "h-"+corsproof.Slug(h.Name))
				}
			}
		}
	}
	return g.out
}

// headerProbes are the request headers worth a scenario: each one the
// rules allow, one they do not list, and Authorization.
func headerProbes(rl policy.Rules) []spec.Header {
	var hs []spec.Header
	seen := map[string]bool{}
	add := func(name, value string) {
		k := strings.ToLower(name)
		if !seen[k] {
			seen[k] = true
			hs = append(hs, spec.Header{Name: name, Value: value})
		}
	}
	for _, n := range rl.RequestHeaders {
		if n == "*" {
			continue
		}
		add(n, probeValue(n))
	}
	add(ProbeHeader, "1")
	add("Authorization", "Bearer corsproof-probe")
	return hs
}

// probeValue is a value that makes the header non-safelisted, so the
// request needs a preflight that must allow it.
func probeValue(name string) string {
	switch strings.ToLower(name) {
	case "content-type":
		return "application/json"
	case "authorization":
		return "Bearer corsproof-probe"
	}
	return "corsproof"
}

type generator struct {
	opts GenerateOptions
	ids  map[string]int
	reqs map[string]bool
	out  []corsproof.Scenario
}

func (g *generator) add(path, method string, site corsproof.Site, cred spec.CredentialsMode, extra spec.Headers, variant string) {
	hs := append(spec.Headers{}, extra...)
	for _, h := range g.opts.Headers {
		if !hs.Has(h.Name) {
			hs = append(hs, h)
		}
	}
	req := corsproof.Request{Path: path, Method: method, Headers: hs, Credentials: cred}
	key := site.Name + " " + req.String()
	for _, h := range hs {
		key += "|" + strings.ToLower(h.Name) + ":" + h.Value
	}
	if g.reqs[key] {
		return
	}
	g.reqs[key] = true

	id := corsproof.Slug(method) + "-" + corsproof.PathSlug(path) + "-" + site.Name
	if variant != "" {
		id += "-" + variant
	}
	if n := g.ids[id]; n > 0 {
		g.ids[id] = n + 1
		id = fmt.Sprintf("%s-%d", id, n+1)
	} else {
		g.ids[id] = 1
	}
	title := fmt.Sprintf("%s %s from %s (%s)", method, path, site.Name, site.Class)
	labels := []string{"method:" + method, "site:" + site.Name, "class:" + string(site.Class)}
	if cred == spec.CredentialsInclude {
		title += ", with credentials"
		labels = append(labels, "credentials")
	}
	for _, h := range extra {
		title += ", header " + h.Name
		labels = append(labels, "header:"+strings.ToLower(h.Name))
	}
	sort.Strings(labels)
	g.out = append(g.out, corsproof.Scenario{
		ID: id, Title: title, Labels: labels, Policy: g.opts.Policy, Site: site.Name,
		Request: req, Session: cred == spec.CredentialsInclude && g.opts.Session,
	})
}
