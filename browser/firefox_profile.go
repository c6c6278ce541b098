package browser

import (
	"bytes"
	"context"
	"crypto/x509"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
)

// firefoxPrefs are the user.js prefs of every profile: a quiet headless
// browser that talks to nothing but the pages it is sent to. None of them
// touches CORS, cookies or the preflight cache: the browser must behave as
// users' browsers do. (network.cookie.cookieBehavior stays at its default.)
var firefoxPrefs = []struct {
	name  string
	value any
}{
	// No first-run, update, telemetry or background traffic.
	{"app.update.disabledForTesting", true},
	{"app.update.auto", false},
	{"app.normandy.enabled", false},
	{"browser.shell.checkDefaultBrowser", false},
	{"browser.startup.homepage_override.mstone", "ignore"},
	{"browser.startup.page", 0},
	{"browser.aboutwelcome.enabled", false},
	{"startup.homepage_welcome_url", "about:blank"},
	{"startup.homepage_welcome_url.additional", ""},
	{"browser.newtabpage.enabled", false},
	{"browser.newtabpage.activity-stream.feeds.system.topstories", false},
	{"browser.newtabpage.activity-stream.feeds.snippets", false},
	{"browser.tabs.warnOnClose", false},
	{"browser.sessionstore.resume_from_crash", false},
	{"browser.safebrowsing.malware.enabled", false},
	{"browser.safebrowsing.phishing.enabled", false},
	{"browser.safebrowsing.blockedURIs.enabled", false},
	{"browser.safebrowsing.downloads.enabled", false},
	{"browser.safebrowsing.provider.google4.updateURL", ""},
	{"browser.safebrowsing.provider.mozilla.updateURL", ""},
	{"browser.ping-centre.telemetry", false},
	{"datareporting.healthreport.uploadEnabled", false},
	{"datareporting.policy.dataSubmissionEnabled", false},
	{"toolkit.telemetry.enabled", false},
	{"toolkit.telemetry.unified", false},
	{"toolkit.telemetry.server", ""},
	{"network.captive-portal-service.enabled", false},
	{"network.connectivity-service.enabled", false},
	{"captivedetect.canonicalURL", ""},
	{"services.settings.server", "data:,#remote-settings-disabled"},
	{"extensions.update.enabled", false},
	{"extensions.getAddons.cache.enabled", false},
	{"extensions.blocklist.enabled", false},
	{"extensions.autoDisableScopes", 0},
	{"extensions.enabledScopes", 5},
	{"dom.push.connection.enabled", false},
	{"media.gmp-manager.url", ""},
	{"network.dns.disablePrefetch", true},
	{"network.prefetch-next", false},
	{"network.http.speculative-parallel-limit", 0},
	{"security.OCSP.enabled", 0},
	{"security.remote_settings.crlite_filters.enabled", false},
	{"browser.region.network.url", ""},
	{"browser.region.update.enabled", false},
	{"browser.search.update", false},
	{"geo.provider.network.url", ""},
	// Measured (harness/offbox_test.go): nothing above stops Firefox 153
	// from talking to its services, because when the proxy refuses one of
	// its own requests (the remote settings at
	// firefox.settings.services.mozilla.com, the Widevine download from
	// update.googleapis.com) it retries the request without the proxy,
	// resolving the name itself. These two keep every request on the
	// proxy, which decides what exists.
	{"network.proxy.allow_bypass", false},
	{"network.proxy.failover_direct", false},
	// Names are resolved by the proxy, never by Firefox: no DNS over
	// HTTPS (5: off by choice, no probe of a resolver either), no lookups
	// ahead of time.
	{"network.trr.mode", 5},
	{"network.dns.disablePrefetchFromHTTPS", true},
	{"browser.urlbar.speculativeConnect.enabled", false},
	{"browser.places.speculativeConnect.enabled", false},
	// The services themselves, off. (The remote settings server pref is
	// honoured only with firefoxEnv's MOZ_REMOTE_SETTINGS_DEVTOOLS.)
	{"app.update.checkInstallTime", false},
	{"app.normandy.api_url", ""},
	{"app.shield.optoutstudies.enabled", false},
	{"nimbus.rollouts.enabled", false},
	{"datareporting.usage.uploadEnabled", false},
	{"datareporting.policy.dataSubmissionPolicyBypassNotification", true},
	{"toolkit.telemetry.archive.enabled", false},
	{"toolkit.telemetry.updatePing.enabled", false},
	{"toolkit.telemetry.shutdownPingSender.enabled", false},
	{"toolkit.telemetry.newProfilePing.enabled", false},
	{"toolkit.telemetry.firstShutdownPing.enabled", false},
	{"toolkit.telemetry.bhrPing.enabled", false},
	{"browser.newtabpage.activity-stream.telemetry", false},
	{"browser.discovery.enabled", false},
	{"browser.topsites.contile.enabled", false},
	{"browser.translations.enable", false},
	{"browser.uitour.enabled", false},
	{"identity.fxaccounts.enabled", false},
	{"extensions.systemAddon.update.enabled", false},
	{"extensions.systemAddon.update.url", ""},
	{"extensions.getAddons.showPane", false},
	{"extensions.update.autoUpdateDefault", false},
	{"browser.safebrowsing.downloads.remote.enabled", false},
	{"browser.safebrowsing.provider.google4.gethashURL", ""},
	{"browser.safebrowsing.provider.google4.dataSharingURL", ""},
	{"browser.safebrowsing.provider.google.gethashURL", ""},
	{"browser.safebrowsing.provider.google.updateURL", ""},
	{"dom.push.serverURL", ""},
	{"media.gmp-provider.enabled", false},
	{"media.gmp-widevinecdm.enabled", false},
	{"media.gmp-gmpopenh264.enabled", false},
	{"media.gmp-manager.chromium-update-url", ""},
	{"security.remote_settings.intermediates.enabled", false},
	{"security.certerrors.mitm.priming.enabled", false},
	// Origins must be the ones the scenario names: no silent upgrade of an
	// http:// origin page to https (which would change its origin).
	{"dom.security.https_first", false},
	{"dom.security.https_first_pbm", false},
	{"dom.security.https_first_schemeless", false},
	{"dom.security.https_only_mode", false},
	{"network.stricttransportsecurity.preloadlist", false},
	// Remote agent: no prompt, no console noise from its own checks.
	{"remote.prefs.recommended", true},
	{"devtools.console.stdout.content", false},
}

