// Package testpki makes the certificates of tests that need a private PKI:
// a root CA, intermediates, and server certificates a loopback TLS server
// presents with or without the chain above them. Everything is generated in
// memory (ECDSA P-256); nothing is trusted anywhere until a test passes it on.
package testpki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// CA is a certificate authority: a root, or an intermediate under one.
type CA struct {
	Cert *x509.Certificate
	Key  crypto.Signer
}

// NewRoot is a self-signed root CA named cn.
func NewRoot(t testing.TB, cn string) *CA {
	t.Helper()
	return issueCA(t, cn, nil)
}

// Intermediate is a CA named cn signed by ca.
func (ca *CA) Intermediate(t testing.TB, cn string) *CA {
	t.Helper()
	return issueCA(t, cn, ca)
}

func issueCA(t testing.TB, cn string, parent *CA) *CA {
	t.Helper()
	key := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber:          serial(t),
		Subject:               pkix.Name{CommonName: cn, Organization: []string{"corsproof tests"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	signer, signerKey := tmpl, crypto.Signer(key)
	if parent != nil {
		signer, signerKey = parent.Cert, parent.Key
	}
	return &CA{Cert: create(t, tmpl, signer, key.Public(), signerKey), Key: key}
}

// Leaf is a server certificate for names (DNS names or IP addresses; the
// first is also the subject's common name) signed by ca, valid from an hour
// ago until notAfter (zero: a day from now).
func (ca *CA) Leaf(t testing.TB, notAfter time.Time, names ...string) (*x509.Certificate, crypto.Signer) {
	t.Helper()
	key := newKey(t)
	return create(t, leafTemplate(t, notAfter, names), ca.Cert, key.Public(), ca.Key), key
}

func leafTemplate(t testing.TB, notAfter time.Time, names []string) *x509.Certificate {
	t.Helper()
	if notAfter.IsZero() {
		notAfter = time.Now().Add(24 * time.Hour)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(t),
		Subject:      pkix.Name{CommonName: names[0]},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if notAfter.Before(time.Now()) {
		tmpl.NotBefore = notAfter.Add(-24 * time.Hour)
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	return tmpl
}

// SelfSigned is a server certificate for names that signs itself and is no
// CA, as a quick `openssl req -x509 -addext basicConstraints=CA:FALSE` or a
// framework's development certificate is.
func SelfSigned(t testing.TB, names ...string) (*x509.Certificate, crypto.Signer) {
	t.Helper()
	key := newKey(t)
	tmpl := leafTemplate(t, time.Time{}, names)
	return create(t, tmpl, tmpl, key.Public(), key), key
}

// ServerCert is what a TLS server presents: leaf, then chain (none: the
// leaf alone, as a server that forgot its intermediates does).
func ServerCert(leaf *x509.Certificate, key crypto.Signer, chain ...*x509.Certificate) tls.Certificate {
	c := tls.Certificate{Certificate: [][]byte{leaf.Raw}, PrivateKey: key, Leaf: leaf}
	for _, ch := range chain {
		c.Certificate = append(c.Certificate, ch.Raw)
	}
	return c
}

// Serve serves h over TLS with cert on 127.0.0.1 until the test ends and
// returns its "127.0.0.1:port".
func Serve(t testing.TB, h http.Handler, cert tls.Certificate) string {
	t.Helper()
	return ServeCounted(t, h, cert, nil)
}

// ServeCounted is Serve, counting in conns (when not nil) the connections
// the server accepts.
func ServeCounted(t testing.TB, h http.Handler, cert tls.Certificate, conns *atomic.Int64) string {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	if conns != nil {
		srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				conns.Add(1)
			}
		}
	}
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.Config.ErrorLog = discardLog() // handshakes the client refuses
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

// PEM encodes certs as PEM CERTIFICATE blocks.
func PEM(certs ...*x509.Certificate) []byte {
	var b []byte
	for _, c := range certs {
		b = append(b, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return b
}

// WritePEM writes certs to a file in the test's temp dir and returns its path.
func WritePEM(t testing.TB, name string, certs ...*x509.Certificate) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, PEM(certs...), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func serial(t testing.TB) *big.Int {
	t.Helper()
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func create(t testing.TB, tmpl, parent *x509.Certificate, pub crypto.PublicKey, signer crypto.Signer) *x509.Certificate {
	t.Helper()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func discardLog() *log.Logger { return log.New(io.Discard, "", 0) }
