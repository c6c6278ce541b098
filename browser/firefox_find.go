package browser

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// EnvFirefox names the environment variable that points at the Firefox
// binary to use; it wins over the search of PATH.
const EnvFirefox = "CORSPROOF_FIREFOX"

// firefoxNames are the names tried on PATH, in order: Debian's ESR first,
// the browser corsproof's Firefox profile was measured with.
var firefoxNames = []string{"firefox-esr", "firefox"}

// FindFirefox returns the path of the Firefox binary to drive: the value of
// CORSPROOF_FIREFOX if set, else firefox-esr or firefox on PATH. It returns
// a *NotFoundError with Engine "firefox" when there is none.
func FindFirefox() (string, error) {
	if env := os.Getenv(EnvFirefox); env != "" {
		p, err := exec.LookPath(env)
		if err != nil {
			return "", &NotFoundError{Engine: "firefox", Env: env, Tried: firefoxNames, Err: err}
		}
		return p, nil
	}
	for _, name := range firefoxNames {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", &NotFoundError{Engine: "firefox", Tried: firefoxNames}
}

// engineError is NotFoundError's message for engines other than Chromium.
func (e *NotFoundError) engineError() string {
	if strings.HasPrefix(e.Engine, "webkit") {
		return webkitNotFound(e)
	}
	switch e.Engine {
	case "certutil":
		return fmt.Sprintf("browser: no certutil on PATH: trusting a CA certificate (--ca in Chromium; the run's own CA and --ca in Firefox) "+
			"goes through a throw-away NSS database made with NSS's certutil; install it with `apt-get install -y %s`", certutilPackage)
	case "firefox":
		if e.Env != "" {
			return fmt.Sprintf("browser: %s=%q is not an executable Firefox (%v); point it at the browser binary, or unset it to search PATH",
				EnvFirefox, e.Env, e.Err)
		}
		return fmt.Sprintf("browser: no Firefox found on PATH (tried %s); install it with `apt-get install -y firefox-esr`, or set %s to the browser binary",
			strings.Join(e.Tried, ", "), EnvFirefox)
	}
	return fmt.Sprintf("browser: no %s browser found (tried %s)", e.Engine, strings.Join(e.Tried, ", "))
}
