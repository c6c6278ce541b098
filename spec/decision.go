package spec

// Reason says why a fetch was blocked, named exactly like Chromium's
// Network.CorsError values so the model and the browser compare directly.
// The zero value means "not blocked".
type Reason string

const (
	ReasonNone Reason = ""

	// The Request constructor threw: nothing was sent (R1.1).
	ReasonInvalidRequest Reason = "InvalidRequest"
	// mode "same-origin" to a cross-origin URL, or a redirect not allowed by
	// the mode (R3.1, R11.2).
	ReasonDisallowedByMode   Reason = "DisallowedByMode"
	ReasonCorsDisabledScheme Reason = "CorsDisabledScheme"

	// The CORS check on an actual (or redirect) response (R6).
	ReasonMissingAllowOriginHeader  Reason = "MissingAllowOriginHeader"
	ReasonWildcardOriginNotAllowed  Reason = "WildcardOriginNotAllowed"
	ReasonMultipleAllowOriginValues Reason = "MultipleAllowOriginValues"
	ReasonInvalidAllowOriginValue   Reason = "InvalidAllowOriginValue"
	ReasonAllowOriginMismatch       Reason = "AllowOriginMismatch"
	ReasonInvalidAllowCredentials   Reason = "InvalidAllowCredentials"

	// The preflight (R4).
	ReasonPreflightInvalidStatus               Reason = "PreflightInvalidStatus"
	ReasonPreflightDisallowedRedirect          Reason = "PreflightDisallowedRedirect"
	ReasonPreflightMissingAllowOriginHeader    Reason = "PreflightMissingAllowOriginHeader"
	ReasonPreflightWildcardOriginNotAllowed    Reason = "PreflightWildcardOriginNotAllowed"
	ReasonPreflightMultipleAllowOriginValues   Reason = "PreflightMultipleAllowOriginValues"
	ReasonPreflightInvalidAllowOriginValue     Reason = "PreflightInvalidAllowOriginValue"
	ReasonPreflightAllowOriginMismatch         Reason = "PreflightAllowOriginMismatch"
	ReasonPreflightInvalidAllowCredentials     Reason = "PreflightInvalidAllowCredentials"
	ReasonInvalidAllowMethodsPreflightResponse Reason = "InvalidAllowMethodsPreflightResponse"
	ReasonInvalidAllowHeadersPreflightResponse Reason = "InvalidAllowHeadersPreflightResponse"
	ReasonMethodDisallowedByPreflightResponse  Reason = "MethodDisallowedByPreflightResponse"
	ReasonHeaderDisallowedByPreflightResponse  Reason = "HeaderDisallowedByPreflightResponse"

	// Redirects (R8).
	ReasonRedirectContainsCredentials Reason = "RedirectContainsCredentials"
	ReasonNoCorsRedirectModeNotFollow Reason = "NoCorsRedirectModeNotFollow"
	ReasonTooManyRedirects            Reason = "TooManyRedirects"
	ReasonRedirectModeError           Reason = "RedirectModeError"
	// ReasonInvalidRedirect: a Location that does not parse, or a redirect
	// a stream body cannot follow (R8.2). Like TooManyRedirects and
	// RedirectModeError this is a network error, not a Chromium CorsError.
	ReasonInvalidRedirect Reason = "InvalidRedirect"
)

// Step is one step of a decision, for `corsproof explain` and reports.
type Step struct {
	Rule string `json:"rule"` // the rule in docs/fetch-cors-rules.md, e.g. "R4.2.6"
	Text string `json:"text"` // what was checked and what came of it
	OK   bool   `json:"ok"`
}

// Decision is the model's answer for one fetch.
type Decision struct {
	// Allowed: the fetch() promise resolves with a readable response
	// (type "cors" or "basic"), or an opaque one for no-cors.
	Allowed bool `json:"allowed"`
	// Reason and FailedParameter say why it was blocked, as Chromium would.
	Reason          Reason `json:"reason,omitempty"`
	FailedParameter string `json:"failed_parameter,omitempty"`

	// Preflight: the model sent a preflight (for the last URL when
	// redirected). PreflightWhy says why one was needed.
	Preflight    bool   `json:"preflight"`
	PreflightWhy string `json:"preflight_why,omitempty"`
	// RequestMethod and RequestHeaders are the preflight's
	// Access-Control-Request-Method and -Headers values.
	RequestMethod  string `json:"request_method,omitempty"`
	RequestHeaders string `json:"request_headers,omitempty"`

	// ActualSent: the actual request reached the server (true for a blocked
	// simple request: CORS protects reads, not writes).
	ActualSent bool `json:"actual_sent"`
	// Status and Type are what script sees when Allowed.
	Status int    `json:"status,omitempty"`
	Type   string `json:"type,omitempty"` // basic, cors, opaque, opaqueredirect
	// Exposed lists the response header names script can read, lowercase
	// and sorted (only when Allowed).
	Exposed []string `json:"exposed,omitempty"`

	// CookiesSent: the actual request carried cookies (includeCredentials).
	CookiesSent bool `json:"cookies_sent"`
	// CookiesStored: Set-Cookie on the actual response would be stored
	// (before, and regardless of, the CORS check).
	CookiesStored bool `json:"cookies_stored"`

	// Deviations lists the IDs of profile deviations that changed the
	// outcome compared with the standard.
	Deviations []string `json:"deviations,omitempty"`
	// Preflights counts the preflights sent over all hops; PreflightCached
	// says a cached preflight result was used instead (for the last hop).
	Preflights      int  `json:"preflights,omitempty"`
	PreflightCached bool `json:"preflight_cached,omitempty"`
	// URL is the last URL fetched (after redirects); Redirects counts them.
	URL       string `json:"url,omitempty"`
	Redirects int    `json:"redirects,omitempty"`
	// Sent lists, in order, every request the model sent to the server:
	// what the harness should find in the mock API's log.
	Sent []ServerRequest `json:"sent,omitempty"`

	// Incomplete: the Server could not answer a request the model needed.
	Incomplete bool   `json:"incomplete,omitempty"`
	Steps      []Step `json:"steps,omitempty"`
}
