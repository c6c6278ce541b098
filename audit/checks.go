package audit

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/corsproof/corsproof/policy"
	"github.com/corsproof/corsproof/spec"
)

// auditor holds the state of one URL's audit; an audit of a policy's
// endpoints runs one per endpoint, all sharing one prober (and budget).
type auditor struct {
	p *prober
	// target is the URL probed; path is what findings call it (the
	// endpoint's path).
	target, path string
	rules        *policy.Rules // nil without a policy
	// methods are the endpoint's, for the preflights; nil: the rules'.
	methods  []string
	trusted  []string
	userSet  bool // the trusted origins came from --origin
	findings []Finding
	seen     map[string]bool
	gets     map[string][2]Exchange // origin → its two GET answers
	getOrder []string
	attack   []Attacker
	// pairs are every request sent twice, for the statefulness check.
	pairs [][2]Exchange
}

// profile is the model's profile: the standard, not one engine's quirks.
var profile = spec.Standard

func (a *auditor) add(key string, f Finding) {
	if key == "" {
		key = f.ID
	}
	if a.seen[key] {
		return
	}
	a.seen[key] = true
	if f.group == "" {
		// Taken now: an explanation amended later (a count) does not split
		// one problem seen on several endpoints into several findings.
		f.group = groupKey(string(f.Severity), f.ID, f.Title, f.Explanation)
	}
	a.findings = append(a.findings, f)
}

func (a *auditor) get(ctx context.Context, origin string) ([2]Exchange, error) {
	if xs, ok := a.gets[origin]; ok {
		return xs, nil
	}
	xs, err := a.p.sendTwice(ctx, "GET", a.target, origin, nil)
	if err != nil {
		return xs, err
	}
	a.gets[origin] = xs
	a.getOrder = append(a.getOrder, origin)
	a.pairs = append(a.pairs, xs)
	return xs, nil
}

func (a *auditor) run(ctx context.Context) error {
	for _, t := range a.trusted {
		if _, err := a.get(ctx, t); err != nil {
			return err
		}
	}
	if err := a.collectAttackers(); err != nil {
		return err
	}
	for _, at := range a.attack {
		if _, err := a.get(ctx, at.Origin); err != nil {
			return err
		}
	}
	for _, o := range a.getOrder {
		a.checkShape(a.gets[o][0])
	}
	if a.rules != nil || a.userSet {
		for _, t := range a.trusted {
			a.checkTrusted(t)
		}
	}
	a.checkAttackers()
	a.checkVary()
	if a.rules != nil {
		if err := a.checkPreflights(ctx); err != nil {
			return err
		}
	}
	return nil
}

// collectAttackers lists the attacker origins once each, leaving out those
// the policy or the user trusts.
func (a *auditor) collectAttackers() error {
	seen := map[string]bool{}
	for _, t := range a.trusted {
		seen[t] = true
	}
	add := func(at Attacker) {
		if seen[at.Origin] || (a.rules != nil && a.rules.AllowsOrigin(at.Origin)) {
			return
		}
		seen[at.Origin] = true
		a.attack = append(a.attack, at)
	}
	for _, at := range globalAttackers() {
		add(at)
	}
	for _, t := range a.trusted {
		derived, err := derivedAttackers(t)
		if err != nil {
			return &ConfigError{err.Error()}
		}
		for _, at := range derived {
			add(at)
		}
	}
	return nil
}

// checkShape flags Access-Control-Allow-Origin and -Credentials values no
// browser accepts.
func (a *auditor) checkShape(x Exchange) {
	if id, f := shapeProblem(x); id != "" {
		a.add(id, f)
	}
	h := x.ResponseHeaders
	acao, _ := h.Get(spec.HeaderAllowOrigin)
	acac, hasACAC := h.Get(spec.HeaderAllowCredentials)
	if acao == policy.Wildcard && acac == "true" {
		a.add("", Finding{ID: "wildcard-with-credentials", Severity: SeverityBroken,
			Title: "Access-Control-Allow-Origin: * with Access-Control-Allow-Credentials: true", Probe: x,
			Explanation: "browsers refuse * for requests with credentials, so no page can read this answer with cookies; " +
				"send the checked origin itself (with Vary: Origin), or drop credentials"})
	}
	if hasACAC && acac != "true" {
		sev, fix := SeverityBroken, "credentialed reads fail in every browser; send exactly true (lowercase, one header line)"
		if strings.EqualFold(acac, "false") {
			sev, fix = SeverityInfo, "browsers treat any value but true as absent; send no header instead of false"
		}
		a.add("acac-not-true", Finding{ID: "acac-not-true", Severity: sev,
			Title: fmt.Sprintf("Access-Control-Allow-Credentials is %q, not exactly true", acac), Probe: x,
			Explanation: fix})
	}
}

