package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/corsproof/corsproof/audit"
	"github.com/corsproof/corsproof/policy"
)

func init() {
	register("audit", "probe a server's CORS answers with crafted Origins, without a browser", cmdAudit)
}

func cmdAudit(e env, args []string) int {
	fs := flag.NewFlagSet("audit", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	target := fs.String("target", "", "the URL to probe, e.g. https://api.example.com/api/items (required); with a --policy that lists endpoints, "+
		"each endpoint's path on this URL's origin is probed, and this URL too unless its path is / or an endpoint's")
	policyFile := fs.String("policy", "", "the policy the server claims (YAML or JSON); its origins are the trusted ones, its endpoints the paths probed")
	var origins multiFlag
	fs.Var(&origins, "origin", "a trusted origin to derive attacker origins from (repeatable; default: the policy's, else the target's own)")
	timeout := fs.Duration("timeout", 10*time.Second, "timeout of each request")
	jsonFile := fs.String("json", "", "write the findings as JSON to this file")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "corsproof audit: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	if *target == "" {
		fmt.Fprintln(e.stderr, "corsproof audit: --target is required, e.g. corsproof audit --target https://api.example.com/api/items")
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
