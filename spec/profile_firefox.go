package spec

// firefoxMeasured begins the SeenIn of every Firefox entry: the version the
// entry was measured in, and the test (browser/profile_measure_test.go)
// whose cases measure it; the entry names the cases.
const firefoxMeasured = "Firefox ESR 153.8.0esr, measured by browser/TestProfileDeviations/firefox/"

// DevPreflightRedirectChecked changes only the reason of a block: a
// preflight answered with a redirect fails in the standard for its status
// (PreflightDisallowedRedirect); the engine first runs the CORS check on the
// redirect response and reports its failure, or InvalidRedirect when it
// passes. Decide keeps the standard's reason; comparisons accept the one
// predicted from the redirect response.
const DevPreflightRedirectChecked = "preflight-redirect-cors-checked"

// DevPreflightMethodBeforeHeaders changes only the reason of a block: the
// standard parses Access-Control-Allow-Methods and -Headers before it checks
// the method (R4.2.2–R4.2.6), so an unparsable headers list fails first
// (InvalidAllowHeadersPreflightResponse); the engine parses and checks the
// methods first and reports the method (MethodDisallowedByPreflightResponse).
// Decide keeps the standard's reason; comparisons accept the predicted one.
const DevPreflightMethodBeforeHeaders = "preflight-method-before-headers"

// Firefox is current Firefox (ESR 153, driven over WebDriver BiDi). Every
// Deviation is measured in Firefox by browser.TestProfileDeviations.
// Compared with Chromium: User-Agent is an ordinary header (a non-safelisted
// one, so setting it triggers a preflight), and no client hint is
// safelisted. Gecko's 24 h cap on Access-Control-Max-Age (read in
// nsCORSListenerProxy.cpp) is not observable in a test of seconds, so the
// profile no longer claims it.
var Firefox = Profile{
	Name: "firefox",
	// network.cors_preflight.authorization_covered_by_wildcard, default
	// true; Firefox logs CORSAllowHeaderFromPreflightDeprecation when it
	// applies.
	AuthorizationCoveredByWildcard: true,
	// "-1", "1.5", "abc" and "10, 20" leave the result uncached (no 5 s
	// fallback).
	NegativeMaxAgeMeansNoCache: true,
	InvalidMaxAgeMeansNoCache:  true,
	// Measured (cache-key-*-redirect); note that spec/cache.go reads it
	// only under CacheReplacesWholeEntry, which Firefox has not.
	CacheKeyUsesInitiatorOrigin: true,
	// no-store, as measured; reload bypasses the cache too in 153.8 (case
	// cache-mode-reload, a gap of this list), no-cache does not.
	CacheBypassModes:   []string{"no-store", "reload"},
	CacheTokensLiteral: true,
	Deviations: []Deviation{
		{DevAuthorizationWildcard, "R4.2.7, R14.1", "Access-Control-Allow-Headers: * covers Authorization on non-credentialed requests: the preflight passes and the request goes out with its Authorization (pref network.cors_preflight.authorization_covered_by_wildcard, default true; a deprecation warning is logged)", firefoxMeasured + "authorization-wildcard"},
		{DevNegativeMaxAge, "R5.3, R14.8", "a negative Access-Control-Max-Age caches nothing instead of falling back to 5 s: the next request is preflighted again at once", firefoxMeasured + "max-age-negative"},
		{DevInvalidMaxAge, "R5.3", "an Access-Control-Max-Age that is not all digits (1.5, abc, \"10, 20\") caches nothing instead of falling back to 5 s: the next request is preflighted again at once", firefoxMeasured + "max-age-invalid-abc, max-age-invalid-1-5, max-age-invalid-10-20"},
		{DevCacheModeBypass, "R5.5", "fetch() cache modes no-store and reload bypass the preflight cache: a request within max-age is preflighted again (no-cache does not bypass)", firefoxMeasured + "cache-mode-no-store, cache-mode-reload (and cache-mode-no-cache)"},
		{DevCacheTokensLiteral, "R5.2", "the preflight cache matches methods and header names literally: a cached Access-Control-Allow-Methods: * or Access-Control-Allow-Headers: * never serves a later request, which is preflighted again", firefoxMeasured + "cache-wildcard-methods-literal, cache-wildcard-headers-literal"},
		{DevCacheKeyInitiator, "R5.5", "the preflight cache is keyed on the requesting page, not the redirect-tainted null: a PUT redirected to another origin (sent with Origin: null) and a direct PUT of the page to that URL share one cache entry, either way round; the preflight after the redirect even carries the page's Origin", firefoxMeasured + "cache-key-after-redirect, cache-key-before-redirect"},
		{DevPreflightMethodBeforeHeaders, "R4.2.4, R4.2.6", "the preflight's Access-Control-Allow-Methods is parsed and the method checked before Access-Control-Allow-Headers is parsed, so a refused method is reported (MethodDisallowedByPreflightResponse) where the standard reports the unparsable headers list (InvalidAllowHeadersPreflightResponse); blocked either way", firefoxMeasured + "preflight-method-before-headers"},
		{DevPreflightRedirectChecked, "R4.1, R4.2, R6.1", "a preflight answered with a redirect is blocked, as in the standard, but the reason is the failed CORS check of the redirect response (e.g. PreflightMissingAllowOriginHeader) or, when that check passes, \"CORS request external redirect not allowed\" (InvalidRedirect), instead of the redirect itself", firefoxMeasured + "preflight-redirect-fails-cors-check, preflight-redirect-passes-cors-check"},
	},
}
