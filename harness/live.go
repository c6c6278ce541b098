package harness

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/judge"
	"github.com/corsproof/corsproof/policy"
	"github.com/corsproof/corsproof/spec"
)

// LiveTarget is a real API, in any language on any host, that the browser
// reaches directly: no host mapping, no proxy. Scenario paths are appended
// to its base URL, so a target "https://staging.example.com/v2" and an
// endpoint "/api/items" give https://staging.example.com/v2/api/items, and
// the policy sees "/api/items".
type LiveTarget struct {
	base     *url.URL
	basePath string
	policy   *policy.Policy
	// Cookies are put into the browser's jar for the target before the
	// run; credentialed scenarios send them.
	Cookies []browser.Cookie

	// cert is what the target presents in TLS, read once (see
	// PresentedCertificate).
	certMu   sync.Mutex
	certRead bool
	cert     *judge.ServerCertificate
}

// NewLiveTarget checks that target is an absolute http(s) URL without query
// or fragment.
func NewLiveTarget(target string, p *policy.Policy) (*LiveTarget, error) {
	u, err := ParseTargetURL(target)
	if err != nil {
		return nil, err
	}
	return &LiveTarget{base: u, basePath: strings.TrimSuffix(u.Path, "/"), policy: p}, nil
}

// ParseTargetURL parses a target given on the command line.
func ParseTargetURL(target string) (*url.URL, error) {
	u, err := url.Parse(target)
	switch {
	case err != nil:
		return nil, fmt.Errorf("target %q is not a URL: %v", target, err)
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("target %q must be an http:// or https:// URL, such as http://localhost:8080", target)
	case u.Host == "" || u.Hostname() == "":
		return nil, fmt.Errorf("target %q has no host", target)
	case u.RawQuery != "" || u.Fragment != "":
		return nil, fmt.Errorf("target %q must not have a query or fragment: give the API's base URL", target)
	case u.User != nil:
		return nil, fmt.Errorf("target %q must not carry a user name or password: use --header or --cookie", target)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// Base is the target's base URL, without a trailing slash.
func (t *LiveTarget) Base() *url.URL { c := *t.base; return &c }

// Origin is the target's origin.
func (t *LiveTarget) Origin() string { return t.base.Scheme + "://" + t.base.Host }

// URL implements Target: base + path + a query token unique to the run.
func (t *LiveTarget) URL(s corsproof.Scenario, token string) (string, error) {
	path := s.Request.Path
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return t.Origin() + t.basePath + path + sep + "cp=" + url.QueryEscape(token), nil
}

// Policy implements Target: the path the policy sees is the URL's path
// under the target's base path.
func (t *LiveTarget) Policy(corsproof.Scenario) (*policy.Policy, func(*url.URL) string, error) {
	base := t.basePath
	return t.policy, func(u *url.URL) string {
		p := strings.TrimPrefix(u.Path, base)
		if !strings.HasPrefix(p, "/") {
			p = "/" + p
		}
		return p
	}, nil
}

// Session implements Target: the first of the user's cookies (all of them
// are in the jar from the start of the run; see StartLive).
func (t *LiveTarget) Session(corsproof.Scenario) (string, browser.Cookie, bool, error) {
	if len(t.Cookies) == 0 {
		return "", browser.Cookie{}, false, nil
	}
	return t.Origin() + "/", t.Cookies[0], true, nil
}

// Stateful implements StatefulTarget: a live server may remember
// requests (rate limits, a stateful origin check), and nothing tells, so
// its scenarios from one origin keep their order.
func (t *LiveTarget) Stateful() bool { return true }

// Reached implements Target: a live server keeps no journal we can read.
func (t *LiveTarget) Reached(string) *bool { return nil }

// ParseCookie reads "name=value" into a cookie for the target: path /,
// HttpOnly, and, where the target is a secure context (https, or loopback),
// Secure and SameSite=None so that credentialed cross-site fetches can send it.
func (t *LiveTarget) ParseCookie(nv string) (browser.Cookie, error) {
	name, value, ok := strings.Cut(nv, "=")
	name = strings.TrimSpace(name)
	if !ok || name == "" || strings.ContainsAny(name, " ;,\t") || strings.ContainsAny(value, ";\r\n") {
		return browser.Cookie{}, fmt.Errorf("cookie %q: want name=value", nv)
	}
	c := browser.Cookie{Name: name, Value: value, Path: "/", HTTPOnly: true}
	if t.base.Scheme == "https" || t.Loopback() {
		c.Secure, c.SameSite = true, "None"
	}
	return c, nil
}

// Loopback: the target is on this machine (127.0.0.0/8, ::1, localhost),
// which browsers treat as potentially trustworthy even over plain http.
func (t *LiveTarget) Loopback() bool { return spec.IsLoopbackHost(t.base.Hostname()) }

// TargetError says why a live target cannot be checked at all, before any
// browser starts. Kind is one of the TargetUnreachable... constants.
type TargetError struct {
	Target string
	Kind   string
	Err    error
	// Certificate is what the target presented, for a TLS failure (nil
	// when it could not be read).
	Certificate *judge.ServerCertificate
}

// Kinds of TargetError.
const (
	TargetUnreachable = "unreachable"
	TargetTimeout     = "timeout"
	TargetNotHTTP     = "not-http"
	TargetTLS         = "tls"
	TargetNoTLS       = "no-tls"
)

func (e *TargetError) Error() string {
	switch e.Kind {
	case TargetTimeout:
		return fmt.Sprintf("target %s did not answer: %v", e.Target, e.Err)
	case TargetNotHTTP:
		return fmt.Sprintf("target %s is not an HTTP server: %v", e.Target, e.Err)
	case TargetTLS:
		if e.Certificate != nil {
			return fmt.Sprintf("target %s failed the TLS handshake: %v; it presented %s", e.Target, e.Err, e.Certificate)
		}
		return fmt.Sprintf("target %s failed the TLS handshake: %v", e.Target, e.Err)
	case TargetNoTLS:
		return fmt.Sprintf("target %s does not speak TLS: %v", e.Target, e.Err)
	}
	return fmt.Sprintf("target %s is unreachable: %v", e.Target, e.Err)
}

func (e *TargetError) Unwrap() error { return e.Err }

// ProbeTarget makes one plain GET to the target's base URL, with a timeout,
// before any browser starts, so that a target that is down, hangs, speaks
// something else than HTTP or presents a certificate the browser would
// refuse fails fast with its cause. Any HTTP status is fine. roots are the
// CAs to trust besides the system's (nil: the system's only); no proxy is
// used and redirects are not followed.
func ProbeTarget(ctx context.Context, t *LiveTarget, timeout time.Duration, roots []*x509.Certificate) error {
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: timeout}).DialContext,
		TLSClientConfig:     trustConfig(roots),
		TLSHandshakeTimeout: timeout,
		DisableKeepAlives:   true,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{
		Transport:     tr,
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	target := t.base.String() + "/"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return &TargetError{Target: target, Kind: TargetUnreachable, Err: err}
	}
	req.Header.Set("User-Agent", "corsproof (reachability check)")
	resp, err := client.Do(req)
	if err != nil {
		err := classifyProbeError(target, timeout, err)
		if te, ok := err.(*TargetError); ok && te.Kind == TargetTLS {
			te.Certificate = t.PresentedCertificate(ctx, timeout)
		}
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode == http.StatusBadRequest && strings.Contains(string(body), "HTTP request to an HTTPS server") {
		return &TargetError{Target: target, Kind: TargetNotHTTP,
			Err: errors.New("it answers plain HTTP requests with \"Client sent an HTTP request to an HTTPS server\": use https://")}
	}
	return nil
}

func classifyProbeError(target string, timeout time.Duration, err error) error {
	var (
		dnsErr   *net.DNSError
		unknown  x509.UnknownAuthorityError
		hostErr  x509.HostnameError
		invalid  x509.CertificateInvalidError
		verifErr *tls.CertificateVerificationError
		recErr   tls.RecordHeaderError
		alert    tls.AlertError
		netErr   net.Error
	)
	msg := err.Error()
	if ue, ok := err.(*url.Error); ok {
		msg = ue.Err.Error()
	}
	switch {
	case errors.As(err, &recErr), strings.Contains(msg, "HTTP response to HTTPS client"):
		return &TargetError{Target: target, Kind: TargetNoTLS, Err: errors.New("it answered the TLS handshake with something else, plain HTTP perhaps: use http://")}
	case errors.As(err, &unknown), errors.As(err, &hostErr), errors.As(err, &invalid), errors.As(err, &verifErr), errors.As(err, &alert),
		strings.Contains(msg, "tls:"), strings.Contains(msg, "x509:"):
		return &TargetError{Target: target, Kind: TargetTLS, Err: errors.New(msg)}
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return &TargetError{Target: target, Kind: TargetTimeout, Err: fmt.Errorf("no answer within %s", timeout)}
	case errors.As(err, &dnsErr):
		return &TargetError{Target: target, Kind: TargetUnreachable, Err: fmt.Errorf("its host name does not resolve (%s)", dnsErr.Err)}
	case errors.Is(err, syscall.ECONNREFUSED):
		return &TargetError{Target: target, Kind: TargetUnreachable, Err: errors.New("connection refused: nothing listens there (is the server running, on this port?)")}
	case strings.Contains(msg, "malformed HTTP"), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		strings.Contains(msg, "server closed"), strings.Contains(msg, "EOF"):
		return &TargetError{Target: target, Kind: TargetNotHTTP, Err: errors.New(msg)}
	}
	return &TargetError{Target: target, Kind: TargetUnreachable, Err: errors.New(msg)}
}

// HostPort is the target's "host:port" (the scheme's default port when the
// URL has none).
func (t *LiveTarget) HostPort() string { return corsproof.HostPort(t.base) }

// PresentedCertificate is what an https target presents in its TLS
// handshake, for the message of a certificate a browser or the
// reachability check refused; nil for an http target or when it cannot be
// read. The target is dialed once, the first time (the answer is kept for
// the rest of the run, whatever engine asks), and only to read the chain:
// it verifies nothing, and decides nothing about trust.
func (t *LiveTarget) PresentedCertificate(ctx context.Context, timeout time.Duration) *judge.ServerCertificate {
	if t.base.Scheme != "https" {
		return nil
	}
	t.certMu.Lock()
	defer t.certMu.Unlock()
	if t.certRead {
		return t.cert
	}
	c, err := readServerCertificate(ctx, t.HostPort(), t.base.Hostname(), timeout)
	if err != nil && ctx.Err() != nil {
		return nil // cut short: a later call may read it
	}
	t.cert, t.certRead = c, true
	return c
}

// readServerCertificate dials hostport and describes the chain the server
// presents for serverName.
func readServerCertificate(ctx context.Context, hostport, serverName string, timeout time.Duration) (*judge.ServerCertificate, error) {
	d := &tls.Dialer{
		NetDialer: &net.Dialer{Timeout: timeout},
		Config: &tls.Config{
			ServerName: serverName,
			// Only to read the chain for the message: the browser (and
			// ProbeTarget, with real verification) decide trust.
			InsecureSkipVerify: true,
		},
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn, err := d.DialContext(ctx, "tcp", hostport)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	return describeChain(conn.(*tls.Conn).ConnectionState().PeerCertificates), nil
}

// describeChain is what judge.ServerCertificate says of a presented chain.
func describeChain(chain []*x509.Certificate) *judge.ServerCertificate {
	if len(chain) == 0 {
		return nil
	}
	leaf := chain[0]
	c := &judge.ServerCertificate{
		Subject:    nameOf(leaf.Subject),
		Issuer:     nameOf(leaf.Issuer),
		SelfSigned: bytes.Equal(leaf.RawSubject, leaf.RawIssuer) && leaf.CheckSignature(leaf.SignatureAlgorithm, leaf.RawTBSCertificate, leaf.Signature) == nil,
		Sent:       len(chain),
		Top:        nameOf(chain[len(chain)-1].Issuer),
		NotBefore:  leaf.NotBefore,
		NotAfter:   leaf.NotAfter,
	}
	for _, n := range leaf.DNSNames {
		c.Names = append(c.Names, "DNS:"+n)
	}
	for _, ip := range leaf.IPAddresses {
		c.Names = append(c.Names, "IP:"+ip.String())
	}
	return c
}

// nameOf is a certificate name as people know it: its common name, else
// the whole distinguished name.
func nameOf(n pkix.Name) string {
	if n.CommonName != "" {
		return n.CommonName
	}
	return n.String()
}
