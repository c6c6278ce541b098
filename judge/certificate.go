package judge

import (
	"fmt"
	"strings"
	"time"

	"github.com/corsproof/corsproof"
)

// ServerCertificate is what a TLS server presented, as the harness read
// it for the message of a refused certificate: who it is for and who
// signed it. It says nothing about trust (the browser decided that).
type ServerCertificate struct {
	// Subject is the leaf's subject (its common name when it has one).
	Subject string
	// Names are the leaf's subject alternative names: "DNS:host", "IP:addr".
	Names []string
	// Issuer is the leaf's issuer.
	Issuer string
	// SelfSigned: the leaf is its own issuer.
	SelfSigned bool
	// Sent is how many certificates the server sent (1: the leaf alone).
	Sent int
	// Top is the issuer of the last certificate the server sent: the CA
	// the chain it sent stops at, whose certificate a client needs as a
	// trust anchor. It is the Issuer when the server sent the leaf alone.
	Top string
	// NotBefore and NotAfter are the leaf's validity.
	NotBefore, NotAfter time.Time
}

// String describes the certificate in one clause, e.g.
// `"api.staging.test" (DNS:api.staging.test), issued by "Staging CA", sent
// alone without its issuer's certificate`.
func (c *ServerCertificate) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%q", c.Subject)
	if len(c.Names) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(c.Names, ", "))
	} else {
		b.WriteString(" (no subject alternative names)")
	}
	switch {
	case c.SelfSigned:
		b.WriteString(", self-signed")
	case c.Sent <= 1:
		fmt.Fprintf(&b, ", issued by %q, sent alone without its issuer's certificate", c.Issuer)
	case c.Top == c.Issuer:
		fmt.Fprintf(&b, ", issued by %q, sent with %s", c.Issuer, plural(c.Sent-1, "more certificate"))
	default:
		fmt.Fprintf(&b, ", issued by %q, sent with %s up to one issued by %q", c.Issuer, plural(c.Sent-1, "more certificate"), c.Top)
	}
	return b.String()
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// CertFailure is the certificate error code a fetch failed with, or ""
// when it did not fail on the server's certificate: the harness then
// reads what the server presented for the message (Input.Certificate).
func CertFailure(o corsproof.Observation) string { return certFailure(o) }

// untrustedIssuer matches the codes of a certificate whose issuer the
// browser does not trust (as opposed to a wrong name, a date, a usage).
var untrustedIssuer = []string{
	"ERR_CERT_AUTHORITY_INVALID", "SEC_ERROR_UNKNOWN_ISSUER", "SEC_ERROR_UNTRUSTED_ISSUER",
	"SEC_ERROR_UNTRUSTED_CERT", "MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT", "SEC_ERROR_CA_CERT_INVALID",
}

// certError is the error of a fetch that failed on the server's
// certificate code: which certificate, signed by whom, and what would make
// the browser trust it, when a CA would.
func certError(in Input, code string) error {
	msg := fmt.Sprintf("TLS with %s: %s refused the server's certificate (%s)", in.URL, in.Engine, code)
	c := in.Certificate
	if c != nil {
		msg += ": it presented " + c.String()
		if strings.Contains(code, "DATE") || strings.Contains(code, "EXPIRED") {
			msg += fmt.Sprintf(", valid from %s to %s", c.NotBefore.UTC().Format(time.RFC3339), c.NotAfter.UTC().Format(time.RFC3339))
		}
	}
	msg += "; no CORS header was tested"
	untrusted := false
	for _, u := range untrustedIssuer {
		untrusted = untrusted || strings.Contains(code, u)
	}
	switch {
	case !untrusted:
		return fmt.Errorf("%s, and your users' %s would refuse this certificate too", msg, in.Engine)
	case c != nil && c.SelfSigned:
		return fmt.Errorf("%s: if this self-signed certificate is your staging server's own, "+
			"pass it with --ca FILE (PEM) to trust exactly it for this run; else your users' %s would refuse it too", msg, in.Engine)
	case c != nil:
		return fmt.Errorf("%s: if %q is a private CA, pass its certificate with --ca FILE (PEM) to trust it for this run; "+
			"else your users' %s would refuse it too", msg, c.Top, in.Engine)
	}
	return fmt.Errorf("%s: if a private CA signed it, pass that CA's certificate with --ca FILE (PEM) to trust it for this run; "+
		"else your users' %s would refuse it too", msg, in.Engine)
}
