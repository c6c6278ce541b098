package harness

import (
	"context"
	"errors"

	"github.com/corsproof/corsproof/browser"
)

// LaunchWebKit starts WebKitGTK (MiniBrowser under WebKitWebDriver, on a
// private Xvfb unless DISPLAY is set) behind a proxy for topo's host rules.
// WebKitGTK trusts only the system's CA store, so the session accepts the
// run's self-made certificates (acceptInsecureCerts; CORS is untouched).
// driverPath may be empty (browser.FindWebKit). The engine's Close also
// stops the proxy.
func LaunchWebKit(ctx context.Context, topo *Topology, driverPath string, logf func(string, ...any)) (browser.Engine, error) {
	if driverPath == "" {
		p, err := browser.FindWebKit()
		if err != nil {
			return nil, err
		}
		driverPath = p
	}
	proxy, err := StartProxy(topo.HostRules(), logf)
	if err != nil {
		return nil, err
	}
	wk, err := browser.LaunchWebKit(ctx, browser.WebKitOptions{
		DriverPath:          driverPath,
		ProxyURL:            proxy.URL(),
		AcceptInsecureCerts: true,
		Logf:                logf,
	})
	if err != nil {
		proxy.Close()
		var nf *browser.NotFoundError
		if errors.As(err, &nf) {
			return nil, err
		}
		return nil, &InfraError{Op: "launch webkit", Err: err}
	}
	return &proxiedWebKit{WebKit: wk, proxy: proxy}, nil
}

// proxiedWebKit is a WebKit that owns its proxy.
type proxiedWebKit struct {
	*browser.WebKit
	proxy *Proxy
}

func (e *proxiedWebKit) Close() error {
	return errors.Join(e.WebKit.Close(), e.proxy.Close())
}
