package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/corsproof/corsproof/audit"
	"github.com/corsproof/corsproof/policy"
)

func init() {
	register(command{
		name:    "audit",
		summary: "probe a server's CORS answers with crafted Origins, without a browser",
		usage:   []string{"audit --target URL [--policy FILE] [--openapi FILE] [--origin TRUSTED]... [--json FILE]"},
		about: "Probes a server without a browser: sends the scanners' crafted Origin values (including those a " +
			"browser cannot send) and preflights for the policy's methods and headers, and checks Vary: Origin, " +
			"duplicate or malformed Access-Control-Allow-Origin, Access-Control-Allow-Credentials with *, and answers " +
			"that change between two identical requests. Each finding names the probe that proved it. " +
			"Exit 0 no finding, 1 findings, 2 usage or policy error, 3 the server cannot be reached.",
		examples: []string{
			"corsproof audit --target https://api.example.com/api/items",
			"corsproof audit --target https://api.example.com --policy cors.yaml --json audit.json",
			"corsproof audit --target http://localhost:8080/items --origin https://app.example.com",
		},
		run: cmdAudit,
	})
}

func cmdAudit(e env, args []string) int {
	fs := e.flags("audit")
	target := fs.String("target", "", "the `URL` to probe, e.g. https://api.example.com/api/items (required); with a --policy that lists endpoints, "+
		"each endpoint's path on this URL's origin is probed, and this URL too unless its path is / or an endpoint's")
	policyFile := fs.String("policy", "", "the policy `FILE` the server claims (YAML or JSON); its origins are the trusted ones, its endpoints the paths probed")
	var origins multiFlag
	fs.Var(&origins, "origin", "a trusted `ORIGIN` to derive attacker origins from (repeatable; default: the policy's, else the target's own)")
	timeout := fs.Duration("timeout", 10*time.Second, "timeout of each request")
	jsonFile := fs.String("json", "", "write the findings as JSON to `FILE`")
	openapiFile := openapiFlag(fs)
	if code, done := e.parse(fs, args); done {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "corsproof audit: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	if *target == "" {
		fmt.Fprintln(e.stderr, "corsproof audit: --target is required, e.g. corsproof audit --target https://api.example.com/api/items")
		return exitUsage
	}
	if err := targetSchemeError(*target); err != nil {
		fmt.Fprintf(e.stderr, "corsproof audit: %v\n", err)
		return exitUsage
	}
	if *timeout <= 0 {
		fmt.Fprintf(e.stderr, "corsproof audit: --timeout %v must be positive\n", *timeout)
		return exitUsage
	}
	cfg := audit.Config{Target: *target, Trusted: origins, Timeout: *timeout}
	if *policyFile != "" {
		p, err := policy.Load(*policyFile)
		if err != nil {
			fmt.Fprintf(e.stderr, "corsproof audit: %v\n", err)
			return exitUsage
		}
		cfg.Policy = p
	}
	if *openapiFile != "" {
		api, err := loadOpenAPI(e, "audit", *openapiFile)
		if err != nil {
			return exitUsage
		}
		cfg.Endpoints = api.PolicyEndpoints()
		openapiNotes(e, "audit", cfg.Policy, api)
	}
	ctx, cancel := context.WithTimeout(e.ctx, 10*time.Minute)
	defer cancel()
	rep, err := audit.Run(ctx, cfg)
	if err != nil {
		var ce *audit.ConfigError
		var ue *audit.UnreachableError
		switch {
		case errors.As(err, &ce):
			fmt.Fprintf(e.stderr, "corsproof audit: %v\n", err)
			return exitUsage
		case errors.As(err, &ue):
			fmt.Fprintf(e.stderr, "corsproof audit: %v; check the URL and that the server is up (each request times out after %v, see --timeout)\n", err, *timeout)
			return exitInfra
		case e.ctx.Err() != nil:
			fmt.Fprintln(e.stderr, "corsproof audit: interrupted")
			return exitInfra
		}
		fmt.Fprintf(e.stderr, "corsproof audit: %v\n", err)
		return exitInfra
	}
	if *jsonFile != "" {
		if err := writeAuditJSON(*jsonFile, rep); err != nil {
			fmt.Fprintf(e.stderr, "corsproof audit: %v\n", err)
			return exitInfra
		}
	}
	audit.WriteText(e.stdout, rep)
	if rep.Failed() {
		return exitMismatch
	}
	return exitOK
}

func writeAuditJSON(path string, rep *audit.Report) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	err = audit.WriteJSON(f, rep)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
