package infer

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/audit"
	"github.com/corsproof/corsproof/spec"
)

// site is what one endpoint's answers say.
type site struct {
	path     string
	declared []string // the endpoint's declared methods
	origins  []string
	creds    bool
	methods  []string
	headers  []string
	expose   []string
	// exposeUnknown: the accepted GET carried no CORS headers (an error
	// status answered before the CORS layer), so exposure is not known here.
	exposeUnknown bool
	maxAge        *int
	// preflighted: a preflight passed, so maxAge nil means none was sent.
	preflighted bool
}

// commonMethods are probed on every endpoint beyond the declared ones, so
// that the rules of different endpoints compare.
var commonMethods = []string{"PUT", "PATCH", "DELETE"}

// commonHeaders are request headers APIs commonly allow.
var commonHeaders = []string{"Content-Type", "Authorization", "X-Requested-With", "X-Request-Id", "X-CSRF-Token", "X-Api-Key"}

// ProbeHeader is a header no policy lists: allowed, the server allows any.
const ProbeHeader = "X-Corsproof-Probe"

// safelistedNames are request headers a page sends without a preflight
// whatever their (short, plain) value, so no preflight can say anything
// about them.
var safelistedNames = []string{"accept", "accept-language", "content-language"}

func probeValue(name string) string {
	switch strings.ToLower(name) {
	case "content-type":
		return "application/json"
	case "authorization":
		return "Bearer corsproof"
	}
	return "corsproof"
}

// meant reports whether an answer to origin o names o (possibly broken:
// twice, with a trailing slash, in another case) or is *.
func meant(x Exchange, o string) bool {
	for _, v := range x.ResponseHeaders.Values(spec.HeaderAllowOrigin) {
		for _, part := range strings.Split(v, ",") {
			part = strings.TrimSpace(part)
			if part == "*" || strings.EqualFold(strings.TrimSuffix(part, "/"), o) {
				return true
			}
		}
	}
	return false
}

func readable(x Exchange, o string, creds spec.CredentialsMode) bool {
	r, _ := spec.CORSCheck(x.Response(), o, creds)
	return r == spec.ReasonNone
}

