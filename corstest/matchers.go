package corstest

import (
	"fmt"
	"strings"

	"github.com/onsi/gomega/types"

	"github.com/corsproof/corsproof/policy"
)

// The Gomega matchers take a *Request (run on first use) or a *Result:
//
//	Expect(api.From("evil").GET("/api/me").Credentials()).To(corstest.BeBlocked())
//	Expect(api.From("app").PUT("/api/todos/1").Header("X-Token", "1")).To(corstest.BeAllowed())
//
// A failure says what the browser did and why, in one line, then the wire
// exchange: never a struct dump.

// BeAllowed matches a fetch whose promise resolved with a readable response.
func BeAllowed() types.GomegaMatcher {
	return &matcher{want: "be allowed", test: func(r *Result) (bool, string) { return r.Allowed(), "" }}
}

// BeBlocked matches a fetch the browser blocked (the promise rejected). With
// a reason (a Chromium CorsError name such as "PreflightMissingAllowOriginHeader",
// or the model's reason when the engine reports none), only that block.
func BeBlocked(reason ...string) types.GomegaMatcher {
	want := "be blocked"
	if len(reason) > 0 {
		want += " with " + strings.Join(reason, " or ")
	}
	return &matcher{want: want, test: func(r *Result) (bool, string) {
		if r.Allowed() {
			return false, ""
		}
		if len(reason) == 0 {
			return true, ""
		}
		got := r.CorsError()
		for _, w := range reason {
			if strings.EqualFold(got, w) {
				return true, ""
			}
		}
		return false, "the block reason is " + orNone(got)
	}}
}

// ExposeHeader matches a fetch whose response header name script can read.
func ExposeHeader(name string) types.GomegaMatcher {
	return &matcher{want: "let script read the response header " + name, test: func(r *Result) (bool, string) {
		return r.Readable(name), ""
	}}
}

// BePreflighted matches a fetch the browser sent a preflight for. It fails
// with an explanation on engines that cannot show preflights (WebKit).
func BePreflighted() types.GomegaMatcher {
	return &matcher{want: "be preflighted", test: func(r *Result) (bool, string) {
		if r.Observation != nil && contains(r.Observation.Unavailable, "preflight") {
			return false, "this engine does not show preflights"
		}
		return r.Preflighted(), ""
	}}
}

// ReachServer matches a fetch whose actual request reached the handler (a
// blocked simple request does; a failed preflight stops it). Only for a
// served handler: a live target keeps no journal.
func ReachServer() types.GomegaMatcher {
	return &matcher{want: "reach the server", test: func(r *Result) (bool, string) {
		if r.ReachedServer == nil {
			return false, "the target keeps no journal (only a served handler can tell)"
		}
		return *r.ReachedServer, ""
	}}
}

// ConformTo matches a fetch whose outcome is what policy p says (the
// verdict check, corstest.Check's, for this one request), or an *API whose
// every generated scenario for p conforms.
func ConformTo(p *policy.Policy) types.GomegaMatcher {
	return &conformMatcher{p: p}
}

// matcher is a check on one fetch's Result.
type matcher struct {
	want string
	test func(*Result) (ok bool, why string)
	// last is the result and why of the last Match, for the message.
	last *Result
	why  string
}

func (m *matcher) Match(actual any) (bool, error) {
	r, err := resultOf(actual)
	if err != nil {
		return false, err
	}
	m.last = r
	if err := r.failure(); err != nil {
		return false, fmt.Errorf("corstest: %s", r.Line())
	}
	ok, why := m.test(r)
	m.why = why
	return ok, nil
}

func (m *matcher) FailureMessage(any) string {
	return m.message("to " + m.want)
}

func (m *matcher) NegatedFailureMessage(any) string {
	return m.message("not to " + m.want)
}

func (m *matcher) message(want string) string {
	r := m.last
	s := fmt.Sprintf("expected %s %s, but %s", r.Request, want, r.outcome())
	if m.why != "" {
		s += " (" + m.why + ")"
	}
	if w := r.Exchange(); w != "" {
		s += "\n" + w
	}
	return s
}

// resultOf runs a *Request or takes a *Result.
func resultOf(actual any) (*Result, error) {
	switch a := actual.(type) {
	case *Request:
		return a.Result(), nil
	case *Result:
		return a, nil
	}
	return nil, fmt.Errorf("corstest: the matcher wants a *corstest.Request or *corstest.Result, not %T", actual)
}

type conformMatcher struct {
	p      *policy.Policy
	failed []*Result
	one    bool
}

func (m *conformMatcher) Match(actual any) (bool, error) {
	m.failed = nil
	switch a := actual.(type) {
	case *Request:
		if a.err != nil {
			return false, a.err
		}
		m.one = true
		r := a.run(m.p)
		if err := r.failure(); err != nil {
			return false, fmt.Errorf("corstest: %s", r.Line())
		}
		if r.Failed() {
			m.failed = append(m.failed, r)
		}
	case *API:
		results, err := a.check(m.p, Options{})
		if err != nil {
			return false, err
		}
		for _, r := range results {
			if r.Failed() {
				m.failed = append(m.failed, &Result{Request: r.Scenario.Request.String() + " from " + r.Origin, Result: r, judged: true})
			}
		}
	default:
		return false, fmt.Errorf("corstest: ConformTo wants a *corstest.Request or *corstest.API, not %T", actual)
	}
	return len(m.failed) == 0, nil
}

// maxListed bounds the scenarios a ConformTo failure lists in full.
const maxListed = 3

func (m *conformMatcher) FailureMessage(any) string {
	var b strings.Builder
	if m.one {
		fmt.Fprintf(&b, "expected the fetch to conform to the policy, but %s", m.failed[0].Line())
	} else {
		fmt.Fprintf(&b, "expected the API to conform to the policy, but %d scenario(s) do not:", len(m.failed))
	}
	for i, r := range m.failed {
		if i == maxListed {
			fmt.Fprintf(&b, "\n... and %d more", len(m.failed)-maxListed)
			break
		}
		if !m.one {
			b.WriteString("\n" + r.Line())
		}
		if w := r.Exchange(); w != "" && i == 0 {
			b.WriteString("\n" + w)
		}
	}
	return b.String()
}

func (m *conformMatcher) NegatedFailureMessage(any) string {
	return "expected not to conform to the policy, but every scenario did"
}

func orNone(s string) string {
	if s == "" {
		return "not given"
	}
	return s
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
