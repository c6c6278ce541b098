package harness

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/corsproof/corsproof"
)

// Topology is the per-run network: a CA, HTTPS (and HTTP) listeners on
// 127.0.0.1:0 for the origin pages and the API, and the browser host mapping
// that gives each its real name on its default port.
type Topology struct {
	CA    *CA
	sites map[string]corsproof.Site

	servers   []*http.Server
	hostRules map[string]string
	apiAddr   string
}

// TopologyConfig says what to serve.
type TopologyConfig struct {
	Sites []corsproof.Site
	// APIOrigins are the origins the API is served under
	// ("https://api.example.test"); all reach API. Empty when the target is
	// a live server the browser reaches directly.
	APIOrigins []string
	API        http.Handler
	// PageHTML is the document every origin page serves (the sandboxed
	// one with its CSP sandbox still). Empty: a blank page, all a run needs.
	PageHTML string
	// CA signs the run's certificates; nil makes a fresh one for the run
	// (a remote browser needs one it trusts: RemoteConfig.CA).
	CA *CA
}

// StartTopology starts the listeners. Close stops them.
func StartTopology(cfg TopologyConfig) (t *Topology, err error) {
	ca := cfg.CA
	if ca == nil {
		if ca, err = NewCA(); err != nil {
			return nil, err
		}
	}
	t = &Topology{CA: ca, sites: map[string]corsproof.Site{}, hostRules: map[string]string{}}
	defer func() {
		if err != nil {
			t.Close()
		}
	}()
	pageTLS, pageHTTP := "", ""
	for _, s := range cfg.Sites {
		if _, dup := t.sites[s.Name]; dup {
			return nil, fmt.Errorf("topology: two sites named %q", s.Name)
		}
		t.sites[s.Name] = s
		u, err := url.Parse(s.Served())
		if err != nil || u.Host == "" {
			return nil, fmt.Errorf("topology: site %s: bad origin %q", s.Name, s.Served())
		}
		addr := &pageHTTP
		if u.Scheme == "https" {
			addr = &pageTLS
		}
		if *addr == "" {
			if *addr, err = t.serve(pagesHandler(cfg.PageHTML), u.Scheme == "https"); err != nil {
				return nil, err
			}
		}
		t.hostRules[corsproof.HostPort(u)] = *addr
	}
	if cfg.API != nil {
		if t.apiAddr, err = t.serve(cfg.API, true); err != nil {
			return nil, err
		}
		for _, o := range cfg.APIOrigins {
			u, err := url.Parse(o)
			if err != nil || u.Scheme != "https" {
				return nil, fmt.Errorf("topology: API origin %q must be https", o)
			}
			t.hostRules[corsproof.HostPort(u)] = t.apiAddr
		}
	}
	return t, nil
}

// serve starts h on a fresh 127.0.0.1 listener and returns its address.
func (t *Topology) serve(h http.Handler, useTLS bool) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", &InfraError{Op: "listen on 127.0.0.1", Err: err}
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          quietLog(),
	}
	if useTLS {
		srv.TLSConfig = t.CA.TLSConfig()
		ln = tls.NewListener(ln, srv.TLSConfig)
	}
	t.servers = append(t.servers, srv)
	go srv.Serve(ln)
	return ln.Addr().String(), nil
}

// HostRules maps "host:port" as the browser sees it to a loopback listener.
func (t *Topology) HostRules() map[string]string { return t.hostRules }

// Hosts are the "host:port" names the topology serves on loopback (its
// host rules' names), sorted: a redirect to one of them stays in the run.
func (t *Topology) Hosts() []string {
	out := make([]string, 0, len(t.hostRules))
	for hp := range t.hostRules {
		out = append(out, strings.ToLower(hp))
	}
	sort.Strings(out)
	return out
}

// Site returns a site by name.
func (t *Topology) Site(name string) (corsproof.Site, bool) {
	s, ok := t.sites[name]
	return s, ok
}

// Sites lists the sites sorted by name.
func (t *Topology) Sites() []corsproof.Site {
	out := make([]corsproof.Site, 0, len(t.sites))
	for _, s := range t.sites {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// PageURL is the URL of a site's origin page.
func (t *Topology) PageURL(name string) (string, error) {
	s, ok := t.sites[name]
	if !ok {
		return "", fmt.Errorf("no site %q", name)
	}
	return PageURLOf(s), nil
}

// PageURLOf is the URL a topology serves site s's origin page at.
func PageURLOf(s corsproof.Site) string {
	if s.Sandboxed {
		return s.Served() + sandboxedPath
	}
	return s.Served() + "/"
}

// APIAddr is the API listener's loopback address ("" without an API).
func (t *Topology) APIAddr() string { return t.apiAddr }

// Close stops every listener.
func (t *Topology) Close() error {
	var errs []error
	for _, s := range t.servers {
		errs = append(errs, s.Close())
	}
	t.servers = nil
	return errors.Join(errs...)
}

const sandboxedPath = "/__corsproof/sandboxed"

const pageHTML = `<!doctype html><meta charset="utf-8"><title>corsproof origin page</title>` +
	`<p>corsproof origin page. The harness runs fetch() here.</p>`

// pagesHandler serves the origin pages: page, or the blank pageHTML. A
// sandboxed page gets an opaque origin from its CSP, so its fetches send
// Origin: null, like a sandboxed iframe on any site would.
func pagesHandler(page string) http.Handler {
	if page == "" {
		page = pageHTML
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/favicon.ico" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if strings.HasPrefix(r.URL.Path, sandboxedPath) {
			w.Header().Set("Content-Security-Policy", "sandbox allow-scripts")
		}
		fmt.Fprint(w, page)
	})
}

// quietLog drops net/http's own error log: TLS handshakes the browser
// abandons are normal here and not worth a line on the terminal.
func quietLog() *log.Logger { return log.New(io.Discard, "", 0) }
