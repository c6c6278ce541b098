package harness

import (
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// TestProxyAdmitsOnlyTheNamedHost: a proxy off loopback that admits one
// host by its address (a remote WebKit's, which cannot present the
// credential) answers that host without the credential, for the run's
// names only (403 for any other), and still asks any other host for the
// credential (407). An address that names no one host is refused.
func TestProxyAdmitsOnlyTheNamedHost(t *testing.T) {
	addr := hostAddress(t) // our requests to it come from it
	topo := proxyTopology(t)
	get := func(p *Proxy, rawURL string) int {
		t.Helper()
		pu, _ := url.Parse(p.URL())
		tr := &http.Transport{Proxy: http.ProxyURL(pu), TLSClientConfig: &tls.Config{RootCAs: topo.CA.Pool()}}
		defer tr.CloseIdleConnections()
		resp, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Get(rawURL)
		if err != nil {
			t.Fatalf("GET %s: %v", rawURL, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, tc := range []struct {
		admit      string
		url        string
		wantStatus int
	}{
		{admit: addr, url: "http://plain.example.test/", wantStatus: http.StatusOK},
		{admit: addr, url: "https://api.example.test/x", wantStatus: http.StatusOK},
		{admit: addr, url: "http://example.com/", wantStatus: http.StatusForbidden},
		{admit: "198.18.9.9", url: "http://plain.example.test/", wantStatus: http.StatusProxyAuthRequired},
	} {
		p, err := StartProxyWith(ProxyConfig{Rules: topo.HostRules(), Listen: addr + ":0", User: "corsproof", Password: "s3cret",
			AdmitFrom: []net.IP{net.ParseIP(tc.admit)}, Logf: t.Logf})
		if err != nil {
			t.Fatal(err)
		}
		if got := get(p, tc.url); got != tc.wantStatus {
			t.Errorf("admitting %s, a request from %s for %s without the credential: %d, want %d", tc.admit, addr, tc.url, got, tc.wantStatus)
		}
		p.Close()
	}
	for _, bad := range []string{"0.0.0.0", "255.255.255.255", "224.0.0.1"} {
		if p, err := StartProxyWith(ProxyConfig{Listen: addr + ":0", User: "corsproof", Password: "s3cret", AdmitFrom: []net.IP{net.ParseIP(bad)}}); err == nil {
			p.Close()
			t.Errorf("a proxy admitting %s without the credential started: that is no one host", bad)
		}
	}
}

func TestWebKitDriverHost(t *testing.T) {
	if ip, err := WebKitDriverHost("http://198.18.2.2:4444"); err != nil || ip.String() != "198.18.2.2" {
		t.Errorf("WebKitDriverHost(http://198.18.2.2:4444) = %v, %v", ip, err)
	}
	for _, bad := range []string{"http://mac.example.test:4444", "ws://198.18.2.2:4444", "http://0.0.0.0:4444", "198.18.2.2:4444"} {
		if _, err := WebKitDriverHost(bad); err == nil {
			t.Errorf("WebKitDriverHost(%q) accepted", bad)
		}
	}
}
