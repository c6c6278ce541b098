package audit

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/corsproof/corsproof/policy"
)

// Severity of a finding.
type Severity string

const (
	// SeveritySecurity: a page the server should not trust can read its
	// answers (with the user's cookies, or against the declared policy).
	SeveritySecurity Severity = "security"
	// SeverityBroken: a page that should read the answers cannot, in some
	// or all cases.
	SeverityBroken Severity = "broken"
	// SeverityInfo: worth knowing, fails nothing (e.g. an origin reflected
	// without credentials when no policy says it must not be).
	SeverityInfo Severity = "info"
)

func (s Severity) rank() int {
	switch s {
	case SeveritySecurity:
		return 0
	case SeverityBroken:
		return 1
	}
	return 2
}

// Finding is one problem, with the exchange that proves it.
type Finding struct {
	ID       string   `json:"id"`
	Severity Severity `json:"severity"`
	Title    string   `json:"title"`
	Probe    Exchange `json:"probe"`
	// Explanation is one line a person can act on.
	Explanation string `json:"explanation"`
	// Endpoints are the paths where the problem shows, in the order they
	// were probed, when the audit probed a policy's endpoints (nil when it
	// probed the target alone). Probe is the exchange on the first one.
	Endpoints []string `json:"endpoints,omitempty"`

	// group is what makes two endpoints' findings one problem; methods and
	// retitle, when set, let the merged finding name every method it breaks.
	group   string
	methods []string
	retitle func(methods []string) string
}

// Config is what to audit.
type Config struct {
	// Target is the absolute http(s) URL probed. Given a Policy with
	// endpoints, each endpoint's path on the target's origin is probed
	// instead, and the target's own URL too unless its path is the root
	// ("" or "/") or one of the endpoints: an API that answers 404 at / is
	// not judged there, and a path named on purpose is still audited.
	Target string
	// Policy, when set, is what the server claims: origins it does not
	// allow must not be readable, and its methods and request headers must
	// pass a preflight from its origins. Each URL is judged by the rules of
	// its path (Policy.For); an endpoint's preflights are for its own
	// methods (those the rules allow), else for the rules' methods.
	Policy *policy.Policy
	// Trusted origins to derive attacker origins from. Empty: the policy's
	// exact origins for each probed path, else the target's own origin.
	Trusted []string
	// Timeout bounds each request (default 10 s).
	Timeout time.Duration
	// MaxRequests bounds the whole audit (default 600 per URL probed).
	MaxRequests int
	// Transport overrides the HTTP transport (tests); the default one uses
	// no proxy, so requests go to the target itself.
	Transport http.RoundTripper
	// Endpoints, when set, are probed in place of the policy's (an OpenAPI
	// document's operations), with or without a policy.
	Endpoints []policy.Endpoint
}

// maxTrusted bounds how many trusted origins get their own crafted set.
const maxTrusted = 5

// Report is an audit's outcome.
type Report struct {
	Target string `json:"target"`
	// Endpoints are the paths probed when the policy lists endpoints (see
	// Config.Target); nil when the target alone was.
	Endpoints []string  `json:"endpoints,omitempty"`
	Trusted   []string  `json:"trusted"`
	Policy    bool      `json:"policy"`
	Requests  int       `json:"requests"`
	Findings  []Finding `json:"findings"`
}

// Failed reports whether a finding is security or broken.
func (r *Report) Failed() bool {
	for _, f := range r.Findings {
		if f.Severity != SeverityInfo {
			return true
		}
	}
	return false
}

// Has returns the first finding with id.
func (r *Report) Has(id string) (Finding, bool) {
	for _, f := range r.Findings {
		if f.ID == id {
			return f, true
		}
	}
	return Finding{}, false
}

// ConfigError is a problem with the Config (bad URL, bad origin).
type ConfigError struct{ Msg string }

func (e *ConfigError) Error() string { return e.Msg }

