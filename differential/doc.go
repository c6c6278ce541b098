// Package differential proves the Fetch model (package spec) against real
// browsers: it generates hundreds of (server behaviour, request)
// combinations from a seeded PRNG, serves each case's exact header lines from
// a loopback API, runs the fetch() in one browser per engine (Chromium,
// Firefox, WebKit: TestModelAgreesWith<Engine>, the same seed and cases in
// each), and asserts that the browser did what spec.Decide with the
// engine's profile (corsproof.Engine.Profile) predicts: allowed or blocked,
// the CorsError and failed parameter, whether a preflight went out, and
// which response headers script could read. What an engine cannot observe
// is compared on no side, never guessed: WebKit reports neither a block
// reason nor the preflight; Firefox's messages name a failed parameter for
// a refused method or header only.
//
// Where the browser departs from the Fetch standard, the engine's profile
// must list the deviation (Decision.Deviations, or for deviations that only
// change the block reason, a comparison that predicts the engine's reason:
// spec.DevDisallowedHeaderOrder, spec.DevPreflightRedirectChecked,
// spec.DevPreflightMethodBeforeHeaders); any other disagreement is a
// failure that names the seed and the case so it replays:
//
//	CORSPROOF_DIFF_SEED=<seed> go test -run TestModelAgreesWithFirefox ./differential/
package differential
