// Package browser runs fetch() calls in real browsers and reports what
// happened: the browser side of every verdict. Three engines stand behind
// one Engine interface (browser.go):
//
//   - Chromium over the Chrome DevTools Protocol (chromedp; chromium.go,
//     events.go): the wire exchanges, every preflight, Chromium's own block
//     reason (CorsError and its failed parameter) and the cookies it refused;
//   - Firefox over WebDriver BiDi (firefox.go, package bidi): the wire
//     exchanges from BiDi's network events, the block reason from its
//     console messages mapped to Chromium's names (firefox_reasons.go);
//   - WebKitGTK's MiniBrowser over classic WebDriver on a private Xvfb
//     (webkit.go): what the page sees only; the wire and the block reason
//     are named in Observation.Unavailable, never guessed.
//
// The package speaks only in the engine-neutral words of package corsproof
// (Fetch, Observation, Exchange, Cookie; aliased here) and knows nothing of
// policies: it imports neither mockapi nor the harness. The sections below
// describe the Chromium engine, the one with the most to observe.
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
// the test certificates. Options.TrustedCAs are trust anchors for a live
// target's CA (a pin matches only the certificates a server presents, so it
// cannot trust a server that sends its leaf without the chain): an NSS
// database in a HOME of the browser's own. Nothing switches certificate
// checks off for a target. Nothing switches CORS or the cookie policy off
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
