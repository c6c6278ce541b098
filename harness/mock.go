package harness

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/mockapi"
	"github.com/corsproof/corsproof/policy"
)

// MockTarget is the embedded mock API serving several policies side by side:
// one mockapi.Server per policy, mounted at /p/<policy>/, all with the same
// fault (or none). Scenarios of different policies never share a URL, a
// preflight cache entry or a cookie path.
type MockTarget struct {
	APIOrigin string
	journal   *mockapi.Journal
	policies  map[string]*policy.Policy
	servers   map[string]*mockapi.Server
	sessions  map[string]string
	mux       *http.ServeMux
	// prefix is where the whole target is mounted in a larger handler
	// ("/f/<fault>" in a FaultMock); "" at the root.
	prefix string
	// oracle answers for exchanges an engine cannot observe.
	oracle mockOracle
	// stateful: the fault's answers depend on the requests before them.
	stateful bool
}

// NewMockTarget builds the mock for policies, with fault (zero Fault: the
// conforming server). logf, when set, prints each request.
func NewMockTarget(policies map[string]*policy.Policy, fault mockapi.Fault, logf func(string, ...any)) *MockTarget {
	m := &MockTarget{
		APIOrigin: corsproof.MockAPIOrigin,
		journal:   mockapi.NewJournal(0),
		policies:  policies,
		servers:   map[string]*mockapi.Server{},
		sessions:  map[string]string{},
		mux:       http.NewServeMux(),
		stateful:  fault.Stateful,
	}
	names := make([]string, 0, len(policies))
	for n := range policies {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		opts := []mockapi.Option{mockapi.WithJournal(m.journal), mockapi.WithFault(fault)}
		if logf != nil {
			opts = append(opts, mockapi.WithLogf(logf))
		}
		srv := mockapi.New(policies[name], opts...)
		m.servers[name] = srv
		_, m.sessions[name] = srv.NewSession()
		prefix := mountPath(name)
		m.mux.Handle(prefix+"/", http.StripPrefix(prefix, srv))
	}
	return m
}

func mountPath(policyName string) string { return "/p/" + policyName }

// mount is a policy's mount path as the browser sees it.
func (m *MockTarget) mount(policyName string) string { return m.prefix + mountPath(policyName) }

// Handler serves every policy's mock.
func (m *MockTarget) Handler() http.Handler { return m.mux }

// Journal records every request any policy's mock received.
func (m *MockTarget) Journal() *mockapi.Journal { return m.journal }

// Server returns the mock serving a policy.
func (m *MockTarget) Server(policyName string) (*mockapi.Server, bool) {
	s, ok := m.servers[policyName]
	return s, ok
}

// URL implements Target.
func (m *MockTarget) URL(s corsproof.Scenario, token string) (string, error) {
	if _, ok := m.policies[s.Policy]; !ok {
		return "", fmt.Errorf("scenario %s: no policy %q", s.ID, s.Policy)
	}
	origin := s.Request.API
	if origin == "" {
		origin = m.APIOrigin
	}
	path := strings.ReplaceAll(s.Request.Path, "{mount}", m.mount(s.Policy))
	path = strings.ReplaceAll(path, "{token}", url.QueryEscape(token))
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return origin + m.mount(s.Policy) + path + sep + "cp=" + url.QueryEscape(token), nil
}

// Policy implements Target.
func (m *MockTarget) Policy(s corsproof.Scenario) (*policy.Policy, func(*url.URL) string, error) {
	p, ok := m.policies[s.Policy]
	if !ok {
		return nil, nil, fmt.Errorf("scenario %s: no policy %q", s.ID, s.Policy)
	}
	prefix := m.mount(s.Policy)
	return p, func(u *url.URL) string { return strings.TrimPrefix(u.Path, prefix) }, nil
}

// Session implements Target: the policy's mock knows this session.
func (m *MockTarget) Session(s corsproof.Scenario) (string, browser.Cookie, bool, error) {
	sid, ok := m.sessions[s.Policy]
	if !ok {
		return "", browser.Cookie{}, false, nil
	}
	apiURL := m.APIOrigin + m.mount(s.Policy) + "/"
	return apiURL, browser.Cookie{
		Name: "sid", Value: sid, Path: m.mount(s.Policy) + "/",
		Secure: true, HTTPOnly: true, SameSite: "None",
	}, true, nil
}

// Stateful implements StatefulTarget: true for a stateful fault.
func (m *MockTarget) Stateful() bool { return m.stateful }

// Preflights implements PreflightJournal.
func (m *MockTarget) Preflights(token string, since time.Time) int {
	return len(m.journal.Find(func(e mockapi.Entry) bool {
		if !e.Preflight || e.Time.Before(since) {
			return false
		}
		q, _ := url.ParseQuery(e.RawQuery)
		return q.Get("cp") == token
	}))
}

// Reached implements Target: an actual request with the token is in the
// journal.
func (m *MockTarget) Reached(token string) *bool {
	hits := m.journal.Find(func(e mockapi.Entry) bool {
		q, _ := url.ParseQuery(e.RawQuery)
		return !e.Preflight && q.Get("cp") == token
	})
	reached := len(hits) > 0
	return &reached
}
