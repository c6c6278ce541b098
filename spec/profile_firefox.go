package spec

import "time"

const firefoxSeen = "Firefox ESR 153.x (measured 153.7.0esr)"

// firefoxSource marks what was read in Gecko's sources
// (netwerk/protocol/http/nsCORSListenerProxy.cpp) rather than measured.
const firefoxSource = "Firefox ESR 153.x, from nsCORSListenerProxy.cpp (not measured)"

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

// Firefox is current Firefox (ESR 153, driven over WebDriver BiDi) as read
// in Gecko's sources and measured where noted. Compared with Chromium: the
// preflight cache keeps up to 24 h, User-Agent is an ordinary header (a
// non-safelisted one, so setting it triggers a preflight), and no client
// hint is safelisted.
var Firefox = Profile{
	Name: "firefox",
	// network.cors_preflight.authorization_covered_by_wildcard, default
	// true; Firefox logs CORSAllowHeaderFromPreflightDeprecation when it
	// applies.
	AuthorizationCoveredByWildcard: true,
	MaxAgeCap:                      24 * time.Hour,
	// AddResultToCache accepts only digits: "-1", "1.5", "abc" and
	// "10, 20" leave the result uncached (no 5 s fallback).
	NegativeMaxAgeMeansNoCache:  true,
	InvalidMaxAgeMeansNoCache:   true,
	CacheKeyUsesInitiatorOrigin: true,
	// Measured for no-store only (catalog scenario
	// cache-default-put-no-store); reload and no-cache not yet.
	CacheBypassModes:   []string{"no-store"},
	CacheTokensLiteral: true,
	Deviations: []Deviation{
		{DevAuthorizationWildcard, "R4.2.7, R14.1", "Access-Control-Allow-Headers: * covers Authorization on non-credentialed requests (pref network.cors_preflight.authorization_covered_by_wildcard, default true; a deprecation warning is logged)", firefoxSeen},
		{DevMaxAgeCap, "R5.3, R14.3", "Access-Control-Max-Age is capped at 86400 s (24 h)", firefoxSource},
		{DevNegativeMaxAge, "R5.3, R14.8", "a negative Access-Control-Max-Age caches nothing instead of falling back to 5 s", firefoxSource},
		{DevInvalidMaxAge, "R5.3", "an Access-Control-Max-Age that is not all digits (1.5, abc, \"10, 20\") caches nothing instead of falling back to 5 s", firefoxSource},
		{DevCacheModeBypass, "R5.5", "fetch() cache mode no-store bypasses the preflight cache (reload and no-cache not measured)", firefoxSeen},
		{DevCacheTokensLiteral, "R5.2", "the preflight cache matches methods and header names literally: a cached Access-Control-Allow-Methods/-Headers * never serves a later request, which is preflighted again (nsPreflightCache::CacheEntry::CheckRequest; measured for headers by catalog scenario cache-public-get-custom-header-app)", firefoxSeen},
		{DevCacheKeyInitiator, "R5.5", "the preflight cache is keyed on the requesting page's principal, not the redirect-tainted null", firefoxSource},
		{DevPreflightMethodBeforeHeaders, "R4.2.4, R4.2.6", "the preflight's Access-Control-Allow-Methods is parsed and the method checked before Access-Control-Allow-Headers is parsed, so a refused method is reported (MethodDisallowedByPreflightResponse) where the standard reports the unparsable headers list (InvalidAllowHeadersPreflightResponse); blocked either way (nsCORSPreflightListener::CheckPreflightRequestApproved)", firefoxSeen + ", measured by harness/differential"},
		{DevPreflightRedirectChecked, "R4.1, R4.2, R6.1", "a preflight answered with a redirect is blocked, as in the standard, but the reason is the failed CORS check of the redirect response (e.g. PreflightAllowOriginMismatch) or, when that check passes, \"CORS request external redirect not allowed\" (InvalidRedirect), instead of the redirect itself (nsCORSListenerProxy checks a redirect response before refusing to follow it)", firefoxSeen + ", measured by harness/differential"},
	},
}
