package main

import (
	"flag"
	"fmt"

	"github.com/corsproof/corsproof"
)

// shardFlag registers --shard I/N on a command that runs a scenario list.
func shardFlag(fs *flag.FlagSet) *string {
	return fs.String("shard", "", "run only the `I/N`-th part of the scenarios, e.g. 2/4 in the second of four CI jobs: "+
		"the N parts split the list evenly by scenario id, each scenario in exactly one; 'corsproof merge' combines their --json reports")
}

// applyShard is the --shard part of list (all of it without the flag);
// stateful: the target may answer by the requests before (a live server,
// a stateful fault), so the scenarios of one policy and origin page stay
// in one shard, in the order a whole run sends them.
func applyShard(raw string, list []corsproof.Scenario, stateful bool) ([]corsproof.Scenario, string, error) {
	if raw == "" {
		return list, "", nil
	}
	sh, err := corsproof.ParseShard(raw)
	if err != nil {
		return nil, "", err
	}
	var together func(corsproof.Scenario) []string
	if stateful {
		together = corsproof.ServerState
	}
	return sh.Of(list, together), sh.String(), nil
}

// shardNote is the banner's word on a shard: " (shard 2/4 of 500)".
func shardNote(shard string, whole int) string {
	if shard == "" {
		return ""
	}
	return fmt.Sprintf(" (shard %s of %d)", shard, whole)
}
