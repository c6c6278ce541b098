package har

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/spec"
)

// Fetch is one cross-origin fetch() or XMLHttpRequest of a HAR, as the
// Fetch model takes it, with the exchanges the export recorded for it.
type Fetch struct {
	// Index is the actual request's entry in log.entries (from 0); Hops
	// lists the entries of its redirect hops in order (Hops[0] == Index).
	Index int
	Hops  []int
	// Preflight is the entry of its preflight, -1 when the export holds
	// none (Chromium's often leaves preflights out).
	Preflight int
	// PageURL is the page the fetch ran from, when the export says
	// (log.pages, else the Referer); Request.Origin is its origin.
	PageURL string
	Request spec.Request
	// CredentialsKnown: the request carried a Cookie, so its credentials
	// mode was "include". Otherwise the HAR cannot tell "include" with an
	// empty cookie jar from a fetch without credentials, and Request has
	// fetch()'s default.
	CredentialsKnown bool
	// Kind is "fetch" or "xhr" when the exporter says (Chromium), else "".
	Kind string
	// Observation holds the exchanges as recorded: Preflight, and one
	// Actual per hop (Status 0 where no response was recorded).
	Observation corsproof.Observation
	// Failure is the exporter's failure text for the fetch
	// (response._error of its last hop or its preflight), "" for none.
	Failure string
	// Notes say what the export lacked and what was assumed instead.
	Notes []string
}

// CrossOrigin lists the HAR's cross-origin fetch and XHR entries in the
// order of log.entries, each with its preflight and redirect hops. A
// preflight or a redirect hop is not an entry of its own here.
func (f *File) CrossOrigin() []Fetch {
	es := f.Log.Entries
	used := map[int]bool{} // preflights and later hops, taken by a fetch
	var out []Fetch
	for i := range es {
		if used[i] || isPreflight(es[i]) || !fetchLike(es[i]) {
			continue
		}
		hops := f.hops(i, used)
		origin, pageURL := f.originOf(i)
		pf := f.pairPreflight(i, used)
		if origin == "" && pf >= 0 {
			origin, _ = es[pf].Request.header("Origin")
		}
		if origin == "" || origin == originOf(es[i].Request.URL) {
			continue // same-origin, or no way to tell the page's origin
		}
		if _, hasOrigin := es[i].Request.header("Origin"); !hasOrigin && pf < 0 && es[i].ResourceType == "" {
			// Without a resource type (Firefox, WebKit) only a request
			// that carried an Origin is known to be a CORS fetch.
			continue
		}
		for _, h := range hops[1:] {
			used[h] = true
		}
		if pf >= 0 {
			used[pf] = true
		}
		out = append(out, f.fetch(i, hops, pf, origin, pageURL))
	}
	return out
}

// Entries counts log.entries.
func (f *File) Entries() int { return len(f.Log.Entries) }

func isPreflight(e Entry) bool {
	if e.ResourceType == "preflight" || (e.Initiator != nil && e.Initiator.Type == "preflight") {
		return true
	}
	_, acrm := e.Request.header("Access-Control-Request-Method")
	return strings.EqualFold(e.Request.Method, "OPTIONS") && acrm
}

// fetchLike: a fetch() or XHR, by Chromium's resource type, or by the
// request's Fetch metadata where the exporter has no resource type.
func fetchLike(e Entry) bool {
	switch e.ResourceType {
	case "fetch", "xhr":
		return true
	case "":
	default:
		return false
	}
	mode, _ := e.Request.header("Sec-Fetch-Mode")
	dest, _ := e.Request.header("Sec-Fetch-Dest")
	return mode != "navigate" && (dest == "" || dest == "empty")
}

// originOf is the serialized origin of a URL, "" when it has none.
func originOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	host := strings.ToLower(u.Hostname())
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	port := u.Port()
	if (u.Scheme == "https" && port == "443") || (u.Scheme == "http" && port == "80") {
		port = ""
	}
	if port != "" {
		host += ":" + port
	}
	return strings.ToLower(u.Scheme) + "://" + host
}

