package browser

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"crypto"

	"github.com/corsproof/corsproof/internal/testpki"
)

// trustAPI answers every request with ACAO *: only the TLS handshake can
// make a fetch of it fail.
var trustAPI = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	fmt.Fprint(w, "ok")
})

// trustServers are loopback TLS servers under names of their own, each
// presenting another kind of certificate of a private PKI.
type trustServers struct {
	root, inter, other *testpki.CA
	self               *x509.Certificate
	rules              map[string]string // "name:443" → the server
}

const (
	leafOnlyHost  = "leaf-only.staging.test"  // leaf signed by the root, sent alone
	fullChainHost = "full-chain.staging.test" // leaf signed by the intermediate, sent with it
	wrongNameHost = "wrong-name.staging.test" // signed by the root, for another name
	expiredHost   = "expired.staging.test"    // signed by the root, expired
	otherCAHost   = "other-ca.staging.test"   // signed by a CA nobody trusts
	selfHost      = "self.staging.test"       // self-signed, no CA
	selfOtherHost = "self-other.staging.test" // the same server, under a name it does not cover
)

func newTrustServers(t *testing.T) *trustServers {
	s := &trustServers{
		root:  testpki.NewRoot(t, "corsproof Staging Root CA"),
		other: testpki.NewRoot(t, "Somebody Else's CA"),
		rules: map[string]string{},
	}
	s.inter = s.root.Intermediate(t, "corsproof Staging Intermediate")
	serve := func(host string, leaf *x509.Certificate, key crypto.Signer, chain ...*x509.Certificate) {
		s.rules[host+":443"] = testpki.Serve(t, trustAPI, testpki.ServerCert(leaf, key, chain...))
	}
	leaf, key := s.root.Leaf(t, time.Time{}, leafOnlyHost)
	serve(leafOnlyHost, leaf, key)
	leaf, key = s.inter.Leaf(t, time.Time{}, fullChainHost)
	serve(fullChainHost, leaf, key, s.inter.Cert)
	leaf, key = s.root.Leaf(t, time.Time{}, "somewhere-else.staging.test")
	serve(wrongNameHost, leaf, key)
	leaf, key = s.root.Leaf(t, time.Now().Add(-time.Hour), expiredHost)
	serve(expiredHost, leaf, key)
	leaf, key = s.other.Leaf(t, time.Time{}, otherCAHost)
	serve(otherCAHost, leaf, key)
	s.self, key = testpki.SelfSigned(t, selfHost)
	serve(selfHost, s.self, key)
	s.rules[selfOtherHost+":443"] = s.rules[selfHost+":443"]
	return s
}

