package browser

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/corsproof/corsproof"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/inspector"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// Options configure LaunchChromium. The zero value launches the Chromium that
// FindChromium finds, with real DNS and real certificate checks.
type Options struct {
	// ExecPath is the browser binary. Empty means FindChromium.
	ExecPath string
	// HostRules maps "host:port" to "127.0.0.1:port", so that a page can
	// have the origin https://app.example.test (default port, real name)
	// while the server listens on a loopback port. Rendered into
	// --host-resolver-rules as "MAP host:port 127.0.0.1:port, ...".
	//
	// With HostRules (or Direct) set, those are the only names Chromium
	// resolves: every other one resolves to nothing (the rules end in
	// "MAP * ~NOTFOUND"), so the browser's own services (component
	// updater, sign-in, optimization guide, ...) are never even looked up.
	HostRules map[string]string
	// Direct are "host:port" Chromium resolves and reaches at their real
	// address besides HostRules: a live target. Each host is excluded
	// from the rules ("EXCLUDE host", every port), unless one of HostRules
	// is on the same host: Chromium checks exclusions only once a MAP rule
	// matched, and then drops the rewrite, so the exclusion would undo
	// that origin page's mapping too. Such a host:port is mapped to itself
	// instead, ahead of the catch-all.
	Direct []string
	// SPKIPins are base64 SHA-256 hashes of the SubjectPublicKeyInfo of the
	// certificates to accept although no trusted CA signed them (see
	// SPKIPin). They become --ignore-certificate-errors-spki-list, which
	// trusts exactly these keys: every other certificate is still checked.
	SPKIPins []string
	// TrustedCAs are trust anchors for this browser only, besides the
	// system's: Chromium on Linux reads them from the NSS database under
	// $HOME/.pki/nssdb, so the launch makes one (with certutil, from
	// libnss3-tools) in a throw-away HOME inside the profile and starts
	// the browser, and only the browser, with that HOME. Unlike a pin, an
	// anchor also trusts a server that sends only its leaf, and every
	// certificate it signs is still checked in full (name, dates, usage).
	// A self-signed server certificate that is no CA is trusted as itself,
	// with its name and dates checked.
	TrustedCAs []*x509.Certificate
	// ProxyServer, when set, sends all traffic through this proxy
	// (--proxy-server), e.g. "http://127.0.0.1:8080".
	ProxyServer string
	// Logf receives diagnostics: events chromedp could not decode, browser
	// errors, cleanup problems. Nil discards them.
	Logf func(format string, args ...any)
}

// launchTimeout bounds the start of the browser when the caller's context
// has no deadline; a healthy start takes about half a second here.
const launchTimeout = 30 * time.Second

// ErrClosed is returned by the methods of a Chromium after Close.
var ErrClosed = errors.New("browser: chromium engine is closed")

// Chromium is the Engine that drives a real Chromium over the DevTools
// protocol. It owns one browser process for its whole life and one tab per
// origin page. Create it with LaunchChromium and always Close it.
type Chromium struct {
	logf    func(format string, args ...any)
	version string

	allocCancel context.CancelFunc
	browserCtx  context.Context // the browser's first target; owns the process
	browserStop context.CancelFunc

	profileDir string
	pid        int
	// remote is set for a browser corsproof attached to (ConnectChromium)
	// instead of starting it: no process, no profile, one browser context.
	remote *remoteChromium

	// mu serialises SetCookie calls; fetches run concurrently, each on
	// its own unique URL, and each tab hands its events to every fetch in
	// flight on it (events.go sorts them by request).
	mu sync.Mutex
	// tabsMu guards tabs, byTarget and crashedTargets.
	tabsMu sync.Mutex
	tabs   map[string]*tab
	// byTarget finds a tab by its target id, for the browser-wide
	// Target.targetCrashed: a renderer that dies before its tab has
	// attached is reported only there, not to the tab.
	byTarget map[target.ID]*tab
	// crashedTargets are crashes reported before their tab was
	// registered (a renderer killed while Target.createTarget answered).
	crashedTargets map[target.ID]bool

	// active are the recorders of the fetches in flight, so that an event
	// chromedp failed to decode is charged to every fetch it may have
	// hidden.
	active inflight[recorder]

	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error
}

