package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/url"
	"os"
	"slices"
	"strings"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/spec"
)

func init() {
	register(command{
		name:    "explain",
		summary: "the Fetch model's decision for one request, step by step (no browser)",
		usage: []string{
			"explain --origin ORIGIN --url URL [flags]",
			"explain --file FILE [--id ID] [--profile P]",
			"explain --har FILE [--entry N | --url SUBSTR] [--credentials include] [--profile P]",
		},
		about: "Runs one fetch() through the Fetch model (package spec), without a browser, and prints every step: " +
			"whether a preflight is needed and why, the Access-Control-Request-* values, and each check with ✓ or ✗. " +
			"The last line is \"allowed\" or \"blocked: <Reason> [<failed parameter>]\", with Chromium's CorsError names. " +
			"The server's answers come from the flags: --status and --response-header for the actual response, " +
			"--preflight-status and --preflight-header for the preflight; when the model needs a preflight and no " +
			"--preflight-* flag was given, the preflight response is assumed to be status 200 without headers, and the " +
			"output says so. The exit code is 0 either way; 2 means the input is malformed.",
		examples: []string{
			"corsproof explain --origin https://app.example.test --url https://api.example.test/items --method PUT " +
				"--header 'X-Foo: 1' --preflight-header 'Access-Control-Allow-Origin: https://app.example.test'",
			"corsproof explain --origin null --url https://api.example.test/items --response-header 'Access-Control-Allow-Origin: *'",
			"corsproof explain --file report.json --id custom-header-allowed --profile firefox",
			"corsproof explain --har network.har --url /api/items",
		},
		details: explainFileFormat,
		run:     cmdExplain,
	})
}

const explainFileFormat = `--file FILE reads a captured exchange instead of the request flags. Either
the capture format

  {"request":   {"origin": "https://app.example.test",
                 "url": "https://api.example.test/items", "method": "PUT",
                 "headers": [{"name": "X-Foo", "value": "1"}],
                 "credentials": "include", "mode": "cors"},
   "preflight": {"status": 204, "headers": [{"name": "Access-Control-Allow-Origin",
                                            "value": "https://app.example.test"}]},
   "response":  {"status": 200, "headers": [...]},
   "responses": [{...}, {...}]}

("responses" lists one response per redirect hop and replaces "response";
"preflight" may be left out), or one entry of the "results" array of a
'corsproof run --json' report (the model replays what the browser saw on the
wire), or a whole report with --id naming the scenario.

--har FILE reads the network log a browser's devtools exported (HAR 1.2:
Chrome, Edge, Firefox, Safari) and explains each cross-origin fetch() or
XHR in it, numbered by its index in log.entries (--entry N picks one,
--url SUBSTR those whose URL contains SUBSTR), with its preflight when the
export holds one (it says so when it does not), under the profile of the
browser that recorded it (--profile overrides), and names the cause as
'corsproof check' would. A blocked entry (status 0, net::ERR_FAILED) is
explained from the headers the HAR has. A HAR does not record fetch()'s
credentials mode: a request that carried a Cookie is taken as
credentials: "include", any other as without; --credentials include says
otherwise.
`

