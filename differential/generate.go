package differential

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/spec"
)

// The network of the differential run: one page a policy would allow, one
// it would not, and the API. The API's answers never depend on the policy
// package: each case carries the exact header lines its server sends.
const (
	AllowedOrigin = corsproof.MockAppOrigin
	OtherOrigin   = corsproof.MockEvilOrigin
	APIOrigin     = corsproof.MockAPIOrigin
)

// Case is one generated combination: a fetch() from a page and the exact
// responses of the server, preflight and actual.
type Case struct {
	Index int `json:"index"`
	// Site is "app" (AllowedOrigin) or "evil" (OtherOrigin).
	Site        string               `json:"site"`
	Origin      string               `json:"origin"`
	Method      string               `json:"method"`
	Headers     spec.Headers         `json:"headers,omitempty"`
	Credentials spec.CredentialsMode `json:"credentials"`
	// Preflight and Actual are what the server answers to OPTIONS and to
	// any other method at the case's URL, header lines in order,
	// duplicates included.
	Preflight spec.Response `json:"preflight"`
	Actual    spec.Response `json:"actual"`
	// Draws names what the generator picked, for failure messages.
	Draws []string `json:"draws"`
}

// Path is the case's URL path under the API; run makes the URL unique per
// test run so no preflight cache entry of another run can serve it.
func (c Case) Path(run string) string { return fmt.Sprintf("/d/%s/%d", run, c.Index) }

// Request is the case's fetch() for the model.
func (c Case) Request(url string) spec.Request {
	return spec.Request{Origin: c.Origin, URL: url, Method: c.Method, Headers: c.Headers, Credentials: c.Credentials}
}

// String is a one-line summary for failure messages.
func (c Case) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "#%d from %s: fetch(%s, credentials %s", c.Index, c.Origin, c.Method, c.Credentials)
	for _, h := range c.Headers {
		fmt.Fprintf(&b, ", %s: %s", h.Name, h.Value)
	}
	b.WriteString(")\n    preflight answer: ")
	b.WriteString(responseString(c.Preflight))
	b.WriteString("\n    actual answer:    ")
	b.WriteString(responseString(c.Actual))
	fmt.Fprintf(&b, "\n    draws: %s", strings.Join(c.Draws, ", "))
	return b.String()
}

func responseString(r spec.Response) string {
	parts := []string{fmt.Sprint(r.Status)}
	for _, h := range r.Headers {
		parts = append(parts, h.Name+": "+h.Value)
	}
	return strings.Join(parts, " | ")
}

