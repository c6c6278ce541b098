package harness

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/corsproof/corsproof/internal/testenv"
)

// hostAddress is an IPv4 address of this machine that is not loopback,
// for a proxy other hosts could reach.
func hostAddress(t *testing.T) string {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() && !n.IP.IsLinkLocalUnicast() {
			return n.IP.String()
		}
	}
	if testenv.InCI() {
		t.Fatal("this machine has no non-loopback IPv4 address (CI=true makes this a failure)")
	}
	t.Skip("this machine has no non-loopback IPv4 address")
	return ""
}

func TestProxyOffLoopbackNeedsACredential(t *testing.T) {
	addr := hostAddress(t)
	for _, cfg := range []ProxyConfig{
		{Listen: addr + ":0"},
		{Listen: addr + ":0", User: "corsproof"},
		{Listen: "0.0.0.0:0", Password: "x"},
	} {
		if p, err := StartProxyWith(cfg); err == nil {
			p.Close()
			t.Errorf("a proxy on %s with user %q and a password %q started: it would be an open relay", cfg.Listen, cfg.User, cfg.Password)
		}
	}
}

// TestProxyOffLoopbackIsNoOpenRelay asks a proxy listening on a
// non-loopback address for the run's own page, without the run's
// credential, with a wrong one, and with the right one for a host outside
// the run: only the last request is answered at all, and it is refused.
func TestProxyOffLoopbackIsNoOpenRelay(t *testing.T) {
	addr := hostAddress(t)
	topo := proxyTopology(t)
	p, err := StartProxyWith(ProxyConfig{Rules: topo.HostRules(), Listen: addr + ":0", User: "corsproof", Password: "s3cret-of-this-run", Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if want := "http://" + addr + ":"; !strings.HasPrefix(p.URL(), want) {
		t.Fatalf("proxy URL %s, want it on %s", p.URL(), addr)
	}
	client := func(user *url.Userinfo) *http.Client {
		pu, _ := url.Parse(p.URL())
		pu.User = user
		tr := &http.Transport{Proxy: http.ProxyURL(pu), TLSClientConfig: &tls.Config{RootCAs: topo.CA.Pool()}}
		t.Cleanup(tr.CloseIdleConnections)
		return &http.Client{Transport: tr, Timeout: 10 * time.Second}
	}
	for _, tc := range []struct {
		desc string
		user *url.Userinfo
		url  string
		want int
	}{
		{desc: "no credential, the run's page over http", url: "http://plain.example.test/", want: http.StatusProxyAuthRequired},
		{desc: "wrong password, the run's page over http", user: url.UserPassword("corsproof", "guess"), url: "http://plain.example.test/", want: http.StatusProxyAuthRequired},
		{desc: "credential, a host outside the run", user: url.UserPassword("corsproof", "s3cret-of-this-run"), url: "http://example.com/", want: http.StatusForbidden},
		{desc: "credential, the run's page over http", user: url.UserPassword("corsproof", "s3cret-of-this-run"), url: "http://plain.example.test/", want: http.StatusOK},
		{desc: "credential, the run's API over https", user: url.UserPassword("corsproof", "s3cret-of-this-run"), url: "https://api.example.test/x", want: http.StatusOK},
	} {
		resp, err := client(tc.user).Get(tc.url)
		if err != nil {
			t.Errorf("%s: %v", tc.desc, err)
			continue
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s: status %d, want %d", tc.desc, resp.StatusCode, tc.want)
		}
	}
	// Go's client cannot show a CONNECT's answer: ask by hand, without the
	// credential, for the run's API and for a host outside it.
	for _, host := range []string{"api.example.test:443", "example.com:443"} {
		c, err := net.Dial("tcp", strings.TrimPrefix(p.URL(), "http://"))
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(c, "CONNECT "+host+" HTTP/1.1\r\nHost: "+host+"\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(c), &http.Request{Method: http.MethodConnect})
		c.Close()
		if err != nil {
			t.Fatalf("CONNECT %s: %v", host, err)
		}
		if resp.StatusCode != http.StatusProxyAuthRequired || !strings.HasPrefix(resp.Header.Get("Proxy-Authenticate"), "Basic ") {
			t.Errorf("CONNECT %s without the credential: %s (Proxy-Authenticate %q), want 407 with a Basic challenge", host, resp.Status, resp.Header.Get("Proxy-Authenticate"))
		}
	}
	if got := p.Refused(); len(got) != 1 || got[0] != "example.com:80" {
		t.Errorf("refused %v: want only example.com:80, the one request that carried the credential for a host outside the run", got)
	}
}

func TestRemoteCARoundTrips(t *testing.T) {
	ca, err := NewRemoteCA(time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	data, err := ca.MarshalPEM()
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseCA(data)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := back.Leaf("app.example.test")
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(leaf.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cert.Verify(x509.VerifyOptions{Roots: ca.Pool(), DNSName: "app.example.test"}); err != nil {
		t.Errorf("a leaf of the parsed CA does not verify against the original: %v", err)
	}
	if _, err := ParseCA(ca.CertificatePEM()); err == nil || !strings.Contains(err.Error(), "PRIVATE KEY") {
		t.Errorf("a certificate without its key: %v, want an error naming the missing key", err)
	}
	other, _ := NewRemoteCA(time.Hour)
	otherPEM, _ := other.MarshalPEM()
	mixed := append(ca.CertificatePEM(), otherPEM[len(other.CertificatePEM()):]...)
	if _, err := ParseCA(mixed); err == nil || !strings.Contains(err.Error(), "not the certificate's") {
		t.Errorf("a certificate with another CA's key: %v, want an error saying so", err)
	}
}
