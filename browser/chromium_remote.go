package browser

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	cdpfetch "github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/remote"
)

// RemoteChromiumOptions configure ConnectChromium.
type RemoteChromiumOptions struct {
	// URL is the browser's DevTools address: its websocket
	// ("ws://HOST:PORT/devtools/browser/ID") or its HTTP endpoint
	// ("http://HOST:9222", whose /json/version names the websocket).
	URL string
	// ProxyServer is the run's proxy ("http://HOST:PORT"), set on the
	// browser context corsproof makes for the run: every request of the
	// run's tabs goes through it, which maps the run's names (a remote
	// browser takes no --host-resolver-rules).
	ProxyServer string
	// ProxyUser and ProxyPassword answer the proxy's auth challenge
	// (CDP Fetch.authRequired): Target.createBrowserContext takes a proxy
	// but no credential.
	ProxyUser, ProxyPassword string
	Logf                     func(format string, args ...any)
	// Session, when not nil, is the WebDriver session (on a Selenium Grid,
	// or a chromedriver on this host) whose browser this is: URL is then
	// its CDP address (WebDriverSession.CDP) and may be empty, and Close
	// deletes the session after the run's browser context.
	Session *WebDriverSession
}

// remoteChromium is what a Chromium that corsproof did not start has
// instead of a process and a profile: the browser context of the run.
type remoteChromium struct {
	url       string
	contextID cdp.BrowserContextID
	user      string
	password  string
	userAgent string
	session   *WebDriverSession
}

// ConnectChromium attaches to a running Chromium (a browser farm's, a
// container's) and makes one browser context of its own for the run,
// behind o.ProxyServer; its tabs open there. Close disposes of that
// context and leaves the browser running. The browser's certificate
// checks stay as they are: it must trust the CA of the run's certificates
// (see harness.NewRemoteCA); nothing here switches them off.
func ConnectChromium(ctx context.Context, o RemoteChromiumOptions) (*Chromium, error) {
	logf := o.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	var alloc []remote.Option
	if o.Session != nil {
		addr, exact, err := o.Session.CDP()
		if err != nil {
			return nil, err
		}
		if exact {
			alloc = append(alloc, remote.NoModifyURL)
		}
		o.URL = addr
	}
	if err := checkRemoteURL(o.URL, "ws", "wss", "http", "https"); err != nil {
		return nil, err
	}
	if o.ProxyServer == "" {
		return nil, errors.New("browser: a remote Chromium needs the run's proxy (ProxyServer)")
	}
	c := &Chromium{logf: logf, tabs: map[string]*tab{},
		byTarget: map[target.ID]*tab{}, crashedTargets: map[target.ID]bool{},
		remote: &remoteChromium{url: o.URL, user: o.ProxyUser, password: o.ProxyPassword, session: o.Session}}
	actx, acancel := remote.NewAllocator(context.WithoutCancel(ctx), o.URL, alloc...)
	bctx, bcancel := chromedp.NewContext(actx,
		chromedp.WithErrorf(c.browserErrorf),
		chromedp.WithLogf(func(f string, a ...any) { logf("chromium: "+f, a...) }),
	)
	c.allocCancel, c.browserCtx, c.browserStop = acancel, bctx, bcancel
	start := time.Now()
	if err := c.start(ctx); err != nil {
		c.closeRemote()
		return nil, fmt.Errorf("browser: connecting to the Chromium at %s: %w", o.URL, err)
	}
	cctx, stop := bind(c.browserCtx, ctx)
	defer stop()
	v, err := chromedp.CallBrowser(cctx, browser.GetVersion, cdp.Empty{})
	if err == nil {
		c.remote.userAgent = v.UserAgent
		var res target.CreateBrowserContextResult
		res, err = chromedp.CallBrowser(cctx, target.CreateBrowserContext, target.CreateBrowserContextParams{
			DisposeOnDetach: ptr(true),
			ProxyServer:     o.ProxyServer,
			// Nothing bypasses the proxy, not even loopback: the run's
			// names are reached through it only.
			ProxyBypassList: "<-loopback>",
		})
		if err == nil {
			c.remote.contextID = res.BrowserContextID
		}
	}
	if err != nil {
		c.closeRemote()
		return nil, fmt.Errorf("browser: making the run's browser context in the Chromium at %s: %w", o.URL, err)
	}
	logf("chromium: attached to %s at %s in %v (user agent %q; browser context %s behind %s)",
		c.version, o.URL, time.Since(start).Round(time.Millisecond), c.remote.userAgent, c.remote.contextID, o.ProxyServer)
	return c, nil
}

