package spec

import (
	"slices"
	"testing"
	"time"
)

func TestFirefoxMaxAge(t *testing.T) {
	for _, c := range []struct {
		value string // "" = absent
		want  time.Duration
		dev   string
	}{
		{"", DefaultMaxAge, ""},
		{"600", 600 * time.Second, ""},
		{"7201", 7201 * time.Second, ""}, // above Chromium's cap
		// Gecko's 24 h cap is not measured (not observable in seconds),
		// so the profile has none.
		{"86401", 86401 * time.Second, ""},
		{"-1", 0, DevNegativeMaxAge},
		{"1.5", 0, DevInvalidMaxAge},
		{"10, 20", 0, DevInvalidMaxAge},
	} {
		var h Headers
		if c.value != "" {
			h = Headers{{HeaderMaxAge, c.value}}
		}
		got := ParseMaxAge(h, Firefox)
		if got.Duration != c.want {
			t.Errorf("max-age %q: %v, want %v (%s)", c.value, got.Duration, c.want, got.Why)
		}
		if c.dev != "" && !slices.Contains(got.Deviations, c.dev) {
			t.Errorf("max-age %q: deviations %v, want %s", c.value, got.Deviations, c.dev)
		}
		if c.dev != "" {
			if _, ok := Firefox.Deviation(c.dev); !ok {
				t.Errorf("Firefox reports %s but does not document it", c.dev)
			}
		}
	}
}

func TestFirefoxProfileDiffersFromChromium(t *testing.T) {
	if Firefox.DropsUserAgent || len(Firefox.ExtraSafelistedHeaders) != 0 {
		t.Error("Firefox sends User-Agent as a normal header and safelists no client hint")
	}
	if !Firefox.AuthorizationCoveredByWildcard {
		t.Error("Authorization is covered by * in Firefox 153 (measured)")
	}
	for _, d := range Firefox.Deviations {
		if d.SeenIn == "" || d.Rule == "" || d.Summary == "" {
			t.Errorf("deviation %s is not fully documented", d.ID)
		}
	}
}
