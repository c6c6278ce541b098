package scenarios

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/spec"
)

// Catalog is the built-in conformance catalog: every scenario states a
// policy, an origin page and a request; what should happen is computed by the
// harness from the policy through the Fetch model, never written here.
func Catalog() []corsproof.Scenario {
	var all []corsproof.Scenario
	all = append(all, core()...)
	for _, b := range generated() {
		all = append(all, b.build())
	}
	seen := map[string]bool{}
	for i := range all {
		s := &all[i]
		if seen[s.ID] {
			panic("scenarios: duplicate id " + s.ID)
		}
		seen[s.ID] = true
		s.Labels = labels(*s)
	}
	return all
}

// sc is a terse scenario builder.
type sc struct {
	id, title, policy, site string
	req                     corsproof.Request
	session                 bool
	repeat                  int
	repeatAfter             time.Duration
	prime                   string   // PrimeSite
	extra                   []string // extra labels
}

func (b sc) build() corsproof.Scenario {
	p := b.policy
	if p == "" {
		p = PolicyDefault
	}
	s := corsproof.Scenario{
		ID: b.id, Title: b.title, Policy: p, Site: b.site, Request: b.req,
		Session: b.session, Repeat: b.repeat, RepeatAfter: b.repeatAfter, PrimeSite: b.prime,
		Labels: append([]string(nil), b.extra...),
	}
	s.State = s.Uses() // said in the scenario, for the reports and the scheduler
	return s
}

func hdr(name, value string) spec.Header { return spec.Header{Name: name, Value: value} }

var jsonCT = hdr("Content-Type", "application/json")

// core are the walking skeleton's scenarios: one of each basic kind.
func core() []corsproof.Scenario {
	list := []sc{
		{id: "get-allowed", title: "simple GET from the allowed origin is readable",
			site: "app", req: corsproof.Request{Path: "/api/items"}},
		{id: "get-cross-site-blocked", title: "simple GET from a cross-site attacker is blocked",
			site: "evil", req: corsproof.Request{Path: "/api/items"}},
		{id: "get-same-site-sibling-blocked", title: "simple GET from a same-site origin the policy does not list is blocked",
			site: "sibling", req: corsproof.Request{Path: "/api/items"}},
		{id: "put-preflight-allowed", title: "PUT with a JSON body is preflighted and allowed",
			site: "app", req: corsproof.Request{Path: "/api/items/1", Method: "PUT", Headers: spec.Headers{jsonCT}, Body: spec.BodyText, BodyText: `{"name":"x"}`}},
		{id: "delete-preflight-allowed", title: "DELETE is preflighted and allowed",
			site: "app", req: corsproof.Request{Path: "/api/items/1", Method: "DELETE"}},
		{id: "put-cross-site-blocked", title: "PUT from a cross-site attacker fails its preflight",
			site: "evil", req: corsproof.Request{Path: "/api/items/1", Method: "PUT"}},
		{id: "delete-cross-site-blocked", title: "DELETE from a cross-site attacker fails its preflight",
			site: "evil", req: corsproof.Request{Path: "/api/items/1", Method: "DELETE"}},
		{id: "put-strict-blocked", title: "PUT is blocked when the policy allows no methods beyond GET/POST",
			policy: PolicyStrict, site: "app", req: corsproof.Request{Path: "/api/items/1", Method: "PUT"}},
		{id: "custom-header-allowed", title: "a listed custom request header passes the preflight",
			site: "app", req: corsproof.Request{Path: "/api/items", Headers: spec.Headers{hdr("X-Request-Id", "r-1")}}},
		{id: "custom-header-not-allowed", title: "an unlisted custom request header fails the preflight",
			site: "app", req: corsproof.Request{Path: "/api/items", Headers: spec.Headers{hdr("X-Debug", "1")}}},
		{id: "authorization-listed-allowed", title: "Authorization listed in the policy passes the preflight",
			site: "app", req: corsproof.Request{Path: "/api/items", Headers: spec.Headers{hdr("Authorization", "Bearer t")}}},
		{id: "credentialed-session-allowed", title: "a credentialed GET carries the session cookie and is readable",
			site: "app", session: true, req: corsproof.Request{Path: "/api/me", Credentials: spec.CredentialsInclude}},
		{id: "credentialed-put-allowed", title: "a credentialed PUT is preflighted and allowed",
			site: "app", session: true, req: corsproof.Request{Path: "/api/items/1", Method: "PUT", Credentials: spec.CredentialsInclude, Headers: spec.Headers{jsonCT}, Body: spec.BodyText, BodyText: "{}"}},
		{id: "wildcard-with-credentials-blocked", title: "ACAO * on a credentialed request is blocked",
			site: "app", session: true, req: corsproof.Request{Path: "/api/public/items", Credentials: spec.CredentialsInclude}},
		{id: "wildcard-without-credentials-allowed", title: "ACAO * without credentials is readable from any origin",
			site: "evil", req: corsproof.Request{Path: "/api/public/items"}},
		{id: "exposed-header-readable", title: "a header in Access-Control-Expose-Headers is readable",
			site: "app", req: corsproof.Request{Path: "/api/items"}},
		{id: "unexposed-header-unreadable", title: "a header the policy does not expose stays unreadable",
			policy: PolicyStrict, site: "app", req: corsproof.Request{Path: "/api/items"}},
		{id: "simple-post-blocked-reaches-server", title: "a blocked simple POST still reaches the server: CORS protects reads, not writes",
			site: "evil", req: corsproof.Request{Path: "/api/items", Method: "POST", Body: spec.BodyText, BodyText: "name=x"}, extra: []string{"feature:side-effect"}},
		{id: "patch-allowed", title: "PATCH listed in the policy is allowed",
			site: "app", req: corsproof.Request{Path: "/api/items/1", Method: "PATCH"}},
		{id: "patch-lowercase-blocked", title: "lower-case patch is not matched by PATCH in Access-Control-Allow-Methods",
			site: "app", req: corsproof.Request{Path: "/api/items/1", Method: "patch"}},
		{id: "null-origin-blocked", title: "a sandboxed page (Origin: null) is not granted",
			site: "null", req: corsproof.Request{Path: "/api/items"}},
		{id: "downgrade-blocked", title: "the http:// twin of the allowed origin is not granted",
			site: "downgrade", req: corsproof.Request{Path: "/api/items"}},
		{id: "other-port-blocked", title: "the allowed host on another port is not granted",
			site: "other-port", req: corsproof.Request{Path: "/api/items"}},
		{id: "public-put-any-header-allowed", title: "an open API lets any origin PUT with any header",
			policy: PolicyPublic, site: "evil", req: corsproof.Request{Path: "/api/items/1", Method: "PUT", Headers: spec.Headers{hdr("X-Anything", "1")}}},
		{id: "public-authorization-under-wildcard", title: "Authorization under Access-Control-Allow-Headers: * (the standard blocks, browsers allow)",
			policy: PolicyPublic, site: "evil", req: corsproof.Request{Path: "/api/items", Headers: spec.Headers{hdr("Authorization", "Bearer t")}}},
		{id: "cross-site-credentialed-cookie-dropped", title: "a cross-site credentialed request: the browser keeps the cookie back",
			policy: PolicySubdomains, site: "evil", session: true, req: corsproof.Request{Path: "/api/me", Credentials: spec.CredentialsInclude}},
	}
	for _, c := range []string{"crafted-prefix", "crafted-suffix", "crafted-pre-domain", "crafted-substring",
		"crafted-unescaped-dot", "crafted-subdomain", "crafted-localhost", "crafted-post-domain", "crafted-not-prefix"} {
		list = append(list, sc{id: "get-" + c + "-blocked", title: "simple GET from the crafted origin " + strings.TrimPrefix(c, "crafted-") + " is blocked",
			site: c, req: corsproof.Request{Path: "/api/items"}, session: true})
	}
	out := make([]corsproof.Scenario, 0, len(list))
	for _, b := range list {
		out = append(out, b.build())
	}
	return out
}

