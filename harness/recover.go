package harness

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/browser"
)

// hangGrace is how long past its deadline a fetch may take before the
// browser under it counts as hung: an engine that honours its context
// returns within milliseconds of the deadline.
const hangGrace = 3 * time.Second

// maxRestarts bounds the browsers one run may start after the first, so
// that a browser that dies at every start ends the run instead of looping.
const maxRestarts = 8

// recovering is the engine Launch returns: it runs each call on the current
// browser under a watchdog and replaces a browser that died (the process
// exited, its connection dropped) or hung (a call still running
// hangGrace past its deadline). The call in flight fails with a
// *browser.CrashError; the next call starts a new browser, with the cookies
// set so far put back into its jar. A crashed tab needs none of this: the
// engine itself replaces it.
type recovering struct {
	cfg  EngineConfig
	name corsproof.Engine

	mu       sync.Mutex
	cur      browser.Engine // nil after a failure, until the next call
	version  string
	restarts int
	cookies  []savedCookie
	closed   bool
	lastErr  error // why the browser was dropped, for a failed restart

	retired sync.WaitGroup // browsers being closed in the background

	closeOnce sync.Once
	closeErr  error
}

type savedCookie struct {
	url string
	c   browser.Cookie
}

var _ browser.Engine = (*recovering)(nil)

func newRecovering(ctx context.Context, cfg EngineConfig) (*recovering, error) {
	e, err := launchEngine(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return &recovering{cfg: cfg, name: e.Name(), cur: e, version: e.Version()}, nil
}

// engine returns the current browser, starting a new one when the last
// one was dropped.
func (r *recovering) engine(ctx context.Context) (browser.Engine, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, fmt.Errorf("browser: %s engine is closed", r.name)
	}
	if r.cur != nil {
		return r.cur, nil
	}
	if r.restarts >= maxRestarts {
		return nil, fmt.Errorf("browser: %s was restarted %d times in this run and is not started again (last: %v)", r.name, r.restarts, r.lastErr)
	}
	r.restarts++
	e, err := launchEngine(ctx, r.cfg)
	if err != nil {
		return nil, fmt.Errorf("restarting %s after %v: %w", r.name, r.lastErr, err)
	}
	for _, sc := range r.cookies {
		if err := e.SetCookie(ctx, sc.url, sc.c); err != nil {
			r.retire(e)
			return nil, fmt.Errorf("restarting %s: putting cookie %s back: %w", r.name, sc.c.Name, err)
		}
	}
	if r.cfg.Logf != nil {
		r.cfg.Logf("%s: restarted (%d of at most %d) after: %v", r.name, r.restarts, maxRestarts, r.lastErr)
	}
	r.cur, r.version = e, e.Version()
	return e, nil
}

// drop retires e, unless another call already replaced it.
func (r *recovering) drop(e browser.Engine, why error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cur != e {
		return
	}
	r.cur, r.lastErr = nil, why
	r.retire(e)
}

// retire closes e in the background: a hung browser may take its close
// timeout to die, and the run goes on meanwhile. Close waits for it.
func (r *recovering) retire(e browser.Engine) {
	r.retired.Add(1)
	go func() {
		defer r.retired.Done()
		if err := e.Close(); err != nil && r.cfg.Logf != nil {
			r.cfg.Logf("%s: closing the dead browser: %v", r.name, err)
		}
	}()
}

// call runs op on the current browser under the watchdog.
func (r *recovering) call(ctx context.Context, url string, op func(browser.Engine) error) error {
	e, err := r.engine(ctx)
	if err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- op(e) }()
	var watchdog <-chan time.Time
	if dl, ok := ctx.Deadline(); ok {
		t := time.NewTimer(time.Until(dl) + hangGrace)
		defer t.Stop()
		watchdog = t.C
	}
	select {
	case err := <-done:
		if err == nil || e.Alive() {
			return err
		}
		r.drop(e, err)
		var ce *browser.CrashError
		if errors.As(err, &ce) {
			return err
		}
		return &browser.CrashError{Engine: r.name, Part: "browser", URL: url, Err: err}
	case <-watchdog:
		hung := fmt.Errorf("no answer %v past the fetch's deadline; the browser was replaced", hangGrace)
		r.drop(e, hung)
		return &browser.CrashError{Engine: r.name, Part: "browser", URL: url, Err: hung}
	}
}

// Turn implements browser.Sequential for the current browser, when it is.
func (r *recovering) Turn(ctx context.Context) (func(), error) {
	e, err := r.engine(ctx)
	if err != nil {
		return func() {}, nil // the fetch reports it
	}
	return turn(ctx, e)
}

func (r *recovering) Fetch(ctx context.Context, f browser.Fetch) (browser.Observation, error) {
	var obs browser.Observation
	err := r.call(ctx, f.URL, func(e browser.Engine) error {
		o, err := e.Fetch(ctx, f)
		obs = o
		return err
	})
	if err != nil {
		return browser.Observation{}, err
	}
	return obs, nil
}

func (r *recovering) SetCookie(ctx context.Context, url string, c browser.Cookie) error {
	err := r.call(ctx, url, func(e browser.Engine) error { return e.SetCookie(ctx, url, c) })
	if err == nil {
		r.mu.Lock()
		r.cookies = append(r.cookies, savedCookie{url, c})
		r.mu.Unlock()
	}
	return err
}

// Open implements browser.Opener when the browser does.
func (r *recovering) Open(ctx context.Context, pages []string) error {
	e, err := r.engine(ctx)
	if err != nil {
		return err
	}
	if op, ok := e.(browser.Opener); ok {
		return op.Open(ctx, pages)
	}
	return nil
}

func (r *recovering) Name() corsproof.Engine { return r.name }

func (r *recovering) Version() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.version
}

// Alive is true until Close, or until the run has used up its restarts: a
// dead browser is this engine's own business.
func (r *recovering) Alive() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return !r.closed && (r.cur != nil || r.restarts < maxRestarts)
}

// Restarts is how many browsers were started after the first.
func (r *recovering) Restarts() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.restarts
}

// Close closes the browser and waits for the retired ones. A second call
// (a signal's cleanup racing the command's own) waits for the first to
// finish, so that no caller returns while a browser is still going down.
func (r *recovering) Close() error {
	r.closeOnce.Do(func() { r.closeErr = r.close() })
	return r.closeErr
}

func (r *recovering) close() error {
	r.mu.Lock()
	cur := r.cur
	r.cur, r.closed = nil, true
	r.mu.Unlock()
	var err error
	if cur != nil {
		err = cur.Close()
	}
	r.retired.Wait()
	return err
}

// Unwrap is the current browser (nil between a crash and the next call).
func (r *recovering) Unwrap() browser.Engine {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cur
}

// Restarts is how many times the engine Launch returned had to start a new
// browser after a crash or hang (0 for an engine Launch did not make).
func Restarts(e browser.Engine) int {
	for e != nil {
		if r, ok := e.(*recovering); ok {
			return r.Restarts()
		}
		u, ok := e.(interface{ Unwrap() browser.Engine })
		if !ok {
			return 0
		}
		e = u.Unwrap()
	}
	return 0
}