// checkRemoteURL refuses an address that is not a URL of one of schemes
// with a host.
func checkRemoteURL(raw string, schemes ...string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("browser: remote address %q is not a URL with a host", raw)
	}
	for _, s := range schemes {
		if u.Scheme == s {
			return nil
		}
	}
	return fmt.Errorf("browser: remote address %q: want a %s URL", raw, strings.Join(schemes, ", "))
}

// Remote reports whether c is a browser corsproof attached to rather than
// started.
func (c *Chromium) Remote() bool { return c.remote != nil }

// Platform is what the browser says it runs on: the platform part of its
// user agent ("X11; Linux x86_64"); "" for a browser corsproof started.
func (c *Chromium) Platform() string {
	if c.remote == nil {
		return ""
	}
	ua := c.remote.userAgent
	i, j := strings.IndexByte(ua, '('), strings.IndexByte(ua, ')')
	if i < 0 || j < i {
		return ""
	}
	return ua[i+1 : j]
}

// contextID is the run's browser context ("" for a browser corsproof
// started: its default context is the run's).
func (c *Chromium) contextID() cdp.BrowserContextID {
	if c.remote == nil {
		return ""
	}
	return c.remote.contextID
}

// proxyAuth makes t answer the run's proxy's auth challenge while its
// origin page loads; Chromium then sends the credential on its own with
// every later request to that proxy (its auth cache is per browser
// context). Only the origin page's request is paused (the pattern), and
// only until it has been answered.
func (c *Chromium) proxyAuth(t *tab) (stop func(), err error) {
	if c.remote == nil || c.remote.user == "" {
		return func() {}, nil
	}
	_, err = chromedp.Call(t.ctx, cdpfetch.Enable, cdpfetch.EnableParams{
		Patterns:           []*cdpfetch.RequestPattern{{URLPattern: escapePattern(t.page)}},
		HandleAuthRequests: ptr(true),
	})
	if err != nil {
		return nil, fmt.Errorf("browser: Fetch.enable for the proxy's credential: %w", err)
	}
	return func() {
		ctx, cancel := context.WithTimeout(t.ctx, 5*time.Second)
		defer cancel()
		_, _ = chromedp.Call(ctx, cdpfetch.Disable, cdp.Empty{})
	}, nil
}

// escapePattern makes a URL a Fetch pattern matching itself only.
func escapePattern(u string) string {
	r := strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`)
	return r.Replace(u)
}

// fetchEvent answers the Fetch domain's events on t (from its listener,
// so the answers go from goroutines): a paused origin page goes on, the
// run's proxy gets the run's credential, and any other challenge
// (a server's, not the proxy's) is answered by default, as a user's
// browser without saved credentials would.
func (c *Chromium) fetchEvent(t *tab, ev any) bool {
	switch ev := ev.(type) {
	case *cdpfetch.EventRequestPaused:
		go func() {
			_, _ = chromedp.Call(t.ctx, cdpfetch.ContinueRequest, cdpfetch.ContinueRequestParams{RequestID: ev.RequestID})
		}()
		return true
	case *cdpfetch.EventAuthRequired:
		resp := &cdpfetch.AuthChallengeResponse{Response: cdpfetch.AuthChallengeResponseResponseDefault}
		if c.remote != nil && ev.AuthChallenge != nil && ev.AuthChallenge.Source == cdpfetch.AuthChallengeSourceProxy {
			resp = &cdpfetch.AuthChallengeResponse{Response: cdpfetch.AuthChallengeResponseResponseProvideCredentials,
				Username: c.remote.user, Password: c.remote.password}
		}
		go func() {
			_, _ = chromedp.Call(t.ctx, cdpfetch.ContinueWithAuth, cdpfetch.ContinueWithAuthParams{RequestID: ev.RequestID, AuthChallengeResponse: resp})
		}()
		return true
	}
	return false
}

// closeRemote closes the run's tabs and browser context and the
// connection; the browser itself runs on.
func (c *Chromium) closeRemote() error {
	c.closed.Store(true)
	c.tabsMu.Lock()
	for _, t := range c.tabs {
		t.close()
	}
	c.tabs = map[string]*tab{}
	c.tabsMu.Unlock()
	var err error
	if id := c.contextID(); id != "" && c.browserCtx.Err() == nil {
		ctx, cancel := context.WithTimeout(c.browserCtx, closeTimeout)
		_, err = chromedp.CallBrowser(ctx, target.DisposeBrowserContext, target.DisposeBrowserContextParams{BrowserContextID: id})
		cancel()
		if err != nil {
			err = fmt.Errorf("browser: disposing of the run's browser context in %s: %w", c.remote.url, err)
		}
	}
	c.browserStop()
	c.allocCancel()
	if s := c.remote.session; s != nil {
		err = errors.Join(err, s.Close())
	}
	return err
}
