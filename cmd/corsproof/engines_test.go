package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/browser"
)

// An engine that fails to start for another reason than a missing binary
// is told how to install it with the package manager, which works outside
// a checkout, and make browsers only as what a checkout has.
func TestStartErrorGivesTheAptGetLineOutsideACheckout(t *testing.T) {
	for engine, pkgs := range map[corsproof.Engine]string{
		corsproof.Chromium: "apt-get install -y chromium",
		corsproof.Firefox:  "apt-get install -y firefox-esr libnss3-tools",
		corsproof.WebKit:   "apt-get install -y webkit2gtk-driver xvfb",
	} {
		msg := startError(engine, errors.New("the driver exited"))
		for _, want := range []string{string(engine) + " cannot start: the driver exited", pkgs, "in a corsproof checkout, `make browsers`"} {
			if !strings.Contains(msg, want) {
				t.Errorf("startError(%s) = %q, lacks %q", engine, msg, want)
			}
		}
		if strings.Contains(msg, ".ci/install-browser") {
			t.Errorf("startError(%s) = %q sends the user to a script only a checkout has", engine, msg)
		}
	}
	// A missing binary's own message already says how to install it.
	nf := startError(corsproof.Chromium, &browser.NotFoundError{Tried: []string{"chromium"}})
	if strings.Count(nf, "apt-get") != 1 {
		t.Errorf("startError of a NotFoundError = %q, want its own install line once", nf)
	}
}
