//go:build linux

package harness

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/internal/testenv"
	"github.com/corsproof/corsproof/mockapi"
	"github.com/corsproof/corsproof/scenarios"
)

// The off-box test: a real check and a slice of the catalog, in each
// engine, inside a network namespace whose only way out is a veth; every
// packet that leaves on it is captured. A run whose origin pages, mock and
// target are all on loopback must send nothing at all: no DNS query for a
// browser's own services, no telemetry, no update check, no captive-portal
// probe.
//
// The parent test (root only) makes the namespace, the veth (its peer in a
// second namespace of its own, up and unaddressed, so nothing sent reaches
// any real network), a resolv.conf naming a resolver that would be reached
// only through the veth, and a hosts file that gives the live target its
// name; then it runs this test binary again under `ip netns exec`, as
// TestOffboxChild, once per engine.

const (
	offboxEnvEngine = "CORSPROOF_OFFBOX_ENGINE" // set in the child: the engine to run
	offboxEnvIface  = "CORSPROOF_OFFBOX_IFACE"  // set in the child: the veth to watch

	offboxResolver = "198.18.0.53" // resolv.conf's nameserver, reachable only through the veth
	offboxGateway  = "198.18.0.1"  // the default route's next hop (the peer)
	offboxAddr     = "198.18.0.2/15"
	// offboxTargetHost is the live target's name: the namespace's hosts
	// file maps it to 127.0.0.1, so looking it up sends nothing. Its site
	// is the allowed origin's, so the user's cookie is first-party.
	offboxTargetHost = "api.offbox.test"
	offboxAllowed    = "https://app.offbox.test"
	offboxCanary     = "corsproof-offbox-canary"
)

func TestNothingButTheTargetLeavesTheBox(t *testing.T) {
	if os.Getenv(offboxEnvEngine) != "" {
		t.Skip("in the child")
	}
	ip := offboxPrereqs(t)
	for _, eng := range []corsproof.Engine{corsproof.Chromium, corsproof.Firefox, corsproof.WebKit} {
		t.Run(string(eng), func(t *testing.T) {
			testenv.Found(t, string(eng), browser.Finder(eng))
			ns, iface := offboxNetns(t, ip)
			start := time.Now()
			cmd := exec.Command(ip, "netns", "exec", ns, os.Args[0],
				"-test.run=^TestOffboxChild$", "-test.v", "-test.count=1", "-test.timeout=10m")
			cmd.Env = append(withoutEnv(os.Environ(), "DISPLAY", offboxEnvEngine, offboxEnvIface),
				offboxEnvEngine+"="+string(eng), offboxEnvIface+"="+iface)
			out, err := cmd.CombinedOutput()
			t.Logf("child in namespace %s (%v):\n%s", ns, time.Since(start).Round(time.Millisecond), indent(out))
			if err != nil {
				t.Errorf("the run in %s inside namespace %s failed: %v (its output is above)", eng, ns, err)
			} else if bytes.Contains(out, []byte("--- SKIP: TestOffboxChild")) {
				t.Skipf("the child skipped (its output is above)")
			}
		})
	}
}

// offboxPrereqs ends the test when this machine cannot make network
// namespaces: a skip with the reason, or under CI=true a failure.
func offboxPrereqs(t *testing.T) string {
	t.Helper()
	refuse := func(format string, a ...any) {
		t.Helper()
		if testenv.InCI() {
			t.Fatalf("cannot test what leaves the box (CI=true makes this a failure): "+format, a...)
		}
		t.Skipf("cannot test what leaves the box: "+format, a...)
	}
	if os.Geteuid() != 0 {
		refuse("network namespaces need root (euid %d)", os.Geteuid())
	}
	ip, err := exec.LookPath("ip")
	if err != nil {
		refuse("no ip(8) (iproute2): %v", err)
	}
	id := offboxRand()
	name := "cpob-probe-" + id
	if out, err := exec.Command(ip, "netns", "add", name).CombinedOutput(); err != nil {
		refuse("ip netns add: %v: %s", err, bytes.TrimSpace(out))
	}
	// A veth pair inside the probe goes with it.
	out, vethErr := exec.Command(ip, "link", "add", "cpq"+id, "netns", name, "type", "veth", "peer", "name", "cpr"+id, "netns", name).CombinedOutput()
	if out, err := exec.Command(ip, "netns", "del", name).CombinedOutput(); err != nil {
		t.Fatalf("ip netns del %s: %v: %s", name, err, out)
	}
	if vethErr != nil {
		refuse("ip link add type veth: %v: %s", vethErr, bytes.TrimSpace(out))
	}
	return ip
}

