package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startServe runs 'corsproof serve args...' in-process until the returned
// stop is called; it waits for the addr file.
func startServe(t *testing.T, args ...string) (stdout *syncBuffer, addrs ServeAddrs, stop func() int) {
	t.Helper()
	addrFile := filepath.Join(t.TempDir(), "addrs.json")
	ctx, cancel := context.WithCancel(context.Background())
	stdout = &syncBuffer{}
	var stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, append([]string{"serve", "--addr-file", addrFile}, args...), func(string) string { return "" }, stdout, &stderr)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		data, err := os.ReadFile(addrFile)
		if err == nil && json.Unmarshal(data, &addrs) == nil {
			break
		}
		select {
		case code := <-done:
			cancel()
			t.Fatalf("serve exited %d before serving:\n%s%s", code, stdout, stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("serve wrote no addr file in 10 s:\n%s%s", stdout, stderr.String())
		}
	}
	var once sync.Once
	code := -1
	stop = func() int {
		once.Do(func() {
			cancel()
			select {
			case code = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("serve did not stop within 10 s of its context ending")
			}
		})
		return code
	}
	t.Cleanup(func() { stop() })
	return stdout, addrs, stop
}

func TestServeAnswersCORSAtThePrintedAddressAndStops(t *testing.T) {
	stdout, addrs, stop := startServe(t, "--fault", "reflect-origin-credentials")

	// The printed API line names the real origin and its loopback address.
	m := regexp.MustCompile(`(?m)^\s+https://api\.example\.test\s+(127\.0\.0\.1:\d+)$`).FindStringSubmatch(stdout.String())
	if m == nil {
		t.Fatalf("no API line in the output:\n%s", stdout)
	}
	apiAddr := m[1]
	if addrs.API.Addr != apiAddr {
		t.Errorf("the addr file says %s, the output %s", addrs.API.Addr, apiAddr)
	}
	out := stdout.String()
	for _, want := range []string{
		"https://app.example.test/", "with fault reflect-origin-credentials",
		"--host-resolver-rules='MAP ", "MAP api.example.test:443 " + apiAddr,
		"--ignore-certificate-errors-spki-list=" + strings.Join(addrs.SPKIPins, ","),
		`--user-data-dir="$(mktemp -d)"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "disable-web-security") || strings.Contains(out, "--ignore-certificate-errors ") {
		t.Errorf("the printed command line weakens the browser:\n%s", out)
	}

	// A Go client trusting the run's CA, through the printed address, with
	// the real name as Host and SNI.
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(addrs.CAPEM)) {
		t.Fatalf("the addr file's CA is not PEM: %q", addrs.CAPEM)
	}
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "api.example.test"},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, apiAddr)
		},
	}}
	req, _ := http.NewRequest(http.MethodGet, "https://api.example.test/api/items", nil)
	req.Header.Set("Origin", "https://evil.test")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET through %s: %v", apiAddr, err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "https://evil.test" {
		t.Errorf("Access-Control-Allow-Origin = %q, want the reflected https://evil.test (the fault)", got)
	}
	if got := resp.Header.Get("Access-Control-Allow-Credentials"); got != "true" {
		t.Errorf("Access-Control-Allow-Credentials = %q, want true", got)
	}
	if _, err := os.Stat(addrs.CAFile); err != nil {
		t.Errorf("the printed CA file does not exist while serving: %v", err)
	}

	// The same through the printed proxy, as Firefox or WebKit would go.
	if !strings.HasPrefix(addrs.Proxy, "http://127.0.0.1:") || !strings.Contains(out, "--proxy "+addrs.Proxy) {
		t.Fatalf("proxy %q is not on loopback or not printed:\n%s", addrs.Proxy, out)
	}
	proxyURL, _ := url.Parse(addrs.Proxy)
	viaProxy := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		Proxy: http.ProxyURL(proxyURL), TLSClientConfig: &tls.Config{RootCAs: pool},
	}}
	resp, err = viaProxy.Get("https://app.example.test/")
	if err != nil {
		t.Fatalf("GET the app page through the proxy: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("the app page through the proxy: %s", resp.Status)
	}
	if resp, err = viaProxy.Get("http://elsewhere.example/"); err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("a name outside the run through the proxy: %s, want 403", resp.Status)
		}
	}

	// The request is printed as it arrives.
	deadline := time.Now().Add(3 * time.Second)
	for !strings.Contains(stdout.String()[len(out):], "/api/items") {
		if time.Now().After(deadline) {
			t.Fatalf("the request was not printed:\n%s", stdout)
		}
		time.Sleep(20 * time.Millisecond)
	}

	if code := stop(); code != exitOK {
		t.Errorf("serve exited %d after Ctrl-C, want 0", code)
	}
	if c, err := net.DialTimeout("tcp", apiAddr, time.Second); err == nil {
		c.Close()
		t.Errorf("the API still listens on %s after serve stopped", apiAddr)
	}
	if c, err := net.DialTimeout("tcp", proxyURL.Host, time.Second); err == nil {
		c.Close()
		t.Errorf("the proxy still listens on %s after serve stopped", proxyURL.Host)
	}
	for _, p := range addrs.Pages {
		if c, err := net.DialTimeout("tcp", p.Addr, time.Second); err == nil {
			c.Close()
			t.Errorf("the page %s still listens on %s after serve stopped", p.Origin, p.Addr)
		}
	}
	if _, err := os.Stat(filepath.Dir(addrs.CAFile)); !os.IsNotExist(err) {
		t.Errorf("serve left its temp dir %s behind (%v)", filepath.Dir(addrs.CAFile), err)
	}
}

func TestServeServesPagesForThePolicysOrigins(t *testing.T) {
	pol := checkWriteFile(t, "policy.yaml", "origins: [https://app.example.com]\nendpoints: [{path: /api/items}]\n")
	stdout, addrs, stop := startServe(t, "--policy", pol)
	defer stop()
	found := false
	for _, p := range addrs.Pages {
		if p.Origin == "https://app.example.com" {
			found = true
		}
	}
	if !found {
		t.Errorf("no page for the policy's origin https://app.example.com: %+v", addrs.Pages)
	}
	sc := bufio.NewScanner(strings.NewReader(stdout.String()))
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "corsproof serve: serving "+pol) {
			return
		}
	}
	t.Errorf("the output does not name the policy file:\n%s", stdout)
}

func TestServeBadInput(t *testing.T) {
	bad := checkWriteFile(t, "bad.yaml", "origins: [https://app.example.com/]\n")
	for _, tt := range []struct {
		desc string
		args []string
		want string
	}{
		{desc: "a malformed policy", args: []string{"--policy", bad}, want: bad + ":1:"},
		{desc: "an unknown fault", args: []string{"--fault", "nope"}, want: `no fault "nope"`},
		{desc: "a stray argument", args: []string{"extra"}, want: `unexpected argument "extra"`},
	} {
		t.Run(tt.desc, func(t *testing.T) {
			code, _, stderr := checkCLI(t, nil, append([]string{"serve"}, tt.args...)...)
			if code != exitUsage || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, stderr, tt.want)
			}
		})
	}
}