// labels derives the Ginkgo labels of a scenario from what it is, so
// --label-filter selects slices along every dimension.
func labels(s corsproof.Scenario) []string {
	set := map[string]bool{}
	for _, l := range s.Labels {
		set[l] = true
	}
	site := siteClass(s.Site)
	set["origin:"+site] = true
	m := s.Request.Method
	if m == "" {
		m = "GET"
	}
	set["method:"+m] = true
	cred := string(s.Request.Credentials)
	if cred == "" {
		cred = "same-origin"
	}
	set["credentials:"+cred] = true
	set["policy:"+s.Policy] = true
	if needsPreflight(s.Request) {
		set["feature:preflight"] = true
	}
	if strings.Contains(s.Request.Path, "/redirect/") {
		set["feature:redirect"] = true
	}
	if s.Repeat > 0 || s.PrimeSite != "" {
		set["feature:cache"] = true
	}
	if s.Session {
		set["feature:session"] = true
	}
	out := make([]string, 0, len(set))
	for l := range set {
		out = append(out, l)
	}
	sort.Strings(out)
	return out
}

func siteClass(name string) string {
	for _, s := range corsproof.MockSites() {
		if s.Name == name {
			return string(s.Class)
		}
	}
	return name
}

// needsPreflight is for labelling only; verdicts use the spec model.
func needsPreflight(r corsproof.Request) bool {
	p := spec.Plan(spec.Request{Origin: "https://a.test", URL: "https://b.test/", Method: r.Method,
		Headers: r.Headers, Body: r.Body, BlobType: r.BlobType, Credentials: r.Credentials, Mode: r.Mode}, spec.Standard)
	return p.NeedsPreflight
}

// ByID returns the scenario with id.
func ByID(id string) (corsproof.Scenario, error) {
	for _, s := range Catalog() {
		if s.ID == id {
			return s, nil
		}
	}
	return corsproof.Scenario{}, fmt.Errorf("no scenario %q in the catalog", id)
}