func (r *run) endpoint(ctx context.Context, ep Endpoint) (*site, error) {
	u := r.urlOf(ep.Path)
	s := &site{path: ep.Path, declared: ep.Methods}
	gets := map[string]Exchange{}
	var order []string
	get := func(o string) (Exchange, error) {
		x, err := r.p.get(ctx, u, o)
		if err == nil {
			if _, ok := gets[o]; !ok {
				order = append(order, o)
			}
			gets[o] = x
		}
		return x, err
	}

	// Trusted candidates: which does the server mean to accept?
	var accepted []string
	var viaPreflight []string // accepted by the preflight, not on the GET's error answer
	for _, t := range r.trusted {
		x, err := get(t)
		if err != nil {
			return nil, err
		}
		switch {
		case meant(x, t):
			accepted = append(accepted, t)
		case x.Status >= 400 && len(x.ResponseHeaders.Values(spec.HeaderAllowOrigin)) == 0:
			px, err := r.p.preflight(ctx, u, t, spec.Headers{{Name: spec.HeaderRequestMethod, Value: "GET"}})
			if err != nil {
				return nil, err
			}
			if meant(px, t) {
				accepted = append(accepted, t)
				viaPreflight = append(viaPreflight, t)
				r.find(ep.Path, Finding{Cause: corsproof.CauseAllowOriginMissing, Bug: "no-cors-on-errors", key: "errors",
					Text:  fmt.Sprintf("answers errors (%d) without CORS headers, though its preflight accepts %s: the page sees a CORS error instead of the status", x.Status, t),
					Proof: x})
				s.exposeUnknown = true
			}
		}
	}

	// Attackers, derived from what the server accepts (else from what the
	// user named, else the target itself).
	from := slices.DeleteFunc(slices.Clone(accepted), func(o string) bool { return o == "null" })
	if len(from) == 0 {
		from = slices.DeleteFunc(slices.Clone(r.trusted), func(o string) bool { return o == "null" || !r.userOrigins })
	}
	if len(from) == 0 {
		from = []string{r.base.Scheme + "://" + r.base.Host}
	}
	if len(from) > 5 {
		from = from[:5]
	}
	attackers, err := audit.Attackers(from)
	if err != nil {
		return nil, &ConfigError{err.Error()}
	}
	attackers = slices.DeleteFunc(attackers, func(a audit.Attacker) bool { return slices.Contains(r.trusted, a.Origin) })
	for _, a := range attackers {
		if _, err := get(a.Origin); err != nil {
			return nil, err
		}
	}
	evil := gets[audit.ArbitraryOrigin]

	// Credentials, as the accepted origins' answers carry them.
	for _, t := range accepted {
		x := gets[t]
		if slices.Contains(viaPreflight, t) {
			x, _ = r.p.preflight(ctx, u, t, spec.Headers{{Name: spec.HeaderRequestMethod, Value: "GET"}})
		}
		r.shape(ep.Path, x, t, s)
	}

	wildcard := len(accepted) > 0 && allStar(gets, accepted) && acao(evil) == "*"
	reflect := !wildcard && acao(evil) == audit.ArbitraryOrigin && readable(evil, audit.ArbitraryOrigin, spec.CredentialsOmit)
	switch {
	case wildcard:
		s.origins = []string{"*"}
		if s.creds {
			s.creds = false // the finding says it; a policy cannot
		}
	case reflect && readable(evil, audit.ArbitraryOrigin, spec.CredentialsInclude):
		r.find(ep.Path, Finding{Cause: corsproof.CauseOriginAccepted, Bug: "reflect-origin-credentials",
			Text:  "reflects any Origin with credentials: this is not a policy, it is the reflect-origin-credentials hole (any site reads the API with its visitors' cookies)",
			Proof: evil})
	case reflect && s.creds:
		r.find(ep.Path, Finding{Cause: corsproof.CauseOriginAccepted, Bug: "reflect-origin",
			Text:  fmt.Sprintf("reflects any Origin without credentials, while %s gets credentials: a policy cannot say both, and any site reads what needs no cookie", accepted[0]),
			Proof: evil})
	case reflect:
		s.origins = []string{"*"}
		r.note("echoes any Origin in Access-Control-Allow-Origin instead of sending *: the same to a browser, written as \"*\" (" + evil.String() + ")")
		wildcard = true
	}

	// A subdomain pattern, when every made-up subdomain passes and no
	// look-alike does.
	patterns := map[string][3]string{}
	if !wildcard && !reflect {
		for _, t := range accepted {
			scheme, parent, port, ok := parentOf(t)
			if !ok {
				continue
			}
			pat := withPort(scheme, "*."+parent, port)
			if _, done := patterns[pat]; done {
				continue
			}
			subs := []string{withPort(scheme, probeLabel+"."+parent, port), withPort(scheme, "deep."+probeLabel+"."+parent, port)}
			all := true
			for _, o := range subs {
				x, err := get(o)
				if err != nil {
					return nil, err
				}
				all = all && readable(x, o, spec.CredentialsOmit)
			}
			lookalike := false
			for _, a := range attackers {
				if !covered(a.Origin, scheme, parent, port) && a.Origin != withPort(scheme, parent, port) && readable(gets[a.Origin], a.Origin, spec.CredentialsOmit) {
					lookalike = true
				}
			}
			if all && !lookalike {
				patterns[pat] = [3]string{scheme, parent, port}
			} else if all {
				r.note(fmt.Sprintf("every probed subdomain of %s is accepted, but so is a look-alike (see the findings): no pattern %s", parent, pat))
			}
		}
	}
	if !wildcard {
		added := map[string]bool{}
		for _, t := range accepted {
			pat := ""
			for p, sp := range patterns {
				if covered(t, sp[0], sp[1], sp[2]) {
					pat = p
				}
			}
			switch {
			case pat != "" && !added[pat]:
				added[pat] = true
				s.origins = append(s.origins, pat)
				sp := patterns[pat]
				apex := withPort(sp[0], sp[1], sp[2])
				if x, err := get(apex); err != nil {
					return nil, err
				} else if readable(x, apex, spec.CredentialsOmit) {
					s.origins = append(s.origins, apex)
				}
			case pat != "":
			case !r.synthetic[t]:
				s.origins = append(s.origins, t)
			}
		}
		if s.origins == nil {
			s.origins = []string{}
		}
		if !reflect {
			r.attackers(ep.Path, attackers, gets, patterns, s)
		}
	}
	if slices.Contains(s.origins, "null") {
		r.find(ep.Path, Finding{Cause: corsproof.CauseOriginAccepted, Bug: "allow-null",
			Text:  "accepts Origin null: any site can send it from a sandboxed iframe, so a policy should not list it",
			Proof: gets["null"]})
	}

	r.checkVary(ep.Path, gets, order)

	// Preflights, from the first accepted origin (any origin under *).
	probe := ""
	if len(accepted) > 0 {
		probe = accepted[0]
	} else if wildcard || reflect {
		probe = audit.ArbitraryOrigin
	}
	if probe == "" {
		return s, nil
	}
	if err := r.preflights(ctx, u, ep, probe, s); err != nil {
		return nil, err
	}
	if !s.exposeUnknown {
		x := gets[probe]
		s.expose = spec.ParseList(x.ResponseHeaders, spec.HeaderExposeHeaders).Items
		r.checkExposed(ep, x, s)
	}
	return s, nil
}