// offboxNetns makes the namespace for one child and returns its name and
// the veth's; t.Cleanup removes the namespaces (and with them the veth
// pair) and /etc/netns/NAME.
func offboxNetns(t *testing.T, ip string) (ns, iface string) {
	t.Helper()
	id := offboxRand()
	ns, sink := "cpob-"+id, "cpob-sink-"+id
	iface, peer := "cpo"+id, "cpp"+id // at most 15 bytes
	etc := filepath.Join("/etc/netns", ns)
	run := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(ip, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, bytes.TrimSpace(out))
		}
		return string(out)
	}
	t.Cleanup(func() {
		for _, n := range []string{ns, sink} {
			if out, err := exec.Command(ip, "netns", "del", n).CombinedOutput(); err != nil && !strings.Contains(string(out), "No such file") {
				t.Errorf("ip netns del %s: %v: %s", n, err, out)
			}
		}
		if err := os.RemoveAll(etc); err != nil {
			t.Errorf("removing %s: %v", etc, err)
		}
		if _, err := os.Stat("/sys/class/net/" + peer); err == nil {
			t.Errorf("interface %s left behind", peer)
		}
	})
	run("netns", "add", ns)
	run("netns", "add", sink)
	run("link", "add", iface, "netns", ns, "type", "veth", "peer", "name", peer, "netns", sink)
	// No IPv6 on either end: the kernel's own router solicitations and
	// MLD reports are not what this test is about.
	run("netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv6.conf."+iface+".disable_ipv6=1")
	run("netns", "exec", sink, "sysctl", "-q", "-w", "net.ipv6.conf."+peer+".disable_ipv6=1")
	run("-n", sink, "link", "set", peer, "up")
	run("-n", ns, "link", "set", "lo", "up")
	run("-n", ns, "addr", "add", offboxAddr, "dev", iface)
	run("-n", ns, "link", "set", iface, "up")
	run("-n", ns, "route", "add", "default", "via", offboxGateway)
	// The next hop's and the resolver's addresses are known, so a packet
	// leaves at once (and is captured whole, a DNS query with its name)
	// instead of waiting behind an ARP request forever.
	var links []struct {
		Address string `json:"address"`
	}
	if err := json.Unmarshal([]byte(run("-j", "-n", sink, "link", "show", peer)), &links); err != nil || len(links) != 1 {
		t.Fatalf("reading %s's MAC address: %v", peer, err)
	}
	for _, addr := range []string{offboxGateway, offboxResolver} { // both on the /15's link
		run("-n", ns, "neigh", "replace", addr, "lladdr", links[0].Address, "dev", iface, "nud", "permanent")
	}
	if _, err := os.Stat(filepath.Dir(etc)); errors.Is(err, os.ErrNotExist) {
		t.Cleanup(func() { os.Remove(filepath.Dir(etc)) }) // ours; only if empty
	}
	if err := os.MkdirAll(etc, 0o755); err != nil {
		t.Fatal(err)
	}
	// The machine's own hosts file, plus the target's name. (Firefox looks
	// up the machine's host name at start, for its profile lock, before
	// any pref applies; a machine whose name resolves locally, as here,
	// sends nothing for it.)
	hosts, err := os.ReadFile("/etc/hosts")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"resolv.conf": "nameserver " + offboxResolver + "\n",
		"hosts":       string(hosts) + "\n127.0.0.1 " + offboxTargetHost + "\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(etc, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return ns, iface
}

