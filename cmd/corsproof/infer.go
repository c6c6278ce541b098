package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/corsproof/corsproof/infer"
	"github.com/corsproof/corsproof/openapi"
	"github.com/corsproof/corsproof/policy"
)

func init() {
	register(command{
		name:    "infer",
		summary: "write the policy a live server implements, probed without a browser",
		usage: []string{
			"infer --target URL [--origin ORIGIN]... [--endpoint PATH[:METHOD,...]]... [--openapi FILE] [--policy FILE] [--out FILE]",
		},
		about: "Probes a live server without a browser, as audit does (the same crafted Origins, plus those named with " +
			"--origin), on each endpoint (--endpoint, or every operation of the --openapi document), with a preflight per " +
			"method and per common or declared request header, and writes the policy it actually implements as a policy file " +
			"to review and keep: the exact origins it accepts (a https://*.example.com pattern only when every probed " +
			"subdomain, and no look-alike, is accepted), methods, request headers, exposed headers, credentials, max-age, " +
			"and per-endpoint differences as routes. What a policy cannot or should not say (an Origin reflected with " +
			"credentials, a look-alike accepted, a preflight the router answers) heads the file as comments, each named " +
			"with the cause check reports. Only GET and OPTIONS are sent. " +
			"Exit 0 a policy, 1 findings, 2 usage, policy or OpenAPI error, 3 the server cannot be reached.",
		examples: []string{
			"corsproof infer --target https://api.example.com --origin https://app.example.com --endpoint /api/items:GET,POST > cors.yaml",
			"corsproof infer --target http://localhost:8080 --origin https://app.example.com --openapi openapi.yaml --out cors.yaml",
			"corsproof infer --target https://staging.example.com --origin 'https://*.example.com' --openapi api.json --policy cors.yaml",
		},
		run: cmdInfer,
	})
}

func cmdInfer(e env, args []string) int {
	fs := e.flags("infer")
	target := fs.String("target", "", "the API's base `URL`, e.g. https://api.example.com (required); each endpoint's path goes on its origin")
	var origins, endpoints multiFlag
	fs.Var(&origins, "origin", "an `ORIGIN` the server should trust, exact or https://*.example.com (repeatable; default: guesses from the target's name and local development origins)")
	fs.Var(&endpoints, "endpoint", "a `PATH[:METHOD,...]` to probe, e.g. /api/items:GET,POST (repeatable; default: the --openapi operations, else the target's path)")
	openapiFile := openapiFlag(fs)
	intended := fs.String("policy", "", "the policy `FILE` the server is meant to implement: where it departs from it is a finding too, named as check names it")
	out := fs.String("out", "", "write the policy to `FILE` instead of standard output")
	timeout := fs.Duration("timeout", 10*time.Second, "timeout of each request")
	if code, done := e.parse(fs, args); done {
		return code
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(e.stderr, "corsproof infer: "+format+"\n", a...)
		return exitUsage
	}
	switch {
	case fs.NArg() > 0:
		return usageErr("unexpected argument %q", fs.Arg(0))
	case *target == "":
		return usageErr("--target is required, e.g. corsproof infer --target https://api.example.com --origin https://app.example.com")
	case targetSchemeError(*target) != nil:
		return usageErr("%v", targetSchemeError(*target))
	case *timeout <= 0:
		return usageErr("--timeout %v must be positive", *timeout)
	}
	cfg := infer.Config{Target: *target, Origins: origins, Timeout: *timeout}
	if *openapiFile != "" {
		api, err := loadOpenAPI(e, "infer", *openapiFile)
		if err != nil {
			return exitUsage
		}
		for _, ep := range api.Endpoints() {
			cfg.Endpoints = append(cfg.Endpoints, infer.Endpoint{Path: ep.Path, Methods: ep.Methods,
				RequestHeaders: ep.RequestHeaders, ResponseHeaders: ep.ResponseHeaders})
		}
	}
	for _, raw := range endpoints {
		ep, err := parseEndpoint(raw)
		if err != nil {
			return usageErr("%v", err)
		}
		if i := slices.IndexFunc(cfg.Endpoints, func(x infer.Endpoint) bool { return x.Path == ep.Path }); i >= 0 {
			for _, m := range ep.Methods {
				if !slices.Contains(cfg.Endpoints[i].Methods, m) {
					cfg.Endpoints[i].Methods = append(cfg.Endpoints[i].Methods, m)
				}
			}
			continue
		}
		cfg.Endpoints = append(cfg.Endpoints, ep)
	}
	if *intended != "" {
		p, err := policy.Load(*intended)
		if err != nil {
			return usageErr("%v", err)
		}
		cfg.Intended = p
	}
	ctx, cancel := context.WithTimeout(e.ctx, 10*time.Minute)
	defer cancel()
	res, err := infer.Run(ctx, cfg)
	if err != nil {
		var ce *infer.ConfigError
		var ue *infer.UnreachableError
		switch {
		case errors.As(err, &ce):
			return usageErr("%v", err)
		case errors.As(err, &ue):
			fmt.Fprintf(e.stderr, "corsproof infer: %v; check the URL and that the server is up (each request times out after %v, see --timeout)\n", err, *timeout)
		case e.ctx.Err() != nil:
			fmt.Fprintln(e.stderr, "corsproof infer: interrupted")
		default:
			fmt.Fprintf(e.stderr, "corsproof infer: %v\n", err)
		}
		return exitInfra
	}
	var b bytes.Buffer
	if err := infer.WriteYAML(&b, res); err != nil {
		fmt.Fprintf(e.stderr, "corsproof infer: %v\n", err)
		return exitInfra
	}
	if *out != "" {
		if err := os.WriteFile(*out, b.Bytes(), 0o644); err != nil {
			fmt.Fprintf(e.stderr, "corsproof infer: %v\n", err)
			return exitInfra
		}
		fmt.Fprintf(e.stderr, "corsproof infer: wrote %s\n", *out)
	} else {
		_, _ = e.stdout.Write(b.Bytes())
	}
	if res.Failed() {
		var causes []string
		for _, c := range res.Causes() {
			causes = append(causes, string(c))
		}
		fmt.Fprintf(e.stderr, "corsproof infer: %d findings, what a policy cannot or should not say (%s): see the comments at the top; "+
			"the policy below them is what the server does otherwise\n", len(res.Findings), strings.Join(causes, ", "))
		return exitMismatch
	}
	return exitOK
}

