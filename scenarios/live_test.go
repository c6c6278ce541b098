package scenarios

import (
	"net/url"
	"strings"
	"testing"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/policy"
	"github.com/corsproof/corsproof/spec"
)

func mustParsePolicy(t *testing.T, yaml string) *policy.Policy {
	t.Helper()
	p, err := policy.Parse("policy.yaml", []byte(yaml))
	if err != nil {
		t.Fatalf("policy: %v", err)
	}
	return p
}

func siteByOrigin(sites []corsproof.Site) map[string]corsproof.Site {
	m := map[string]corsproof.Site{}
	for _, s := range sites {
		m[s.Origin] = s
	}
	return m
}

func TestLiveSitesServeEachAllowedOriginAndTheAttackersItSuggests(t *testing.T) {
	p := mustParsePolicy(t, `
origins: [https://app.example.com, "https://*.admin.example.com"]
endpoints: [{path: /api/items}]
routes: [{prefix: /public/, origins: ["*"], credentials: false}]
`)
	sites, notes := LiveSites(p, &url.URL{Scheme: "http", Host: "127.0.0.1:8080"})
	if len(notes) != 0 {
		t.Errorf("notes = %v, want none", notes)
	}
	got := siteByOrigin(sites)
	want := map[string]struct {
		name  string
		class corsproof.SiteClass
	}{
		"https://app.example.com":             {"app", corsproof.ClassAllowed},
		"https://corsproof.admin.example.com": {"admin-sub", corsproof.ClassAllowed},
		LiveAnyOrigin:                         {"any-origin", corsproof.ClassAllowed},
		LiveEvilOrigin:                        {"evil", corsproof.ClassCrossSite},
		"null":                                {"null", corsproof.ClassNull},
		"http://app.example.com":              {"downgrade", corsproof.ClassDowngrade},
		"https://app.example.com:8443":        {"other-port", corsproof.ClassOtherPort},
		"https://admin.example.com":           {"admin-apex", "pattern-apex"},
		"https://eviladmin.example.com":       {"admin-suffix", "suffix"},
		"https://app.example.com.evil.test":   {"prefix", "prefix"},
		"https://evil.app.example.com":        {"subdomain", "arbitrary-subdomain"},
	}
	for origin, w := range want {
		s, ok := got[origin]
		if !ok {
			t.Errorf("no site for %s", origin)
			continue
		}
		if s.Name != w.name || s.Class != w.class {
			t.Errorf("site for %s = %s (%s), want %s (%s)", origin, s.Name, s.Class, w.name, w.class)
		}
	}
	if !got["null"].Sandboxed || got["null"].Host != LiveSandboxHost {
		t.Errorf("the null site is %+v, want a sandboxed page on %s", got["null"], LiveSandboxHost)
	}
	names := map[string]bool{}
	for _, s := range sites {
		if names[s.Name] {
			t.Errorf("two sites named %s", s.Name)
		}
		names[s.Name] = true
	}
}

func TestLiveSitesNeverStandInForTheTarget(t *testing.T) {
	p := mustParsePolicy(t, `origins: [https://app.example.com, https://api.example.com]`)
	sites, notes := LiveSites(p, &url.URL{Scheme: "https", Host: "api.example.com"})
	for _, s := range sites {
		if s.Origin == "https://api.example.com" {
			t.Fatalf("a page is served under the target's own origin: %+v", s)
		}
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "https://api.example.com") {
		t.Errorf("notes = %q, want one naming the target's origin", notes)
	}
}

func TestLiveSitesNameOriginsApartWhenThePolicyAllowsSeveral(t *testing.T) {
	p := mustParsePolicy(t, `origins: [https://app.example.com, https://admin.example.com]`)
	sites, _ := LiveSites(p, nil)
	got := siteByOrigin(sites)
	if s := got["http://app.example.com"]; s.Name != "app-downgrade" {
		t.Errorf("app's downgrade is named %q, want app-downgrade", s.Name)
	}
	if s := got["http://admin.example.com"]; s.Name != "admin-downgrade" {
		t.Errorf("admin's downgrade is named %q, want admin-downgrade", s.Name)
	}
}

