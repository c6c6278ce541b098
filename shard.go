package corsproof

import (
	"cmp"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
)

// Shard is the I-th of N parts of a scenario list (I from 1), for runs
// split across CI jobs: `--shard 2/4`. Every scenario is in exactly one
// of the N parts; see Of for how they are chosen.
type Shard struct {
	I, N int
}

// ParseShard reads "i/n" (1 <= i <= n), as --shard takes it.
func ParseShard(s string) (Shard, error) {
	is, ns, ok := strings.Cut(strings.TrimSpace(s), "/")
	i, ierr := strconv.Atoi(is)
	n, nerr := strconv.Atoi(ns)
	switch {
	case !ok || ierr != nil || nerr != nil:
		return Shard{}, fmt.Errorf("--shard %q: want I/N, the I-th of N shards, e.g. 2/4", s)
	case n < 1:
		return Shard{}, fmt.Errorf("--shard %q: want at least one shard, e.g. 1/1", s)
	case i < 1 || i > n:
		return Shard{}, fmt.Errorf("--shard %q: shards count from 1 to %d: want 1/%d to %d/%d", s, n, n, n, n)
	}
	return Shard{I: i, N: n}, nil
}

// String is "i/n".
func (sh Shard) String() string { return fmt.Sprintf("%d/%d", sh.I, sh.N) }

// Of is the shard's part of list, in list order.
//
// Scenarios that must keep their order stay together: together gives each
// scenario the keys of the state it shares with others (nil: none, every
// scenario on its own), and scenarios sharing a key, directly or through
// others, form one group that goes to one shard whole. The groups are laid
// out in the order of a hash of their name (the least key among them, so
// that a scenario joining a group does not move it; the id of a scenario
// on its own) and cut into N runs of consecutive groups holding as near
// len(list)/N scenarios each as the groups allow (for scenarios on their
// own: within one). So the split is
//
//   - deterministic: it depends on the ids and keys only, not on list
//     order, the machine or the run;
//   - stable: a scenario added to or removed from the list moves at most
//     N-1 other groups (one at each cut) to a neighbouring shard;
//   - even across the kinds of scenario: ids of one family ("preflight-
//     cache-…", the slow ones) hash apart and spread over every shard.
func (sh Shard) Of(list []Scenario, together func(Scenario) []string) []Scenario {
	if sh.N <= 1 {
		return slices.Clone(list)
	}
	group := groups(list, together)
	type g struct {
		name string
		hash uint64
		size int
	}
	byName := map[string]*g{}
	var order []*g
	for _, name := range group {
		if byName[name] == nil {
			h := fnv.New64a()
			h.Write([]byte(name))
			byName[name] = &g{name: name, hash: h.Sum64()}
			order = append(order, byName[name])
		}
		byName[name].size++
	}
	slices.SortFunc(order, func(a, b *g) int {
		return cmp.Or(cmp.Compare(a.hash, b.hash), strings.Compare(a.name, b.name))
	})
	// A group goes to the shard its midpoint falls in, counting scenarios.
	shardOf := map[string]int{}
	total, before := len(list), 0
	for _, gr := range order {
		k := (2*before + gr.size) * sh.N / (2 * total)
		shardOf[gr.name] = min(k, sh.N-1) + 1
		before += gr.size
	}
	var out []Scenario
	for i, s := range list {
		if shardOf[group[i]] == sh.I {
			out = append(out, s)
		}
	}
	return out
}

// groups names each scenario's group (see Shard.Of): union-find over the
// ids and the keys together gives.
func groups(list []Scenario, together func(Scenario) []string) []string {
	parent := map[string]string{}
	var find func(string) string
	find = func(x string) string {
		p, ok := parent[x]
		if !ok || p == x {
			parent[x] = x
			return x
		}
		r := find(p)
		parent[x] = r
		return r
	}
	union := func(a, b string) {
		ra, rb := find(a), find(b)
		if ra == rb {
			return
		}
		if ra > rb { // the least name names the group: a key before an id
			ra, rb = rb, ra
		}
		parent[rb] = ra
	}
	for _, s := range list {
		id := "s " + s.ID
		find(id)
		if together == nil {
			continue
		}
		for _, k := range together(s) {
			union(id, "k "+k)
		}
	}
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = find("s " + s.ID)
	}
	return out
}

// ServerState is the keys (see Shard.Of) of a target whose answer to a
// request may depend on the requests before it: a stateful fault of the
// mock, or a live server. The runner keeps the scenarios of one policy
// and one origin page (the scenario's site, and the site that primes it)
// in their order for such a target (harness.StatefulTarget), so a shard
// keeps them together: its target then sees them in the order a whole run
// sends them. The browser state of Uses (preflight and HTTP cache
// entries, the cookie jar) needs no key: each scenario's cache entries are
// keyed by its own URL, and the jar never changes during a run.
func ServerState(s Scenario) []string {
	keys := []string{s.Policy + " " + s.Site}
	if s.PrimeSite != "" {
		keys = append(keys, s.Policy+" "+s.PrimeSite)
	}
	return keys
}
