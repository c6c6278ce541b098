package browser

import "sync"

// inflight is the set of fetches in flight on one tab (Chromium) or one
// browser (Firefox): the protocol's read loop hands each event to every one
// of them, and each keeps what belongs to its own URL. Engines run many
// fetches at once, so an event can no longer be assumed to be the only
// fetch's.
type inflight[R any] struct {
	mu  sync.Mutex
	set []*R
}

// add puts r in the set and reports how many others were in flight.
func (s *inflight[R]) add(r *R) (others int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	others = len(s.set)
	s.set = append(s.set, r)
	return others
}

func (s *inflight[R]) remove(r *R) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, x := range s.set {
		if x == r {
			s.set = append(s.set[:i], s.set[i+1:]...)
			return
		}
	}
}

// each calls f for every fetch in flight, under the set's lock: f must be
// short and must not call back into the set.
func (s *inflight[R]) each(f func(*R)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.set {
		f(r)
	}
}

func (s *inflight[R]) empty() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.set) == 0
}
