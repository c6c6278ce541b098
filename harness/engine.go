package harness

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/browser"
)

// Certificate is the CA's own certificate, for browsers that take a trust
// anchor rather than SPKI pins (Firefox's certificate database).
func (ca *CA) Certificate() *x509.Certificate { return ca.cert }

// EngineConfig says which engine to launch for a topology and what it may
// reach besides the topology's names.
type EngineConfig struct {
	// Engine is chromium (the default), firefox or webkit.
	Engine corsproof.Engine
	// ExecPath is the engine's binary (WebKit: its WebDriver); empty means
	// the engine's Find.
	ExecPath string
	Topology *Topology
	// Direct are "host:port" the engine reaches at their real address (a
	// live target): Chromium resolves them as usual; the proxy of Firefox
	// and WebKit forwards them unmapped. Nothing else outside the
	// topology resolves or is reached: Chromium's host rules send every
	// other name to ~NOTFOUND, and the proxy refuses it.
	Direct []string
	// Trust are CAs (or self-signed certificates) trusted for the Direct
	// hosts besides the system's roots: Chromium and Firefox get them as
	// trust anchors in a throw-away NSS database (Chromium's in its own
	// HOME, Firefox's in its profile; certutil, from libnss3-tools).
	// WebKitGTK cannot be given a trust anchor, so for WebKit the proxy
	// checks each tunnel to a Direct host with a TLS handshake of its own
	// against the system's roots and Trust before it opens it (see
	// Proxy.Direct).
	Trust []*x509.Certificate
	// Remote, when set, attaches to a browser corsproof does not start
	// (see RemoteConfig) instead of launching one.
	Remote *RemoteConfig
	Logf   func(string, ...any)
}