// originOf is the origin entry i's page had: its Origin header, else the
// page's URL (log.pages), else its Referer's origin.
func (f *File) originOf(i int) (origin, pageURL string) {
	e := f.Log.Entries[i]
	pageURL = f.pageURL(e)
	if pageURL == "" {
		if ref, ok := e.Request.header("Referer"); ok {
			pageURL = ref
		}
	}
	if o, ok := e.Request.header("Origin"); ok {
		return o, pageURL
	}
	return originOf(pageURL), pageURL
}

// hops follows entry i's redirects: each 3xx's redirectURL (or Location)
// to the next unused entry requesting it.
func (f *File) hops(i int, used map[int]bool) []int {
	es := f.Log.Entries
	out := []int{i}
	for cur := i; ; {
		r := es[cur].Response
		if r.Status < 300 || r.Status > 399 {
			return out
		}
		next := r.RedirectURL
		if next == "" {
			next, _ = headerOf(r.Headers, "Location")
		}
		if next == "" {
			return out
		}
		if u, err := url.Parse(es[cur].Request.URL); err == nil {
			if n, err := u.Parse(next); err == nil {
				next = n.String()
			}
		}
		found := -1
		for j := cur + 1; j < len(es); j++ {
			if !used[j] && !isPreflight(es[j]) && es[j].Request.URL == next && !contains(out, j) {
				found = j
				break
			}
		}
		if found < 0 || len(out) > 20 {
			return out
		}
		out = append(out, found)
		cur = found
	}
}

func contains(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// preflightWindow is how far apart in time a preflight and its request
// may start. Chromium records the request before its preflight, the
// others after.
const preflightWindow = 30 * time.Second

// pairPreflight is the preflight of entry i: an OPTIONS to the same URL
// with Access-Control-Request-Method naming its method, not taken by
// another request, nearest in time; -1 when there is none.
func (f *File) pairPreflight(i int, used map[int]bool) int {
	es := f.Log.Entries
	a := es[i]
	method := spec.NormalizeMethod(a.Request.Method)
	at := a.started()
	type cand struct {
		j  int
		dt time.Duration
	}
	var cs []cand
	for j, e := range es {
		if j == i || used[j] || !isPreflight(e) || e.Request.URL != a.Request.URL {
			continue
		}
		if acrm, ok := e.Request.header("Access-Control-Request-Method"); ok && acrm != method {
			continue
		}
		if e.Initiator != nil && e.Initiator.Type == "preflight" && e.Initiator.URL != "" && e.Initiator.URL != a.Request.URL {
			continue
		}
		dt := time.Duration(0)
		if t := e.started(); !t.IsZero() && !at.IsZero() {
			dt = t.Sub(at)
			if dt < 0 {
				dt = -dt
			}
			if dt > preflightWindow {
				continue
			}
		}
		cs = append(cs, cand{j, dt})
	}
	if len(cs) == 0 {
		return -1
	}
	sort.SliceStable(cs, func(x, y int) bool { return cs[x].dt < cs[y].dt })
	return cs[0].j
}

// fetch builds the Fetch of entry i.
func (f *File) fetch(i int, hops []int, pf int, origin, pageURL string) Fetch {
	es := f.Log.Entries
	a := es[i]
	x := Fetch{Index: i, Hops: hops, Preflight: pf, PageURL: pageURL, Kind: a.ResourceType}
	req := spec.Request{Origin: origin, URL: a.Request.URL, Method: a.Request.Method}
	if strings.HasPrefix(pageURL, "http://") || strings.HasPrefix(pageURL, "https://") {
		if originOf(pageURL) == origin {
			req.PageURL = pageURL
		}
	}
	var acrh []string
	if pf >= 0 {
		if v, ok := es[pf].Request.header("Access-Control-Request-Headers"); ok {
			for _, n := range strings.Split(v, ",") {
				acrh = append(acrh, strings.ToLower(strings.TrimSpace(n)))
			}
		}
	}
	req.Headers = pageHeaders(a.Request.Headers, acrh)
	if _, ok := a.Request.header("Cookie"); ok {
		req.Credentials = spec.CredentialsInclude
		x.CredentialsKnown = true
	}
	switch m, _ := a.Request.header("Sec-Fetch-Mode"); m {
	case "no-cors":
		req.Mode = spec.ModeNoCORS
	case "same-origin":
		req.Mode = spec.ModeSameOrigin
	}
	if a.Request.PostData != nil && a.Request.PostData.Text != "" {
		// The Content-Type the page set (or fetch() implied) is in the
		// headers already: a body that implies none.
		req.Body = spec.BodyArrayBuffer
	}
	x.Request = req

	if pf >= 0 {
		p := es[pf]
		ex := exchangeOf(p)
		x.Observation.Preflight = &ex
		x.Failure = p.Response.Error
		if p.Response.Status == 0 && len(p.Response.Headers) > 0 {
			x.Notes = append(x.Notes, fmt.Sprintf("entry %d (the preflight) records headers but status 0: the browser kept the status from the export", pf))
		}
	} else if needsPreflight(req) {
		x.Notes = append(x.Notes, "the HAR holds no preflight for this request (Chromium's export often leaves them out): the preflight's answer is unknown")
	}
	for _, h := range hops {
		e := es[h]
		if e.Response.Status == 0 && len(e.Response.Headers) == 0 {
			// Never sent (its preflight failed), or blocked before the
			// exporter saw a response.
			if e.Response.Error != "" {
				x.Failure = e.Response.Error
			}
			break
		}
		x.Observation.Actual = append(x.Observation.Actual, exchangeOf(e))
		if e.Response.Error != "" {
			x.Failure = e.Response.Error
		}
		if e.Response.Status == 0 {
			x.Notes = append(x.Notes, fmt.Sprintf("entry %d records response headers but status 0 (the browser blocked the response)", h))
		}
	}
	if len(hops) > 1 {
		x.Notes = append(x.Notes, fmt.Sprintf("redirected: entries %s", joinInts(hops)))
	}
	if a.FromCache != "" {
		x.Notes = append(x.Notes, "the response came from the browser's "+a.FromCache+" cache")
	}
	x.Observation.Allowed = x.Failure == "" && len(x.Observation.Actual) == len(hops) && hopsAnswered(x.Observation.Actual)
	return x
}

func hopsAnswered(xs []corsproof.Exchange) bool {
	for _, x := range xs {
		if x.Status == 0 {
			return false
		}
	}
	return len(xs) > 0
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, ", ")
}