// launch starts a Chromium with the test site's pages and these servers
// mapped, pins and trust as given.
func (s *trustServers) launch(t *testing.T, pins []string, cas ...*x509.Certificate) *Chromium {
	t.Helper()
	o := site.options()
	for h, to := range s.rules {
		o.HostRules[h] = to
	}
	o.SPKIPins = append(o.SPKIPins, pins...)
	o.TrustedCAs = cas
	c, err := LaunchChromium(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return c
}

func (s *trustServers) fetch(t *testing.T, c *Chromium, host string) Observation {
	t.Helper()
	o, err := c.Fetch(context.Background(), Fetch{PageURL: appPage, URL: fmt.Sprintf("https://%s/t/%d", host, urlCount.Add(1))})
	if err != nil {
		t.Fatalf("fetch of %s: %v", host, err)
	}
	return o
}

// TestAPinIsNoTrustAnchor is the bug the trust anchors fix: the private
// CA's key pinned, a server that sends only its leaf is still refused, as
// the pin matches only the certificates a server presents.
func TestAPinIsNoTrustAnchor(t *testing.T) {
	needBrowser(t)
	s := newTrustServers(t)
	c := s.launch(t, []string{SPKIPin(s.root.Cert)})
	if o := s.fetch(t, c, leafOnlyHost); o.Allowed || !strings.Contains(o.NetError, "ERR_CERT_AUTHORITY_INVALID") {
		t.Errorf("leaf-only server with the root's key pinned: allowed %v, net error %q; want net::ERR_CERT_AUTHORITY_INVALID", o.Allowed, o.NetError)
	}
}

// TestTrustedCAsAreTrustAnchorsThatStillCheck: the private root given as a
// trust anchor, a leaf-only server and a full-chain one are trusted, and so
// is a self-signed server certificate given as itself; a certificate for
// another name, an expired one and one from another CA are refused as a
// user's browser refuses them.
func TestTrustedCAsAreTrustAnchorsThatStillCheck(t *testing.T) {
	needBrowser(t)
	s := newTrustServers(t)
	start := time.Now()
	c := s.launch(t, nil, s.root.Cert, s.self)
	t.Logf("launch with an NSS database of two anchors: %v", time.Since(start))
	for _, host := range []string{leafOnlyHost, fullChainHost, selfHost} {
		if o := s.fetch(t, c, host); !o.Allowed {
			t.Errorf("%s: refused (%q, %q)", host, o.NetError, o.Error)
		}
	}
	for host, want := range map[string]string{
		wrongNameHost: "ERR_CERT_COMMON_NAME_INVALID",
		expiredHost:   "ERR_CERT_DATE_INVALID",
		otherCAHost:   "ERR_CERT_AUTHORITY_INVALID",
		selfOtherHost: "ERR_CERT_COMMON_NAME_INVALID",
	} {
		if o := s.fetch(t, c, host); o.Allowed || !strings.Contains(o.NetError, want) {
			t.Errorf("%s: allowed %v, net error %q; want %s", host, o.Allowed, o.NetError, want)
		}
	}

	// The anchors are the browser's, through its own HOME inside the
	// profile; the test process keeps its HOME.
	home := filepath.Join(c.profileDir, chromiumHomeDir)
	if h := os.Getenv("HOME"); h == home {
		t.Errorf("the test process's HOME became %s", h)
	}
	environ, err := os.ReadFile("/proc/" + strconv.Itoa(c.PID()) + "/environ")
	if err == nil && !bytes.Contains(environ, []byte("\x00HOME="+home+"\x00")) && !bytes.HasPrefix(environ, []byte("HOME="+home+"\x00")) {
		t.Errorf("the browser's environment has no HOME=%s", home)
	}
	if _, err := os.Stat(filepath.Join(home, ".pki", "nssdb", "cert9.db")); err != nil {
		t.Errorf("no NSS database: %v", err)
	}
}

func TestTrustedCAsLeaveNothingBehind(t *testing.T) {
	needBrowser(t)
	s := newTrustServers(t)
	before := countLeftovers()
	o := site.options()
	o.TrustedCAs = []*x509.Certificate{s.root.Cert}
	c, err := LaunchChromium(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	singleton := singletonDir(c.profileDir)
	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := os.Stat(filepath.Join(c.profileDir, chromiumHomeDir)); err == nil {
		t.Errorf("the browser's HOME %s survived Close", filepath.Join(c.profileDir, chromiumHomeDir))
	}
	if procs, dirs := leakedSince(before, []string{c.profileDir, singleton}); procs > 0 || len(dirs) > 0 {
		t.Errorf("leaked %d processes and dirs %q", procs, dirs)
	}
}

// TestTrustedCAsNeedCertutil: without certutil a launch that must trust a
// CA fails before it starts anything, naming the package to install.
func TestTrustedCAsNeedCertutil(t *testing.T) {
	if _, err := os.Stat("/bin/false"); err != nil {
		t.Skip("no /bin/false")
	}
	ca := testpki.NewRoot(t, "corsproof Staging Root CA")
	before := countLeftovers()
	t.Setenv("PATH", t.TempDir())
	_, err := LaunchChromium(context.Background(), Options{ExecPath: "/bin/false", TrustedCAs: []*x509.Certificate{ca.Cert}})
	var nf *NotFoundError
	if !errors.As(err, &nf) || !strings.Contains(err.Error(), "apt-get install -y libnss3-tools") {
		t.Errorf("err = %v, want a *NotFoundError naming libnss3-tools", err)
	}
	if procs, dirs := leakedSince(before, nil); procs > 0 || len(dirs) > 0 {
		t.Errorf("leaked %d processes and dirs %q", procs, dirs)
	}
}