// NewRand is the generator's PRNG: PCG seeded from one number, so a seed
// replays a run.
func NewRand(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// Generate draws n cases from seed.
func Generate(seed uint64, n int) []Case {
	r := NewRand(seed)
	cases := make([]Case, n)
	for i := range cases {
		cases[i] = draw(r, i)
	}
	return cases
}

// choice is a weighted alternative.
type choice[T any] struct {
	w int
	v T
}

func pick[T any](r *rand.Rand, cs ...choice[T]) T {
	total := 0
	for _, c := range cs {
		total += c.w
	}
	n := r.IntN(total)
	for _, c := range cs {
		if n < c.w {
			return c.v
		}
		n -= c.w
	}
	panic("unreachable")
}

type named struct {
	name string
	hs   spec.Headers
}

func h(name, value string) spec.Header { return spec.Header{Name: name, Value: value} }

func draw(r *rand.Rand, i int) Case {
	c := Case{Index: i, Site: "app", Origin: AllowedOrigin}
	if r.IntN(10) < 3 {
		c.Site, c.Origin = "evil", OtherOrigin
	}
	c.Method = pick(r,
		choice[string]{3, "GET"}, choice[string]{2, "POST"}, choice[string]{2, "PUT"}, choice[string]{1, "DELETE"},
		choice[string]{1, "patch"}, choice[string]{1, "PATCH"}, choice[string]{1, "Purge"}, choice[string]{1, "post"})
	reqHeaders := pick(r,
		choice[named]{4, named{"no headers", nil}},
		choice[named]{2, named{"safelisted", spec.Headers{h("Accept-Language", "en"), h("Content-Type", "text/plain;charset=UTF-8")}}},
		choice[named]{2, named{"json content-type", spec.Headers{h("Content-Type", "application/json")}}},
		choice[named]{2, named{"custom", spec.Headers{h("X-Request-Id", "7")}}},
		choice[named]{2, named{"authorization", spec.Headers{h("Authorization", "Bearer t0ken")}}},
		choice[named]{2, named{"several", spec.Headers{h("X-B", "1"), h("x-a", "2"), h("Content-Type", "application/json")}}},
		choice[named]{1, named{"client hint", spec.Headers{h("DPR", "2")}}},
		choice[named]{1, named{"auth and custom", spec.Headers{h("Authorization", "Basic eA=="), h("X-Request-Id", "8")}}})
	c.Headers = reqHeaders.hs
	c.Credentials = pick(r,
		choice[spec.CredentialsMode]{1, spec.CredentialsOmit},
		choice[spec.CredentialsMode]{1, spec.CredentialsSameOrigin},
		choice[spec.CredentialsMode]{1, spec.CredentialsInclude})
	c.Draws = append(c.Draws, "method "+c.Method, reqHeaders.name, "credentials "+string(c.Credentials))

	// One server behaviour: the same ACAO/ACAC on both answers most of the
	// time, as a real server's middleware would send.
	acao := drawACAO(r)
	acac := drawACAC(r)
	c.Draws = append(c.Draws, "acao "+acao.name, "acac "+acac.name)
	pfACAO, pfACAC := acao, acac
	if r.IntN(6) == 0 {
		pfACAO = drawACAO(r)
		c.Draws = append(c.Draws, "preflight acao "+pfACAO.name)
	}

	status := pick(r, choice[int]{5, 200}, choice[int]{3, 204}, choice[int]{1, 299},
		choice[int]{1, 301}, choice[int]{1, 404}, choice[int]{1, 500})
	c.Preflight.Status = status
	c.Draws = append(c.Draws, fmt.Sprintf("preflight status %d", status))
	c.Preflight.Headers = append(c.Preflight.Headers, pfACAO.hs...)
	c.Preflight.Headers = append(c.Preflight.Headers, pfACAC.hs...)
	if status == 301 && r.IntN(2) == 0 {
		c.Preflight.Headers = append(c.Preflight.Headers, h("Location", "/elsewhere"))
		c.Draws = append(c.Draws, "preflight location")
	}
	acam := drawACAM(r, c.Method)
	acah := drawACAH(r, c.Headers)
	c.Preflight.Headers = append(c.Preflight.Headers, acam.hs...)
	c.Preflight.Headers = append(c.Preflight.Headers, acah.hs...)
	c.Draws = append(c.Draws, "acam "+acam.name, "acah "+acah.name)

	c.Actual.Status = pick(r, choice[int]{8, 200}, choice[int]{1, 404})
	c.Actual.Headers = append(c.Actual.Headers, acao.hs...)
	c.Actual.Headers = append(c.Actual.Headers, acac.hs...)
	aceh := drawACEH(r)
	c.Draws = append(c.Draws, "aceh "+aceh.name)
	c.Actual.Headers = append(c.Actual.Headers, aceh.hs...)
	c.Actual.Headers = append(c.Actual.Headers,
		h("Content-Type", "text/plain; charset=utf-8"), h("X-Total-Count", "3"), h("X-Secret", "s"))
	if r.IntN(4) == 0 {
		c.Actual.Headers = append(c.Actual.Headers, h("Cache-Control", "no-store"), h("Set-Cookie", fmt.Sprintf("d%d=1; Path=/; Secure; SameSite=None", i)))
		c.Draws = append(c.Draws, "set-cookie")
	}
	return c
}

func drawACAO(r *rand.Rand) named {
	const n = "Access-Control-Allow-Origin"
	return pick(r,
		choice[named]{2, named{"absent", nil}},
		choice[named]{8, named{"exact", spec.Headers{h(n, AllowedOrigin)}}},
		choice[named]{3, named{"*", spec.Headers{h(n, "*")}}},
		choice[named]{1, named{"other origin", spec.Headers{h(n, "https://other.example.test")}}},
		choice[named]{1, named{"trailing slash", spec.Headers{h(n, AllowedOrigin+"/")}}},
		choice[named]{1, named{"two lines", spec.Headers{h(n, AllowedOrigin), h(n, AllowedOrigin)}}},
		choice[named]{1, named{"two lines, two origins", spec.Headers{h(n, AllowedOrigin), h(n, OtherOrigin)}}},
		choice[named]{1, named{"null", spec.Headers{h(n, "null")}}},
		choice[named]{1, named{"reflect-ish uppercase", spec.Headers{h(n, strings.ToUpper(AllowedOrigin))}}})
}

func drawACAC(r *rand.Rand) named {
	const n = "Access-Control-Allow-Credentials"
	return pick(r,
		choice[named]{3, named{"absent", nil}},
		choice[named]{4, named{"true", spec.Headers{h(n, "true")}}},
		choice[named]{1, named{"True", spec.Headers{h(n, "True")}}})
}

func drawACAM(r *rand.Rand, method string) named {
	const n = "Access-Control-Allow-Methods"
	return pick(r,
		choice[named]{2, named{"absent", nil}},
		choice[named]{5, named{"exact", spec.Headers{h(n, normalize(method))}}},
		choice[named]{1, named{"lowercase", spec.Headers{h(n, strings.ToLower(method))}}},
		choice[named]{1, named{"uppercase", spec.Headers{h(n, strings.ToUpper(method))}}},
		choice[named]{2, named{"*", spec.Headers{h(n, "*")}}},
		choice[named]{1, named{"list", spec.Headers{h(n, "GET, POST, PUT, DELETE, PATCH")}}},
		choice[named]{1, named{"invalid", spec.Headers{h(n, "GET PUT")}}},
		choice[named]{1, named{"two lines", spec.Headers{h(n, "GET"), h(n, normalize(method))}}})
}

func drawACAH(r *rand.Rand, req spec.Headers) named {
	const n = "Access-Control-Allow-Headers"
	var names []string
	for _, x := range req {
		names = append(names, x.Name)
	}
	listing := strings.Join(names, ", ")
	if listing == "" {
		listing = "X-Unused"
	}
	cs := []choice[named]{
		{2, named{"absent", nil}},
		{5, named{"listing", spec.Headers{h(n, listing)}}},
		{1, named{"listing uppercase", spec.Headers{h(n, strings.ToUpper(listing))}}},
		{2, named{"*", spec.Headers{h(n, "*")}}},
		{1, named{"* and authorization", spec.Headers{h(n, "*, Authorization")}}},
		{1, named{"invalid", spec.Headers{h(n, "x-request-id;")}}},
	}
	if len(names) > 1 {
		cs = append(cs, choice[named]{1, named{"listing all but one", spec.Headers{h(n, strings.Join(names[1:], ","))}}})
	}
	return pick(r, cs...)
}

func drawACEH(r *rand.Rand) named {
	const n = "Access-Control-Expose-Headers"
	return pick(r,
		choice[named]{3, named{"absent", nil}},
		choice[named]{3, named{"listed", spec.Headers{h(n, "X-Total-Count")}}},
		choice[named]{2, named{"*", spec.Headers{h(n, "*")}}},
		choice[named]{1, named{"two lines", spec.Headers{h(n, "x-total-count"), h(n, "X-Secret")}}},
		choice[named]{1, named{"invalid", spec.Headers{h(n, "X-Total-Count;")}}})
}

// normalize is the Fetch standard's method normalization (R1.3), so that
// "exact" is what the browser sends as Access-Control-Request-Method.
func normalize(m string) string {
	switch u := strings.ToUpper(m); u {
	case "DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT":
		return u
	}
	return m
}
