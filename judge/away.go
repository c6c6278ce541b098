package judge

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/spec"
)

// redirectAway is a redirect on the wire to an origin outside the run: the
// exchange that answered it and where it sent the request.
type redirectAway struct {
	// exchange is "preflight" or "actual"; x the exchange itself.
	exchange string
	x        corsproof.Exchange
	// location is the Location header as sent; to is it resolved against
	// the exchange's URL, and origin its origin.
	location, to, origin string
}

// isRedirectStatus: the statuses a fetch follows (Fetch's redirect status).
func isRedirectStatus(status int) bool {
	switch status {
	case 301, 302, 303, 307, 308:
		return true
	}
	return false
}

// redirectedAway finds the first redirect of the observation whose Location
// names an origin outside the run: neither the origin of url (the URL the
// scenario fetched) nor one of hosts ("host:port", what the run serves
// itself). A preflight is never followed, but a preflight redirected away
// says the API is not where the check points, as much as a redirected
// request does. The actual request's redirects count only where the fetch
// follows them (redirect mode "follow"): with "error" or "manual" the
// browser stops at the redirect, whose own headers are what is tested.
func redirectedAway(obs corsproof.Observation, target string, hosts []string, mode spec.RedirectMode) (redirectAway, bool) {
	home := ""
	if u, err := url.Parse(target); err == nil {
		home = originOf(u)
	}
	inRun := func(u *url.URL) bool {
		return originOf(u) == home || slices.Contains(hosts, strings.ToLower(corsproof.HostPort(u)))
	}
	check := func(exchange string, xs []corsproof.Exchange) (redirectAway, bool) {
		for _, x := range xs {
			if !isRedirectStatus(x.Status) {
				continue
			}
			loc, ok := corsproof.HeaderValue(x.ResponseHeaders, "Location")
			if !ok || strings.TrimSpace(loc) == "" {
				continue
			}
			base, err := url.Parse(x.URL)
			if err != nil {
				continue
			}
			to, err := base.Parse(strings.TrimSpace(loc))
			if err != nil || to.Host == "" || inRun(to) {
				continue
			}
			return redirectAway{exchange: exchange, x: x, location: loc, to: to.String(), origin: originOf(to)}, true
		}
		return redirectAway{}, false
	}
	if r, ok := check("preflight", obs.AllPreflights()); ok {
		return r, true
	}
	if mode != "" && mode != spec.RedirectFollow {
		return redirectAway{}, false
	}
	if r, ok := check("actual", obs.Actual); ok {
		return r, true
	}
	return refusedAway(obs, target, inRun)
}

// refusedAway is a redirect away seen only by the run's proxy: an engine
// without exchanges (WebKit) tried to reach a name outside the run while
// the fetch ran. The name's port says the scheme (443 https, 80 http).
func refusedAway(obs corsproof.Observation, target string, inRun func(*url.URL) bool) (redirectAway, bool) {
	if len(obs.Actual) > 0 || len(obs.AllPreflights()) > 0 {
		return redirectAway{}, false // the exchanges said it all
	}
	for _, hp := range obs.Refused {
		host, port, ok := strings.Cut(hp, ":")
		if !ok || host == "" {
			continue
		}
		u := &url.URL{Scheme: "https", Host: hp}
		switch port {
		case "443":
			u.Host = host
		case "80":
			u.Scheme, u.Host = "http", host
		}
		if inRun(u) {
			continue
		}
		return redirectAway{exchange: "actual", x: corsproof.Exchange{URL: target}, to: u.String(), origin: originOf(u)}, true
	}
	return redirectAway{}, false
}

// originOf is u's serialized origin, lowercase, without a default port.
func originOf(u *url.URL) string {
	scheme, host := strings.ToLower(u.Scheme), strings.ToLower(u.Hostname())
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	port := u.Port()
	if scheme == "https" && port == "443" || scheme == "http" && port == "80" {
		port = ""
	}
	if port != "" {
		host += ":" + port
	}
	return scheme + "://" + host
}

// notTested is the verdict of a scenario redirected away: what the
// redirect was and what the browser then did, which says nothing about the
// API the policy is about.
func notTested(r redirectAway, browser corsproof.Outcome) verdict {
	if r.location == "" {
		// Seen by the proxy only: no status, no Location.
		return verdict{verdict: corsproof.VerdictNotTested, text: fmt.Sprintf(
			"not tested: while fetching %s the browser tried to reach %s, an origin outside this run (a redirect there: "+
				"this engine shows no exchanges, so its status and Location are not known); the browser then did: %s; "+
				"nothing under the policy was tested: point --target at the API itself",
			r.x.URL, r.origin, browserDid(browser)),
			cause: &corsproof.Cause{Kind: corsproof.CauseRedirectedAway, Exchange: r.exchange, Header: "Location", Subject: r.origin}}
	}
	what := "the request"
	if r.exchange == "preflight" {
		what = "the preflight"
	}
	then := "; the browser then did: " + browserDid(browser)
	if r.exchange == "preflight" {
		then = "; browsers never follow a preflight's redirect"
	}
	return verdict{verdict: corsproof.VerdictNotTested, text: fmt.Sprintf(
		"not tested: the target answered %s (%s %s) with %d and Location: %s, which is %s, an origin outside this run%s; "+
			"nothing under the policy was tested: point --target at the API itself",
		what, r.x.Method, r.x.URL, r.x.Status, r.location, r.origin, then),
		cause: &corsproof.Cause{Kind: corsproof.CauseRedirectedAway, Exchange: r.exchange, Header: "Location",
			Value: r.location, Sent: true, Subject: r.origin}}
}

// browserDid is what the browser did, in words.
func browserDid(o corsproof.Outcome) string {
	if o.Allowed {
		return "allowed (the page read what the other origin answered)"
	}
	return o.String()
}
