// Package corsproof is the vocabulary every other package of corsproof
// speaks: what a conformance scenario is (Scenario, Request, Site), what a
// browser was asked to do and what it did (Fetch, Observation, Exchange),
// and how a scenario ended (Outcome, Verdict, Severity, Result, Run).
//
// It has no I/O and imports no browser: packages that only need the words
// (the judge, the reports, the audit, the catalog) link neither chromedp nor
// a WebDriver client. The packages that act on the words are:
//
//   - policy: the declared CORS policy and what a conforming server answers;
//   - spec: a pure model of the Fetch standard's CORS rules;
//   - mockapi: an http.Handler that serves a policy, or a named fault;
//   - browser: real Chromium, Firefox and WebKit, behind browser.Engine;
//   - judge: one Result from the policy, the model and the browser's
//     observations;
//   - harness: the run's network (CA, origin pages, host mapping), engine
//     launch, targets and the runner;
//   - report, audit, repro, corstest: presentation, a browserless audit,
//     reproductions, and the go test API.
//
// The three sides of every verdict go by the same names everywhere, in code,
// JSON and prose: the policy (what the policy says should happen, through
// the model), the wire (what the server really sent, through the model) and
// the browser (what the browser really did).
package corsproof
