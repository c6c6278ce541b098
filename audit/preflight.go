package audit

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/corsproof/corsproof/policy"
	"github.com/corsproof/corsproof/spec"
)

// policyRequests are the fetches the policy promises to allow: each method
// with all of the rules' request headers set. The methods are an endpoint's
// (those of them the rules allow: the safelisted ones, the listed ones, any
// with "*" and no credentials), or with methods nil, the rules' own.
func policyRequests(rules policy.Rules, methods []string) []spec.Request {
	var hs spec.Headers
	for _, name := range rules.RequestHeaders {
		if name == policy.Wildcard {
			continue
		}
		v := "corsproof"
		switch strings.ToLower(name) {
		case "content-type":
			v = "application/json" // not safelisted, so it needs the preflight
		case "authorization":
			v = "Bearer corsproof"
		}
		hs = append(hs, spec.Header{Name: name, Value: v})
	}
	if methods == nil {
		methods = slices.DeleteFunc(slices.Clone(rules.Methods), func(m string) bool { return m == policy.Wildcard })
	} else {
		anyMethod := slices.Contains(rules.Methods, policy.Wildcard) && !rules.Credentials
		methods = slices.DeleteFunc(slices.Clone(methods), func(m string) bool {
			return !spec.IsCORSSafelistedMethod(m) && !slices.Contains(rules.Methods, m) && !anyMethod
		})
	}
	var out []spec.Request
	for _, m := range methods {
		if !spec.IsForbiddenMethod(m) {
			out = append(out, spec.Request{Method: m, Headers: hs})
		}
	}
	if len(out) == 0 && len(hs) > 0 {
		out = append(out, spec.Request{Method: "GET", Headers: hs})
	}
	return out
}

// decide runs the model for one fetch from origin. Preflights really go to
// the target (twice, for the statefulness check); the actual request is
// never sent: the model gets the CORS headers of origin's GET instead, so an
// audit never sends PUT or DELETE to a live API.
func (a *auditor) decide(ctx context.Context, origin string, req spec.Request) (spec.Decision, *Exchange, error) {
	var sendErr error
	var pre *Exchange
	req.Origin, req.URL = origin, a.target
	dec := spec.Decide(req, func(sr spec.ServerRequest) (spec.Response, bool) {
		if sendErr != nil || sr.URL != a.target && pre != nil {
			return spec.Response{}, false
		}
		if sr.Preflight {
			var extra spec.Headers
			for _, h := range sr.Headers {
				if strings.EqualFold(h.Name, spec.HeaderRequestMethod) || strings.EqualFold(h.Name, spec.HeaderRequestHeaders) {
					extra = append(extra, h)
				}
			}
			xs, err := a.p.sendTwice(ctx, "OPTIONS", a.target, origin, extra)
			if err != nil {
				sendErr = err
				return spec.Response{}, false
			}
			a.pairs = append(a.pairs, xs)
			pre = &xs[0]
			return xs[0].Response(), true
		}
		xs, err := a.get(ctx, origin)
		if err != nil {
			sendErr = err
			return spec.Response{}, false
		}
		return xs[0].Response(), true
	}, profile)
	return dec, pre, sendErr
}

// checkPreflights: the policy's requests must pass from each trusted origin
// and must not from an attacker origin. Their findings name the methods they
// break; the same failure on several endpoints is one finding naming every
// method (see merge).
func (a *auditor) checkPreflights(ctx context.Context) error {
	reqs := policyRequests(*a.rules, a.methods)
	creds := spec.CredentialsOmit
	if a.rules.Credentials {
		creds = spec.CredentialsInclude
	}
	for _, t := range a.trusted {
		// One finding per origin and cause, naming every method it breaks.
		type failure struct {
			dec     spec.Decision
			probe   Exchange
			methods []string
		}
		var order []string
		fails := map[string]*failure{}
		for _, r := range reqs {
			r.Credentials = creds
			dec, pre, err := a.decide(ctx, t, r)
			if err != nil {
				return err
			}
			if dec.Allowed || dec.Incomplete {
				continue
			}
			key := reasonText(dec)
			if strings.EqualFold(dec.FailedParameter, r.Method) {
				key = string(dec.Reason) // a method-specific parameter: same cause
			}
			fl, ok := fails[key]
			if !ok {
				fl = &failure{dec: dec, probe: a.gets[t][0]}
				if pre != nil {
					fl.probe = *pre
					a.checkShape(fl.probe)
				}
				fails[key] = fl
				order = append(order, key)
			}
			fl.methods = append(fl.methods, r.Method)
		}
		for _, key := range order {
			fl := fails[key]
			title := func(methods []string) string {
				r := spec.Request{Method: strings.Join(methods, "/"), Headers: reqs[0].Headers, Credentials: creds}
				return fmt.Sprintf("a page on %s cannot send %s (%s)", t, describe(r), reasonText(fl.dec))
			}
			a.add("preflight-rejected|"+t+"|"+key, Finding{ID: "preflight-rejected", Severity: SeverityBroken,
				Title: title(fl.methods),
				Probe: fl.probe,
				Explanation: fmt.Sprintf("the policy allows it, but %s: answer the preflight with the policy's origin, methods and headers",
					failingStep(fl.dec)),
				group:   groupKey("preflight-rejected", t, key, describeNoMethod(reqs[0].Headers, creds)),
				methods: fl.methods, retitle: title,
			})
		}
	}
	if len(reqs) == 0 || a.rules.AllowsOrigin(ArbitraryOrigin) {
		return nil
	}
	r := reqs[0]
	r.Credentials = creds
	dec, pre, err := a.decide(ctx, ArbitraryOrigin, r)
	if err != nil {
		return err
	}
	if dec.Allowed && pre != nil {
		title := func(methods []string) string {
			r := r
			r.Method = strings.Join(methods, "/")
			return fmt.Sprintf("a page on %s can send %s: its preflight passes", ArbitraryOrigin, describe(r))
		}
		a.add("", Finding{ID: "preflight-allows-untrusted", Severity: SeveritySecurity,
			Title:       title([]string{r.Method}),
			Probe:       *pre,
			Explanation: "any website can make the browser send this request and read the answer: answer preflights from untrusted origins without Access-Control-Allow-Origin",
			group:       groupKey("preflight-allows-untrusted", describeNoMethod(r.Headers, creds)),
			methods:     []string{r.Method}, retitle: title,
		})
	}
	return nil
}

// describeNoMethod is describe without the method: what a failure's
// grouping across endpoints, whose methods differ, compares.
func describeNoMethod(hs spec.Headers, creds spec.CredentialsMode) string {
	return strings.TrimPrefix(describe(spec.Request{Method: "-", Headers: hs, Credentials: creds}), "-")
}

func groupKey(parts ...string) string { return strings.Join(parts, "\x00") }

func describe(r spec.Request) string {
	s := r.Method
	if s == "" {
		s = "GET"
	}
	if len(r.Headers) > 0 {
		var names []string
		for _, h := range r.Headers {
			names = append(names, h.Name)
		}
		s += " with " + strings.Join(names, ", ")
	}
	if r.Credentials == spec.CredentialsInclude {
		s += " and cookies"
	}
	return s
}
