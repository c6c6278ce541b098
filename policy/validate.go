package policy

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/corsproof/corsproof/spec"
)

// Validate reports every rule the policy breaks, joined with errors.Join;
// each is a *FieldError. Parse validates already and adds file and line; call
// Validate on a Policy built in Go code, whose errors carry no location.
func (p *Policy) Validate() error {
	var errs []error
	for _, is := range p.check() {
		errs = append(errs, is.err)
	}
	return errors.Join(errs...)
}

// An issue is a FieldError together with the place in the document it
// points at ("routes[0].origins[1]"), which Parse turns into a line.
type issue struct {
	at  string
	err *FieldError
}

type checker struct {
	issues []issue
	// policyWildcards tells, per field of Rules, whether the policy's own
	// list holds "*": what a route that leaves the field out inherits.
	policyWildcards map[string]bool
}

func (c *checker) add(at, field, value, reason string) {
	c.issues = append(c.issues, issue{at: at, err: &FieldError{Field: field, Value: value, Reason: reason}})
}

// check finds every problem of the policy, in document order.
func (p *Policy) check() []issue {
	c := checker{policyWildcards: map[string]bool{
		"origins":         slices.Contains(p.Origins, Wildcard),
		"methods":         slices.Contains(p.Methods, Wildcard),
		"request_headers": slices.Contains(p.RequestHeaders, Wildcard),
		"expose_headers":  slices.Contains(p.ExposeHeaders, Wildcard),
	}}
	if p.Origins == nil {
		c.add("origins", "origins", "", "is required; write `origins: []` for a policy that allows no origin")
	}
	c.rules("", p.Rules, p.Rules, false)

	firstPath := map[string]int{}
	for i, e := range p.Endpoints {
		at := fmt.Sprintf("endpoints[%d]", i)
		c.path(at+".path", e.Path, "endpoints", firstPath, i)
		for j, m := range e.Methods {
			reason := methodProblem(m)
			if reason == "" && m == Wildcard {
				reason = `an endpoint serves named methods, "*" is not one`
			}
			if reason != "" {
				c.add(fmt.Sprintf("%s.methods[%d]", at, j), at+".methods", m, reason)
			}
		}
	}

	firstPrefix := map[string]int{}
	for i, rt := range p.Routes {
		at := fmt.Sprintf("routes[%d]", i)
		c.path(at+".prefix", rt.Prefix, "routes", firstPrefix, i)
		own := Rules{Origins: rt.Origins, Methods: rt.Methods, RequestHeaders: rt.RequestHeaders, ExposeHeaders: rt.ExposeHeaders, MaxAge: rt.MaxAge}
		c.rules(at+".", own, rt.over(p.Rules), rt.Credentials != nil)
	}
	return c.issues
}

// rules checks the fields a policy or route sets itself (own) against the
// rules in force where it applies (eff): a "*" is only a wildcard when
// credentials are off. When a route turns credentials on, a "*" it inherits
// becomes wrong too, and the route's credentials field is to blame. Only a
// route sets credentials, and what it inherits is the policy's rules, whose
// wildcards check has looked up once (a linear scan of the policy's lists
// for every route would make validation quadratic).
func (c *checker) rules(prefix string, own, eff Rules, setsCredentials bool) {
	c.origins(prefix+"origins", own.Origins, eff.Credentials)
	for i, m := range own.Methods {
		reason := methodProblem(m)
		if reason == "" && m == Wildcard && eff.Credentials {
			reason = literalWildcard
		}
		if reason != "" {
			c.add(fmt.Sprintf("%smethods[%d]", prefix, i), prefix+"methods", m, reason)
		}
	}
	c.headerNames(prefix+"request_headers", own.RequestHeaders, eff.Credentials)
	c.headerNames(prefix+"expose_headers", own.ExposeHeaders, eff.Credentials)
	if own.MaxAge != nil && *own.MaxAge < 0 {
		c.add(prefix+"max_age", prefix+"max_age", strconv.Itoa(*own.MaxAge), "must be at least 0 seconds")
	}
	if !setsCredentials || !eff.Credentials {
		return
	}
	inherited := []struct {
		field string
		own   []string
	}{
		{"origins", own.Origins},
		{"methods", own.Methods},
		{"request_headers", own.RequestHeaders},
		{"expose_headers", own.ExposeHeaders},
	}
	for _, f := range inherited {
		if f.own == nil && c.policyWildcards[f.field] {
			reason := fmt.Sprintf(`conflicts with %s "*" inherited from the policy: `, f.field) + literalWildcard
			if f.field == "origins" {
				reason = `conflicts with origins "*" inherited from the policy: ` + credentialedWildcard
			}
			c.add(prefix+"credentials", prefix+"credentials", "true", reason)
		}
	}
}

