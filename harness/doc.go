// Package harness runs scenarios in a real browser against a target, on a
// network of its own: it is the one place where corsproof's pieces meet.
//
// A Session (Start) is one run's:
//
//   - topology: a per-run CA (trusted by SPKI pin, or as a throw-away trust
//     anchor where an engine takes one), HTTPS and HTTP listeners on
//     127.0.0.1 for the origin pages and, for the embedded mock, the API,
//     and the host mapping that gives each its real name on its default
//     port (Chromium's host resolver rules; a loopback forwarding Proxy for
//     Firefox and WebKit);
//   - engine: one browser (Launch: chromium, firefox or webkit), never
//     started with anything that turns CORS off;
//   - target: the embedded mock (MockTarget, with a fault or, in a
//     FaultMock, every fault mounted beside the conforming mock), a live
//     API (LiveTarget, reached at its real address), or an http.Handler
//     served under a live target's origin (what corstest checks);
//   - Runner: each scenario's fetches on a URL unique to the scenario run,
//     then the verdict from package judge.
//
// What a scenario is and how it ended are the words of package corsproof;
// the verdict itself is package judge's, which needs no browser.
package harness
