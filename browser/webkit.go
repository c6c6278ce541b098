package browser

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/corsproof/corsproof"
)

// WebKitOptions configure LaunchWebKit.
type WebKitOptions struct {
	// DriverPath is WebKitWebDriver. Empty means FindWebKit.
	DriverPath string
	// BrowserPath is the WebKitGTK browser the driver launches. Empty means
	// MiniBrowser from the WebKitGTK library directory (or
	// CORSPROOF_MINIBROWSER).
	BrowserPath string
	// ProxyURL ("http://127.0.0.1:port") is the HTTP proxy every request
	// goes through (http, and https by CONNECT). WebKitGTK has no
	// host-resolver rules: the harness maps names to loopback listeners in
	// its proxy. It is passed as MiniBrowser's --proxy: the W3C "proxy"
	// capability does not work here (WebKitGTK 2.50 turns sslProxy into an
	// https:// proxy URI and speaks TLS to the proxy itself).
	ProxyURL string
	// Display is the X display to use (":0"). Empty means $DISPLAY, and if
	// that is empty too, a private Xvfb on a display number it picks itself.
	Display string
	// AcceptInsecureCerts makes the session accept any certificate (the
	// WebDriver capability; it does not touch CORS). WebKitGTK reads trust
	// anchors only from the system store, so the run's own CA cannot be
	// pinned: the harness sets this for its loopback topology.
	AcceptInsecureCerts bool
	// Logf receives diagnostics. Nil discards them.
	Logf func(format string, args ...any)
	// Observe, when set, is called as each fetch's script starts, while
	// no other fetch runs (WebKit runs one at a time); the func it returns
	// gets the fetch's observation before Fetch returns it. The harness
	// adds what its proxy refused meanwhile: WebKit shows no exchanges,
	// so a redirect to a host outside the run is seen only there.
	Observe func() func(*Observation)
}

// WebKit is the Engine that drives WebKitGTK (MiniBrowser) through
// WebKitWebDriver over classic WebDriver. Classic WebDriver reports no
// network events and WebKitGTK's driver has no log endpoint, so an
// Observation holds what script saw and lists the rest in Unavailable.
// Create it with LaunchWebKit and always Close it.
type WebKit struct {
	logf    func(format string, args ...any)
	version string
	tmpDir  string
	// remote: a session on a driver corsproof did not start
	// (ConnectWebKit); platform is what that driver says.
	remote   bool
	platform string

	xvfb       *exec.Cmd
	xvfbExited chan struct{}
	display    string // the display our Xvfb serves, "" when none

	driver       *exec.Cmd
	driverExited chan struct{}
	wd           *wdClient
	output       *tailBuf // the driver's (and MiniBrowser's) last output lines

	observe func() func(*Observation)
	turn    chan struct{} // Turn's token: one caller's fetch at a time

	mu      sync.Mutex        // one command sequence at a time
	windows map[string]string // page URL -> window handle
	current string            // the window the session is switched to
	spare   string            // the first window, until a page takes it

	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error
}

var _ Engine = (*WebKit)(nil)

// ErrWebKitClosed is returned by the methods of a WebKit after Close.
var ErrWebKitClosed = errors.New("browser: webkit engine is closed")

const webkitTmpPrefix = "corsproof-webkit-"

// webkitScriptTimeout is the session's script timeout: the longest one
// fetch may take. The caller's ctx usually ends a hung fetch first.
const webkitScriptTimeout = 5 * time.Minute

