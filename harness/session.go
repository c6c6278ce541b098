package harness

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"

	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/mockapi"
	"github.com/corsproof/corsproof/policy"
)

// MockConfig configures a run on the embedded mock.
type MockConfig struct {
	// Policies the catalog's scenarios name.
	Policies map[string]*policy.Policy
	// Fault the mock serves instead of the policy (zero: none).
	Fault mockapi.Fault
	// Sites to serve origin pages for; nil means MockSites().
	Sites []Site
	// ChromePath overrides browser discovery.
	ChromePath string
	// Engine is the browser engine: "chromium" (the default) or "firefox".
	Engine string
	// Logf receives browser diagnostics; RequestLog each API request.
	Logf, RequestLog func(string, ...any)
}

// MockRun is one run on the embedded mock: origin pages and the API on
// loopback, one Chromium, and a Runner wired to them. Close releases all.
type MockRun struct {
	Topology *Topology
	Target   *MockTarget
	Engine   browser.Engine
	Runner   *Runner
}

// StartMock starts the topology and the browser. Errors are *InfraError or
// *browser.NotFoundError.
func StartMock(ctx context.Context, cfg MockConfig) (run *MockRun, err error) {
	sites := cfg.Sites
	if sites == nil {
		sites = MockSites()
	}
	target := NewMockTarget(cfg.Policies, cfg.Fault, cfg.RequestLog)
	topo, err := StartTopology(TopologyConfig{
		Sites:      sites,
		APIOrigins: []string{MockAPIOrigin, MockAPI2Origin, MockAPIOtherOrigin},
		API:        target.Handler(),
	})
	if err != nil {
		return nil, err
	}
	name, execPath := cfg.Engine, cfg.ChromePath
	if name == "" {
		name = "chromium"
	}
	if name != "chromium" {
		execPath = "" // the engine's own discovery
	}
	engine, err := LaunchEngine(ctx, name, topo, execPath, cfg.Logf)
	if err != nil {
		topo.Close()
		return nil, err
	}
	return &MockRun{
		Topology: topo, Target: target, Engine: engine,
		Runner: &Runner{Engine: engine, Topology: topo, Target: target, Profile: ProfileFor(name), RunID: NewRunID()},
	}, nil
}

// LaunchChromium starts Chromium with the topology's host mapping and the
// per-run CA's pins: the browser trusts exactly this run's certificates.
func LaunchChromium(ctx context.Context, topo *Topology, execPath string, logf func(string, ...any)) (*browser.Chromium, error) {
	return launchChromium(ctx, EngineConfig{Name: "chromium", ExecPath: execPath, Topology: topo, Logf: logf})
}

// Close stops the browser, then the listeners.
func (m *MockRun) Close() error {
	return errors.Join(m.Engine.Close(), m.Topology.Close())
}

// NewRunID is a short random id that keeps URLs unique across runs.
func NewRunID() string {
	b := make([]byte, 4)
	rand.Read(b)
	return hex.EncodeToString(b)
}