func TestGenerateScenariosIDsAreStableAndReadable(t *testing.T) {
	p := mustParsePolicy(t, `
origins: [https://app.example.com]
methods: [PUT]
request_headers: [X-Request-Id]
credentials: true
endpoints: [{path: /api/items, methods: [GET, PUT]}]
`)
	sites, _ := LiveSites(p, nil)
	opts := GenerateOptions{Sites: sites}
	first := GenerateScenarios(p, opts)
	again := GenerateScenarios(p, opts)
	if len(first) != len(again) {
		t.Fatalf("two generations differ in length: %d, %d", len(first), len(again))
	}
	byID := map[string]corsproof.Scenario{}
	for i, s := range first {
		if s.ID != again[i].ID {
			t.Errorf("scenario %d: id %s, then %s", i, s.ID, again[i].ID)
		}
		if _, dup := byID[s.ID]; dup {
			t.Errorf("duplicate id %s", s.ID)
		}
		byID[s.ID] = s
	}
	for id, want := range map[string]string{
		"get-api-items-evil":                    "GET /api/items",
		"get-api-items-evil-cred":               "GET /api/items cred=include",
		"put-api-items-app-h-x-request-id":      "PUT /api/items +X-Request-Id",
		"put-api-items-app-h-x-corsproof-probe": "PUT /api/items +X-Corsproof-Probe",
		"get-api-items-app-h-authorization":     "GET /api/items +Authorization",
		"get-api-items-null-cred":               "GET /api/items cred=include",
	} {
		s, ok := byID[id]
		if !ok {
			t.Errorf("no scenario %s", id)
			continue
		}
		if got := s.Request.String(); got != want {
			t.Errorf("%s: request %q, want %q", id, got, want)
		}
	}
	if s := byID["get-api-items-evil"]; s.Title != "GET /api/items from evil (cross-site)" {
		t.Errorf("title = %q", s.Title)
	}
}

func TestGenerateScenariosMethods(t *testing.T) {
	p := mustParsePolicy(t, `
origins: [https://app.example.com]
methods: [DELETE]
endpoints:
  - {path: /api/items/1, methods: [GET, DELETE]}
  - {path: /health}
`)
	sites := []corsproof.Site{{Name: "app", Class: corsproof.ClassAllowed, Origin: "https://app.example.com"}}
	methodsOf := func(list []corsproof.Scenario) map[string]bool {
		m := map[string]bool{}
		for _, s := range list {
			m[s.Request.Method+" "+s.Request.Path] = true
		}
		return m
	}
	tests := []struct {
		desc    string
		filter  []string
		want    []string
		notWant []string
	}{
		{desc: "default: listed methods, safe ones where none are listed",
			want:    []string{"GET /api/items/1", "DELETE /api/items/1", "GET /health", "HEAD /health"},
			notWant: []string{"HEAD /api/items/1", "OPTIONS /health"}},
		{desc: "--methods GET,HEAD keeps only those",
			filter:  []string{"GET", "HEAD"},
			want:    []string{"GET /api/items/1", "GET /health", "HEAD /health"},
			notWant: []string{"DELETE /api/items/1"}},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			got := methodsOf(GenerateScenarios(p, GenerateOptions{Sites: sites, Methods: tt.filter}))
			for _, w := range tt.want {
				if !got[w] {
					t.Errorf("no scenario for %s (have %v)", w, got)
				}
			}
			for _, w := range tt.notWant {
				if got[w] {
					t.Errorf("a scenario for %s", w)
				}
			}
		})
	}
}

func TestGenerateScenariosAddsUserHeadersAndSessionWithoutDuplicates(t *testing.T) {
	p := mustParsePolicy(t, `
origins: [https://app.example.com]
request_headers: [Authorization]
credentials: true
endpoints: [{path: /me, methods: [GET]}]
`)
	sites := []corsproof.Site{{Name: "app", Class: corsproof.ClassAllowed, Origin: "https://app.example.com"}}
	auth := spec.Header{Name: "Authorization", Value: "Bearer user-token"}
	list := GenerateScenarios(p, GenerateOptions{Sites: sites, Headers: spec.Headers{auth}, Session: true})
	seen := map[string]bool{}
	for _, s := range list {
		v, ok := s.Request.Headers.Get("Authorization")
		if !ok {
			t.Errorf("%s lacks the user's Authorization header", s.ID)
		}
		if s.ID == "get-me-app" && v != "Bearer user-token" {
			t.Errorf("%s: Authorization %q, want the user's", s.ID, v)
		}
		if s.Session != (s.Request.Credentials == spec.CredentialsInclude) {
			t.Errorf("%s: session %v with credentials %q", s.ID, s.Session, s.Request.Credentials)
		}
		key := s.Request.String()
		for _, h := range s.Request.Headers {
			key += "|" + h.Name + "=" + h.Value
		}
		if seen[key] {
			t.Errorf("two scenarios send %s", key)
		}
		seen[key] = true
	}
	if !seen["GET /me +Authorization|Authorization=Bearer corsproof-probe"] {
		t.Errorf("the Authorization probe is missing: %v", seen)
	}
}

func TestSlug(t *testing.T) {
	for in, want := range map[string]string{
		"/api/items":      "api-items",
		"/api/items/1":    "api-items-1",
		"/":               "",
		"X-Request-Id":    "x-request-id",
		"/v2/users?x=1&y": "v2-users-x-1-y",
	} {
		if got := corsproof.Slug(in); got != want {
			t.Errorf("corsproof.Slug(%q) = %q, want %q", in, got, want)
		}
	}
}
