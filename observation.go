package corsproof

import "strings"

// Header is one header line; lists keep order and duplicates.
type Header struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Fetch is one fetch() call to run from an origin page.
type Fetch struct {
	// PageURL is the origin page the fetch runs from
	// (e.g. "https://app.example.test/"). The engine loads it once and
	// reuses the tab for every fetch from the same page.
	PageURL string `json:"page_url"`
	// URL is fetch()'s first argument. The caller makes it unique per
	// scenario so the preflight and HTTP caches never serve one scenario
	// from another, and so the engine can match network events to it.
	URL         string   `json:"url"`
	Method      string   `json:"method,omitempty"`
	Headers     []Header `json:"headers,omitempty"`
	Body        string   `json:"body,omitempty"`      // the body's text
	BodyKind    string   `json:"body_kind,omitempty"` // "", text, urlsearchparams, blob, arraybuffer
	BlobType    string   `json:"blob_type,omitempty"`
	Credentials string   `json:"credentials,omitempty"` // omit, same-origin, include; "" = fetch()'s default
	Mode        string   `json:"mode,omitempty"`
	Redirect    string   `json:"redirect,omitempty"`
	Cache       string   `json:"cache,omitempty"`
}

// Exchange is one request/response pair as it crossed the wire.
type Exchange struct {
	URL             string   `json:"url"`
	Method          string   `json:"method"`
	RequestHeaders  []Header `json:"request_headers,omitempty"`
	Status          int      `json:"status"` // 0 when no response arrived
	ResponseHeaders []Header `json:"response_headers,omitempty"`
}

// BlockedCookie is a cookie the browser refused: a Set-Cookie it did not
// store (Source "response"), or a stored cookie it did not send (Source
// "request"). Reason is the browser's first reason (e.g.
// "ThirdPartyPhaseout", "UserPreferences", "SameSiteNoneInsecure");
// Reasons lists them all.
type BlockedCookie struct {
	Name    string   `json:"name"`
	Reason  string   `json:"reason"`
	Reasons []string `json:"reasons,omitempty"`
	Source  string   `json:"source,omitempty"`
}

// Observation is what happened when a page ran a fetch. Fields an engine
// cannot report are left empty and named in Unavailable, never guessed.
type Observation struct {
	// Allowed: the promise resolved with a Response.
	Allowed bool `json:"allowed"`
	// Error is the rejection, e.g. "TypeError: Failed to fetch".
	Error string `json:"error,omitempty"`
	// What script saw when Allowed.
	Status  int      `json:"status,omitempty"`
	Type    string   `json:"type,omitempty"`
	Headers []Header `json:"headers,omitempty"` // readable response headers, as iterated
	Body    string   `json:"body,omitempty"`
	// BodyTruncated: Body holds only the first 64 KiB.
	BodyTruncated bool `json:"body_truncated,omitempty"`

	// CorsError and FailedParameter: the browser's own block reason.
	CorsError       string `json:"cors_error,omitempty"`
	FailedParameter string `json:"failed_parameter,omitempty"`
	// NetError is a non-CORS network failure (e.g. net::ERR_CONNECTION_REFUSED).
	NetError string `json:"net_error,omitempty"`

	// Preflight is the (first) OPTIONS exchange, nil when none was sent.
	Preflight *Exchange `json:"preflight,omitempty"`
	// Preflights lists every preflight in order when there was more than
	// one: a request redirected to another URL is preflighted again there.
	// Engines that report only one leave it empty; see AllPreflights.
	Preflights []Exchange `json:"preflights,omitempty"`
	// Actual lists the actual request's exchanges, one per redirect hop;
	// empty when it was never sent.
	Actual []Exchange `json:"actual,omitempty"`
	// BlockedCookies are the cookies the browser dropped, from the actual
	// response (Set-Cookie) or the request (Cookie).
	BlockedCookies []BlockedCookie `json:"blocked_cookies,omitempty"`

	// Unavailable names fields this engine cannot observe ("cors_error",
	// "preflight", "actual", "blocked_cookies").
	Unavailable []string `json:"unavailable,omitempty"`
	// Refused are the "host:port" names outside the run that the browser
	// tried to reach while this fetch ran, as the run's proxy refused
	// them: a redirect away, seen by an engine that shows no exchanges
	// (WebKit, which runs one fetch at a time). Empty for the others.
	Refused []string `json:"refused,omitempty"`
	// Notes are the engine's remarks about this observation's quality,
	// e.g. an event the engine could not decode, or events that did not
	// arrive in time. Empty in the normal case.
	Notes []string `json:"notes,omitempty"`
}

// Cookie is a cookie to put into the browser's jar.
type Cookie struct {
	Name     string `json:"name"`
	Value    string `json:"value"`
	Path     string `json:"path,omitempty"`
	Secure   bool   `json:"secure,omitempty"`
	HTTPOnly bool   `json:"http_only,omitempty"`
	SameSite string `json:"same_site,omitempty"` // None, Lax, Strict
}

// AllPreflights is every preflight observed, in order.
func (o Observation) AllPreflights() []Exchange {
	if len(o.Preflights) > 0 {
		return o.Preflights
	}
	if o.Preflight != nil {
		return []Exchange{*o.Preflight}
	}
	return nil
}

// HeaderValue returns the first value of name in hs (case-insensitive).
func HeaderValue(hs []Header, name string) (string, bool) {
	for _, h := range hs {
		if strings.EqualFold(h.Name, name) {
			return h.Value, true
		}
	}
	return "", false
}
