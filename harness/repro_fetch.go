package harness

import "github.com/corsproof/corsproof/browser"

// FetchFor is the browser.Fetch the Runner makes for a scenario's request
// from pageURL to target (Result.URL): the same init, header order and body.
func FetchFor(pageURL, target string, r Request) browser.Fetch { return toFetch(pageURL, target, r) }
