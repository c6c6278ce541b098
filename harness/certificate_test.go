package harness

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/internal/testenv"
	"github.com/corsproof/corsproof/internal/testpki"
)

// allowApp answers https://app.example.com with ACAO, and counts the TLS
// connections made to it.
type allowApp struct{ conns atomic.Int64 }

func (a *allowApp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if o := r.Header.Get("Origin"); o == "https://app.example.com" {
		w.Header().Set("Access-Control-Allow-Origin", o)
	}
	fmt.Fprint(w, "ok")
}

// pkiTargets are https targets on 127.0.0.1 with the certificates of a
// private PKI: the leaf alone, the leaf with its intermediate, and a leaf
// of a CA nobody is given.
type pkiTargets struct {
	root, other                   *testpki.CA
	leafOnly, fullChain, stranger string
	api                           *allowApp
}

func newPKITargets(t *testing.T) *pkiTargets {
	p := &pkiTargets{root: testpki.NewRoot(t, "corsproof Staging Root CA"), other: testpki.NewRoot(t, "Somebody Else's CA"), api: &allowApp{}}
	inter := p.root.Intermediate(t, "corsproof Staging Intermediate")
	leaf, key := p.root.Leaf(t, time.Time{}, "127.0.0.1")
	p.leafOnly = "https://" + testpki.ServeCounted(t, p.api, testpki.ServerCert(leaf, key), &p.api.conns)
	leaf, key = inter.Leaf(t, time.Time{}, "127.0.0.1")
	p.fullChain = "https://" + testpki.Serve(t, p.api, testpki.ServerCert(leaf, key, inter.Cert))
	leaf, key = p.other.Leaf(t, time.Time{}, "127.0.0.1")
	p.stranger = "https://" + testpki.Serve(t, p.api, testpki.ServerCert(leaf, key))
	return p
}

func TestPresentedCertificateIsReadOnceAndSaysWhoSignedIt(t *testing.T) {
	p := newPKITargets(t)
	pol := mustParsePolicy(t, `origins: [https://app.example.com]`)
	read := func(target string) *LiveTarget {
		lt, err := NewLiveTarget(target, pol)
		if err != nil {
			t.Fatal(err)
		}
		return lt
	}
	ctx := context.Background()

	lt := read(p.leafOnly)
	c := lt.PresentedCertificate(ctx, 2*time.Second)
	if c == nil || c.Subject != "127.0.0.1" || c.Issuer != "corsproof Staging Root CA" || c.Sent != 1 || c.Top != c.Issuer || c.SelfSigned ||
		strings.Join(c.Names, ",") != "IP:127.0.0.1" {
		t.Fatalf("leaf only: %+v", c)
	}
	if s := c.String(); !strings.Contains(s, `issued by "corsproof Staging Root CA", sent alone`) {
		t.Errorf("leaf only: %s", s)
	}
	if again := lt.PresentedCertificate(ctx, 2*time.Second); again != c {
		t.Errorf("a second call read the certificate again: %+v", again)
	}
	if n := p.api.conns.Load(); n != 1 {
		t.Errorf("%d connections to the target, want the one that read its certificate", n)
	}

	c = read(p.fullChain).PresentedCertificate(ctx, 2*time.Second)
	if c == nil || c.Issuer != "corsproof Staging Intermediate" || c.Sent != 2 || c.Top != "corsproof Staging Root CA" {
		t.Fatalf("full chain: %+v", c)
	}
	if s := c.String(); !strings.Contains(s, `sent with 1 more certificate up to one issued by "corsproof Staging Root CA"`) {
		t.Errorf("full chain: %s", s)
	}
	self, key := testpki.SelfSigned(t, "127.0.0.1", "localhost")
	c = read("https://"+testpki.Serve(t, p.api, testpki.ServerCert(self, key))).PresentedCertificate(ctx, 2*time.Second)
	if c == nil || !c.SelfSigned || !strings.Contains(c.String(), "self-signed") || strings.Join(c.Names, ",") != "DNS:localhost,IP:127.0.0.1" {
		t.Errorf("self-signed: %+v", c)
	}
	if c := read("http://127.0.0.1:1").PresentedCertificate(ctx, time.Second); c != nil {
		t.Errorf("an http target: %+v", c)
	}

	// The reachability check names what a refused target presented.
	err := ProbeTarget(ctx, read(p.stranger), 2*time.Second, []*x509.Certificate{p.root.Cert})
	var te *TargetError
	if !errors.As(err, &te) || te.Kind != TargetTLS || te.Certificate == nil || !strings.Contains(err.Error(), `issued by "Somebody Else's CA"`) {
		t.Errorf("a target of another CA: %v", err)
	}
	if err := ProbeTarget(ctx, read(p.leafOnly), 2*time.Second, []*x509.Certificate{p.root.Cert}); err != nil {
		t.Errorf("a leaf-only target with its root given: %v", err)
	}
}

// TestARefusedTargetIsNamedWithItsIssuer: a target signed by a CA the run
// was not given is an error, never a CORS verdict, and the error names the
// certificate, its issuer and --ca (the engines' own codes say only that
// the issuer is unknown). Chromium and Firefox refuse it themselves; WebKit
// accepts any certificate and its proxy refuses the tunnel, which WebKit
// reports as a plain failed load: the proxy's refusal, in the observation,
// names it (`check` never gets there: its reachability check refuses such
// a target first, with the same roots).
func TestARefusedTargetIsNamedWithItsIssuer(t *testing.T) {
	if testing.Short() {
		t.Skip("launches three browsers")
	}
	testenv.Found(t, "certutil", browser.FindCertutil)
	p := newPKITargets(t)
	pol := mustParsePolicy(t, "origins: [https://app.example.com]\n")
	sites := []corsproof.Site{{Name: "app", Class: corsproof.ClassAllowed, Origin: "https://app.example.com"}}
	get := corsproof.Scenario{ID: "get", Site: "app", Request: corsproof.Request{Path: "/api/items", Method: "GET"}}
	for _, eng := range []corsproof.Engine{corsproof.Chromium, corsproof.Firefox, corsproof.WebKit} {
		t.Run(string(eng), func(t *testing.T) {
			testenv.Found(t, string(eng), browser.Finder(eng))
			target, err := NewLiveTarget(p.stranger, pol)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			s, err := Start(ctx, Config{Engine: eng, Live: target, Sites: sites, CAs: []*x509.Certificate{p.root.Cert}, FetchTimeout: 5 * time.Second})
			testenv.Started(t, string(eng), err)
			defer func() {
				if err := s.Close(); err != nil {
					t.Errorf("close: %v", err)
				}
			}()
			res := s.Runner().Run(ctx, get, 0)
			t.Logf("%s: %s", res.VerdictLabel(), res.Explanation)
			if res.Verdict != corsproof.VerdictError {
				t.Fatalf("verdict %s, want error: %s", res.VerdictLabel(), res.Explanation)
			}
			for _, want := range []string{`"127.0.0.1" (IP:127.0.0.1)`, `issued by "Somebody Else's CA"`, "--ca FILE", "no CORS header was tested"} {
				if !strings.Contains(res.Explanation, want) {
					t.Errorf("the error lacks %q: %s", want, res.Explanation)
				}
			}
		})
	}
}
