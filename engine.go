package corsproof

import (
	"fmt"
	"slices"
	"strings"

	"github.com/corsproof/corsproof/spec"
)

// Engine names a browser engine corsproof drives.
type Engine string

// The engines, in the order reports list them.
const (
	Chromium Engine = "chromium"
	Firefox  Engine = "firefox"
	WebKit   Engine = "webkit"
)

// Engines are all engines, in report order.
var Engines = []Engine{Chromium, Firefox, WebKit}

// Profile is the engine's known deviations from the Fetch standard
// (spec.Standard for an engine corsproof does not know).
func (e Engine) Profile() spec.Profile {
	switch e {
	case Chromium:
		return spec.Chromium
	case Firefox:
		return spec.Firefox
	case WebKit:
		return spec.WebKit
	}
	return spec.Standard
}

// Known reports whether e is one of Engines.
func (e Engine) Known() bool {
	return slices.Contains(Engines, e)
}

// EngineNames is the list of known engines for messages: "chromium, firefox, webkit".
func EngineNames() string {
	names := make([]string, len(Engines))
	for i, e := range Engines {
		names[i] = string(e)
	}
	return strings.Join(names, ", ")
}

// ParseEngines reads a comma-separated list of engine names
// ("chromium,firefox"); flag names the option in errors.
func ParseEngines(v, flag string) ([]Engine, error) {
	var out []Engine
	for _, n := range strings.Split(v, ",") {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		e := Engine(n)
		if !e.Known() {
			return nil, fmt.Errorf("unknown browser %q in %s (known: %s)", n, flag, EngineNames())
		}
		if !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s names no browser (known: %s)", flag, EngineNames())
	}
	return out, nil
}
