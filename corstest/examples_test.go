package corstest_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/onsi/gomega"

	"github.com/corsproof/corsproof/corstest"
	"github.com/corsproof/corsproof/mockapi"
	"github.com/corsproof/corsproof/policy"
)

// todos is a small API with a hand-written CORS middleware that allows
// https://app.example.com to GET and PUT with credentials.
func todos() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Origin") == "https://app.example.com" {
			w.Header().Set("Access-Control-Allow-Origin", "https://app.example.com")
			w.Header().Set("Access-Control-Allow-Credentials", "true")
			w.Header().Set("Vary", "Origin")
		}
		if r.Method == http.MethodOptions {
			w.Header().Set("Access-Control-Allow-Methods", "GET, PUT")
			w.Header().Set("Access-Control-Allow-Headers", "Content-Type")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintln(w, `[{"id":1,"title":"write the policy"}]`)
	})
}

// exampleTB is a TB for examples: it prints what a test would report.
type exampleTB struct{ cleanups []func() }

func (*exampleTB) Helper()             {}
func (*exampleTB) Logf(string, ...any) {}
func (*exampleTB) Errorf(f string, args ...any) {
	fmt.Println("FAIL:", firstLine(fmt.Sprintf(f, args...)))
}
func (*exampleTB) Fatalf(f string, args ...any) { fmt.Println("FATAL:", fmt.Sprintf(f, args...)) }
func (t *exampleTB) Cleanup(f func())           { t.cleanups = append(t.cleanups, f) }
func (t *exampleTB) end() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
}

func firstLine(s string) string { l, _, _ := strings.Cut(s, "\n"); return l }

