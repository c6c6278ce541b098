package browser

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// certutilPackage is the Debian package that has NSS's certutil.
const certutilPackage = "libnss3-tools"

// FindCertutil returns the path of NSS's certutil, which trusting a CA
// needs (Options.TrustedCAs, FirefoxOptions.TrustedCAs), or a
// *NotFoundError naming its package (libnss3-tools).
func FindCertutil() (string, error) {
	p, err := exec.LookPath("certutil")
	if err != nil {
		return "", &NotFoundError{Engine: "certutil", Tried: []string{"certutil"}, Err: err}
	}
	return p, nil
}

// newNSSDB creates an NSS certificate database in dir (which must exist)
// with certs as its only trust anchors for servers ("C,,": a CA trusted to
// issue server certificates; every certificate is still checked against
// them: name, dates, key usage). With peers, a certificate that is no CA
// (a self-signed server certificate) is trusted as itself instead ("P,,":
// a trusted peer, whose name and dates are still checked): Chromium 156
// refuses such a certificate given as a CA (net::ERR_CERT_INVALID) and
// accepts it as a peer. who names the engine in errors.
func newNSSDB(ctx context.Context, who, dir string, certs []*x509.Certificate, peers bool) error {
	certutil, err := FindCertutil()
	if err != nil {
		return err
	}
	db := "sql:" + dir
	run := func(args ...string) error {
		out, err := exec.CommandContext(ctx, certutil, args...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("browser: %s: certutil %s: %v: %s", who, args[0], err, strings.TrimSpace(string(out)))
		}
		return nil
	}
	if err := run("-N", "-d", db, "--empty-password"); err != nil {
		return err
	}
	for i, c := range certs {
		f := filepath.Join(dir, fmt.Sprintf("corsproof-ca-%d.pem", i))
		if err := os.WriteFile(f, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}), 0o600); err != nil {
			return err
		}
		trust := "C,,"
		if peers && !c.IsCA {
			trust = "P,,"
		}
		if err := run("-A", "-d", db, "-n", fmt.Sprintf("corsproof-%d", i), "-t", trust, "-i", f); err != nil {
			return err
		}
	}
	return nil
}
