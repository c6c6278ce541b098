package browser

import (
	"bufio"
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/browser/bidi"
)

// FirefoxOptions configure LaunchFirefox.
type FirefoxOptions struct {
	// ExecPath is the browser binary. Empty means FindFirefox.
	ExecPath string
	// ProxyURL ("http://127.0.0.1:port") is the HTTP proxy every request
	// goes through, http and https (CONNECT) alike, loopback included.
	// Firefox has no host-resolver rules with port rewriting: the harness
	// maps names to loopback listeners in its proxy instead.
	ProxyURL string
	// TrustedCAs are imported into the fresh profile's certificate database
	// as trust anchors (needs certutil, from libnss3-tools): Firefox then
	// trusts exactly these CAs besides its built-in roots.
	TrustedCAs []*x509.Certificate
	// AcceptInsecureCerts makes the session accept any certificate. Prefer
	// TrustedCAs, which keeps every other certificate checked.
	AcceptInsecureCerts bool
	// Logf receives diagnostics. Nil discards them.
	Logf func(format string, args ...any)
}

// Firefox is the Engine that drives a real Firefox over WebDriver BiDi. It
// owns one browser process and one tab per origin page. Create it with
// LaunchFirefox and always Close it.
type Firefox struct {
	logf       func(format string, args ...any)
	version    string
	profileDir string
	cmd        *exec.Cmd
	exited     chan struct{} // closed when cmd has been reaped
	conn       *bidi.Conn

	mu     sync.Mutex // one SetCookie at a time
	tabsMu sync.Mutex
	tabs   map[string]string // page URL -> browsing context id
	// pages serialise the fetches of one origin page: fetches of
	// different pages run at once, but a tab runs one at a time, since a
	// console message of a blocked fetch names its tab (its browsing
	// context), not always its request.
	pages sync.Map // page URL -> *sync.Mutex

	active inflight[ffRecorder] // the fetches in flight

	// remote is set for a browser corsproof attached to (ConnectFirefox):
	// no process, no profile, one user context.
	remote *remoteFirefox

	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error
}

var _ Engine = (*Firefox)(nil)

// ErrFirefoxClosed is returned by the methods of a Firefox after Close.
var ErrFirefoxClosed = errors.New("browser: firefox engine is closed")

const firefoxProfilePrefix = "corsproof-firefox-"

// wsLine is what Firefox prints on stderr once the remote agent listens.
var wsLine = regexp.MustCompile(`WebDriver BiDi listening on (ws://\S+)`)