// LaunchWebKit starts WebKitWebDriver (and Xvfb when there is no display),
// and opens a session with a fresh, ephemeral MiniBrowser. ctx bounds the
// start only. A failed launch stops whatever started and removes its
// temporary directory; its error names the engine.
func LaunchWebKit(ctx context.Context, o WebKitOptions) (wk *WebKit, err error) {
	logf := o.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	if o.ProxyURL != "" {
		if u, err := url.Parse(o.ProxyURL); err != nil || u.Scheme != "http" || u.Port() == "" {
			return nil, fmt.Errorf("browser: webkit: WebKitOptions.ProxyURL %q: want http://host:port", o.ProxyURL)
		}
	}
	if o.DriverPath == "" {
		if o.DriverPath, err = FindWebKit(); err != nil {
			return nil, err
		}
	} else if p, lerr := exec.LookPath(o.DriverPath); lerr != nil {
		return nil, &NotFoundError{Engine: "webkit", Env: o.DriverPath, Tried: webkitDriverNames, Err: lerr}
	} else {
		o.DriverPath = p
	}
	if o.BrowserPath == "" {
		if o.BrowserPath, err = findMiniBrowser(); err != nil {
			return nil, err
		}
	} else if p, lerr := exec.LookPath(o.BrowserPath); lerr != nil {
		return nil, &NotFoundError{Engine: "webkit-minibrowser", Env: o.BrowserPath, Tried: []string{"MiniBrowser"}, Err: lerr}
	} else {
		o.BrowserPath = p
	}
	display := o.Display
	if display == "" {
		display = os.Getenv("DISPLAY")
	}
	xvfbPath := ""
	if err := checkDisplay(display); err != nil {
		return nil, err
	}
	if display == "" {
		if xvfbPath, err = findXvfb(); err != nil {
			return nil, err
		}
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, launchTimeout)
		defer cancel()
	}
	dir, err := os.MkdirTemp("", webkitTmpDirPrefix())
	if err != nil {
		return nil, fmt.Errorf("browser: webkit: creating the temp dir: %w", err)
	}
	w := &WebKit{logf: logf, tmpDir: dir, windows: map[string]string{}, observe: o.Observe, turn: make(chan struct{}, 1)}
	defer func() {
		if err != nil {
			w.stopHard()
			err = fmt.Errorf("browser: launching webkit (%s): %w", o.DriverPath, err)
		}
	}()
	start := time.Now()
	if display == "" {
		if display, err = w.startXvfb(ctx, xvfbPath); err != nil {
			return nil, err
		}
	}
	tXvfb := time.Since(start)
	if err := w.startDriver(ctx, o.DriverPath, display); err != nil {
		return nil, err
	}
	tDriver := time.Since(start)
	// No DNS prefetch and no <a ping>. (WebKitGTK sent nothing off
	// loopback even without them, harness/offbox_test.go: behind the
	// proxy it resolves no name itself; these keep it so for any page.)
	args := []string{"--automation", "--enable-dns-prefetching=false", "--enable-hyperlink-auditing=false"}
	if o.ProxyURL != "" {
		args = append(args, "--proxy="+o.ProxyURL)
	}
	caps := map[string]any{
		"acceptInsecureCerts": o.AcceptInsecureCerts,
		"pageLoadStrategy":    "normal",
		"timeouts": map[string]any{
			"script": webkitScriptTimeout.Milliseconds(), "pageLoad": 60000, "implicit": 0,
		},
		"webkitgtk:browserOptions": map[string]any{"binary": o.BrowserPath, "args": args},
	}
	got, err := w.wd.newSession(ctx, caps, nil)
	if err != nil {
		return nil, fmt.Errorf("creating a WebDriver session with %s: %w; driver output: %s", o.BrowserPath, err, w.output.String())
	}
	ver, _ := got["browserVersion"].(string)
	w.version = "WebKitGTK/" + ver
	var handle string
	if err := w.wd.call(ctx, http.MethodGet, w.wd.s("/window"), nil, &handle); err != nil {
		return nil, fmt.Errorf("reading the first window: %w", err)
	}
	w.current, w.spare = handle, handle
	logf("webkit: %s ready in %v (display %s; Xvfb %v, driver %v, session %v)", w.version, time.Since(start).Round(time.Millisecond), display,
		tXvfb.Round(time.Millisecond), (tDriver - tXvfb).Round(time.Millisecond), (time.Since(start) - tDriver).Round(time.Millisecond))
	return w, nil
}