// tab is one page target with its origin page loaded. Many fetches may be
// in flight on it; a tab found broken is retired (new fetches get a new
// tab) and closed once the last fetch on it has returned.
type tab struct {
	// ctx and cancel are set by openTab once the target exists (under mu;
	// readers that wait for ready need no lock).
	ctx    context.Context
	cancel context.CancelFunc
	id     target.ID
	// closeTarget closes a target chromedp never attached to (chromedp
	// closes only those it did); nil once the tab has attached.
	closeTarget func()
	closed      bool
	recs        inflight[recorder] // the fetches in flight on this tab

	// ready closes once the page has loaded, or failed to (err).
	ready chan struct{}
	err   error

	// crashed closes when the tab's renderer dies (Inspector.targetCrashed):
	// the target stays attached, so a command in flight would otherwise
	// wait for an answer that never comes.
	crashed   chan struct{}
	crashOnce sync.Once
	page      string // the origin page it shows

	mu      sync.Mutex
	users   int
	retired bool
}

// acquire counts a fetch in; false when the tab was retired meanwhile.
func (t *tab) acquire() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.retired {
		return false
	}
	t.users++
	return true
}

func (t *tab) release() {
	t.mu.Lock()
	t.users--
	last := t.retired && t.users == 0
	t.mu.Unlock()
	if last {
		go t.close()
	}
}

// retire closes the tab now when no fetch uses it, else when the last
// one returns: the other fetches in flight on a tab one fetch gave up on
// are not cut short.
func (t *tab) retire() {
	t.mu.Lock()
	first := !t.retired
	t.retired = true
	idle := t.users == 0
	t.mu.Unlock()
	if first && idle {
		go t.close() // a crashed or hung renderer may never answer
	}
}

// close ends the tab's context, which detaches and closes its target, and
// closes a target that never attached. A tab closed before openTab made
// its context is closed by openTab.
func (t *tab) close() {
	t.mu.Lock()
	t.closed = true
	cancel, closeTarget := t.cancel, t.closeTarget
	t.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	if closeTarget != nil {
		closeTarget()
	}
}

var _ Engine = (*Chromium)(nil)

// LaunchChromium starts a headless Chromium with its own temporary profile.
// ctx bounds the start only: the browser lives until Close, so that a
// cancelled request context can never kill it without cleanup. A failed
// launch stops whatever started and removes what it left on disk.
func LaunchChromium(ctx context.Context, o Options) (*Chromium, error) {
	logf := o.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	flags, err := chromiumFlags(o)
	if err != nil {
		return nil, err
	}
	if o.ExecPath == "" {
		if o.ExecPath, err = FindChromium(); err != nil {
			return nil, err
		}
	} else if p, lerr := exec.LookPath(o.ExecPath); lerr != nil {
		// A path the user named (--chrome, CORSPROOF_CHROME) that is not
		// a program gets the install hint, not a raw fork/exec error.
		return nil, &NotFoundError{Env: o.ExecPath, Tried: chromiumNames, Err: lerr}
	} else {
		o.ExecPath = p
	}
	if len(o.TrustedCAs) > 0 {
		if _, err := FindCertutil(); err != nil {
			return nil, err // before anything is on disk
		}
	}
	// Our own profile dir rather than chromedp's: Close must find the
	// singleton socket Chromium links from it, and remove both.
	profileDir, err := os.MkdirTemp("", profilePrefix)
	if err != nil {
		return nil, fmt.Errorf("browser: creating the profile dir: %w", err)
	}
	var env []chromedp.ExecAllocatorOption
	if len(o.TrustedCAs) > 0 {
		t0 := time.Now()
		home, err := chromiumHome(ctx, profileDir, o.TrustedCAs)
		if err != nil {
			os.RemoveAll(profileDir)
			return nil, err
		}
		logf("chromium: NSS database with %d trust anchor(s) in %s made in %v", len(o.TrustedCAs), home, time.Since(t0).Round(time.Millisecond))
		// The browser's HOME only: the test process keeps its own.
		env = append(env, chromedp.Env("HOME="+home))
	}

	c := &Chromium{logf: logf, profileDir: profileDir, tabs: map[string]*tab{},
		byTarget: map[target.ID]*tab{}, crashedTargets: map[target.ID]bool{}}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(o.ExecPath),
		chromedp.UserDataDir(profileDir),
		chromedp.NoSandbox, // we run as root in containers; the sandbox refuses root
		chromedp.ModifyCmdFunc(browserCmdOptions),
	)
	opts = append(opts, flags...)
	opts = append(opts, env...)
	// The allocator outlives ctx on purpose; see the doc comment.
	actx, acancel := chromedp.NewExecAllocator(context.WithoutCancel(ctx), opts...)
	bctx, bcancel := chromedp.NewContext(actx,
		chromedp.WithErrorf(c.browserErrorf),
		chromedp.WithLogf(func(f string, a ...any) { logf("chromium: "+f, a...) }),
	)
	c.allocCancel, c.browserCtx, c.browserStop = acancel, bctx, bcancel

	start := time.Now()
	if err := c.start(ctx); err != nil {
		c.stopHard(true)
		return nil, fmt.Errorf("browser: launching %s: %w", o.ExecPath, err)
	}
	logf("chromium: %s started in %v (pid %d, profile %s)", c.version, time.Since(start).Round(time.Millisecond), c.pid, profileDir)
	return c, nil
}

