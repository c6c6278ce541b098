package browser

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// EnvWebKitDriver names the environment variable that points at the
// WebKitWebDriver binary; it wins over the search of PATH.
const EnvWebKitDriver = "CORSPROOF_WEBKIT_DRIVER"

// EnvMiniBrowser names the environment variable that points at the
// WebKitGTK MiniBrowser the driver launches; it wins over the search of the
// library directories.
const EnvMiniBrowser = "CORSPROOF_MINIBROWSER"

// webkitInstallHint is how to get every program the WebKit engine needs.
const webkitInstallHint = "apt-get install -y webkit2gtk-driver xvfb"

// webkitDriverNames are the names tried on PATH.
var webkitDriverNames = []string{"WebKitWebDriver"}

// miniBrowserGlobs are where Debian and Fedora put WebKitGTK's MiniBrowser
// (it is not on PATH), newest API first.
var miniBrowserGlobs = []string{
	"/usr/lib/*/webkit2gtk-4.1/MiniBrowser",
	"/usr/lib/*/webkitgtk-6.0/MiniBrowser",
	"/usr/lib/*/webkit2gtk-4.0/MiniBrowser",
	"/usr/libexec/webkit2gtk-4.1/MiniBrowser",
	"/usr/libexec/webkitgtk-6.0/MiniBrowser",
	"/usr/libexec/webkit2gtk-4.0/MiniBrowser",
}

// FindWebKit returns the path of WebKitWebDriver: the value of
// CORSPROOF_WEBKIT_DRIVER if set, else WebKitWebDriver on PATH. It returns a
// *NotFoundError with Engine "webkit" when there is none.
func FindWebKit() (string, error) {
	if env := os.Getenv(EnvWebKitDriver); env != "" {
		p, err := exec.LookPath(env)
		if err != nil {
			return "", &NotFoundError{Engine: "webkit", Env: env, Tried: webkitDriverNames, Err: err}
		}
		return p, nil
	}
	for _, name := range webkitDriverNames {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", &NotFoundError{Engine: "webkit", Tried: webkitDriverNames}
}

// findMiniBrowser returns the MiniBrowser the driver is to launch.
func findMiniBrowser() (string, error) {
	if env := os.Getenv(EnvMiniBrowser); env != "" {
		p, err := exec.LookPath(env)
		if err != nil {
			return "", &NotFoundError{Engine: "webkit-minibrowser", Env: env, Tried: []string{"MiniBrowser"}, Err: err}
		}
		return p, nil
	}
	for _, g := range miniBrowserGlobs {
		ms, _ := filepath.Glob(g)
		for _, m := range ms {
			if p, err := exec.LookPath(m); err == nil {
				return p, nil
			}
		}
	}
	return "", &NotFoundError{Engine: "webkit-minibrowser", Tried: miniBrowserGlobs}
}

// findXvfb returns Xvfb's path, for a run without DISPLAY.
func findXvfb() (string, error) {
	p, err := exec.LookPath("Xvfb")
	if err != nil {
		return "", &NotFoundError{Engine: "webkit-xvfb", Tried: []string{"Xvfb"}, Err: err}
	}
	return p, nil
}

// webkitNotFound is NotFoundError's message for the WebKit engine's
// programs (engineError dispatches here).
func webkitNotFound(e *NotFoundError) string {
	switch e.Engine {
	case "webkit-minibrowser":
		if e.Env != "" {
			return fmt.Sprintf("browser: webkit: the MiniBrowser %q (from WebKitOptions.BrowserPath or %s) is not an executable (%v); point it at WebKitGTK's MiniBrowser, or install it with `%s`",
				e.Env, EnvMiniBrowser, e.Err, webkitInstallHint)
		}
		return fmt.Sprintf("browser: webkit: no WebKitGTK MiniBrowser found (looked in %s); install it with `%s`, or set %s",
			strings.Join(e.Tried, ", "), webkitInstallHint, EnvMiniBrowser)
	case "webkit-xvfb":
		return fmt.Sprintf("browser: webkit: DISPLAY is not set and Xvfb is not on PATH; WebKitGTK needs a display: install it with `%s`, or set DISPLAY",
			webkitInstallHint)
	}
	if e.Env != "" {
		return fmt.Sprintf("browser: webkit: the driver %q (from the command line or %s) is not an executable WebKitWebDriver (%v); point it at the driver binary, or install it with `%s` and leave it unset to search PATH",
			e.Env, EnvWebKitDriver, e.Err, webkitInstallHint)
	}
	return fmt.Sprintf("browser: no WebKit found: WebKitWebDriver is not on PATH; install WebKitGTK's driver with `%s`, or set %s to the driver binary",
		webkitInstallHint, EnvWebKitDriver)
}
