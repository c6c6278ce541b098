package scenarios

import (
	"net/url"
	"strings"
	"testing"

	"github.com/corsproof/corsproof/policy"
)

// A policy endpoint written as a route template ("/api/items/{id}", as
// mockapi and OpenAPI write them) is fetched at a concrete path.
func TestGeneratedScenariosFetchATemplatedEndpointAtAConcretePath(t *testing.T) {
	p, err := policy.Parse("policy.yaml", []byte("origins: [https://app.example.test]\nmethods: [PUT]\nendpoints:\n  - {path: \"/api/items/{id}\", methods: [GET, PUT]}\n  - {path: \"/api/users/{user}/items/{item}\"}\n"))
	if err != nil {
		t.Fatal(err)
	}
	target, _ := url.Parse("https://api.example.com")
	sites, _ := LiveSites(p, target)
	got := map[string]bool{}
	for _, s := range GenerateScenarios(p, GenerateOptions{Sites: sites, Policy: "policy"}) {
		if strings.ContainsAny(s.Request.Path, "{}") {
			t.Errorf("%s fetches %s", s.ID, s.Request.Path)
		}
		got[s.Request.Path] = true
	}
	for _, want := range []string{"/api/items/1", "/api/users/1/items/1"} {
		if !got[want] {
			t.Errorf("no scenario fetches %s (paths: %v)", want, got)
		}
	}
}
