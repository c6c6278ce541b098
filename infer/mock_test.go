package infer

import (
	"slices"
	"strings"
	"testing"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/mockapi"
	"github.com/corsproof/corsproof/policy"
)

// sameRules compares two rules as sets.
func sameRules(a, b policy.Rules) bool { return rulesKey(a) == rulesKey(b) }

func TestTheConformingMockGivesItsOwnPolicy(t *testing.T) {
	r := infer(t, Config{Target: startMock(t, mockapi.Fault{}), Origins: []string{"https://app.example.test"}, Endpoints: mockEndpoints(t)})
	out := yamlOf(t, r)
	if r.Failed() {
		t.Fatalf("findings against the conforming mock:\n%s", out)
	}
	want := policy.Default()
	got := r.Policy
	if !sameRules(got.Rules, want.Rules) {
		t.Errorf("rules:\n got %+v\nwant %+v\n%s", got.Rules, want.Rules, out)
	}
	if len(got.Routes) != len(want.Routes) {
		t.Fatalf("routes = %+v, want %+v\n%s", got.Routes, want.Routes, out)
	}
	for _, path := range []string{"/api/items", "/api/items/1", "/api/me", "/api/public/items", "/api/public/x"} {
		if !sameRules(got.For(path), want.For(path)) {
			t.Errorf("%s: rules\n got %+v\nwant %+v", path, got.For(path), want.For(path))
		}
	}
	if got.Routes[0].Prefix != "/api/public/" {
		t.Errorf("route prefix %q, want /api/public/", got.Routes[0].Prefix)
	}
	// What was written reads back as the same policy.
	back, err := policy.Parse("inferred.yaml", []byte(out))
	if err != nil {
		t.Fatalf("the written policy does not parse: %v\n%s", err, out)
	}
	if !sameRules(back.Rules, got.Rules) || len(back.Routes) != 1 || len(back.Endpoints) != 4 {
		t.Errorf("read back %+v, wrote %+v", back, got)
	}
}

// faultCause is, for every fault of the gallery, the cause check reports
// for it, which infer must name.
var faultCause = map[string]corsproof.CauseKind{
	"reflect-origin":             corsproof.CauseOriginAccepted,
	"reflect-origin-credentials": corsproof.CauseOriginAccepted,
	"allow-null":                 corsproof.CauseOriginAccepted,
	"suffix-match":               corsproof.CauseOriginAccepted,
	"prefix-match":               corsproof.CauseOriginAccepted,
	"unescaped-dot":              corsproof.CauseOriginAccepted,
	"subdomain-too-broad":        corsproof.CauseOriginAccepted,
	"http-origin-accepted":       corsproof.CauseOriginAccepted,
	"stateful-matcher":           corsproof.CauseUnstable,
	"wildcard-credentials":       corsproof.CauseWildcardWithCredentials,
	"duplicate-acao":             corsproof.CauseAllowOriginInvalid,
	"trailing-slash-acao":        corsproof.CauseAllowOriginInvalid,
	"acac-capitalized":           corsproof.CauseAllowCredentialsInvalid,
	"acam-case-mismatch":         corsproof.CauseMethodMissing,
	"acah-missing-header":        corsproof.CauseHeaderMissing,
	"aceh-missing":               corsproof.CauseExposeMissing,
	"max-age-ignored":            corsproof.CauseMaxAgeDiffers,
	"missing-vary":               corsproof.CauseVaryMissing,
	"no-cors-on-errors":          corsproof.CauseAllowOriginMissing,
	"no-preflight-handler-404":   corsproof.CausePreflightUnanswered,
	"no-preflight-handler-405":   corsproof.CausePreflightUnanswered,
	"preflight-passthrough":      corsproof.CausePreflightUnanswered,
	"preflight-redirected":       corsproof.CausePreflightUnanswered,
}

// byPolicy are the faults whose server implements a proper policy, only
// not the intended one: infer names them given the intended policy.
var byPolicy = map[string]bool{"max-age-ignored": true}

// A server that sends no max-age implements a policy (the browsers'
// default); without the intended policy infer cannot tell a lost setting
// from that choice, so it says so in a note naming the cause, and exits 0.
func TestALostMaxAgeIsANoteWithoutTheIntendedPolicy(t *testing.T) {
	f, _ := mockapi.FaultByName("max-age-ignored")
	r := infer(t, Config{Target: startMock(t, f), Origins: []string{"https://app.example.test"}, Endpoints: mockEndpoints(t)})
	out := yamlOf(t, r)
	if r.Failed() {
		t.Errorf("a server without max-age is a finding (%v) without an intended policy:\n%s", r.Causes(), out)
	}
	head, _, _ := strings.Cut(out, "\norigins:")
	if !strings.Contains(strings.Join(strings.Fields(strings.ReplaceAll(head, "#", "")), " "), "the "+string(corsproof.CauseMaxAgeDiffers)+" cause") {
		t.Errorf("the notes do not name %s:\n%s", corsproof.CauseMaxAgeDiffers, head)
	}
	// The conforming mock sends its max-age: no such note.
	r = infer(t, Config{Target: startMock(t, mockapi.Fault{}), Origins: []string{"https://app.example.test"}, Endpoints: mockEndpoints(t)})
	if out := yamlOf(t, r); strings.Contains(out, string(corsproof.CauseMaxAgeDiffers)) {
		t.Errorf("the conforming mock's inferred policy names %s:\n%s", corsproof.CauseMaxAgeDiffers, out)
	}
}

func TestTheConformingMockDepartsInNothingFromItsPolicy(t *testing.T) {
	r := infer(t, Config{Target: startMock(t, mockapi.Fault{}), Origins: []string{"https://app.example.test"},
		Endpoints: mockEndpoints(t), Intended: policy.Default()})
	if r.Failed() {
		t.Errorf("findings against the conforming mock and its own policy:\n%s", yamlOf(t, r))
	}
}

func TestEveryFaultOfTheGalleryIsNamed(t *testing.T) {
	for _, f := range mockapi.Faults() {
		t.Run(f.Name, func(t *testing.T) {
			want, ok := faultCause[f.Name]
			if !ok {
				t.Fatalf("fault %s has no expected cause", f.Name)
			}
			cfg := Config{Target: startMock(t, f), Origins: []string{"https://app.example.test"}, Endpoints: mockEndpoints(t)}
			if byPolicy[f.Name] {
				cfg.Intended = policy.Default()
			}
			r := infer(t, cfg)
			out := yamlOf(t, r)
			if !r.Failed() || !slices.Contains(r.Causes(), want) {
				t.Fatalf("causes %v, want %s\n%s", r.Causes(), want, out)
			}
			head, _, _ := strings.Cut(out, "\norigins:")
			if !strings.Contains(head, "# - "+string(want)) {
				t.Errorf("the comments do not name %s:\n%s", want, head)
			}
			t.Logf("\n%s", head)
		})
	}
}
