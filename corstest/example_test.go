package corstest_test

import (
	"context"
	"fmt"
	"net/http"

	"github.com/corsproof/corsproof/corstest"
	"github.com/corsproof/corsproof/mockapi"
	"github.com/corsproof/corsproof/policy"
)

// Run checks a handler in real Chromium without a *testing.T: here the
// embedded mock serving a policy, once as the policy says and once with
// the classic bug of reflecting any Origin with credentials. In a test,
// corstest.Check(t, handler, p) does the same and fails the test once per
// scenario that does not match.
func ExampleRun() {
	p, err := policy.Parse("cors.yaml", []byte(`
origins: [https://app.example.com]
methods: [GET, PUT]
credentials: true
endpoints:
  - {path: /api/items, methods: [GET, PUT]}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	reflectAll, _ := mockapi.FaultByName("reflect-origin-credentials")
	for _, h := range []struct {
		name    string
		handler http.Handler
	}{
		{"conforming", mockapi.New(p)},
		{"reflecting", mockapi.New(p, mockapi.WithFault(reflectAll))},
	} {
		results, err := corstest.Run(context.Background(), h.handler, p, corstest.Options{})
		if err != nil {
			fmt.Println(err)
			return
		}
		security := 0
		for _, r := range results {
			if r.Failed() && r.Severity == "security" {
				security++
			}
		}
		fmt.Printf("%s: security mismatches found: %t\n", h.name, security > 0)
	}
	// Output:
	// conforming: security mismatches found: false
	// reflecting: security mismatches found: true
}