// start runs the browser's first command on the browser context itself:
// chromedp ties the process to the context of that first call, so it must
// not be a child with the caller's deadline. The deadline is enforced from
// outside instead.
func (c *Chromium) start(ctx context.Context) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, launchTimeout)
		defer cancel()
	}
	done := make(chan error, 1)
	go func() {
		v, err := chromedp.CallBrowser(c.browserCtx, browser.GetVersion, cdp.Empty{})
		if err == nil {
			c.version = v.Product
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			return err
		}
	case <-ctx.Done():
		c.browserStop() // makes the goroutine above return
		<-done
		return ctx.Err()
	}
	if b := chromedp.FromContext(c.browserCtx).Browser; b != nil && b.Process() != nil {
		c.pid = b.Process().Pid
	}
	// Every target's crash, also of a tab still attaching, whose own
	// session never reports it.
	if err := chromedp.ListenBrowser(c.browserCtx, c.browserEvent); err != nil {
		return err
	}
	dctx, stop := bind(c.browserCtx, ctx)
	defer stop()
	_, err := chromedp.CallBrowser(dctx, target.SetDiscoverTargets, target.SetDiscoverTargetsParams{Discover: true})
	return err
}

// browserEvent receives the browser session's events: a target's crash is
// passed to its tab.
func (c *Chromium) browserEvent(ev any) {
	crash, ok := ev.(*target.EventTargetCrashed)
	if !ok {
		return
	}
	c.tabsMu.Lock()
	t := c.byTarget[crash.TargetID]
	if t == nil && len(c.crashedTargets) < maxCrashedTargets {
		c.crashedTargets[crash.TargetID] = true
	}
	c.tabsMu.Unlock()
	if t != nil {
		c.tabCrashed(t)
	}
}

func ptr[T any](v T) *T { return &v }

// maxCrashedTargets bounds the record of crashes of targets not (yet)
// known: those of tabs closed since are never looked up.
const maxCrashedTargets = 1024

// tabCrashed drops t, whose renderer died, so the next fetch from its page
// gets a new tab; the fetches in flight on it see t.crashed.
func (c *Chromium) tabCrashed(t *tab) {
	first := false
	t.crashOnce.Do(func() { close(t.crashed); first = true })
	if !first {
		return
	}
	select {
	case <-t.ready:
	default:
		// Still opening: openTab reports it.
		c.dropTab(t.page, t)
		return
	}
	if t.recs.empty() {
		// No fetch to fail: the next one from this page simply gets a
		// new tab.
		c.logf("chromium: the renderer of %s died between fetches; its tab is replaced", t.page)
	}
	c.dropTab(t.page, t)
}

