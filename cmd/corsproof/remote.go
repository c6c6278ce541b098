package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/harness"
)

func init() {
	register(command{
		name:    "ca",
		summary: "make the CA that remote browsers trust for a run's certificates (--remote)",
		usage:   []string{"ca --out FILE [--cert FILE] [--days N]"},
		about: "Writes a new CA (its certificate and private key, PEM) to --out for 'run --remote ... --remote-ca FILE', and its " +
			"certificate alone to --cert: install that certificate as a trust anchor in the remote browsers' profiles " +
			"(Chromium on Linux: certutil -d sql:$HOME/.pki/nssdb -A -t C,, -n corsproof -i cert.pem; Firefox: the profile's " +
			"certificate database, same command with -d sql:PROFILE; WebKitGTK: the host's system store, e.g. update-ca-certificates; Safari: the " +
			"macOS keychain, trusted for SSL). corsproof never switches a browser's certificate checks off, " +
			"so a remote browser must trust this CA. Keep FILE private: its key can sign any name for those browsers; " +
			"install the certificate only in browser profiles kept for testing.",
		examples: []string{"corsproof ca --out remote-ca.pem --cert remote-ca.crt"},
		run:      cmdCA,
	})
}

func cmdCA(e env, args []string) int {
	fs := e.flags("ca")
	out := fs.String("out", "", "the PEM `FILE` to write the CA's certificate and private key to (mode 0600)")
	certOut := fs.String("cert", "", "a PEM `FILE` to write the CA's certificate alone to, for the browsers")
	days := fs.Int("days", 30, "the CA's validity in `DAYS`")
	if code, done := e.parse(fs, args); done {
		return code
	}
	if *out == "" || fs.NArg() > 0 || *days <= 0 {
		fmt.Fprintln(e.stderr, "corsproof ca: want --out FILE, no arguments, and a positive --days")
		return exitUsage
	}
	ca, err := harness.NewRemoteCA(time.Duration(*days) * 24 * time.Hour)
	if err != nil {
		fmt.Fprintf(e.stderr, "corsproof ca: %v\n", err)
		return exitInfra
	}
	data, err := ca.MarshalPEM()
	if err == nil {
		err = os.WriteFile(*out, data, 0o600)
	}
	if err == nil && *certOut != "" {
		err = os.WriteFile(*certOut, ca.CertificatePEM(), 0o644)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "corsproof ca: %v\n", err)
		return exitInfra
	}
	return exitOK
}

// remoteFlags are --remote ENGINE=URL (repeatable), --listen ADDR and
// --remote-ca FILE: engines corsproof attaches to instead of launching.
type remoteFlags struct {
	remotes []string
	listen  string
	caFile  string
}

func (r *remoteFlags) register(fs *flag.FlagSet) {
	fs.Func("remote", "attach to a running browser instead of launching one, as `ENGINE=URL` (repeatable): "+
		"chromium=ws://HOST:PORT/devtools/browser/ID or chromium=http://HOST:PORT, firefox=ws://HOST:PORT/session, webkit=http://IP:PORT (WebKitWebDriver or safaridriver; its IP is admitted by the proxy); "+
		"needs --listen and --remote-ca", func(v string) error {
		r.remotes = append(r.remotes, v)
		return nil
	})
	fs.StringVar(&r.listen, "listen", "", "the IP `ADDR`ess (optionally :PORT) of this host where remote browsers reach the run's proxy; never implied")
	fs.StringVar(&r.caFile, "remote-ca", "", "the CA `FILE` ('corsproof ca --out') that signs the run's certificates; the remote browsers must trust it")
}

// resolve checks the flags and gives each remote engine its config and
// the engines to run: those of --browsers, or, when --browsers was not
// given, those of --remote.
func (r *remoteFlags) resolve(fs *flag.FlagSet, engines []corsproof.Engine) ([]corsproof.Engine, map[corsproof.Engine]*harness.RemoteConfig, error) {
	if len(r.remotes) == 0 {
		if r.listen != "" || r.caFile != "" {
			return nil, nil, errors.New("--listen and --remote-ca are for --remote ENGINE=URL, which is missing")
		}
		return engines, nil, nil
	}
	var errs []error
	if r.listen == "" {
		errs = append(errs, errors.New("--remote needs --listen ADDR: the address of this host where the remote browser reaches the run's proxy"))
	}
	var ca *harness.CA
	if r.caFile == "" {
		errs = append(errs, errors.New("--remote needs --remote-ca FILE: the CA the remote browser trusts (make one with 'corsproof ca --out FILE')"))
	} else if data, err := os.ReadFile(r.caFile); err != nil {
		errs = append(errs, fmt.Errorf("--remote-ca: %w", err))
	} else if ca, err = harness.ParseCA(data); err != nil {
		errs = append(errs, fmt.Errorf("--remote-ca %s: %w", r.caFile, err))
	}
	out := map[corsproof.Engine]*harness.RemoteConfig{}
	var order []corsproof.Engine
	for _, v := range r.remotes {
		name, url, ok := strings.Cut(v, "=")
		eng := corsproof.Engine(strings.TrimSpace(name))
		switch {
		case !ok || url == "":
			errs = append(errs, fmt.Errorf("--remote %q: want ENGINE=URL", v))
			continue
		case eng != corsproof.Chromium && eng != corsproof.Firefox && eng != corsproof.WebKit:
			errs = append(errs, fmt.Errorf("--remote %q: a remote %q is not supported (chromium, firefox, webkit)", v, name))
			continue
		case out[eng] != nil:
			errs = append(errs, fmt.Errorf("--remote: two addresses for %s", eng))
			continue
		}
		if eng == corsproof.WebKit {
			if _, err := harness.WebKitDriverHost(url); err != nil {
				errs = append(errs, fmt.Errorf("--remote %q: %w", v, err))
				continue
			}
		}
		out[eng] = &harness.RemoteConfig{URL: url, Listen: r.listen, CA: ca}
		order = append(order, eng)
	}
	if len(errs) == 0 {
		for _, rc := range out {
			if err := rc.Check(); err != nil {
				errs = append(errs, fmt.Errorf("--listen: %w", err))
				break
			}
		}
	}
	browsersSet := false
	fs.Visit(func(f *flag.Flag) { browsersSet = browsersSet || f.Name == "browsers" })
	if !browsersSet {
		engines = order
	} else {
		for _, eng := range order {
			if !slices.Contains(engines, eng) {
				errs = append(errs, fmt.Errorf("--remote %s: %s is not in --browsers", eng, eng))
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, nil, err
	}
	return engines, out, nil
}
