package harness

import (
	"context"
	"errors"
	"net/http"
	"sort"
	"sync"

	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/mockapi"
	"github.com/corsproof/corsproof/policy"
	"github.com/corsproof/corsproof/spec"
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

// FaultRun is one browser and one topology in front of a FaultMock.
type FaultRun struct {
	Topology *Topology
	Mock     *FaultMock
	Engine   browser.Engine
	runID    string
}

// StartFaultMock starts the topology serving every fault of faults (all of
// the gallery when nil) and one Chromium. cfg.Fault is ignored.
func StartFaultMock(ctx context.Context, cfg MockConfig, faults []mockapi.Fault) (*FaultRun, error) {
	if faults == nil {
		faults = mockapi.Faults()
	}
	sites := cfg.Sites
	if sites == nil {
		sites = MockSites()
	}
	fm := NewFaultMock(cfg.Policies, faults, cfg.RequestLog)
	topo, err := StartTopology(TopologyConfig{
		Sites:      sites,
		APIOrigins: []string{MockAPIOrigin, MockAPI2Origin, MockAPIOtherOrigin},
		API:        fm.Handler(),
	})
	if err != nil {
		return nil, err
	}
	engine, err := LaunchChromium(ctx, topo, cfg.ChromePath, cfg.Logf)
	if err != nil {
		topo.Close()
		return nil, err
	}
	return &FaultRun{Topology: topo, Mock: fm, Engine: &serialEngine{Engine: engine}, runID: NewRunID()}, nil
}

// Runner runs scenarios against one fault's mock ("" for the conforming
// one). Runners of different faults may run concurrently: their fetches
// take turns in the one browser, while one runner's wait (a scenario's
// RepeatAfter) lets the others go on.
func (fr *FaultRun) Runner(fault string) (*Runner, bool) {
	t, ok := fr.Mock.Target(fault)
	if !ok {
		return nil, false
	}
	id := fr.runID
	if fault != "" {
		id += "-" + fault
	}
	return &Runner{Engine: fr.Engine, Topology: fr.Topology, Target: t, Profile: spec.Chromium, RunID: id}, true
}

// Close stops the browser, then the listeners.
func (fr *FaultRun) Close() error {
	return errors.Join(fr.Engine.Close(), fr.Topology.Close())
}

// serialEngine makes an Engine safe for concurrent callers by running one
// call at a time, as the Engine contract asks of its callers.
type serialEngine struct {
	mu sync.Mutex
	browser.Engine
}

func (e *serialEngine) Fetch(ctx context.Context, f browser.Fetch) (browser.Observation, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.Engine.Fetch(ctx, f)
}

func (e *serialEngine) SetCookie(ctx context.Context, url string, c browser.Cookie) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.Engine.SetCookie(ctx, url, c)
}
