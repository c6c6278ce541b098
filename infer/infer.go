package infer

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/audit"
	"github.com/corsproof/corsproof/policy"
)

// Endpoint is a path to probe and what the API declares about it.
type Endpoint struct {
	Path string
	// Methods the endpoint serves (none: not declared). A declared method
	// the preflight refuses is a finding; others are probed too, so the
	// rules of every endpoint are comparable.
	Methods []string
	// RequestHeaders pages send to it (an OpenAPI document's header
	// parameters, body Content-Type, security schemes).
	RequestHeaders []string
	// ResponseHeaders it declares: each must be exposed for a page to read it.
	ResponseHeaders []string
}

// Config is what to infer from.
type Config struct {
	// Target is the API's base URL; each endpoint's path goes on its origin.
	Target string
	// Origins are the origins the user expects the server to trust (exact,
	// or a pattern https://*.example.com whose subdomains are probed).
	// Empty: a few guesses from the target's name and the usual local
	// development origins, plus any origin the server names on its own.
	Origins []string
	// Endpoints to probe; none: the target's own path.
	Endpoints []Endpoint
	// Timeout bounds each request (default 10 s).
	Timeout time.Duration
	// MaxRequests bounds the whole run (default 400 per endpoint).
	MaxRequests int
	// Transport overrides the HTTP transport (tests).
	Transport http.RoundTripper
	// Intended, when set, is the policy the server is meant to implement:
	// where it departs from it is a finding too, named as check names it,
	// and its methods and request headers are probed as well.
	Intended *policy.Policy
}

// Finding is behaviour a policy cannot or should not say.
type Finding struct {
	// Cause is the kind check reports for it.
	Cause corsproof.CauseKind
	// Bug is the real-world bug it is, as the mock's fault gallery names
	// it ("reflect-origin-credentials", "suffix-match"), when it is one.
	Bug string
	// Text says what the server does, in one line.
	Text string
	// Proof is the exchange that shows it.
	Proof Exchange
	// Endpoints where it shows, in probe order.
	Endpoints []string
	key       string
}

// Result is the inferred policy and what it leaves out.
type Result struct {
	Target    string
	Policy    *policy.Policy
	Findings  []Finding
	Notes     []string
	Requests  int
	Origins   []string // the trusted origins probed
	Endpoints []string
}

// Failed reports whether a finding was made (the CLI's exit 1).
func (r *Result) Failed() bool { return len(r.Findings) > 0 }

// Causes are the findings' cause kinds, each once, in order.
func (r *Result) Causes() []corsproof.CauseKind {
	var out []corsproof.CauseKind
	for _, f := range r.Findings {
		if !slices.Contains(out, f.Cause) {
			out = append(out, f.Cause)
		}
	}
	return out
}

// ConfigError is bad input (URL, origin, endpoint).
type ConfigError struct{ Msg string }

func (e *ConfigError) Error() string { return e.Msg }

// Run probes the target and infers its policy. Errors: *ConfigError,
// *UnreachableError, ErrBudget, or the context's.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	base, err := url.Parse(cfg.Target)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, &ConfigError{fmt.Sprintf("--target %q is not an absolute http(s) URL, e.g. https://api.example.com", cfg.Target)}
	}
	trusted, synthetic, err := trustedOrigins(cfg.Origins, base)
	if err != nil {
		return nil, err
	}
	eps := cfg.Endpoints
	if len(eps) == 0 {
		p := base.Path
		if p == "" {
			p = "/"
		}
		eps = []Endpoint{{Path: p}}
	}
	for _, e := range eps {
		if !strings.HasPrefix(e.Path, "/") {
			return nil, &ConfigError{fmt.Sprintf("endpoint %q: a path starts with /", e.Path)}
		}
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.MaxRequests <= 0 {
		cfg.MaxRequests = 400 * len(eps)
	}
	ap, done := audit.NewProber(cfg.Transport, cfg.Timeout, cfg.MaxRequests, "corsproof-infer")
	defer done()
	r := &run{
		p:    &prober{Prober: ap, cache: map[string][]Exchange{}},
		base: base, trusted: trusted, synthetic: synthetic, userOrigins: len(cfg.Origins) > 0,
		findings: map[string]int{},
	}
	for _, e := range eps {
		for _, m := range e.Methods {
			if !slices.Contains(r.methods, m) {
				r.methods = append(r.methods, m)
			}
		}
		r.headers = addFold(r.headers, e.RequestHeaders...)
	}
	if in := cfg.Intended; in != nil {
		rules := []policy.Rules{in.Rules}
		for _, e := range eps {
			rules = append(rules, in.For(e.Path))
		}
		for _, rl := range rules {
			for _, m := range rl.Methods {
				if m != "*" && !slices.Contains(r.methods, m) {
					r.methods = append(r.methods, m)
				}
			}
			r.headers = addFold(r.headers, slices.DeleteFunc(slices.Clone(rl.RequestHeaders), func(h string) bool { return h == "*" })...)
		}
	}
	// Origins the server names by itself (a fixed Access-Control-Allow-Origin)
	// are trusted candidates too.
	for _, e := range eps {
		for _, t := range slices.Clone(r.trusted) {
			x, err := r.p.get(ctx, r.urlOf(e.Path), t)
			if err != nil {
				return nil, err
			}
			for _, v := range x.ResponseHeaders.Values("Access-Control-Allow-Origin") {
				if v != t && v != "*" && v != "null" && strings.TrimSuffix(v, "/") != t && isOrigin(v) && !slices.Contains(r.trusted, v) {
					r.trusted = append(r.trusted, v)
					r.note(fmt.Sprintf("the server names %s in Access-Control-Allow-Origin by itself (%s): probed as a trusted origin", v, x))
				}
			}
		}
	}
	var sites []*site
	for _, e := range eps {
		s, err := r.endpoint(ctx, e)
		if err != nil {
			return nil, err
		}
		sites = append(sites, s)
	}
	r.checkUnstable()
	r.noteNoMaxAge(sites, cfg.Intended != nil)
	if cfg.Intended != nil {
		for _, s := range sites {
			r.compare(s, cfg.Intended)
		}
	}
	pol, err := r.assemble(sites)
	if err != nil {
		return nil, err
	}
	res := &Result{Target: base.String(), Policy: pol, Findings: r.out, Notes: r.notes, Requests: r.p.Sent()}
	for _, t := range r.trusted {
		if !r.synthetic[t] {
			res.Origins = append(res.Origins, t)
		}
	}
	for _, e := range eps {
		res.Endpoints = append(res.Endpoints, e.Path)
	}
	return res, nil
}

