package policy_test

import (
	"fmt"
	"net/http"
	"slices"

	"github.com/corsproof/corsproof/policy"
)

// A policy file is parsed from bytes; the name tells YAML from JSON and
// prefixes every error.
func ExampleParse() {
	const file = `
origins: [https://app.example.test, "https://*.partner.test"]
methods: [PUT, DELETE]
request_headers: [Content-Type, Authorization]
expose_headers: [X-Total-Count]
credentials: true
max_age: 600
routes:
  - prefix: /public/
    origins: ["*"]
    credentials: false
`
	p, err := policy.Parse("api.yaml", []byte(file))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, path := range []string{"/items", "/public/logo"} {
		rules := p.For(path)
		fmt.Printf("%s: origins %q, credentials %v\n", path, rules.Origins, rules.Credentials)
	}
	rules := p.For("/items")
	for _, origin := range []string{"https://app.example.test", "https://shop.partner.test", "https://evilpartner.test"} {
		fmt.Printf("%s allowed: %v\n", origin, rules.AllowsOrigin(origin))
	}
	// Output:
	// /items: origins ["https://app.example.test" "https://*.partner.test"], credentials true
	// /public/logo: origins ["*"], credentials false
	// https://app.example.test allowed: true
	// https://shop.partner.test allowed: true
	// https://evilpartner.test allowed: false
}

// Parse reports every problem of a file at once, each with its line, so
// the author fixes the whole file in one pass.
func ExampleParse_errors() {
	const file = `origins: [https://app.example.test/, "*"]
methods: [TRACE]
credentials: true
`
	_, err := policy.Parse("api.yaml", []byte(file))
	fmt.Println(err)
	// Output:
	// api.yaml:1: origins: "https://app.example.test/": trailing slash: browsers send origins without one, so it would never match
	// api.yaml:1: origins: "*": cannot be mixed with other origins: "*" allows every origin already
	// api.yaml:1: origins: "*": cannot be used with credentials: browsers reject a wildcard Access-Control-Allow-Origin on credentialed requests
	// api.yaml:2: methods: "TRACE": forbidden method: browsers refuse to send it (fetch throws a TypeError)
}

// Answer is what a server keeping the policy sends: to a preflight, the
// status and every CORS header; to an actual request, the headers to add to
// whatever the API answers.
func ExamplePolicy_Answer() {
	maxAge := 600
	p := &policy.Policy{Rules: policy.Rules{
		Origins:        []string{"https://app.example.test"},
		Methods:        []string{"PUT", "DELETE"},
		RequestHeaders: []string{"Content-Type"},
		ExposeHeaders:  []string{"X-Total-Count"},
		Credentials:    true,
		MaxAge:         &maxAge,
	}}

	preflight := p.Answer(policy.Request{
		Method:           http.MethodOptions,
		Path:             "/items/1",
		Origin:           "https://app.example.test",
		HasRequestMethod: true,
		RequestMethod:    "PUT",
		RequestHeaders:   "content-type",
	})
	fmt.Println("preflight:", preflight.Status)
	printHeaders(preflight.Header)

	actual := p.Answer(policy.Request{Method: "PUT", Path: "/items/1", Origin: "https://app.example.test"})
	fmt.Println("actual request:")
	printHeaders(actual.Header)

	other := p.Answer(policy.Request{Method: "GET", Path: "/items", Origin: "https://evil.test"})
	fmt.Println("another origin: allowed", other.OriginAllowed)
	printHeaders(other.Header)
	// Output:
	// preflight: 204
	//   Access-Control-Allow-Credentials: true
	//   Access-Control-Allow-Headers: Content-Type
	//   Access-Control-Allow-Methods: PUT, DELETE
	//   Access-Control-Allow-Origin: https://app.example.test
	//   Access-Control-Max-Age: 600
	//   Vary: Origin, Access-Control-Request-Method, Access-Control-Request-Headers
	// actual request:
	//   Access-Control-Allow-Credentials: true
	//   Access-Control-Allow-Origin: https://app.example.test
	//   Access-Control-Expose-Headers: X-Total-Count
	//   Vary: Origin
	// another origin: allowed false
	//   Vary: Origin
}

// printHeaders prints h one line per header, sorted by name.
func printHeaders(h http.Header) {
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		for _, v := range h[name] {
			fmt.Printf("  %s: %s\n", name, v)
		}
	}
}