// shapeProblem reports a malformed Access-Control-Allow-Origin.
func shapeProblem(x Exchange) (string, Finding) {
	vs := x.ResponseHeaders.Values(spec.HeaderAllowOrigin)
	f := Finding{Severity: SeverityBroken, Probe: x}
	switch {
	case len(vs) == 0:
		return "", f
	case len(vs) > 1:
		f.ID, f.Title = "acao-multiple-values", fmt.Sprintf("%d Access-Control-Allow-Origin header lines", len(vs))
		f.Explanation = "browsers combine the lines into one list, which matches no origin: let exactly one layer (the app or the proxy) set the header"
		return f.ID, f
	}
	v := vs[0]
	if v == policy.Wildcard || v == "null" || v == x.Origin {
		// An echo of what audit sent is judged as a reflection, not a typo.
		return "", f
	}
	if strings.ContainsAny(v, ", ") {
		f.ID, f.Title = "acao-multiple-values", fmt.Sprintf("Access-Control-Allow-Origin holds several values: %q", v)
		f.Explanation = "the header takes exactly one origin; check the request's Origin against the list and send that one origin"
		return f.ID, f
	}
	u, err := url.Parse(v)
	switch {
	case err != nil || u.Scheme == "" || u.Host == "":
		f.ID, f.Title = "acao-malformed", fmt.Sprintf("Access-Control-Allow-Origin %q is not an origin", v)
		f.Explanation = "browsers accept only *, null or a serialized origin (scheme://host[:port]); send the Origin exactly as received"
	case u.Path != "" || u.RawQuery != "" || u.Fragment != "":
		f.ID, f.Title = "acao-malformed", fmt.Sprintf("Access-Control-Allow-Origin %q has a path or trailing slash", v)
		f.Explanation = "browsers compare the header with the origin byte for byte and an origin has no path: remove the trailing slash from the configured origin"
	case strings.ToLower(v) != v:
		f.ID, f.Title = "acao-malformed", fmt.Sprintf("Access-Control-Allow-Origin %q has uppercase letters", v)
		f.Explanation = "browsers compare the header with the lowercase serialized origin byte for byte: send the Origin exactly as received"
	default:
		return "", f
	}
	return f.ID, f
}

// credentialsFor is the credentials mode a trusted page would use: the
// policy's, or without one, whatever the server's answer announces.
func (a *auditor) credentialsFor(x Exchange) spec.CredentialsMode {
	if a.rules != nil {
		if a.rules.Credentials {
			return spec.CredentialsInclude
		}
		return spec.CredentialsOmit
	}
	if x.ResponseHeaders.Has(spec.HeaderAllowCredentials) {
		return spec.CredentialsInclude
	}
	return spec.CredentialsOmit
}

// checkTrusted asks the model whether a page on a trusted origin can read a
// GET (with the policy's credentials).
func (a *auditor) checkTrusted(t string) {
	x := a.gets[t][0]
	creds := a.credentialsFor(x)
	req := spec.Request{Origin: t, URL: a.target, Method: "GET", Credentials: creds}
	dec := spec.Decide(req, func(sr spec.ServerRequest) (spec.Response, bool) {
		if sr.Preflight {
			return spec.Response{}, false
		}
		return x.Response(), true
	}, profile)
	if dec.Allowed || dec.Incomplete {
		return
	}
	if id, f := shapeProblem(x); id != "" {
		a.add(id, f)
		return
	}
	id := "trusted-origin-blocked"
	switch dec.Reason {
	case spec.ReasonWildcardOriginNotAllowed:
		id = "wildcard-with-credentials"
	case spec.ReasonInvalidAllowCredentials:
		id = "acac-not-true"
	case spec.ReasonMultipleAllowOriginValues:
		id = "acao-multiple-values"
	case spec.ReasonInvalidAllowOriginValue:
		id = "acao-malformed"
	}
	a.add(id+"|"+t, Finding{ID: id, Severity: SeverityBroken,
		Title:       fmt.Sprintf("a page on the trusted origin %s cannot read a GET (%s)", t, reasonText(dec)),
		Probe:       x,
		Explanation: fmt.Sprintf("%s; %s", failingStep(dec), trustedFix(dec.Reason, t)),
	})
}

