package harness

import (
	"context"
	"crypto/subtle"
	"crypto/tls"
	"encoding/base64"
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
// host-resolver rules (Firefox, WebKit): it answers CONNECT host:port and
// plain-HTTP absolute-URI requests by mapping "host:port" through a fixed
// table to a loopback listener, forwards the few Direct hosts (a live
// target) to their real address, and refuses (403) everything else
// without looking the name up, so nothing the browser tries reaches, or
// resolves, anything but the run's own listeners and the target (the
// engines are set never to go around it: harness/offbox_test.go counts the
// packets). It never looks inside a tunnel: TLS is between the browser
// and the listener.
type Proxy struct {
	rules map[string]string
	logf  func(string, ...any)
	ln    net.Listener
	srv   *http.Server
	rp    *httputil.ReverseProxy

	// auth is the Proxy-Authorization value every request must carry
	// ("" on loopback: no credential asked for); see ProxyConfig.
	auth string
	// admit are source addresses let in without the credential
	// (ProxyConfig.AdmitFrom).
	admit []net.IP

	mu      sync.Mutex
	direct  map[string]*tls.Config // Direct hosts; the config verifies their tunnels (nil: not checked)
	tunnels map[net.Conn]struct{}
	refused []string
	// events are the refusals in order, for Since; dropped counts those
	// let go past maxEvents, so marks stay valid.
	events  []ProxyEvent
	dropped int
}

// ProxyEvent is a request the proxy did not let through.
type ProxyEvent struct {
	// HostPort is the name asked for.
	HostPort string
	// Cert is the certificate check that failed for a Direct host
	// (nil: the name is not in the run at all).
	Cert error
}

// maxEvents bounds the proxy's event log (a long serve session).
const maxEvents = 4096

func (p *Proxy) event(e ProxyEvent) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.events) == maxEvents {
		p.events = append(p.events[:0], p.events[maxEvents/2:]...)
		p.dropped += maxEvents / 2
	}
	p.events = append(p.events, e)
}

// Mark is a position in the proxy's event log, for Since.
func (p *Proxy) Mark() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.dropped + len(p.events)
}

// Since is what the proxy refused after mark.
func (p *Proxy) Since(mark int) []ProxyEvent {
	p.mu.Lock()
	defer p.mu.Unlock()
	i := max(mark-p.dropped, 0)
	if i >= len(p.events) {
		return nil
	}
	return append([]ProxyEvent(nil), p.events[i:]...)
}

// StartProxy starts a proxy on 127.0.0.1:0 for rules ("host:port" to
// "127.0.0.1:port", as Topology.HostRules); Direct adds hosts it forwards
// unmapped. logf (may be nil) hears about
// refused requests.
func StartProxy(rules map[string]string, logf func(string, ...any)) (*Proxy, error) {
	return StartProxyWith(ProxyConfig{Rules: rules, Logf: logf})
}

// ProxyConfig configures StartProxyWith.
type ProxyConfig struct {
	// Rules map "host:port" to the listener that serves it, as
	// Topology.HostRules.
	Rules map[string]string
	// Listen is the address the proxy listens on ("" or a loopback
	// address: 127.0.0.1:0). Any other address makes the proxy reachable
	// from other hosts, so it must have a credential (User, Password).
	Listen string
	// User and Password are the proxy credential every request must carry
	// (Proxy-Authorization: Basic); a request without it gets 407 and
	// learns nothing about the run. Required off loopback.
	User, Password string
	// AdmitFrom are source IP addresses whose requests need no credential:
	// for a browser that cannot present one (a remote WebKit, whose
	// WebDriver proxy setting carries no credential). It is weaker than the
	// credential: every process on such a host, and anything that can send
	// from its address, may use the proxy for the run's names while the
	// run lasts; the rest of the world still gets 407. No unspecified or
	// broadcast address is accepted, so it is never an open relay.
	AdmitFrom []net.IP
	Logf      func(string, ...any)
}

// StartProxyWith starts a proxy as cfg says. Off loopback it is no open
// relay: it answers only requests carrying cfg's credential, and of those
// only for the run's names and the Direct hosts (403 for any other).
func StartProxyWith(cfg ProxyConfig) (*Proxy, error) {
	logf := cfg.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	listen := cfg.Listen
	if listen == "" {
		listen = "127.0.0.1:0"
	}
	if !isLoopback(listen) && (cfg.User == "" || cfg.Password == "") {
		return nil, fmt.Errorf("proxy: listening on %s, off loopback, needs a credential", listen)
	}
	p := &Proxy{rules: map[string]string{}, logf: logf, direct: map[string]*tls.Config{}, tunnels: map[net.Conn]struct{}{}}
	for _, ip := range cfg.AdmitFrom {
		if ip == nil || ip.IsUnspecified() || ip.Equal(net.IPv4bcast) || ip.IsMulticast() {
			return nil, fmt.Errorf("proxy: %v names no one host to admit without the credential", ip)
		}
		p.admit = append(p.admit, ip)
	}
	if cfg.User != "" {
		p.auth = "Basic " + base64.StdEncoding.EncodeToString([]byte(cfg.User+":"+cfg.Password))
	}
	for k, v := range cfg.Rules {
		p.rules[strings.ToLower(k)] = v
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return nil, &InfraError{Op: "listen on " + listen + " for the proxy", Err: err}
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

// URL is the proxy's address for browsers: "http://127.0.0.1:port" (or
// the ProxyConfig.Listen address), without the credential.
func (p *Proxy) URL() string { return "http://" + p.ln.Addr().String() }

// Refused lists the "host:port" the proxy refused, in order.
func (p *Proxy) Refused() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.refused...)
}

