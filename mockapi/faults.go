package mockapi

import (
	"net/http"
	"slices"
	"strings"

	"github.com/corsproof/corsproof/spec"

	"github.com/corsproof/corsproof/policy"
)

// Fault is a deliberate deviation from the policy, imitating a CORS bug
// found in real servers. A server built WithFault answers like the
// conforming one except for the fault's characteristic difference, so a
// run against it shows whether corsproof catches that bug.
//
// A fault is data plus at most three small functions, applied in this order
// by the CORS layer: an origin check replacing the policy's, a rewrite of
// the CORS headers about to be sent, and a replacement preflight answer.
type Fault struct {
	Name        string // kebab-case, stable: used on the command line
	Summary     string // one line
	Description string // the real-world bug it imitates, with its references
	Reveals     string // what differs on the wire, and the probe that shows it
	// Stateful: the fault's answer to a request depends on the requests
	// before it, so a runner keeps their order (see harness.Stateful).
	Stateful bool

	// match is the fault's origin check: given the policy's verdict
	// (allowed), it returns its own. Only called for a present, valid Origin.
	match func(st *faultState, rules policy.Rules, origin string, allowed bool) bool
	// credentials, when set, replaces the policy's credentials for the
	// origins match allows and the policy does not.
	credentials *bool
	// rewrite alters the CORS headers (and status) of a response.
	rewrite func(sv *served)
	// preflight answers preflights in place of the CORS layer.
	preflight func(s *Server, w http.ResponseWriter, r *http.Request, req policy.Request)
}

// Faults returns the fault gallery, sorted by name.
func Faults() []Fault { return slices.Clone(gallery) }

// FaultByName finds a fault of the gallery.
func FaultByName(name string) (Fault, bool) {
	i, ok := slices.BinarySearchFunc(gallery, name, func(f Fault, name string) int {
		return strings.Compare(f.Name, name)
	})
	if !ok {
		return Fault{}, false
	}
	return gallery[i], true
}

// FaultNames lists the gallery's names, sorted, e.g. for a usage message.
func FaultNames() []string {
	names := make([]string, len(gallery))
	for i, f := range gallery {
		names[i] = f.Name
	}
	return names
}

var (
	yes = true
	no  = false
)