// startXvfb starts a private X server on a display number it picks itself
// (-displayfd), and waits until its socket is there.
func (w *WebKit) startXvfb(ctx context.Context, path string) (string, error) {
	r, wr, err := os.Pipe()
	if err != nil {
		return "", err
	}
	defer r.Close()
	cmd := exec.Command(path, "-displayfd", "3", "-nolisten", "tcp", "-screen", "0", "1280x1024x24")
	cmd.ExtraFiles = []*os.File{wr}
	browserCmdOptions(cmd)
	var tail tailBuf
	cmd.Stderr = lineWriter(func(s string) { tail.add(s); w.logf("xvfb: %s", s) })
	if err := cmd.Start(); err != nil {
		wr.Close()
		return "", fmt.Errorf("starting Xvfb: %w", err)
	}
	wr.Close()
	w.xvfb, w.xvfbExited = cmd, make(chan struct{})
	go func() { cmd.Wait(); close(w.xvfbExited) }()

	num := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(r).ReadString('\n')
		num <- strings.TrimSpace(line)
	}()
	var n string
	select {
	case n = <-num:
	case <-ctx.Done():
		//lint:ignore ST1005 Xvfb is the name of a program
		return "", fmt.Errorf("Xvfb did not report its display: %w", ctx.Err())
	}
	if _, err := strconv.Atoi(n); err != nil {
		<-w.xvfbExited
		//lint:ignore ST1005 Xvfb is the name of a program
		return "", fmt.Errorf("Xvfb exited without a display: %s", tail.String())
	}
	w.display = ":" + n
	sock := "/tmp/.X11-unix/X" + n
	for {
		if _, err := os.Stat(sock); err == nil {
			return w.display, nil
		}
		select {
		case <-w.xvfbExited:
			//lint:ignore ST1005 Xvfb is the name of a program
			return "", fmt.Errorf("Xvfb exited: %s", tail.String())
		case <-ctx.Done():
			//lint:ignore ST1005 Xvfb is the name of a program
			return "", fmt.Errorf("Xvfb's socket %s did not appear: %w", sock, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// startDriver starts WebKitWebDriver on a free loopback port, in its own
// process group (MiniBrowser and its WebKit processes join it), and waits
// until it answers /status. A port taken between the probe and the start
// is retried.
func (w *WebKit) startDriver(ctx context.Context, path, display string) error {
	env := append(os.Environ(),
		"DISPLAY="+display,
		"XDG_CACHE_HOME="+filepath.Join(w.tmpDir, "cache"),
		"XDG_DATA_HOME="+filepath.Join(w.tmpDir, "data"),
		"XDG_CONFIG_HOME="+filepath.Join(w.tmpDir, "config"),
		"NO_AT_BRIDGE=1", "GTK_A11Y=none", // no accessibility bus
		"WEBKIT_DISABLE_COMPOSITING_MODE=1",
	)
	// A system proxy would route the driver's own loopback traffic.
	env = withoutProxyEnv(env)
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port, err := freePort()
		if err != nil {
			return err
		}
		cmd := exec.Command(path, "--port="+strconv.Itoa(port), "--host=127.0.0.1")
		cmd.Env = env
		browserCmdOptions(cmd)
		w.output = &tailBuf{}
		out := lineWriter(func(s string) { w.output.add(s); w.logf("webkit: %s", s) })
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			return fmt.Errorf("starting WebKitWebDriver: %w", err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		w.driver, w.driverExited = cmd, exited
		w.wd = newWDClient("http://127.0.0.1:" + strconv.Itoa(port))
		for {
			var st struct {
				Ready bool `json:"ready"`
			}
			sctx, cancel := context.WithTimeout(ctx, time.Second)
			err := w.wd.call(sctx, http.MethodGet, "/status", nil, &st)
			cancel()
			if err == nil && st.Ready {
				return nil
			}
			select {
			case <-exited:
				lastErr = fmt.Errorf("WebKitWebDriver exited at start: %s", w.output.String())
			case <-ctx.Done():
				return fmt.Errorf("WebKitWebDriver did not answer on port %d: %w; output: %s", port, ctx.Err(), w.output.String())
			case <-time.After(20 * time.Millisecond):
				continue
			}
			break
		}
	}
	return lastErr
}

// checkDisplay refuses a local X display whose socket does not exist: the
// driver would wait for MiniBrowser, which cannot open it, until the
// launch times out.
func checkDisplay(display string) error {
	if !strings.HasPrefix(display, ":") {
		return nil // empty (own Xvfb), or a remote or Wayland display
	}
	n, _, _ := strings.Cut(display[1:], ".")
	if _, err := strconv.Atoi(n); err != nil {
		return fmt.Errorf("browser: webkit: display %q is not an X display (want :N)", display)
	}
	if _, err := os.Stat("/tmp/.X11-unix/X" + n); err != nil {
		return fmt.Errorf("browser: webkit: X display %s has no server (no /tmp/.X11-unix/X%s); unset DISPLAY to let corsproof start its own Xvfb, or start one", display, n)
	}
	return nil
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func withoutProxyEnv(env []string) []string {
	out := env[:0:0]
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		switch strings.ToLower(k) {
		case "http_proxy", "https_proxy", "all_proxy", "no_proxy":
			continue
		}
		out = append(out, kv)
	}
	return out
}

// Name implements Engine.
func (w *WebKit) Name() corsproof.Engine { return corsproof.WebKit }

// Version implements Engine, e.g. "WebKitGTK/2.50.6".
func (w *WebKit) Version() string { return w.version }

// DriverPID is WebKitWebDriver's pid, also the process group of MiniBrowser
// and its WebKit processes.
func (w *WebKit) DriverPID() int {
	if w.driver == nil || w.driver.Process == nil {
		return 0
	}
	return w.driver.Process.Pid
}

// XvfbPID is the private Xvfb's pid, 0 when the engine uses a given display.
func (w *WebKit) XvfbPID() int {
	if w.xvfb == nil || w.xvfb.Process == nil {
		return 0
	}
	return w.xvfb.Process.Pid
}

// Display is the private Xvfb's display (":N"), "" when none was started.
func (w *WebKit) Display() string { return w.display }

// TempDir is the engine's temporary directory, removed by Close.
func (w *WebKit) TempDir() string { return w.tmpDir }

// windowFor switches the session to the window showing pageURL, opening and
// loading it on first use. One window per origin page: switching costs one
// command, where navigating back and forth would reload the page.
func (w *WebKit) windowFor(ctx context.Context, pageURL string) error {
	if h, ok := w.windows[pageURL]; ok {
		if h == w.current {
			return nil
		}
		if err := w.wd.call(ctx, http.MethodPost, w.wd.s("/window"), map[string]any{"handle": h}, nil); err != nil {
			return fmt.Errorf("browser: webkit: switching to the window of %s: %w", pageURL, err)
		}
		w.current = h
		return nil
	}
	h := w.spare
	if h == "" {
		var nw struct {
			Handle string `json:"handle"`
		}
		if err := w.wd.call(ctx, http.MethodPost, w.wd.s("/window/new"), map[string]any{"type": "tab"}, &nw); err != nil {
			return fmt.Errorf("browser: webkit: opening a window: %w", err)
		}
		h = nw.Handle
	}
	if h != w.current {
		if err := w.wd.call(ctx, http.MethodPost, w.wd.s("/window"), map[string]any{"handle": h}, nil); err != nil {
			return fmt.Errorf("browser: webkit: switching to a new window: %w", err)
		}
		w.current = h
	}
	w.spare = ""
	if err := w.wd.call(ctx, http.MethodPost, w.wd.s("/url"), map[string]any{"url": pageURL}, nil); err != nil {
		w.spare = h // reusable for the next page
		return fmt.Errorf("browser: webkit: loading origin page %s: %w", pageURL, err)
	}
	// A page that failed to load (the proxy refused the name, TLS, a
	// refused connection) leaves the window on about:blank or on WebKit's
	// error document: the window must show the page's own URL.
	var href string
	if err := w.wd.call(ctx, http.MethodGet, w.wd.s("/url"), nil, &href); err != nil {
		w.spare = h
		return fmt.Errorf("browser: webkit: checking origin page %s: %w", pageURL, err)
	}
	if !samePage(href, pageURL) {
		w.spare = h
		return fmt.Errorf("browser: webkit: loading origin page %s failed: the window shows %q (is its host in the topology, and its server up?)", pageURL, href)
	}
	w.windows[pageURL] = h
	return nil
}

// Fetch implements Engine: it runs f in the window of f.PageURL with one
// execute/async of the same fetch.js as the other engines. Classic WebDriver
// has no network events: Preflight, Actual and BlockedCookies are always
// unavailable; WebKitGTK's driver has no log endpoint either (and
// MiniBrowser does not write console messages to stdout in automation
// mode), so a blocked fetch's CorsError is unavailable too.
func (w *WebKit) Fetch(ctx context.Context, f Fetch) (Observation, error) {
	if f.URL == "" || f.PageURL == "" {
		return Observation{}, errors.New("browser: Fetch needs both PageURL and URL")
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed.Load() {
		return Observation{}, ErrWebKitClosed
	}
	if err := w.windowFor(ctx, f.PageURL); err != nil {
		if w.closed.Load() {
			return Observation{}, fmt.Errorf("browser: fetch %s: %w", f.URL, ErrWebKitClosed)
		}
		return Observation{}, err
	}
	expr, err := fetchExpression(f)
	if err != nil {
		return Observation{}, err
	}
	script := `const done = arguments[arguments.length - 1];
(` + expr + `).then(r => done(JSON.stringify(r)),
  e => done(JSON.stringify({allowed: false, stage: "init", error: String(e)})));`
	var finish func(*Observation)
	if w.observe != nil {
		finish = w.observe()
	}
	var out string
	err = w.wd.call(ctx, http.MethodPost, w.wd.s("/execute/async"), map[string]any{"script": script, "args": []any{}}, &out)
	if err != nil {
		// The window is not trusted again: a web process that crashed or
		// hung is replaced by the next fetch's new window.
		w.dropWindow(f.PageURL)
		switch {
		case w.closed.Load():
			return Observation{}, fmt.Errorf("browser: fetch %s: %w", f.URL, ErrWebKitClosed)
		case !w.Alive():
			return Observation{}, &CrashError{Engine: corsproof.WebKit, Part: w.deadPart(), URL: f.URL, Err: err}
		}
		return Observation{}, fmt.Errorf("browser: webkit: running fetch %s in %s: %w", f.URL, f.PageURL, err)
	}
	var res jsResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		return Observation{}, fmt.Errorf("browser: webkit: decoding the fetch result: %w", err)
	}
	obs := webkitObserve(res)
	if finish != nil {
		finish(&obs)
	}
	return obs, nil
}

// dropWindow forgets the window of pageURL (the next fetch from the page
// opens a new one) and closes it, best effort. Callers hold w.mu.
func (w *WebKit) dropWindow(pageURL string) {
	h, ok := w.windows[pageURL]
	if !ok {
		return
	}
	delete(w.windows, pageURL)
	if h == w.current {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		// DELETE /window closes the current window; another must then be
		// selected before the next command, which windowFor does.
		w.wd.call(ctx, http.MethodDelete, w.wd.s("/window"), nil, nil)
		w.current = ""
	}
}

// Alive implements Engine: the driver runs and its session (MiniBrowser
// under it) still answers.
func (w *WebKit) Alive() bool {
	if w.closed.Load() {
		return false
	}
	select {
	case <-w.driverExited:
		return false
	default:
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return w.wd.call(ctx, http.MethodGet, w.wd.s("/window/handles"), nil, nil) == nil
}

// deadPart names what of a dead WebKit died, for its CrashError.
func (w *WebKit) deadPart() string {
	select {
	case <-w.driverExited:
		return "driver"
	default:
		return "browser"
	}
}

// webkitObserve turns what script saw into an Observation. Classic
// WebDriver shows neither the network nor the console: a blocked fetch's
// reason, the preflight, the wire exchanges and refused cookies are
// unavailable, never guessed from the script's error text.
func webkitObserve(res jsResult) Observation {
	o := res.observation()
	if !o.Allowed && res.Stage == "fetch" {
		// "TypeError: Load failed" is all script sees, for a CORS block
		// and a network failure alike.
		o.Unavailable = append(o.Unavailable, "cors_error")
	}
	o.Unavailable = append(o.Unavailable, "preflight", "actual", "blocked_cookies")
	return o
}

// SetCookie implements Engine with the WebDriver cookie endpoint, which
// only sets cookies for the domain of the page on display: the engine loads
// url's origin in a window of its own first (the origin must serve some
// page; with the harness's topology every API origin does).
func (w *WebKit) SetCookie(ctx context.Context, rawURL string, ck Cookie) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed.Load() {
		return ErrWebKitClosed
	}
	u, err := url.Parse(rawURL)
	if err != nil || u.Hostname() == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return fmt.Errorf("browser: webkit: setting cookie %s: bad URL %q", ck.Name, rawURL)
	}
	page := u.Scheme + "://" + u.Host + "/"
	if err := w.windowFor(ctx, page); err != nil {
		return fmt.Errorf("browser: webkit: setting cookie %s for %s needs a page of that origin loaded, and loading %s failed: %w", ck.Name, rawURL, page, err)
	}
	path := ck.Path
	if path == "" {
		path = "/"
	}
	c := map[string]any{"name": ck.Name, "value": ck.Value, "path": path, "secure": ck.Secure, "httpOnly": ck.HTTPOnly}
	if ck.SameSite != "" {
		s := strings.ToLower(ck.SameSite)
		c["sameSite"] = strings.ToUpper(s[:1]) + s[1:]
	}
	if err := w.wd.call(ctx, http.MethodPost, w.wd.s("/cookie"), map[string]any{"cookie": c}, nil); err != nil {
		return fmt.Errorf("browser: webkit: setting cookie %s for %s: %w", ck.Name, rawURL, err)
	}
	return nil
}

// Close implements Engine: it deletes the session (MiniBrowser quits), stops
// the driver and Xvfb gracefully, kills whatever lingers by process group,
// and removes the temporary directory and Xvfb's lock and socket.
// Idempotent; a Fetch in flight then fails.
func (w *WebKit) Close() error {
	w.closeOnce.Do(func() { w.closeErr = w.close() })
	return w.closeErr
}

func (w *WebKit) close() error {
	w.closed.Store(true)
	if w.wd != nil && w.wd.session != "" {
		ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
		if err := w.wd.deleteSession(ctx); err != nil {
			w.logf("webkit: deleting the session: %v", err)
		}
		cancel()
	}
	w.stopHard()
	var errs []error
	if _, err := os.Stat(w.tmpDir); w.tmpDir != "" && err == nil {
		errs = append(errs, fmt.Errorf("browser: webkit temp dir %s could not be removed", w.tmpDir))
	}
	// A remote session (ConnectWebKit) started no process here: pid 0.
	if pid := w.DriverPID(); pid > 0 {
		if n := groupAlive(pid); n > 0 {
			errs = append(errs, fmt.Errorf("browser: %d webkit processes outlived Close", n))
		}
	}
	if pid := w.XvfbPID(); pid > 0 && groupAlive(pid) > 0 {
		errs = append(errs, fmt.Errorf("browser: webkit's Xvfb outlived Close"))
	}
	return errors.Join(errs...)
}

// stopHard stops the driver's process group and Xvfb: SIGTERM first (Xvfb
// then removes its lock file and socket), SIGKILL after a short wait. It is
// also the cleanup of a failed launch.
func (w *WebKit) stopHard() {
	w.closed.Store(true)
	stop := func(name string, cmd *exec.Cmd, exited chan struct{}) {
		if cmd == nil || cmd.Process == nil {
			return
		}
		pid := cmd.Process.Pid
		signalGroup(pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(3 * time.Second):
			w.logf("webkit: %s still running 3 s after SIGTERM; killing it", name)
		}
		killGroup(pid)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			w.logf("webkit: %s (%d) not reaped after SIGKILL", name, pid)
		}
		for deadline := time.Now().Add(2 * time.Second); groupAlive(pid) > 0 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			killGroup(pid)
		}
	}
	stop("WebKitWebDriver", w.driver, w.driverExited)
	stop("Xvfb", w.xvfb, w.xvfbExited)
	if w.wd != nil {
		if t, ok := w.wd.hc.Transport.(*http.Transport); ok {
			t.CloseIdleConnections()
		}
	}
	if w.display != "" {
		// Left only when Xvfb had to be killed.
		n := strings.TrimPrefix(w.display, ":")
		os.Remove("/tmp/.X" + n + "-lock")
		os.Remove("/tmp/.X11-unix/X" + n)
	}
	if w.tmpDir != "" {
		if err := removeAllRetry(w.tmpDir); err != nil {
			w.logf("webkit: removing %s: %v", w.tmpDir, err)
		}
	}
}

