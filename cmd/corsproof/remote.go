package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"maps"
	"net/url"
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

// remoteFlags are --remote ENGINE=URL (repeatable), --capability
// [ENGINE/]KEY=VALUE (repeatable), --listen ADDR and --remote-ca FILE:
// engines corsproof attaches to instead of launching.
type remoteFlags struct {
	remotes []string
	caps    []string
	listen  string
	caFile  string
}

// webDriverRemote is the --remote name of a WebDriver endpoint (a
// Selenium Grid, a cloud grid, a driver) that serves every engine without
// an address of its own.
const webDriverRemote = "webdriver"

func (r *remoteFlags) register(fs *flag.FlagSet) {
	fs.Func("remote", "attach to a running browser instead of launching one, as `ENGINE=URL` (repeatable): "+
		"chromium=ws://HOST:PORT/devtools/browser/ID or chromium=http://HOST:PORT, firefox=ws://HOST:PORT/session, webkit=http://IP:PORT (WebKitWebDriver or safaridriver; its IP is admitted by the proxy), "+
		"or webdriver=http://GRID:4444 (a Selenium Grid 4, a cloud grid or a driver: a session per engine of --browsers without its own --remote, driven over the grid's se:cdp for chromium, its webSocketUrl for firefox, WebDriver for webkit); "+
		"needs --listen and --remote-ca", func(v string) error {
		r.remotes = append(r.remotes, v)
		return nil
	})
	fs.Func("capability", "a capability of the sessions --remote webdriver= opens, as `[ENGINE/]KEY=VALUE` (repeatable; with ENGINE/ for that engine's session only): "+
		"browserVersion=126, platformName=windows, firefox/browserName=firefox, chromium/goog:chromeOptions={\"args\":[\"--headless=new\"]}; "+
		"a VALUE starting with { or [ is JSON, true and false are booleans, anything else a string; browserName defaults to chrome, firefox or safari", func(v string) error {
		r.caps = append(r.caps, v)
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
		if r.listen != "" || r.caFile != "" || len(r.caps) > 0 {
			return nil, nil, errors.New("--listen, --remote-ca and --capability are for --remote ENGINE=URL, which is missing")
		}
		return engines, nil, nil
	}
	var errs []error
	caps, err := parseCapabilities(r.caps)
	if err != nil {
		errs = append(errs, err)
	}
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
	var (
		order []corsproof.Engine
		grid  string
	)
	for _, v := range r.remotes {
		name, url, ok := strings.Cut(v, "=")
		eng := corsproof.Engine(strings.TrimSpace(name))
		switch {
		case !ok || url == "":
			errs = append(errs, fmt.Errorf("--remote %q: want ENGINE=URL", v))
			continue
		case eng == webDriverRemote && grid != "":
			errs = append(errs, errors.New("--remote: two webdriver= endpoints"))
			continue
		case eng == webDriverRemote:
			if err := checkWebDriverURL(url); err != nil {
				errs = append(errs, fmt.Errorf("--remote %q: %w", v, err))
			}
			grid = url
			continue
		case eng != corsproof.Chromium && eng != corsproof.Firefox && eng != corsproof.WebKit:
			errs = append(errs, fmt.Errorf("--remote %q: a remote %q is not supported (chromium, firefox, webkit, webdriver)", v, name))
			continue
		case out[eng] != nil:
			errs = append(errs, fmt.Errorf("--remote: two addresses for %s", eng))
			continue
		}
		out[eng] = &harness.RemoteConfig{URL: url, Listen: r.listen, CA: ca}
		order = append(order, eng)
	}
	browsersSet := false
	fs.Visit(func(f *flag.Flag) { browsersSet = browsersSet || f.Name == "browsers" })
	if grid != "" {
		// The grid serves the engines of --browsers that have no address
		// of their own, or, without --browsers, chromium alone.
		served := engines
		if !browsersSet {
			served = []corsproof.Engine{corsproof.Chromium}
		}
		var gridEngines []corsproof.Engine
		for _, eng := range served {
			if out[eng] == nil {
				gridEngines = append(gridEngines, eng)
			}
		}
		if len(gridEngines) == 0 {
			errs = append(errs, errors.New("--remote webdriver=: every engine has an address of its own; the grid would serve none"))
		}
		for _, eng := range gridEngines {
			out[eng] = &harness.RemoteConfig{URL: grid, Listen: r.listen, CA: ca, Capabilities: caps.forEngine(eng)}
			order = append(order, eng)
		}
	}
	if wk := out[corsproof.WebKit]; wk != nil {
		// The proxy admits a remote WebKit by its driver's address
		// (directly or through the grid), which must be an IP.
		if _, err := harness.WebKitDriverHost(wk.URL); err != nil {
			errs = append(errs, fmt.Errorf("--remote %s for webkit: %w", wk.URL, err))
		}
	}
	for _, eng := range caps.engines() {
		if rc := out[eng]; rc == nil || rc.Capabilities == nil {
			errs = append(errs, fmt.Errorf("--capability %s/...: %s gets no session from --remote webdriver=", eng, eng))
		}
	}
	if grid == "" && len(r.caps) > 0 {
		errs = append(errs, errors.New("--capability is for the sessions of --remote webdriver=URL, which is missing"))
	}
	if len(errs) == 0 {
		for _, rc := range out {
			if err := rc.Check(); err != nil {
				errs = append(errs, fmt.Errorf("--listen: %w", err))
				break
			}
		}
	}
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

// capabilities are the --capability flags: those for every engine's
// session and those for one engine's.
type capabilities struct {
	all       map[string]any
	perEngine map[corsproof.Engine]map[string]any
}

// parseCapabilities reads [ENGINE/]KEY=VALUE flags: a VALUE starting with
// { or [ is JSON, true and false are booleans, anything else a string.
func parseCapabilities(flags []string) (capabilities, error) {
	c := capabilities{all: map[string]any{}, perEngine: map[corsproof.Engine]map[string]any{}}
	var errs []error
	for _, v := range flags {
		key, val, ok := strings.Cut(v, "=")
		dst := c.all
		if eng, k, scoped := strings.Cut(key, "/"); scoped && !strings.Contains(eng, ":") {
			e := corsproof.Engine(eng)
			if e != corsproof.Chromium && e != corsproof.Firefox && e != corsproof.WebKit {
				errs = append(errs, fmt.Errorf("--capability %q: %q is not an engine (chromium, firefox, webkit)", v, eng))
				continue
			}
			if c.perEngine[e] == nil {
				c.perEngine[e] = map[string]any{}
			}
			dst, key = c.perEngine[e], k
		}
		if !ok || key == "" {
			errs = append(errs, fmt.Errorf("--capability %q: want [ENGINE/]KEY=VALUE", v))
			continue
		}
		if _, dup := dst[key]; dup {
			errs = append(errs, fmt.Errorf("--capability %q: %s is given twice", v, key))
			continue
		}
		switch {
		case strings.HasPrefix(val, "{") || strings.HasPrefix(val, "["):
			var j any
			if err := json.Unmarshal([]byte(val), &j); err != nil {
				errs = append(errs, fmt.Errorf("--capability %q: the value is not JSON: %w", v, err))
				continue
			}
			dst[key] = j
		case val == "true" || val == "false":
			dst[key] = val == "true"
		default:
			dst[key] = val
		}
	}
	return c, errors.Join(errs...)
}

// forEngine is e's session's capabilities: those for every engine, with
// e's own over them; never nil, so that the session is a WebDriver one.
func (c capabilities) forEngine(e corsproof.Engine) map[string]any {
	out := map[string]any{}
	for k, v := range c.all {
		out[k] = v
	}
	for k, v := range c.perEngine[e] {
		out[k] = v
	}
	return out
}

// engines are the engines named by ENGINE/ capabilities, sorted.
func (c capabilities) engines() []corsproof.Engine {
	out := slices.Collect(maps.Keys(c.perEngine))
	slices.Sort(out)
	return out
}

// checkWebDriverURL checks a WebDriver endpoint's address: http(s) with a
// host, as a grid's "http://GRID:4444" or "https://HUB/wd/hub".
func checkWebDriverURL(s string) error {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return err
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("a WebDriver endpoint is http://HOST:PORT or https://..., not %s://", u.Scheme)
	case u.Host == "":
		return errors.New("the WebDriver endpoint names no host")
	}
	return nil
}
