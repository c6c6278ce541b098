package infer

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	chicors "github.com/go-chi/cors"
	"github.com/rs/cors"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/policy"
	"github.com/corsproof/corsproof/spec"
)

// itemsAPI is the API behind the middlewares: JSON, with a count header.
var itemsAPI = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Total-Count", "2")
	w.Write([]byte(`[{"id":1},{"id":2}]`))
})

var itemsEndpoints = []Endpoint{
	{Path: "/api/items", Methods: []string{"GET", "POST"}},
	{Path: "/api/items/1", Methods: []string{"GET", "PUT", "DELETE"}},
}

// semantic drops the safelisted methods, which a policy may list or not
// with the same meaning (and middlewares that echo the requested method
// never name).
func semantic(r policy.Rules) policy.Rules {
	r.Methods = slices.DeleteFunc(slices.Clone(r.Methods), spec.IsCORSSafelistedMethod)
	return r
}

func seconds(n int) *int { return &n }

func TestCorrectMiddlewaresGiveTheirConfiguration(t *testing.T) {
	tests := []struct {
		desc    string
		handler http.Handler
		origins []string
		want    policy.Rules
	}{
		{desc: "rs/cors with exact origins and credentials",
			handler: cors.New(cors.Options{
				AllowedOrigins: []string{"https://app.example.com", "https://admin.example.com"},
				AllowedMethods: []string{"GET", "POST", "PUT", "DELETE"}, AllowedHeaders: []string{"Content-Type", "X-Request-Id"},
				ExposedHeaders: []string{"X-Total-Count"}, AllowCredentials: true, MaxAge: 600,
			}).Handler(itemsAPI),
			origins: []string{"https://app.example.com", "https://admin.example.com"},
			want: policy.Rules{Origins: []string{"https://app.example.com", "https://admin.example.com"}, Methods: []string{"PUT", "DELETE"},
				RequestHeaders: []string{"Content-Type", "X-Request-Id"}, ExposeHeaders: []string{"X-Total-Count"}, Credentials: true, MaxAge: seconds(600)}},
		{desc: "go-chi/cors with a subdomain pattern",
			handler: chicors.Handler(chicors.Options{
				AllowedOrigins: []string{"https://*.example.com"}, AllowedMethods: []string{"GET", "POST", "PUT", "PATCH", "DELETE"},
				AllowedHeaders: []string{"Authorization", "Content-Type"}, MaxAge: 300,
			})(itemsAPI),
			origins: []string{"https://app.example.com"},
			want: policy.Rules{Origins: []string{"https://*.example.com"}, Methods: []string{"PUT", "PATCH", "DELETE"},
				RequestHeaders: []string{"Authorization", "Content-Type"}, MaxAge: seconds(300)}},
		{desc: "rs/cors open to any origin, without credentials, with its default headers",
			handler: cors.New(cors.Options{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"GET", "PUT", "DELETE"}}).Handler(itemsAPI),
			origins: []string{"https://app.example.com"},
			want:    policy.Rules{Origins: []string{"*"}, Methods: []string{"PUT", "DELETE"}, RequestHeaders: []string{"Content-Type", "X-Requested-With"}}},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			r := infer(t, Config{Target: serve(t, tt.handler), Origins: tt.origins, Endpoints: itemsEndpoints})
			out := yamlOf(t, r)
			if r.Failed() {
				t.Fatalf("findings against a correct middleware:\n%s", out)
			}
			if len(r.Policy.Routes) != 0 || rulesKey(semantic(r.Policy.Rules)) != rulesKey(semantic(tt.want)) {
				t.Errorf("inferred\n%s\nwant %+v", out, tt.want)
			}
		})
	}
}

func TestMisconfiguredMiddlewaresAreNamed(t *testing.T) {
	tests := []struct {
		desc    string
		handler http.Handler
		cause   corsproof.CauseKind
		bug     string
	}{
		{desc: "rs/cors accepting every origin with credentials", cause: corsproof.CauseOriginAccepted, bug: "reflect-origin-credentials",
			handler: cors.New(cors.Options{AllowOriginFunc: func(string) bool { return true }, AllowCredentials: true}).Handler(itemsAPI)},
		{desc: "rs/cors matching the end of the origin", cause: corsproof.CauseOriginAccepted, bug: "suffix-match",
			handler: cors.New(cors.Options{AllowOriginFunc: func(o string) bool { return strings.HasSuffix(o, "app.example.com") }}).Handler(itemsAPI)},
		{desc: "go-chi/cors with * and credentials", cause: corsproof.CauseWildcardWithCredentials, bug: "wildcard-credentials",
			handler: chicors.Handler(chicors.Options{AllowedOrigins: []string{"*"}, AllowCredentials: true})(itemsAPI)},
		{desc: "go-chi/cors with a pattern lacking its dot", cause: corsproof.CauseOriginAccepted, bug: "subdomain-too-broad",
			handler: chicors.Handler(chicors.Options{AllowedOrigins: []string{"https://*example.com"}})(itemsAPI)},
		{desc: "go-chi/cors refusing a declared method", cause: corsproof.CauseMethodMissing,
			handler: chicors.Handler(chicors.Options{AllowedOrigins: []string{"https://app.example.com"}, AllowedMethods: []string{"GET", "PUT"}})(itemsAPI)},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			r := infer(t, Config{Target: serve(t, tt.handler), Origins: []string{"https://app.example.com"}, Endpoints: itemsEndpoints})
			out := yamlOf(t, r)
			found := slices.ContainsFunc(r.Findings, func(f Finding) bool { return f.Cause == tt.cause && f.Bug == tt.bug })
			if !found {
				t.Fatalf("no %s (%s) finding:\n%s", tt.cause, tt.bug, out)
			}
			if _, err := policy.Parse("inferred.yaml", []byte(out)); err != nil {
				t.Errorf("the written policy does not parse: %v\n%s", err, out)
			}
		})
	}
}
