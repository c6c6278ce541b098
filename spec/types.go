package spec

import "strings"

// Header is one header line. Headers keeps order and duplicates, because the
// Fetch standard treats two Access-Control-Allow-Origin lines differently
// from one.
type Header struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Headers is an ordered header list; names compare case-insensitively.
type Headers []Header

// Values returns every value of name, in order.
func (h Headers) Values(name string) []string {
	var vs []string
	for _, x := range h {
		if strings.EqualFold(x.Name, name) {
			vs = append(vs, x.Value)
		}
	}
	return vs
}

// Get is the Fetch standard's "get": the values of name combined with ", ",
// and ok=false when the header is absent ("null is not `null`").
func (h Headers) Get(name string) (string, bool) {
	vs := h.Values(name)
	if vs == nil {
		return "", false
	}
	return strings.Join(vs, ", "), true
}

// Has reports whether the list contains name.
func (h Headers) Has(name string) bool { return h.Values(name) != nil }

// CredentialsMode is a request's credentials mode.
type CredentialsMode string

const (
	CredentialsOmit       CredentialsMode = "omit"
	CredentialsSameOrigin CredentialsMode = "same-origin" // fetch()'s default
	CredentialsInclude    CredentialsMode = "include"
)

// Mode is a request's mode.
type Mode string

const (
	ModeCORS       Mode = "cors" // fetch()'s default
	ModeNoCORS     Mode = "no-cors"
	ModeSameOrigin Mode = "same-origin"
)

// RedirectMode is a request's redirect mode.
type RedirectMode string

const (
	RedirectFollow RedirectMode = "follow" // the default
	RedirectError  RedirectMode = "error"
	RedirectManual RedirectMode = "manual"
)

// BodyKind is the kind of body a page passes to fetch(); it decides the
// implicit Content-Type (R1.7).
type BodyKind string

const (
	BodyNone            BodyKind = ""
	BodyText            BodyKind = "text"            // a string: text/plain;charset=UTF-8
	BodyURLSearchParams BodyKind = "urlsearchparams" // application/x-www-form-urlencoded;charset=UTF-8
	BodyBlob            BodyKind = "blob"            // Blob with BlobType as its type
	BodyArrayBuffer     BodyKind = "arraybuffer"     // no Content-Type
)

// Request is a fetch() call as a page makes it: the input to the model.
type Request struct {
	// Origin is the page's serialized origin, "null" for an opaque origin.
	Origin string `json:"origin"`
	// URL is the absolute URL passed to fetch().
	URL string `json:"url"`
	// PageURL is the calling page's URL, when known: an https page may not
	// fetch plain-http URLs (mixed content). Empty means the page came
	// from Origin's scheme.
	PageURL string `json:"page_url,omitempty"`
	// Method as the page passes it, before normalization ("" means GET).
	Method string `json:"method,omitempty"`
	// Headers as the page sets them, in order.
	Headers     Headers         `json:"headers,omitempty"`
	Body        BodyKind        `json:"body,omitempty"`
	BlobType    string          `json:"blob_type,omitempty"`
	Credentials CredentialsMode `json:"credentials,omitempty"` // "" means same-origin
	Mode        Mode            `json:"mode,omitempty"`        // "" means cors
	Redirect    RedirectMode    `json:"redirect,omitempty"`    // "" means follow
	Cache       string          `json:"cache,omitempty"`       // fetch()'s cache mode; "" means default
}

// ServerRequest is a request the model sends to the server on the page's
// behalf: a preflight or the actual request (again after each redirect).
type ServerRequest struct {
	Preflight bool   `json:"preflight"`
	Method    string `json:"method"` // OPTIONS for a preflight
	URL       string `json:"url"`
	// Headers the browser sends: Origin, Access-Control-Request-*, the
	// page's headers (actual request only). Cookies are not listed; see
	// Credentials.
	Headers Headers `json:"headers,omitempty"`
	// Credentials: the request carries cookies (includeCredentials).
	Credentials bool `json:"credentials"`
}

// Response is a server's response as the browser receives it on the wire.
type Response struct {
	Status  int     `json:"status"`
	Headers Headers `json:"headers,omitempty"`
}

// Server answers the model's requests. ok=false means the answer is not
// known (for example a replay of wire traffic in which the browser never sent
// that request); the decision is then marked Incomplete.
type Server func(ServerRequest) (resp Response, ok bool)
