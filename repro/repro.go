// Package repro turns one scenario's result into a reproduction a person
// can hand to a browser vendor or a colleague, with no corsproof needed to
// read or run it: the policy, the origin page's exact script, the wire
// exchanges as the browser saw them, a one-file stdlib server that replays
// them byte for byte, and a README that says what should have happened,
// what did, and how to see it again.
//
// Build is pure: it renders files from a harness.Result (whose Observation
// holds the wire exchanges) and never starts anything. The page's script
// is browser.FetchScript, the very expression the run evaluated, so the
// reproduction cannot drift from what corsproof ran.
package repro

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/url"
	"strconv"
	"strings"

	"github.com/corsproof/corsproof"

	"go.yaml.in/yaml/v3"

	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/policy"
	"github.com/corsproof/corsproof/spec"
)

// Input is what a reproduction is made of.
type Input struct {
	// Result is the scenario's result; its Observation must be set.
	Result corsproof.Result
	// Policy is the policy the API claimed for the scenario; nil when it
	// is not known (a fetch from a browser's HAR export): policy.yaml
	// then says so, and the README has no expected outcome.
	Policy *policy.Policy
	// Site is the origin page's site; PageURL the page's URL in the run
	// (e.g. "https://app.example.test/").
	Site    corsproof.Site
	PageURL string
	// Fault names the mock's deliberate misconfiguration, "" for none;
	// FaultSummary says what it does.
	Fault, FaultSummary string
	// Browser is the browser version of the run ("Chromium/156...").
	Browser string
	// Command is the corsproof command line that made the run.
	Command string
	// Ask, when set, answers the requests the Fetch model says the
	// browser sent but the browser did not report (see AskHandler), so
	// the replay can answer them too; Profile is the browser's deviation
	// profile for that walk (zero: spec.Chromium).
	Ask     AskFunc
	Profile spec.Profile
}

// Files of a reproduction, by name.
const (
	FilePolicy       = "policy.yaml"
	FilePage         = "page.html"
	FileExchangesTxt = "exchanges.txt"
	FileExchanges    = "exchanges.json"
	FileFetch        = "fetch.json"
	FileServer       = "server.go"
	FileGoMod        = "go.mod"
	FileReadme       = "README.md"
)

// Recorded is one exchange as exchanges.json holds it and server.go
// replays it.
type Recorded struct {
	// Role is "preflight" or "actual"; Hop counts the actual request's
	// redirect hops from 1.
	Role            string             `json:"role"`
	Hop             int                `json:"hop,omitempty"`
	Method          string             `json:"method"`
	URL             string             `json:"url"`
	RequestHeaders  []corsproof.Header `json:"request_headers,omitempty"`
	Status          int                `json:"status"`
	ResponseHeaders []corsproof.Header `json:"response_headers,omitempty"`
	// Body is the response body when script could read it (the last hop
	// of an allowed fetch); otherwise the browser kept it from corsproof.
	Body string `json:"body,omitempty"`
	// Source is "" for an exchange the browser reported, SourceAskedAgain
	// for one the server answered again after the run.
	Source string `json:"source,omitempty"`
}

// Exchanges lists an observation's exchanges in wire order: the preflight,
// then each hop of the actual request.
func Exchanges(o *corsproof.Observation) []Recorded {
	if o == nil {
		return nil
	}
	var out []Recorded
	if p := o.Preflight; p != nil {
		out = append(out, Recorded{Role: "preflight", Method: p.Method, URL: p.URL,
			RequestHeaders: p.RequestHeaders, Status: p.Status, ResponseHeaders: p.ResponseHeaders})
	}
	for i, a := range o.Actual {
		r := Recorded{Role: "actual", Hop: i + 1, Method: a.Method, URL: a.URL,
			RequestHeaders: a.RequestHeaders, Status: a.Status, ResponseHeaders: a.ResponseHeaders}
		if i == len(o.Actual)-1 && o.Allowed && !o.BodyTruncated {
			r.Body = o.Body
		}
		out = append(out, r)
	}
	return out
}

// specRequest is the scenario's fetch as the Fetch model takes it.
func specRequest(in Input) spec.Request {
	r := in.Result.Scenario.Request
	return spec.Request{
		Origin: in.Site.Origin, URL: in.Result.URL, Method: r.Method, Headers: r.Headers,
		Body: r.Body, BlobType: r.BlobType, Credentials: r.Credentials,
		Mode: r.Mode, Redirect: r.Redirect, Cache: r.Cache,
	}
}

