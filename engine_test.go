package corsproof

import (
	"slices"
	"strings"
	"testing"
)

func TestParseEngines(t *testing.T) {
	got, err := ParseEngines(" firefox,chromium,firefox ", "--browsers")
	if err != nil || !slices.Equal(got, []Engine{Firefox, Chromium}) {
		t.Errorf("ParseEngines = %v, %v; want [firefox chromium] (order kept, duplicates dropped)", got, err)
	}
	for _, bad := range []struct{ in, want string }{
		{"netscape", `unknown browser "netscape" in --browsers`},
		{" , ", "--browsers names no browser"},
	} {
		if _, err := ParseEngines(bad.in, "--browsers"); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("ParseEngines(%q) = %v, want an error with %q", bad.in, err, bad.want)
		}
	}
}

func TestEngineProfiles(t *testing.T) {
	for _, e := range Engines {
		if p := e.Profile(); p.Name != string(e) {
			t.Errorf("%s.Profile() is the %q profile", e, p.Name)
		}
	}
	if p := Engine("netscape").Profile(); p.Name != "standard" {
		t.Errorf("an unknown engine gets the %q profile, want the standard", p.Name)
	}
}

func TestSlugsAndSafeNames(t *testing.T) {
	for in, want := range map[string]string{"/api/items/1": "api-items-1", "/": "root", "/API/Items?x=1": "api-items-x-1"} {
		if got := PathSlug(in); got != want {
			t.Errorf("PathSlug(%q) = %q, want %q", in, got, want)
		}
	}
	if got := SafeName("get /api/x?y=1"); got != "get__api_x_y_1" {
		t.Errorf("SafeName = %q", got)
	}
}
