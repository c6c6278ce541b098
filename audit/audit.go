package audit

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
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
}

// Config is what to audit.
type Config struct {
	// Target is the absolute http(s) URL probed; every request goes there.
	Target string
	// Policy, when set, is what the server claims: origins it does not
	// allow must not be readable, and its methods and request headers must
	// pass a preflight from its origins.
	Policy *policy.Policy
	// Trusted origins to derive attacker origins from. Empty: the policy's
	// exact origins for the target's path, else the target's own origin.
	Trusted []string
	// Timeout bounds each request (default 10 s).
	Timeout time.Duration
	// MaxRequests bounds the whole audit (default 600).
	MaxRequests int
	// Transport overrides the HTTP transport (tests); the default one uses
	// no proxy, so requests go to the target itself.
	Transport http.RoundTripper
}

// maxTrusted bounds how many trusted origins get their own crafted set.
const maxTrusted = 5

// Report is an audit's outcome.
type Report struct {
	Target   string    `json:"target"`
	Trusted  []string  `json:"trusted"`
	Policy   bool      `json:"policy"`
	Requests int       `json:"requests"`
	Findings []Finding `json:"findings"`
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

// Run audits the target. Errors: *ConfigError for bad input,
// *UnreachableError when the target does not answer, ErrBudget, or the
// context's error.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	u, err := url.Parse(cfg.Target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, &ConfigError{fmt.Sprintf("--target %q is not an absolute http(s) URL, e.g. https://api.example.com/api/items", cfg.Target)}
	}
	var rules *policy.Rules
	if cfg.Policy != nil {
		r := cfg.Policy.For(u.Path)
		rules = &r
	}
	trusted, err := trustedOrigins(cfg, u, rules)
	if err != nil {
		return nil, err
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.MaxRequests <= 0 {
		cfg.MaxRequests = 600
	}
	tr := cfg.Transport
	if tr == nil {
		tr = &http.Transport{
			Proxy:               nil,
			DialContext:         (&net.Dialer{Timeout: cfg.Timeout}).DialContext,
			TLSHandshakeTimeout: cfg.Timeout,
			MaxIdleConnsPerHost: 2,
		}
		defer tr.(*http.Transport).CloseIdleConnections()
	}
	a := &auditor{
		p: &prober{
			client: &http.Client{Transport: tr, Timeout: cfg.Timeout,
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
			target: u.String(), max: cfg.MaxRequests,
		},
		rules:   rules,
		trusted: trusted,
		userSet: len(cfg.Trusted) > 0,
		seen:    map[string]bool{},
		gets:    map[string][2]Exchange{},
	}
	if err := a.run(ctx); err != nil {
		return nil, err
	}
	sort.SliceStable(a.findings, func(i, k int) bool {
		return a.findings[i].Severity.rank() < a.findings[k].Severity.rank()
	})
	if a.findings == nil {
		a.findings = []Finding{}
	}
	return &Report{Target: u.String(), Trusted: trusted, Policy: rules != nil, Requests: a.p.sent, Findings: a.findings}, nil
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