// firefoxEnv is added to Firefox's environment. Release builds ignore the
// services.settings.server pref above unless MOZ_REMOTE_SETTINGS_DEVTOOLS
// is set; with it, the remote settings client has no server and fetches
// nothing (measured: without it, Firefox 153 asks
// firefox.settings.services.mozilla.com for a dozen collections at start).
var firefoxEnv = []string{"MOZ_REMOTE_SETTINGS_DEVTOOLS=1"}

// writeUserJS writes the profile's prefs, with the proxy settings when
// proxyURL is set.
func writeUserJS(dir, proxyURL string) error {
	var b bytes.Buffer
	pref := func(name string, v any) {
		switch v := v.(type) {
		case string:
			fmt.Fprintf(&b, "user_pref(%q, %s);\n", name, strconv.Quote(v))
		default:
			fmt.Fprintf(&b, "user_pref(%q, %v);\n", name, v)
		}
	}
	for _, p := range firefoxPrefs {
		pref(p.name, p.value)
	}
	if proxyURL != "" {
		host, port, err := proxyHostPort(proxyURL)
		if err != nil {
			return err
		}
		// A manual HTTP proxy for http and https (CONNECT), for every
		// host, loopback names included: the proxy decides what exists.
		pref("network.proxy.type", 1)
		pref("network.proxy.http", host)
		pref("network.proxy.http_port", port)
		pref("network.proxy.ssl", host)
		pref("network.proxy.ssl_port", port)
		pref("network.proxy.share_proxy_settings", false)
		pref("network.proxy.no_proxies_on", "")
		pref("network.proxy.allow_hijacking_localhost", true)
		pref("network.proxy.socks_remote_dns", true)
	} else {
		pref("network.proxy.type", 0)
	}
	return os.WriteFile(filepath.Join(dir, "user.js"), b.Bytes(), 0o600)
}

func proxyHostPort(proxyURL string) (string, int, error) {
	u, err := url.Parse(proxyURL)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return "", 0, fmt.Errorf("browser: FirefoxOptions.ProxyURL %q: want http://host:port", proxyURL)
	}
	host, ps, err := net.SplitHostPort(u.Host)
	if err != nil {
		return "", 0, fmt.Errorf("browser: FirefoxOptions.ProxyURL %q: %v", proxyURL, err)
	}
	port, err := strconv.Atoi(ps)
	if err != nil || port <= 0 || port > 65535 {
		return "", 0, fmt.Errorf("browser: FirefoxOptions.ProxyURL %q: bad port", proxyURL)
	}
	return host, port, nil
}

// importTrust makes certs trust anchors of the profile's NSS database with
// certutil (libnss3-tools), so that Firefox trusts exactly these CAs on top
// of its built-in roots, and every other certificate is still checked.
func importTrust(ctx context.Context, dir string, certs []*x509.Certificate) error {
	if len(certs) == 0 {
		return nil
	}
	return newNSSDB(ctx, "firefox", dir, certs, false)
}