// parseEndpoint reads --endpoint PATH[:METHOD,...].
func parseEndpoint(raw string) (infer.Endpoint, error) {
	path, methods := raw, ""
	if i := strings.LastIndexByte(raw, ':'); i >= 0 && isMethodList(raw[i+1:]) {
		path, methods = raw[:i], raw[i+1:]
	}
	if !strings.HasPrefix(path, "/") {
		return infer.Endpoint{}, fmt.Errorf("--endpoint %q: want PATH[:METHOD,...], a path starting with /, e.g. /api/items:GET,POST", raw)
	}
	ep := infer.Endpoint{Path: path}
	for _, m := range strings.Split(methods, ",") {
		if m = strings.TrimSpace(m); m != "" && !slices.Contains(ep.Methods, m) {
			ep.Methods = append(ep.Methods, m)
		}
	}
	return ep, nil
}

func isMethodList(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r == ',' || r == ' ') {
			return false
		}
	}
	return true
}

// openapiFlag registers --openapi on a command's flags.
func openapiFlag(fs interface {
	String(name, value, usage string) *string
}) *string {
	return fs.String("openapi", "", "an OpenAPI 3.0 or 3.1 `FILE` (YAML or JSON): its operations are the endpoints, with their methods and declared request and response headers")
}

// loadOpenAPI reads --openapi, reporting a bad document with its line.
func loadOpenAPI(e env, cmd, path string) (*openapi.API, error) {
	api, err := openapi.Load(path)
	if err != nil {
		fmt.Fprintf(e.stderr, "corsproof %s: --openapi: %v\n", cmd, err)
		return nil, err
	}
	for _, s := range api.Skipped {
		fmt.Fprintf(e.stderr, "corsproof %s: note: %s: left out %s\n", cmd, path, s)
	}
	return api, nil
}

// openapiNotes says where the policy and the document disagree: a
// declared request header the policy does not allow (a page sending it
// fails its preflight), a declared response header it does not expose.
func openapiNotes(e env, cmd string, pol *policy.Policy, api *openapi.API) {
	if pol == nil {
		return
	}
	seen := map[string]bool{}
	note := func(s string) {
		if !seen[s] {
			seen[s] = true
			fmt.Fprintf(e.stderr, "corsproof %s: note: %s\n", cmd, s)
		}
	}
	has := func(list []string, h string) bool {
		return slices.ContainsFunc(list, func(x string) bool { return x == "*" || strings.EqualFold(x, h) })
	}
	for _, ep := range api.Endpoints() {
		rules := pol.For(ep.Path)
		for _, h := range ep.RequestHeaders {
			if !has(rules.RequestHeaders, h) {
				note(fmt.Sprintf("%s declares the request header %s on %s, which the policy does not allow: pages sending it fail their preflight", api.File, h, ep.Path))
			}
		}
		for _, h := range ep.ResponseHeaders {
			if !has(rules.ExposeHeaders, h) {
				note(fmt.Sprintf("%s declares the response header %s on %s, which the policy does not expose: pages cannot read it", api.File, h, ep.Path))
			}
		}
	}
}
