// Package judge turns what one scenario's fetches did into a verdict.
//
// A verdict weighs three sides, named the same everywhere in corsproof:
//
//   - the policy: what a server that keeps the policy answers, through the
//     Fetch model (package spec) with the engine's deviation profile;
//   - the wire: what the server really sent, as the browser saw it on the
//     wire, through the same model;
//   - the browser: what the browser really did (allowed, or blocked and
//     why).
//
// The browser against the wire says whether the browser kept the Fetch
// standard (or a deviation its profile lists); the browser against the
// policy says whether the server keeps the policy. Judge is one pure
// function from one Input to one corsproof.Result: no I/O, no browser, so
// its tests feed recorded observations. The comparisons it makes (Agree,
// ReasonDeviation) are the ones the differential test of the model uses
// too, so the two cannot drift.
package judge
