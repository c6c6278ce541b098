package harness

import (
	"context"

	"github.com/corsproof/corsproof/browser"
)

// launchWebKit starts WebKitGTK (MiniBrowser under WebKitWebDriver, on a
// private Xvfb unless DISPLAY is set) behind the proxy at proxyURL.
// WebKitGTK trusts only the system's CA store, so the session accepts the
// run's self-made certificates (acceptInsecureCerts; CORS is untouched);
// the certificates of a live target are checked by the proxy instead (see
// EngineConfig.Trust).
func launchWebKit(ctx context.Context, cfg EngineConfig, proxyURL string) (browser.Engine, error) {
	driverPath, err := execOr(cfg.ExecPath, browser.FindWebKit)
	if err != nil {
		return nil, err
	}
	wk, err := browser.LaunchWebKit(ctx, browser.WebKitOptions{
		DriverPath:          driverPath,
		ProxyURL:            proxyURL,
		AcceptInsecureCerts: true,
		Logf:                cfg.Logf,
	})
	if err != nil {
		return nil, err
	}
	return wk, nil
}
