package corsproof

import (
	"strings"
	"testing"

	"github.com/corsproof/corsproof/spec"
)

func TestProfileForChoosesByReportedProduct(t *testing.T) {
	for _, c := range []struct {
		engine            Engine
		version, platform string
		want              string
		unmeasured        bool
	}{
		{Chromium, "Chromium/156.0.8078.114", "linux/amd64", "chromium", false},
		{Chromium, "HeadlessChrome/156.0.8078.114", "X11; Linux x86_64", "chromium", false},
		{Chromium, "Chrome/150.0.0.0", "Windows NT 10.0; Win64; x64", "chromium", false},
		{Firefox, "Firefox/153.8.0esr", "linux", "firefox", false},
		{Firefox, "Firefox/150.0", "windows", "firefox", false},
		{WebKit, "WebKitGTK/2.50.6", "linux", "webkit", false},
		{WebKit, "Safari/18.4", "mac", "safari", true},
		{WebKit, "safari/26.0", "macOS", "safari", true},
		{WebKit, "", "", "webkit", false},
		{Engine("other"), "Other/1", "", "standard", false},
	} {
		p, note := ProfileFor(c.engine, c.version, c.platform)
		if p.Name != c.want {
			t.Errorf("ProfileFor(%s, %q, %q) = %s profile, want %s", c.engine, c.version, c.platform, p.Name, c.want)
		}
		if p.Unmeasured != c.unmeasured || (note != "") != c.unmeasured {
			t.Errorf("ProfileFor(%s, %q): unmeasured %v, note %q; want unmeasured %v", c.engine, c.version, p.Unmeasured, note, c.unmeasured)
		}
		if c.unmeasured && !strings.HasPrefix(note, "Safari profile: unmeasured") {
			t.Errorf("ProfileFor(%s, %q): note %q, want it to begin Safari profile: unmeasured", c.engine, c.version, note)
		}
	}
}

// A Safari's profile is not WebKitGTK's: nothing measured in WebKitGTK is
// assumed of Safari, so Safari has no deviation at all until measured.
func TestSafariProfileHasNoDeviations(t *testing.T) {
	p, _ := ProfileFor(WebKit, "Safari/18.4", "mac")
	if len(p.Deviations) != 0 || p.AuthorizationCoveredByWildcard || p.CacheReplacesWholeEntry || p.LoopbackIsMixedContent {
		t.Errorf("the Safari profile claims deviations before any was measured: %+v", p)
	}
	if len(spec.WebKit.Deviations) == 0 {
		t.Fatal("the WebKit profile has no deviations: the test above no longer tells Safari from WebKit")
	}
}