// Run audits the target (or the policy's endpoints, see Config.Target).
// Errors: *ConfigError for bad input, *UnreachableError when the target
// does not answer, ErrBudget, or the context's error.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	u, err := url.Parse(cfg.Target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, &ConfigError{fmt.Sprintf("--target %q is not an absolute http(s) URL, e.g. https://api.example.com/api/items", cfg.Target)}
	}
	eps := cfg.Endpoints
	if eps == nil && cfg.Policy != nil {
		eps = cfg.Policy.Endpoints
	}
	sites, endpoints := plan(cfg.Policy, eps, u)
	var trusted []string
	for i := range sites {
		t, err := trustedOrigins(cfg, u, sites[i].rules)
		if err != nil {
			return nil, err
		}
		sites[i].trusted = t
		for _, o := range t {
			if !slices.Contains(trusted, o) {
				trusted = append(trusted, o)
			}
		}
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.MaxRequests <= 0 {
		cfg.MaxRequests = 600 * len(sites)
	}
	p, done := NewProber(cfg.Transport, cfg.Timeout, cfg.MaxRequests, "corsproof-audit")
	defer done()
	var auditors []*auditor
	for _, s := range sites {
		a := &auditor{
			p: p, target: s.url, path: s.path, rules: s.rules, methods: s.methods,
			trusted: s.trusted,
			userSet: len(cfg.Trusted) > 0,
			seen:    map[string]bool{},
			gets:    map[string][2]Exchange{},
		}
		if err := a.run(ctx); err != nil {
			return nil, err
		}
		auditors = append(auditors, a)
	}
	findings := merge(auditors, endpoints)
	if f, ok := statefulFinding(auditors, endpoints); ok {
		findings = append(findings, f)
	}
	sort.SliceStable(findings, func(i, k int) bool {
		return findings[i].Severity.rank() < findings[k].Severity.rank()
	})
	if findings == nil {
		findings = []Finding{}
	}
	rep := &Report{Target: u.String(), Trusted: trusted, Policy: cfg.Policy != nil, Requests: p.Sent(), Findings: findings}
	if endpoints {
		for _, s := range sites {
			rep.Endpoints = append(rep.Endpoints, s.path)
		}
	}
	return rep, nil
}

// site is one URL an audit probes.
type site struct {
	url, path string
	rules     *policy.Rules // nil without a policy
	methods   []string      // the endpoint's; nil: the rules'
	trusted   []string
}

// plan lists the URLs to probe: the target alone, or, when the policy lists
// endpoints (endpoints true), the target unless its path is the root or an
// endpoint's, then each endpoint's path on the target's origin.
func plan(p *policy.Policy, eps []policy.Endpoint, u *url.URL) (sites []site, endpoints bool) {
	rules := func(path string) *policy.Rules {
		if p == nil {
			return nil
		}
		r := p.For(path)
		return &r
	}
	if len(eps) == 0 {
		return []site{{url: u.String(), path: u.Path, rules: rules(u.Path)}}, false
	}
	listed := slices.ContainsFunc(eps, func(e policy.Endpoint) bool { return e.Path == u.Path || e.Concrete() == u.Path })
	if u.Path != "" && u.Path != "/" && !listed {
		sites = append(sites, site{url: u.String(), path: u.Path, rules: rules(u.Path)})
	}
	for _, e := range eps {
		v := *u
		path := e.Concrete() // "/api/items/{id}" is probed as "/api/items/1"
		v.Path, v.RawPath, v.RawQuery, v.ForceQuery, v.Fragment, v.RawFragment = path, "", "", false, "", ""
		methods := e.Methods
		if len(methods) == 0 {
			methods = nil // none declared: the rules' methods, as for the target alone
		}
		sites = append(sites, site{url: v.String(), path: path, rules: rules(e.Path), methods: methods})
	}
	return sites, true
}

// merge joins the auditors' findings: one finding per problem, naming (when
// endpoints were probed) every endpoint where it shows, in probe order.
func merge(auditors []*auditor, endpoints bool) []Finding {
	var out []Finding
	at := map[string]int{}
	for _, a := range auditors {
		for _, f := range a.findings {
			i, ok := at[f.group]
			if !ok {
				if endpoints {
					f.Endpoints = []string{a.path}
				}
				f.methods = slices.Clone(f.methods)
				at[f.group] = len(out)
				out = append(out, f)
				continue
			}
			g := &out[i]
			if endpoints && !slices.Contains(g.Endpoints, a.path) {
				g.Endpoints = append(g.Endpoints, a.path)
			}
			if g.retitle != nil {
				for _, m := range f.methods {
					if !slices.Contains(g.methods, m) {
						g.methods = append(g.methods, m)
					}
				}
				g.Title = g.retitle(g.methods)
			}
		}
	}
	return out
}

// trustedOrigins picks the origins the crafted ones are derived from.
func trustedOrigins(cfg Config, target *url.URL, rules *policy.Rules) ([]string, error) {
	var out []string
	for _, o := range cfg.Trusted {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			return nil, &ConfigError{fmt.Sprintf("--origin %q is not an origin (scheme://host[:port]), e.g. https://app.example.com", o)}
		}
		out = append(out, u.Scheme+"://"+u.Host)
	}
	if len(out) == 0 && rules != nil {
		for _, o := range rules.Origins {
			if o != policy.Wildcard && o != "null" && !strings.Contains(o, "*") {
				out = append(out, o)
			}
		}
	}
	if len(out) == 0 {
		out = []string{target.Scheme + "://" + target.Host}
	}
	if len(out) > maxTrusted {
		out = out[:maxTrusted]
	}
	return out, nil
}
