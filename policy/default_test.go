package policy

import (
	"path/filepath"
	"reflect"
	"testing"
)

func TestDefault(t *testing.T) {
	fromFile, err := Load(filepath.Join(".", "default.yaml"))
	if err != nil {
		t.Fatalf("Load(default.yaml): %v", err)
	}
	maxAge, no := 600, false
	want := &Policy{
		Rules: Rules{
			Origins:        []string{"https://app.example.test"},
			Methods:        []string{"GET", "POST", "PUT", "DELETE", "PATCH"},
			RequestHeaders: []string{"Content-Type", "Authorization", "X-Request-Id"},
			ExposeHeaders:  []string{"X-Total-Count", "X-Request-Id"},
			Credentials:    true,
			MaxAge:         &maxAge,
		},
		Endpoints: []Endpoint{
			{Path: "/api/items", Methods: []string{"GET", "HEAD", "POST"}},
			{Path: "/api/items/1", Methods: []string{"GET", "PUT", "PATCH", "DELETE"}},
			{Path: "/api/me", Methods: []string{"GET"}},
		},
		Routes: []Route{{Prefix: "/api/public/", Origins: []string{"*"}, Credentials: &no}},
	}
	for name, got := range map[string]*Policy{"Default()": Default(), "Load(default.yaml)": fromFile} {
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %+v, want %+v", name, got, want)
		}
	}
	a, b := Default(), Default()
	a.Origins[0] = "changed"
	if b.Origins[0] == "changed" {
		t.Error("two Default() calls share their lists")
	}
}

func TestConcreteFillsEveryTemplateSegment(t *testing.T) {
	for in, want := range map[string]string{
		"/api/items":               "/api/items",
		"/api/items/{id}":          "/api/items/1",
		"/u/{user}/items/{item}/x": "/u/1/items/1/x",
		"/api/{}":                  "/api/{}", // no name: not a template
		"/api/items{id}":           "/api/items{id}",
	} {
		if got := (Endpoint{Path: in}).Concrete(); got != want {
			t.Errorf("Concrete(%s) = %s, want %s", in, got, want)
		}
	}
}
