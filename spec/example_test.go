package spec_test

import (
	"fmt"

	"github.com/corsproof/corsproof/spec"
)

// failedRule is the rule of the decision's first failed step: where the
// fetch was stopped, as an id of docs/fetch-cors-rules.md.
func failedRule(d spec.Decision) string {
	for _, s := range d.Steps {
		if !s.OK {
			return s.Rule
		}
	}
	return ""
}

// A page at https://app.example.test sends a JSON PUT to an API on another
// origin. The model builds the request, sees that it needs a preflight,
// asks the server function for the preflight's answer and then for the
// actual response, and says whether script can read it.
func ExampleDecide() {
	req := spec.Request{
		Origin:  "https://app.example.test",
		URL:     "https://api.example.test/items/1",
		Method:  "PUT",
		Headers: spec.Headers{{Name: "Content-Type", Value: "application/json"}},
	}
	api := func(r spec.ServerRequest) (spec.Response, bool) {
		if r.Preflight {
			return spec.Response{Status: 204, Headers: spec.Headers{
				{Name: "Access-Control-Allow-Origin", Value: "https://app.example.test"},
				{Name: "Access-Control-Allow-Methods", Value: "PUT"},
				{Name: "Access-Control-Allow-Headers", Value: "Content-Type"},
			}}, true
		}
		return spec.Response{Status: 200, Headers: spec.Headers{
			{Name: "Access-Control-Allow-Origin", Value: "https://app.example.test"},
			{Name: "Content-Type", Value: "application/json"},
			{Name: "X-Total-Count", Value: "1"},
		}}, true
	}

	d := spec.Decide(req, api, spec.Standard)
	fmt.Println("allowed:", d.Allowed)
	fmt.Printf("preflight: %v (%s)\n", d.Preflight, d.PreflightWhy)
	fmt.Printf("preflight asked for: %s with [%s]\n", d.RequestMethod, d.RequestHeaders)
	for _, s := range d.Sent {
		fmt.Println("sent:", s.Method, s.URL)
	}
	fmt.Println("status:", d.Status, d.Type)
	fmt.Println("readable headers:", d.Exposed) // X-Total-Count is not exposed

	// The same server without Access-Control-Allow-Headers: the preflight
	// fails and the PUT is never sent.
	strict := func(r spec.ServerRequest) (spec.Response, bool) {
		resp, ok := api(r)
		if r.Preflight {
			resp.Headers = spec.Headers{
				{Name: "Access-Control-Allow-Origin", Value: "https://app.example.test"},
				{Name: "Access-Control-Allow-Methods", Value: "PUT"},
			}
		}
		return resp, ok
	}
	d = spec.Decide(req, strict, spec.Standard)
	fmt.Printf("blocked: %s %s (%s), actual request sent: %v\n", d.Reason, d.FailedParameter, failedRule(d), d.ActualSent)
	// Output:
	// allowed: true
	// preflight: true (method PUT is not CORS-safelisted; content-type value application/json is not safelisted)
	// preflight asked for: PUT with [content-type]
	// sent: OPTIONS https://api.example.test/items/1
	// sent: PUT https://api.example.test/items/1
	// status: 200 cors
	// readable headers: [content-type]
	// blocked: HeaderDisallowedByPreflightResponse content-type (R4.2.8), actual request sent: false
}

// Access-Control-Allow-Origin: * does not let a page read a response to a
// request with credentials, even with Access-Control-Allow-Credentials:
// true. The request was sent, cookies and all: CORS protects reads, not
// writes.
func ExampleDecide_credentialsWithWildcard() {
	api := func(spec.ServerRequest) (spec.Response, bool) {
		return spec.Response{Status: 200, Headers: spec.Headers{
			{Name: "Access-Control-Allow-Origin", Value: "*"},
			{Name: "Access-Control-Allow-Credentials", Value: "true"},
		}}, true
	}
	for _, creds := range []spec.CredentialsMode{spec.CredentialsOmit, spec.CredentialsInclude} {
		d := spec.Decide(spec.Request{
			Origin:      "https://app.example.test",
			URL:         "https://api.example.test/me",
			Credentials: creds,
		}, api, spec.Standard)
		if d.Allowed {
			fmt.Printf("%s: allowed, status %d, cookies sent: %v\n", creds, d.Status, d.CookiesSent)
			continue
		}
		fmt.Printf("%s: blocked by %s (%s), request sent: %v, cookies sent: %v\n",
			creds, d.Reason, failedRule(d), d.ActualSent, d.CookiesSent)
	}
	// Output:
	// omit: allowed, status 200, cookies sent: false
	// include: blocked by WildcardOriginNotAllowed (R6.1), request sent: true, cookies sent: true
}
