package corsproof

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/corsproof/corsproof/spec"
)

// Scenario is one conformance check: a page on one origin makes one fetch
// to the API, whose CORS behaviour follows a named policy. What should happen
// is computed (policy → server answer → Fetch model), never written by hand.
type Scenario struct {
	ID     string   `json:"id"`
	Title  string   `json:"title"`
	Labels []string `json:"labels,omitempty"`
	// Policy names the policy the API serves for this scenario.
	Policy string `json:"policy"`
	// Site names the origin page the fetch runs from.
	Site    string  `json:"site"`
	Request Request `json:"request"`
	// Session puts a valid session cookie for the API into the browser's
	// jar before the fetch (SameSite=None; Secure, as the API's login sets it).
	Session bool `json:"session,omitempty"`
	// Repeat runs the same fetch (same URL) this many extra times right
	// after the first; the last run is judged. Preflight caching shows here.
	Repeat int `json:"repeat,omitempty"`
	// RepeatAfter spaces the repeats: the i-th goes i RepeatAfters after
	// the first fetch ended (e.g. the last past the 5 s a browser caches a
	// preflight that came without Access-Control-Max-Age).
	RepeatAfter time.Duration `json:"repeat_after_ns,omitempty"`
	// PrimeSite names a site whose page fetches the same URL first (its
	// result is not judged): it fills the browser's HTTP cache, so a
	// response cached for one origin can be served to another.
	PrimeSite string `json:"prime_site,omitempty"`
	// State is the browser state the scenario depends on besides its own
	// request, for the runner's scheduler (see State). Scenario.Uses
	// derives it from Repeat, PrimeSite and Session.
	State []State `json:"state,omitempty"`
}

// State names browser state a scenario depends on. Scenarios run many at a
// time in one browser; what they share decides what must keep its order.
type State string

const (
	// StatePreflightCache: the scenario's repeats are answered from the
	// preflight cache entry of its first fetch. The entry is keyed by the
	// scenario's own unique URL, so no other scenario touches it; a
	// scenario that must wait for it to expire (RepeatAfter) starts first,
	// so its wait overlaps the others' work. The cache's room is shared,
	// though: Firefox keeps 100 entries, least recently used out first,
	// so a wait lets others evict the entry unless repeats keep it in use.
	StatePreflightCache State = "preflight-cache"
	// StateHTTPCache: the priming fetch from PrimeSite fills the HTTP cache
	// for the scenario's own URL, which again no other scenario touches.
	StateHTTPCache State = "http-cache"
	// StateCookieJar: the scenario sends the API's session cookie. The
	// runner puts each cookie into the jar once and never changes it, so
	// these scenarios need no order among themselves.
	StateCookieJar State = "cookie-jar"
)

// Uses is the state s depends on: the declared State, plus what Repeat,
// PrimeSite and Session imply.
func (s Scenario) Uses() []State {
	out := slices.Clone(s.State)
	add := func(st State, on bool) {
		if on && !slices.Contains(out, st) {
			out = append(out, st)
		}
	}
	add(StatePreflightCache, s.Repeat > 0)
	add(StateHTTPCache, s.PrimeSite != "")
	add(StateCookieJar, s.Session)
	return out
}

// Request is the fetch() a scenario makes, relative to the API.
type Request struct {
	// API is the API origin; "" means the run's main API origin.
	API string `json:"api,omitempty"`
	// Path and query under the API (e.g. "/api/items"); the harness adds a
	// query token unique to the scenario run.
	Path        string               `json:"path"`
	Method      string               `json:"method,omitempty"`
	Headers     spec.Headers         `json:"headers,omitempty"`
	Body        spec.BodyKind        `json:"body,omitempty"`
	BodyText    string               `json:"body_text,omitempty"`
	BlobType    string               `json:"blob_type,omitempty"`
	Credentials spec.CredentialsMode `json:"credentials,omitempty"`
	Mode        spec.Mode            `json:"mode,omitempty"`
	Redirect    spec.RedirectMode    `json:"redirect,omitempty"`
	Cache       string               `json:"cache,omitempty"`
}

// String is a compact form for tables: "PUT /api/items/1 +X-Foo cred=include".
func (r Request) String() string {
	var b strings.Builder
	m := r.Method
	if m == "" {
		m = "GET"
	}
	fmt.Fprintf(&b, "%s %s", m, r.Path)
	for _, h := range r.Headers {
		fmt.Fprintf(&b, " +%s", h.Name)
	}
	if r.Body != spec.BodyNone {
		fmt.Fprintf(&b, " body=%s", r.Body)
	}
	if r.Credentials != "" {
		fmt.Fprintf(&b, " cred=%s", r.Credentials)
	}
	if r.Mode != "" {
		fmt.Fprintf(&b, " mode=%s", r.Mode)
	}
	if r.Redirect != "" {
		fmt.Fprintf(&b, " redirect=%s", r.Redirect)
	}
	if r.Cache != "" {
		fmt.Fprintf(&b, " cache=%s", r.Cache)
	}
	return b.String()
}

// HasLabel reports whether the scenario carries label l.
func (s Scenario) HasLabel(l string) bool { return slices.Contains(s.Labels, l) }

// Fetch is the browser's fetch() for r from the page at pageURL to url: the
// same init, header order and body the runner sends.
func (r Request) Fetch(pageURL, url string) Fetch {
	f := Fetch{
		PageURL: pageURL, URL: url, Method: r.Method,
		Body: r.BodyText, BodyKind: string(r.Body), BlobType: r.BlobType,
		Credentials: string(r.Credentials), Mode: string(r.Mode), Redirect: string(r.Redirect), Cache: r.Cache,
	}
	for _, h := range r.Headers {
		f.Headers = append(f.Headers, Header{Name: h.Name, Value: h.Value})
	}
	return f
}

// Spec is r as the Fetch model's request from origin to url.
func (r Request) Spec(origin, url string) spec.Request {
	return spec.Request{
		Origin: origin, URL: url, Method: r.Method, Headers: r.Headers,
		Body: r.Body, BlobType: r.BlobType, Credentials: r.Credentials,
		Mode: r.Mode, Redirect: r.Redirect, Cache: r.Cache,
	}
}
