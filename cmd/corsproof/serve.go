package main

import (
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/harness"
	"github.com/corsproof/corsproof/mockapi"
	"github.com/corsproof/corsproof/policy"
	"github.com/corsproof/corsproof/scenarios"
)

func init() {
	register(command{
		name:    "serve",
		summary: "serve the mock API and origin pages on loopback, for poking by hand",
		usage:   []string{"serve [--policy FILE] [--fault NAME] [--addr-file FILE]"},
		about: "Serves the mock API and the origin pages on loopback until Ctrl-C, and prints their URLs, " +
			"the exact Chromium command line (host mapping, SPKI pin) to open them by hand, a loopback proxy and " +
			"the CA file for Firefox, WebKit or curl, and then each request as it arrives. " +
			"Each page is a form that runs fetch() from its origin and shows the outcome (a block's reason is in the " +
			"browser's devtools console). With --policy the API answers the policy's own endpoints and methods under " +
			"its CORS rules, on a host of the policy's site, and the pages are the policy's origins and the attackers " +
			"check derives from them. " +
			"Exit 0 when stopped, 2 usage or policy error, 3 cannot listen.",
		env: []string{browser.EnvChrome},
		examples: []string{
			"corsproof serve",
			"corsproof serve --fault reflect-origin",
			"corsproof serve --policy cors.yaml --addr-file addrs.json",
		},
		run: cmdServe,
	})
}

// ServeAddrs is what serve writes to --addr-file: where everything listens,
// and what a client must trust.
type ServeAddrs struct {
	API ServedOrigin `json:"api"`
	// Endpoints are the paths and methods the API answers.
	Endpoints []policy.Endpoint `json:"endpoints"`
	Pages     []ServedOrigin    `json:"pages"`
	SPKIPins  []string          `json:"spki_pins"`
	CAPEM     string            `json:"ca_pem"`
	// CAFile is the CA in a file that lives as long as serve runs.
	CAFile string `json:"ca_file"`
	// Proxy is an HTTP proxy ("http://127.0.0.1:port") that maps every
	// name above to its loopback address, for browsers without host
	// resolver rules (Firefox, WebKit) and for curl.
	Proxy string `json:"proxy"`
}

// ServedOrigin is one origin and the loopback address serving it.
type ServedOrigin struct {
	Name   string              `json:"name,omitempty"`
	Origin string              `json:"origin"`
	URL    string              `json:"url"`
	Addr   string              `json:"addr"`
	Class  corsproof.SiteClass `json:"class,omitempty"`
}

func cmdServe(e env, args []string) int {
	fset := e.flags("serve")
	policyFile := fset.String("policy", "", "serve the policy `FILE`: its endpoints, under its CORS rules, and the origin pages check derives from it (default: the mock's own API and policy)")
	fault := fset.String("fault", "", "serve the deliberate misconfiguration `NAME` instead of the policy (see 'corsproof faults')")
	addrFile := fset.String("addr-file", "", "write the addresses, SPKI pins and CA as JSON to `FILE` once serving")
	if code, done := e.parse(fset, args); done {
		return code
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(e.stderr, "corsproof serve: "+format+"\n", a...)
		return exitUsage
	}
	if fset.NArg() > 0 {
		return usageErr("unexpected argument %q", fset.Arg(0))
	}
	pol, policyName := policy.Default(), "the default policy"
	if *policyFile != "" {
		var err error
		if pol, err = policy.Load(*policyFile); err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				return usageErr("cannot read the policy: %v", err)
			}
			return usageErr("the policy has errors:\n%v", err)
		}
		policyName = *policyFile
	}
	f, err := lookupFault(*fault)
	if err != nil {
		return usageErr("%v", err)
	}

	out := &lockedWriter{w: e.stdout}
	opts := []mockapi.Option{mockapi.WithFault(f), mockapi.WithLogf(func(format string, a ...any) {
		fmt.Fprintf(out, "  "+strings.TrimRight(format, "\n")+"\n", a...)
	})}
	if *policyFile != "" {
		opts = append(opts, mockapi.WithPolicyEndpoints())
	}
	api := mockapi.New(pol, opts...)
	plan := planServe(pol, *policyFile != "", api.Endpoints())
	page, err := formPage(plan.apiOrigin, plan.apiURL, plan.endpoints)
	if err != nil {
		return infraFailure(e, "serve", err)
	}
	topo, err := harness.StartTopology(harness.TopologyConfig{
		Sites: plan.sites, APIOrigins: []string{plan.apiOrigin}, API: api, PageHTML: page,
	})
	if err != nil {
		return infraFailure(e, "serve", err)
	}
	defer topo.Close()

	tmp, err := os.MkdirTemp("", "corsproof-serve-")
	if err != nil {
		return infraFailure(e, "serve", err)
	}
	defer os.RemoveAll(tmp)
	addrs, err := serveAddrs(topo, plan, tmp)
	if err != nil {
		return infraFailure(e, "serve", err)
	}
	proxy, err := harness.StartProxy(topo.HostRules(), func(format string, a ...any) {
		fmt.Fprintf(out, "  "+strings.TrimRight(format, "\n")+"\n", a...)
	})
	if err != nil {
		return infraFailure(e, "serve", err)
	}
	defer proxy.Close()
	addrs.Proxy = proxy.URL()
	if *addrFile != "" {
		if err := writeJSONFile(*addrFile, addrs); err != nil {
			return infraFailure(e, "serve", err)
		}
		defer os.Remove(*addrFile)
	}
	printServe(out, addrs, topo.HostRules(), plan, policyName, *fault)

	<-e.ctx.Done()
	fmt.Fprintln(out, "corsproof serve: stopping")
	return exitOK
}

