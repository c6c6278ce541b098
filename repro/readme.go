package repro

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/browser"
)

func statusText(code int) string { return http.StatusText(code) }

// readme is README.md: what the scenario is, expected against observed,
// the model's steps, and how to see it again.
func readme(in Input, f corsproof.Fetch, ex []Recorded, askNotes []string) string {
	res := in.Result
	s := res.Scenario
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }

	w("# corsproof repro: %s\n\n", s.ID)
	w("%s.\n\n", strings.TrimSuffix(s.Title, "."))
	w("A page on the origin `%s` runs one `fetch()` against an API: `%s`.\n", in.Site.Origin, s.Request.String())
	if in.Policy == nil {
		w("The policy the API means to implement is not known (`policy.yaml` says so): what follows is what the server sent and what the browser did.\n\n")
		w("## Outcome\n\n")
	} else {
		w("The API claims the policy in `policy.yaml` (policy `%s`)", s.Policy)
		if in.Fault != "" {
			w(", but it served the deliberate misconfiguration `%s`: %s", in.Fault, in.FaultSummary)
		}
		w(".\n\n")
		w("## Verdict: %s\n\n", res.VerdictLabel())
	}
	w("%s\n\n", res.Explanation)
	w("| | outcome |\n|---|---|\n")
	if in.Policy != nil {
		w("| expected (the policy, through the Fetch model) | %s |\n", res.Policy)
	}
	w("| model (the headers really sent, through the Fetch model) | %s |\n", res.Wire)
	w("| observed (%s) | %s |\n\n", orUnknown(in.Browser, "the browser"), res.Browser)
	if o := res.Observation; o != nil {
		if o.Allowed {
			w("The browser resolved the fetch: status %d, type `%s`.\n\n", o.Status, o.Type)
		} else {
			w("The browser rejected the fetch with `%s`", orUnknown(o.Error, "an error"))
			if o.CorsError != "" {
				w("; its reason (DevTools protocol `CorsError`) was `%s`", o.CorsError)
				if o.FailedParameter != "" {
					w(" with failed parameter `%s`", o.FailedParameter)
				}
			} else if o.NetError != "" {
				w("; network error `%s`", o.NetError)
			}
			w(".\n\n")
		}
		for _, n := range o.Notes {
			w("- note: %s\n", n)
		}
	}
	for _, d := range res.Diagnoses {
		w("- %s\n", d)
	}
	if len(res.Diagnoses) > 0 {
		w("\n")
	}

	if d := res.WireDecision; d != nil && len(d.Steps) > 0 {
		w("## The Fetch model's steps, on the headers really sent\n\n")
		for _, st := range d.Steps {
			mark := "ok  "
			if !st.OK {
				mark = "FAIL"
			}
			w("    %s %-8s %s\n", mark, st.Rule, st.Text)
		}
		w("\nRules are numbered as in corsproof's `docs/fetch-cors-rules.md` (the WHATWG Fetch standard's CORS rules).\n\n")
	}

	w("## What is here\n\n")
	if in.Policy == nil {
		w("- `policy.yaml`: empty but for a comment: the policy is not known.\n")
	} else {
		w("- `policy.yaml`: the policy the API claims.\n")
	}
	w("- `page.html`: the origin page; its script is exactly the `fetch()` corsproof ran (also in `fetch.json`), and it prints the outcome (and reports it to the server, whose log shows it; `#norun` after the URL loads the page without running it).\n")
	w("- `exchanges.txt`, `exchanges.json`: the %d exchange(s) as seen on the wire by the browser (request line and headers, status and response headers).\n", len(ex))
	w("- `server.go` (+ `go.mod`): a standard-library server that serves `page.html` at `%s` and replays the recorded responses, header lines byte for byte, in order, duplicates included.\n\n", in.PageURL)
	w("## Run it\n\n")
	w("    go run server.go        # in this directory (or: go run .); flags: -page 127.0.0.1:8443 -api 127.0.0.1:9443 -http 127.0.0.1:0\n\n")
	w("Origins are what CORS is about, so the page keeps its real origin `%s` and the API its real name(s). ", in.Site.Origin)
	w("The server listens on loopback ports with a certificate (and a CA) it generates at start, and prints the exact Chromium command line for this start, of this form:\n\n")
	w("    chromium --user-data-dir=\"$(mktemp -d)\" \\\n")
	w("      --host-resolver-rules=\"%s\" \\\n", hostRulesExample(in.PageURL, ex))
	w("      --ignore-certificate-errors-spki-list=<pin printed by the server>")
	if strings.HasPrefix(in.PageURL, "http:") {
		w(" \\\n      --disable-features=HttpsUpgrades")
	}
	w(" \\\n      '%s'\n\n", in.PageURL)
	w("The SPKI pin trusts exactly the server's certificate; nothing turns CORS off. ")
	w("The page prints the outcome; DevTools (Console, Network) shows the browser's reason.\n\n")
	w("Firefox or Safari/WebKit: map the page's name to 127.0.0.1 and the API's name(s) to 127.0.0.2 in the hosts file ")
	w("(`/etc/hosts`; on macOS first `sudo ifconfig lo0 alias 127.0.0.2`), run the server on the default ports ")
	w("(`sudo go run . -page 127.0.0.1:%s -api 127.0.0.2:443`), open `%s`, and accept the certificate exception ", defaultPort(in.PageURL), in.PageURL)
	w("for each name (open an API URL from `exchanges.txt` once in a tab to accept it too). Names: %s.\n\n", strings.Join(hostNames(in.PageURL, ex), ", "))
	if plain := plainAPIHosts(in.PageURL, ex); len(plain) > 0 {
		w("The API at %s is plain http beside an https page (browsers treat loopback as secure): the server answers it on a third listener, `-http`; ", strings.Join(plain, ", "))
		w("without host rules, run it on that very address (`-http %s`).\n\n", plain[0])
	}

	var limits []string
	if s.Session {
		limits = append(limits, "the run put a session cookie for the API into the browser first; the replay answers the same with or without it")
	}
	if s.Repeat > 0 {
		limits = append(limits, fmt.Sprintf("the run repeated the fetch %d more time(s) and judged the last one; this reproduction holds that last fetch (a preflight answered from the cache shows no preflight here)", s.Repeat))
	}
	if s.PrimeSite != "" {
		limits = append(limits, fmt.Sprintf("the run first fetched the same URL from the site %q to fill the HTTP cache; this reproduction holds only the judged fetch", s.PrimeSite))
	}
	if o := res.Observation; o != nil && !o.Allowed {
		limits = append(limits, "a blocked response's body never reaches script or the DevTools protocol, so the replay sends filler of the recorded Content-Length")
	}
	for _, x := range ex {
		if x.Source == SourceAskedAgain {
			limits = append(limits, fmt.Sprintf("the run's judged fetch did not show the %s %s %s on the wire (a request after a redirect the browser did not report, "+
				"or a preflight answered from the browser's cache); exchanges.txt holds the server's answer to the request the Fetch model says a fresh browser sends, asked again after the run", x.Role, x.Method, x.URL))
		}
	}
	for _, n := range askNotes {
		limits = append(limits, "a request the browser did not report could not be asked again: "+n)
	}
	if len(limits) > 0 {
		w("## Limits\n\n")
		for _, l := range limits {
			w("- %s.\n", l)
		}
		w("\n")
	}
	if in.Command != "" {
		w("Made by `%s`", in.Command)
		if in.Browser != "" {
			w(" with %s", in.Browser)
		}
		w(".\n")
	}
	return b.String()
}

