package browser

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// WebDriverSession is a classic W3C WebDriver session that corsproof
// opened on a WebDriver endpoint it did not start: a Selenium Grid 4, a
// cloud grid, or one driver (chromedriver, geckodriver). The session's
// browser is then driven over the protocol the endpoint upgrades it to:
// CDP for Chromium (Grid's "se:cdp", or chromedriver's debuggerAddress on
// the driver's own host), WebDriver BiDi for Firefox ("webSocketUrl").
// WebKit and Safari have neither and need no WebDriverSession: the
// WebKit engine speaks classic WebDriver itself (RemoteWebKitOptions
// .Capabilities).
//
// The session is the run's: ConnectChromium and ConnectFirefox given one
// delete it when they close, which closes the browser on the grid.
type WebDriverSession struct {
	wd *wdClient
	// Capabilities are what the endpoint says the session has.
	Capabilities map[string]any
}

// NewWebDriverSession opens a session at endpoint ("http://GRID:4444",
// with or without a "/wd/hub" base) whose alwaysMatch capabilities are
// caps, with certificate checks on (acceptInsecureCerts false, which caps
// may not turn off) and a BiDi websocket asked for (webSocketUrl true;
// an endpoint without BiDi ignores it).
func NewWebDriverSession(ctx context.Context, endpoint string, caps map[string]any) (*WebDriverSession, error) {
	if err := checkRemoteURL(endpoint, "http", "https"); err != nil {
		return nil, err
	}
	always, err := webDriverCaps(caps)
	if err != nil {
		return nil, err
	}
	always["webSocketUrl"] = true
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		// A grid queues a request until a node is free (Grid 4: up to
		// 300 s); a run does not wait that long for its browser.
		ctx, cancel = context.WithTimeout(ctx, 2*launchTimeout)
		defer cancel()
	}
	wd := newWDClient(strings.TrimSuffix(endpoint, "/"))
	got, err := wd.newSession(ctx, always, nil)
	if err != nil {
		return nil, fmt.Errorf("browser: a WebDriver session at %s with %s: %w", endpoint, capsSummary(always), err)
	}
	return &WebDriverSession{wd: wd, Capabilities: got}, nil
}

// webDriverCaps is caps with certificate checks on; nil is no caps.
func webDriverCaps(caps map[string]any) (map[string]any, error) {
	always := map[string]any{}
	for k, v := range caps {
		always[k] = v
	}
	if v, ok := always["acceptInsecureCerts"]; ok && v != false {
		return nil, errors.New("browser: acceptInsecureCerts would switch the browser's certificate checks off; corsproof keeps them on (trust the run's CA instead)")
	}
	always["acceptInsecureCerts"] = false
	return always, nil
}

// capsSummary names a session request by what picks its browser.
func capsSummary(caps map[string]any) string {
	var parts []string
	for _, k := range []string{"browserName", "browserVersion", "platformName"} {
		if v, ok := caps[k]; ok {
			parts = append(parts, fmt.Sprintf("%s=%v", k, v))
		}
	}
	if len(parts) == 0 {
		return "no browserName"
	}
	return strings.Join(parts, " ")
}

// ID is the session's id.
func (s *WebDriverSession) ID() string { return s.wd.session }

func (s *WebDriverSession) str(key string) string {
	v, _ := s.Capabilities[key].(string)
	return v
}

// BrowserName, BrowserVersion and PlatformName are the session's own
// ("chrome", "156.0.8078.114", "linux").
func (s *WebDriverSession) BrowserName() string    { return s.str("browserName") }
func (s *WebDriverSession) BrowserVersion() string { return s.str("browserVersion") }
func (s *WebDriverSession) PlatformName() string   { return s.str("platformName") }

// CDP is the address ConnectChromium attaches to for the session's
// browser, and whether it is a websocket to use exactly as given: Grid's
// "se:cdp" (a websocket the grid proxies to the node's browser), or else
// the driver's debuggerAddress ("localhost:PORT" in goog:chromeOptions or
// ms:edgeOptions), which is on the driver's host, so usable only when the
// endpoint is on this one.
func (s *WebDriverSession) CDP() (addr string, exact bool, err error) {
	if ws := s.str("se:cdp"); ws != "" {
		return ws, true, nil
	}
	for _, k := range []string{"goog:chromeOptions", "ms:edgeOptions"} {
		opts, _ := s.Capabilities[k].(map[string]any)
		da, _ := opts["debuggerAddress"].(string)
		if da == "" {
			continue
		}
		host, _, err := net.SplitHostPort(da)
		if err != nil {
			return "", false, fmt.Errorf("browser: the session's %s.debuggerAddress %q is not HOST:PORT", k, da)
		}
		if !isLoopbackHost(host) || !isLoopbackHost(s.endpointHost()) {
			return "", false, fmt.Errorf("browser: the WebDriver endpoint %s offers CDP only as %s.debuggerAddress %s, on the driver's own host; "+
				"use a Selenium Grid 4 (it offers se:cdp) or start the browser with a reachable debugging port and use --remote chromium=", s.wd.base, k, da)
		}
		return "http://" + da, false, nil
	}
	return "", false, fmt.Errorf("browser: the WebDriver session at %s (%s) offers no CDP (neither se:cdp nor a debuggerAddress)", s.wd.base, capsSummary(s.Capabilities))
}

// BiDi is the session's WebDriver BiDi websocket ("webSocketUrl").
func (s *WebDriverSession) BiDi() (string, error) {
	if ws := s.str("webSocketUrl"); ws != "" {
		return ws, nil
	}
	return "", fmt.Errorf("browser: the WebDriver session at %s (%s) offers no WebDriver BiDi (no webSocketUrl)", s.wd.base, capsSummary(s.Capabilities))
}

func (s *WebDriverSession) endpointHost() string {
	u, err := url.Parse(s.wd.base)
	if err != nil {
		return ""
	}
	return u.Hostname()
}

func isLoopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// Close deletes the session, which closes its browser.
func (s *WebDriverSession) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	if err := s.wd.deleteSession(ctx); err != nil {
		return fmt.Errorf("browser: deleting the WebDriver session at %s: %w", s.wd.base, err)
	}
	return nil
}