func acao(x Exchange) string {
	v, _ := x.ResponseHeaders.Get(spec.HeaderAllowOrigin)
	return v
}

func allStar(gets map[string]Exchange, origins []string) bool {
	for _, o := range origins {
		if acao(gets[o]) != "*" {
			return false
		}
	}
	return true
}

// shape: Access-Control-Allow-Origin and -Credentials values browsers
// refuse, on an answer meant for the trusted origin t; sets s.creds.
func (r *run) shape(path string, x Exchange, t string, s *site) {
	vs := x.ResponseHeaders.Values(spec.HeaderAllowOrigin)
	acac, hasACAC := x.ResponseHeaders.Get(spec.HeaderAllowCredentials)
	switch {
	case len(vs) > 1 || len(vs) == 1 && strings.Contains(vs[0], ","):
		r.find(path, Finding{Cause: corsproof.CauseAllowOriginInvalid, Bug: "duplicate-acao",
			Text:  fmt.Sprintf("sends Access-Control-Allow-Origin for %s more than once, which browsers read as a list that matches nothing: the origin is written below as the server means it", t),
			Proof: x})
	case len(vs) == 1 && vs[0] != "*" && vs[0] != t && strings.TrimSuffix(vs[0], "/") == t:
		r.find(path, Finding{Cause: corsproof.CauseAllowOriginInvalid, Bug: "trailing-slash-acao",
			Text:  fmt.Sprintf("answers %s with Access-Control-Allow-Origin %q, a trailing slash browsers refuse: the origin is written below as the server means it", t, vs[0]),
			Proof: x})
	case len(vs) == 1 && vs[0] != "*" && vs[0] != t:
		r.find(path, Finding{Cause: corsproof.CauseAllowOriginInvalid, Bug: "",
			Text:  fmt.Sprintf("answers %s with Access-Control-Allow-Origin %q, which browsers compare byte for byte and refuse", t, vs[0]),
			Proof: x})
	}
	if !hasACAC {
		return
	}
	switch {
	case acac == "true":
		s.creds = true
		if len(vs) == 1 && vs[0] == "*" {
			r.find(path, Finding{Cause: corsproof.CauseWildcardWithCredentials, Bug: "wildcard-credentials",
				Text:  "sends Access-Control-Allow-Origin: * with Access-Control-Allow-Credentials: true, which browsers refuse for every credentialed request; a policy never says both",
				Proof: x})
		}
	case strings.EqualFold(acac, "false"):
		r.note(fmt.Sprintf("sends Access-Control-Allow-Credentials: %s, which browsers treat as absent: written as no credentials", acac))
	default:
		s.creds = true
		r.find(path, Finding{Cause: corsproof.CauseAllowCredentialsInvalid, Bug: "acac-capitalized",
			Text:  fmt.Sprintf("sends Access-Control-Allow-Credentials: %s, not exactly true, so every credentialed read fails: credentials are written below as the server means them", acac),
			Proof: x})
	}
}