func trustedFix(r spec.Reason, t string) string {
	switch r {
	case spec.ReasonMissingAllowOriginHeader:
		return "the server must answer Access-Control-Allow-Origin: " + t + " for this origin"
	case spec.ReasonAllowOriginMismatch:
		return "send the request's Origin back exactly: " + t
	case spec.ReasonInvalidAllowCredentials:
		return "send Access-Control-Allow-Credentials: true (exactly) for credentialed requests"
	}
	return "make the answer name exactly " + t
}

func reasonText(d spec.Decision) string {
	if d.FailedParameter != "" {
		return string(d.Reason) + " " + d.FailedParameter
	}
	return string(d.Reason)
}

// failingStep is the text of the model's first failed step.
func failingStep(d spec.Decision) string {
	for _, s := range d.Steps {
		if !s.OK {
			return s.Text
		}
	}
	return reasonText(d)
}

// checkAttackers flags attacker origins whose answer a page could read,
// judged by the Fetch standard's CORS check.
func (a *auditor) checkAttackers() {
	reflected, suppressed := false, 0
	var reflectedID string
	for _, at := range a.attack {
		x := a.gets[at.Origin][0]
		resp := x.Response()
		readable, _ := spec.CORSCheck(resp, at.Origin, spec.CredentialsOmit)
		if readable != spec.ReasonNone {
			continue
		}
		withCookies, _ := spec.CORSCheck(resp, at.Origin, spec.CredentialsInclude)
		cred := withCookies == spec.ReasonNone
		sev := SeverityInfo
		if cred || a.rules != nil {
			sev = SeveritySecurity
		}
		acao, _ := resp.Headers.Get(spec.HeaderAllowOrigin)
		f := Finding{Severity: sev, Probe: x}
		switch {
		case acao == policy.Wildcard:
			f.ID, f.Title = "wildcard-origin", "any origin can read the answers (Access-Control-Allow-Origin: *)"
			f.Explanation = "fine for public data without cookies; "
			if a.rules != nil {
				f.Explanation = "the policy does not allow * here; "
			}
			f.Explanation += "answer only the origins you trust, each by name"
		case at.Class == ClassArbitrary:
			reflected = true
			f.ID = "origin-reflected"
			f.Title = "any Origin is copied into Access-Control-Allow-Origin"
			if cred {
				f.ID, f.Title = "origin-reflected-credentials", f.Title+", with Access-Control-Allow-Credentials: true"
				f.Explanation = "any website can read this API's answers with the visitor's cookies: check the Origin against an allow-list of exact origins before echoing it"
			} else {
				f.Explanation = "any website can read the answers to requests without cookies: check the Origin against an allow-list"
				if a.rules == nil {
					f.Explanation += " (harmless only for public data; give a --policy to make it a failure)"
				}
			}
			reflectedID = f.ID
		case reflected:
			suppressed++
			continue
		default:
			f.ID = at.Class + "-origin-allowed"
			f.Title = fmt.Sprintf("the untrusted origin %s (%s) can read the answers", at.Origin, at.Class)
			if cred {
				f.Title += " with cookies"
			}
			f.Explanation = classFix(at.Class)
			if !at.Browser {
				f.Explanation += " (no browser sends this exact origin today, but a lax check that accepts it accepts look-alikes)"
			}
		}
		a.add("", f)
	}
	if suppressed > 0 {
		for i := range a.findings {
			if a.findings[i].ID == reflectedID {
				a.findings[i].Explanation += fmt.Sprintf("; %d crafted origins were reflected too", suppressed)
			}
		}
	}
}