// needsPreflight says whether the model would preflight req.
func needsPreflight(req spec.Request) bool {
	return spec.Plan(req, spec.Standard).NeedsPreflight
}

func exchangeOf(e Entry) corsproof.Exchange {
	return corsproof.Exchange{URL: e.Request.URL, Method: e.Request.Method,
		RequestHeaders: wireHeaders(e.Request.Headers), Status: e.Response.Status, ResponseHeaders: wireHeaders(e.Response.Headers)}
}

// wireHeaders are the HAR's headers without HTTP/2 pseudo-headers.
func wireHeaders(hs []Header) []corsproof.Header {
	var out []corsproof.Header
	for _, h := range hs {
		if strings.HasPrefix(h.Name, ":") {
			continue
		}
		out = append(out, corsproof.Header{Name: h.Name, Value: h.Value})
	}
	return out
}

// browserAdded are request headers a browser sets itself: not the page's,
// so not part of the fetch() call (unless the preflight names them).
var browserAdded = map[string]bool{
	"user-agent": true, "accept-language": true, "priority": true, "pragma": true, "cache-control": true,
	"upgrade-insecure-requests": true, "dnt": true, "sec-gpc": true, "x-client-data": true, "te": true,
}

// pageHeaders are the headers the page set: the request's, without those
// the browser adds (forbidden names, Fetch metadata, client hints, the
// default Accept), plus any the preflight's Access-Control-Request-Headers
// names.
func pageHeaders(hs []Header, acrh []string) spec.Headers {
	var out spec.Headers
	for _, h := range hs {
		n := strings.ToLower(h.Name)
		named := false
		for _, a := range acrh {
			if a == n {
				named = true
			}
		}
		switch {
		case named:
		case strings.HasPrefix(n, ":"), strings.HasPrefix(n, "sec-"), browserAdded[n],
			spec.IsForbiddenRequestHeader(h.Name, h.Value), n == "origin", n == "referer", n == "cookie":
			continue
		case n == "accept" && h.Value == "*/*":
			continue
		}
		out = append(out, spec.Header{Name: h.Name, Value: h.Value})
	}
	return out
}
