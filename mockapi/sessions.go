package mockapi

import (
	"net/http"
	"sync"
)

const (
	sessionCookie = "sid"
	// maxSessions bounds the session store: POST /api/login is open to
	// anyone, so past this the oldest sessions are forgotten.
	maxSessions = 10_000
)

// sessions is the set of session ids the server issued, oldest evicted
// first. A session is only a random id: the API has one user.
type sessions struct {
	mu    sync.Mutex
	valid map[string]struct{}
	order []string // a ring once full: next is the oldest
	next  int
	limit int
}

func newSessions(limit int) *sessions {
	return &sessions{valid: map[string]struct{}{}, limit: limit}
}

func (s *sessions) create() string {
	id := randomHex(16)
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.order) < s.limit {
		s.order = append(s.order, id)
	} else {
		delete(s.valid, s.order[s.next])
		s.order[s.next] = id
		s.next = (s.next + 1) % s.limit
	}
	s.valid[id] = struct{}{}
	return id
}

func (s *sessions) has(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.valid[id]
	return ok
}

// validRequest reports whether r carries a sid cookie the server issued.
func (s *sessions) validRequest(r *http.Request) bool {
	c, err := r.Cookie(sessionCookie)
	return err == nil && s.has(c.Value)
}

// sessionSetCookie is the cookie POST /api/login sets. SameSite=None (which
// requires Secure) is what lets a cross-site fetch with credentials:
// "include" send it: the cookie is what the credentials scenarios are about.
func sessionSetCookie(id string) *http.Cookie {
	return &http.Cookie{
		Name:     sessionCookie,
		Value:    id,
		Path:     "/",
		Secure:   true,
		HttpOnly: true,
		SameSite: http.SameSiteNoneMode,
	}
}
