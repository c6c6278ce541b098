package spec

// redirect is R8.1 and R8.2 for a 3xx with a Location (the CORS check
// already passed in actual). true means main fetch runs again for the new
// URL, which re-plans the preflight (R8.2 step 9).
func (d *decider) redirect(resp Response, loc string) bool {
	switch d.fr.redirect {
	case RedirectError:
		d.step("R8.1", false, "redirect mode error: the %d redirect is a network error", resp.Status)
		d.block(ReasonRedirectModeError, "")
		return false
	case RedirectManual:
		d.dec.Allowed, d.dec.Reason, d.dec.Type, d.dec.Status, d.dec.Exposed = true, ReasonNone, "opaqueredirect", 0, nil
		d.step("R8.1", true, "redirect mode manual: fetch() resolves with an opaqueredirect response, status 0")
		return false
	}
	next, ok := d.checkLocation(resp, loc)
	if !ok {
		return false
	}
	d.rewrite(resp.Status, next)
	d.urls = append(d.urls, next)
	d.dec.Redirects++
	d.step("R8.2", true, "following the %d redirect to %s; the request origin is now serialized as %s",
		resp.Status, next, d.requestOrigin())
	return true
}

// checkLocation is R8.2 steps 1–6.
func (d *decider) checkLocation(resp Response, loc string) (next urlT, ok bool) {
	ref, err := d.cur().Parse(loc)
	if err == nil {
		next, err = parseURL(ref.String())
	}
	switch {
	case err != nil:
		d.step("R8.2.1", false, "Location %q does not parse", loc)
		d.block(ReasonInvalidRedirect, loc)
	case !isHTTPScheme(next.Scheme):
		d.step("R8.2.2", false, "Location %s is not http(s)", next)
		d.block(ReasonCorsDisabledScheme, loc)
	case d.dec.Redirects == maxRedirects:
		d.step("R8.2.3", false, "a 21st redirect: at most 20 are followed")
		d.block(ReasonTooManyRedirects, "")
	case next.User != nil && ((d.fr.mode == ModeCORS && !d.fr.page.sameOrigin(urlOrigin(next))) || d.tainting == taintCORS):
		d.step("R8.2.4", false, "Location %s includes credentials (user:pass@)", next.Redacted())
		d.block(ReasonRedirectContainsCredentials, "")
	case d.fr.useCORSPreflight && resp.Status != 303:
		d.step("R8.2.6", false, "a stream body cannot be sent again for a %d redirect", resp.Status)
		d.block(ReasonInvalidRedirect, "")
	default:
		return next, true
	}
	return nil, false
}

// requestBodyHeaders are deleted when a redirect turns the request into a
// GET (R8.2 step 7).
var requestBodyHeaders = []string{"content-encoding", "content-language", "content-location", "content-type"}

// rewrite is R8.2 steps 7–8: 301/302 turn POST into GET, 303 turns anything
// but GET/HEAD into GET, dropping the body and its headers (which can make a
// preflighted request simple); Authorization is dropped when the hop
// changes origin.
func (d *decider) rewrite(status int, next urlT) {
	m := d.fr.method
	if ((status == 301 || status == 302) && m == "POST") || (status == 303 && m != "GET" && m != "HEAD") {
		d.fr.method, d.fr.body, d.fr.useCORSPreflight = "GET", BodyNone, false
		d.fr.headers = without(d.fr.headers, requestBodyHeaders...)
		d.step("R8.2.7", true, "the %d redirect turns %s into GET without a body or Content-* headers", status, m)
	}
	if !urlOrigin(d.cur()).sameOrigin(urlOrigin(next)) && d.fr.headers.Has(headerAuth) {
		d.fr.headers = without(d.fr.headers, "authorization")
		d.step("R8.2.8", true, "the redirect changes origin: Authorization is removed")
	}
}

func without(h Headers, names ...string) Headers {
	var out Headers
	for _, x := range h {
		drop := false
		for _, n := range names {
			if equalFoldASCII(x.Name, n) {
				drop = true
			}
		}
		if !drop {
			out = append(out, x)
		}
	}
	return out
}
