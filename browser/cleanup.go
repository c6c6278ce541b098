package browser

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/chromedp/chromedp"
)

// closeTimeout bounds the graceful Browser.close; after it the process is
// killed. A healthy browser exits in well under a second.
const closeTimeout = 10 * time.Second

// Close implements Engine: it asks the browser to quit (CDP Browser.close),
// waits for the process to exit, kills any child process still using the
// profile, and removes the profile dir and the singleton-socket dir Chromium
// leaves in the temp dir. It is idempotent and safe to call while a Fetch is
// in flight (that Fetch then fails).
func (c *Chromium) Close() error {
	c.closeOnce.Do(func() { c.closeErr = c.close() })
	return c.closeErr
}

func (c *Chromium) close() error {
	if c.remote != nil {
		return c.closeRemote() // not ours: the browser runs on
	}
	c.closed.Store(true)
	// Read the link before Chromium exits: a clean exit removes the link,
	// but not always the directory it points into.
	singleton := singletonDir(c.profileDir)

	var errs []error
	ctx, cancel := context.WithTimeout(c.browserCtx, closeTimeout)
	// chromedp.Cancel sends Browser.close on the context that owns the
	// process and waits until the process has been reaped.
	if err := chromedp.Cancel(ctx); err != nil && !errors.Is(err, context.Canceled) {
		c.logf("chromium: graceful close: %v (killing it)", err)
	}
	cancel()
	c.stopHard(false)
	if singleton != "" {
		if _, err := os.Stat(singleton); err == nil {
			c.logf("chromium: removing the singleton dir %s the browser left", singleton)
		}
		if err := os.RemoveAll(singleton); err != nil {
			errs = append(errs, err)
		}
	}
	if err := c.leftoverError(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// stopHard ends every context (which kills the process if it still runs)
// and removes what the process left. It is also the cleanup of a failed
// launch.
func (c *Chromium) stopHard(removeSingleton bool) {
	c.closed.Store(true)
	singleton := singletonDir(c.profileDir)
	c.tabsMu.Lock()
	for _, t := range c.tabs {
		t.close()
	}
	c.tabs = map[string]*tab{}
	c.tabsMu.Unlock()
	c.browserStop() // waits for the process to be reaped
	c.allocCancel()
	// Children (zygote, network service) can outlive a killed main process
	// and keep writing into the profile.
	killUsing(c.profileDir)
	if err := removeAllRetry(c.profileDir); err != nil {
		c.logf("chromium: removing profile %s: %v", c.profileDir, err)
	}
	if removeSingleton && singleton != "" {
		os.RemoveAll(singleton)
	}
}

// leftoverError reports a profile dir that survived, so that Close fails
// loudly instead of leaking quietly.
func (c *Chromium) leftoverError() error {
	if _, err := os.Stat(c.profileDir); err == nil {
		return fmt.Errorf("browser: profile dir %s still exists after close", c.profileDir)
	}
	return nil
}

// singletonDir returns the /tmp/org.chromium.Chromium.XXXXXX dir that the
// profile's SingletonSocket link points into, or "" if there is none. The
// check on the name keeps a surprising link from making us delete anything
// else.
func singletonDir(profile string) string {
	target, err := os.Readlink(filepath.Join(profile, "SingletonSocket"))
	if err != nil {
		return ""
	}
	dir := filepath.Dir(target)
	if !strings.HasPrefix(filepath.Base(dir), "org.chromium.Chromium.") && !strings.HasPrefix(filepath.Base(dir), "com.google.Chrome.") {
		return ""
	}
	return dir
}

// killUsing kills the processes started with --user-data-dir=dir and looks
// again until it finds none for a few passes, since a child can fork while
// its parent dies. The profile dir is unique to this engine, so this never
// touches another browser. Without /proc it does nothing.
func killUsing(dir string) {
	want := []byte("--user-data-dir=" + dir)
	deadline := time.Now().Add(2 * time.Second)
	for quiet := 0; quiet < 3 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if killMatching(want) == 0 {
			quiet++
		} else {
			quiet = 0
		}
	}
}

func killMatching(arg []byte) int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	n := 0
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		cmdline, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil {
			continue
		}
		for a := range bytes.SplitSeq(cmdline, []byte{0}) {
			if bytes.Equal(a, arg) {
				if p, err := os.FindProcess(pid); err == nil && p.Kill() == nil {
					n++
				}
				break
			}
		}
	}
	return n
}

// removeAllRetry retries os.RemoveAll for a short while: a dying child can
// still create files, and then RemoveAll fails with "directory not empty".
func removeAllRetry(dir string) error {
	var err error
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if err = os.RemoveAll(dir); err == nil || time.Now().After(deadline) {
			return err
		}
	}
}

// CloseOnSignal closes e when the process receives SIGINT or SIGTERM (or
// the given signals), and returns a func that stops watching. Use it in a
// CLI next to `defer e.Close()`: the deferred Close covers a normal return,
// CloseOnSignal covers a Ctrl-C while a fetch is in flight. After the
// signal, the engine's calls fail with ErrClosed or an infrastructure error,
// so the run ends through its ordinary error path (not with verdicts).
// After the first signal the handler is removed, so a second Ctrl-C kills
// the process the default way (the browser still dies with it: see doc.go).
func CloseOnSignal(e Engine, sigs ...os.Signal) (stop func()) {
	if len(sigs) == 0 {
		sigs = []os.Signal{os.Interrupt, syscall.SIGTERM}
	}
	ch := make(chan os.Signal, 1)
	done := make(chan struct{})
	signal.Notify(ch, sigs...)
	go func() {
		select {
		case <-ch:
			signal.Stop(ch)
			e.Close()
		case <-done:
		}
	}()
	return func() {
		signal.Stop(ch)
		select {
		case <-done:
		default:
			close(done)
		}
	}
}