// A lab is one browser and the origin pages, shared by a whole suite:
// start it once (TestMain, BeforeSuite), serve each test's handler, fetch
// from a named origin, read what the browser did.
func ExampleStartLab() {
	lab, err := corstest.StartLab(context.Background(), corstest.LabConfig{Origins: []string{"https://app.example.com"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer lab.Close()
	t := &exampleTB{} // in a test: t, or GinkgoT()
	defer t.end()
	api := lab.Serve(t, todos())

	fmt.Println(api.From("https://app.example.com").GET("/api/todos").Credentials().Result().Line())
	fmt.Println(api.From("evil").GET("/api/todos").Credentials().Result().Line())
	// Output:
	// GET /api/todos cred=include from https://app.example.com: allowed
	// GET /api/todos cred=include from https://evil.corsproof.test: blocked: the response has no Access-Control-Allow-Origin (MissingAllowOriginHeader)
}

// The lab adds attacker pages for each origin: a cross-site page, a
// sandboxed page whose origin is "null", look-alikes, the http://
// downgrade and another port. Fetch from any of them by name.
func ExampleLab_Origins() {
	lab, err := corstest.StartLab(context.Background(), corstest.LabConfig{Origins: []string{"https://app.example.com"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer lab.Close()
	for _, s := range lab.Origins()[:5] {
		fmt.Printf("%-12s %s\n", s.Name, s.Origin)
	}
	// Output:
	// app          https://app.example.com
	// evil         https://evil.corsproof.test
	// null         null
	// downgrade    http://app.example.com
	// other-port   https://app.example.com:8443
}

// Requests are written in a few words: method and path, headers,
// credentials, a body. The first matcher or Result runs it, once.
func ExampleAPI_From() {
	lab, err := corstest.StartLab(context.Background(), corstest.LabConfig{Origins: []string{"https://app.example.com"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer lab.Close()
	t := &exampleTB{}
	defer t.end()
	api := lab.Serve(t, todos())

	put := api.From("https://app.example.com").PUT("/api/todos/1").
		Header("Content-Type", "application/json").Credentials().Body(`{"done":true}`)
	r := put.Result()
	fmt.Println(r.Line())
	fmt.Println("preflighted:", r.Preflighted())
	// Output:
	// PUT /api/todos/1 +Content-Type body=text cred=include from https://app.example.com: allowed
	// preflighted: true
}

// Gomega matchers say what must happen. A failure is the one-line account
// and the wire exchange (here printed instead of failing a test).
func ExampleBeBlocked() {
	lab, err := corstest.StartLab(context.Background(), corstest.LabConfig{Origins: []string{"https://app.example.com"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer lab.Close()
	t := &exampleTB{}
	defer t.end()
	api := lab.Serve(t, todos())
	g := gomega.NewGomega(func(msg string, _ ...int) { fmt.Println(msg) })

	g.Expect(api.From("evil").PUT("/api/todos/1").Header("Content-Type", "application/json")).
		To(corstest.BeBlocked("PreflightMissingAllowOriginHeader"))
	// A wrong expectation:
	g.Expect(api.From("evil").GET("/api/todos").Credentials()).To(corstest.BeAllowed())
	// Output:
	// expected GET /api/todos cred=include from https://evil.corsproof.test to be allowed, but blocked: the response has no Access-Control-Allow-Origin (MissingAllowOriginHeader)
	//   request: GET https://corsproof-api.example.com/api/todos
	//     > Origin: https://evil.corsproof.test
	//     < 200
}

// ReachServer tells a blocked read from a blocked write: a simple request
// reaches the handler even when its response is withheld; a failed
// preflight stops the request before it.
func ExampleReachServer() {
	lab, err := corstest.StartLab(context.Background(), corstest.LabConfig{Origins: []string{"https://app.example.com"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer lab.Close()
	t := &exampleTB{}
	defer t.end()
	api := lab.Serve(t, todos())
	g := gomega.NewGomega(func(msg string, _ ...int) { fmt.Println(firstLine(msg)) })

	g.Expect(api.From("evil").POST("/api/todos").Body("title=pwned")).To(corstest.ReachServer())
	g.Expect(api.From("evil").PUT("/api/todos/1").Body("x")).NotTo(corstest.ReachServer())
	fmt.Println("both as expected")
	// Output:
	// both as expected
}

// ConformTo holds a whole API to a policy: every scenario corstest.Check
// derives from it. Here a middleware that reflects any Origin with
// credentials is caught.
func ExampleConformTo() {
	p, err := policy.Parse("cors.yaml", []byte(`
origins: [https://app.example.com]
methods: [GET]
credentials: true
endpoints:
  - {path: /api/todos, methods: [GET]}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	lab, err := corstest.StartLab(context.Background(), corstest.LabConfig{Origins: p.Origins})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer lab.Close()
	t := &exampleTB{}
	defer t.end()
	api := lab.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", r.Header.Get("Origin")) // the bug
		w.Header().Set("Access-Control-Allow-Credentials", "true")
		fmt.Fprintln(w, `[]`)
	}))
	g := gomega.NewGomega(func(msg string, _ ...int) { fmt.Println(firstLine(msg)) })
	g.Expect(api.From("evil").GET("/api/todos").Credentials()).To(corstest.ConformTo(p))
	// Output:
	// expected the fetch to conform to the policy, but GET /api/todos cred=include from https://evil.corsproof.test: security: https://evil.corsproof.test could read GET /api/todos cred=include, which the policy forbids: the response had Access-Control-Allow-Origin: https://evil.corsproof.test, where the policy sends no Access-Control-Allow-Origin
}

// Check runs every scenario the policy implies against a handler: in a
// test, one subtest per scenario (go test -run 'TestCORS/get-api-todos-evil'
// selects one). Here a TB that prints shows the failures it would report.
func ExampleCheck() {
	p, err := policy.Parse("cors.yaml", []byte(`
origins: [https://app.example.com]
methods: [GET]
endpoints:
  - {path: /api/todos, methods: [GET]}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	t := &exampleTB{}
	results := corstest.Check(t, mockapi.New(p), p)
	fmt.Println(len(results) > 10, "scenarios, all conforming")
	// Output:
	// true scenarios, all conforming
}

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
