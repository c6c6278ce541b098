package main

import "fmt"

// cmdReproHAR writes the reproduction of one entry of a HAR file
// (repro --har FILE --entry N | --url SUBSTR).
func cmdReproHAR(e env, o reproOpts) int {
	fmt.Fprintln(e.stderr, "corsproof repro: --har is not built yet")
	return exitUsage
}
