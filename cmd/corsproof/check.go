package main

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/harness"
	"github.com/corsproof/corsproof/policy"
	"github.com/corsproof/corsproof/report"
	"github.com/corsproof/corsproof/scenarios"
	"github.com/corsproof/corsproof/spec"
)

func init() {
	register(command{
		name:    "check",
		summary: "check a live API against its policy file in real browsers",
		usage: []string{
			"check --policy FILE --target URL [--browsers chromium,firefox,webkit] [--shard I/N] [flags]",
			"check --policy FILE --target URL --plan",
		},
		about: "Checks a live API against the CORS policy it claims. The origins the policy allows are served " +
			"on loopback under their real names (plus attacker origins derived from them: look-alike domains, null, " +
			"the http:// twin, another port), and real browsers fetch the target from each, so the server sees exactly " +
			"the Origin values production sends. Nothing leaves the machine but the target's own traffic. " +
			"Exit 0 clean, 1 a scenario did not match or was not tested, 2 usage or policy error, " +
			"3 a browser could not start or the target is down.",
		env: append(slices.Clone(engineEnv), reportEnv...),
		examples: []string{
			"corsproof check --policy cors.yaml --target http://localhost:8080",
			"corsproof check --policy cors.yaml --target https://staging.example.com --ca staging-ca.pem --browsers chromium,firefox,webkit",
			"corsproof check --policy cors.yaml --target https://api.example.com --cookie session=abc --header 'Authorization: Bearer t' --junit junit.xml",
		},
		run: cmdCheck,
	})
}

// checkFlags are check's flags, parsed and validated.
type checkFlags struct {
	policyFile, target, methods, caFile, chrome, browsers string
	plan, all                                             bool
	timeout                                               time.Duration
	concurrency                                           *int
	maxTime                                               *time.Duration
	cookies, headers                                      multiFlag
	out                                                   outputs
	remote                                                remoteFlags // remote.go
}