func cmdExplain(e env, args []string) int {
	fs := e.flags("explain")
	var (
		origin      = fs.String("origin", "", "the page's `ORIGIN`, e.g. https://app.example.test, or null")
		target      = fs.String("url", "", "the absolute `URL` passed to fetch()")
		method      = fs.String("method", "", "the `METHOD` as the page passes it (default GET)")
		credentials = fs.String("credentials", "", "credentials `MODE`: omit, same-origin (fetch()'s default) or include")
		mode        = fs.String("mode", "", "request `MODE`: cors (default), no-cors or same-origin")
		redirect    = fs.String("redirect", "", "redirect `MODE`: follow (default), error or manual")
		status      = fs.Int("status", 200, "the actual response's `STATUS`")
		pfStatus    = fs.Int("preflight-status", 0, "the preflight response's `STATUS` (default 200)")
		profileName = fs.String("profile", "chromium", "the model's `PROFILE`: standard (the Fetch standard), chromium, firefox or webkit")
		file        = fs.String("file", "", "read a captured exchange from this JSON `FILE` (see below)")
		id          = fs.String("id", "", "with --file holding a whole report: the scenario `ID` to explain")
		harFile     = fs.String("har", "", "explain the cross-origin fetches of the HAR `FILE` a browser's devtools exported (see below)")
		entry       = fs.Int("entry", -1, "with --har: only the entry with index `N` in log.entries (from 0)")
		headers     multiFlag
		pfHeaders   multiFlag
		respHeaders multiFlag
	)
	fs.Var(&headers, "header", "a request header `'NAME: VALUE'` (repeatable)")
	fs.Var(&pfHeaders, "preflight-header", "a preflight response header `'NAME: VALUE'` (repeatable)")
	fs.Var(&respHeaders, "response-header", "an actual response header `'NAME: VALUE'` (repeatable; a second line of the same name is a second header line)")
	if code, done := e.parse(fs, args); done {
		return code
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(e.stderr, "corsproof explain: "+format+"\n", a...)
		return exitUsage
	}
	if fs.NArg() > 0 {
		return usageErr("unexpected argument %q", fs.Arg(0))
	}
	profile, other, ok := explainProfiles(*profileName)
	if !ok {
		return usageErr("unknown profile %q: use standard, chromium, firefox or webkit", *profileName)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	if *harFile != "" {
		if n := harFlagsConflict(set); n != "" {
			return usageErr("--%s cannot be combined with --har: the HAR holds the whole exchange (--url SUBSTR picks entries)", n)
		}
		if set["entry"] && set["url"] {
			return usageErr("give --entry N or --url SUBSTR, not both")
		}
		if set["entry"] && *entry < 0 {
			return usageErr("--entry %d: entries are numbered from 0", *entry)
		}
		if err := explainHAR(e.stdout, *harFile, harChoice{entry: *entry, url: *target}, *profileName, set["profile"], spec.CredentialsMode(*credentials)); err != nil {
			return usageErr("%v", err)
		}
		return exitOK
	}
	if set["entry"] {
		return usageErr("--entry goes with --har FILE")
	}
	var ex exchange
	if *file != "" {
		for _, n := range []string{"origin", "url", "method", "header", "credentials", "mode", "redirect",
			"status", "preflight-status", "preflight-header", "response-header"} {
			if set[n] {
				return usageErr("--%s cannot be combined with --file: the file holds the whole exchange", n)
			}
		}
		var err error
		if ex, err = loadExchange(*file, *id); err != nil {
			return usageErr("%v", err)
		}
	} else {
		if set["id"] {
			return usageErr("--id needs --file")
		}
		req := spec.Request{Origin: *origin, URL: *target, Method: *method,
			Credentials: spec.CredentialsMode(*credentials), Mode: spec.Mode(*mode), Redirect: spec.RedirectMode(*redirect)}
		var err error
		if req.Headers, err = parseHeaderFlags("--header", headers); err != nil {
			return usageErr("%v", err)
		}
		ex.request = req
		ex.responses = []spec.Response{{Status: *status}}
		if ex.responses[0].Headers, err = parseHeaderFlags("--response-header", respHeaders); err != nil {
			return usageErr("%v", err)
		}
		if set["preflight-status"] || set["preflight-header"] {
			pf := spec.Response{Status: *pfStatus}
			if !set["preflight-status"] {
				pf.Status = 200
			}
			if pf.Headers, err = parseHeaderFlags("--preflight-header", pfHeaders); err != nil {
				return usageErr("%v", err)
			}
			ex.preflight = &pf
		}
		ex.source = "flags"
	}
	if err := ex.validate(); err != nil {
		return usageErr("%v", err)
	}

	srv := ex.server()
	d := spec.Decide(ex.request, srv.answer, profile)
	alt := spec.Decide(ex.request, ex.server().answer, other)
	printExplanation(e.stdout, ex, srv, d, alt, profile, other)
	return exitOK
}

// explainProfiles is the profile to explain with and the one to compare
// against: a browser's with the standard, the standard with Chromium.
func explainProfiles(name string) (p, other spec.Profile, ok bool) {
	if name == "standard" {
		return spec.Standard, spec.Chromium, true
	}
	e := corsproof.Engine(name)
	if !e.Known() {
		return spec.Profile{}, spec.Profile{}, false
	}
	return e.Profile(), spec.Standard, true
}

// exchange is one fetch and the server's answers to it.
type exchange struct {
	request   spec.Request
	preflight *spec.Response  // nil: not given
	responses []spec.Response // the actual response, one per redirect hop
	source    string          // flags, a capture file, a report entry, a HAR
	// assumedPreflight: preflight is made up (a HAR without the preflight
	// of a request the browser sent); preflightUnknown: a preflight is
	// needed and nothing says what it answered.
	assumedPreflight, preflightUnknown bool
}

// validate rejects what is a mistake on the command line rather than a
// fetch() the model should judge: the model's own InvalidRequest is for
// requests a page could really make.
func (x exchange) validate() error {
	r := x.request
	if r.Origin == "" {
		return errors.New("--origin is required (e.g. --origin https://app.example.test, or null)")
	}
	if r.Origin != "null" {
		u, err := url.Parse(r.Origin)
		if err != nil || u.Scheme == "" || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
			return fmt.Errorf("origin %q is not an origin: write scheme://host[:port], or null", r.Origin)
		}
		if u.Path == "/" {
			return fmt.Errorf("origin %q is not an origin: an origin has no trailing slash", r.Origin)
		}
	}
	if r.URL == "" {
		return errors.New("--url is required: the absolute URL passed to fetch()")
	}
	if u, err := url.Parse(r.URL); err != nil || u.Scheme == "" || (u.Host == "" && u.Opaque == "") {
		return fmt.Errorf("url %q is not an absolute URL", r.URL)
	}
	switch r.Credentials {
	case "", spec.CredentialsOmit, spec.CredentialsSameOrigin, spec.CredentialsInclude:
	default:
		return fmt.Errorf("unknown credentials mode %q: use omit, same-origin or include", r.Credentials)
	}
	switch r.Mode {
	case "", spec.ModeCORS, spec.ModeNoCORS, spec.ModeSameOrigin:
	default:
		return fmt.Errorf("unknown mode %q: use cors, no-cors or same-origin", r.Mode)
	}
	switch r.Redirect {
	case "", spec.RedirectFollow, spec.RedirectError, spec.RedirectManual:
	default:
		return fmt.Errorf("unknown redirect mode %q: use follow, error or manual", r.Redirect)
	}
	check := func(what string, resp spec.Response) error {
		if resp.Status < 100 || resp.Status > 599 {
			return fmt.Errorf("%s status %d is not an HTTP status (100–599)", what, resp.Status)
		}
		return nil
	}
	if x.preflight != nil {
		if err := check("the preflight", *x.preflight); err != nil {
			return err
		}
	}
	for _, resp := range x.responses {
		if err := check("the response", resp); err != nil {
			return err
		}
	}
	return nil
}

