package mockapi

import (
	"strings"
	"sync"
	"time"
)

// DefaultJournalCapacity bounds a journal: past it, the oldest entries go.
// A full browser run sends a few thousand requests; 100k leaves room for a
// long serve session without growing without limit.
const DefaultJournalCapacity = 100_000

// Entry is what the journal keeps of one request: enough for a scenario to
// learn whether its request reached the server, as what, and what it was
// answered. Header values are clipped (see maxStoredField) so hostile input
// cannot make the journal large.
type Entry struct {
	Seq       uint64 // 1 for the journal's first request, never reused
	Time      time.Time
	RequestID string // the X-Request-Id the response carried
	Method    string
	Path      string // as the server saw it, after any http.StripPrefix
	RawQuery  string
	Origin    string // "" when absent
	// RequestMethod and RequestHeaders are Access-Control-Request-Method
	// and -Headers, raw.
	RequestMethod  string
	RequestHeaders string
	Preflight      bool // OPTIONS with Access-Control-Request-Method
	Cookie         bool // a Cookie header was sent
	ValidSession   bool // ... and it carried a session the server knows
	Status         int  // the status answered
	// Route is the routing pattern whose handler answered ("/api/items/{id}",
	// "/" for a 404); "" when no route's handler ran: the CORS layer answered
	// alone (every preflight of a conforming server, refused junk), or
	// ServeMux redirected an unclean path.
	Route string
}

// URL is the entry's path and query, as on the request line.
func (e Entry) URL() string {
	if e.RawQuery == "" {
		return e.Path
	}
	return e.Path + "?" + e.RawQuery
}

// Journal is a concurrency-safe, bounded record of requests, oldest first.
type Journal struct {
	mu      sync.Mutex
	entries []Entry // a ring once full: next is the oldest
	next    int
	limit   int
	seq     uint64
}

// NewJournal returns an empty journal keeping the last capacity entries
// (DefaultJournalCapacity when capacity <= 0).
func NewJournal(capacity int) *Journal {
	if capacity <= 0 {
		capacity = DefaultJournalCapacity
	}
	return &Journal{limit: capacity}
}

func (j *Journal) add(e Entry) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.seq++
	e.Seq = j.seq
	if len(j.entries) < j.limit {
		j.entries = append(j.entries, e)
		return
	}
	j.entries[j.next] = e
	j.next = (j.next + 1) % j.limit
}

// Entries returns a copy of the kept entries, oldest first.
func (j *Journal) Entries() []Entry { return j.Find(func(Entry) bool { return true }) }

// Find returns the kept entries for which match is true, oldest first.
// match runs under the journal's lock: keep it quick and don't call the
// journal from it.
func (j *Journal) Find(match func(Entry) bool) []Entry {
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []Entry
	for i := range j.entries {
		e := j.entries[(j.next+i)%len(j.entries)]
		if match(e) {
			out = append(out, e)
		}
	}
	return out
}

// ByQuery returns the entries whose raw query contains substr. Scenarios put
// a unique token in their URL's query and ask this whether (and how) their
// requests reached the server: a simple POST the browser blocks from
// reading still arrives.
func (j *Journal) ByQuery(substr string) []Entry {
	return j.Find(func(e Entry) bool { return strings.Contains(e.RawQuery, substr) })
}

// Len is the number of kept entries.
func (j *Journal) Len() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return len(j.entries)
}

// Reset forgets every entry; Seq keeps counting.
func (j *Journal) Reset() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.entries, j.next = nil, 0
}