// observed is what the page's script and the browser said about the fetch.
type observed struct {
	Allowed         bool               `json:"allowed"`
	Error           string             `json:"error,omitempty"`
	Status          int                `json:"status,omitempty"`
	Type            string             `json:"type,omitempty"`
	Headers         []corsproof.Header `json:"headers,omitempty"`
	CorsError       string             `json:"cors_error,omitempty"`
	FailedParameter string             `json:"failed_parameter,omitempty"`
	NetError        string             `json:"net_error,omitempty"`
}

func observedOf(o *corsproof.Observation) observed {
	return observed{Allowed: o.Allowed, Error: o.Error, Status: o.Status, Type: o.Type, Headers: o.Headers,
		CorsError: o.CorsError, FailedParameter: o.FailedParameter, NetError: o.NetError}
}

// Build renders the reproduction's files.
func Build(in Input) (map[string][]byte, error) {
	res := in.Result
	if res.Observation == nil {
		return nil, fmt.Errorf("repro: scenario %s has no browser observation (verdict %s: %s)", res.Scenario.ID, res.Verdict, res.Explanation)
	}
	if in.PageURL == "" || res.URL == "" {
		return nil, errors.New("repro: Build needs the page URL and the result's URL")
	}
	f := res.Scenario.Request.Fetch(in.PageURL, res.URL)
	files := map[string][]byte{}

	pol, err := policyYAML(in)
	if err != nil {
		return nil, err
	}
	files[FilePolicy] = pol

	if files[FilePage], err = pageHTML(in, f); err != nil {
		return nil, err
	}
	ex := Exchanges(res.Observation)
	var askNotes []string
	if in.Ask != nil {
		if res.WireDecision != nil {
			ex, askNotes = askMissing(ex, res.WireDecision.Sent, in.Ask)
		}
		prof := in.Profile
		if prof.Name == "" {
			prof = spec.Chromium
		}
		var more []string
		ex, more = fresh(ex, specRequest(in), prof, in.Ask)
		askNotes = append(askNotes, more...)
	}
	if files[FileExchanges], err = json.MarshalIndent(struct {
		Scenario  string     `json:"scenario"`
		PageURL   string     `json:"page_url"`
		Origin    string     `json:"origin"`
		Browser   string     `json:"browser,omitempty"`
		Observed  observed   `json:"observed"`
		Exchanges []Recorded `json:"exchanges"`
	}{res.Scenario.ID, in.PageURL, in.Site.Origin, in.Browser, observedOf(res.Observation), ex}, "", "  "); err != nil {
		return nil, fmt.Errorf("repro: %w", err)
	}
	files[FileExchangesTxt] = []byte(ExchangesText(ex))
	if files[FileFetch], err = json.MarshalIndent(f, "", "  "); err != nil {
		return nil, fmt.Errorf("repro: %w", err)
	}
	if files[FileServer], err = serverSource(res.Scenario.ID, in, ex); err != nil {
		return nil, err
	}
	files[FileGoMod] = []byte("module corsproof-repro\n\ngo 1.22\n")
	files[FileReadme] = []byte(readme(in, f, ex, askNotes))
	return files, nil
}

func policyYAML(in Input) ([]byte, error) {
	var b bytes.Buffer
	if in.Policy == nil {
		fmt.Fprintf(&b, "# The policy the API means to implement is not known for %s: nothing recorded it.\n", in.Result.Scenario.ID)
		b.WriteString("# exchanges.txt holds what the server really sent.\n")
		return b.Bytes(), nil
	}
	fmt.Fprintf(&b, "# The policy the API claims for scenario %s (policy %q).\n", in.Result.Scenario.ID, in.Result.Scenario.Policy)
	if in.Fault != "" {
		fmt.Fprintf(&b, "# The mock did NOT serve it faithfully: it served fault %q (%s).\n", in.Fault, in.FaultSummary)
		b.WriteString("# exchanges.txt holds what it really sent.\n")
	}
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(in.Policy); err != nil {
		return nil, fmt.Errorf("repro: policy as YAML: %w", err)
	}
	enc.Close()
	return b.Bytes(), nil
}

//go:embed page.html.tmpl
var pageTmpl string

var pageTemplate = template.Must(template.New("page").Parse(pageTmpl))

