package spec

import "time"

// Profile says how one browser engine departs from the Fetch standard. The
// model runs the standard's algorithm and consults the profile only at the
// places where engines are known to differ; each such place has a Deviation
// ID, which Decide reports in Decision.Deviations when it changed the result.
// Adding an engine is adding data: a Profile value, no new code paths.
type Profile struct {
	Name string `json:"name"`

	// AuthorizationCoveredByWildcard: "Access-Control-Allow-Headers: *"
	// allows Authorization on a non-credentialed request (R4.2.7, R14.1).
	AuthorizationCoveredByWildcard bool `json:"authorization_covered_by_wildcard,omitempty"`

	// MaxAgeCap caps Access-Control-Max-Age (R5.3); 0 means no cap (the
	// standard leaves the limit to the implementation).
	MaxAgeCap time.Duration `json:"max_age_cap,omitempty"`
	// NegativeMaxAgeMeansNoCache: "-1" caches nothing instead of being a
	// parse failure that falls back to 5 s (R5.3).
	NegativeMaxAgeMeansNoCache bool `json:"negative_max_age_means_no_cache,omitempty"`
	// InvalidMaxAgeMeansNoCache: "abc", "1.5", "10, 20" cache nothing
	// instead of 5 s (Firefox, R5.3).
	InvalidMaxAgeMeansNoCache bool `json:"invalid_max_age_means_no_cache,omitempty"`

	// ExtraSafelistedHeaders are request headers the engine safelists beyond
	// the standard (Chromium's client hints, R2.2, R14.4).
	ExtraSafelistedHeaders []SafelistedHeader `json:"extra_safelisted_headers,omitempty"`
	// ExtraSafelistedContentTypes are MIME essences safelisted for
	// Content-Type beyond the standard's three (R2.2).
	ExtraSafelistedContentTypes []string `json:"extra_safelisted_content_types,omitempty"`
	// RangeValueCaseInsensitive: the Range value is lowercased before
	// parsing, so "BYTES=0-1" is safelisted (R2.2).
	RangeValueCaseInsensitive bool `json:"range_value_case_insensitive,omitempty"`

	// DropsUserAgent: User-Agent is a forbidden request-header, silently
	// dropped (R1.5, R14.5).
	DropsUserAgent bool `json:"drops_user_agent,omitempty"`
	// ExtraForbiddenRequestHeaders are further names dropped silently (R1.5).
	ExtraForbiddenRequestHeaders []string `json:"extra_forbidden_request_headers,omitempty"`

	// CacheReplacesWholeEntry: one preflight-cache entry per (origin, URL)
	// holding every allowed method and header; a new preflight replaces it
	// and a lookup miss erases it (R5.5).
	CacheReplacesWholeEntry bool `json:"cache_replaces_whole_entry,omitempty"`
	// CacheKeyUsesInitiatorOrigin: the cache key holds the page's origin,
	// not the redirect-tainted "null" (R5.5).
	CacheKeyUsesInitiatorOrigin bool `json:"cache_key_uses_initiator_origin,omitempty"`
	// CacheBypassModes are fetch() cache modes for which the preflight cache
	// is not consulted (R5.5).
	CacheBypassModes []string `json:"cache_bypass_modes,omitempty"`
	// CacheTokensLiteral: the preflight cache compares cached methods and
	// header names as literal tokens, so a cached "*" never satisfies a
	// later request and every such request is preflighted again (Gecko's
	// nsPreflightCache::CacheEntry::CheckRequest).
	CacheTokensLiteral bool `json:"cache_tokens_literal,omitempty"`

	// Deviations documents every way this profile departs from Standard.
	// LoopbackIsMixedContent: an https page's fetch of http://127.0.0.1
	// or http://localhost is blocked as mixed content, though loopback is
	// potentially trustworthy (WebKit).
	LoopbackIsMixedContent bool `json:"loopback_is_mixed_content,omitempty"`

	Deviations []Deviation `json:"deviations,omitempty"`

	// Unmeasured: no deviation of this engine has been measured yet, so
	// the model holds it to the standard, and a report says so (Safari).
	Unmeasured bool `json:"unmeasured,omitempty"`
}

// SafelistedHeader is an extra safelisted request-header and its value rule.
type SafelistedHeader struct {
	Name  string    `json:"name"`
	Value ValueRule `json:"value"`
}

// ValueRule is the grammar an extra safelisted header value must match.
type ValueRule string

const (
	ValueAny     ValueRule = "any"     // any value up to 128 bytes
	ValueInt     ValueRule = "int"     // 1*DIGIT
	ValueDecimal ValueRule = "decimal" // 1*DIGIT ["." 1*DIGIT]
	ValueECT     ValueRule = "ect"     // slow-2g, 2g, 3g, 4g
	ValueOn      ValueRule = "on"      // exactly "on"
)

// Deviation documents one departure of a profile from the standard.
type Deviation struct {
	ID      string `json:"id"`
	Rule    string `json:"rule"` // rule id(s) in docs/fetch-cors-rules.md
	Summary string `json:"summary"`
	SeenIn  string `json:"seen_in"`
}

