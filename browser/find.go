package browser

import (
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/corsproof/corsproof"
)

// EnvChrome names the environment variable that points at the Chromium
// binary to use. It wins over the search of PATH, so a machine with several
// browsers can pin one.
const EnvChrome = "CORSPROOF_CHROME"

// chromiumNames are the names tried on PATH, in order. Full Chromium comes
// first: chromium-headless-shell is the old headless mode, whose cookie and
// network behaviour can differ from the browser people actually run.
var chromiumNames = []string{"chromium", "chromium-browser", "google-chrome", "chromium-headless-shell"}

// NotFoundError says that no Chromium binary was found, and how to get one.
type NotFoundError struct {
	// Engine is the browser that was looked for; "" means chromium.
	Engine string
	// Env is the value of CORSPROOF_CHROME, if it was set but unusable.
	Env string
	// Tried are the names looked up on PATH.
	Tried []string
	// Err is the reason the CORSPROOF_CHROME path was refused, if any.
	Err error
}

func (e *NotFoundError) Error() string {
	if e.Engine != "" && e.Engine != "chromium" {
		return e.engineError()
	}
	if e.Env != "" {
		return fmt.Sprintf("browser: the Chromium binary %q (from --chrome or %s) is not an executable (%v); point it at the browser binary, "+
			"or install Chromium with `apt-get install -y chromium` and leave it unset to search PATH", e.Env, EnvChrome, e.Err)
	}
	return fmt.Sprintf("browser: no Chromium found on PATH (tried %s); install it with `apt-get install -y chromium`, or set %s to the browser binary",
		strings.Join(e.Tried, ", "), EnvChrome)
}

func (e *NotFoundError) Unwrap() error { return e.Err }

// FindChromium returns the path of the Chromium binary to drive: the value of
// CORSPROOF_CHROME if set, else the first of chromium, chromium-browser,
// google-chrome and chromium-headless-shell found on PATH. It returns a
// *NotFoundError when there is none. A CORSPROOF_CHROME that points at
// nothing executable is an error, not a reason to fall back silently: the
// user asked for that browser.
func FindChromium() (string, error) {
	if env := os.Getenv(EnvChrome); env != "" {
		p, err := exec.LookPath(env)
		if err != nil {
			return "", &NotFoundError{Env: env, Tried: chromiumNames, Err: err}
		}
		return p, nil
	}
	for _, name := range chromiumNames {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", &NotFoundError{Tried: chromiumNames}
}

// Finder is engine's discovery: FindChromium, FindFirefox or FindWebKit
// (WebKit's is its WebDriver); nil for an unknown engine.
func Finder(engine corsproof.Engine) func() (string, error) {
	switch engine {
	case corsproof.Chromium:
		return FindChromium
	case corsproof.Firefox:
		return FindFirefox
	case corsproof.WebKit:
		return FindWebKit
	}
	return nil
}
