package harness

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"

	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/spec"
)

// Engines are the names LaunchEngine knows, in the order reports list them.
var Engines = []string{"chromium", "firefox", "webkit"}

// ProfileFor is the deviation profile of an engine (spec.Standard for an
// unknown name).
func ProfileFor(name string) spec.Profile {
	switch name {
	case "chromium":
		return spec.Chromium
	case "firefox":
		return spec.Firefox
	case "webkit":
		return spec.WebKit
	}
	return spec.Standard
}

// Certificate is the CA's own certificate, for browsers that take a trust
// anchor rather than SPKI pins (Firefox's certificate database).
func (ca *CA) Certificate() *x509.Certificate { return ca.cert }

// LaunchEngine starts the named browser engine for topo: Chromium with the
// topology's host rules and the CA's pins; Firefox behind a loopback proxy
// (StartProxy) that maps the topology's names, trusting the run's CA. The
// engine's Close also stops what was started for it. execPath may be empty
// (the engine's Find). Errors are *browser.NotFoundError or *InfraError.
func LaunchEngine(ctx context.Context, name string, topo *Topology, execPath string, logf func(string, ...any)) (browser.Engine, error) {
	switch name {
	case "chromium":
		c, err := LaunchChromium(ctx, topo, execPath, logf)
		if err != nil {
			return nil, err // not a typed nil in the interface
		}
		return c, nil
	case "firefox":
		return LaunchFirefox(ctx, topo, execPath, logf)
	case "webkit":
		return LaunchWebKit(ctx, topo, execPath, logf) // engine_webkit.go
	}
	return nil, fmt.Errorf("unknown browser engine %q (known: chromium, firefox, webkit)", name)
}

// LaunchFirefox starts Firefox behind a proxy for topo's host rules, with
// the run's CA imported into its fresh profile.
func LaunchFirefox(ctx context.Context, topo *Topology, execPath string, logf func(string, ...any)) (browser.Engine, error) {
	if execPath == "" {
		p, err := browser.FindFirefox()
		if err != nil {
			return nil, err
		}
		execPath = p
	}
	proxy, err := StartProxy(topo.HostRules(), logf)
	if err != nil {
		return nil, err
	}
	ff, err := browser.LaunchFirefox(ctx, browser.FirefoxOptions{
		ExecPath:   execPath,
		ProxyURL:   proxy.URL(),
		TrustedCAs: []*x509.Certificate{topo.CA.Certificate()},
		Logf:       logf,
	})
	if err != nil {
		proxy.Close()
		var nf *browser.NotFoundError
		if errors.As(err, &nf) {
			return nil, err
		}
		return nil, &InfraError{Op: "launch firefox", Err: err}
	}
	return &proxiedEngine{Firefox: ff, proxy: proxy}, nil
}

// proxiedEngine is a Firefox that owns its proxy.
type proxiedEngine struct {
	*browser.Firefox
	proxy *Proxy
}

func (e *proxiedEngine) Close() error {
	return errors.Join(e.Firefox.Close(), e.proxy.Close())
}
