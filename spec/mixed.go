package spec

import (
	"net"
	"net/url"
	"strings"
)

// Mixed content (Fetch main fetch step 7, "Should request be blocked as
// mixed content?" of W3C Mixed Content): a page delivered over https may
// not fetch a URL that is not potentially trustworthy. fetch() is always
// blockable content, so the request fails with a network error before
// anything is sent, on the first hop or after a redirect, in every mode.
// Loopback (127.0.0.0/8, ::1, localhost and *.localhost) is potentially
// trustworthy (Secure Contexts §3.1), so an https page may call
// http://127.0.0.1:8080; WebKit does not agree (DevMixedContentLoopback).

// RuleMixedContent is the rule a mixed-content block cites.
const RuleMixedContent = "MIX"

// ReasonMixedContent: an https page fetched a plain-http URL that is not
// potentially trustworthy. Nothing was sent. Chromium reports it as the
// blocked reason "mixed-content", not as a CorsError.
const ReasonMixedContent Reason = "MixedContent"

// DevMixedContentLoopback: WebKit blocks an https page's fetch of
// http://127.0.0.1 or http://localhost as mixed content.
const DevMixedContentLoopback = "mixed-content-loopback"

// pageIsSecure: the page that calls fetch() was delivered over https. The
// page's URL decides when known (a sandboxed page's origin is opaque, but
// its document came over https); else the origin's scheme.
func pageIsSecure(r Request) bool {
	if r.PageURL != "" {
		u, err := url.Parse(r.PageURL)
		return err == nil && strings.EqualFold(u.Scheme, "https")
	}
	return strings.HasPrefix(strings.ToLower(r.Origin), "https://")
}

// IsLoopbackHost: a URL host (without brackets) is potentially trustworthy
// because it is the machine itself: 127.0.0.0/8, ::1, localhost and
// *.localhost (Secure Contexts §3.1 steps 4 and 5).
func IsLoopbackHost(host string) bool {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// mixedContent blocks the current hop when it is mixed content under the
// profile; true when it did.
func (d *decider) mixedContent() bool {
	cur := d.cur()
	if !d.pageSecure || !strings.EqualFold(cur.Scheme, "http") {
		return false
	}
	if IsLoopbackHost(cur.Hostname()) {
		if !d.p.LoopbackIsMixedContent {
			d.step(RuleMixedContent, true, "%s is loopback, which is potentially trustworthy: an https page may fetch it (not mixed content)", urlOrigin(cur))
			return false
		}
		d.deviate(DevMixedContentLoopback)
		d.step(RuleMixedContent, false, "an https page fetches %s: mixed content in this browser even on loopback; nothing is sent", urlOrigin(cur))
		d.block(ReasonMixedContent, "")
		return true
	}
	d.step(RuleMixedContent, false, "an https page fetches %s over plain http: mixed content, blocked before anything is sent", urlOrigin(cur))
	d.block(ReasonMixedContent, "")
	return true
}
