package browser

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// RemoteWebKitOptions configure ConnectWebKit.
type RemoteWebKitOptions struct {
	// URL is the WebDriver server: WebKitWebDriver started with
	// --host=ADDR --port=N on the browser's host, or safaridriver
	// ("http://HOST:4444").
	URL string
	// ProxyServer is the run's proxy ("http://host:port"). WebKitGTK gets
	// it as MiniBrowser's --proxy (webkitgtk:browserOptions), Safari as
	// the W3C proxy capability. Neither carries a credential (WebKitGTK
	// sends none even when the proxy URL has one), so the proxy must
	// admit the browser's host by its address.
	ProxyServer string
	// BrowserPath is the WebKitGTK browser on the driver's host; "" is
	// the driver's own default (MiniBrowser where WebKitGTK installed it).
	BrowserPath string
	// Logf receives diagnostics. Nil discards them.
	Logf func(format string, args ...any)
	// Observe is as WebKitOptions.Observe.
	Observe func() func(*Observation)
	// Capabilities, when not nil, are the session's (alwaysMatch) on a
	// WebDriver endpoint that serves many browsers, a Selenium Grid or a
	// cloud grid, and name the browser: "browserName" "safari" or
	// WebKitGTK's "MiniBrowser", "browserVersion", "platformName", and
	// the grid's own. The run's proxy is added as the browser takes it.
	// Nil offers WebKitGTK's options first and Safari second, for one
	// driver.
	Capabilities map[string]any
}

// ConnectWebKit opens a WebDriver session on a WebKit driver corsproof did
// not start (WebKitWebDriver or safaridriver, possibly on another host),
// behind o.ProxyServer. The session checks every certificate
// (acceptInsecureCerts false): WebKit takes no trust anchor over
// WebDriver, so the run's CA must be in the browser host's own trust
// store (for WebKitGTK, the system's CA bundle GnuTLS reads; for Safari,
// the macOS keychain, trusted for SSL). Close ends the session only.
//
// The capabilities offer WebKitGTK's browser options first and a Safari
// session second (W3C firstMatch): each driver takes the one it knows.
// Version is "WebKitGTK/VERSION" or, when the driver says its browser is
// Safari, "Safari/VERSION"; Platform is the driver's platformName.
func ConnectWebKit(ctx context.Context, o RemoteWebKitOptions) (*WebKit, error) {
	logf := o.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	if err := checkRemoteURL(o.URL, "http"); err != nil {
		return nil, err
	}
	pu, err := url.Parse(o.ProxyServer)
	if err != nil || pu.Scheme != "http" || pu.Port() == "" || pu.User != nil {
		return nil, fmt.Errorf("browser: webkit: RemoteWebKitOptions.ProxyServer %q: want http://host:port", o.ProxyServer)
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, launchTimeout)
		defer cancel()
	}
	start := time.Now()
	w := &WebKit{logf: logf, windows: map[string]string{}, observe: o.Observe, turn: make(chan struct{}, 1),
		output: &tailBuf{}, wd: newWDClient(strings.TrimSuffix(o.URL, "/"))}
	gtk := map[string]any{"args": []string{"--automation", "--enable-dns-prefetching=false",
		"--enable-hyperlink-auditing=false", "--proxy=" + pu.String()}}
	if o.BrowserPath != "" {
		gtk["binary"] = o.BrowserPath
	}
	always := map[string]any{
		"acceptInsecureCerts": false,
		"pageLoadStrategy":    "normal",
		"timeouts": map[string]any{
			"script": webkitScriptTimeout.Milliseconds(), "pageLoad": 60000, "implicit": 0,
		},
	}
	safari := map[string]any{"browserName": "safari", "proxy": map[string]any{"proxyType": "manual", "httpProxy": pu.Host, "sslProxy": pu.Host}}
	first := []map[string]any{{"webkitgtk:browserOptions": gtk}, safari}
	if o.Capabilities != nil {
		// One browser, the one the capabilities name, with the proxy
		// the way it takes one.
		caps, err := webDriverCaps(o.Capabilities)
		if err != nil {
			return nil, err
		}
		for k, v := range caps {
			always[k] = v
		}
		if name, _ := always["browserName"].(string); strings.EqualFold(name, "safari") {
			always["proxy"] = safari["proxy"]
		} else {
			always["webkitgtk:browserOptions"] = mergeGTKOptions(always["webkitgtk:browserOptions"], gtk)
		}
		first = nil
	}
	got, err := w.wd.newSession(ctx, always, first)
	if err != nil {
		return nil, fmt.Errorf("browser: webkit: creating a WebDriver session at %s: %w", o.URL, err)
	}
	w.version, w.platform = remoteWebKitVersion(got)
	var handle string
	if err := w.wd.call(ctx, http.MethodGet, w.wd.s("/window"), nil, &handle); err != nil {
		w.Close()
		return nil, fmt.Errorf("browser: webkit: reading the first window at %s: %w", o.URL, err)
	}
	w.current, w.spare = handle, handle
	w.remote = true
	logf("webkit: attached to %s (%s) at %s in %v, behind %s", w.version, w.platform, o.URL, time.Since(start).Round(time.Millisecond), o.ProxyServer)
	return w, nil
}

// mergeGTKOptions adds corsproof's WebKitGTK browser arguments (the
// proxy, automation) to those the capabilities gave, if any.
func mergeGTKOptions(given any, ours map[string]any) map[string]any {
	out := map[string]any{}
	if m, ok := given.(map[string]any); ok {
		for k, v := range m {
			out[k] = v
		}
	}
	var args []any
	if a, ok := out["args"].([]any); ok {
		args = a
	}
	for _, a := range ours["args"].([]string) {
		args = append(args, a)
	}
	out["args"] = args
	if b, ok := ours["binary"]; ok {
		out["binary"] = b
	}
	return out
}

// remoteWebKitVersion is the version and platform a session's
// capabilities say: "Safari/18.4" for Safari, "WebKitGTK/2.50.6" for any
// other WebKit (WebKitGTK's driver names the browser binary, "MiniBrowser").
func remoteWebKitVersion(caps map[string]any) (version, platform string) {
	name, _ := caps["browserName"].(string)
	ver, _ := caps["browserVersion"].(string)
	platform, _ = caps["platformName"].(string)
	if strings.EqualFold(name, "safari") {
		return "Safari/" + ver, platform
	}
	return "WebKitGTK/" + ver, platform
}

// Remote reports whether w is a session on a driver corsproof did not
// start.
func (w *WebKit) Remote() bool { return w.remote }

// Platform is the platform a remote driver says its browser runs on
// ("linux", "mac"); "" for a browser corsproof started.
func (w *WebKit) Platform() string { return w.platform }
