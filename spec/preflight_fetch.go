package spec

import "fmt"

// preflight is R3.1 step 6 and R3.2 on a CORS hop: plan, consult the cache,
// send the CORS-preflight fetch (R4.1) and validate it (R4.2). false means
// the fetch ended.
func (d *decider) preflight() bool {
	pl := planFor(d.fr, d.p)
	d.deviate(pl.Deviations...)
	d.preflightPath = pl.NeedsPreflight
	// These fields describe the last hop (Decision.Preflight's doc).
	d.dec.Preflight, d.dec.PreflightCached = false, false
	d.dec.PreflightWhy, d.dec.RequestMethod, d.dec.RequestHeaders = "", "", ""
	if !pl.NeedsPreflight {
		d.step("R3.1.7", true, "a simple request: method %s and every header are CORS-safelisted, so no preflight", d.fr.method)
		return true
	}
	d.dec.PreflightWhy, d.dec.RequestMethod, d.dec.RequestHeaders = pl.Why, pl.RequestMethod, pl.RequestHeaders
	d.step("R3.1.6", true, "a preflight is needed: %s", pl.Why)
	origin := d.requestOrigin()
	d.query = cacheQuery{
		origin: origin, initiator: d.fr.page.String(), url: d.cur().String(),
		include: d.fr.credentials == CredentialsInclude, method: d.fr.method,
		methodOK: IsCORSSafelistedMethod(d.fr.method) && !d.fr.useCORSPreflight,
		unsafe:   pl.unsafeNames(), cacheMode: d.fr.cache, now: d.o.now(),
	}
	if d.o.cache != nil {
		need, devs := d.o.cache.needsPreflight(d.query, d.p)
		d.deviate(devs...)
		if !need {
			d.dec.PreflightCached = true
			d.step("R3.2", true, "a cached preflight result covers method %s and headers [%s]: no preflight sent", d.fr.method, pl.RequestHeaders)
			return true
		}
	}
	return d.sendPreflight(origin, pl)
}

// sendPreflight is R4.1 (compose and send) and R4.2 (validate).
func (d *decider) sendPreflight(origin string, pl PlanResult) bool {
	h := Headers{{HeaderOrigin, origin}, {HeaderRequestMethod, pl.RequestMethod}}
	if pl.RequestHeaders != "" {
		h = append(h, Header{HeaderRequestHeaders, pl.RequestHeaders})
	}
	h = append(h, Header{headerAccept, "*/*"})
	sr := ServerRequest{Preflight: true, Method: "OPTIONS", URL: d.cur().String(), Headers: h}
	d.dec.Sent = append(d.dec.Sent, sr)
	resp, ok := d.srv(sr)
	if !ok {
		d.step("R4.1", false, "the server's answer to the preflight is not known")
		d.dec.Incomplete = true
		return false
	}
	d.dec.Preflight = true
	d.dec.Preflights++
	d.step("R4.1", true, "preflight OPTIONS %s without credentials (Origin %s); the server answered %d", sr.URL, origin, resp.Status)
	res := ValidatePreflightResponse(resp, PreflightInput{
		Origin: origin, Method: d.fr.method, UnsafeNames: pl.unsafeNames(),
		Credentials: d.fr.credentials, UseCORSPreflight: d.fr.useCORSPreflight,
	}, d.p)
	d.dec.Steps = append(d.dec.Steps, res.Steps...)
	d.deviate(res.Deviations...)
	if res.Reason != ReasonNone {
		d.clearCache()
		d.block(res.Reason, res.FailedParameter)
		return false
	}
	if d.o.cache != nil {
		methods := res.Methods.Items
		d.o.cache.store(d.query, d.p, methods, res.Headers.Items, res.MaxAge.Duration)
		d.step("R4.2.10", true, "cached for %s: methods [%s], headers [%s]", res.MaxAge.Duration,
			joinComma(methods), joinComma(res.Headers.Items))
	}
	return true
}

// clearCache is R5.4 after a network error on the preflight path.
func (d *decider) clearCache() {
	if d.o.cache != nil && d.preflightPath {
		d.o.cache.clear(d.query, d.p)
	}
}

func joinComma(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += ","
		}
		out += x
	}
	return out
}

// includeCredentials is R10.2.
func includeCredentials(mode CredentialsMode, tainting string) bool {
	return mode == CredentialsInclude || (mode == CredentialsSameOrigin && tainting == taintBasic)
}

// actual sends the request itself on this hop (R3.1, R9.3, R10) and, with
// cors tainting, runs the CORS check on whatever comes back, redirects
// included (R6.3).
func (d *decider) actual() (Response, bool) {
	creds := includeCredentials(d.fr.credentials, d.tainting)
	h := append(Headers{}, d.fr.headers...)
	if o, send := d.originHeader(); send {
		h = append(h, Header{HeaderOrigin, o})
	}
	sr := ServerRequest{Method: d.fr.method, URL: d.cur().String(), Headers: h, Credentials: creds}
	d.dec.Sent = append(d.dec.Sent, sr)
	resp, ok := d.srv(sr)
	if !ok {
		d.step("R3.1", false, "the server's answer to %s %s is not known", sr.Method, sr.URL)
		d.dec.Incomplete = true
		return resp, false
	}
	d.dec.ActualSent, d.dec.CookiesSent, d.dec.CookiesStored = true, creds, creds
	d.step("R10.2", true, "%s %s sent %s; the server answered %d", sr.Method, sr.URL, credText(creds), resp.Status)
	if d.tainting != taintCORS {
		return resp, true
	}
	origin := d.requestOrigin()
	reason, param := CORSCheck(resp, origin, d.fr.credentials)
	d.step("R6.1", reason == ReasonNone, "%s", corsCheckText(fmt.Sprintf("CORS check on the %d response", resp.Status), reason, param, origin, d.fr.credentials))
	if reason != ReasonNone {
		d.clearCache()
		d.block(reason, param)
		return resp, false
	}
	return resp, true
}

func credText(creds bool) string {
	if creds {
		return "with credentials (cookies; Set-Cookie in the answer is stored)"
	}
	return "without credentials (no cookies; Set-Cookie in the answer is ignored)"
}

// originHeader is R9.3: always with cors tainting, otherwise only for
// methods other than GET and HEAD. For no-cors the default referrer policy
// (strict-origin-when-cross-origin) sends "null" on an https→http downgrade.
func (d *decider) originHeader() (string, bool) {
	o := d.requestOrigin()
	switch {
	case d.tainting == taintCORS:
		return o, true
	case d.fr.method == "GET" || d.fr.method == "HEAD":
		return "", false
	case d.tainting == taintOpaque && d.fr.page != "" && hasPrefix(string(d.fr.page), "https:") && d.cur().Scheme == "http":
		return "null", true
	}
	return o, true
}

// finish is R7: what script sees when the fetch resolves.
func (d *decider) finish(resp Response) {
	d.dec.Allowed, d.dec.Reason, d.dec.FailedParameter = true, ReasonNone, ""
	d.dec.Type = d.tainting
	switch d.tainting {
	case taintBasic:
		d.dec.Status, d.dec.Exposed = resp.Status, basicExposed(resp.Headers)
	case taintCORS:
		d.dec.Status, d.dec.Exposed = resp.Status, ExposedHeaders(resp.Headers, d.fr.credentials)
	default:
		d.dec.Status, d.dec.Exposed = 0, nil
	}
	d.step("R7.1", true, "fetch() resolves with a %s response, status %d, readable headers [%s]",
		d.dec.Type, d.dec.Status, joinComma(d.dec.Exposed))
}
