package scenarios

import (
	"strings"
	"testing"
)

// The catalog is data: these checks need no browser.
func TestCatalogIsLargeUniqueAndLabelled(t *testing.T) {
	all := Catalog()
	if len(all) < 300 {
		t.Errorf("the catalog has %d scenarios, the issue asks for at least 300", len(all))
	}
	pols := Policies()
	sites := map[string]bool{}
	for _, n := range siteNames() {
		sites[n] = true
	}
	for _, s := range all {
		if _, ok := pols[s.Policy]; !ok {
			t.Errorf("%s: unknown policy %q", s.ID, s.Policy)
		}
		if !sites[s.Site] || (s.PrimeSite != "" && !sites[s.PrimeSite]) {
			t.Errorf("%s: unknown site %q/%q", s.ID, s.Site, s.PrimeSite)
		}
		if s.Title == "" {
			t.Errorf("%s: no title", s.ID)
		}
		for _, l := range s.Labels {
			if strings.ContainsAny(l, "&|!,()/") {
				t.Errorf("%s: label %q has a character Ginkgo's label filter reserves", s.ID, l)
			}
		}
	}
}

func TestCatalogSpansEveryDimension(t *testing.T) {
	have := map[string]int{}
	for _, s := range Catalog() {
		for _, l := range s.Labels {
			have[l]++
		}
	}
	for _, want := range []string{
		"origin:allowed", "origin:same-site", "origin:cross-site", "origin:downgrade", "origin:other-port", "origin:null",
		"origin:prefix", "origin:suffix", "origin:pre-domain", "origin:substring", "origin:unescaped-dot",
		"origin:arbitrary-subdomain", "origin:localhost-prefix", "origin:post-domain",
		"method:GET", "method:HEAD", "method:POST", "method:PUT", "method:DELETE", "method:PATCH", "method:patch", "method:PURGE",
		"credentials:omit", "credentials:same-origin", "credentials:include",
		"feature:preflight", "feature:redirect", "feature:cache", "feature:side-effect", "feature:expose", "feature:status", "feature:cookie-dropped",
		"policy:max-age-0", "policy:max-age-absent", "policy:max-age-600",
	} {
		if have[want] == 0 {
			t.Errorf("no scenario carries %s", want)
		}
	}
}

func TestCatalogIDsAreStable(t *testing.T) {
	a, b := Catalog(), Catalog()
	if len(a) != len(b) {
		t.Fatal("two calls differ in length")
	}
	for i := range a {
		if a[i].ID != b[i].ID || strings.Join(a[i].Labels, ",") != strings.Join(b[i].Labels, ",") {
			t.Fatalf("scenario %d differs between calls: %s vs %s", i, a[i].ID, b[i].ID)
		}
	}
}
