package browser

import (
	"context"

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

// Engine runs fetches in one real browser. It is safe for sequential use;
// callers run one fetch at a time.
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
	// Close stops the browser and removes everything it left on disk.
	Close() error
}
