// Package testenv holds the rule every test that drives a real browser
// follows: a browser that is not installed skips the test, with the
// engine's install hint, except under CI=true, where a missing browser is a
// failure, never a silent skip.
package testenv

import (
	"errors"
	"os"

	"github.com/corsproof/corsproof/browser"
)

// InCI reports whether the tests run in CI (CI=true).
func InCI() bool { return os.Getenv("CI") == "true" }

// T is what the rule needs of a test: *testing.T, *testing.B and Ginkgo's
// GinkgoT() all have it.
type T interface {
	Helper()
	Skipf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// Started ends t when err, from starting a browser (or what starts one),
// is not nil: a skip when the browser is not installed outside CI, else a
// failure naming what could not start.
func Started(t T, what string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var nf *browser.NotFoundError
	if errors.As(err, &nf) && !InCI() {
		t.Skipf("no %s: %v", what, err)
	}
	t.Fatalf("start %s (in CI a missing browser fails the run): %v", what, err)
}

// Found ends t when find, an engine's binary discovery, finds none: a skip
// outside CI, a failure in it. It returns the path found.
func Found(t T, what string, find func() (string, error)) string {
	t.Helper()
	path, err := find()
	Started(t, what, err)
	return path
}
