// Package audit probes a server's CORS answers without a browser: the
// `corsproof audit` command.
//
// A browser cannot forge an Origin header, and origins whose host holds a
// backtick, a brace or a pipe can never come from a real page; a plain HTTP
// client can send them all. audit sends the crafted-origin classes of the
// public scanners (docs/misconfigurations.md), derived from each trusted
// origin, and, given a policy, the preflights the policy's methods and
// headers need, from a trusted and from an attacker origin. It judges what
// came back with the Fetch model of package spec (CORSCheck for one answer,
// Decide for a preflight plus its actual request), never by string
// comparisons of its own, so its verdicts are the ones the browser tests use.
//
// It is a complement to the browser run, not a replacement: it sees only
// headers, so it says what a browser would let a page read, not what a real
// browser did. Unsafe methods are never sent: a preflight's actual request is
// answered, for the model, with the CORS headers of the GET sent from the
// same origin.
//
// Given a policy that lists endpoints, every endpoint's path on the target's
// origin is probed (with its own rules and, for the preflights, its own
// methods), not the target's root, which many frameworks answer with a 404
// and no CORS headers; a target with a path of its own that is not an
// endpoint is probed as well. A problem seen on several endpoints is one
// finding that names them all.
//
// Every probe is sent twice, so a server whose answer alternates (a regexp
// with the g flag) shows it. The number of requests is bounded (see
// Config.MaxRequests) and every request goes to the target's origin only:
// the target URL, or the policy's endpoints on it.
package audit