// chromiumFlags turns Options into command-line flags, reporting every
// invalid option at once.
func chromiumFlags(o Options) ([]chromedp.ExecAllocatorOption, error) {
	flags := []chromedp.ExecAllocatorOption{
		// Nothing but the fetches under test on the wire, and no QUIC:
		// the loopback servers speak TCP, and a QUIC attempt would only
		// add noise and latency.
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		// No hyperlink-auditing pings, no Domain Reliability uploads.
		chromedp.Flag("no-pings", true),
		chromedp.Flag("disable-domain-reliability", true),
		// chromedp's default list, plus HttpsUpgrades: Chromium loads
		// http://app.example.com/ (a real domain name, unlike .test) over
		// https when that answers, so a page meant to have the http://
		// origin would get the https:// one. Pages keep the origin asked for.
		// Then the background services the switches above leave on
		// (measured in harness/offbox_test.go: Chromium 156 still looked
		// up update.googleapis.com, clients2.google.com and
		// accounts.google.com; the host rules' catch-all is what confines it).
		chromedp.Flag("disable-features", strings.Join([]string{
			"Translate", "BlinkGenPropertyTrees", "HttpsUpgrades",
			"OptimizationHints", "OptimizationHintsFetching", "OptimizationGuideModelDownloading",
			"OptimizationTargetPrediction", "CertificateTransparencyComponentUpdater",
			"NetworkTimeServiceQuerying", "MediaRouter", "DialMediaRouteProvider",
			"AutofillServerCommunication", "InterestFeedContentSuggestions",
		}, ",")),
		// Never add a flag that turns web security off: it
		// switches CORS off, which is the thing under test. Third-party
		// cookie settings are left at their defaults for the same reason.
	}
	var errs []error
	if len(o.HostRules) > 0 || len(o.Direct) > 0 {
		rules, err := confinedResolverRules(o.HostRules, o.Direct)
		if err != nil {
			errs = append(errs, err)
		}
		flags = append(flags, chromedp.Flag("host-resolver-rules", rules))
	}
	if len(o.SPKIPins) > 0 {
		for _, p := range o.SPKIPins {
			if b, err := base64.StdEncoding.DecodeString(p); err != nil || len(b) != sha256.Size {
				errs = append(errs, fmt.Errorf("browser: SPKI pin %q is not a base64 SHA-256 hash", p))
			}
		}
		flags = append(flags, chromedp.Flag("ignore-certificate-errors-spki-list", strings.Join(o.SPKIPins, ",")))
	}
	if o.ProxyServer != "" {
		flags = append(flags, chromedp.ProxyServer(o.ProxyServer))
	}
	return flags, errors.Join(errs...)
}

// chromiumHome makes the HOME of a browser that trusts cas besides the
// system's roots: profileDir/home, whose .pki/nssdb holds them as trust
// anchors. It goes with the profile on Close.
func chromiumHome(ctx context.Context, profileDir string, cas []*x509.Certificate) (string, error) {
	home := filepath.Join(profileDir, chromiumHomeDir)
	db := filepath.Join(home, ".pki", "nssdb")
	if err := os.MkdirAll(db, 0o700); err != nil {
		return "", fmt.Errorf("browser: chromium: making the NSS database dir: %w", err)
	}
	if err := newNSSDB(ctx, "chromium", db, cas, true); err != nil {
		return "", err
	}
	return home, nil
}

// chromiumHomeDir is the browser's HOME inside its profile dir, when it is
// given trust anchors.
const chromiumHomeDir = "home"

