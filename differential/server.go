package differential

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/corsproof/corsproof/spec"
)

// Handler serves the cases under /d/<run>/<index>: OPTIONS gets the case's
// preflight answer, any other method its actual answer, each header line
// exactly as the case lists it (name spelling and duplicates kept), and no
// Date header, so that what reaches the browser is what the model is told.
//
// preflights, when not nil, counts the preflights each URL got (path and
// query), so a test can tell an engine's unreported preflight from none.
func Handler(run string, cases []Case, preflights *Preflights) http.Handler {
	prefix := "/d/" + run + "/"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if preflights != nil && r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			preflights.add(r.URL.RequestURI())
		}
		rest, ok := strings.CutPrefix(r.URL.Path, prefix)
		i, err := strconv.Atoi(rest)
		if !ok || err != nil || i < 0 || i >= len(cases) {
			http.Error(w, fmt.Sprintf("no differential case at %s", r.URL.Path), http.StatusNotFound)
			return
		}
		resp := cases[i].Actual
		if r.Method == http.MethodOptions {
			resp = cases[i].Preflight
		}
		write(w, resp)
	})
}

// Preflights counts the preflights a Handler answered, by request URI.
type Preflights struct {
	mu sync.Mutex
	n  map[string]int
}

func (p *Preflights) add(uri string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.n == nil {
		p.n = map[string]int{}
	}
	p.n[uri]++
}

// Count is how many preflights the request URI uri got.
func (p *Preflights) Count(uri string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n[uri]
}

func write(w http.ResponseWriter, resp spec.Response) {
	hdr := w.Header()
	hdr["Date"] = nil // net/http's own header would be one the model never heard of
	for _, x := range resp.Headers {
		hdr[x.Name] = append(hdr[x.Name], x.Value)
	}
	w.WriteHeader(resp.Status)
	if resp.Status != http.StatusNoContent && resp.Status >= 200 && resp.Status != http.StatusNotModified {
		fmt.Fprint(w, "ok")
	}
}

// Server answers the model exactly as Handler answers the browser.
func (c Case) Server() spec.Server {
	return func(r spec.ServerRequest) (spec.Response, bool) {
		if r.Preflight {
			return c.Preflight, true
		}
		return c.Actual, true
	}
}