// noteNoMaxAge says when no passing preflight carried Access-Control-Max-Age.
// That is a policy (the browsers' default), so it is no finding; but a lost
// max-age setting looks exactly like it, and only the intended policy
// (compared) can tell the max-age-differs cause from a choice.
func (r *run) noteNoMaxAge(sites []*site, compared bool) {
	any := false
	for _, s := range sites {
		if s.maxAge != nil {
			return
		}
		any = any || s.preflighted
	}
	if !any || compared {
		return
	}
	r.note("no preflight answer carries Access-Control-Max-Age, so browsers keep each preflight for 5 seconds only " +
		"and send one before nearly every request that needs it; if your configuration sets a max-age, it is lost " +
		"(the " + string(corsproof.CauseMaxAgeDiffers) + " cause: give --policy with the intended policy to check it)")
}

// run is one inference's state.
type run struct {
	p           *prober
	base        *url.URL
	trusted     []string
	synthetic   map[string]bool // probe origins infer made up, never written as exact origins
	userOrigins bool
	methods     []string // declared on any endpoint
	headers     []string // declared on any endpoint
	out         []Finding
	findings    map[string]int
	notes       []string
}

func (r *run) urlOf(path string) string {
	u := *r.base
	p, q, _ := strings.Cut(path, "?")
	u.Path, u.RawPath, u.RawQuery, u.Fragment = p, "", q, ""
	return u.String()
}

// find records a finding once per cause, bug and text, naming every
// endpoint where it shows.
func (r *run) find(path string, f Finding) {
	key := string(f.Cause) + "|" + f.Bug + "|" + f.key
	if f.key == "" {
		key += f.Text
	}
	if i, ok := r.findings[key]; ok {
		if !slices.Contains(r.out[i].Endpoints, path) {
			r.out[i].Endpoints = append(r.out[i].Endpoints, path)
		}
		return
	}
	f.Endpoints = []string{path}
	r.findings[key] = len(r.out)
	r.out = append(r.out, f)
}

func (r *run) note(n string) {
	if !slices.Contains(r.notes, n) {
		r.notes = append(r.notes, n)
	}
}

func (r *run) checkUnstable() {
	for _, xs := range r.p.unstable {
		u, _ := url.Parse(xs[0].URL)
		r.find(u.Path, Finding{Cause: corsproof.CauseUnstable, Bug: "stateful-matcher", key: "unstable",
			Text: fmt.Sprintf("two identical requests got different CORS answers (from %s: %s, then %s): the origin check keeps state "+
				"(a RegExp with the g flag?), so browsers fail every other request, and what is inferred below is unreliable",
				xs[0].Origin, answerOf(xs[0]), answerOf(xs[1])),
			Proof: xs[1]})
	}
}

func answerOf(x Exchange) string {
	if v, ok := x.ResponseHeaders.Get("Access-Control-Allow-Origin"); ok {
		return "Access-Control-Allow-Origin: " + v
	}
	return "no Access-Control-Allow-Origin"
}

func addFold(list []string, names ...string) []string {
	for _, n := range names {
		if n != "" && !slices.ContainsFunc(list, func(h string) bool { return strings.EqualFold(h, n) }) {
			list = append(list, n)
		}
	}
	return list
}

func isOrigin(o string) bool {
	u, err := url.Parse(o)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.Path == "" && u.RawQuery == "" &&
		strings.ToLower(o) == o
}
