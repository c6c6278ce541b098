package mockapi_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"

	"github.com/corsproof/corsproof/mockapi"
	"github.com/corsproof/corsproof/policy"
)

// examplePolicy allows one credentialed origin to PUT JSON.
func examplePolicy() *policy.Policy {
	return &policy.Policy{Rules: policy.Rules{
		Origins:        []string{"https://app.example.test"},
		Methods:        []string{"PUT", "DELETE"},
		RequestHeaders: []string{"Content-Type"},
		ExposeHeaders:  []string{mockapi.HeaderTotalCount},
		Credentials:    true,
	}}
}

// printCORS prints the status and the CORS headers (and Vary) of a
// response, sorted by name; the API's own headers are left out.
func printCORS(status int, h http.Header) {
	fmt.Println("status:", status)
	var names []string
	for name := range h {
		if strings.HasPrefix(name, "Access-Control-") || name == "Vary" {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		fmt.Printf("  %s: %s\n", name, strings.Join(h[name], " | "))
	}
}

// The mock API is an http.Handler: serve it with httptest (on 127.0.0.1)
// and send it what a browser would. The preflight is answered by the CORS
// layer from the policy, and the journal records that it came.
func ExampleNew() {
	srv := mockapi.New(examplePolicy())
	ts := httptest.NewServer(srv)
	defer ts.Close()

	req, _ := http.NewRequest(http.MethodOptions, ts.URL+"/api/items/1?probe=example", nil)
	req.Header.Set("Origin", "https://app.example.test")
	req.Header.Set("Access-Control-Request-Method", "PUT")
	req.Header.Set("Access-Control-Request-Headers", "content-type")
	resp, err := ts.Client().Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	printCORS(resp.StatusCode, resp.Header)

	for _, e := range srv.Journal().ByQuery("probe=example") {
		fmt.Printf("journal: %s %s preflight=%v status=%d\n", e.Method, e.Path, e.Preflight, e.Status)
	}
	// Output:
	// status: 204
	//   Access-Control-Allow-Credentials: true
	//   Access-Control-Allow-Headers: Content-Type
	//   Access-Control-Allow-Methods: PUT, DELETE
	//   Access-Control-Allow-Origin: https://app.example.test
	//   Vary: Origin, Access-Control-Request-Method, Access-Control-Request-Headers
	// journal: OPTIONS /api/items/1 preflight=true status=204
}

// A server built WithFault imitates one real-world bug. With
// reflect-origin-credentials, an origin the policy does not allow gets its
// own Origin back, with credentials: any site could read a logged-in
// user's data. The conforming server sends it no CORS header at all.
func ExampleWithFault() {
	fault, ok := mockapi.FaultByName("reflect-origin-credentials")
	if !ok {
		fmt.Println("no such fault")
		return
	}
	fmt.Println(fault.Name + ": " + fault.Summary)
	for _, srv := range []*mockapi.Server{
		mockapi.New(examplePolicy()),
		mockapi.New(examplePolicy(), mockapi.WithFault(fault)),
	} {
		req := httptest.NewRequest(http.MethodGet, "/api/items", nil)
		req.Header.Set("Origin", "https://evil.test")
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if srv.Fault().Name == "" {
			fmt.Println("conforming server:")
		} else {
			fmt.Println("with", srv.Fault().Name+":")
		}
		printCORS(rec.Code, rec.Header())
	}
	// Output:
	// reflect-origin-credentials: Access-Control-Allow-Origin echoes any Origin, with Access-Control-Allow-Credentials: true
	// conforming server:
	// status: 200
	//   Vary: Origin
	// with reflect-origin-credentials:
	// status: 200
	//   Access-Control-Allow-Credentials: true
	//   Access-Control-Allow-Origin: https://evil.test
	//   Access-Control-Expose-Headers: X-Total-Count
	//   Vary: Origin
}
