//go:build unix

package testenv

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/corsproof/corsproof/browser"
)

// TrustInNSS makes an NSS database in dir that trusts the PEM
// certificate certPEM as a CA (certutil, from libnss3-tools), as a user
// trusts the remote CA in a browser's profile or in $HOME/.pki/nssdb.
func TrustInNSS(t *testing.T, dir string, certPEM []byte) {
	t.Helper()
	certutil := Found(t, "certutil", browser.FindCertutil)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(file, certPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"-d", "sql:" + dir, "-N", "--empty-password"},
		{"-d", "sql:" + dir, "-A", "-t", "C,,", "-n", "corsproof remote CA", "-i", file},
	} {
		if out, err := exec.Command(certutil, args...).CombinedOutput(); err != nil {
			t.Fatalf("certutil %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
}

// ChromeDriver starts Debian's chromedriver on 127.0.0.1 with HOME as its
// browsers' HOME, and returns its URL; t.Cleanup stops it and the
// browsers it started. Without chromedriver the test skips, or fails
// under CI=true (.ci/install-grid installs it).
func ChromeDriver(t *testing.T, home string) string {
	t.Helper()
	driver, err := exec.LookPath("chromedriver")
	if err != nil {
		if InCI() {
			t.Fatal("no chromedriver (bash .ci/install-grid installs it); CI=true makes this a failure")
		}
		t.Skip("no chromedriver (bash .ci/install-grid installs it)")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(driver, fmt.Sprintf("--port=%d", ln.Addr().(*net.TCPAddr).Port), "--allowed-ips=127.0.0.1")
	cmd.Env = append(os.Environ(), "HOME="+home)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { StopGroup(cmd) })
	for start := time.Now(); ; time.Sleep(100 * time.Millisecond) {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return "http://" + addr
		}
		if time.Since(start) > 30*time.Second {
			t.Fatalf("chromedriver does not listen on %s: %v", addr, err)
		}
	}
}

// StopGroup ends the process group of cmd, which a test started with
// Setpgid: SIGTERM, then SIGKILL after 10 s; it returns when cmd has
// exited.
func StopGroup(cmd *exec.Cmd) {
	pgid := cmd.Process.Pid
	syscall.Kill(-pgid, syscall.SIGTERM)
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		syscall.Kill(-pgid, syscall.SIGKILL)
		<-done
	}
}
