package browser

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/corsproof/corsproof/browser/bidi"
)

// RemoteFirefoxOptions configure ConnectFirefox.
type RemoteFirefoxOptions struct {
	// URL is the browser's WebDriver BiDi address,
	// "ws://HOST:PORT/session" ("/session" is added when missing).
	URL string
	// ProxyServer is the run's proxy ("http://HOST:PORT"), set on the user
	// context corsproof makes for the run (browser.createUserContext
	// proxy): a remote browser takes none of the profile prefs a local
	// launch writes.
	ProxyServer string
	// ProxyUser and ProxyPassword answer the proxy's auth challenge
	// (network.authRequired, intercepted per tab).
	ProxyUser, ProxyPassword string
	Logf                     func(format string, args ...any)
	// Session, when not nil, is the WebDriver session (on a Selenium Grid,
	// a cloud grid or a geckodriver) whose browser this is: URL is then
	// its BiDi websocket (WebDriverSession.BiDi) and may be empty, the
	// BiDi session is that session (no session.new), and Close deletes it
	// after the run's user context.
	Session *WebDriverSession
}

// remoteFirefox is what a Firefox that corsproof did not start has instead
// of a process and a profile.
type remoteFirefox struct {
	url         string
	userContext string
	user        string
	password    string
	platform    string
	session     *WebDriverSession
}

// ConnectFirefox opens a BiDi session on a running Firefox and makes a
// user context of its own for the run, behind o.ProxyServer; its tabs open
// there. Close removes that context and ends the session; the browser
// runs on. Certificates are checked as the browser always does
// (acceptInsecureCerts false): it must trust the CA of the run's
// certificates.
func ConnectFirefox(ctx context.Context, o RemoteFirefoxOptions) (ff *Firefox, err error) {
	logf := o.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	if o.Session != nil {
		if o.URL, err = o.Session.BiDi(); err != nil {
			return nil, err
		}
	}
	if err := checkRemoteURL(o.URL, "ws", "wss"); err != nil {
		return nil, err
	}
	host, port, err := proxyHostPort(o.ProxyServer)
	if err != nil {
		return nil, err
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, launchTimeout)
		defer cancel()
	}
	ws := o.URL
	if o.Session == nil && !strings.HasSuffix(strings.TrimSuffix(ws, "/"), "/session") {
		ws = strings.TrimSuffix(ws, "/") + "/session"
	}
	exited := make(chan struct{}) // never closed: no process of ours
	f := &Firefox{logf: logf, tabs: map[string]string{}, exited: exited,
		remote: &remoteFirefox{url: ws, user: o.ProxyUser, password: o.ProxyPassword, session: o.Session}}
	start := time.Now()
	if f.conn, err = bidi.Dial(ctx, ws, f.event); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			f.conn.Close()
			err = fmt.Errorf("browser: attaching to the Firefox at %s: %w", ws, err)
		}
	}()
	var sess struct {
		Capabilities struct {
			BrowserName    string `json:"browserName"`
			BrowserVersion string `json:"browserVersion"`
			PlatformName   string `json:"platformName"`
		} `json:"capabilities"`
	}
	if o.Session != nil {
		// The WebDriver session is the BiDi session too.
		sess.Capabilities.BrowserName, sess.Capabilities.BrowserVersion, sess.Capabilities.PlatformName =
			o.Session.BrowserName(), o.Session.BrowserVersion(), o.Session.PlatformName()
	} else {
		caps := map[string]any{"acceptInsecureCerts": false}
		if err := f.conn.Call(ctx, "session.new", map[string]any{"capabilities": map[string]any{"alwaysMatch": caps}}, &sess); err != nil {
			return nil, err
		}
	}
	if n := sess.Capabilities.BrowserName; n != "" && n != "firefox" {
		f.endSession(ctx)
		return nil, fmt.Errorf("the browser says it is %q, not firefox", n)
	}
	f.version = "Firefox/" + sess.Capabilities.BrowserVersion
	f.remote.platform = sess.Capabilities.PlatformName
	proxy := fmt.Sprintf("%s:%d", host, port)
	var uc struct {
		UserContext string `json:"userContext"`
	}
	if err := f.conn.Call(ctx, "browser.createUserContext", map[string]any{
		"proxy": map[string]any{"proxyType": "manual", "httpProxy": proxy, "sslProxy": proxy, "noProxy": []string{}},
	}, &uc); err != nil {
		f.endSession(ctx)
		return nil, fmt.Errorf("making the run's user context behind %s: %w", o.ProxyServer, err)
	}
	f.remote.userContext = uc.UserContext
	evs := []string{
		"network.beforeRequestSent", "network.responseStarted", "network.responseCompleted",
		"network.fetchError", "log.entryAdded", "network.authRequired",
	}
	if err := f.conn.Call(ctx, "session.subscribe", map[string]any{"events": evs}, nil); err != nil {
		f.closeRemote()
		return nil, err
	}
	logf("firefox: attached to %s (%s) at %s in %v (user context %s behind %s)", f.version, f.remote.platform, ws,
		time.Since(start).Round(time.Millisecond), uc.UserContext, o.ProxyServer)
	return f, nil
}

