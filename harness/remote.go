package harness

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"

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
	// ("ws://HOST:PORT/session"); for webkit its WebDriver server
	// ("http://IP:4444"). With Capabilities, it is a WebDriver endpoint
	// for any engine: a Selenium Grid 4, a cloud grid, a driver.
	URL string
	// Capabilities, when not nil, make URL a WebDriver endpoint on which
	// the run opens a session with these capabilities (alwaysMatch;
	// browserName defaults to GridBrowserName's), and drives its browser
	// over what the endpoint upgrades the session to: CDP for chromium
	// (Grid's se:cdp), WebDriver BiDi for firefox (webSocketUrl), classic
	// WebDriver for webkit. The session is deleted when the run ends.
	Capabilities map[string]any
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
	pc := ProxyConfig{Rules: cfg.Topology.HostRules(), Listen: listen, User: user, Password: password, Logf: cfg.Logf}
	if cfg.Engine == corsproof.WebKit {
		// WebKit cannot present the credential (WebDriver's proxy setting
		// carries none, and WebKitGTK drops one put in the proxy URL):
		// its host is admitted by its address instead (see WebKitDriverHost).
		ip, err := WebKitDriverHost(cfg.Remote.URL)
		if err != nil {
			return nil, err
		}
		pc.AdmitFrom = []net.IP{ip}
	}
	proxy, err := StartProxyWith(pc)
	if err != nil {
		return nil, err
	}
	for _, hp := range cfg.Direct {
		if err := proxy.Direct(hp, trustConfig(cfg.Trust)); err != nil {
			proxy.Close()
			return nil, err
		}
	}
	var (
		eng  browser.Engine
		sess *browser.WebDriverSession
	)
	if cfg.Remote.Capabilities != nil && cfg.Engine != corsproof.WebKit {
		// Chromium and Firefox are driven over what the session upgrades
		// to; the WebKit engine speaks WebDriver and opens its own.
		sess, err = browser.NewWebDriverSession(ctx, cfg.Remote.URL, remoteCaps(cfg.Engine, cfg.Remote.Capabilities))
		if err != nil {
			proxy.Close()
			return nil, &InfraError{Op: "open a " + string(cfg.Engine) + " session on the WebDriver endpoint " + cfg.Remote.URL, Err: err}
		}
		logf(cfg.Logf, "harness: WebDriver session %s at %s: %s %s on %s", sess.ID(), cfg.Remote.URL, sess.BrowserName(), sess.BrowserVersion(), sess.PlatformName())
	}
	switch cfg.Engine {
	case corsproof.Chromium, "":
		var c *browser.Chromium
		c, err = browser.ConnectChromium(ctx, browser.RemoteChromiumOptions{
			URL: cfg.Remote.URL, ProxyServer: proxy.URL(), ProxyUser: user, ProxyPassword: password, Logf: cfg.Logf,
			Session: sess,
		})
		if err == nil {
			eng = c
		}
	case corsproof.Firefox:
		var f *browser.Firefox
		f, err = browser.ConnectFirefox(ctx, browser.RemoteFirefoxOptions{
			URL: cfg.Remote.URL, ProxyServer: proxy.URL(), ProxyUser: user, ProxyPassword: password, Logf: cfg.Logf,
			Session: sess,
		})
		if err == nil {
			eng = f
		}
	case corsproof.WebKit:
		var w *browser.WebKit
		w, err = browser.ConnectWebKit(ctx, browser.RemoteWebKitOptions{
			URL: cfg.Remote.URL, ProxyServer: proxy.URL(), Logf: cfg.Logf,
			Capabilities: remoteCaps(cfg.Engine, cfg.Remote.Capabilities),
			Observe: func() func(*browser.Observation) {
				mark := proxy.Mark()
				return func(o *browser.Observation) { addProxyEvents(o, proxy.Since(mark)) }
			},
		})
		if err == nil {
			eng = w
		}
	default:
		err = fmt.Errorf("a remote %s is not supported (chromium, firefox and webkit are)", cfg.Engine)
	}
	if err != nil {
		if sess != nil {
			_ = sess.Close() // a no-op when the engine deleted it
		}
		proxy.Close()
		return nil, &InfraError{Op: "attach to the remote " + string(cfg.Engine) + " at " + cfg.Remote.URL, Err: err}
	}
	return &proxied{Engine: eng, proxy: proxy}, nil
}

// GridBrowserName is the browserName a WebDriver endpoint is asked for
// when the capabilities name none: "chrome", "firefox", "safari" (W3C
// names; Selenium Grid's for Chromium is "chrome", and WebKitGTK's
// driver's is "MiniBrowser", which must be asked for by name).
func GridBrowserName(e corsproof.Engine) string {
	switch e {
	case corsproof.Firefox:
		return "firefox"
	case corsproof.WebKit:
		return "safari"
	}
	return "chrome"
}

// remoteCaps are caps with browserName defaulted for e; nil stays nil.
func remoteCaps(e corsproof.Engine, caps map[string]any) map[string]any {
	if caps == nil {
		return nil
	}
	out := make(map[string]any, len(caps)+1)
	for k, v := range caps {
		out[k] = v
	}
	if _, ok := out["browserName"]; !ok {
		out["browserName"] = GridBrowserName(e)
	}
	return out
}

// WebKitDriverHost is the IP address of a remote WebKit's driver URL
// ("http://198.18.2.2:4444"): the one host whose requests the run's proxy
// admits without the credential, which WebKit cannot present. It must be
// an IP address, the one the browser's connections come from (a name
// could resolve to another, or to many); a driver behind NAT or a gateway
// is not supported. Admitting a host is weaker than the credential: every
// process on that host may use the proxy, for the run's names only, while
// the run lasts.
func WebKitDriverHost(raw string) (net.IP, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return nil, fmt.Errorf("remote webkit address %q: want the driver's http://IP:PORT (WebKitWebDriver --host=IP --port=PORT, or safaridriver)", raw)
	}
	ip := net.ParseIP(u.Hostname())
	switch {
	case ip == nil:
		return nil, fmt.Errorf("remote webkit address %q: name the driver's host by its IP address: the run's proxy admits that address, as WebKit cannot present the proxy's credential", raw)
	case ip.IsUnspecified() || ip.IsMulticast() || ip.Equal(net.IPv4bcast):
		return nil, fmt.Errorf("remote webkit address %q names no one host", raw)
	}
	return ip, nil
}

// logf calls f when it is set.
func logf(f func(string, ...any), format string, a ...any) {
	if f != nil {
		f(format, a...)
	}
}
