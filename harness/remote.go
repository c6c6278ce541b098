package harness

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/browser"
)

// RemoteConfig attaches a run to a browser that corsproof did not start:
// on a farm, in a container, on another host.
//
// Such a browser takes none of corsproof's command-line flags, so it
// reaches the run's names through the run's proxy, set on the browser
// context corsproof makes for the run, and listening on Listen, where the
// browser can reach it. The origin pages and the mock stay on loopback:
// only the proxy reaches them, so a host that can reach Listen still
// reaches nothing of the run without the proxy's credential. The proxy
// has a fresh random credential per launch, which the engine presents
// and every request must carry, and serves only the run's names and the
// target (see ProxyConfig). The browser checks every certificate as it
// always does: the run's pages and mock are signed with CA, which the
// browser must trust (NewRemoteCA), and a live target's certificate is
// checked by the browser against its own roots and again by the proxy
// (the system's roots and EngineConfig.Trust) before each tunnel.
type RemoteConfig struct {
	// URL is the browser's address: for chromium its DevTools websocket
	// ("ws://HOST:PORT/devtools/browser/ID") or HTTP endpoint
	// ("http://HOST:9222"); for firefox its WebDriver BiDi websocket
	// ("ws://HOST:PORT/session").
	URL string
	// Listen is the IP address (optionally with a port) the run's proxy
	// listens on; it must be one the remote browser reaches, and not an
	// unspecified address (0.0.0.0, ::), which names no host to give the
	// browser.
	Listen string
	// CA signs the run's certificates; the remote browser trusts it.
	CA *CA
}

// Check names what is wrong with r, for a usage error.
func (r *RemoteConfig) Check() error {
	var errs []error
	if r.URL == "" {
		errs = append(errs, errors.New("no remote browser address"))
	}
	if _, err := listenAddr(r.Listen); err != nil {
		errs = append(errs, err)
	}
	if r.CA == nil {
		errs = append(errs, errors.New("a remote browser needs the CA it trusts for the run's certificates"))
	}
	return errors.Join(errs...)
}

// listenAddr is Listen as "ip:port" (port 0 when it names none).
func listenAddr(listen string) (string, error) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		host, port = listen, "0"
	}
	ip := net.ParseIP(host)
	switch {
	case ip == nil:
		return "", fmt.Errorf("listen address %q: want an IP address the remote browser reaches, as 198.18.0.1 or 198.18.0.1:8080", listen)
	case ip.IsUnspecified():
		return "", fmt.Errorf("listen address %q names no host the remote browser could be given: name the interface's own address", listen)
	}
	return net.JoinHostPort(ip.String(), port), nil
}

// launchRemote starts the run's proxy on cfg.Remote.Listen with a fresh
// credential, then attaches to the remote browser behind it.
func launchRemote(ctx context.Context, cfg EngineConfig) (browser.Engine, error) {
	listen, err := listenAddr(cfg.Remote.Listen)
	if err != nil {
		return nil, err
	}
	secret := make([]byte, 16)
	if _, err := rand.Read(secret); err != nil {
		return nil, err
	}
	user, password := "corsproof", hex.EncodeToString(secret)
	proxy, err := StartProxyWith(ProxyConfig{Rules: cfg.Topology.HostRules(), Listen: listen, User: user, Password: password, Logf: cfg.Logf})
	if err != nil {
		return nil, err
	}
	for _, hp := range cfg.Direct {
		if err := proxy.Direct(hp, trustConfig(cfg.Trust)); err != nil {
			proxy.Close()
			return nil, err
		}
	}
	var eng browser.Engine
	switch cfg.Engine {
	case corsproof.Chromium, "":
		var c *browser.Chromium
		c, err = browser.ConnectChromium(ctx, browser.RemoteChromiumOptions{
			URL: cfg.Remote.URL, ProxyServer: proxy.URL(), ProxyUser: user, ProxyPassword: password, Logf: cfg.Logf,
		})
		if err == nil {
			eng = c
		}
	case corsproof.Firefox:
		var f *browser.Firefox
		f, err = browser.ConnectFirefox(ctx, browser.RemoteFirefoxOptions{
			URL: cfg.Remote.URL, ProxyServer: proxy.URL(), ProxyUser: user, ProxyPassword: password, Logf: cfg.Logf,
		})
		if err == nil {
			eng = f
		}
	default:
		err = fmt.Errorf("a remote %s is not supported yet (chromium and firefox are)", cfg.Engine)
	}
	if err != nil {
		proxy.Close()
		return nil, &InfraError{Op: "attach to the remote " + string(cfg.Engine) + " at " + cfg.Remote.URL, Err: err}
	}
	return &proxied{Engine: eng, proxy: proxy}, nil
}
