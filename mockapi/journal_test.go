package mockapi

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/corsproof/corsproof/spec"
)

func TestJournalRecordsWhatReachedTheServer(t *testing.T) {
	app := setupTestApp(t)
	_, sid := app.NewSession()
	app.do(t, "OPTIONS", "/api/items/1?tok=s1", preflight(appOrigin, "PUT", "content-type")...)
	app.do(t, "PUT", "/api/items/1?tok=s1", spec.HeaderOrigin, appOrigin, "Cookie", "sid="+sid)
	// A simple POST from an origin the policy refuses: the browser will not
	// let the page read the answer, but the request arrives all the same.
	app.do(t, "POST", "/api/items?tok=s2", spec.HeaderOrigin, evilOrigin)

	s1 := app.Journal().ByQuery("tok=s1")
	if len(s1) != 2 {
		t.Fatalf("ByQuery(tok=s1) = %d entries, want 2", len(s1))
	}
	pre, put := s1[0], s1[1]
	tests := []struct {
		desc string
		got  any
		want any
	}{
		{"preflight flag", pre.Preflight, true},
		{"preflight method", pre.Method, "OPTIONS"},
		{"preflight ACRM", pre.RequestMethod, "PUT"},
		{"preflight ACRH", pre.RequestHeaders, "content-type"},
		{"preflight origin", pre.Origin, appOrigin},
		{"preflight status", pre.Status, 204},
		{"preflight sent no cookie", pre.Cookie, false},
		{"actual is not a preflight", put.Preflight, false},
		{"actual path", put.Path, "/api/items/1"},
		{"actual query", put.RawQuery, "tok=s1"},
		{"actual cookie", put.Cookie, true},
		{"actual valid session", put.ValidSession, true},
		{"actual status", put.Status, 200},
		{"actual route", put.Route, "/api/items/{id}"},
		{"order", pre.Seq < put.Seq, true},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %v, want %v", tt.desc, tt.got, tt.want)
		}
	}
	if s2 := app.Journal().ByQuery("tok=s2"); len(s2) != 1 || s2[0].Status != 200 || s2[0].Origin != evilOrigin {
		t.Errorf("blocked simple POST: %+v, want one 200 entry from %s", s2, evilOrigin)
	}
	if n := len(app.Journal().Entries()); n != 3 {
		t.Errorf("Entries() = %d, want 3", n)
	}
}

func TestJournalKeepsOnlyTheNewestEntriesPastItsCapacity(t *testing.T) {
	j := NewJournal(3)
	for i := range 5 {
		j.add(Entry{Path: fmt.Sprint(i)})
	}
	var got []string
	for _, e := range j.Entries() {
		got = append(got, fmt.Sprintf("%d:%s", e.Seq, e.Path))
	}
	if want := "3:2 4:3 5:4"; strings.Join(got, " ") != want {
		t.Errorf("entries = %v, want %s", got, want)
	}
	if odd := j.Find(func(e Entry) bool { return e.Seq%2 == 1 }); len(odd) != 2 {
		t.Errorf("Find(odd seq) = %d entries, want 2", len(odd))
	}
	j.Reset()
	if j.Len() != 0 {
		t.Errorf("Len after Reset = %d", j.Len())
	}
	j.add(Entry{})
	if e := j.Entries(); len(e) != 1 || e[0].Seq != 6 {
		t.Errorf("after Reset: %+v, want one entry with Seq 6", e)
	}
}

func TestJournalIsSafeForConcurrentUse(t *testing.T) {
	app := setupTestApp(t)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			app.do(t, "GET", fmt.Sprintf("/api/items?c=%d", i), spec.HeaderOrigin, appOrigin)
			app.Journal().Entries()
		})
	}
	wg.Wait()
	if n := app.Journal().Len(); n != 20 {
		t.Errorf("Len = %d, want 20", n)
	}
}

func TestSharedJournal(t *testing.T) {
	j := NewJournal(0)
	a := setupTestApp(t, WithJournal(j))
	b := setupTestApp(t, WithJournal(j))
	a.do(t, "GET", "/api/items?who=a")
	b.do(t, "GET", "/api/items?who=b")
	if len(j.ByQuery("who=")) != 2 || a.Journal() != j {
		t.Errorf("shared journal has %d entries, want 2", len(j.ByQuery("who=")))
	}
}
