package harness

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/corsproof/corsproof"
)

// proxyTopology serves an https and an http origin page and an API.
func proxyTopology(t *testing.T) *Topology {
	t.Helper()
	topo, err := StartTopology(TopologyConfig{
		Sites: []corsproof.Site{
			{Name: "app", Origin: "https://app.example.test", Class: "allowed"},
			{Name: "plain", Origin: "http://plain.example.test", Class: "downgrade"},
		},
		APIOrigins: []string{"https://api.example.test"},
		API: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Add("X-Dup", "a")
			w.Header().Add("X-Dup", "b")
			fmt.Fprintf(w, "api %s %s origin=%s ua=%q", r.Method, r.Host, r.Header.Get("Origin"), r.Header.Get("User-Agent"))
		}),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { topo.Close() })
	return topo
}

func proxiedClient(t *testing.T, topo *Topology, p *Proxy) *http.Client {
	t.Helper()
	pu, _ := url.Parse(p.URL())
	tr := &http.Transport{
		Proxy:           http.ProxyURL(pu),
		TLSClientConfig: &tls.Config{RootCAs: topo.CA.Pool()},
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

func TestProxyMapsTopologyNames(t *testing.T) {
	topo := proxyTopology(t)
	p, err := StartProxy(topo.HostRules(), t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if !strings.HasPrefix(p.URL(), "http://127.0.0.1:") {
		t.Fatalf("proxy must listen on loopback: %s", p.URL())
	}
	c := proxiedClient(t, topo, p)

	// https through CONNECT: TLS end to end with the run's CA, the real
	// name on the default port.
	req, _ := http.NewRequest("PUT", "https://api.example.test/x", nil)
	req.Header.Set("Origin", "https://app.example.test")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if got, want := string(body), `api PUT api.example.test origin=https://app.example.test ua="Go-http-client/1.1"`; got != want {
		t.Errorf("body = %q, want %q", got, want)
	}
	if got := resp.Header.Values("X-Dup"); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("duplicate response lines must survive: %v", got)
	}

	// Plain http with an absolute URI: forwarded unchanged.
	resp, err = c.Get("http://plain.example.test/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "corsproof origin page") {
		t.Errorf("plain page: %d %q", resp.StatusCode, body)
	}
	if len(p.Refused()) != 0 {
		t.Errorf("nothing should be refused: %v", p.Refused())
	}
}

func TestProxyRefusesEverythingElse(t *testing.T) {
	topo := proxyTopology(t)
	p, err := StartProxy(topo.HostRules(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()

	for _, target := range []string{
		"example.com:443",         // the outside world
		"api.example.test:8443",   // a known name on another port
		"127.0.0.1:" + port(topo), // the loopback listener itself, by address
		"app.example.test:80",     // http name of an https-only site
	} {
		status, err := rawConnect(p, target)
		if err != nil {
			t.Fatal(err)
		}
		if status != 403 {
			t.Errorf("CONNECT %s: status %d, want 403", target, status)
		}
	}
	c := proxiedClient(t, topo, p)
	resp, err := c.Get("http://example.com/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Errorf("GET http://example.com/: %d, want 403", resp.StatusCode)
	}
	// A request that is not for a proxy at all.
	resp, err = http.Get(p.URL() + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("origin-form request: %d, want 400", resp.StatusCode)
	}
	if got := p.Refused(); !slices.Contains(got, "example.com:443") || !slices.Contains(got, "example.com:80") {
		t.Errorf("Refused() = %v", got)
	}
}

func TestProxyCloseEndsTunnels(t *testing.T) {
	topo := proxyTopology(t)
	p, err := StartProxy(topo.HostRules(), nil)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", strings.TrimPrefix(p.URL(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "CONNECT api.example.test:443 HTTP/1.1\r\nHost: api.example.test:443\r\n\r\n")
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("CONNECT: %v %v", resp, err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := br.ReadByte(); err == nil {
		t.Fatal("the tunnel should be closed with the proxy")
	} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatal("the tunnel outlived Close")
	}
}

func port(topo *Topology) string {
	_, p, _ := net.SplitHostPort(topo.APIAddr())
	return p
}

// rawConnect sends a CONNECT and returns the status.
func rawConnect(p *Proxy, target string) (int, error) {
	conn, err := net.Dial("tcp", strings.TrimPrefix(p.URL(), "http://"))
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	fmt.Fprintf(conn, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n", target, target)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// A Direct host (a live target) is forwarded to its real address; with a
// verifying config, a tunnel to a server whose certificate does not verify
// is refused before the browser sees a byte of it.
func TestProxyDirectHostsAndTheirCertificates(t *testing.T) {
	topo := proxyTopology(t)
	targetCA, err := NewCA()
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := targetCA.Leaf("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{*leaf}})
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "live target") }), ErrorLog: quietLog()}
	go srv.Serve(ln)
	defer srv.Close()
	hostport := ln.Addr().String()

	get := func(t *testing.T, verify *tls.Config) (string, error) {
		t.Helper()
		p, err := StartProxy(topo.HostRules(), t.Logf)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		if err := p.Direct(hostport, verify); err != nil {
			t.Fatal(err)
		}
		pu, _ := url.Parse(p.URL())
		tr := &http.Transport{Proxy: http.ProxyURL(pu), TLSClientConfig: &tls.Config{RootCAs: targetCA.Pool()}}
		defer tr.CloseIdleConnections()
		resp, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Get("https://" + hostport + "/")
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return string(body), nil
	}

	if body, err := get(t, nil); err != nil || body != "live target" {
		t.Errorf("unverified direct host: %q, %v", body, err)
	}
	trusting := &tls.Config{RootCAs: targetCA.Pool()}
	if body, err := get(t, trusting); err != nil || body != "live target" {
		t.Errorf("direct host verified against its CA: %q, %v", body, err)
	}
	if _, err := get(t, &tls.Config{RootCAs: topo.CA.Pool()}); err == nil || !strings.Contains(err.Error(), "Bad Gateway") {
		t.Errorf("a direct host whose certificate does not verify was tunnelled: %v", err)
	}

	p, err := StartProxy(topo.HostRules(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := p.Direct("api.example.test:443", nil); err == nil {
		t.Error("a topology name was accepted as a direct host")
	}
	if err := p.Direct("no-port", nil); err == nil {
		t.Error("a direct host without a port was accepted")
	}
}
