package harness

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/mockapi"
	"github.com/corsproof/corsproof/spec"
)

// ResponseOracle is implemented by targets that can say what the server
// answers to a request without seeing the wire: its status, Location and own
// headers. The runner asks it only for exchanges the engine could not observe
// (WebKit over classic WebDriver reports no network traffic), so that a
// redirect the browser followed unseen is not mistaken for a plain 200 and
// blamed on the server. A live target has no oracle: there an unobservable
// exchange stays unknown.
type ResponseOracle interface {
	ServerResponse(s corsproof.Scenario, r spec.ServerRequest) (spec.Response, bool)
}

// mockOracle answers like the conforming mock, in process, with a server of
// its own per policy: no journal of the run is touched, no fault applies
// (the non-CORS part of a response is the same under every fault).
type mockOracle struct {
	mu       sync.Mutex
	servers  map[string]*mockapi.Server
	sessions map[string]string
}

// ServerResponse implements ResponseOracle for the embedded mock.
func (m *MockTarget) ServerResponse(s corsproof.Scenario, r spec.ServerRequest) (spec.Response, bool) {
	p, ok := m.policies[s.Policy]
	if !ok {
		return spec.Response{}, false
	}
	u, err := url.Parse(r.URL)
	if err != nil || !strings.HasPrefix(u.Path, m.mount(s.Policy)+"/") {
		return spec.Response{}, false
	}
	m.oracle.mu.Lock()
	if m.oracle.servers == nil {
		m.oracle.servers, m.oracle.sessions = map[string]*mockapi.Server{}, map[string]string{}
	}
	srv, ok := m.oracle.servers[s.Policy]
	if !ok {
		srv = mockapi.New(p, mockapi.WithJournal(mockapi.NewJournal(1)))
		m.oracle.servers[s.Policy] = srv
		_, m.oracle.sessions[s.Policy] = srv.NewSession()
	}
	sid := m.oracle.sessions[s.Policy]
	m.oracle.mu.Unlock()

	local := *u
	local.Path = strings.TrimPrefix(u.Path, m.mount(s.Policy))
	local.RawPath = ""
	req := httptest.NewRequest(r.Method, local.RequestURI(), nil)
	req.Host = u.Host
	for _, h := range r.Headers {
		req.Header.Add(h.Name, h.Value)
	}
	if r.Credentials && s.Session {
		req.AddCookie(&http.Cookie{Name: "sid", Value: sid})
	}
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	return spec.Response{Status: rec.Code, Headers: spec.HeadersOf(rec.Header())}, true
}
