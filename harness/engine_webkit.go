package harness

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"

	"github.com/corsproof/corsproof/browser"
)

// launchWebKit starts WebKitGTK (MiniBrowser under WebKitWebDriver, on a
// private Xvfb unless DISPLAY is set) behind proxy.
// WebKitGTK trusts only the system's CA store, so the session accepts the
// run's self-made certificates (acceptInsecureCerts; CORS is untouched);
// the certificates of a live target are checked by the proxy instead (see
// EngineConfig.Trust).
//
// WebKit shows no exchanges, so what its proxy refused during a fetch goes
// into the observation: a name outside the run (a redirect away, which
// the judge reports as not tested) and a target certificate that did not
// verify (an error naming the certificate, as Chromium's would be).
func launchWebKit(ctx context.Context, cfg EngineConfig, proxy *Proxy) (browser.Engine, error) {
	driverPath, err := execOr(cfg.ExecPath, browser.FindWebKit)
	if err != nil {
		return nil, err
	}
	wk, err := browser.LaunchWebKit(ctx, browser.WebKitOptions{
		DriverPath:          driverPath,
		ProxyURL:            proxy.URL(),
		AcceptInsecureCerts: true,
		Logf:                cfg.Logf,
		Observe: func() func(*browser.Observation) {
			mark := proxy.Mark()
			return func(o *browser.Observation) { addProxyEvents(o, proxy.Since(mark)) }
		},
	})
	if err != nil {
		return nil, err
	}
	return wk, nil
}

// addProxyEvents puts what the proxy refused during a fetch into its
// observation. A certificate refusal is told in Chromium's codes, the
// judge's vocabulary for certificate failures.
func addProxyEvents(o *browser.Observation, evs []ProxyEvent) {
	for _, e := range evs {
		if e.Cert == nil {
			if !slices.Contains(o.Refused, e.HostPort) {
				o.Refused = append(o.Refused, e.HostPort)
			}
			continue
		}
		if o.Allowed || o.NetError != "" {
			continue
		}
		o.NetError = fmt.Sprintf("%s (corsproof's proxy, for WebKit, which accepts any certificate: %s: %v)", certCode(e.Cert), e.HostPort, e.Cert)
	}
}

// certCode is the Chromium net error for a failed certificate check.
func certCode(err error) string {
	var (
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
	)
	switch {
	case errors.As(err, &unknown):
		return "net::ERR_CERT_AUTHORITY_INVALID"
	case errors.As(err, &hostname):
		return "net::ERR_CERT_COMMON_NAME_INVALID"
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		return "net::ERR_CERT_DATE_INVALID"
	}
	return "net::ERR_CERT_INVALID"
}
