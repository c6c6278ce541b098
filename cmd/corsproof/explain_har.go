package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/har"
	"github.com/corsproof/corsproof/judge"
	"github.com/corsproof/corsproof/spec"
)

// harChoice is what --entry and --url pick from a HAR.
type harChoice struct {
	entry int    // -1: not given
	url   string // "": not given
}

// loadHARFetches reads a HAR and picks its cross-origin fetches: all of
// them, the one at --entry (its preflight's index names it too), or those
// whose URL contains --url. Every error is a usage error.
func loadHARFetches(path string, c harChoice) (*har.File, []har.Fetch, error) {
	f, err := har.Load(path)
	if err != nil {
		if errors.Is(err, har.ErrNotHAR) {
			return nil, nil, fmt.Errorf("%v (export one from the devtools' Network panel: \"Save all as HAR\")", err)
		}
		return nil, nil, fmt.Errorf("cannot read the HAR: %v", err)
	}
	all := f.CrossOrigin()
	if len(all) == 0 {
		return nil, nil, fmt.Errorf("%s: no cross-origin fetch or XHR among its %d entries: nothing CORS decided", path, f.Entries())
	}
	switch {
	case c.entry >= 0:
		if c.entry >= f.Entries() {
			return nil, nil, fmt.Errorf("--entry %d is out of range: %s has %d entries (0–%d); the cross-origin ones are %s",
				c.entry, path, f.Entries(), f.Entries()-1, harIndexes(all))
		}
		for _, x := range all {
			if x.Preflight == c.entry || containsInt(x.Hops, c.entry) {
				return f, []har.Fetch{x}, nil
			}
		}
		e := f.Log.Entries[c.entry]
		return nil, nil, fmt.Errorf("--entry %d (%s %s) is not a cross-origin fetch or XHR; the cross-origin ones are %s",
			c.entry, e.Request.Method, e.Request.URL, harIndexes(all))
	case c.url != "":
		var out []har.Fetch
		for _, x := range all {
			if strings.Contains(x.Request.URL, c.url) {
				out = append(out, x)
			}
		}
		if len(out) == 0 {
			return nil, nil, fmt.Errorf("no cross-origin entry's URL contains %q; the cross-origin ones are %s", c.url, harIndexes(all))
		}
		return f, out, nil
	}
	return f, all, nil
}

