package mockapi

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"sync/atomic"

	"github.com/corsproof/corsproof/policy"
)

// Server serves a policy's CORS behaviour in front of a small JSON API,
// exactly or with one deliberate Fault. It is an http.Handler; mount it on
// an http.Server, an httptest.Server, or under http.StripPrefix.
type Server struct {
	policy   *policy.Policy
	fault    Fault
	journal  *Journal
	logf     func(format string, args ...any)
	sessions *sessions
	state    *faultState

	router  router       // the API: routing table and handlers
	handler http.Handler // the whole chain, router included

	idPrefix string        // random per server, so request ids never repeat across runs
	nextID   atomic.Uint64 // the counter part of X-Request-Id

	extraRoutes     []route // test-only rows, see withRoute
	policyEndpoints bool    // WithPolicyEndpoints
}

// Option configures a Server in New.
type Option func(*Server)

// WithFault makes the server answer with a deliberate fault from the
// gallery (see Faults). The zero Fault means the conforming server. Only
// f.Name counts: New looks it up in the gallery, so WithFault(Fault{Name:
// "reflect-origin"}) selects a fault by name, and a name the gallery lacks
// panics in New rather than silently serving a conforming server.
func WithFault(f Fault) Option { return func(s *Server) { s.fault = f } }

// WithJournal records requests into j instead of a fresh journal, so several
// servers (an API and its redirect target) can share one record.
func WithJournal(j *Journal) Option { return func(s *Server) { s.journal = j } }

// WithLogf prints one line per request once it has been answered, e.g.
// log.Printf. The CLI's serve command uses it to show traffic as it comes.
func WithLogf(logf func(format string, args ...any)) Option {
	return func(s *Server) { s.logf = logf }
}

// withRoute adds a row to the routing table. Tests use it to mount handlers
// that misbehave (panic) behind the real middleware chain.
func withRoute(pattern string, h http.HandlerFunc) Option {
	return func(s *Server) { s.extraRoutes = append(s.extraRoutes, route{pattern, h}) }
}

// New builds a server for p. It precomputes the routing table and the
// fault's matchers once; p must not be changed while the server runs.
// New panics on programmer misuse: a nil policy or an unknown fault.
func New(p *policy.Policy, opts ...Option) *Server {
	if p == nil {
		panic("mockapi: New with a nil policy")
	}
	s := &Server{policy: p, sessions: newSessions(maxSessions)}
	for _, opt := range opts {
		opt(s)
	}
	if s.fault.Name != "" {
		f, ok := FaultByName(s.fault.Name)
		if !ok {
			panic(fmt.Sprintf("mockapi: unknown fault %q", s.fault.Name))
		}
		s.fault = f
	}
	if s.journal == nil {
		s.journal = NewJournal(DefaultJournalCapacity)
	}
	if s.logf == nil {
		s.logf = func(string, ...any) {}
	}
	s.state = newFaultState(p)
	s.idPrefix = randomHex(4)
	s.router = s.newRouter()
	if s.policyEndpoints && len(p.Endpoints) > 0 {
		s.router = s.newEndpointRouter()
	}
	s.handler = s.observe(s.recoverPanics(s.cors(s.router)))
	return s
}

// ServeHTTP answers one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Journal is the record of every request the server answered.
func (s *Server) Journal() *Journal { return s.journal }

// Fault is the fault the server was built with; the zero Fault when it
// conforms to its policy.
func (s *Server) Fault() Fault { return s.fault }

// Policy is the policy the server serves.
func (s *Server) Policy() *policy.Policy { return s.policy }

// NewSession creates a valid session, as POST /api/login does, and returns
// the cookie a test helper should set (name "sid"). Browsers get it into
// their cookie jar without a cross-site login round trip.
func (s *Server) NewSession() (name, value string) {
	return sessionCookie, s.sessions.create()
}

func (s *Server) requestID() string {
	return s.idPrefix + "-" + strconv.FormatUint(s.nextID.Add(1), 10)
}

// randomHex returns n random bytes in hex. crypto/rand never fails on the
// platforms Go supports (it panics inside if it ever does).
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