// Deviation IDs. Decide reports these in Decision.Deviations.
const (
	DevAuthorizationWildcard = "authorization-wildcard"
	DevClientHintsSafelisted = "client-hints-safelisted"
	DevAdAuctionContentType  = "ad-auction-content-type"
	DevRangeCaseInsensitive  = "range-case-insensitive"
	DevUserAgentForbidden    = "user-agent-forbidden"
	DevExtraForbiddenHeader  = "extra-forbidden-header"
	DevMaxAgeCap             = "max-age-cap"
	DevNegativeMaxAge        = "negative-max-age-no-cache"
	DevInvalidMaxAge         = "invalid-max-age-no-cache"
	DevCacheWholeEntry       = "cache-whole-entry"
	DevCacheKeyInitiator     = "cache-key-initiator-origin"
	DevCacheModeBypass       = "cache-mode-bypass"
	// DevDisallowedHeaderOrder changes only FailedParameter: Decide keeps
	// the standard's choice, and comparisons accept any disallowed name.
	DevDisallowedHeaderOrder = "disallowed-header-order"
	DevCacheTokensLiteral    = "cache-tokens-literal"
)

// Standard is the Fetch standard itself: no deviations, no max-age cap.
var Standard = Profile{Name: "standard"}

// chromiumMeasured begins the SeenIn of every Chromium entry: the version
// the entry was measured in, and the test (browser/profile_measure_test.go)
// whose cases measure it; the entry names the cases.
const chromiumMeasured = "Chromium 156.0.8078.114, measured by browser/TestProfileDeviations/chromium/"

// Chromium is current Chromium (headless Chrome). Every Deviation is
// measured in Chromium by browser.TestProfileDeviations, which also holds
// Firefox and WebKit to the standard where their profiles do not deviate.
// Claims read from Chromium's sources that this Chromium does not bear out
// are gone: message/ad-auction-trusted-signals-request is preflighted,
// "Range: BYTES=0-1" is preflighted, Access-Control-Request-Private-Network
// is sent (and preflighted) like any other header, and a preflight made
// after a redirect (Origin: null) serves no direct request of the page, nor
// the other way round (cases ad-auction-content-type, range-uppercase,
// private-network-request-header-dropped, cache-key-*-redirect, which now
// hold Chromium to the standard).
var Chromium = Profile{
	Name:                           "chromium",
	AuthorizationCoveredByWildcard: true,
	// MaxAgeCap is Chromium's kMaxTimeout (preflight_result.cc), read in
	// its sources and not measured: a 2 h cap is not observable in a test
	// of seconds, so it has no Deviation entry. It stays because
	// judge/cause_test.go (TestDeviationThatDoesNotDecideIsANote) relies
	// on it; drop it with that test's dependence.
	MaxAgeCap:                  2 * time.Hour,
	NegativeMaxAgeMeansNoCache: true,
	ExtraSafelistedHeaders: []SafelistedHeader{
		{"device-memory", ValueDecimal}, {"dpr", ValueDecimal}, {"downlink", ValueDecimal},
		{"width", ValueInt}, {"viewport-width", ValueInt}, {"rtt", ValueInt},
		{"ect", ValueECT}, {"save-data", ValueOn}, {"intervention", ValueAny},
	},
	DropsUserAgent:          true,
	CacheReplacesWholeEntry: true,
	CacheBypassModes:        []string{"no-store", "reload", "no-cache"},
	Deviations: []Deviation{
		{DevAuthorizationWildcard, "R4.2.7, R14.1", "Access-Control-Allow-Headers: * covers Authorization on non-credentialed requests: the preflight passes and the request goes out with its Authorization", chromiumMeasured + "authorization-wildcard"},
		{DevClientHintsSafelisted, "R2.2, R14.4", "DPR, Save-Data, Width, Viewport-Width, Device-Memory, RTT, Downlink, ECT and Intervention (with a value their rule accepts) are safelisted request headers: no preflight, and the header reaches the server", chromiumMeasured + "client-hint-* (one case per header)"},
		{DevUserAgentForbidden, "R1.5, R14.5", "User-Agent is a forbidden request header: a script's value is dropped silently (it never reaches the server), and nothing is preflighted", chromiumMeasured + "user-agent-dropped"},
		{DevNegativeMaxAge, "R5.3, R14.8", "a negative Access-Control-Max-Age means 0 (not cached) instead of a parse failure (5 s): the next request is preflighted again at once", chromiumMeasured + "max-age-negative"},
		{DevCacheWholeEntry, "R5.5", "one preflight-cache entry per origin and URL: a second preflight (for DELETE and X-B) replaces the entry whole, so the PUT and X-A the first allowed are preflighted again, where the standard would have added to the cache", chromiumMeasured + "cache-entry-replaced"},
		{DevDisallowedHeaderOrder, "R4.2.7, R4.2.8", "when several request headers are missing from Access-Control-Allow-Headers, the failed parameter is not the first in byte order (X-A, X-B, X-C and X-D all missing: x-d); the request is blocked either way", chromiumMeasured + "disallowed-header-order"},
		{DevCacheModeBypass, "R5.5", "fetch() cache modes no-store, reload and no-cache bypass the preflight cache: a request within max-age is preflighted again", chromiumMeasured + "cache-mode-no-store, cache-mode-reload, cache-mode-no-cache"},
	},
}

// Deviation returns the documented deviation with that id, if the profile
// has it.
func (p Profile) Deviation(id string) (Deviation, bool) {
	for _, d := range p.Deviations {
		if d.ID == id {
			return d, true
		}
	}
	return Deviation{}, false
}

// maxAgeCapped applies the profile's cap.
func (p Profile) maxAgeCapped(d time.Duration) (time.Duration, bool) {
	if p.MaxAgeCap > 0 && d > p.MaxAgeCap {
		return p.MaxAgeCap, true
	}
	return d, false
}