func pageHTML(in Input, f corsproof.Fetch) ([]byte, error) {
	script, err := browser.FetchScript(f)
	if err != nil {
		return nil, err
	}
	// The arguments as fetch.json has them, without the page's own URL.
	var m map[string]any
	raw, err := json.Marshal(f)
	if err == nil {
		err = json.Unmarshal(raw, &m)
	}
	delete(m, "page_url")
	args, err2 := json.MarshalIndent(m, "", "  ")
	if err = errors.Join(err, err2); err != nil {
		return nil, fmt.Errorf("repro: page.html: %w", err)
	}
	var b bytes.Buffer
	err = pageTemplate.Execute(&b, map[string]any{
		"ID": in.Result.Scenario.ID, "Title": in.Result.Scenario.Title,
		"Origin": in.Site.Origin, "Request": in.Result.Scenario.Request.String(),
		"Script": template.JS(script), "Args": string(args),
	})
	if err != nil {
		return nil, fmt.Errorf("repro: page.html: %w", err)
	}
	return b.Bytes(), nil
}

// ExchangesText renders exchanges as HTTP/1.1-style text: the request line
// and headers as the browser sent them, then the status line and the
// response header lines as they arrived.
func ExchangesText(ex []Recorded) string {
	var b strings.Builder
	for i, x := range ex {
		if i > 0 {
			b.WriteString("\n")
		}
		label := "preflight"
		if x.Role == "actual" {
			label = "actual request"
			if x.Hop > 1 {
				label += " (redirect hop " + strconv.Itoa(x.Hop) + ")"
			}
		}
		fmt.Fprintf(&b, "### %s: %s %s\n", label, x.Method, x.URL)
		if x.Source == SourceAskedAgain {
			b.WriteString("# NOT reported by the browser: the request the Fetch model says it sent, answered again by the server after the run\n")
		}
		b.WriteString("\n")
		target := x.URL
		if u, err := url.Parse(x.URL); err == nil {
			target = u.RequestURI()
		}
		fmt.Fprintf(&b, "%s %s HTTP/1.1\n", x.Method, target)
		if len(x.RequestHeaders) > 0 && x.Source == "" {
			b.WriteString("# request headers as the browser reported them (the DevTools protocol keeps no order: sorted by name)\n")
		}
		for _, h := range x.RequestHeaders {
			fmt.Fprintf(&b, "%s: %s\n", h.Name, h.Value)
		}
		b.WriteString("\n")
		if x.Status == 0 {
			b.WriteString("(no response arrived)\n")
			continue
		}
		fmt.Fprintf(&b, "HTTP/1.1 %d %s\n", x.Status, statusText(x.Status))
		for _, h := range x.ResponseHeaders {
			fmt.Fprintf(&b, "%s: %s\n", h.Name, h.Value)
		}
		if x.Body != "" {
			b.WriteString("\n" + x.Body + "\n")
		}
	}
	if len(ex) == 0 {
		b.WriteString("(no request reached the wire)\n")
	}
	return b.String()
}

//go:embed server.go.tmpl
var serverTmpl string

// serverSource fills the replay server's recording in.
func serverSource(id string, in Input, ex []Recorded) ([]byte, error) {
	type replay struct {
		Role    string      `json:"role"`
		Method  string      `json:"method"`
		URL     string      `json:"url"`
		Status  int         `json:"status"`
		Headers [][2]string `json:"response_headers"`
		Body    string      `json:"body,omitempty"`
	}
	rec := struct {
		Scenario  string   `json:"scenario"`
		PageURL   string   `json:"page_url"`
		Sandboxed bool     `json:"sandboxed"`
		Exchanges []replay `json:"exchanges"`
	}{Scenario: id, PageURL: in.PageURL, Sandboxed: in.Site.Sandboxed}
	for _, x := range ex {
		r := replay{Role: x.Role, Method: x.Method, URL: x.URL, Status: x.Status, Body: x.Body}
		for _, h := range x.ResponseHeaders {
			r.Headers = append(r.Headers, [2]string{h.Name, h.Value})
		}
		rec.Exchanges = append(rec.Exchanges, r)
	}
	data, err := json.MarshalIndent(rec, "", "\t")
	if err != nil {
		return nil, fmt.Errorf("repro: %w", err)
	}
	lit := strconv.Quote(string(data))
	if !bytes.ContainsRune(data, '`') && !bytes.ContainsRune(data, '\r') {
		lit = "`" + string(data) + "`"
	}
	return []byte(strings.Replace(serverTmpl, "__RECORDED__", lit, 1)), nil
}