// explainServer answers the model from the exchange and remembers what it
// had to make up.
type explainServer struct {
	x          exchange
	hop        int
	assumed    bool   // a preflight was needed but not given
	unknown    string // the request whose answer was not given
	preflights []spec.ServerRequest
}

func (x exchange) server() *explainServer { return &explainServer{x: x} }

func (s *explainServer) answer(r spec.ServerRequest) (spec.Response, bool) {
	if r.Preflight {
		s.preflights = append(s.preflights, r)
		if s.x.preflight == nil {
			s.assumed = true
			return spec.Response{Status: 200}, true
		}
		return *s.x.preflight, true
	}
	if s.hop >= len(s.x.responses) {
		s.unknown = r.Method + " " + r.URL
		return spec.Response{}, false
	}
	s.hop++
	return s.x.responses[s.hop-1], true
}

func printExplanation(w io.Writer, x exchange, srv *explainServer, d, alt spec.Decision, p, other spec.Profile) {
	r := x.request
	m := r.Method
	if m == "" {
		m = "GET"
	}
	cred := r.Credentials
	if cred == "" {
		cred = spec.CredentialsSameOrigin
	}
	md := r.Mode
	if md == "" {
		md = spec.ModeCORS
	}
	fmt.Fprintf(w, "fetch(%q, {method: %q, credentials: %q, mode: %q}) from %s; model profile %s\n", r.URL, m, cred, md, r.Origin, p.Name)
	for _, h := range r.Headers {
		fmt.Fprintf(w, "  request header  %s: %s\n", h.Name, h.Value)
	}
	pf := 0
	for _, st := range d.Steps {
		mark := "✓"
		if !st.OK {
			mark = "✗"
		}
		fmt.Fprintf(w, "%s %-7s %s\n", mark, st.Rule, st.Text)
		if st.Rule == "R3.1.6" && pf < len(srv.preflights) {
			sent := srv.preflights[pf]
			pf++
			for _, n := range []string{"Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers"} {
				if v, ok := sent.Headers.Get(n); ok {
					fmt.Fprintf(w, "          preflight sends %s: %s\n", n, v)
				}
			}
			switch {
			case x.assumedPreflight:
				fmt.Fprintln(w, "          the preflight is not in the HAR: taken as one that allows this request")
			case x.preflight == nil:
				fmt.Fprintln(w, "          the preflight response was not given: assumed status 200 without headers")
			}
		}
	}
	if x.preflight != nil && !d.Preflight && d.Preflights == 0 && !d.Incomplete && d.Reason != spec.ReasonInvalidRequest {
		fmt.Fprintln(w, "note: the preflight response given was not used: the model sent no preflight")
	}
	if d.Allowed && d.Type != "opaque" && d.Type != "opaqueredirect" {
		fmt.Fprintf(w, "script can read: status %d, headers [%s]\n", d.Status, strings.Join(d.Exposed, ", "))
	}
	for _, id := range d.Deviations {
		if dv, ok := p.Deviation(id); ok {
			fmt.Fprintf(w, "deviation %s (%s): %s\n", dv.ID, dv.Rule, dv.Summary)
		}
	}
	if alt.Incomplete == d.Incomplete && verdictLine(alt, nil) != verdictLine(d, nil) {
		fmt.Fprintf(w, "note: the %s profile decides otherwise: %s\n", other.Name, verdictLine(alt, nil))
	}
	fmt.Fprintln(w, verdictLine(d, srv))
}

