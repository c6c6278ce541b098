package spec

import "time"

const webkitSeen = "WebKitGTK 2.50.x (measured 2.50.6)"

// webkitSource marks what was read in WebKit's sources
// (Source/WebCore/loader/CrossOriginPreflightResultCache.cpp) rather than
// measured.
const webkitSource = "WebKit sources 2025/26 (CrossOriginPreflightResultCache.cpp), not measured"

// WebKit is current WebKit as WebKitGTK 2.50 ships it (MiniBrowser under
// WebKitWebDriver), read in WebCore's sources and measured where noted.
// Compared with Chromium: the preflight cache keeps at most 600 s, User-Agent
// is an ordinary header, and no client hint is safelisted.
var WebKit = Profile{
	Name: "webkit",
	// validateCrossOriginHeaders: "*" in Access-Control-Allow-Headers
	// covers every non-safelisted header, Authorization included, when the
	// request is not credentialed.
	AuthorizationCoveredByWildcard: true,
	// maxPreflightCacheTimeout = 600_s.
	MaxAgeCap: 600 * time.Second,
	// parseAccessControlMaxAge uses parseInteger<int64_t>: "-1" parses, and
	// an expiry in the past caches nothing; "1.5", "abc" and "10, 20" fail
	// to parse and get the default 5 s, as in the standard.
	NegativeMaxAgeMeansNoCache: true,
	// m_preflightHashMap.set replaces the entry of (session, origin, URL)
	// whole, and canSkipPreflight removes it on a miss.
	CacheReplacesWholeEntry: true,
	// MixedContentChecker asks SecurityOrigin::isSecure(url), which is
	// about the scheme only: http://127.0.0.1 is as mixed as any http URL.
	LoopbackIsMixedContent: true,
	Deviations: []Deviation{
		{DevAuthorizationWildcard, "R4.2.7, R14.1", "Access-Control-Allow-Headers: * covers Authorization on non-credentialed requests", webkitSeen},
		{DevMaxAgeCap, "R5.3, R14.3", "Access-Control-Max-Age is capped at 600 s (maxPreflightCacheTimeout)", webkitSource},
		{DevNegativeMaxAge, "R5.3, R14.8", "a negative Access-Control-Max-Age parses as an integer and caches nothing, instead of a parse failure (5 s)", webkitSeen + ", from CrossOriginPreflightResultCache.cpp"},
		{DevCacheWholeEntry, "R5.5", "one preflight-cache entry per origin and URL: a new preflight replaces it whole, a miss erases it", webkitSource},
		{DevMixedContentLoopback, RuleMixedContent + " (Secure Contexts §3.1)", "an https page's fetch of http://127.0.0.1 or http://localhost is blocked as mixed content before it is sent, though loopback is potentially trustworthy (Chromium and Firefox send it)", webkitSeen + ", by corsproof check against a server on 127.0.0.1 and localhost"},
	},
}