// TestOffboxChild is the part of TestNothingButTheTargetLeavesTheBox that
// runs inside the namespace; on its own it skips.
func TestOffboxChild(t *testing.T) {
	eng, iface := corsproof.Engine(os.Getenv(offboxEnvEngine)), os.Getenv(offboxEnvIface)
	if eng == "" || iface == "" {
		t.Skip("runs only inside TestNothingButTheTargetLeavesTheBox's namespace")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	capt, err := startCapture(iface)
	if err != nil {
		t.Fatalf("capturing on %s: %v", iface, err)
	}
	defer capt.stop()
	// The capture sees what leaves: a datagram of our own must show, in
	// the capture and in the interface's counter.
	before, err := capt.canary(ctx, iface)
	if err != nil {
		t.Fatal(err)
	}
	// Whatever ends the run, what was sent is reported.
	defer func() {
		after, err := txPackets(iface)
		if err != nil {
			t.Error(err)
		}
		sent := capt.stop()
		if n := after - before; n != 0 || len(sent) != 0 {
			t.Errorf("%s sent %d packets off loopback (tx_packets of %s), %d captured:\n%s", eng, n, iface, len(sent), summarize(sent))
		} else {
			t.Logf("%s: nothing left the box (%s tx_packets %d before and after)", eng, iface, before)
		}
	}()

	offboxProxyRefuses(t)
	start := time.Now()
	offboxLiveCheck(ctx, t, eng)
	tLive := time.Since(start)
	offboxCatalog(ctx, t, eng)
	t.Logf("%s: live check %v, catalog slice %v", eng, tLive.Round(time.Millisecond), (time.Since(start) - tLive).Round(time.Millisecond))
}

// offboxProxyRefuses asks the proxy of Firefox and WebKit for names that
// are neither the run's nor the target's: it refuses them without looking
// them up (the capture would show the query).
func offboxProxyRefuses(t *testing.T) {
	t.Helper()
	p, err := StartProxy(map[string]string{"app.offbox.test:443": "127.0.0.1:1"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := p.Direct(offboxTargetHost+":443", nil); err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", strings.TrimPrefix(p.URL(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprint(conn, "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n")
	line, _ := bufio.NewReader(conn).ReadString('\n')
	if !strings.Contains(line, " 403 ") {
		t.Errorf("CONNECT example.com:443 through the proxy: %q, want 403", line)
	}
	pu, _ := url.Parse(p.URL())
	c := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(pu)}}
	resp, err := c.Get("http://example.org/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("GET http://example.org/ through the proxy: %s, want 403", resp.Status)
	}
	c.CloseIdleConnections()
	if got := p.Refused(); !slices.Equal(got, []string{"example.com:443", "example.org:80"}) {
		t.Errorf("the proxy refused %q", got)
	}
}

// offboxLiveCheck runs what `corsproof check` runs against a live https
// target on 127.0.0.1 under its own name, with the user's cookie. One
// allowed origin is on the target's host, another port: its page is
// mapped to loopback while the target on the same host is not.
func offboxLiveCheck(ctx context.Context, t *testing.T, eng corsproof.Engine) {
	t.Helper()
	pol := mustParsePolicy(t, `origins: [`+offboxAllowed+`, https://`+offboxTargetHost+`]
methods: [GET, PUT]
request_headers: [Content-Type, X-Request-Id]
expose_headers: [X-Request-Id]
credentials: true
max_age: 60
endpoints:
  - {path: /api/items, methods: [GET]}
  - {path: /api/items/1, methods: [PUT]}
`)
	ca, err := NewCA() // the target's own CA, trusted as --ca trusts one
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: mockapi.New(pol), ErrorLog: quietLog()}
	go srv.Serve(tls.NewListener(ln, ca.TLSConfig()))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())

	target, err := NewLiveTarget("https://"+offboxTargetHost+":"+port, pol)
	if err != nil {
		t.Fatal(err)
	}
	if err := ProbeTarget(ctx, target, 5*time.Second, []*x509.Certificate{ca.Certificate()}); err != nil {
		t.Fatalf("the target: %v", err)
	}
	ck, err := target.ParseCookie("sid=offbox")
	if err != nil {
		t.Fatal(err)
	}
	target.Cookies = []browser.Cookie{ck}
	sites, _ := scenarios.LiveSites(pol, target.Base())
	list := scenarios.GenerateScenarios(pol, scenarios.GenerateOptions{Sites: sites, Session: true, Policy: "live"})
	s, err := Start(ctx, Config{Engine: eng, Live: target, Sites: sites, CAs: []*x509.Certificate{ca.Certificate()},
		FetchTimeout: 10 * time.Second, Logf: offboxLogf(t)})
	testenv.Started(t, string(eng), err)
	defer func() {
		if err := s.Close(); err != nil {
			t.Errorf("closing %s: %v", eng, err)
		}
	}()
	checkOffboxResults(t, "live check of "+target.Base().String(), s.Runner().RunAll(ctx, list, RunOptions{}))
}

