package browser_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/corsproof/corsproof/browser"
)

// What the Firefox and WebKit tests share: the origins, an API that answers
// as the query says, unique URLs and a fetch helper.

const (
	ffApp     = "https://app.example.test"
	ffAPI     = "https://api.example.test"
	ffAppPage = ffApp + "/"
)

// queryAPI answers as the query says (the language of the Chromium tests'
// API): acao, acac, acam, acah, aceh and max-age set the CORS headers,
// preflight and actual alike; x adds X-Exposed and X-Hidden; setcookie adds
// a Set-Cookie; redirect answers 302 to it; hang never answers. The actual
// response echoes the sid cookie in X-Got-Cookie. It records what reached
// it, by path.
type queryAPI struct {
	mu   sync.Mutex
	hits map[string][]*http.Request
}

func newQueryAPI() *queryAPI { return &queryAPI{hits: map[string][]*http.Request{}} }

func (s *queryAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.hits[r.URL.Path] = append(s.hits[r.URL.Path], r)
	s.mu.Unlock()
	q, h := r.URL.Query(), w.Header()
	for param, name := range map[string]string{
		"acao": "Access-Control-Allow-Origin", "acac": "Access-Control-Allow-Credentials",
		"acam": "Access-Control-Allow-Methods", "acah": "Access-Control-Allow-Headers",
		"aceh": "Access-Control-Expose-Headers", "max-age": "Access-Control-Max-Age",
	} {
		if v, ok := q[param]; ok {
			h.Set(name, v[0])
		}
	}
	if r.Method == http.MethodOptions {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if q.Has("hang") {
		<-r.Context().Done() // until the browser gives up
		return
	}
	if to := q.Get("redirect"); to != "" {
		http.Redirect(w, r, to, http.StatusFound)
		return
	}
	if q.Has("x") {
		h.Set("X-Exposed", "1")
		h.Set("X-Hidden", "2")
	}
	if v := q.Get("setcookie"); v != "" {
		h.Add("Set-Cookie", v)
	}
	if c, err := r.Cookie("sid"); err == nil {
		h.Set("X-Got-Cookie", c.Value)
	}
	h.Set("Content-Type", "text/plain")
	fmt.Fprintf(w, "hello %s %s", r.Method, r.URL.Path)
}

func (s *queryAPI) requests(path string) []*http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

var ffCount atomic.Int64

// ffURL is a URL on the API no other test uses, and its path.
func ffURL(query string) (url, path string) {
	path = fmt.Sprintf("/ff/%d-%d", os.Getpid(), ffCount.Add(1))
	return ffAPI + path + "?" + query, path
}

// fetcher runs fetches in e from page (unless the Fetch names its own) and
// logs each observation; an engine error fails the test.
func fetcher(ctx context.Context, e browser.Engine, page string) func(*testing.T, browser.Fetch) browser.Observation {
	return func(t *testing.T, f browser.Fetch) browser.Observation {
		t.Helper()
		if f.PageURL == "" {
			f.PageURL = page
		}
		o, err := e.Fetch(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("observation: %+v", o)
		return o
	}
}
