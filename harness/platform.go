package harness

import (
	"runtime"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/spec"
)

// Platform is what e's browser runs on: as a remote browser says it
// ("X11; Linux x86_64", "linux", "mac"), or this machine's GOOS/GOARCH for
// a browser corsproof started.
func Platform(e browser.Engine) string {
	if p, ok := Unwrap(e).(interface{ Platform() string }); ok {
		if s := p.Platform(); s != "" {
			return s
		}
	}
	return runtime.GOOS + "/" + runtime.GOARCH
}

// Profile is the deviation profile of the session's browser, chosen from
// the name and platform it reports (corsproof.ProfileFor).
func (s *Session) Profile() spec.Profile {
	p, _ := corsproof.ProfileFor(s.Engine.Name(), s.Engine.Version(), Platform(s.Engine))
	return p
}

// ProfileNote is what a report says of the session's profile beside the
// browser's version ("" for a measured one).
func (s *Session) ProfileNote() string {
	_, note := corsproof.ProfileFor(s.Engine.Name(), s.Engine.Version(), Platform(s.Engine))
	return note
}
