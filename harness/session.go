package harness

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"net/http"
	"time"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/mockapi"
	"github.com/corsproof/corsproof/policy"
)

// Config says what one Session serves and in which engine. The target is
// Live when set, or else the embedded mock serving Policies: with Fault
// (zero: none), or, when Faults is not nil, the conforming mock with every
// fault of Faults mounted beside it (FaultRunner).
type Config struct {
	// Engine is chromium (the default), firefox or webkit; ExecPath its
	// binary (WebKit: its WebDriver), empty for the engine's own discovery.
	Engine   corsproof.Engine
	ExecPath string
	// Sites are the origin pages; nil means corsproof.MockSites() (the
	// mock's catalog). A live check derives its own (scenarios.LiveSites).
	Sites []corsproof.Site

	// Live is a real API the browser reaches at its real address; CAs
	// are trusted for it besides the system's roots (see EngineConfig.Trust).
	// Its Cookies are put into the browser's jar before the run.
	Live *LiveTarget
	CAs  []*x509.Certificate
	// Handler, with Live, is served on loopback under Live's origin
	// instead of Live being reached at its real address (corstest checks
	// an http.Handler this way).
	Handler http.Handler

	// Policies the embedded mock serves, by the names scenarios give.
	Policies map[string]*policy.Policy
	Fault    mockapi.Fault
	Faults   []mockapi.Fault

	// Remote, when set, attaches to a browser corsproof does not start
	// (see RemoteConfig).
	Remote *RemoteConfig

	// FetchTimeout bounds each fetch (default 15 s).
	FetchTimeout time.Duration
	// Logf receives browser diagnostics; RequestLog each request the mock
	// receives.
	Logf, RequestLog func(string, ...any)
}

// Session is one run's network and browser: the origin pages and (for the
// mock) the API on loopback under their real names, one engine that
// reaches them, and the target. Close releases all.
type Session struct {
	Topology *Topology
	Engine   browser.Engine
	// Mock is the embedded mock (nil for a live target); Faults the mock
	// with faults mounted beside it (nil unless Config.Faults was set).
	Mock   *MockTarget
	Faults *FaultMock
	Live   *LiveTarget

	target       Target
	direct       bool // Live is reached at its real address
	runID        string
	fetchTimeout time.Duration
}

// Start starts the topology and launches the engine for cfg. Errors are
// *InfraError or *browser.NotFoundError.
func Start(ctx context.Context, cfg Config) (*Session, error) {
	s := &Session{Live: cfg.Live, runID: NewRunID(), fetchTimeout: cfg.FetchTimeout}
	topo := TopologyConfig{Sites: cfg.Sites}
	launch := EngineConfig{Engine: cfg.Engine, ExecPath: cfg.ExecPath, Remote: cfg.Remote, Logf: cfg.Logf}
	if cfg.Remote != nil {
		topo.CA = cfg.Remote.CA
	}
	switch {
	case cfg.Live != nil:
		s.target = cfg.Live
		if cfg.Handler != nil {
			topo.API, topo.APIOrigins = cfg.Handler, []string{cfg.Live.Origin()}
		} else {
			launch.Direct, launch.Trust = []string{cfg.Live.HostPort()}, cfg.CAs
			s.direct = true
		}
	case cfg.Faults != nil:
		s.Faults = NewFaultMock(cfg.Policies, cfg.Faults, cfg.RequestLog)
		s.Mock, _ = s.Faults.Target("")
		s.target = s.Mock
		topo.API, topo.APIOrigins = s.Faults.Handler(), corsproof.MockAPIOrigins
	default:
		s.Mock = NewMockTarget(cfg.Policies, cfg.Fault, cfg.RequestLog)
		s.target = s.Mock
		topo.API, topo.APIOrigins = s.Mock.Handler(), corsproof.MockAPIOrigins
	}
	if topo.Sites == nil {
		topo.Sites = corsproof.MockSites()
	}
	var err error
	if s.Topology, err = StartTopology(topo); err != nil {
		return nil, err
	}
	launch.Topology = s.Topology
	if s.Engine, err = Launch(ctx, launch); err != nil {
		s.Topology.Close()
		return nil, err
	}
	if cfg.Live != nil {
		for _, c := range cfg.Live.Cookies {
			if err := s.Engine.SetCookie(ctx, cfg.Live.Origin()+"/", c); err != nil {
				s.Close()
				return nil, &InfraError{Op: "set cookie " + c.Name + " in " + string(s.Engine.Name()), Err: err}
			}
		}
	}
	return s, nil
}

// Runner runs scenarios against the session's target: the live API, or
// the mock (the conforming one when faults are mounted beside it).
func (s *Session) Runner() *Runner { return s.runner(s.target, s.runID) }

// FaultRunner runs scenarios against one mounted fault's mock ("" for the
// conforming one). Runners of different faults may run concurrently, and
// one runner's wait (a scenario's RepeatAfter) lets the others go on.
func (s *Session) FaultRunner(fault string) (*Runner, bool) {
	if s.Faults == nil {
		return nil, false
	}
	t, ok := s.Faults.Target(fault)
	if !ok {
		return nil, false
	}
	id := s.runID
	if fault != "" {
		id += "-" + fault
	}
	return s.runner(t, id), true
}

func (s *Session) runner(t Target, id string) *Runner {
	return &Runner{Engine: s.Engine, Topology: s.Topology, Target: t, Profile: s.Profile(), RunID: id, FetchTimeout: s.fetchTimeout,
		direct: s.direct && t == Target(s.Live)}
}

// Close stops the browser, then the listeners.
func (s *Session) Close() error {
	return errors.Join(s.Engine.Close(), s.Topology.Close())
}

// NewRunID is a short random id that keeps URLs unique across runs.
func NewRunID() string {
	b := make([]byte, 4)
	rand.Read(b)
	return hex.EncodeToString(b)
}
