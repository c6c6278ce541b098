// Package browser runs fetch() calls in real browsers and reports what
// happened, as Observations the harness compares with the declared policy.
// See README-level detail in the doc comments of Chromium and Fetch.
package browser
