// Package mockapi is an HTTP API that serves a CORS policy exactly, or with
// one named, deliberate fault.
//
// corsproof proves in real browsers that an API's CORS behaviour matches a
// declared policy (package policy). To trust such a proof, corsproof must
// itself be tested against servers whose behaviour is known: this package
// is that server. Conforming, it must pass every scenario; built WithFault,
// it imitates one bug found in real servers (see Faults and
// docs/misconfigurations.md), and a run against it must
// fail exactly the scenarios that bug breaks. The CLI's serve command also
// runs it, so anyone can watch a browser talk to it.
//
// The CORS answers come from policy.Answer, the same function the harness
// uses to predict them; this package adds the wire, the API behind it, the
// faults and a journal. It depends on the standard library, package policy
// and the Fetch standard's names in package spec, and never on the browser
// or harness packages: the server under test must not know how it is
// tested. It judges nothing either: whether a browser may read an answer
// is package spec's question, and what a browser did is the harness's.
//
// # Use
//
// New(p, opts...) returns the Server, an http.Handler: serve it with
// httptest.NewServer (on 127.0.0.1) in a test, or on an http.Server. Options
// pick a fault (WithFault, with a Fault from Faults or FaultByName), serve
// the policy's endpoints rather than the mock's (WithPolicyEndpoints), share a
// Journal between servers (WithJournal) and log traffic (WithLogf).
// Server.Journal tells a test whether, and as what, its requests arrived:
// put a unique token in the query and ask Journal.ByQuery. See ExampleNew
// and ExampleWithFault.
//
// # Layers
//
// A request goes through, outermost first:
//
//   - observe: stamps X-Request-Id and X-Total-Count, then records the
//     request in the Journal and logs it (WithLogf) once answered.
//   - recoverPanics: a handler's panic becomes a 500.
//   - cors: answers preflights from the policy (they never reach the API)
//     and adds the policy's headers to every actual response, errors and
//     redirects included. Junk CORS request headers are refused with 400 or
//     431; a junk Origin (non-ASCII, control characters) is not allowed.
//   - the router below.
//
// # Routes
//
// Paths are matched after whatever prefix the caller strips, so the server
// works under http.StripPrefix. Every JSON answer carries X-Total-Count and
// X-Request-Id, which are not CORS-safelisted: a page reads them only if
// the policy exposes them.
//
//	METHOD            PATH                          ANSWER
//	OPTIONS + ACRM    any                           the policy's preflight answer (204)
//	GET, HEAD         /api/items                    200, the items
//	POST              /api/items                    200 {"created": true}
//	any               /api/items/{id}               200 {"id", "method"} (PUT, PATCH, patch, PURGE...)
//	GET, HEAD         /api/me                       200 with a valid sid cookie, else 401
//	POST              /api/login                    200, Set-Cookie: sid=...; Secure; HttpOnly; SameSite=None
//	any               /api/status/{code}            {code}, 200-599
//	any               /api/redirect/{code}?to=URL   {code} (301 302 303 307 308), Location: URL
//	OPTIONS           a routed path                 204, Allow
//	other             a routed path                 405 JSON, Allow
//	any               anything else                 404 JSON
//
// Methods are matched byte for byte, as browsers compare them.
//
// Built WithPolicyEndpoints (the CLI's serve --policy), the API is instead
// the policy's own endpoints ("/api/todos/{id}" matches any id): their
// methods answer 200 JSON, other methods 405 with Allow, and every answer
// carries the headers the policy exposes; /api/login and /api/me stay
// where no endpoint of the policy takes their path.
// Server.NewSession creates a session a test can put in the browser's
// cookie jar without a cross-site login.
//
// # Footguns
//
// The server is a test double, not an example: /api/redirect is an open
// redirect, /api/login hands a session to anyone, and the faults are
// vulnerabilities on purpose. Serve it on loopback or a test network only.
package mockapi
