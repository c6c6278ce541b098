package scenarios

import (
	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/policy"
)

// Policy names of the catalog.
const (
	// PolicyDefault is the embedded default (policy/default.yaml): the SPA
	// at app.example.test may read everything with cookies; /api/public/
	// is open to any origin without them.
	PolicyDefault = "default"
	// PolicyPublic is an open API: any origin, any header, no cookies.
	PolicyPublic = "public"
	// PolicyStrict allows one origin to GET and POST, nothing else: no
	// preflights pass, no headers exposed, no cookies.
	PolicyStrict = "strict"
	// PolicySubdomains allows every subdomain of example.test over https.
	PolicySubdomains = "subdomains"
	// PolicyNoCache lets a preflight be cached for 0 s, PolicyLongCache 10 min.
	PolicyNoCache    = "max-age-0"
	PolicyDefaultAge = "max-age-absent"
	PolicyLongCache  = "max-age-600"
)

func intp(n int) *int { return &n }

// Policies are the policies the catalog's scenarios name.
func Policies() map[string]*policy.Policy {
	app := []string{corsproof.MockAppOrigin}
	cached := func(age *int) *policy.Policy {
		return &policy.Policy{Rules: policy.Rules{
			Origins: app, Methods: []string{"GET", "PUT", "DELETE"},
			RequestHeaders: []string{"X-Request-Id"}, MaxAge: age,
		}}
	}
	return map[string]*policy.Policy{
		PolicyDefault: policy.Default(),
		PolicyPublic: {Rules: policy.Rules{
			Origins: []string{"*"}, Methods: []string{"GET", "POST", "PUT", "DELETE", "PATCH"},
			RequestHeaders: []string{"*"}, ExposeHeaders: []string{"*"}, MaxAge: intp(60),
		}},
		PolicyStrict: {Rules: policy.Rules{Origins: app}},
		PolicySubdomains: {Rules: policy.Rules{
			Origins: []string{"https://*.example.test"}, Methods: []string{"GET", "PUT"},
			RequestHeaders: []string{"Content-Type"}, ExposeHeaders: []string{"X-Total-Count"}, Credentials: true,
		}},
		PolicyNoCache:    cached(intp(0)),
		PolicyDefaultAge: cached(nil),
		PolicyLongCache:  cached(intp(600)),
	}
}