// gallery is every fault, sorted by name in init.
var gallery = []Fault{
	// Origin checks that let the wrong origins in.
	{
		Name:    "reflect-origin",
		Summary: "Access-Control-Allow-Origin echoes any Origin, without credentials",
		Description: "The server copies the request's Origin into Access-Control-Allow-Origin instead of checking it, " +
			"the first class every scanner probes (Corsy, CORScanner, CORStest, nuclei cors-misconfig). " +
			"Without Access-Control-Allow-Credentials no cookie-bearing response leaks, so nuclei and CORStest " +
			"do not flag it, but any page on the web can read whatever the API answers without credentials: " +
			"an intranet API, or one trusting the network or a client certificate.",
		Reveals: "Origin https://evil.test gets Access-Control-Allow-Origin: https://evil.test and no Access-Control-Allow-Credentials.",
		match:   reflectAny, credentials: &no,
	},
	{
		Name:    "reflect-origin-credentials",
		Summary: "Access-Control-Allow-Origin echoes any Origin, with Access-Control-Allow-Credentials: true",
		Description: "The exploitable one: any site can read a logged-in user's data. It is what a wildcard plus " +
			"credentials configuration becomes in middlewares that 'fix' the spec's ban on * with credentials " +
			"by reflecting the Origin: rs/cors#55 and #197, labstack/echo#2400, gofiber/fiber#2338, " +
			"gin-contrib/cors#31, koajs/cors CVE-2023-49803, honojs/hono CVE-2026-54290. nuclei and CORStest " +
			"flag a reflected origin only when this header comes with it.",
		Reveals: "Origin https://evil.test gets Access-Control-Allow-Origin: https://evil.test and Access-Control-Allow-Credentials: true.",
		match:   reflectAny, credentials: &yes,
	},
	{
		Name:    "allow-null",
		Summary: "the Origin null is allowed, with the policy's credentials",
		Description: "An allow-list containing \"null\", often added so file:// pages work during development. " +
			"Any site can send Origin: null from a sandboxed iframe or a data: URL, so this is as open as " +
			"reflecting every origin; it is a probe of every scanner (Corsy, CORScanner, CORStest).",
		Reveals: "Origin null gets Access-Control-Allow-Origin: null.",
		match:   widen(acceptNull),
	},
	{
		Name:    "suffix-match",
		Summary: "origins are accepted when they end with an allowed origin's host, without a dot boundary",
		Description: "The check is origin.endsWith(allowedHost): https://evilapp.example.test passes for " +
			"https://app.example.test, and so does any scheme. Scanners probe it as the suffix or pre-domain " +
			"class (https://evilexample.com); jub0bs/cors GHSA-vhxv-fg4m-p2w8 (allowing foo.com and bar.com " +
			"allowed barfoo.com) is the same lack of a boundary. For subdomain patterns the suffix is the " +
			"pattern's domain.",
		Reveals: "Origin https://evilapp.example.test (allowed: https://app.example.test) gets Access-Control-Allow-Origin.",
		match:   widen(hostSuffixMatch),
	},
	{
		Name:    "prefix-match",
		Summary: "origins are accepted when they start with an allowed origin",
		Description: "The check is a prefix match, as with Python's re.match instead of a full match " +
			"(Kludex/starlette#800) or a startsWith: https://app.example.test.evil.test passes, a host the " +
			"attacker owns with the target as a subdomain. Scanners probe it as the prefix class. Subdomain " +
			"patterns are left to the policy's own check.",
		Reveals: "Origin https://app.example.test.evil.test gets Access-Control-Allow-Origin.",
		match:   widen(originPrefixMatch),
	},
	{
		Name:    "unescaped-dot",
		Summary: "origins are matched by an anchored regexp built without escaping the dots",
		Description: "The allow-list is turned into ^(origin|origin)$ without regexp.QuoteMeta (re.escape, " +
			"escapeRegExp), so each dot matches any character: https://appxexample.test passes for " +
			"https://app.example.test. Every scanner probes this class (https://apixexample.com); patterns " +
			"become .* where they had *, as naive glob-to-regexp code does (gin-contrib/cors#80).",
		Reveals: "Origin https://appxexample.test gets Access-Control-Allow-Origin.",
		match:   widen(unescapedDotMatch),
	},
	{
		Name:    "subdomain-too-broad",
		Summary: "origins are accepted when their host ends with the allowed host's parent domain, without a dot boundary",
		Description: "Meant as 'any subdomain of our domain', written as host.endsWith(\"example.test\"): " +
			"https://other.example.test passes for https://app.example.test, and so does " +
			"https://evilexample.test, which anyone can register. gin-contrib/cors#80 (https://*x.app matched " +
			"notx.app) and jub0bs/cors GHSA-vhxv-fg4m-p2w8 are this bug. Scheme and port must still match; " +
			"IP-address hosts are left alone.",
		Reveals: "Origins https://evilexample.test and https://other.example.test get Access-Control-Allow-Origin.",
		match:   widen(parentDomainMatch),
	},
	{
		Name:    "http-origin-accepted",
		Summary: "the http:// variant of each allowed https origin is accepted",
		Description: "The check ignores the scheme (or allows both to ease local development), so a page served " +
			"over plain http, which a network attacker can inject into, reads what only the https origin " +
			"should. Scanners probe it as the scheme-downgrade class.",
		Reveals: "Origin http://app.example.test (allowed: https://app.example.test) gets Access-Control-Allow-Origin.",
		match:   widen(httpDowngradeMatch),
	},
	{
		Name:    "stateful-matcher",
		Summary: "the origin check alternates allow and deny on every other request from an origin",
		Description: "A JavaScript RegExp with the g flag keeps lastIndex between test() calls, so the same " +
			"origin passes, fails, passes: fastify/fastify-cors#151, expressjs/cors#220. Only a repeated " +
			"request shows it; a preflighted request breaks every time, since its preflight passes and its " +
			"actual request then fails.",
		Reveals:  "The second request from an allowed origin gets no Access-Control-Allow-Origin.",
		Stateful: true,
		match:    alternate,
	},

	// Headers that are there, but wrong.
	{
		Name:    "wildcard-credentials",
		Summary: "Access-Control-Allow-Origin: * together with Access-Control-Allow-Credentials: true",
		Description: "A configuration of * plus credentials sent literally. Browsers refuse * for a request with " +
			"credentials (Fetch CORS check, step 3), so credentialed reads fail for everyone: broken access, " +
			"not a leak. It is the honest half of the wildcard-plus-credentials family whose other half " +
			"reflects the Origin (rs/cors#55). Only origins the policy allows are affected.",
		Reveals: "An allowed Origin gets Access-Control-Allow-Origin: * and Access-Control-Allow-Credentials: true.",
		rewrite: wildcardWithCredentials,
	},
	{
		Name:    "duplicate-acao",
		Summary: "two Access-Control-Allow-Origin header lines",
		Description: "Two layers (an app and its proxy, or two middlewares) both add the header. The browser " +
			"combines the lines into \"origin, origin\", which matches nothing: the CORS check fails. It is " +
			"listed among real middleware bugs in the CORS issue trackers and is easy to miss with curl, " +
			"which shows the right value twice.",
		Reveals: "An allowed Origin gets Access-Control-Allow-Origin twice.",
		rewrite: duplicateACAO,
	},
	{
		Name:    "trailing-slash-acao",
		Summary: "Access-Control-Allow-Origin is the origin with a trailing /",
		Description: "The allowed origin is configured as a URL (https://app.example.test/) and sent as is. " +
			"The CORS check compares bytes with the serialized origin, which has no slash, so every read " +
			"fails. A wildcard answer is left alone.",
		Reveals: "An allowed Origin gets Access-Control-Allow-Origin: <origin>/.",
		rewrite: trailingSlashACAO,
	},
	{
		Name:    "acac-capitalized",
		Summary: "Access-Control-Allow-Credentials: True",
		Description: "The value is a language's boolean printed as is (Python's True). Only the exact byte " +
			"string true passes the CORS check, so credentialed reads fail. Inert for rules without " +
			"credentials.",
		Reveals: "A credentialed answer carries Access-Control-Allow-Credentials: True.",
		rewrite: capitalizeACAC,
	},
	{
		Name:    "acam-case-mismatch",
		Summary: "Access-Control-Allow-Methods lists the methods in lowercase",
		Description: "Methods are compared byte for byte since Chromium 109 (the Fetch standard always said " +
			"so): a preflight answered put, delete, patch no longer allows PUT. Listed among the header-value " +
			"bugs of real servers; it surfaced when Chromium stopped uppercasing.",
		Reveals: "A preflight's Access-Control-Allow-Methods is lowercase (put, delete, patch).",
		rewrite: lowercaseACAM,
	},
	{
		Name:    "acah-missing-header",
		Summary: "Access-Control-Allow-Headers omits the last of the policy's request headers",
		Description: "The allowed-header list is incomplete or mis-parsed, as in the request-header list bugs " +
			"of rs/cors#170, go-chi/cors#36 and jub0bs/cors#15: a page sending that header fails its " +
			"preflight.",
		Reveals: "A preflight's Access-Control-Allow-Headers lacks the policy's last request header.",
		rewrite: dropLastAllowedHeader,
	},
	{
		Name:    "aceh-missing",
		Summary: "no Access-Control-Expose-Headers",
		Description: "The server never exposes headers, so a page reads only the CORS-safelisted ones: " +
			"pagination in X-Total-Count is invisible to it though the request succeeds. A common omission " +
			"that no origin-probing scanner can notice.",
		Reveals: "An allowed actual response has no Access-Control-Expose-Headers.",
		rewrite: dropHeaders(spec.HeaderExposeHeaders),
	},
	{
		Name:    "max-age-ignored",
		Summary: "no Access-Control-Max-Age, even when the policy sets one",
		Description: "The max-age setting is lost (not wired, or zero treated as unset), so browsers cache " +
			"each preflight for the default 5 seconds and send one before nearly every request: a cost " +
			"rather than a hole, visible only by counting preflights.",
		Reveals: "A preflight has no Access-Control-Max-Age.",
		rewrite: dropHeaders(spec.HeaderMaxAge),
	},
	{
		Name:    "missing-vary",
		Summary: "no Vary: Origin although Access-Control-Allow-Origin depends on the Origin",
		Description: "A shared cache then serves one origin's answer to another: the allowed origin gets a " +
			"cached response without Access-Control-Allow-Origin, or another origin gets one naming the " +
			"first. gin-contrib/cors#8, prometheus/prometheus#15406, vert-x3/vertx-web#2880; CORStest flags a " +
			"dynamic Access-Control-Allow-Origin without it.",
		Reveals: "Responses have no Vary header.",
		rewrite: dropHeaders(spec.HeaderVary),
	},
	{
		Name:    "no-cors-on-errors",
		Summary: "4xx and 5xx responses carry no CORS headers",
		Description: "Middleware ordering: an auth check or an error handler answers before the CORS layer " +
			"runs, or nginx's add_header without always, which skips error statuses. The page then sees a " +
			"CORS error instead of the 401 or 500 it could have handled.",
		Reveals: "An allowed Origin gets no Access-Control-Allow-Origin on GET /api/status/500 or an unauthenticated /api/me.",
		rewrite: stripOnErrors,
	},

	// Preflights that are not answered as preflights.
	{
		Name:    "no-preflight-handler-404",
		Summary: "preflights are not answered by a CORS layer; the router answers 404 without CORS headers",
		Description: "OPTIONS is not routed and nothing intercepts preflights, so they fall through to a 404. " +
			"Browsers need an ok status and the CORS headers on the preflight, so every non-simple request " +
			"fails while simple ones work: the classic 'GET works, PUT does not'.",
		Reveals: "A preflight is answered 404 without Access-Control-Allow-Origin.",
		preflight: func(s *Server, w http.ResponseWriter, r *http.Request, _ policy.Request) {
			writeError(w, http.StatusNotFound, "no such endpoint")
		},
	},
	{
		Name:    "no-preflight-handler-405",
		Summary: "preflights are not answered by a CORS layer; the router answers 405 without CORS headers",
		Description: "The path is routed for other methods only, so a preflight gets 405 Method Not Allowed " +
			"(with Allow). Browsers need an ok status and the CORS headers on the preflight, so every " +
			"non-simple request fails.",
		Reveals: "A preflight is answered 405 without Access-Control-Allow-Origin.",
		preflight: func(s *Server, w http.ResponseWriter, r *http.Request, _ policy.Request) {
			if allow := s.allowFor(r); allow != "" {
				w.Header().Set("Allow", allow)
			}
			writeError(w, http.StatusMethodNotAllowed, "method not allowed")
		},
	},
	{
		Name:    "preflight-passthrough",
		Summary: "preflights reach the API handler, which answers with the actual-request CORS headers only",
		Description: "The CORS layer does not recognize preflights and treats them as any request: the handler " +
			"runs (a side effect on OPTIONS), answers 200 with its body, and the response carries " +
			"Access-Control-Allow-Origin but no Allow-Methods or Allow-Headers, so non-simple requests fail. " +
			"The reverse of treating every OPTIONS as a preflight (gofiber/fiber#2920, rs/cors#196). On " +
			"/api/me the handler answers 401, as auth middleware does to cookieless preflights.",
		Reveals:   "A preflight is answered 200 with a JSON body, Access-Control-Allow-Origin, and no Access-Control-Allow-Methods; the journal shows it reached a route.",
		preflight: passPreflightThrough,
	},
	{
		Name:    "preflight-redirected",
		Summary: "preflights are answered 307 to the same URL with a marker query",
		Description: "A redirect in front of the API (trailing-slash normalization, http to https, a login " +
			"gate) also catches OPTIONS. A preflight never follows redirects (Fetch, CORS-preflight fetch): " +
			"any 3xx fails it, CORS headers or not, so every non-simple request fails.",
		Reveals:   "A preflight is answered 307 with Location: the same URL plus " + redirectMarker + ".",
		preflight: redirectPreflight,
	},
}

func init() {
	slices.SortFunc(gallery, func(a, b Fault) int { return strings.Compare(a.Name, b.Name) })
}
