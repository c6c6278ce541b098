package main

import "github.com/corsproof/corsproof/browser"

// envDocs describes every environment variable corsproof reads (its own
// code and the browser package it calls); each command's --help lists
// those it reads. environ_test.go holds this table, and the README's
// Environment section, to what the source really reads.
var envDocs = map[string]string{
	browser.EnvChrome: "the Chromium binary (default: chromium, chromium-browser, google-chrome or " +
		"chromium-headless-shell on PATH); --chrome wins over it. Set but not executable is an error, not a fallback.",
	browser.EnvFirefox:      "the Firefox binary (default: firefox-esr or firefox on PATH)",
	browser.EnvWebKitDriver: "the WebKitWebDriver binary (default: WebKitWebDriver on PATH)",
	browser.EnvMiniBrowser:  "the WebKitGTK MiniBrowser WebKitWebDriver launches (default: found in /usr/lib/*/webkit2gtk-4.1/ and the like)",
	"DISPLAY":               "the X display WebKitGTK runs on; unset, corsproof starts a private Xvfb",
	"NO_COLOR":              "set to anything: no colours, even on a terminal (https://no-color.org)",
	"COLUMNS":               "the width the report's lines fit (default: the terminal's, else 100)",
}

// engineEnv are the variables that locate the three engines' programs.
var engineEnv = []string{browser.EnvChrome, browser.EnvFirefox, browser.EnvWebKitDriver, browser.EnvMiniBrowser, "DISPLAY"}

// reportEnv are the variables the terminal report reads.
var reportEnv = []string{"NO_COLOR", "COLUMNS"}