const (
	credentialedWildcard = "browsers reject a wildcard Access-Control-Allow-Origin on credentialed requests"
	literalWildcard      = `with credentials, browsers read "*" as a literal name, not a wildcard`
)

func (c *checker) origins(at string, origins []string, credentials bool) {
	for i, o := range origins {
		itemAt := fmt.Sprintf("%s[%d]", at, i)
		switch {
		case o == Wildcard:
			if len(origins) > 1 {
				c.add(itemAt, at, o, `cannot be mixed with other origins: "*" allows every origin already`)
			}
			if credentials {
				c.add(itemAt, at, o, "cannot be used with credentials: "+credentialedWildcard)
			}
		case o == "null":
			// Allowed, though it grants every sandboxed or opaque-origin
			// document: the package doc warns about it.
		default:
			if reason := originProblem(o); reason != "" {
				c.add(itemAt, at, o, reason)
			}
		}
	}
}

func (c *checker) headerNames(at string, names []string, credentials bool) {
	for i, n := range names {
		reason := ""
		switch {
		case !spec.IsToken(n):
			reason = "not a header name: want an HTTP token (letters, digits and !#$%&'*+-.^_`|~)"
		case n == Wildcard && credentials:
			reason = literalWildcard
		}
		if reason != "" {
			c.add(fmt.Sprintf("%s[%d]", at, i), at, n, reason)
		}
	}
}

// path checks an endpoint's path or a route's prefix, and that no earlier
// entry of the same list has it: For never picks a second route with the
// same prefix, and a second endpoint would only repeat the first.
func (c *checker) path(at, p, list string, first map[string]int, i int) {
	switch {
	case p == "":
		c.add(at, at, "", "is required")
	case p[0] != '/':
		c.add(at, at, p, `must start with "/"`)
	case strings.ContainsAny(p, "?#"):
		c.add(at, at, p, "must be a path alone, without query or fragment")
	case strings.IndexFunc(p, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0:
		c.add(at, at, p, "contains a space or control character: browsers would percent-encode it")
	default:
		if j, dup := first[p]; dup {
			c.add(at, at, p, fmt.Sprintf("duplicates %s[%d]", list, j))
		} else {
			first[p] = i
		}
	}
}

// methodProblem says what is wrong with a method name, or "" if nothing.
func methodProblem(m string) string {
	upper := strings.ToUpper(m)
	switch {
	case !spec.IsToken(m):
		return "not a method: want an HTTP token (letters, digits and !#$%&'*+-.^_`|~)"
	case upper == "CONNECT" || upper == "TRACE" || upper == "TRACK":
		return "forbidden method: browsers refuse to send it (fetch throws a TypeError)"
	case m != upper && isNormalizedMethod(upper):
		return fmt.Sprintf("browsers uppercase %q to %q before comparing, so it would never match: write %q", m, upper, upper)
	}
	return ""
}

// isNormalizedMethod reports whether browsers uppercase the method; every
// other method keeps its case, and "patch" differs from "PATCH" (Fetch
// standard, "normalize a method").
func isNormalizedMethod(upper string) bool {
	switch upper {
	case "DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT":
		return true
	}
	return false
}