// Remote reports whether f is a browser corsproof attached to.
func (f *Firefox) Remote() bool { return f.remote != nil }

// Platform is the platform the session says the browser runs on ("linux");
// "" for a browser corsproof started.
func (f *Firefox) Platform() string {
	if f.remote == nil {
		return ""
	}
	return f.remote.platform
}

// createParams are browsingContext.create's for a new tab: in the run's
// user context of a remote browser.
func (f *Firefox) createParams() map[string]any {
	p := map[string]any{"type": "tab"}
	if f.remote != nil {
		p["userContext"] = f.remote.userContext
	}
	return p
}

// interceptAuth makes the run's proxy's challenges in tab wait for an
// answer (authRequired), which authRequired gives.
func (f *Firefox) interceptAuth(ctx context.Context, tab string) error {
	if f.remote == nil || f.remote.user == "" {
		return nil
	}
	return f.conn.Call(ctx, "network.addIntercept", map[string]any{"phases": []string{"authRequired"}, "contexts": []string{tab}}, nil)
}

// authRequired answers a challenge: the run's proxy's with the run's
// credential, any other (a server's) as the browser would by default.
func (f *Firefox) authRequired(params json.RawMessage) {
	var e struct {
		Request struct {
			Request string `json:"request"`
		} `json:"request"`
		Response struct {
			Status int `json:"status"`
		} `json:"response"`
		IsBlocked bool `json:"isBlocked"`
	}
	if json.Unmarshal(params, &e) != nil || !e.IsBlocked || f.remote == nil {
		return
	}
	args := map[string]any{"request": e.Request.Request, "action": "default"}
	if e.Response.Status == 407 {
		args = map[string]any{"request": e.Request.Request, "action": "provideCredentials",
			"credentials": map[string]any{"type": "password", "username": f.remote.user, "password": f.remote.password}}
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := f.conn.Call(ctx, "network.continueWithAuth", args, nil); err != nil {
			f.logf("firefox: network.continueWithAuth: %v", err)
		}
	}()
}

// closeRemote removes the run's user context (and its tabs) and ends the
// session; the browser runs on.
func (f *Firefox) closeRemote() error {
	f.closed.Store(true)
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	var errs []error
	if f.remote.userContext != "" {
		if err := f.conn.Call(ctx, "browser.removeUserContext", map[string]any{"userContext": f.remote.userContext}, nil); err != nil && !errors.Is(err, bidi.ErrClosed) {
			errs = append(errs, fmt.Errorf("browser: removing the run's user context in %s: %w", f.remote.url, err))
		}
	}
	f.endSession(ctx)
	return errors.Join(errs...)
}

// endSession ends the run's session: a BiDi session of its own with
// session.end, a WebDriver session by deleting it (which closes a
// grid's browser); then the connection.
func (f *Firefox) endSession(ctx context.Context) {
	if s := f.remote.session; s != nil {
		f.conn.Close()
		if err := s.Close(); err != nil {
			f.logf("firefox: %v", err)
		}
		return
	}
	if err := f.conn.Call(ctx, "session.end", map[string]any{}, nil); err != nil && !errors.Is(err, bidi.ErrClosed) {
		f.logf("firefox: session.end: %v", err)
	}
	f.conn.Close()
}