// attackers: every untrusted origin a page could read from is a finding,
// unless the inferred pattern covers it.
func (r *run) attackers(path string, attackers []audit.Attacker, gets map[string]Exchange, patterns map[string][3]string, s *site) {
	for _, a := range attackers {
		x := gets[a.Origin]
		if !readable(x, a.Origin, spec.CredentialsOmit) || slices.Contains(s.origins, a.Origin) {
			continue
		}
		skip := false
		for _, sp := range patterns {
			skip = skip || covered(a.Origin, sp[0], sp[1], sp[2])
		}
		if skip || a.Class == audit.ClassNull && slices.Contains(r.trusted, "null") {
			continue
		}
		if a.Class == audit.ClassNull {
			s.origins = append(s.origins, "null") // reported as allow-null by the caller
			continue
		}
		bug, how := bugOf(a.Class)
		text := fmt.Sprintf("accepts %s (%s): %s", a.Origin, a.Class, how)
		if readable(x, a.Origin, spec.CredentialsInclude) {
			text += ", with credentials"
		}
		if !a.Browser {
			text += " (no browser sends this exact origin, but a check that accepts it accepts look-alikes)"
		}
		r.find(path, Finding{Cause: corsproof.CauseOriginAccepted, Bug: bug, Text: text, Proof: x, key: a.Class + "|" + a.Origin})
	}
}

// checkVary: Access-Control-Allow-Origin depends on the Origin, but an
// answer lacks Vary: Origin.
func (r *run) checkVary(path string, gets map[string]Exchange, order []string) {
	first, differs := "", false
	for i, o := range order {
		v := acao(gets[o])
		if i == 0 {
			first = v
		} else if v != first {
			differs = true
		}
	}
	if !differs {
		return
	}
	for _, o := range order {
		x := gets[o]
		vary := spec.ParseList(x.ResponseHeaders, spec.HeaderVary)
		if !vary.ContainsFold(spec.HeaderOrigin) && !vary.Contains("*") {
			r.find(path, Finding{Cause: corsproof.CauseVaryMissing, Bug: "missing-vary", key: "vary",
				Text:  "Access-Control-Allow-Origin depends on the Origin, but the answer has no Vary: Origin, so a shared cache serves one origin's answer to another",
				Proof: x})
			return
		}
	}
}

// checkExposed: a response header the API declares must be exposed.
func (r *run) checkExposed(ep Endpoint, x Exchange, s *site) {
	list := spec.ParseList(x.ResponseHeaders, spec.HeaderExposeHeaders)
	if list.Contains("*") && !s.creds {
		return
	}
	var lacks []string
	for _, h := range ep.ResponseHeaders {
		if isSafelistedResponse(h) || list.ContainsFold(h) {
			continue
		}
		lacks = append(lacks, h)
	}
	if len(lacks) > 0 {
		r.find(ep.Path, Finding{Cause: corsproof.CauseExposeMissing, Bug: "aceh-missing", key: strings.ToLower(strings.Join(lacks, ",")),
			Text:  fmt.Sprintf("does not expose %s, which the API declares: no page can read it (Access-Control-Expose-Headers)", strings.Join(lacks, ", ")),
			Proof: x})
	}
}

func isSafelistedResponse(h string) bool {
	switch strings.ToLower(h) {
	case "cache-control", "content-language", "content-length", "content-type", "expires", "last-modified", "pragma":
		return true
	}
	return false
}