func cmdCheck(e env, args []string) int {
	fset := e.flags("check")
	var f checkFlags
	fset.StringVar(&f.policyFile, "policy", "", "the policy `FILE` (YAML or JSON) the API claims (required)")
	fset.StringVar(&f.target, "target", "", "the API's base `URL`, e.g. http://localhost:8080 or https://staging.example.com (required)")
	fset.StringVar(&f.methods, "methods", "", "send only these comma-separated `METHODS` (default: each endpoint's listed methods, else GET,HEAD)")
	fset.BoolVar(&f.plan, "plan", false, "print the scenarios and send nothing")
	fset.Var(&f.cookies, "cookie", "a cookie `NAME=VALUE` for the target, sent by credentialed scenarios (repeatable)")
	fset.Var(&f.headers, "header", "a request header `'NAME: VALUE'` added to every scenario, e.g. 'Authorization: Bearer ...' (repeatable; makes requests preflighted)")
	fset.DurationVar(&f.timeout, "timeout", 10*time.Second, "bound on the reachability check and on each fetch")
	fset.StringVar(&f.caFile, "ca", "", "a PEM `FILE` of a CA (or self-signed certificate) the browser should trust for the target in this run")
	fset.BoolVar(&f.all, "all", false, "print every scenario, not only those that did not pass")
	fset.StringVar(&f.chrome, "chrome", "", "the Chromium `BINARY` (default: $CORSPROOF_CHROME, then PATH)")
	fset.StringVar(&f.browsers, "browsers", "chromium", "comma-separated browser `ENGINES` to check the API in, one after the other; several give one table with a column per engine: "+corsproof.EngineNames())
	f.concurrency = concurrencyFlag(fset)
	f.maxTime = maxTimeFlag(fset)
	openapiFile := openapiFlag(fset)
	shard := shardFlag(fset)
	f.remote.register(fset)
	f.out.register(fset)
	if code, done := e.parse(fset, args); done {
		return code
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(e.stderr, "corsproof check: "+format+"\n", a...)
		return exitUsage
	}
	switch {
	case fset.NArg() > 0:
		return usageErr("unexpected argument %q", fset.Arg(0))
	case f.policyFile == "":
		return usageErr("--policy FILE is required: the CORS policy the API claims")
	case f.target == "":
		return usageErr("--target URL is required: the API's base URL, e.g. http://localhost:8080")
	case targetSchemeError(f.target) != nil:
		return usageErr("%v", targetSchemeError(f.target))
	case f.timeout <= 0:
		return usageErr("--timeout must be positive")
	}
	if err := checkConcurrency(*f.concurrency); err != nil {
		return usageErr("%v", err)
	}
	if err := checkMaxTime(fset, *f.maxTime); err != nil {
		return usageErr("%v", err)
	}
	if _, _, err := applyShard(*shard, nil, true); err != nil {
		return usageErr("%v", err)
	}
	var cancel context.CancelFunc
	e.ctx, cancel = withMaxTime(e.ctx, *f.maxTime)
	defer cancel()

	engines, err := corsproof.ParseEngines(f.browsers, "--browsers")
	if err != nil {
		return usageErr("%v", err)
	}
	engines, remotes, err := f.remote.resolve(fset, engines)
	if err != nil {
		return usageErr("%v", err)
	}
	pol, err := policy.Load(f.policyFile)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return usageErr("cannot read the policy: %v", err)
		}
		return usageErr("the policy has errors:\n%v", err)
	}
	if *openapiFile != "" {
		api, err := loadOpenAPI(e, "check", *openapiFile)
		if err != nil {
			return exitUsage
		}
		pol.Endpoints = api.PolicyEndpoints() // every operation, in place of the policy's endpoints
		openapiNotes(e, "check", pol, api)
	}
	target, err := harness.NewLiveTarget(f.target, pol)
	if err != nil {
		return usageErr("%v", err)
	}
	headers, err := parseHeaders(f.headers)
	if err != nil {
		return usageErr("%v", err)
	}
	for _, c := range f.cookies {
		ck, err := target.ParseCookie(c)
		if err != nil {
			return usageErr("--cookie %v", err)
		}
		if !ck.Secure {
			fmt.Fprintf(e.stderr, "corsproof check: note: cookie %s cannot be SameSite=None on plain http://%s, so no cross-site fetch sends it\n", ck.Name, target.Base().Host)
		}
		target.Cookies = append(target.Cookies, ck)
	}
	var caCerts []*x509.Certificate
	if f.caFile != "" {
		if caCerts, err = readCerts(f.caFile); err != nil {
			return usageErr("--ca: %v", err)
		}
	}
	var methods []string
	if f.methods != "" {
		for _, m := range strings.Split(f.methods, ",") {
			if m = strings.TrimSpace(m); m != "" {
				methods = append(methods, m)
			}
		}
	}

	sites, notes := scenarios.LiveSites(pol, target.Base())
	for _, n := range notes {
		fmt.Fprintf(e.stderr, "corsproof check: note: %s\n", n)
	}
	list := scenarios.GenerateScenarios(pol, scenarios.GenerateOptions{
		Sites: sites, Methods: methods, Headers: headers, Session: len(target.Cookies) > 0, Policy: "live",
	})
	if len(list) == 0 {
		return usageErr("no scenario to run: no endpoint of the policy serves the methods %q", f.methods)
	}
	whole := len(list)
	// A live server may answer by the requests before: one origin's
	// scenarios stay in one shard.
	list, shardName, err := applyShard(*shard, list, true)
	if err != nil {
		return usageErr("%v", err)
	}
	if f.plan {
		if !printPlan(e.ctx, e.stdout, target, list, sites) {
			fmt.Fprintln(e.stderr, "corsproof check: interrupted")
			return exitInfra
		}
		return exitOK
	}

	// A probe cut short by the run's end is no verdict on the target: the
	// engines below then write every scenario not run.
	if err := harness.ProbeTarget(e.ctx, target, f.timeout, caCerts); err != nil && e.ctx.Err() == nil {
		fmt.Fprintf(e.stderr, "corsproof check: %v.%s\n", err, targetHint(err, f.caFile != ""))
		return exitInfra
	}
	if len(target.Cookies) > 0 {
		fmt.Fprintln(e.stderr, "corsproof check: note: browsers block or partition third-party cookies, so --cookie reaches the target only "+
			"from pages on its own site; a cookie-dropped diagnosis marks each credentialed scenario it missed")
	}
	switch {
	case target.Base().Scheme == "http" && !target.Loopback():
		fmt.Fprintf(e.stderr, "corsproof check: note: browsers block an https page's fetch of plain-http %s as mixed content before sending it, "+
			"so only the http origin pages test its CORS headers; serve the API over https to test the rest\n", target.Origin())
	case target.Base().Scheme == "http" && slices.Contains(engines, corsproof.WebKit):
		fmt.Fprintf(e.stderr, "corsproof check: note: WebKit blocks an https page's fetch of %s as mixed content, loopback or not, "+
			"so in WebKit only the http origin pages test its CORS headers (Chromium and Firefox treat loopback as secure)\n", target.Origin())
	}
	if target.Base().Scheme == "https" && slices.Contains(engines, corsproof.WebKit) {
		fmt.Fprintln(e.stderr, "corsproof check: note: WebKitGTK cannot be given a trust anchor and accepts any certificate in this run; "+
			"corsproof's proxy verifies the target's certificate (the system's roots and --ca) before each connection WebKit opens to it")
	}
	cfg := harness.Config{Live: target, Sites: sites, CAs: caCerts, FetchTimeout: f.timeout}
	chrome := firstNonEmpty(f.chrome, e.getenv(browser.EnvChrome))
	meta := report.Meta{Command: "check", Target: target.Base().String(), Shard: shardName,
		Policies: map[string]*policy.Policy{"live": pol}, Sites: reportSites(sites)}
	banner := fmt.Sprintf("corsproof: %d scenarios%s against %s from %d origin pages in %%s", len(list), shardNote(shardName, whole), target.Base(), len(sites))
	runs, code := inEngines(e, "check", engines, f.out, meta, f.all, func(name corsproof.Engine, closeLater func(func())) (corsproof.Run, int) {
		cfg.Engine, cfg.ExecPath, cfg.Remote = name, "", remotes[name]
		if name == corsproof.Chromium {
			cfg.ExecPath = chrome
		}
		return inEngine(e, "check", cfg, banner, list, harness.RunOptions{Concurrency: *f.concurrency}, closeLater)
	})
	for _, r := range runs {
		if r.Err == "" && exitCode(r.Results) == exitInfra {
			fmt.Fprintf(e.stderr, "corsproof check: some fetches in %s could not be observed (see the errors above): "+
				"the target may have stopped answering within --timeout %s; no verdict was made for them\n", r.Engine, f.timeout)
		}
	}
	return code
}

