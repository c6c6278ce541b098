// Package differential proves the Fetch model (package spec) against real
// Chromium: it generates hundreds of (server behaviour, request)
// combinations from a seeded PRNG, serves each case's exact header lines from
// a loopback API, runs the fetch() in one Chromium, and asserts that the
// browser did what spec.Decide with the spec.Chromium profile predicts:
// allowed or blocked, Chromium's CorsError and failed parameter, whether a
// preflight went out, and which response headers script could read.
//
// Where the browser departs from the Fetch standard, the Chromium profile
// must list the deviation (Decision.Deviations); any other disagreement is
// a failure that names the seed and the case so it replays:
//
//	CORSPROOF_DIFF_SEED=<seed> go test ./harness/differential/
package differential