func containsInt(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// harIndexes lists fetches as "3 (PUT https://...), 7 (GET ...)".
func harIndexes(xs []har.Fetch) string {
	var s []string
	for i, x := range xs {
		if i == 8 {
			s = append(s, fmt.Sprintf("and %d more", len(xs)-i))
			break
		}
		m := x.Request.Method
		if m == "" {
			m = "GET"
		}
		s = append(s, fmt.Sprintf("%d (%s %s)", x.Index, m, x.Request.URL))
	}
	return strings.Join(s, ", ")
}

// harProfile is the profile of the engine that recorded the HAR, unless
// --profile was given.
func harProfile(f *har.File, profileName string, profileSet bool) (p, other spec.Profile, recorder string, ok bool) {
	eng, what := f.Engine()
	if profileSet {
		p, other, ok = explainProfiles(profileName)
		return p, other, what + "; profile " + p.Name + " (--profile)", ok
	}
	if eng == "" {
		return spec.Standard, spec.Chromium, fmt.Sprintf("%q, not a browser corsproof knows: the Fetch standard's profile", what), true
	}
	p, other, ok = explainProfiles(string(eng))
	return p, other, fmt.Sprintf("%s: profile %s", what, p.Name), ok
}

// harExchange is the fetch as explain's model replays it, and what had to
// be assumed for it.
func harExchange(x har.Fetch, path string, creds spec.CredentialsMode) (exchange, []string) {
	ex := exchange{request: x.Request, source: path}
	var notes []string
	if creds != "" {
		ex.request.Credentials = creds
	}
	if p := x.Observation.Preflight; p != nil {
		pf := spec.Response{Status: p.Status, Headers: toSpecHeaders(p.ResponseHeaders)}
		if pf.Status == 0 {
			pf.Status = 200
			notes = append(notes, "the preflight's status is not in the HAR: taken as 200")
		}
		ex.preflight = &pf
	}
	for _, a := range x.Observation.Actual {
		r := spec.Response{Status: a.Status, Headers: toSpecHeaders(a.ResponseHeaders)}
		if r.Status == 0 {
			r.Status = 200
			notes = append(notes, "the response's status is not in the HAR (the browser blocked it): taken as 200, which no CORS check reads")
		}
		ex.responses = append(ex.responses, r)
	}
	if x.Preflight < 0 && len(ex.responses) > 0 && needsPreflight(ex.request) {
		// The browser sent the actual request, so its preflight (or a
		// cached one) allowed it: the one answer that lets it through.
		pf := allowingPreflight(ex.request)
		ex.preflight = &pf
		ex.assumedPreflight = true
	}
	if x.Preflight < 0 && len(ex.responses) == 0 && needsPreflight(ex.request) {
		ex.preflightUnknown = true
	}
	return ex, notes
}

func needsPreflight(r spec.Request) bool { return spec.Plan(r, spec.Standard).NeedsPreflight }

// allowingPreflight is a preflight response that allows exactly r.
func allowingPreflight(r spec.Request) spec.Response {
	plan := spec.Plan(r, spec.Standard)
	hs := spec.Headers{{Name: spec.HeaderAllowOrigin, Value: r.Origin}, {Name: spec.HeaderAllowMethods, Value: plan.RequestMethod}}
	if plan.RequestHeaders != "" {
		hs = append(hs, spec.Header{Name: spec.HeaderAllowHeaders, Value: plan.RequestHeaders})
	}
	if r.Credentials == spec.CredentialsInclude {
		hs = append(hs, spec.Header{Name: spec.HeaderAllowCredentials, Value: "true"})
	}
	return spec.Response{Status: 204, Headers: hs}
}

// explainHAR explains each chosen cross-origin entry of a HAR.
func explainHAR(w io.Writer, path string, c harChoice, profileName string, profileSet bool, creds spec.CredentialsMode) error {
	f, fetches, err := loadHARFetches(path, c)
	if err != nil {
		return err
	}
	profile, other, recorder, ok := harProfile(f, profileName, profileSet)
	if !ok {
		return fmt.Errorf("unknown profile %q: use standard, chromium, firefox or webkit", profileName)
	}
	fmt.Fprintf(w, "%s: %d entries, %d cross-origin fetch(es); recorded by %s\n", path, f.Entries(), len(fetches), recorder)
	for _, x := range fetches {
		fmt.Fprintln(w)
		explainHAREntry(w, path, x, profile, other, creds)
	}
	return nil
}

func explainHAREntry(w io.Writer, path string, x har.Fetch, profile, other spec.Profile, creds spec.CredentialsMode) {
	m := x.Request.Method
	if m == "" {
		m = "GET"
	}
	kind := ""
	if x.Kind != "" {
		kind = " (" + x.Kind + ")"
	}
	fmt.Fprintf(w, "entry %d: %s %s%s from %s\n", x.Index, m, x.Request.URL, kind, x.Request.Origin)
	if x.Preflight >= 0 {
		p := x.Observation.Preflight
		fmt.Fprintf(w, "  preflight: entry %d (OPTIONS, status %d)\n", x.Preflight, p.Status)
	}
	ex, notes := harExchange(x, path, creds)
	if x.Failure != "" {
		fmt.Fprintf(w, "  the browser recorded a failure: %s\n", x.Failure)
	}
	for _, n := range append(x.Notes, notes...) {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
	if ex.assumedPreflight {
		fmt.Fprintln(w, "  note: the browser sent the actual request, so its preflight (or a cached one) allowed it: the model takes a preflight response that allows exactly this request")
	}
	if x.CredentialsKnown && creds == "" {
		fmt.Fprintln(w, "  credentials: include (the request carried a Cookie)")
	}
	if !x.CredentialsKnown && creds == "" {
		inc := ex
		inc.request.Credentials = spec.CredentialsInclude
		a := spec.Decide(ex.request, ex.server().answer, profile)
		b := spec.Decide(inc.request, inc.server().answer, profile)
		if verdictLine(a, nil) != verdictLine(b, nil) {
			fmt.Fprintf(w, "  note: the HAR does not say whether the page passed credentials: \"include\"; no Cookie was sent, so it is taken as not (with --credentials include: %s)\n", verdictLine(b, nil))
		}
	}
	if ex.preflightUnknown {
		fmt.Fprintln(w, "  the HAR holds no preflight and the request was never answered: the browser blocked it on its preflight, whose answer the export left out.")
		fmt.Fprintln(w, "  Export the HAR again with the preflight (Chromium shows it in the Network panel as a \"preflight\" request), or give its headers: corsproof explain --origin ... --preflight-header ...")
		fmt.Fprintln(w, "incomplete: the preflight's answer is not in the HAR")
		return
	}
	srv := ex.server()
	d := spec.Decide(ex.request, srv.answer, profile)
	alt := spec.Decide(ex.request, ex.server().answer, other)
	if d.Allowed && x.Failure != "" {
		fmt.Fprintf(w, "  note: the browser recorded a failure (%s) where the model, on the recorded headers, allows the fetch: the HAR lacks what decided (credentials? a network error? try --credentials include)\n", x.Failure)
	}
	var b strings.Builder
	printExplanation(&b, ex, srv, d, alt, profile, other)
	for _, l := range strings.SplitAfter(strings.TrimSuffix(b.String(), "\n"), "\n") {
		if strings.HasPrefix(l, "allowed") || strings.HasPrefix(l, "blocked") || strings.HasPrefix(l, "incomplete") {
			if !d.Allowed && !d.Incomplete {
				c := judge.BlockCause(x.Observation, d.Reason, d.FailedParameter)
				fmt.Fprintf(w, "cause (%s): %s\n", c.Kind, c.String())
				if a := c.Advice(); a != "" {
					fmt.Fprintf(w, "fix: %s\n", a)
				}
			}
		}
		io.WriteString(w, l)
	}
	fmt.Fprintln(w)
}

// harFlagsConflict names an explain flag that cannot go with --har.
func harFlagsConflict(set map[string]bool) string {
	for _, n := range []string{"origin", "method", "header", "mode", "redirect", "status",
		"preflight-status", "preflight-header", "response-header", "file", "id"} {
		if set[n] {
			return n
		}
	}
	return ""
}

func toSpecHeaders(hs []corsproof.Header) spec.Headers {
	out := make(spec.Headers, 0, len(hs))
	for _, h := range hs {
		out = append(out, spec.Header{Name: h.Name, Value: h.Value})
	}
	return out
}