// verdictLine is the last line: "allowed" or "blocked: Reason param".
func verdictLine(d spec.Decision, srv *explainServer) string {
	switch {
	case d.Incomplete:
		what := "a request"
		if srv != nil && srv.unknown != "" {
			what = srv.unknown
		}
		return fmt.Sprintf("incomplete: the answer to %s was not given (give one response per redirect hop with --file)", what)
	case d.Allowed:
		return "allowed"
	case d.FailedParameter != "":
		return fmt.Sprintf("blocked: %s %s", d.Reason, d.FailedParameter)
	}
	return fmt.Sprintf("blocked: %s", d.Reason)
}

// parseHeaderFlags parses 'Name: value' lines. The name must be an HTTP
// token; the value is trimmed as Headers.append does (R1.4).
func parseHeaderFlags(flagName string, lines []string) (spec.Headers, error) {
	var out spec.Headers
	for _, l := range lines {
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			return nil, fmt.Errorf("%s %q: write 'Name: value'", flagName, l)
		}
		if !spec.IsToken(name) {
			return nil, fmt.Errorf("%s %q: %q is not a header name (letters, digits and !#$%%&'*+-.^_`|~, no spaces)", flagName, l, name)
		}
		value = strings.Trim(value, " \t")
		if strings.ContainsAny(value, "\r\n\x00") {
			return nil, fmt.Errorf("%s %q: a header value holds no CR, LF or NUL", flagName, l)
		}
		out = append(out, spec.Header{Name: name, Value: value})
	}
	return out, nil
}

// captureFile is the capture format of --file.
type captureFile struct {
	Request   *spec.Request   `json:"request"`
	Preflight *spec.Response  `json:"preflight"`
	Response  *spec.Response  `json:"response"`
	Responses []spec.Response `json:"responses"`
}

// reportEntry is the part of one JSON report result that explain needs.
type reportEntry struct {
	ID      string            `json:"id"`
	Origin  string            `json:"origin"`
	URL     string            `json:"url"`
	Request corsproof.Request `json:"request"`
	Detail  *struct {
		Observation *struct {
			Preflight *exchangeJSON  `json:"preflight"`
			Actual    []exchangeJSON `json:"actual"`
		} `json:"observation"`
	} `json:"detail"`
}