// offboxCatalogIDs are page loads of https, http and sandboxed pages,
// simple and preflighted requests, allowed and blocked, with and without
// credentials.
var offboxCatalogIDs = []string{
	"get-allowed", "get-cross-site-blocked", "put-preflight-allowed", "custom-header-not-allowed",
	"credentialed-session-allowed", "credentialed-put-allowed", "null-origin-blocked", "downgrade-blocked",
}

func offboxCatalog(ctx context.Context, t *testing.T, eng corsproof.Engine) {
	t.Helper()
	var list []corsproof.Scenario
	for _, id := range offboxCatalogIDs {
		sc, err := scenarios.ByID(id)
		if err != nil {
			t.Fatal(err)
		}
		list = append(list, sc)
	}
	s, err := Start(ctx, Config{Engine: eng, Policies: scenarios.Policies(), FetchTimeout: 10 * time.Second, Logf: offboxLogf(t)})
	testenv.Started(t, string(eng), err)
	defer func() {
		if err := s.Close(); err != nil {
			t.Errorf("closing %s: %v", eng, err)
		}
	}()
	checkOffboxResults(t, "catalog slice", s.Runner().RunAll(ctx, list, RunOptions{}))
}

// checkOffboxResults holds a run to having worked: a browser that could not
// resolve what it needed would show errors, not silence.
func checkOffboxResults(t *testing.T, what string, results []corsproof.Result) {
	t.Helper()
	verdicts := map[string]int{}
	allowed, blocked := 0, 0
	for _, r := range results {
		verdicts[r.VerdictLabel()]++
		if r.Verdict == corsproof.VerdictError || r.Verdict == corsproof.VerdictServerMismatch {
			t.Errorf("%s: %s: %s: %s", what, r.Scenario.ID, r.VerdictLabel(), r.Explanation)
		}
		if r.Browser.Allowed {
			allowed++
		} else {
			blocked++
		}
	}
	t.Logf("%s: %d scenarios (%d allowed, %d blocked): %v", what, len(results), allowed, blocked, verdicts)
	if allowed == 0 || blocked == 0 {
		t.Errorf("%s: %d allowed and %d blocked: a run that proves nothing", what, allowed, blocked)
	}
}

// offboxLogf passes the engines' diagnostics on with CORSPROOF_OFFBOX_LOG
// set; they are noise otherwise.
func offboxLogf(t *testing.T) func(string, ...any) {
	if os.Getenv("CORSPROOF_OFFBOX_LOG") == "" {
		return nil
	}
	return t.Logf
}