// Direct lets the proxy forward "host:port" to its real address, for a
// live target outside the topology. With verify set, each CONNECT to it is
// preceded by a TLS handshake of the proxy's own, with verify's roots and
// the host's name, and refused (502) when the certificate does not verify:
// for a browser that cannot be given a trust anchor and so accepts any
// certificate (WebKit), the target's certificate is still checked as the
// user's browsers would. Call Direct before the browser uses the proxy.
func (p *Proxy) Direct(hostport string, verify *tls.Config) error {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil || host == "" || port == "" {
		return fmt.Errorf("proxy: direct host %q: want host:port", hostport)
	}
	key := strings.ToLower(hostport)
	if _, ok := p.rules[key]; ok {
		return fmt.Errorf("proxy: direct host %s is also one of the topology's names", hostport)
	}
	if verify != nil {
		verify = verify.Clone()
		verify.ServerName = host
	}
	p.mu.Lock()
	p.direct[key] = verify
	p.mu.Unlock()
	return nil
}

func (p *Proxy) lookup(hostport string) (string, bool) {
	key := strings.ToLower(hostport)
	if to, ok := p.rules[key]; ok {
		return to, true
	}
	p.mu.Lock()
	_, ok := p.direct[key]
	p.mu.Unlock()
	return key, ok
}

// verifyDirect checks the certificate of a Direct host whose tunnels are
// verified; nil for every other host.
func (p *Proxy) verifyDirect(hostport, to string) error {
	p.mu.Lock()
	cfg := p.direct[strings.ToLower(hostport)]
	p.mu.Unlock()
	if cfg == nil {
		return nil
	}
	d := &tls.Dialer{NetDialer: &net.Dialer{Timeout: 10 * time.Second}, Config: cfg}
	c, err := d.Dial("tcp", to)
	if err != nil {
		return fmt.Errorf("the certificate of %s does not verify (the browser accepts any certificate, so corsproof checks it here): %w", hostport, err)
	}
	return c.Close()
}

func (p *Proxy) refuse(w http.ResponseWriter, what string) {
	p.mu.Lock()
	first := !slices.Contains(p.refused, what)
	p.refused = append(p.refused, what)
	p.mu.Unlock()
	p.event(ProxyEvent{HostPort: what})
	if first {
		p.logf("proxy: refused %s (not in the topology; further refusals of it not logged)", what)
	}
	http.Error(w, "corsproof proxy: "+what+" is not part of this run's topology", http.StatusForbidden)
}

// isLoopback reports whether addr ("host:port") is on a loopback address.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// authorized checks the run's credential in constant time; a proxy
// without one lets every request in (it is on loopback).
func (p *Proxy) authorized(r *http.Request) bool {
	if p.auth == "" {
		return true
	}
	if len(p.admit) > 0 {
		if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
			if ip := net.ParseIP(host); ip != nil && slices.ContainsFunc(p.admit, ip.Equal) {
				return true
			}
		}
	}
	got := r.Header.Get("Proxy-Authorization")
	return subtle.ConstantTimeCompare([]byte(got), []byte(p.auth)) == 1
}

// ServeHTTP implements the proxy.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !p.authorized(r) {
		// Before any look-up: a request without the run's secret learns
		// nothing, not even which names the run has.
		p.logf("proxy: %s %s from %s without the run's credential: 407", r.Method, r.Host, r.RemoteAddr)
		w.Header().Set("Proxy-Authenticate", `Basic realm="corsproof run"`)
		http.Error(w, "corsproof proxy: this run's proxy credential is required", http.StatusProxyAuthRequired)
		return
	}
	r.Header.Del("Proxy-Authorization") // never forwarded
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
	if err := p.verifyDirect(r.Host, to); err != nil {
		p.event(ProxyEvent{HostPort: r.Host, Cert: err})
		p.logf("proxy: CONNECT %s refused: %v", r.Host, err)
		http.Error(w, "corsproof proxy: "+err.Error(), http.StatusBadGateway)
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