// servePlan is what serve puts where.
type servePlan struct {
	apiOrigin string
	apiURL    string // the first endpoint's URL, the form's default
	// endpoints are the paths and methods the API answers.
	endpoints  []policy.Endpoint
	policyAPI  bool // the API serves the policy's endpoints, not the mock's
	fromPolicy bool // the pages are LiveSites of a --policy file
	sites      []corsproof.Site
	notes      []string // LiveSites' notes on origins left out
}

// planServe lays out serve. The built-in mock keeps its own names and pages
// (the catalog's). A --policy file gets what check would derive from it:
// the pages of scenarios.LiveSites, with the API on the same site as the
// policy's first exact origin, so that a credentialed fetch keeps its
// cookies as in a same-site deployment (browsers block third-party ones).
func planServe(p *policy.Policy, own bool, served []policy.Endpoint) servePlan {
	if !own {
		return servePlan{
			apiOrigin: corsproof.MockAPIOrigin, apiURL: corsproof.MockAPIOrigin + "/api/items",
			endpoints: mockEndpoints, sites: corsproof.MockSites(),
		}
	}
	plan := servePlan{apiOrigin: scenarios.SameSiteAPIOrigin(p), endpoints: served, policyAPI: len(served) > 0, fromPolicy: true}
	if plan.policyAPI {
		plan.apiURL = plan.apiOrigin + examplePath(served[0].Path)
	} else { // a policy without endpoints: the mock's own API
		plan.apiURL, plan.endpoints = plan.apiOrigin+"/api/items", mockEndpoints
	}
	api, _ := url.Parse(plan.apiOrigin)
	plan.sites, plan.notes = scenarios.LiveSites(p, api)
	return plan
}

// mockEndpoints are the main paths of the mock's own API (mockapi's doc
// lists them all).
var mockEndpoints = []policy.Endpoint{
	{Path: "/api/items", Methods: []string{"GET", "HEAD", "POST"}},
	{Path: "/api/items/{id}", Methods: []string{"GET", "PUT", "PATCH", "DELETE"}},
	{Path: "/api/me", Methods: []string{"GET", "HEAD"}},
	{Path: "/api/login", Methods: []string{"POST"}},
}

func serveAddrs(topo *harness.Topology, plan servePlan, tmp string) (ServeAddrs, error) {
	rules := topo.HostRules()
	api, err := url.Parse(plan.apiOrigin)
	if err != nil {
		return ServeAddrs{}, err
	}
	a := ServeAddrs{
		API:       ServedOrigin{Name: "api", Origin: plan.apiOrigin, URL: plan.apiURL, Addr: rules[corsproof.HostPort(api)]},
		Endpoints: plan.endpoints,
		SPKIPins:  topo.CA.SPKIPins(),
	}
	for _, s := range plan.sites {
		page, _ := topo.PageURL(s.Name)
		u, _ := url.Parse(page)
		a.Pages = append(a.Pages, ServedOrigin{Name: s.Name, Origin: s.Origin, URL: page, Addr: rules[corsproof.HostPort(u)], Class: s.Class})
	}
	// The CA's certificate travels in every leaf's chain.
	leaf, err := topo.CA.Leaf(api.Hostname())
	if err != nil {
		return a, err
	}
	a.CAPEM = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leaf.Certificate[len(leaf.Certificate)-1]}))
	a.CAFile = filepath.Join(tmp, "ca.pem")
	if err := os.WriteFile(a.CAFile, []byte(a.CAPEM), 0o644); err != nil {
		return a, err
	}
	return a, nil
}

