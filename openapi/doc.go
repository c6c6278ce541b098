// Package openapi reads the endpoints of an API from its OpenAPI document
// (3.0 or 3.1, YAML or JSON): the `--openapi FILE` flag of infer, check and
// audit.
//
// It keeps what a CORS check needs and nothing else: every operation's
// path, with its path parameters filled in (the document's example, else a
// placeholder a router will route), and its method; the request headers a
// page calling it sends (header parameters, the Content-Type of a request
// body that is not CORS-safelisted, and the headers the operation's security
// schemes carry: Authorization for http and oauth2 schemes, the named header
// of an apiKey scheme); and the response headers it declares, which a page
// can read only when the server exposes them.
//
// The parsing and validation are github.com/getkin/kin-openapi's; this
// package adds the file name and the line of the element at fault to its
// errors, so a bad document is reported as "api.yaml:12: ...".
package openapi