// plainAPIHosts are the "host:port" of plain-http requests beside an
// https page, which the replay serves on its -http listener.
func plainAPIHosts(pageURL string, ex []Recorded) []string {
	if !strings.HasPrefix(pageURL, "https:") {
		return nil
	}
	var out []string
	for _, x := range ex {
		if u, err := url.Parse(x.URL); err == nil && u.Scheme == "http" && !slices.Contains(out, hostPort(u)) {
			out = append(out, hostPort(u))
		}
	}
	return out
}

func orUnknown(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

// hostNames lists the page's and the API's host names.
func hostNames(pageURL string, ex []Recorded) []string {
	var out []string
	add := func(raw string) {
		if u, err := url.Parse(raw); err == nil && u.Hostname() != "" {
			for _, h := range out {
				if h == u.Hostname() {
					return
				}
			}
			out = append(out, u.Hostname())
		}
	}
	add(pageURL)
	for _, x := range ex {
		add(x.URL)
	}
	return out
}

// hostRulesExample is the mapping for the server's default ports.
func hostRulesExample(pageURL string, ex []Recorded) string {
	m := map[string]string{}
	page, _ := url.Parse(pageURL)
	if page != nil {
		m[hostPort(page)] = "127.0.0.1:8443"
	}
	for _, x := range ex {
		if u, err := url.Parse(x.URL); err == nil {
			if _, ok := m[hostPort(u)]; !ok {
				m[hostPort(u)] = "127.0.0.1:9443"
			}
		}
	}
	rules, _ := browser.HostResolverRules(m)
	return rules
}

func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	if u.Scheme == "https" {
		return u.Hostname() + ":443"
	}
	return u.Hostname() + ":80"
}

func defaultPort(pageURL string) string {
	if u, err := url.Parse(pageURL); err == nil && u.Port() != "" {
		return u.Port()
	}
	if strings.HasPrefix(pageURL, "http:") {
		return "80"
	}
	return "443"
}