type exchangeJSON struct {
	Status          int          `json:"status"`
	ResponseHeaders spec.Headers `json:"response_headers"`
}

// loadExchange reads --file: a capture, a report entry, or a whole report
// (then id picks the entry).
func loadExchange(path, id string) (exchange, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return exchange{}, fmt.Errorf("cannot read the exchange: %v", err)
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(data, &keys); err != nil {
		return exchange{}, fmt.Errorf("%s is not a JSON object: %v (see 'corsproof explain --help' for the format)", path, err)
	}
	bad := func(err error) (exchange, error) {
		return exchange{}, fmt.Errorf("%s: %v (see 'corsproof explain --help' for the format)", path, err)
	}
	switch {
	case keys["runs"] != nil, keys["results"] != nil:
		// A report: one run per engine (older reports of one engine have
		// the results at the top). An engine that shows no wire (WebKit)
		// has no capture, so the first engine with one answers.
		var doc struct {
			Runs []struct {
				Results []json.RawMessage `json:"results"`
			} `json:"runs"`
			Results []json.RawMessage `json:"results"`
		}
		if err := json.Unmarshal(data, &doc); err != nil {
			return bad(err)
		}
		for _, run := range doc.Runs {
			doc.Results = append(doc.Results, run.Results...)
		}
		distinct := map[string]bool{}
		for _, raw := range doc.Results {
			var e reportEntry
			if err := json.Unmarshal(raw, &e); err != nil {
				return bad(err)
			}
			distinct[e.ID] = true
		}
		var fallback *reportEntry
		for _, raw := range doc.Results {
			var e reportEntry
			if err := json.Unmarshal(raw, &e); err != nil {
				return bad(err)
			}
			if e.ID != id && (id != "" || len(distinct) != 1) {
				continue
			}
			if e.Detail != nil && e.Detail.Observation != nil {
				return fromReport(path, e)
			}
			if fallback == nil {
				fallback = &e
			}
		}
		if fallback != nil {
			return fromReport(path, *fallback)
		}
		if id == "" {
			return bad(fmt.Errorf("a report with %d results: name one with --id", len(distinct)))
		}
		return bad(fmt.Errorf("no result with id %q in the report%s", id, didYouMean(id, slices.Sorted(maps.Keys(distinct)))))
	case keys["detail"] != nil:
		var e reportEntry
		if err := json.Unmarshal(data, &e); err != nil {
			return bad(err)
		}
		return fromReport(path, e)
	}
	var c captureFile
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return bad(err)
	}
	if c.Request == nil {
		return bad(errors.New(`no "request"`))
	}
	x := exchange{request: *c.Request, preflight: c.Preflight, responses: c.Responses, source: path}
	switch {
	case c.Response != nil && c.Responses != nil:
		return bad(errors.New(`give "response" or "responses", not both`))
	case c.Response != nil:
		x.responses = []spec.Response{*c.Response}
	case c.Responses == nil:
		return bad(errors.New(`no "response": the actual response's status and headers`))
	}
	return x, nil
}

func fromReport(path string, e reportEntry) (exchange, error) {
	if e.Detail == nil || e.Detail.Observation == nil {
		return exchange{}, fmt.Errorf("%s: result %q has no detail.observation: the browser's wire capture is needed", path, e.ID)
	}
	r := e.Request
	x := exchange{source: path, request: spec.Request{
		Origin: e.Origin, URL: e.URL, Method: r.Method, Headers: r.Headers,
		Body: r.Body, BlobType: r.BlobType, Credentials: r.Credentials,
		Mode: r.Mode, Redirect: r.Redirect, Cache: r.Cache,
	}}
	obs := e.Detail.Observation
	if obs.Preflight != nil && obs.Preflight.Status != 0 {
		x.preflight = &spec.Response{Status: obs.Preflight.Status, Headers: obs.Preflight.ResponseHeaders}
	}
	for _, a := range obs.Actual {
		if a.Status == 0 {
			break
		}
		x.responses = append(x.responses, spec.Response{Status: a.Status, Headers: a.ResponseHeaders})
	}
	return x, nil
}