// hostResolverRules renders HostRules in a stable order, so the command
// line of two runs with the same options is the same.
func hostResolverRules(m map[string]string) (string, error) {
	var errs []error
	rules := make([]string, 0, len(m))
	for _, from := range slices.Sorted(mapsKeys(m)) {
		to := m[from]
		if _, _, err := net.SplitHostPort(from); err != nil {
			errs = append(errs, fmt.Errorf("browser: host rule %q: want host:port: %w", from, err))
		}
		if _, _, err := net.SplitHostPort(to); err != nil {
			errs = append(errs, fmt.Errorf("browser: host rule %q → %q: want ip:port: %w", from, to, err))
		}
		rules = append(rules, "MAP "+from+" "+to)
	}
	return strings.Join(rules, ", "), errors.Join(errs...)
}

// confinedResolverRules are the --host-resolver-rules of a run: m's MAP
// rules, the Direct hosts left to the system's resolver, and "MAP *
// ~NOTFOUND" for every other name. Chromium applies the first MAP rule
// whose pattern matches the host or "host:port" (so the catch-all comes
// last), then drops the rewrite if an EXCLUDE pattern matches the host.
func confinedResolverRules(m map[string]string, direct []string) (string, error) {
	rules, err := hostResolverRules(m)
	errs := []error{err}
	mapped := map[string]bool{}
	for from := range m {
		if h, _, err := net.SplitHostPort(from); err == nil {
			mapped[strings.ToLower(h)] = true
		}
	}
	var all, excl []string
	if rules != "" {
		all = append(all, rules)
	}
	for _, hp := range direct {
		host, port, err := net.SplitHostPort(hp)
		if err != nil || host == "" || port == "" || strings.ContainsAny(hp, " ,*?") {
			errs = append(errs, fmt.Errorf("browser: direct host %q: want host:port", hp))
			continue
		}
		if host = strings.ToLower(host); mapped[host] {
			hp = strings.ToLower(hp)
			all = append(all, "MAP "+hp+" "+hp)
		} else if !slices.Contains(excl, host) {
			excl = append(excl, host)
		}
	}
	for _, h := range excl {
		all = append(all, "EXCLUDE "+h)
	}
	all = append(all, "MAP * ~NOTFOUND")
	return strings.Join(all, ", "), errors.Join(errs...)
}

func mapsKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// SPKIPin returns the pin Options.SPKIPins wants for cert: the base64
// SHA-256 of its SubjectPublicKeyInfo.
func SPKIPin(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// Name implements Engine.
func (c *Chromium) Name() corsproof.Engine { return corsproof.Chromium }

// Version implements Engine: Browser.getVersion's product, e.g.
// "Chromium/156.0.8078.108".
func (c *Chromium) Version() string { return c.version }

// PID is the browser's main process id, for diagnostics and leak tests.
func (c *Chromium) PID() int { return c.pid }

// tabFor returns the tab showing pageURL, opening it and loading the page on
// first use, and counts the caller in (release it when done). Reusing tabs
// is what makes a run fast: a new tab plus a navigation costs about as much
// as fifty fetches. Concurrent callers for a new page share one load.
func (c *Chromium) tabFor(ctx context.Context, pageURL string) (*tab, error) {
	for {
		c.tabsMu.Lock()
		if c.closed.Load() {
			c.tabsMu.Unlock()
			return nil, ErrClosed
		}
		t, ok := c.tabs[pageURL]
		if !ok {
			t = c.newTab(pageURL)
			c.tabs[pageURL] = t
			c.tabsMu.Unlock()
			if t.err = c.openTab(ctx, t, pageURL); t.err != nil {
				c.dropTab(pageURL, t)
			}
			close(t.ready)
		} else {
			c.tabsMu.Unlock()
		}
		select {
		case <-t.ready:
		case <-ctx.Done():
			return nil, fmt.Errorf("browser: waiting for origin page %s to load: %w", pageURL, ctx.Err())
		}
		if t.err != nil {
			return nil, t.err
		}
		select {
		case <-t.crashed:
			// Its renderer died after the lookup: the listener has
			// dropped it, and the next round opens a new one.
			c.dropTab(pageURL, t)
			continue
		default:
		}
		if t.acquire() {
			return t, nil
		}
		// Retired between the lookup and now: the next round opens a new one.
	}
}

// newTab makes a tab for pageURL; nothing runs until openTab.
func (c *Chromium) newTab(pageURL string) *tab {
	return &tab{crashed: make(chan struct{}), ready: make(chan struct{}), page: pageURL}
}

// openTab creates t's target, attaches to it and loads the origin page.
func (c *Chromium) openTab(ctx context.Context, t *tab, pageURL string) error {
	// The target is created here rather than by chromedp's first Run, so
	// that its id is known before the first command: a renderer that dies
	// while the tab attaches is reported only browser-wide, by target id.
	cctx, cstop := bind(c.browserCtx, ctx)
	res, err := chromedp.CallBrowser(cctx, target.CreateTarget, target.CreateTargetParams{
		URL: "about:blank",
		// Its own window, as chromedp's default: a hidden tab gets no
		// animation frames.
		NewWindow: ptr(true),
		// The run's browser context of a remote browser ("" otherwise).
		BrowserContextID: c.contextID(),
	})
	cstop()
	if err != nil {
		return fmt.Errorf("browser: opening a tab for %s: %w", pageURL, err)
	}
	tctx, cancel := chromedp.NewContext(c.browserCtx,
		chromedp.WithTargetID(res.TargetID),
		// Added before the target's first message, so no event is missed;
		// it only hands the event to the recorders of the fetches in flight.
		chromedp.WithListener(func(ev any) {
			if _, ok := ev.(*inspector.EventTargetCrashed); ok {
				c.tabCrashed(t)
				return
			}
			if c.fetchEvent(t, ev) { // the run's proxy's credential (remote)
				return
			}
			t.recs.each(func(r *recorder) { r.add(ev) })
		}),
	)
	id := res.TargetID
	t.mu.Lock()
	t.ctx, t.cancel, t.id = tctx, cancel, id
	t.closeTarget = func() { c.closeTarget(id) }
	closed := t.closed
	t.mu.Unlock()
	c.tabsMu.Lock()
	c.byTarget[id] = t
	dead := c.crashedTargets[id]
	delete(c.crashedTargets, id)
	c.tabsMu.Unlock()
	if closed {
		t.close()
		return ErrClosed
	}
	if dead {
		c.tabCrashed(t)
	}

	// As in start: the first call on a tab context owns the target, so it
	// runs on t.ctx itself, bounded from outside.
	attach := make(chan error, 1)
	go func() {
		_, err := chromedp.Call(t.ctx, network.Enable, network.EnableParams{})
		if err == nil {
			_, err = chromedp.Call(t.ctx, inspector.Enable, cdp.Empty{})
		}
		attach <- err
	}()
	select {
	case err := <-attach:
		if err != nil {
			return fmt.Errorf("browser: opening a tab: %w", err)
		}
		t.mu.Lock()
		t.closeTarget = nil // chromedp closes it with its context
		t.mu.Unlock()
	case <-t.crashed:
		return &CrashError{Engine: corsproof.Chromium, Part: "tab", URL: pageURL, Err: errors.New("the renderer died while the tab opened")}
	case <-ctx.Done():
		return fmt.Errorf("browser: opening a tab for %s: no answer before the deadline (its renderer may have crashed): %w", pageURL, ctx.Err())
	}
	authStop, err := c.proxyAuth(t)
	if err != nil {
		return err
	}
	defer authStop()
	nctx, stop := bind(t.ctx, ctx)
	defer stop()
	nav := make(chan error, 1)
	go func() { nav <- chromedp.Do(nctx, chromedp.Navigate(pageURL)) }()
	select {
	case err := <-nav:
		if err != nil {
			return fmt.Errorf("browser: loading origin page %s: %w", pageURL, err)
		}
	case <-t.crashed:
		stop() // ends the navigation above
		return &CrashError{Engine: corsproof.Chromium, Part: "tab", URL: pageURL, Err: errors.New("the renderer died while the origin page loaded")}
	}
	if c.closed.Load() {
		return ErrClosed
	}
	return nil
}

// Open loads the tabs of pageURLs side by side, so that a run's first
// fetches do not each wait for a page load in turn. A page that fails to
// load is reported here and tried again by the fetch that needs it.
func (c *Chromium) Open(ctx context.Context, pageURLs []string) error {
	return openAll(ctx, pageURLs, func(ctx context.Context, page string) error {
		t, err := c.tabFor(ctx, page)
		if err == nil {
			t.release()
		}
		return err
	})
}

// dropTab forgets t, so that the next fetch from its page opens a new tab,
// and retires it: its target is closed without waiting (a crashed or hung
// renderer may never answer Target.closeTarget) once no fetch uses it.
func (c *Chromium) dropTab(pageURL string, t *tab) {
	t.mu.Lock()
	id := t.id
	t.mu.Unlock()
	c.tabsMu.Lock()
	if c.tabs[pageURL] == t {
		delete(c.tabs, pageURL)
	}
	if id != "" && c.byTarget[id] == t {
		delete(c.byTarget, id)
	}
	c.tabsMu.Unlock()
	t.retire()
}

// closeTarget closes a target without waiting for it to go: a target whose
// renderer died may be listed a while longer.
func (c *Chromium) closeTarget(id target.ID) {
	if c.closed.Load() {
		return // the browser goes, and its targets with it
	}
	ctx, cancel := context.WithTimeout(c.browserCtx, 5*time.Second)
	defer cancel()
	_, _ = chromedp.CallBrowser(ctx, target.CloseTarget, target.CloseTargetParams{TargetID: id})
}

// Alive implements Engine: the browser process runs and its DevTools
// connection is open.
func (c *Chromium) Alive() bool {
	if c.closed.Load() || c.browserCtx.Err() != nil {
		return false
	}
	if b := chromedp.FromContext(c.browserCtx).Browser; b != nil {
		select {
		case <-b.LostConnection:
			return false
		default:
		}
	}
	return true
}

// bind returns a context that carries the chromedp values of target (so
// chromedp runs on that tab) but ends when caller ends: a caller's deadline
// then limits one call without owning the tab.
func bind(target, caller context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(target)
	stop := context.AfterFunc(caller, cancel)
	return ctx, func() { stop(); cancel() }
}

// SetCookie implements Engine with Storage.setCookies: the cookie is stored
// as if url had set it, bypassing the third-party-cookie checks a response
// would face (the harness uses it to prepare state, not to test it).
func (c *Chromium) SetCookie(ctx context.Context, url string, ck Cookie) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed.Load() {
		return ErrClosed
	}
	p := &network.CookieParam{
		Name: ck.Name, Value: ck.Value, URL: url, Path: ck.Path,
		Secure: ck.Secure, HTTPOnly: ck.HTTPOnly,
		SameSite: network.CookieSameSite(ck.SameSite),
	}
	// Storage.setCookies on the browser session: it needs no tab, so it
	// works before any page is open.
	cctx, stop := bind(c.browserCtx, ctx)
	defer stop()
	if _, err := chromedp.CallBrowser(cctx, storage.SetCookies, storage.SetCookiesParams{Cookies: []*network.CookieParam{p}, BrowserContextID: c.contextID()}); err != nil {
		return fmt.Errorf("browser: setting cookie %s for %s: %w", ck.Name, url, err)
	}
	return nil
}

// browserErrorf receives chromedp's error log. A CDP event that cdproto
// cannot decode (e.g. an enum value newer than cdproto) is dropped by
// chromedp with "could not unmarshal event"; it may have been the block
// reason, so it is logged loudly and charged to the fetch in flight.
func (c *Chromium) browserErrorf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if strings.Contains(msg, "unmarshal") {
		c.active.each(func(r *recorder) { r.decodeFailed(msg) })
		c.logf("chromium: CDP event lost (cdproto %s vs %s?): %s", cdprotoVersion, c.version, msg)
		return
	}
	c.logf("chromium: %s", msg)
}

// cdprotoVersion is for the message above only.
const cdprotoVersion = "v0.159.0"

// profilePrefix names our temporary profile dirs, for the leak test.
const profilePrefix = "corsproof-chromium-"

func profileGlob() string { return filepath.Join(os.TempDir(), profilePrefix+"*") }
