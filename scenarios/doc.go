// Package scenarios is corsproof's conformance catalog: what a page on each
// kind of origin does with the API, under a handful of policies (Policies),
// and the Ginkgo suite that runs it in real Chromium, Firefox and WebKit.
//
// # The catalog
//
// Catalog returns about 500 scenarios. A few are written out (core); the rest
// come from generators, each crossing some dimensions:
//
//   - origins: the allowed origin, a same-site sibling, a cross-site
//     attacker, the http:// downgrade, another port, the sandboxed "null"
//     page and the scanners' crafted-origin classes (harness.CraftedSites).
//     A data: page is not among them: Chromium's Local Network Access
//     blocks its requests to the loopback test hosts before they leave.
//   - methods (GET HEAD POST PUT DELETE PATCH, lower-case patch, PURGE,
//     OPTIONS), request headers (safelisted with safe and unsafe values,
//     Content-Type variants, a 129-byte Accept, custom, Authorization, mixed
//     case, duplicates), credentials omit/same-origin/include with a session
//     cookie, response-header exposure, statuses via /api/status/{code};
//   - the preflight cache: Scenario.Repeat refetches the same URL and the
//     model shares one preflight cache across the repeats, so it knows when
//     no preflight is due; one scenario waits past the 5 s default max-age;
//   - the HTTP cache: Scenario.PrimeSite fetches the URL from another page
//     first, then the judged page fetches it with cache "force-cache", so a
//     response without Vary: Origin is served to the wrong origin;
//   - redirects via /api/redirect/{code}?to=URL to the same origin, a
//     same-site and a cross-site API origin ({mount} and {token} in the path
//     keep the target under the policy's mount and unique per run);
//   - side effects: a blocked simple request still reaches the server.
//
// Scenario ids are derived from these coordinates and stay stable. What
// should happen is never written here: the harness computes it from the
// policy through the Fetch model.
//
// # The suite
//
// `go tool ginkgo ./scenarios` runs one spec per scenario and engine against
// the conforming mock, in every engine of CORSPROOF_ENGINES (comma-separated;
// default chromium,firefox,webkit), one browser per engine for the whole
// suite, started when its first spec runs. A missing browser skips that
// engine's specs with the install hint, or fails them under CI=true. Every
// spec is labelled along every dimension (engine:…, origin:…, method:…,
// credentials:…, policy:…, feature:preflight|redirect|cache|…), so
// --label-filter selects slices (--label-filter engine:webkit runs, and
// starts, WebKit only). A scenario passes in an engine when the engine does
// what the policy says, or does it only through a deviation its profile
// lists (spec.Chromium, spec.Firefox, spec.WebKit). --randomize-all
// shuffles (Ginkgo prints the seed; --seed replays it); CORSPROOF_TWICE=1
// runs every scenario twice.
//
// Chromium also serves every fault of mockapi's gallery side by side
// (harness.FaultMock, /f/<fault>/p/<policy>/): the feature:faults specs run
// the whole catalog against each fault and require each to be caught with
// its expected severity; which scenarios caught which fault goes to
// reports/fault-catches.txt. They run in Chromium only (engine:chromium):
// they prove the catalog catches faults, which one engine shows, and they
// are the suite's slow part. So do the feature:observation specs, which read
// the wire. BenchmarkCatalog (`make bench`) measures the full catalog's wall
// time, scenarios/s and peak memory.
package scenarios
