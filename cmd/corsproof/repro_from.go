package main

import (
	"fmt"

	"github.com/corsproof/corsproof"
)

// cmdReproFrom writes the reproduction of one result of a JSON report
// (repro --from REPORT --id ID).
func cmdReproFrom(e env, o reproOpts) int {
	fmt.Fprintln(e.stderr, "corsproof repro: --from is not built yet")
	return exitUsage
}

// runReproIn runs the reproduction in dir on loopback and opens its page
// in each engine, printing each one's outcome (repro --run --browsers).
func runReproIn(e env, dir string, engines []corsproof.Engine) int {
	fmt.Fprintln(e.stderr, "corsproof repro: --browsers is not built yet")
	return exitUsage
}
