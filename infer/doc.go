// Package infer finds the CORS policy a live server implements: the
// `corsproof infer` command.
//
// Every user starts from a server that already has a CORS configuration
// and a blank policy file. infer probes the server without a browser, the
// way package audit does (the same crafted origins, plus the origins the
// user names, sent verbatim by a plain HTTP client), on every endpoint,
// with a preflight per method and per request header, and writes down what
// it answered as a policy file: the exact origins it accepts (a subdomain
// pattern only when every probed subdomain is accepted and no look-alike
// is), the methods and request headers its preflights allow, the headers
// it exposes, credentials, max-age, and per-endpoint differences as routes.
//
// What a policy cannot or should not say is not written into the policy:
// it is a Finding, named with the cause kinds check reports (corsproof's
// CauseKind, e.g. origin-accepted) and the name of the real-world bug it is
// (the mock API's fault gallery, e.g. reflect-origin-credentials), and it
// heads the file as comments. A server that echoes every Origin with
// credentials has no policy; it has the reflect-origin-credentials hole.
//
// infer never sends a method other than GET and OPTIONS: a preflight's
// actual request is answered, for the Fetch model of package spec, with
// the GET answer of the same origin, as audit does. Answers are judged by
// that model, never by string comparisons of infer's own.
package infer