// preflights probes methods and request headers from origin o.
func (r *run) preflights(ctx context.Context, u string, ep Endpoint, o string, s *site) error {
	creds := spec.CredentialsOmit
	if s.creds {
		creds = spec.CredentialsInclude
	}
	var sendErr error
	decide := func(req spec.Request) (spec.Decision, *Exchange) {
		req.Origin, req.URL = o, u
		var pre *Exchange
		dec := spec.Decide(req, func(sr spec.ServerRequest) (spec.Response, bool) {
			if sendErr != nil {
				return spec.Response{}, false
			}
			if !sr.Preflight {
				// The actual request is not sent: it passes as the preflight
				// did, so the decision is the preflight's.
				resp := spec.Response{Status: 200}
				if pre != nil {
					for _, h := range pre.ResponseHeaders {
						if strings.EqualFold(h.Name, spec.HeaderAllowOrigin) || strings.EqualFold(h.Name, spec.HeaderAllowCredentials) {
							resp.Headers = append(resp.Headers, h)
						}
					}
				}
				return resp, true
			}
			var extra spec.Headers
			for _, h := range sr.Headers {
				if strings.EqualFold(h.Name, spec.HeaderRequestMethod) || strings.EqualFold(h.Name, spec.HeaderRequestHeaders) {
					extra = append(extra, h)
				}
			}
			x, err := r.p.preflight(ctx, u, o, extra)
			if err != nil {
				sendErr = err
				return spec.Response{}, false
			}
			pre = &x
			return x.Response(), true
		}, spec.Standard)
		return dec, pre
	}
	var passed []Exchange
	candidates := slices.Clone(commonMethods)
	for _, m := range r.methods {
		if !spec.IsCORSSafelistedMethod(m) && !spec.IsForbiddenMethod(m) && !slices.Contains(candidates, m) {
			candidates = append(candidates, m)
		}
	}
	for _, m := range candidates {
		dec, pre := decide(spec.Request{Method: m, Credentials: creds})
		if sendErr != nil {
			return sendErr
		}
		if dec.Allowed {
			s.methods = append(s.methods, m)
			if pre != nil {
				passed = append(passed, *pre)
			}
			continue
		}
		if pre != nil && slices.Contains(ep.Methods, m) {
			r.refused(ep.Path, *pre, "method", m)
		}
	}
	hmethod := "GET"
	headers := addFold(addFold(nil, ep.RequestHeaders...), commonHeaders...)
	headers = addFold(headers, r.headers...)
	declared := func(h string) bool {
		return slices.ContainsFunc(ep.RequestHeaders, func(d string) bool { return strings.EqualFold(d, h) })
	}
	var allowed spec.Headers
	for _, h := range headers {
		if slices.Contains(safelistedNames, strings.ToLower(h)) {
			continue
		}
		hv := spec.Header{Name: h, Value: probeValue(h)}
		dec, pre := decide(spec.Request{Method: hmethod, Headers: spec.Headers{hv}, Credentials: creds})
		if sendErr != nil {
			return sendErr
		}
		if dec.Allowed {
			s.headers = append(s.headers, h)
			allowed = append(allowed, hv)
			if pre != nil {
				passed = append(passed, *pre)
			}
			continue
		}
		if pre != nil && declared(h) {
			r.refused(ep.Path, *pre, "header", h)
		}
	}
	if len(allowed) > 1 {
		if dec, pre := decide(spec.Request{Method: hmethod, Headers: allowed, Credentials: creds}); sendErr == nil && !dec.Allowed && pre != nil {
			r.find(ep.Path, Finding{Cause: corsproof.CauseHeaderMissing, key: "together",
				Text:  "allows each request header alone but refuses them together: the Access-Control-Request-Headers list is mis-parsed",
				Proof: *pre})
		}
	}
	// Any header at all?
	anyHeader := spec.Headers{{Name: ProbeHeader, Value: "1"}}
	if dec, _ := decide(spec.Request{Method: hmethod, Headers: anyHeader, Credentials: creds}); sendErr == nil && dec.Allowed {
		if s.creds {
			r.find(ep.Path, Finding{Cause: corsproof.CauseHeaderAccepted, key: "any",
				Text: "allows any request header with credentials (it echoes Access-Control-Request-Headers): a policy can say * only without credentials; the headers below are those probed"})
		} else {
			s.headers = []string{"*"}
		}
	} else if dec, pre := decide(spec.Request{Method: hmethod, Headers: anyHeader}); sendErr == nil && dec.Allowed && s.creds && pre != nil {
		r.find(ep.Path, Finding{Cause: corsproof.CauseHeaderAccepted, key: "any-omit",
			Text:  "allows any request header on requests without credentials (Access-Control-Allow-Headers: *) while it allows credentials: a policy cannot say both",
			Proof: *pre})
	}
	if sendErr != nil {
		return sendErr
	}
	// Safelisted methods the preflight lists, and the max-age, from the
	// first passing preflight.
	if len(passed) > 0 {
		s.preflighted = true
		x := passed[0]
		for _, m := range spec.ParseList(x.ResponseHeaders, spec.HeaderAllowMethods).Items {
			if spec.IsCORSSafelistedMethod(m) && !slices.Contains(s.methods, m) {
				s.methods = append(s.methods, m)
			}
		}
		if v, ok := x.ResponseHeaders.Get(spec.HeaderMaxAge); ok {
			if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n >= 0 {
				s.maxAge = &n
			} else {
				r.note(fmt.Sprintf("Access-Control-Max-Age %q is not a number of seconds; browsers ignore it", v))
			}
		}
	}
	slices.SortStableFunc(s.methods, func(a, b string) int { return methodRank(a) - methodRank(b) })
	return nil
}