// capture reads every packet that leaves an interface, from an AF_PACKET
// socket bound to it (opened in the namespace the interface is in).
type capture struct {
	fd   int
	mu   sync.Mutex
	sent []string
	seen chan struct{} // closed when the canary was captured
	quit chan struct{}
	done chan struct{}
	once sync.Once
}

func startCapture(ifname string) (*capture, error) {
	ifi, err := net.InterfaceByName(ifname)
	if err != nil {
		return nil, err
	}
	proto := int(htons(syscall.ETH_P_ALL))
	fd, err := syscall.Socket(syscall.AF_PACKET, syscall.SOCK_RAW|syscall.SOCK_CLOEXEC, proto)
	if err != nil {
		return nil, fmt.Errorf("AF_PACKET socket: %w", err)
	}
	if err := syscall.Bind(fd, &syscall.SockaddrLinklayer{Protocol: htons(syscall.ETH_P_ALL), Ifindex: ifi.Index}); err != nil {
		syscall.Close(fd)
		return nil, fmt.Errorf("binding to %s: %w", ifname, err)
	}
	// The receive timeout only lets the reader notice stop.
	tv := syscall.NsecToTimeval((100 * time.Millisecond).Nanoseconds())
	if err := syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET, syscall.SO_RCVTIMEO, &tv); err != nil {
		syscall.Close(fd)
		return nil, err
	}
	c := &capture{fd: fd, seen: make(chan struct{}), quit: make(chan struct{}), done: make(chan struct{})}
	go c.read()
	return c, nil
}

func (c *capture) read() {
	defer close(c.done)
	buf := make([]byte, 1<<16)
	canary := false
	for {
		n, from, err := syscall.Recvfrom(c.fd, buf, 0)
		if err != nil {
			if errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EINTR) {
				select {
				case <-c.quit:
					return // stop was called and the queue is empty
				default:
					continue
				}
			}
			c.mu.Lock()
			c.sent = append(c.sent, "capture error: "+err.Error())
			c.mu.Unlock()
			return
		}
		if ll, ok := from.(*syscall.SockaddrLinklayer); !ok || ll.Pkttype != syscall.PACKET_OUTGOING {
			continue
		}
		pkt := buf[:n]
		if !canary && bytes.Contains(pkt, []byte(offboxCanary)) {
			canary = true
			close(c.seen)
			continue
		}
		c.mu.Lock()
		c.sent = append(c.sent, decodeFrame(pkt))
		c.mu.Unlock()
	}
}

// canary sends one datagram through the veth and waits until the capture
// has it and the interface counted it, so that an empty capture means
// nothing was sent, not a capture that sees nothing. It returns the
// interface's tx_packets with the canary counted; what was captured before
// it is forgotten.
func (c *capture) canary(ctx context.Context, iface string) (uint64, error) {
	start, err := txPackets(iface)
	if err != nil {
		return 0, err
	}
	conn, err := net.Dial("udp4", net.JoinHostPort(offboxGateway, "9"))
	if err != nil {
		return 0, fmt.Errorf("canary: %w", err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte(offboxCanary)); err != nil {
		return 0, fmt.Errorf("canary: %w", err)
	}
	select {
	case <-c.seen:
	case <-c.done:
		return 0, fmt.Errorf("the capture ended before it saw the canary: %v", c.stop())
	case <-ctx.Done():
		return 0, fmt.Errorf("the capture never saw the canary datagram to %s:9", offboxGateway)
	}
	// The capture sees a frame just before the driver counts it.
	for {
		n, err := txPackets(iface)
		if err != nil || n > start {
			c.mu.Lock()
			c.sent = nil
			c.mu.Unlock()
			return n, err
		}
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("%s never counted the canary (tx_packets %d)", iface, n)
		case <-time.After(time.Millisecond):
		}
	}
}

