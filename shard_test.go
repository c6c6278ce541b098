package corsproof_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/scenarios"
)

// shardsOf is every shard of list, n ways.
func shardsOf(list []corsproof.Scenario, n int, together func(corsproof.Scenario) []string) [][]corsproof.Scenario {
	out := make([][]corsproof.Scenario, n)
	for i := range n {
		out[i] = corsproof.Shard{I: i + 1, N: n}.Of(list, together)
	}
	return out
}

// shardIndex is, per scenario id, the shard (from 1) it is in.
func shardIndex(shards [][]corsproof.Scenario) map[string]int {
	at := map[string]int{}
	for i, sh := range shards {
		for _, s := range sh {
			at[s.ID] = i + 1
		}
	}
	return at
}

func TestShardsCoverTheCatalogOnceEachInListOrder(t *testing.T) {
	catalog := scenarios.Catalog()
	for _, tt := range []struct {
		desc     string
		n        int
		together func(corsproof.Scenario) []string
	}{
		{desc: "four shards", n: 4},
		{desc: "one shard", n: 1},
		{desc: "three shards", n: 3},
		{desc: "more shards than scenarios of a kind", n: 64},
		{desc: "four shards of a stateful target", n: 4, together: corsproof.ServerState},
	} {
		t.Run(tt.desc, func(t *testing.T) {
			seen := map[string]int{}
			for i, sh := range shardsOf(catalog, tt.n, tt.together) {
				for _, s := range sh {
					seen[s.ID]++
					if seen[s.ID] > 1 {
						t.Errorf("%s is in shard %d and an earlier one", s.ID, i+1)
					}
				}
				// In list order: a shard is a subsequence of the list.
				pos := -1
				for _, s := range sh {
					p := slices.IndexFunc(catalog, func(c corsproof.Scenario) bool { return c.ID == s.ID })
					if p <= pos {
						t.Fatalf("shard %d/%d is not in list order at %s", i+1, tt.n, s.ID)
					}
					pos = p
				}
			}
			for _, s := range catalog {
				if seen[s.ID] == 0 {
					t.Errorf("%s is in no shard of %d", s.ID, tt.n)
				}
			}
		})
	}
}

func TestShardsOfTheCatalogAreEven(t *testing.T) {
	catalog := scenarios.Catalog()
	for _, n := range []int{2, 3, 4, 7, 10} {
		for i, sh := range shardsOf(catalog, n, nil) {
			lo, hi := len(catalog)/n, (len(catalog)+n-1)/n
			if len(sh) < lo || len(sh) > hi {
				t.Errorf("shard %d/%d holds %d of %d scenarios, want %d to %d", i+1, n, len(sh), len(catalog), lo, hi)
			}
		}
	}
	// Scenarios of one kind (one label) are spread over every shard, not
	// dealt to one by their ids' common prefix.
	at := shardIndex(shardsOf(catalog, 4, nil))
	byLabel := map[string]map[int]int{}
	for _, s := range catalog {
		for _, l := range s.Labels {
			if byLabel[l] == nil {
				byLabel[l] = map[int]int{}
			}
			byLabel[l][at[s.ID]]++
		}
	}
	for l, shards := range byLabel {
		n := 0
		for _, c := range shards {
			n += c
		}
		if n >= 40 && len(shards) < 4 {
			t.Errorf("the %d scenarios labelled %s are in %d of 4 shards: %v", n, l, len(shards), shards)
		}
	}
}

func TestShardsKeepAStatefulTargetsScenariosOfOneOriginTogether(t *testing.T) {
	catalog := scenarios.Catalog()
	at := shardIndex(shardsOf(catalog, 4, corsproof.ServerState))
	where := map[string]int{}
	for _, s := range catalog {
		for _, k := range corsproof.ServerState(s) {
			if w, ok := where[k]; ok && w != at[s.ID] {
				t.Errorf("%s (%s) is in shard %d, an earlier scenario of %q in shard %d", s.ID, k, at[s.ID], k, w)
			}
			where[k] = at[s.ID]
		}
	}
	count := map[int]int{}
	for _, s := range catalog {
		count[at[s.ID]]++
	}
	if len(count) != 4 {
		t.Errorf("the stateful split uses %d of 4 shards: %v", len(count), count)
	}
}

func TestShardsAreStableWhenAScenarioIsAddedOrRemoved(t *testing.T) {
	catalog := scenarios.Catalog()
	const n = 4
	before := shardIndex(shardsOf(catalog, n, nil))
	worst := 0
	for i := range catalog {
		fewer := slices.Delete(slices.Clone(catalog), i, i+1)
		after := shardIndex(shardsOf(fewer, n, nil))
		moved := 0
		for id, sh := range after {
			if before[id] != sh {
				moved++
			}
		}
		worst = max(worst, moved)
	}
	if worst > n-1 {
		t.Errorf("removing one scenario of %d moves up to %d others to another shard, want at most %d", len(catalog), worst, n-1)
	}
	added := append(slices.Clone(catalog), corsproof.Scenario{ID: "a-new-scenario"})
	after := shardIndex(shardsOf(added, n, nil))
	moved := 0
	for id, sh := range before {
		if after[id] != sh {
			moved++
		}
	}
	if moved > n-1 {
		t.Errorf("adding a scenario moves %d others to another shard, want at most %d", moved, n-1)
	}
	// Not list order: the same scenarios reversed split the same way.
	rev := slices.Clone(catalog)
	slices.Reverse(rev)
	if got := shardIndex(shardsOf(rev, n, nil)); fmt.Sprint(got) != fmt.Sprint(before) {
		t.Error("the split depends on the list's order")
	}
}

func TestParseShard(t *testing.T) {
	for _, tt := range []struct {
		in      string
		want    corsproof.Shard
		wantErr string
	}{
		{in: "1/4", want: corsproof.Shard{I: 1, N: 4}},
		{in: "4/4", want: corsproof.Shard{I: 4, N: 4}},
		{in: "1/1", want: corsproof.Shard{I: 1, N: 1}},
		{in: "0/4", wantErr: `--shard "0/4": shards count from 1 to 4: want 1/4 to 4/4`},
		{in: "5/4", wantErr: `--shard "5/4": shards count from 1 to 4: want 1/4 to 4/4`},
		{in: "1/0", wantErr: `--shard "1/0": want at least one shard`},
		{in: "x", wantErr: `--shard "x": want I/N, the I-th of N shards, e.g. 2/4`},
		{in: "2of4", wantErr: `want I/N`},
		{in: "-1/4", wantErr: `shards count from 1`},
		{in: "", wantErr: `want I/N`},
	} {
		got, err := corsproof.ParseShard(tt.in)
		switch {
		case tt.wantErr == "" && (err != nil || got != tt.want):
			t.Errorf("ParseShard(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("ParseShard(%q) = %v, %v; want an error with %q", tt.in, got, err, tt.wantErr)
		}
	}
}