var methodOrder = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"}

func methodRank(m string) int {
	if i := slices.Index(methodOrder, m); i >= 0 {
		return i
	}
	return len(methodOrder)
}

// refused explains why a preflight for a declared method or header
// failed: not answered by a CORS layer, or a list that lacks it.
func (r *run) refused(path string, x Exchange, what, name string) {
	acam, hasACAM := x.ResponseHeaders.Get(spec.HeaderAllowMethods)
	_, hasACAH := x.ResponseHeaders.Get(spec.HeaderAllowHeaders)
	switch {
	case x.Status < 200 || x.Status > 299:
		bug := ""
		switch {
		case x.Status == 404:
			bug = "no-preflight-handler-404"
		case x.Status == 405:
			bug = "no-preflight-handler-405"
		case x.Status >= 300 && x.Status < 400:
			bug = "preflight-redirected"
		}
		r.find(path, Finding{Cause: corsproof.CausePreflightUnanswered, Bug: bug, key: strconv.Itoa(x.Status),
			Text:  fmt.Sprintf("answers preflights %d, which no CORS layer sends: every request that needs one fails (the API declares %s %s)", x.Status, what, name),
			Proof: x})
	case meant(x, x.Origin) && !hasACAM && !hasACAH:
		r.find(path, Finding{Cause: corsproof.CausePreflightUnanswered, Bug: "preflight-passthrough", key: "passthrough",
			Text:  fmt.Sprintf("answers preflights %d without Access-Control-Allow-Methods or -Headers: the API handler answered, not a CORS layer (the API declares %s %s)", x.Status, what, name),
			Proof: x})
	case what == "method" && hasACAM && spec.ParseList(x.ResponseHeaders, spec.HeaderAllowMethods).ContainsFold(name):
		r.find(path, Finding{Cause: corsproof.CauseMethodMissing, Bug: "acam-case-mismatch", key: "case",
			Text:  fmt.Sprintf("lists methods as %q: browsers compare them byte for byte, so %s is refused; a policy lists methods as pages send them", acam, name),
			Proof: x})
	case what == "method":
		r.find(path, Finding{Cause: corsproof.CauseMethodMissing, key: name,
			Text:  fmt.Sprintf("refuses %s, which the API declares on %s: no page can send it", name, path),
			Proof: x})
	default:
		r.find(path, Finding{Cause: corsproof.CauseHeaderMissing, Bug: "acah-missing-header", key: strings.ToLower(name),
			Text:  fmt.Sprintf("refuses the request header %s, which the API declares: a page sending it fails its preflight", name),
			Proof: x})
	}
}
