package browser

import (
	"path/filepath"
	"strings"
)

// Exports for the Firefox tests, which live in package browser_test so
// that they can use the harness's topology and proxy.

// SetFirefoxTraceHook sets the hook that sees each fetch's raw BiDi events.
func SetFirefoxTraceHook(f func(url string, events []string)) { ffTraceHook = f }

// FirefoxProfileGlob matches the Firefox profile dirs of this process.
func FirefoxProfileGlob() string { return firefoxProfileGlob() }

// FirefoxGroupAlive counts live processes of a process group.
func FirefoxGroupAlive(pgid int) int { return groupAlive(pgid) }

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func filepathGlob(p string) ([]string, error) { return filepath.Glob(p) }
