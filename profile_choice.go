package corsproof

import (
	"strings"

	"github.com/corsproof/corsproof/spec"
)

// ProfileFor is the deviation profile for an engine whose browser says it
// is version ("Chromium/156.0.8078.114", "Firefox/153.8.0esr",
// "WebKitGTK/2.50.6", "Safari/18.4": the product before the slash) and
// runs on platform (as the browser reports it; "" when not known). A
// WebKit engine whose product is Safari gets spec.Safari, which is
// unmeasured; every other product gets its engine's profile (Chrome, Edge
// and Chromium are Blink; Firefox is Gecko on any platform), whatever the
// platform: no deviation is measured to depend on it.
//
// The note is what a report says beside the engine's version: for an
// unmeasured profile, "Safari profile: unmeasured"; "" otherwise.
func ProfileFor(e Engine, version, platform string) (p spec.Profile, note string) {
	_ = platform // no profile depends on the platform yet
	p = e.Profile()
	if e == WebKit && strings.EqualFold(Product(version), "safari") {
		p = spec.Safari
	}
	if p.Unmeasured {
		name := p.Name
		if name != "" {
			name = strings.ToUpper(name[:1]) + name[1:]
		}
		note = name + " profile: unmeasured (no deviation measured yet; the model holds it to the Fetch standard)"
	}
	return p, note
}

// Product is the product part of a browser version ("Safari" of
// "Safari/18.4"; "" of "").
func Product(version string) string {
	prod, _, _ := strings.Cut(strings.TrimSpace(version), "/")
	return strings.TrimSpace(prod)
}
