// Package spec is corsproof's conformance oracle: a pure model of the
// WHATWG Fetch standard's CORS rules that predicts, for one fetch() call,
// what a browser sends, whether script can read the answer, and why not.
//
// # Its place in the whole
//
// The harness asks the model twice about every scenario:
//
//   - from the policy: a Server built from the declared policy answers the
//     model's requests, so the prediction is "what a browser would do if the
//     API behaved as documented";
//   - from the wire: a Server that replays what the mock API actually
//     answered (its log) gives "what a browser must do with these bytes".
//     When the log lacks a request the model needs, the Server returns
//     ok=false and the Decision is Incomplete.
//
// The real browser's observation (allowed or TypeError, Chromium's CorsError
// and failedParameter, the preflights seen) is then compared with both.
// Reason values are spelled like Chromium's Network.CorsError so they compare
// directly. Decision.Sent lists every request the model sent, in order, to
// compare with the server log; Decision.Steps explains each check in words,
// citing the rule ids of docs/fetch-cors-rules.md, for `corsproof explain`.
//
// The package imports nothing of corsproof's and does no I/O. Time comes
// from the caller (WithNow, WithClock), never from the real clock. It
// neither sends requests nor drives browsers; it does not model Private or
// Local Network Access (R13), service workers, or the browser's cookie
// policy: whether cookies go with a request is the credentials rule alone
// (R10.2).
//
// # Entry points
//
//   - Decide runs one fetch() against a Server function, with a Profile
//     (Standard, Chromium, Firefox, WebKit) and, for a sequence of calls, a
//     shared preflight Cache (NewCache, WithCache). See ExampleDecide.
//   - Plan builds the request alone: whether it throws, whether it needs a
//     preflight, and the exact Access-Control-Request-* values.
//   - CORSCheck and ValidatePreflightResponse judge one response, for a
//     caller that holds a single server answer rather than a whole fetch.
//   - The predicates (IsCORSSafelistedRequestHeader,
//     CORSUnsafeRequestHeaderNames, IsForbiddenRequestHeader, ExposedHeaders,
//     ...) and parsers (ParseList, ParseMaxAge, ParseMIMEType,
//     ParseSingleRange) are the standard's definitions, one function each.
//
// # Rules and files
//
//	R1  request construction, forbidden headers   request.go, methods.go
//	R2  safelists, CORS-unsafe names, 1024 bytes   safelist.go
//	    list headers, MIME types, ranges           headers_parse.go, mime.go, rangeparse.go
//	R3  main fetch dispatch, preflight decision    decide.go, plan.go, preflight_fetch.go
//	R4  preflight request and its validation       preflight_fetch.go, preflight.go
//	R5  preflight cache and max-age                cache.go, maxage.go
//	R6  CORS check and Chromium's error names      corscheck.go
//	R7  response filtering and exposed headers     expose.go
//	R8  redirects                                  redirect.go
//	R9  request origin serialization, taint        origin.go
//	R10 credentials                                preflight_fetch.go (includeCredentials)
//	R14 browser deviations                         profile.go, profile_firefox.go, profile_webkit.go
//	MIX mixed content (not CORS, decided first)    mixed.go
//
// The ids are explained in docs/fetch-cors-rules.md, one entry each;
// rules_test.go fails when the code cites one the file lacks.
//
// # Profiles
//
// The algorithm is the standard's, once. A Profile is data that switches on
// an engine's known departures at the exact places they occur (Authorization
// under "*", the max-age cap, Chromium's extra safelisted headers, the
// whole-entry preflight cache, …). Standard has none; Chromium documents
// each one as a Deviation with the rule it bends and where it was seen.
// When a deviation changes a result, its ID appears in
// Decision.Deviations, so a report can say "allowed in Chrome, blocked by
// the standard". Firefox and WebKit are other Profile values, with their
// own deviations; docs/fetch-cors-rules.md lists them all under R14.
//
// # Readings the standard leaves open
//
//   - A syntax error in Access-Control-Expose-Headers exposes only the
//     safelisted response headers (Chromium; the standard's text is odd).
//   - A "*" entry in the standard-shaped preflight cache serves only
//     non-credentialed requests, avoiding the quirk of R5.2.
//   - Standard has no max-age cap (the limit is implementation-defined).
//   - Accept-Language is not added by the model (Chromium adds it late), so
//     it does not count toward the 1024-byte total (R1.8, R14.9).
//   - Same-site is never needed: the redirect-taint only decides between
//     "same-origin" and not, which is all the Origin header depends on.
package spec
