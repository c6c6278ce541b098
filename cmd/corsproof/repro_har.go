package main

import (
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/har"
	"github.com/corsproof/corsproof/judge"
	"github.com/corsproof/corsproof/repro"
	"github.com/corsproof/corsproof/spec"
)

// cmdReproHAR writes the reproduction of one entry of a HAR file
// (repro --har FILE --entry N | --url SUBSTR). The HAR holds the
// exchanges; the policy the API means to implement is not known, so the
// bundle has none.
func cmdReproHAR(e env, o reproOpts) int {
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(e.stderr, "corsproof repro: "+format+"\n", a...)
		return exitUsage
	}
	switch {
	case o.entry < 0 && o.url == "":
		return usageErr("which entry of %s? Give --entry N or --url SUBSTR ('corsproof explain --har %s' lists them)", o.har, o.har)
	case o.entry >= 0 && o.url != "":
		return usageErr("give --entry N or --url SUBSTR, not both")
	}
	f, fetches, err := loadHARFetches(o.har, harChoice{entry: o.entry, url: o.url})
	if err != nil {
		return usageErr("%v", err)
	}
	x := fetches[0] // --url: the first cross-origin entry that matches
	in, err := harReproInput(f, x, o.har)
	if err != nil {
		return usageErr("%v", err)
	}
	files, err := repro.Build(in)
	if err != nil {
		fmt.Fprintf(e.stderr, "corsproof repro: %v\n", err)
		return exitInfra
	}
	dir := o.out
	if dir == "" {
		dir = "repro-" + in.Result.Scenario.ID
	}
	what := fmt.Sprintf("entry %d of %s: %s", x.Index, o.har, in.Result.Explanation)
	return finishRepro(e, o, dir, files, what)
}

// harReproInput is a HAR fetch as repro.Build takes it: a Result whose
// Observation holds the exchanges as recorded, judged by the Fetch model
// under the recording browser's profile, without a policy.
func harReproInput(f *har.File, x har.Fetch, path string) (repro.Input, error) {
	eng, recorder := f.Engine()
	profile := eng.Profile()
	ex, _ := harExchange(x, path, "")
	if ex.preflightUnknown {
		return repro.Input{}, fmt.Errorf("entry %d: the HAR holds neither its preflight nor a response: nothing to replay (export the HAR again with the preflight)", x.Index)
	}
	obs := x.Observation
	obs.Actual = append([]corsproof.Exchange(nil), obs.Actual...)
	var notes []string
	if p := obs.Preflight; p != nil && p.Status == 0 {
		q := *p
		q.Status = 200
		obs.Preflight = &q
		notes = append(notes, "the HAR has no status for the preflight; the replay answers 200")
	}
	if ex.assumedPreflight {
		pf := ex.preflight
		obs.Preflight = &corsproof.Exchange{URL: x.Request.URL, Method: "OPTIONS", Status: pf.Status, ResponseHeaders: fromSpecHeaders(pf.Headers)}
		notes = append(notes, "the HAR holds no preflight, but the browser sent the actual request, so its preflight allowed it: the replay answers one that allows exactly this request")
	}
	for i := range obs.Actual {
		if obs.Actual[i].Status == 0 {
			obs.Actual[i].Status = 200
			notes = append(notes, "the HAR has no status for the blocked response; the replay answers 200 with its recorded headers")
		}
	}
	obs.Notes = append(obs.Notes, notes...)
	obs.Notes = append(obs.Notes, x.Notes...)
	switch {
	case x.Failure != "":
		obs.Error, obs.NetError = "the browser recorded a failure", x.Failure
	case !obs.Allowed:
		obs.Error = "no response recorded in the HAR"
	}
	if eng == corsproof.Firefox && x.Failure == "" {
		obs.Notes = append(obs.Notes, "Firefox's HAR export records no CORS block: \"observed\" is what the HAR shows (whether a response arrived), not whether script could read it")
	}

	srv := ex.server()
	d := spec.Decide(ex.request, srv.answer, profile)
	wire := corsproof.Outcome{Allowed: d.Allowed, Reason: string(d.Reason), Param: d.FailedParameter, Preflight: d.Preflight}
	expl := "the Fetch model, on the recorded headers: " + verdictLine(d, srv)
	var cause *corsproof.Cause
	if !d.Allowed && !d.Incomplete {
		c := judge.BlockCause(obs, d.Reason, d.FailedParameter)
		cause = &c
		expl += "; " + c.String()
	}

	pageURL := x.PageURL
	if originOf(pageURL) != x.Request.Origin || x.Request.Origin == "null" {
		pageURL = ""
	}
	if pageURL == "" {
		if x.Request.Origin == "null" {
			return repro.Input{}, fmt.Errorf("entry %d: the page had origin null and the HAR does not say where it was served from", x.Index)
		}
		pageURL = x.Request.Origin + "/"
	}
	if u, err := url.Parse(pageURL); err == nil {
		u.Fragment = ""
		pageURL = u.String()
	}
	r := x.Request
	req := corsproof.Request{Path: pathOf(r.URL), Method: r.Method, Headers: r.Headers, Body: r.Body,
		Credentials: r.Credentials, Mode: r.Mode, Redirect: r.Redirect}
	if e := f.Log.Entries[x.Index]; e.Request.PostData != nil {
		req.BodyText = e.Request.PostData.Text
	}
	id := fmt.Sprintf("har-%s-entry-%d", corsproof.SafeName(strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))), x.Index)
	res := corsproof.Result{
		Scenario: corsproof.Scenario{ID: id, Site: "page", Request: req,
			Title: fmt.Sprintf("Entry %d of %s, recorded by %s: %s %s from %s", x.Index, filepath.Base(path), recorder, orGET(r.Method), r.URL, r.Origin)},
		Origin: r.Origin, URL: r.URL, Explanation: expl, Cause: cause,
		Wire: wire, Browser: corsproof.Outcome{Allowed: obs.Allowed, Preflight: obs.Preflight != nil},
		WireDecision: &d, Observation: &obs,
	}
	return repro.Input{
		Result: res, Site: corsproof.Site{Name: "page", Origin: r.Origin, Class: corsproof.ClassAllowed},
		PageURL: pageURL, Browser: recorder, Profile: profile,
		Command: "corsproof repro --har " + filepath.Base(path) + fmt.Sprintf(" --entry %d", x.Index),
	}, nil
}

func fromSpecHeaders(hs spec.Headers) []corsproof.Header {
	out := make([]corsproof.Header, 0, len(hs))
	for _, h := range hs {
		out = append(out, corsproof.Header{Name: h.Name, Value: h.Value})
	}
	return out
}

func orGET(m string) string {
	if m == "" {
		return "GET"
	}
	return m
}

// originOf is raw's serialized origin, "" when it has none.
func originOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

func pathOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return u.RequestURI()
}