// Launch starts an engine for cfg.Topology: Chromium with the topology's
// host rules and the CA's pins; Firefox and WebKit behind a loopback proxy
// (StartProxy) that maps the topology's names, Firefox trusting the run's
// CA, WebKit accepting the run's certificates. The engine's Close also
// stops what was started for it. Errors are *browser.NotFoundError or
// *InfraError.
//
// The engine survives its browser: a browser that dies or hangs is
// replaced before the next fetch (the fetch in flight fails with a
// *browser.CrashError), with the cookies set so far put back.
func Launch(ctx context.Context, cfg EngineConfig) (browser.Engine, error) {
	r, err := newRecovering(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return r, nil
}

// launchEngine starts one browser for cfg.
func launchEngine(ctx context.Context, cfg EngineConfig) (browser.Engine, error) {
	if cfg.Remote != nil {
		return launchRemote(ctx, cfg) // remote.go
	}
	switch cfg.Engine {
	case corsproof.Chromium, "":
		c, err := launchChromium(ctx, cfg)
		if err != nil {
			return nil, err // not a typed nil in the interface
		}
		return c, nil
	case corsproof.Firefox:
		return launchProxied(ctx, cfg, func(proxy *Proxy) (browser.Engine, error) {
			return launchFirefox(ctx, cfg, proxy.URL())
		})
	case corsproof.WebKit:
		return launchProxied(ctx, cfg, func(proxy *Proxy) (browser.Engine, error) {
			return launchWebKit(ctx, cfg, proxy) // engine_webkit.go
		})
	}
	return nil, fmt.Errorf("unknown browser engine %q (known: %s)", cfg.Engine, corsproof.EngineNames())
}

// launchFirefox starts Firefox behind the proxy at proxyURL, trusting the
// run's CA and cfg.Trust in its fresh profile.
func launchFirefox(ctx context.Context, cfg EngineConfig, proxyURL string) (browser.Engine, error) {
	execPath, err := execOr(cfg.ExecPath, browser.FindFirefox)
	if err != nil {
		return nil, err
	}
	ff, err := browser.LaunchFirefox(ctx, browser.FirefoxOptions{
		ExecPath:   execPath,
		ProxyURL:   proxyURL,
		TrustedCAs: append([]*x509.Certificate{cfg.Topology.CA.Certificate()}, cfg.Trust...),
		Logf:       cfg.Logf,
	})
	if err != nil {
		return nil, err
	}
	return ff, nil
}

// execOr is path, or where find finds the engine.
func execOr(path string, find func() (string, error)) (string, error) {
	if path != "" {
		return path, nil
	}
	return find()
}

func launchChromium(ctx context.Context, cfg EngineConfig) (*browser.Chromium, error) {
	// The run's own origins by their pins (their certificates are the
	// run's, made for them); the target by trust anchors, which check its
	// certificate in full as a user's browser does, and trust a server
	// that sends its leaf without the chain (a pin matches only what the
	// server presents).
	engine, err := browser.LaunchChromium(ctx, browser.Options{
		ExecPath:   cfg.ExecPath,
		HostRules:  cfg.Topology.HostRules(),
		Direct:     cfg.Direct,
		SPKIPins:   cfg.Topology.CA.SPKIPins(),
		TrustedCAs: cfg.Trust,
		Logf:       cfg.Logf,
	})
	if err != nil {
		var nf *browser.NotFoundError
		if errors.As(err, &nf) {
			return nil, err
		}
		return nil, &InfraError{Op: "launch chromium", Err: err}
	}
	return engine, nil
}

// launchProxied starts the proxy for cfg (the topology's names and the
// Direct hosts), then the engine behind it.
func launchProxied(ctx context.Context, cfg EngineConfig, launch func(*Proxy) (browser.Engine, error)) (browser.Engine, error) {
	proxy, err := StartProxy(cfg.Topology.HostRules(), cfg.Logf)
	if err != nil {
		return nil, err
	}
	var verify *tls.Config
	if cfg.Engine == corsproof.WebKit {
		verify = trustConfig(cfg.Trust)
	}
	for _, hp := range cfg.Direct {
		if err := proxy.Direct(hp, verify); err != nil {
			proxy.Close()
			return nil, err
		}
	}
	eng, err := launch(proxy)
	if err != nil {
		proxy.Close()
		var nf *browser.NotFoundError
		if errors.As(err, &nf) {
			return nil, err
		}
		return nil, &InfraError{Op: "launch " + string(cfg.Engine), Err: err}
	}
	return &proxied{Engine: eng, proxy: proxy}, nil
}

// trustConfig verifies servers against the system's roots and extra.
func trustConfig(extra []*x509.Certificate) *tls.Config {
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	for _, c := range extra {
		pool.AddCert(c)
	}
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
}

// proxied is an engine that owns the proxy in front of it.
type proxied struct {
	browser.Engine
	proxy *Proxy
}

func (e *proxied) Close() error {
	return errors.Join(e.Engine.Close(), e.proxy.Close())
}

// Turn implements browser.Sequential for an engine that is.
func (e *proxied) Turn(ctx context.Context) (func(), error) { return turn(ctx, e.Engine) }

// turn takes e's turn when e runs one fetch at a time; else it is free.
func turn(ctx context.Context, e browser.Engine) (func(), error) {
	if s, ok := e.(browser.Sequential); ok {
		return s.Turn(ctx)
	}
	return func() {}, nil
}

// Unwrap is the engine behind the proxy (*browser.Firefox or
// *browser.WebKit), for what only that engine has (its process ids).
func (e *proxied) Unwrap() browser.Engine { return e.Engine }

// Unwrap is the concrete engine behind e, as Launch wraps it (*browser.Chromium,
// *browser.Firefox, *browser.WebKit); nil between a crash and the
// browser's restart.
func Unwrap(e browser.Engine) browser.Engine {
	for e != nil {
		u, ok := e.(interface{ Unwrap() browser.Engine })
		if !ok {
			return e
		}
		e = u.Unwrap()
	}
	return nil
}