// targetHint is what to do about a target that failed its reachability check.
func targetHint(err error, hasCA bool) string {
	var te *harness.TargetError
	if !errors.As(err, &te) {
		return ""
	}
	switch te.Kind {
	case harness.TargetTLS:
		h := " corsproof never weakens the browser's certificate checks: the browser must trust the target as it would for your users." +
			" Give the target a certificate from a CA the system trusts, or pass --ca FILE with the PEM certificate of the CA" +
			" that signed it (or the self-signed certificate itself) to trust exactly that key for this run."
		if hasCA {
			h = " The --ca certificate does not make the target's certificate valid (wrong CA, or a name the certificate does not cover)."
		}
		return h
	case harness.TargetTimeout:
		return " Is the server stuck, or behind a firewall that drops packets? --timeout raises the bound."
	case harness.TargetNotHTTP, harness.TargetNoTLS:
		return " Check the port and the scheme of --target."
	}
	return " Check that the server is running and that --target names its scheme, host and port."
}

// forbiddenHeaders are request headers a page cannot set (the browser drops
// them silently), so a --header with one of them would test nothing.
var forbiddenHeaders = []string{
	"accept-charset", "accept-encoding", "access-control-request-headers", "access-control-request-method",
	"connection", "content-length", "cookie", "cookie2", "date", "dnt", "expect", "host", "keep-alive",
	"origin", "referer", "set-cookie", "te", "trailer", "transfer-encoding", "upgrade", "via",
}

func parseHeaders(raw []string) (spec.Headers, error) {
	var hs spec.Headers
	for _, r := range raw {
		name, value, ok := strings.Cut(r, ":")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		if !ok || name == "" || strings.ContainsAny(name, " \t\r\n") || strings.ContainsAny(value, "\r\n") {
			return nil, fmt.Errorf("--header %q: want 'Name: value'", r)
		}
		lower := strings.ToLower(name)
		if lower == "cookie" {
			return nil, fmt.Errorf("--header %q: pages cannot set Cookie; use --cookie name=value", r)
		}
		for _, f := range forbiddenHeaders {
			if lower == f || strings.HasPrefix(lower, "proxy-") || strings.HasPrefix(lower, "sec-") {
				return nil, fmt.Errorf("--header %q: %s is a forbidden request header that browsers never let a page send", r, http.CanonicalHeaderKey(name))
			}
		}
		hs = append(hs, spec.Header{Name: name, Value: value})
	}
	return hs, nil
}

// readCerts reads every certificate of a PEM file.
func readCerts(path string) ([]*x509.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var certs []*x509.Certificate
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", path, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("%s holds no PEM certificate", path)
	}
	return certs, nil
}

// printPlan lists the scenarios a check would run, with the URL each would
// fetch (the token is a placeholder: nothing is sent).
// It stops at the first line after ctx ends and reports false.
func printPlan(ctx context.Context, w io.Writer, target *harness.LiveTarget, list []corsproof.Scenario, sites []corsproof.Site) bool {
	origins := map[string]string{}
	for _, s := range sites {
		origins[s.Name] = s.Origin
	}
	fmt.Fprintf(w, "corsproof check --plan: %d scenarios against %s (nothing sent)\n\n", len(list), target.Base())
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tORIGIN\tREQUEST")
	for _, s := range list {
		if ctx.Err() != nil {
			tw.Flush()
			return false
		}
		req := s.Request.String()
		if s.Session {
			req += " +cookies"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", s.ID, origins[s.Site], req)
	}
	tw.Flush()
	return true
}