// LaunchFirefox starts a headless Firefox with a fresh temporary profile and
// opens a BiDi session. ctx bounds the start only. A failed launch stops
// whatever started and removes the profile.
func LaunchFirefox(ctx context.Context, o FirefoxOptions) (ff *Firefox, err error) {
	logf := o.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	if o.ProxyURL != "" {
		if _, _, err := proxyHostPort(o.ProxyURL); err != nil {
			return nil, err
		}
	}
	if o.ExecPath == "" {
		if o.ExecPath, err = FindFirefox(); err != nil {
			return nil, err
		}
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, launchTimeout)
		defer cancel()
	}
	dir, err := os.MkdirTemp("", firefoxProfileDirPrefix())
	if err != nil {
		return nil, fmt.Errorf("browser: firefox: creating the profile dir: %w", err)
	}
	f := &Firefox{logf: logf, profileDir: dir, tabs: map[string]string{}, exited: make(chan struct{})}
	defer func() {
		if err != nil {
			f.stopHard()
			err = fmt.Errorf("browser: launching firefox (%s): %w", o.ExecPath, err)
		}
	}()
	if err := writeUserJS(dir, o.ProxyURL); err != nil {
		return nil, err
	}
	t0 := time.Now()
	if err := importTrust(ctx, dir, o.TrustedCAs); err != nil {
		return nil, err
	}
	tTrust := time.Since(t0)

	// Firefox keeps a directory of its own under $TMPDIR (firefox-esr/,
	// with its locks), removed only when it exits cleanly: inside the
	// profile, it goes with the profile when a start is cut short.
	tmp := filepath.Join(dir, "tmp")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		return nil, err
	}
	cmd := exec.Command(o.ExecPath, "--headless", "--no-remote", "--remote-debugging-port=0",
		"--profile", dir)
	cmd.Env = append(append(os.Environ(), "MOZ_CRASHREPORTER_DISABLE=1", "MOZ_DISABLE_AUTO_SAFE_MODE=1", "TMPDIR="+tmp), firefoxEnv...)
	browserCmdOptions(cmd)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stdout = nil
	start := time.Now()
	if err := cmd.Start(); err != nil {
		close(f.exited)
		return nil, err
	}
	f.cmd = cmd
	go func() { cmd.Wait(); close(f.exited) }()

	// Read stderr for the BiDi address, then keep draining it to Logf.
	addr := make(chan string, 1)
	var tail tailBuf
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		found := false
		for sc.Scan() {
			line := sc.Text()
			if !found {
				if m := wsLine.FindStringSubmatch(line); m != nil {
					found = true
					addr <- m[1]
					continue
				}
				tail.add(line)
			}
			logf("firefox: %s", line)
		}
		io.Copy(io.Discard, stderr)
	}()
	var ws string
	select {
	case ws = <-addr:
	case <-f.exited:
		return nil, fmt.Errorf("the browser exited before its remote agent listened: %s", tail.String())
	case <-ctx.Done():
		return nil, fmt.Errorf("no WebDriver BiDi address on stderr: %w; last output: %s", ctx.Err(), tail.String())
	}

	tListen := time.Since(start)
	if f.conn, err = bidi.Dial(ctx, strings.TrimSuffix(ws, "/")+"/session", f.event); err != nil {
		return nil, err
	}
	var sess struct {
		Capabilities struct {
			BrowserName    string `json:"browserName"`
			BrowserVersion string `json:"browserVersion"`
		} `json:"capabilities"`
	}
	caps := map[string]any{"acceptInsecureCerts": o.AcceptInsecureCerts}
	if err := f.conn.Call(ctx, "session.new", map[string]any{"capabilities": map[string]any{"alwaysMatch": caps}}, &sess); err != nil {
		return nil, err
	}
	f.version = "Firefox/" + sess.Capabilities.BrowserVersion
	tSession := time.Since(start)
	evs := []string{
		"network.beforeRequestSent", "network.responseStarted", "network.responseCompleted",
		"network.fetchError", "log.entryAdded",
	}
	if err := f.conn.Call(ctx, "session.subscribe", map[string]any{"events": evs}, nil); err != nil {
		return nil, err
	}
	logf("firefox: %s ready in %v (certutil %v before; remote agent listening after %v, session after %v)", f.version,
		time.Since(start).Round(time.Millisecond), tTrust.Round(time.Millisecond), tListen.Round(time.Millisecond), tSession.Round(time.Millisecond))
	return f, nil
}

// tailBuf keeps the last lines of the browser's output for error messages.
type tailBuf struct {
	mu    sync.Mutex
	lines []string
}

func (t *tailBuf) add(s string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lines = append(t.lines, s)
	if len(t.lines) > 8 {
		t.lines = t.lines[1:]
	}
}

func (t *tailBuf) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.lines) == 0 {
		return "(none)"
	}
	return strings.Join(t.lines, " | ")
}

// Name implements Engine.
func (f *Firefox) Name() corsproof.Engine { return corsproof.Firefox }

// Version implements Engine, e.g. "Firefox/153.7.0esr".
func (f *Firefox) Version() string { return f.version }

// PID is the browser's main process id (also its process group).
func (f *Firefox) PID() int {
	if f.cmd == nil || f.cmd.Process == nil {
		return 0
	}
	return f.cmd.Process.Pid
}

// ProfileDir is the temporary profile, removed by Close.
func (f *Firefox) ProfileDir() string { return f.profileDir }

// event receives every BiDi event on the reading goroutine.
// Each fetch in flight keeps what is its own (its URL, its tab).
func (f *Firefox) event(method string, params json.RawMessage) {
	if method == "network.authRequired" {
		f.authRequired(params) // also while an origin page loads
		return
	}
	if f.active.empty() {
		return
	}
	switch method {
	case "log.entryAdded":
		var e bidi.LogEntry
		if json.Unmarshal(params, &e) == nil {
			f.active.each(func(r *ffRecorder) { r.addLog(e) })
		}
	case "network.beforeRequestSent", "network.responseStarted", "network.responseCompleted", "network.fetchError":
		var e bidi.NetworkEvent
		if json.Unmarshal(params, &e) == nil {
			f.active.each(func(r *ffRecorder) { r.addNet(method, e) })
		}
	}
}