// samePage says whether the window's URL is the page asked for (up to the
// fragment).
func samePage(got, want string) bool {
	g, err1 := url.Parse(got)
	w, err2 := url.Parse(want)
	if err1 != nil || err2 != nil {
		return false
	}
	g.Fragment, w.Fragment = "", ""
	return g.String() == w.String()
}

// webkitTmpGlob matches the engine's temp dirs, for leak tests.
// webkitTmpDirPrefix names this process in its temp dirs, so a leak check
// sees its own dirs and not those of another run on the machine.
func webkitTmpDirPrefix() string { return webkitTmpPrefix + strconv.Itoa(os.Getpid()) + "-" }

func webkitTmpGlob() string { return filepath.Join(os.TempDir(), webkitTmpDirPrefix()+"*") }

// lineWriter calls fn for each line written to it.
type lineWriter func(string)

func (lw lineWriter) Write(p []byte) (int, error) {
	for _, l := range strings.Split(strings.TrimRight(string(p), "\n"), "\n") {
		if l != "" {
			lw(l)
		}
	}
	return len(p), nil
}

var _ io.Writer = lineWriter(nil)

// Turn implements Sequential.
func (w *WebKit) Turn(ctx context.Context) (func(), error) {
	select {
	case w.turn <- struct{}{}:
		return func() { <-w.turn }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

var _ Sequential = (*WebKit)(nil)
