package browser

import (
	"context"
	"errors"
	"sync"

	"github.com/corsproof/corsproof"
)

// The engine-neutral words of a fetch and its observation live in package
// corsproof, so that what only reads them (the judge, the reports) links no
// browser driver; the engines here speak them under these names.
type (
	Header        = corsproof.Header
	Fetch         = corsproof.Fetch
	Exchange      = corsproof.Exchange
	Observation   = corsproof.Observation
	Cookie        = corsproof.Cookie
	BlockedCookie = corsproof.BlockedCookie
)

// HeaderValue returns the first value of name in hs (case-insensitive).
func HeaderValue(hs []Header, name string) (string, bool) { return corsproof.HeaderValue(hs, name) }

// Engine runs fetches in one real browser. It is safe for concurrent use:
// many fetches may be in flight at once, each on its own URL (the runner
// makes every scenario's URL unique), and each Observation holds only its
// own fetch's events. An engine whose protocol runs one command at a time
// takes the calls in turn.
type Engine interface {
	// Name is the engine's short name: chromium, firefox, webkit.
	Name() corsproof.Engine
	// Version is the browser's product version, e.g. "Chromium/156.0.8078.79".
	Version() string
	// Fetch runs f from its origin page and reports what happened. An error
	// means the run could not be observed (infrastructure), never that the
	// browser blocked the request.
	Fetch(ctx context.Context, f Fetch) (Observation, error)
	// SetCookie stores a cookie in the browser's jar for url, as if the site
	// had set it.
	SetCookie(ctx context.Context, url string, c Cookie) error
	// Alive reports whether the browser (its process and the connection to
	// it) still runs. After a Fetch error a runner asks it to decide
	// between replacing the browser and going on with it.
	Alive() bool
	// Close stops the browser and removes everything it left on disk.
	Close() error
}

// Opener is an Engine that can load origin pages ahead of the fetches
// that need them, side by side: a run then pays for one page load, not one
// per page in turn. Open's error names the pages that failed; their
// fetches try again.
type Opener interface {
	Open(ctx context.Context, pageURLs []string) error
}

// Sequential is an Engine that runs one fetch at a time (WebKit: WebDriver
// classic runs commands in turn). A caller that bounds each fetch takes its
// Turn first and starts the fetch's deadline after it, so that the time a
// fetch waits for the others is not charged to it.
type Sequential interface {
	// Turn waits until no other turn is held, or ctx ends.
	Turn(ctx context.Context) (release func(), err error)
}

// openAll runs open for every page at once and joins the errors.
func openAll(ctx context.Context, pages []string, open func(context.Context, string) error) error {
	errs := make([]error, len(pages))
	var wg sync.WaitGroup
	for i, p := range pages {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = open(ctx, p)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// ErrCrashed is wrapped by every CrashError, for errors.Is.
var ErrCrashed = errors.New("crashed")

// CrashError says a fetch ended because part of the browser died or hung
// under it: a tab's renderer, Firefox's content process, the browser
// itself, WebKit's driver. The engine has already dropped the dead part; the
// next fetch gets a new tab (a dead browser is replaced by the caller, who
// sees Alive false).
type CrashError struct {
	Engine corsproof.Engine
	// Part is what died: "tab", "browser", "content process", "driver".
	Part string
	// URL is the fetch that was in flight.
	URL string
	Err error
}

func (e *CrashError) Error() string {
	msg := "browser: " + string(e.Engine) + ": the " + e.Part + " crashed during the fetch of " + e.URL
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap lets errors.Is find ErrCrashed and the cause.
func (e *CrashError) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrCrashed}
	}
	return []error{ErrCrashed, e.Err}
}
