package spec

import (
	"slices"
	"testing"
	"time"
)

func TestWebKitMaxAge(t *testing.T) {
	for _, c := range []struct {
		value string // "" = absent
		want  time.Duration
		dev   string
	}{
		{"", DefaultMaxAge, ""},
		{"600", 600 * time.Second, ""},
		// WebCore's 600 s cap is not measured (not observable in
		// seconds), so the profile has none.
		{"601", 601 * time.Second, ""},
		{"7200", 2 * time.Hour, ""},
		{"-1", 0, DevNegativeMaxAge},
		{"1.5", DefaultMaxAge, ""}, // a parse failure, as in the standard
		{"10, 20", DefaultMaxAge, ""},
	} {
		var h Headers
		if c.value != "" {
			h = Headers{{HeaderMaxAge, c.value}}
		}
		got := ParseMaxAge(h, WebKit)
		if got.Duration != c.want {
			t.Errorf("max-age %q: %v, want %v (%s)", c.value, got.Duration, c.want, got.Why)
		}
		if c.dev != "" && !slices.Contains(got.Deviations, c.dev) {
			t.Errorf("max-age %q: deviations %v, want %s", c.value, got.Deviations, c.dev)
		}
		if c.dev == "" && len(got.Deviations) != 0 {
			t.Errorf("max-age %q: deviations %v, want none", c.value, got.Deviations)
		}
		if c.dev != "" {
			if _, ok := WebKit.Deviation(c.dev); !ok {
				t.Errorf("WebKit reports %s but does not document it", c.dev)
			}
		}
	}
}

func TestWebKitProfileDocumented(t *testing.T) {
	if WebKit.DropsUserAgent || len(WebKit.ExtraSafelistedHeaders) != 0 || len(WebKit.CacheBypassModes) != 0 {
		t.Error("WebKit's profile claims Chromium-only behaviour that nobody measured for WebKit")
	}
	if !WebKit.AuthorizationCoveredByWildcard {
		t.Error("Authorization is covered by * in WebKitGTK 2.50.6 (measured)")
	}
	seen := map[string]bool{}
	for _, d := range WebKit.Deviations {
		if d.SeenIn == "" || d.Rule == "" || d.Summary == "" {
			t.Errorf("deviation %s is not fully documented", d.ID)
		}
		if seen[d.ID] {
			t.Errorf("deviation %s twice", d.ID)
		}
		seen[d.ID] = true
	}
	for id, on := range map[string]bool{
		DevAuthorizationWildcard: WebKit.AuthorizationCoveredByWildcard,
		DevMaxAgeCap:             WebKit.MaxAgeCap > 0,
		DevNegativeMaxAge:        WebKit.NegativeMaxAgeMeansNoCache,
		DevCacheWholeEntry:       WebKit.CacheReplacesWholeEntry,
		DevInvalidMaxAge:         WebKit.InvalidMaxAgeMeansNoCache,
		DevCacheKeyInitiator:     WebKit.CacheKeyUsesInitiatorOrigin,
		DevMixedContentLoopback:  WebKit.LoopbackIsMixedContent,
	} {
		if on != seen[id] {
			t.Errorf("deviation %s: flag %v but documented %v", id, on, seen[id])
		}
	}
}