func classFix(class string) string {
	switch class {
	case ClassNull:
		return "Origin null comes from sandboxed iframes and data: URLs that any site can create: remove null from the allowed origins"
	case "prefix":
		return "the check accepts origins that merely start with a trusted one (startsWith, re.match): compare whole origins"
	case "suffix", "pre-domain", "substring":
		return "the check accepts origins that merely end with (or contain) a trusted host, with no dot boundary: compare whole origins"
	case "unescaped-dot":
		return "a regexp with unescaped dots accepts any character in their place: quote the origin (regexp.QuoteMeta) or compare strings"
	case "arbitrary-subdomain":
		return "any subdomain of a trusted host is accepted, so any subdomain (and any XSS on one) can read the API: list the subdomains you trust"
	case ClassDowngrade:
		return "the scheme is ignored: plain-http pages, which a network attacker can inject into, can read the API: compare the scheme too"
	case ClassOtherPort:
		return "the port is ignored: another service on the same host can read the API: compare the whole origin"
	case ClassSpecialChar:
		return "the check accepts a trusted host followed by other characters: compare whole origins, not a prefix or a lax regexp"
	case ClassThirdParty:
		return "anyone can publish a page on this hosting site: do not trust shared-hosting origins"
	case "post-domain", "localhost-prefix":
		return "the check accepts origins that merely contain a trusted name: compare whole origins"
	}
	return "the origin check is too loose: compare whole origins with an allow-list"
}

// checkVary flags answers without Vary: Origin when Access-Control-Allow-Origin
// differs from one origin to another.
func (a *auditor) checkVary() {
	var first, other Exchange
	firstACAO, found := "", false
	for _, o := range a.getOrder {
		x := a.gets[o][0]
		v, _ := x.ResponseHeaders.Get(spec.HeaderAllowOrigin)
		if first.Method == "" {
			first, firstACAO = x, v
			continue
		}
		if v != firstACAO {
			other, found = x, true
			break
		}
	}
	if !found {
		return
	}
	for _, o := range a.getOrder {
		x := a.gets[o][0]
		vary := spec.ParseList(x.ResponseHeaders, spec.HeaderVary)
		if vary.ContainsFold(spec.HeaderOrigin) || vary.Contains("*") {
			continue
		}
		otherACAO, _ := other.ResponseHeaders.Get(spec.HeaderAllowOrigin)
		a.add("", Finding{ID: "vary-origin-missing", Severity: SeverityBroken,
			Title: "Access-Control-Allow-Origin depends on the Origin but the answer has no Vary: Origin", Probe: x,
			Explanation: fmt.Sprintf("Origin %s got %s and Origin %s got %s, so a shared cache can serve one origin's answer to another: add Vary: Origin to every answer, allowed or not",
				displayOrigin(first.Origin), show(firstACAO, firstACAO != ""), displayOrigin(other.Origin), show(otherACAO, otherACAO != ""))})
		return
	}
}

func displayOrigin(o string) string {
	if o == "" {
		return "(none)"
	}
	return o
}

// statefulFinding flags requests whose two sends got different answers,
// over every URL audited: one finding, naming the endpoints where it showed
// when endpoints were audited.
func statefulFinding(auditors []*auditor, endpoints bool) (Finding, bool) {
	var bad [][2]Exchange
	var where []string
	total := 0
	for _, a := range auditors {
		total += len(a.pairs)
		for _, xs := range a.pairs {
			if !sameAnswer(xs[0], xs[1]) {
				bad = append(bad, xs)
				if endpoints && !slices.Contains(where, a.path) {
					where = append(where, a.path)
				}
			}
		}
	}
	if len(bad) == 0 {
		return Finding{}, false
	}
	x := bad[0]
	return Finding{ID: "stateful-answer", Severity: SeverityBroken,
		Title: fmt.Sprintf("the same request got different answers (%d of %d requests sent twice)", len(bad), total),
		Probe: x[1],
		Explanation: fmt.Sprintf("from %s: %s; the origin check keeps state between requests (a JavaScript RegExp with the g flag?), so browsers fail every other request",
			displayOrigin(x[0].Origin), diff(x[0], x[1])),
		Endpoints: where,
	}, true
}
