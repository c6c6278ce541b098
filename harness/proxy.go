package harness

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"slices"
	"strings"
	"sync"
	"time"
)

// Proxy is a forwarding HTTP proxy on loopback for browsers without
// host-resolver rules (Firefox): it answers CONNECT host:port and plain-HTTP
// absolute-URI requests by mapping "host:port" through a fixed table to a
// loopback listener, and refuses (403) everything else, so nothing the
// browser tries ever leaves the machine. It never looks inside a tunnel:
// TLS is between the browser and the listener.
type Proxy struct {
	rules map[string]string
	logf  func(string, ...any)
	ln    net.Listener
	srv   *http.Server
	rp    *httputil.ReverseProxy

	mu      sync.Mutex
	tunnels map[net.Conn]struct{}
	refused []string
}

// StartProxy starts a proxy on 127.0.0.1:0 for rules ("host:port" to
// "127.0.0.1:port", as Topology.HostRules). logf (may be nil) hears about
// refused requests.
func StartProxy(rules map[string]string, logf func(string, ...any)) (*Proxy, error) {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	p := &Proxy{rules: map[string]string{}, logf: logf, tunnels: map[net.Conn]struct{}{}}
	for k, v := range rules {
		p.rules[strings.ToLower(k)] = v
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, &InfraError{Op: "listen on 127.0.0.1 for the proxy", Err: err}
	}
	p.ln = ln
	dialer := &net.Dialer{Timeout: 10 * time.Second}
	p.rp = &httputil.ReverseProxy{
		// The outgoing request keeps the browser's absolute URL and every
		// header; only hop-by-hop headers go.
		Rewrite: func(pr *httputil.ProxyRequest) {},
		Transport: &http.Transport{
			Proxy: nil,
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				to, ok := p.lookup(addr)
				if !ok {
					return nil, fmt.Errorf("proxy: %s is not in the topology", addr)
				}
				return dialer.DialContext(ctx, "tcp", to)
			},
			DisableCompression:  true, // never add Accept-Encoding
			MaxIdleConnsPerHost: 16,
			IdleConnTimeout:     30 * time.Second,
		},
		ErrorLog: quietLog(),
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			p.logf("proxy: %s %s: %v", r.Method, r.URL, err)
			http.Error(w, "corsproof proxy: "+err.Error(), http.StatusBadGateway)
		},
	}
	p.srv = &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second, ErrorLog: quietLog()}
	go p.srv.Serve(ln)
	return p, nil
}

// URL is the proxy's address for browsers: "http://127.0.0.1:port".
func (p *Proxy) URL() string { return "http://" + p.ln.Addr().String() }

// Refused lists the "host:port" the proxy refused, in order.
func (p *Proxy) Refused() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.refused...)
}

func (p *Proxy) lookup(hostport string) (string, bool) {
	to, ok := p.rules[strings.ToLower(hostport)]
	return to, ok
}

func (p *Proxy) refuse(w http.ResponseWriter, what string) {
	p.mu.Lock()
	first := !slices.Contains(p.refused, what)
	p.refused = append(p.refused, what)
	p.mu.Unlock()
	if first {
		p.logf("proxy: refused %s (not in the topology; further refusals of it not logged)", what)
	}
	http.Error(w, "corsproof proxy: "+what+" is not part of this run's topology", http.StatusForbidden)
}

// ServeHTTP implements the proxy.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodConnect {
		p.connect(w, r)
		return
	}
	if !r.URL.IsAbs() || r.URL.Scheme != "http" {
		// Only absolute http:// URIs come to a proxy; https goes by CONNECT.
		http.Error(w, "corsproof proxy: want an absolute http:// request URI or CONNECT", http.StatusBadRequest)
		return
	}
	hp := r.URL.Host
	if r.URL.Port() == "" {
		hp += ":80"
	}
	if _, ok := p.lookup(hp); !ok {
		p.refuse(w, hp)
		return
	}
	p.rp.ServeHTTP(w, r)
}

func (p *Proxy) connect(w http.ResponseWriter, r *http.Request) {
	to, ok := p.lookup(r.Host)
	if !ok {
		p.refuse(w, r.Host)
		return
	}
	up, err := net.DialTimeout("tcp", to, 10*time.Second)
	if err != nil {
		p.logf("proxy: CONNECT %s -> %s: %v", r.Host, to, err)
		http.Error(w, "corsproof proxy: "+err.Error(), http.StatusBadGateway)
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		up.Close()
		http.Error(w, "corsproof proxy: cannot hijack", http.StatusInternalServerError)
		return
	}
	down, buf, err := hj.Hijack()
	if err != nil {
		up.Close()
		return
	}
	if !p.track(down, up) {
		down.Close()
		up.Close()
		return
	}
	defer p.untrack(down, up)
	if _, err := io.WriteString(down, "HTTP/1.1 200 Connection Established\r\n\r\n"); err != nil {
		return
	}
	done := make(chan struct{}, 2)
	go func() {
		// Bytes the browser sent after the CONNECT line, already buffered.
		if n := buf.Reader.Buffered(); n > 0 {
			b, _ := buf.Reader.Peek(n)
			up.Write(b)
		}
		io.Copy(up, down)
		closeWrite(up)
		done <- struct{}{}
	}()
	go func() {
		io.Copy(down, up)
		closeWrite(down)
		done <- struct{}{}
	}()
	<-done
	<-done
}

func closeWrite(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		tc.CloseWrite()
	}
}

// track registers a tunnel's connections so Close can end them; false
// after Close.
func (p *Proxy) track(cs ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tunnels == nil {
		return false
	}
	for _, c := range cs {
		p.tunnels[c] = struct{}{}
	}
	return true
}

func (p *Proxy) untrack(cs ...net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range cs {
		c.Close()
		delete(p.tunnels, c)
	}
}

// Close stops the proxy and ends every open tunnel.
func (p *Proxy) Close() error {
	err := p.srv.Close()
	p.mu.Lock()
	for c := range p.tunnels {
		c.Close()
	}
	p.tunnels = nil
	p.mu.Unlock()
	if t, ok := p.rp.Transport.(*http.Transport); ok {
		t.CloseIdleConnections()
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}