// stop ends the capture once the socket's queue is drained and returns
// what it captured after the canary.
func (c *capture) stop() []string {
	c.once.Do(func() {
		close(c.quit)
		<-c.done
		syscall.Close(c.fd)
	})
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.sent...)
}

func txPackets(iface string) (uint64, error) {
	b, err := os.ReadFile("/sys/class/net/" + iface + "/statistics/tx_packets")
	if err != nil {
		return 0, err
	}
	return strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
}

// decodeFrame says what an Ethernet frame was, in one line: the DNS
// question of a query, else the protocol and addresses.
func decodeFrame(f []byte) string {
	if len(f) < 14 {
		return fmt.Sprintf("short frame % x", f)
	}
	et := binary.BigEndian.Uint16(f[12:14])
	p := f[14:]
	switch et {
	case 0x0806:
		if len(p) >= 28 {
			return fmt.Sprintf("ARP who-has %s", net.IP(p[24:28]))
		}
		return "ARP"
	case 0x86dd:
		if len(p) >= 40 {
			return fmt.Sprintf("IPv6 next-header %d to %s", p[6], net.IP(p[24:40]))
		}
		return "IPv6"
	case 0x0800:
	default:
		return fmt.Sprintf("ethertype %#04x", et)
	}
	if len(p) < 20 {
		return "short IPv4"
	}
	ihl := int(p[0]&0x0f) * 4
	proto, dst := p[9], net.IP(p[16:20])
	if len(p) < ihl+8 {
		return fmt.Sprintf("IPv4 proto %d to %s", proto, dst)
	}
	l4 := p[ihl:]
	dport := binary.BigEndian.Uint16(l4[2:4])
	switch proto {
	case 6:
		return fmt.Sprintf("TCP to %s:%d", dst, dport)
	case 17:
		if dport == 53 {
			if q, ok := dnsQuestion(l4[8:]); ok {
				return fmt.Sprintf("DNS query %s to %s:53", q, dst)
			}
		}
		return fmt.Sprintf("UDP to %s:%d", dst, dport)
	}
	return fmt.Sprintf("IPv4 proto %d to %s", proto, dst)
}

// dnsQuestion is a DNS message's first question: "clients2.google.com A".
func dnsQuestion(m []byte) (string, bool) {
	if len(m) < 12 || binary.BigEndian.Uint16(m[4:6]) == 0 {
		return "", false
	}
	var labels []string
	i := 12
	for i < len(m) && m[i] != 0 {
		n := int(m[i])
		if n&0xc0 != 0 || i+1+n > len(m) {
			return "", false
		}
		labels = append(labels, string(m[i+1:i+1+n]))
		i += 1 + n
	}
	if i+3 > len(m) {
		return "", false
	}
	qtype := binary.BigEndian.Uint16(m[i+1 : i+3])
	names := map[uint16]string{1: "A", 28: "AAAA", 65: "HTTPS", 5: "CNAME", 16: "TXT", 33: "SRV"}
	t, ok := names[qtype]
	if !ok {
		t = "type" + strconv.Itoa(int(qtype))
	}
	return strings.Join(labels, ".") + " " + t, true
}

// summarize lists distinct packets with their counts.
func summarize(sent []string) string {
	n := map[string]int{}
	for _, s := range sent {
		n[s]++
	}
	keys := make([]string, 0, len(n))
	for k := range n {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "  %4d× %s\n", n[k], k)
	}
	return b.String()
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

func offboxRand() string {
	b := make([]byte, 3)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func withoutEnv(env []string, names ...string) []string {
	return slices.DeleteFunc(slices.Clone(env), func(kv string) bool {
		k, _, _ := strings.Cut(kv, "=")
		return slices.Contains(names, k)
	})
}

func indent(b []byte) string {
	return "    " + strings.ReplaceAll(strings.TrimRight(string(b), "\n"), "\n", "\n    ")
}