// page locks the fetches of pageURL; call the result to unlock.
func (f *Firefox) page(pageURL string) func() {
	m, _ := f.pages.LoadOrStore(pageURL, new(sync.Mutex))
	mu := m.(*sync.Mutex)
	mu.Lock()
	return mu.Unlock
}

// Open implements Opener: the tabs of pageURLs load side by side.
func (f *Firefox) Open(ctx context.Context, pageURLs []string) error {
	return openAll(ctx, pageURLs, func(ctx context.Context, page string) error {
		defer f.page(page)()
		_, err := f.tabFor(ctx, page)
		return err
	})
}

// tabFor returns the browsing context showing pageURL, opening it on first
// use.
func (f *Firefox) tabFor(ctx context.Context, pageURL string) (string, error) {
	f.tabsMu.Lock()
	id, ok := f.tabs[pageURL]
	f.tabsMu.Unlock()
	if ok {
		return id, nil
	}
	var created struct {
		Context string `json:"context"`
	}
	if err := f.conn.Call(ctx, "browsingContext.create", f.createParams(), &created); err != nil {
		return "", fmt.Errorf("browser: firefox: opening a tab: %w", err)
	}
	if err := f.interceptAuth(ctx, created.Context); err != nil {
		f.conn.Call(ctx, "browsingContext.close", map[string]any{"context": created.Context}, nil)
		return "", fmt.Errorf("browser: firefox: intercepting the proxy's challenge: %w", err)
	}
	var nav struct {
		URL string `json:"url"`
	}
	if err := f.conn.Call(ctx, "browsingContext.navigate", map[string]any{
		"context": created.Context, "url": pageURL, "wait": "complete",
	}, &nav); err != nil {
		f.conn.Call(ctx, "browsingContext.close", map[string]any{"context": created.Context}, nil)
		return "", fmt.Errorf("browser: firefox: loading origin page %s: %w", pageURL, err)
	}
	// A page that failed to load shows Firefox's error page at the same URL;
	// its origin is not the page's. Ask the document itself.
	var ev evalResult
	if err := f.conn.Call(ctx, "script.evaluate", map[string]any{
		"expression": "document.documentURI", "target": map[string]any{"context": created.Context},
		"awaitPromise": false,
	}, &ev); err == nil && (strings.HasPrefix(ev.Result.Value, "about:neterror") || strings.HasPrefix(ev.Result.Value, "about:certerror")) {
		f.conn.Call(ctx, "browsingContext.close", map[string]any{"context": created.Context}, nil)
		return "", fmt.Errorf("browser: firefox: loading origin page %s failed (%s)", pageURL, shorten(ev.Result.Value, 200))
	}
	f.tabsMu.Lock()
	f.tabs[pageURL] = created.Context
	f.tabsMu.Unlock()
	return created.Context, nil
}

// dropTab forgets the tab of pageURL, so that the next fetch from that page
// opens a new one, and closes it without waiting for the answer.
func (f *Firefox) dropTab(pageURL, id string) {
	f.tabsMu.Lock()
	if f.tabs[pageURL] == id {
		delete(f.tabs, pageURL)
	}
	f.tabsMu.Unlock()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		f.conn.Call(ctx, "browsingContext.close", map[string]any{"context": id}, nil)
	}()
}

// ping runs a trivial script in tab: an error says the tab's content
// process is gone (its tab then shows a parent-process error page).
func (f *Firefox) ping(ctx context.Context, tab string) error {
	var ev evalResult
	return f.conn.Call(ctx, "script.evaluate", map[string]any{
		"expression": "1", "target": map[string]any{"context": tab}, "awaitPromise": false,
	}, &ev)
}

// sweepTabs drops every tab whose content process died with the one just
// found dead (a killed process often hosted several), so that their next
// fetches get new tabs instead of failing one by one.
func (f *Firefox) sweepTabs(ctx context.Context) {
	f.tabsMu.Lock()
	tabs := make(map[string]string, len(f.tabs))
	for page, id := range f.tabs {
		tabs[page] = id
	}
	f.tabsMu.Unlock()
	for page, id := range tabs {
		if err := f.ping(ctx, id); err != nil && contentCrashed(err) {
			f.logf("firefox: the content process of %s died; its tab is replaced", page)
			f.dropTab(page, id)
		}
	}
}

