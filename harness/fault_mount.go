package harness

import (
	"net/http"
	"sort"

	"github.com/corsproof/corsproof/mockapi"
	"github.com/corsproof/corsproof/policy"
)

// FaultMock is the embedded mock serving, side by side in one handler, the
// conforming server at /p/<policy>/ and every given fault at
// /f/<fault>/p/<policy>/. One browser then runs a catalog against every
// fault: no relaunch per fault, and URLs, preflight-cache entries and cookie
// paths never meet across faults.
type FaultMock struct {
	targets map[string]*MockTarget // by fault name; "" is the conforming one
	mux     *http.ServeMux
}

// NewFaultMock builds the conforming mock and one per fault, each serving
// every policy.
func NewFaultMock(policies map[string]*policy.Policy, faults []mockapi.Fault, logf func(string, ...any)) *FaultMock {
	fm := &FaultMock{targets: map[string]*MockTarget{}, mux: http.NewServeMux()}
	conforming := NewMockTarget(policies, mockapi.Fault{}, logf)
	fm.targets[""] = conforming
	for _, f := range faults {
		t := NewMockTarget(policies, f, logf)
		t.prefix = faultMountPath(f.Name)
		fm.targets[f.Name] = t
		fm.mux.Handle(t.prefix+"/", http.StripPrefix(t.prefix, t.Handler()))
	}
	fm.mux.Handle("/", conforming.Handler())
	return fm
}

func faultMountPath(name string) string { return "/f/" + name }

// Handler serves every fault's mock.
func (fm *FaultMock) Handler() http.Handler { return fm.mux }

// Target is the mock serving fault ("" for the conforming one).
func (fm *FaultMock) Target(fault string) (*MockTarget, bool) {
	t, ok := fm.targets[fault]
	return t, ok
}

// Faults lists the mounted faults' names, sorted.
func (fm *FaultMock) Faults() []string {
	var out []string
	for n := range fm.targets {
		if n != "" {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}
