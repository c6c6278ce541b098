package spec

// webkitMeasured begins the SeenIn of every WebKit entry: the version the
// entry was measured in (WebKitWebDriver's browserVersion), and the test
// (browser/profile_measure_test.go) whose cases measure it; the entry names
// the cases.
const webkitMeasured = "WebKitGTK 2.50.6, measured by browser/TestProfileDeviations/webkit/"

// WebKit is current WebKit as WebKitGTK 2.50 ships it (MiniBrowser under
// WebKitWebDriver). Every Deviation is measured in WebKit by
// browser.TestProfileDeviations. Compared with Chromium: User-Agent is an
// ordinary header, and no client hint is safelisted. WebCore's 600 s cap on
// Access-Control-Max-Age (maxPreflightCacheTimeout, read in
// CrossOriginPreflightResultCache.cpp) is not observable in a test of
// seconds, so the profile no longer claims it.
var WebKit = Profile{
	Name: "webkit",
	// "*" in Access-Control-Allow-Headers covers every non-safelisted
	// header, Authorization included, when the request is not credentialed.
	AuthorizationCoveredByWildcard: true,
	// "-1" caches nothing; "1.5", "abc" and "10, 20" get the default 5 s,
	// as in the standard (cases max-age-invalid-*).
	NegativeMaxAgeMeansNoCache: true,
	// One entry per (origin, URL), replaced whole by the next preflight.
	CacheReplacesWholeEntry: true,
	// http://127.0.0.1 and http://localhost are as mixed as any http URL.
	LoopbackIsMixedContent: true,
	// BYTES=0-1 and Bytes=0-1 are safelisted Range values.
	RangeValueCaseInsensitive: true,
	Deviations: []Deviation{
		{DevAuthorizationWildcard, "R4.2.7, R14.1", "Access-Control-Allow-Headers: * covers Authorization on non-credentialed requests: the preflight passes and the request goes out with its Authorization", webkitMeasured + "authorization-wildcard"},
		{DevNegativeMaxAge, "R5.3, R14.8", "a negative Access-Control-Max-Age caches nothing, instead of a parse failure (5 s): the next request is preflighted again at once", webkitMeasured + "max-age-negative"},
		{DevCacheWholeEntry, "R5.5", "one preflight-cache entry per origin and URL: a second preflight (for DELETE and X-B) replaces the entry whole, so the PUT and X-A the first allowed are preflighted again, where the standard would have added to the cache", webkitMeasured + "cache-entry-replaced"},
		{DevRangeCaseInsensitive, "R2.2", "the Range value's unit is matched case-insensitively, so Range: BYTES=0-1 is safelisted and sent without a preflight", webkitMeasured + "range-uppercase"},
		{DevMixedContentLoopback, RuleMixedContent + " (Secure Contexts §3.1)", "an https page's fetch of http://127.0.0.1 or http://localhost is blocked as mixed content before it is sent, though loopback is potentially trustworthy (Chromium and Firefox send it; from an http page WebKit sends it too)", webkitMeasured + "mixed-content-loopback, mixed-content-localhost"},
	},
}
