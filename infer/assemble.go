package infer

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/corsproof/corsproof/policy"
)

func (s *site) rules() policy.Rules {
	return policy.Rules{Origins: s.origins, Methods: s.methods, RequestHeaders: s.headers, ExposeHeaders: s.expose,
		Credentials: s.creds, MaxAge: s.maxAge}
}

// rulesKey compares rules as sets: order and header case aside.
func rulesKey(r policy.Rules) string {
	set := func(xs []string, fold bool) string {
		c := slices.Clone(xs)
		if fold {
			for i := range c {
				c[i] = strings.ToLower(c[i])
			}
		}
		slices.Sort(c)
		return strings.Join(c, ",")
	}
	age := "-"
	if r.MaxAge != nil {
		age = strconv.Itoa(*r.MaxAge)
	}
	return fmt.Sprintf("%s|%s|%s|%s|%v|%s", set(r.Origins, false), set(r.Methods, false), set(r.RequestHeaders, true),
		set(r.ExposeHeaders, true), r.Credentials, age)
}

// assemble makes one policy of the endpoints' rules: the most common as
// the policy's own, the others as routes, each on the shortest path prefix
// (ending in /) that holds only endpoints with its rules.
func (r *run) assemble(sites []*site) (*policy.Policy, error) {
	for _, s := range sites {
		if s.exposeUnknown {
			for _, o := range sites {
				if !o.exposeUnknown && slices.Equal(o.origins, s.origins) {
					s.expose = o.expose
					break
				}
			}
		}
	}
	count := map[string]int{}
	for _, s := range sites {
		count[rulesKey(s.rules())]++
	}
	base := sites[0]
	for _, s := range sites {
		if count[rulesKey(s.rules())] > count[rulesKey(base.rules())] {
			base = s
		}
	}
	p := &policy.Policy{Rules: base.rules()}
	for _, s := range sites {
		p.Endpoints = append(p.Endpoints, policy.Endpoint{Path: pathOnly(s.path), Methods: s.declared})
	}
	want := func(s *site) string { return rulesKey(s.rules()) }
	hasRoute := func(prefix string) bool {
		return slices.ContainsFunc(p.Routes, func(rt policy.Route) bool { return rt.Prefix == prefix })
	}
	for _, s := range sites {
		if rulesKey(p.For(pathOnly(s.path))) == want(s) {
			continue
		}
		prefix := pathOnly(s.path)
		for _, c := range prefixes(pathOnly(s.path)) {
			if !slices.ContainsFunc(sites, func(o *site) bool { return strings.HasPrefix(pathOnly(o.path), c) && want(o) != want(s) }) {
				prefix = c
				break
			}
		}
		if !hasRoute(prefix) {
			p.Routes = append(p.Routes, route(prefix, p.Rules, s.rules()))
		}
	}
	// A route may catch a longer path with other rules: give that one its
	// own route, on its whole path.
	for range sites {
		fixed := true
		for _, s := range sites {
			if rulesKey(p.For(pathOnly(s.path))) != want(s) && !hasRoute(pathOnly(s.path)) {
				p.Routes = append(p.Routes, route(pathOnly(s.path), p.Rules, s.rules()))
				fixed = false
			}
		}
		if fixed {
			break
		}
	}
	for _, s := range sites {
		if rulesKey(p.For(pathOnly(s.path))) != want(s) {
			r.note(fmt.Sprintf("%s: no route can say its rules exactly (a route cannot take a max-age away): check there will differ", s.path))
		}
	}
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("infer: the inferred policy does not validate (a bug in corsproof): %w", err)
	}
	return p, nil
}

func pathOnly(p string) string {
	path, _, _ := strings.Cut(p, "?")
	return path
}

// prefixes are a path's directory prefixes, shortest first, after "/":
// /api/public/items gives /api/, /api/public/.
func prefixes(path string) []string {
	var out []string
	for i := 1; i < len(path); i++ {
		if path[i] == '/' {
			out = append(out, path[:i+1])
		}
	}
	return out
}

// route sets each field of want that differs from base.
func route(prefix string, base, want policy.Rules) policy.Route {
	rt := policy.Route{Prefix: prefix}
	nonNil := func(xs []string) []string {
		if xs == nil {
			return []string{}
		}
		return xs
	}
	same := func(a, b []string) bool {
		return rulesKey(policy.Rules{Origins: a}) == rulesKey(policy.Rules{Origins: b}) &&
			rulesKey(policy.Rules{RequestHeaders: a}) == rulesKey(policy.Rules{RequestHeaders: b})
	}
	if !same(base.Origins, want.Origins) {
		rt.Origins = nonNil(want.Origins)
	}
	if !same(base.Methods, want.Methods) {
		rt.Methods = nonNil(want.Methods)
	}
	if !same(base.RequestHeaders, want.RequestHeaders) {
		rt.RequestHeaders = nonNil(want.RequestHeaders)
	}
	if !same(base.ExposeHeaders, want.ExposeHeaders) {
		rt.ExposeHeaders = nonNil(want.ExposeHeaders)
	}
	if base.Credentials != want.Credentials {
		c := want.Credentials
		rt.Credentials = &c
	}
	if want.MaxAge != nil && (base.MaxAge == nil || *base.MaxAge != *want.MaxAge) {
		rt.MaxAge = want.MaxAge
	}
	return rt
}
