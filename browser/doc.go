// Package browser runs fetch() calls in real browsers and reports what
// happened. It is the "observe" side of corsproof: the policy package
// declares what an API's CORS behaviour should be, mockapi serves a policy,
// the harness turns a policy into Fetch scenarios and compares the
// Observations this package returns with the spec model's expectations.
// This package knows nothing about policies: it talks only in Fetch,
// Observation and Engine (browser.go), and imports neither mockapi nor the
// harness, so that another engine (Firefox over WebDriver BiDi, WebKit) can
// be added beside Chromium without touching them.
//
// # What an Observation is made of
//
// Script sees very little of a CORS failure: a TypeError with no status,
// headers or reason. So a Fetch is observed from two sides at once:
//
//   - In the page (fetch.js, one Runtime.evaluate that awaits the promise):
//     whether the promise resolved, the status, type, readable headers and
//     body, or the rejection text. This is the verdict that matters to a
//     web app.
//   - Over the DevTools protocol (events.go): the preflight exchange, every
//     redirect hop with the real wire headers (Cookie, Origin, ACRM/ACRH,
//     and the response headers even of a blocked response), the browser's
//     own block reason (Network.loadingFailed's CorsErrorStatus), and the
//     cookies it refused. This is the diagnosis.
//
// Events are recorded by a chromedp listener that only appends; matching
// them to the fetch (by URL, then requestId; the preflight by its
// initiator) happens afterwards, in the caller's goroutine. On Chromium 156
// all events measured here (2,500 fetches) had arrived by the time the
// promise settled, but the ExtraInfo events come from the network service
// on their own path with no ordering guarantee, so Fetch still waits until
// the trace is complete, bounded by a grace of 2 s that normally costs
// nothing. Fields that could not be observed are named in
// Observation.Unavailable or explained in Observation.Notes, never guessed;
// an event chromedp could not decode (cdproto and Chromium versions differ)
// is logged and noted on the fetch it may have hidden.
//
// # Speed: one browser, reused tabs, unique URLs
//
// A browser start costs about half a second, and a fresh browser context
// plus tab plus navigation about 250 ms, against a few milliseconds for a
// fetch. So a run uses one browser, one tab per origin page (loaded once),
// and runs fetches one at a time. Scenarios are isolated not by fresh
// profiles but by unique URLs: the HTTP cache and the preflight cache are
// keyed by URL, and cookies can be scoped by path. The caller guarantees a
// unique URL per Fetch; the engine relies on it to find the fetch's events.
//
// # Hosts, certificates and what is left untouched
//
// Options.HostRules map production-like names (https://app.example.test,
// default port) to loopback listeners, and Options.SPKIPins trusts exactly
// the test certificates. Nothing switches CORS or the cookie policy off
// (no web-security switch, default third-party-cookie blocking): they
// are what is being tested. Because every mapped host resolves to
// loopback, Chromium's Local Network Access applies: a page with no
// address space of its own, such as a data: URL, is blocked
// (InsecureLocalNetwork) before its request leaves. For the "null" origin,
// serve a top-level page with "Content-Security-Policy: sandbox
// allow-scripts": it runs in an opaque origin, sends Origin: null, and its
// network events are seen like any other page's.
//
// # Lifecycle
//
// LaunchChromium starts the browser with a temporary profile; Close quits
// it over CDP, waits for the process, and removes the profile and the
// /tmp/org.chromium.Chromium.* singleton dir. On Linux the browser runs in
// its own process group with a parent-death signal: a terminal's Ctrl-C
// reaches only the Go process, and if the Go process dies the kernel kills
// the browser. A CLI should do
//
//	eng, err := browser.LaunchChromium(ctx, opts)
//	if err != nil { ... }
//	defer eng.Close()
//	stop := browser.CloseOnSignal(eng) // Ctrl-C / SIGTERM: close, then fail the run
//	defer stop()
//
// so that an interrupted run still leaves nothing behind.
package browser
