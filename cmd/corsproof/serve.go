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
	API      ServedOrigin   `json:"api"`
	Pages    []ServedOrigin `json:"pages"`
	SPKIPins []string       `json:"spki_pins"`
	CAPEM    string         `json:"ca_pem"`
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
	policyFile := fset.String("policy", "", "the policy `FILE` the mock API serves (default: the built-in default policy)")
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
	api := mockapi.New(pol, mockapi.WithFault(f), mockapi.WithLogf(func(format string, a ...any) {
		fmt.Fprintf(out, "  "+strings.TrimRight(format, "\n")+"\n", a...)
	}))
	sites := serveSites(pol)
	topo, err := harness.StartTopology(harness.TopologyConfig{
		Sites: sites, APIOrigins: []string{corsproof.MockAPIOrigin}, API: api,
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
	addrs, err := serveAddrs(topo, sites, tmp)
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
	printServe(out, addrs, topo.HostRules(), policyName, *fault)

	<-e.ctx.Done()
	fmt.Fprintln(out, "corsproof serve: stopping")
	return exitOK
}

// serveSites are the mock's origin pages, plus a page for every origin the
// policy allows that the mock's sites do not already have.
func serveSites(p *policy.Policy) []corsproof.Site {
	sites := corsproof.MockSites()
	have := map[string]bool{}
	names := map[string]bool{}
	for _, s := range sites {
		have[s.Origin] = true
		names[s.Name] = true
	}
	api, _ := url.Parse(corsproof.MockAPIOrigin)
	extra, _ := scenarios.LiveSites(p, api)
	for _, s := range extra {
		if s.Class != corsproof.ClassAllowed || have[s.Origin] || s.Origin == "null" {
			continue
		}
		for names[s.Name] {
			s.Name += "-page"
		}
		names[s.Name] = true
		sites = append(sites, s)
	}
	return sites
}

func serveAddrs(topo *harness.Topology, sites []corsproof.Site, tmp string) (ServeAddrs, error) {
	rules := topo.HostRules()
	a := ServeAddrs{
		API:      ServedOrigin{Name: "api", Origin: corsproof.MockAPIOrigin, URL: corsproof.MockAPIOrigin + "/api/items", Addr: rules["api.example.test:443"]},
		SPKIPins: topo.CA.SPKIPins(),
	}
	for _, s := range topo.Sites() {
		page, _ := topo.PageURL(s.Name)
		u, _ := url.Parse(page)
		port := u.Port()
		if port == "" {
			port = map[string]string{"https": "443", "http": "80"}[u.Scheme]
		}
		a.Pages = append(a.Pages, ServedOrigin{Name: s.Name, Origin: s.Origin, URL: page, Addr: rules[u.Hostname()+":"+port], Class: s.Class})
	}
	// The CA's certificate travels in every leaf's chain.
	leaf, err := topo.CA.Leaf("api.example.test")
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

func printServe(w io.Writer, a ServeAddrs, rules map[string]string, policyName, fault string) {
	what := "serving " + policyName
	if fault != "" {
		what += " with fault " + fault
	}
	fmt.Fprintf(w, "corsproof serve: %s; Ctrl-C stops it\n\n", what)
	fmt.Fprintln(w, "API (the mock; every name below is mapped to a loopback address, not DNS)")
	fmt.Fprintf(w, "  %-40s %s\n\n", a.API.Origin, a.API.Addr)
	fmt.Fprintln(w, "origin pages")
	for _, p := range a.Pages {
		fmt.Fprintf(w, "  %-40s %-21s %s (%s)\n", p.URL, p.Addr, p.Origin, p.Class)
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
	fmt.Fprintln(w, "\nopen them by hand in Chromium (a throwaway profile; trusts this run's certificates only):")
	fmt.Fprintf(w, "  %s %s\n", strings.Join(flags, " "), corsproof.MockAppOrigin+"/")
	fmt.Fprintf(w, "\nor in Firefox or WebKit: set %s as the HTTP and HTTPS proxy (it maps the names above and\n"+
		"refuses everything else) and trust the CA in %s for this session only\n", a.Proxy, a.CAFile)
	fmt.Fprintln(w, "\nor ask the API directly:")
	fmt.Fprintf(w, "  curl -i --cacert %s --connect-to api.example.test:443:%s -H 'Origin: %s' %s\n",
		shellQuote(a.CAFile), a.API.Addr, corsproof.MockAppOrigin, a.API.URL)
	fmt.Fprintf(w, "  curl -i --cacert %s --proxy %s -H 'Origin: %s' %s\n",
		shellQuote(a.CAFile), a.Proxy, corsproof.MockAppOrigin, a.API.URL)
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