// firstAllowed is the page to open first: the first one the policy
// allows, else the first.
func firstAllowed(pages []ServedOrigin) ServedOrigin {
	for _, p := range pages {
		if p.Class == corsproof.ClassAllowed {
			return p
		}
	}
	if len(pages) == 0 {
		return ServedOrigin{}
	}
	return pages[0]
}

func printServe(w io.Writer, a ServeAddrs, rules map[string]string, plan servePlan, policyName, fault string) {
	what := "serving " + policyName
	if fault != "" {
		what += " with fault " + fault
	}
	fmt.Fprintf(w, "corsproof serve: %s; Ctrl-C stops it\n\n", what)
	if plan.policyAPI {
		fmt.Fprintln(w, "API (the mock answering the policy's endpoints; every name below is mapped to a loopback address, not DNS)")
	} else {
		fmt.Fprintln(w, "API (the mock; every name below is mapped to a loopback address, not DNS)")
	}
	fmt.Fprintf(w, "  %-40s %s\n", a.API.Origin, a.API.Addr)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, e := range a.Endpoints {
		note := ""
		switch {
		case e.Path == "/api/login":
			note = "sets the session cookie sid (Secure; SameSite=None)"
		case strings.Contains(e.Path, "{"):
			note = "a {...} segment: any one segment"
		}
		if note != "" {
			note = "\t" + note
		}
		fmt.Fprintf(tw, "    %s\t%s%s\n", strings.Join(e.Methods, ", "), e.Path, note)
	}
	tw.Flush()
	if plan.policyAPI {
		fmt.Fprintln(w, "  other methods 405, other paths 404, all with the policy's CORS headers; each answer carries the\n"+
			"  headers the policy exposes, and its JSON says whether the session cookie came")
	}

	pages := "the catalog's"
	if plan.fromPolicy {
		pages = "the policy's origins and attackers, as check derives them"
	}
	fmt.Fprintf(w, "\norigin pages (%s; each page's form runs fetch() from its origin)\n", pages)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  NAME\tORIGIN\tCLASS\tOPEN\tADDR")
	for _, p := range a.Pages {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", p.Name, p.Origin, p.Class, p.URL, p.Addr)
	}
	tw.Flush()
	for _, n := range plan.notes {
		fmt.Fprintf(w, "  (%s)\n", n)
	}

	keys := make([]string, 0, len(rules))
	for k := range rules {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var maps []string
	for _, k := range keys {
		maps = append(maps, "MAP "+k+" "+rules[k])
	}
	chrome, err := browser.FindChromium()
	if err != nil {
		chrome = "chromium"
	}
	flags := []string{
		shellQuote(chrome),
		`--user-data-dir="$(mktemp -d)"`,
		"--host-resolver-rules=" + shellQuote(strings.Join(maps, ", ")),
		"--ignore-certificate-errors-spki-list=" + strings.Join(a.SPKIPins, ","),
	}
	if os.Geteuid() == 0 {
		flags = append(flags, "--no-sandbox")
	}
	open := firstAllowed(a.Pages)
	fmt.Fprintln(w, "\nopen them by hand in Chromium (a throwaway profile; trusts this run's certificates only):")
	fmt.Fprintf(w, "  %s %s\n", strings.Join(flags, " "), open.URL)
	fmt.Fprintln(w, "  a blocked fetch shows only a TypeError on the page; the browser's reason is in its devtools Console")
	fmt.Fprintf(w, "\nor in Firefox or WebKit: set %s as the HTTP and HTTPS proxy (it maps the names above and\n"+
		"refuses everything else) and trust the CA in %s for this session only\n", a.Proxy, a.CAFile)
	api, _ := url.Parse(a.API.Origin)
	fmt.Fprintln(w, "\nor ask the API directly:")
	fmt.Fprintf(w, "  curl -i --cacert %s --connect-to %s:%s -H 'Origin: %s' %s\n",
		shellQuote(a.CAFile), corsproof.HostPort(api), a.API.Addr, open.Origin, a.API.URL)
	fmt.Fprintf(w, "  curl -i --cacert %s --proxy %s -H 'Origin: %s' %s\n",
		shellQuote(a.CAFile), a.Proxy, open.Origin, a.API.URL)
	fmt.Fprintln(w, "\nrequests as they arrive:")
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=,+", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func writeJSONFile(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// lockedWriter serializes writes from the request log's goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