// contentCrashed tells a command that failed because the tab's content
// process died: Firefox's remote agent answers with the actor's teardown.
func contentCrashed(err error) bool {
	msg := err.Error()
	for _, s := range []string{"parent process", "no such frame", "AbortError", "Actor", "destroyed", "discarded", "no such context"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// Alive implements Engine: the Firefox process runs and the BiDi
// connection to it is open.
func (f *Firefox) Alive() bool {
	if f.closed.Load() {
		return false
	}
	select {
	case <-f.exited:
		return false
	case <-f.conn.Done():
		return false
	default:
		return true
	}
}

func shorten(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// evalResult is script.evaluate's result.
type evalResult struct {
	Type   string `json:"type"` // success, exception
	Result struct {
		Type  string `json:"type"`
		Value string `json:"value"`
	} `json:"result"`
	ExceptionDetails struct {
		Text string `json:"text"`
	} `json:"exceptionDetails"`
}

// Fetch implements Engine: it runs f in the tab of f.PageURL with one
// script.evaluate of the same fetch.js as Chromium, awaiting the promise,
// and joins what script saw with the BiDi network and log events of the
// request (matched by its unique URL).
func (f *Firefox) Fetch(ctx context.Context, fe Fetch) (Observation, error) {
	if fe.URL == "" || fe.PageURL == "" {
		return Observation{}, errors.New("browser: Fetch needs both PageURL and URL")
	}
	defer f.page(fe.PageURL)()
	if f.closed.Load() {
		return Observation{}, ErrFirefoxClosed
	}
	tab, err := f.tabFor(ctx, fe.PageURL)
	if err != nil {
		switch {
		case f.closed.Load():
			return Observation{}, ErrFirefoxClosed
		case !f.Alive():
			return Observation{}, &CrashError{Engine: corsproof.Firefox, Part: "browser", URL: fe.URL, Err: err}
		case contentCrashed(err):
			return Observation{}, &CrashError{Engine: corsproof.Firefox, Part: "content process", URL: fe.URL, Err: err}
		}
		return Observation{}, err
	}
	expr, err := fetchExpression(fe)
	if err != nil {
		return Observation{}, err
	}
	rec := newFFRecorder(normalizeURL(fe.PageURL, fe.URL), fe.Method, tab)
	f.active.add(rec)
	defer f.active.remove(rec)

	var ev evalResult
	t0 := time.Now()
	err = f.conn.Call(ctx, "script.evaluate", map[string]any{
		"expression":      "(async () => JSON.stringify(await " + expr + "))()",
		"target":          map[string]any{"context": tab},
		"awaitPromise":    true,
		"resultOwnership": "none",
	}, &ev)
	if err != nil {
		// The tab is not trusted again: a content process that crashed or
		// hung is replaced by the next fetch's new tab.
		f.dropTab(fe.PageURL, tab)
		switch {
		case f.closed.Load():
			return Observation{}, fmt.Errorf("browser: fetch %s: %w", fe.URL, ErrFirefoxClosed)
		case !f.Alive():
			return Observation{}, &CrashError{Engine: corsproof.Firefox, Part: "browser", URL: fe.URL, Err: err}
		case contentCrashed(err):
			f.sweepTabs(ctx)
			return Observation{}, &CrashError{Engine: corsproof.Firefox, Part: "content process", URL: fe.URL, Err: err}
		}
		return Observation{}, fmt.Errorf("browser: firefox: running fetch %s in %s: %w", fe.URL, fe.PageURL, err)
	}
	if ev.Type != "success" || ev.Result.Type != "string" {
		return Observation{}, fmt.Errorf("browser: firefox: fetch %s in %s threw: %s", fe.URL, fe.PageURL, ev.ExceptionDetails.Text)
	}
	var res jsResult
	if err := json.Unmarshal([]byte(ev.Result.Value), &res); err != nil {
		return Observation{}, fmt.Errorf("browser: firefox: decoding the fetch result: %w", err)
	}
	// BiDi has no crash event, and a content process that dies under a
	// fetch can make it reject like a block (seen: NS_ERROR_DOM_BAD_URI).
	// A blocked fetch only counts once its tab still answers.
	if !res.Allowed {
		if err := f.ping(ctx, tab); err != nil && contentCrashed(err) {
			f.dropTab(fe.PageURL, tab)
			f.sweepTabs(ctx)
			return Observation{}, &CrashError{Engine: corsproof.Firefox, Part: "content process", URL: fe.URL, Err: err}
		}
	}
	evalDone := time.Now()
	missing := rec.wait(ctx, res, eventGrace)
	if ffTraceHook != nil {
		rec.mu.Lock()
		rec.raw = append(rec.raw, fmt.Sprintf("evaluate %v, wait %v", evalDone.Sub(t0), time.Since(evalDone)))
		rec.mu.Unlock()
	}
	if ffTraceHook != nil {
		ffTraceHook(fe.URL, rec.trace())
	}
	return rec.observe(fe, res, missing), nil
}

// SetCookie implements Engine with storage.setCookie: a host-only cookie for
// url's host, in the unpartitioned jar.
func (f *Firefox) SetCookie(ctx context.Context, rawURL string, ck Cookie) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed.Load() {
		return ErrFirefoxClosed
	}
	u, err := url.Parse(rawURL)
	if err != nil || u.Hostname() == "" {
		return fmt.Errorf("browser: setting cookie %s: bad URL %q", ck.Name, rawURL)
	}
	path := ck.Path
	if path == "" {
		path = "/"
	}
	c := map[string]any{
		"name": ck.Name, "value": map[string]any{"type": "string", "value": ck.Value},
		"domain": u.Hostname(), "path": path, "httpOnly": ck.HTTPOnly, "secure": ck.Secure,
	}
	if ck.SameSite != "" {
		c["sameSite"] = strings.ToLower(ck.SameSite)
	}
	args := map[string]any{"cookie": c}
	if f.remote != nil { // the run's jar is its user context's
		args["partition"] = map[string]any{"type": "storageKey", "userContext": f.remote.userContext}
	}
	if err := f.conn.Call(ctx, "storage.setCookie", args, nil); err != nil {
		return fmt.Errorf("browser: setting cookie %s for %s: %w", ck.Name, rawURL, err)
	}
	return nil
}

// Close implements Engine: session.end after browser.close, a wait for the
// process, a kill of its whole process group if it lingers, and the removal
// of the profile. Idempotent; a Fetch in flight then fails.
func (f *Firefox) Close() error {
	f.closeOnce.Do(func() { f.closeErr = f.close() })
	return f.closeErr
}

func (f *Firefox) close() error {
	if f.remote != nil {
		return f.closeRemote() // not ours: the browser runs on
	}
	f.closed.Store(true)
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	if f.conn != nil {
		// browser.close ends every session and the process; its reply may
		// race the socket's end, which is fine.
		if err := f.conn.Call(ctx, "browser.close", nil, nil); err != nil && !errors.Is(err, bidi.ErrClosed) {
			f.logf("firefox: browser.close: %v", err)
		}
	}
	select {
	case <-f.exited:
	case <-ctx.Done():
		f.logf("firefox: still running %v after browser.close; killing it", closeTimeout)
	}
	f.stopHard()
	var errs []error
	if _, err := os.Stat(f.profileDir); err == nil {
		errs = append(errs, fmt.Errorf("browser: firefox profile %s could not be removed", f.profileDir))
	}
	if n := groupAlive(f.PID()); n > 0 {
		errs = append(errs, fmt.Errorf("browser: %d firefox processes outlived Close", n))
	}
	return errors.Join(errs...)
}

// stopHard kills whatever still runs and removes the profile. It is also
// the cleanup of a failed launch.
func (f *Firefox) stopHard() {
	f.closed.Store(true)
	if f.conn != nil {
		f.conn.Close()
	}
	if f.cmd != nil && f.cmd.Process != nil {
		pid := f.cmd.Process.Pid
		killGroup(pid)
		select {
		case <-f.exited:
		case <-time.After(5 * time.Second):
			f.logf("firefox: process %d not reaped after SIGKILL", pid)
		}
		// Content processes can outlive the main one for a moment.
		for deadline := time.Now().Add(2 * time.Second); groupAlive(pid) > 0 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			killGroup(pid)
		}
	}
	if err := removeAllRetry(f.profileDir); err != nil {
		f.logf("firefox: removing profile %s: %v", f.profileDir, err)
	}
}

// ffTraceHook lets tests see the raw BiDi events of each fetch.
var ffTraceHook func(url string, events []string)

// firefoxProfileGlob matches our profile dirs, for leak tests.
// firefoxProfileDirPrefix names this process in its profile dirs, so that
// what one process leaves is told apart from another's (tests of several
// packages run at once).
func firefoxProfileDirPrefix() string { return firefoxProfilePrefix + strconv.Itoa(os.Getpid()) + "-" }

// firefoxProfileGlob matches this process's profile dirs.
func firefoxProfileGlob() string { return filepath.Join(os.TempDir(), firefoxProfileDirPrefix()+"*") }
