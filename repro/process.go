package repro

import (
	"bufio"
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Process is a reproduction's server.go running as a child process, built
// with the go command from the directory Build's files were written to.
type Process struct {
	// HostRules map "host:port" as the browser sees it to the server's
	// loopback listeners, as the server printed them; Pin is its
	// certificate's SPKI pin (for --ignore-certificate-errors-spki-list).
	HostRules map[string]string
	Pin       string
	// CA is the certificate of the CA that signed the server's
	// certificate, for browsers that take a trust anchor (Firefox).
	CA *x509.Certificate
	// Banner is what the server printed before it was ready: the page, the
	// listeners, and the Chromium command line.
	Banner string

	cmd    *exec.Cmd
	tmp    string
	mu     sync.Mutex
	stderr bytes.Buffer
	done   chan struct{}
}

// startTimeout bounds the build and start of the server.
const startTimeout = 2 * time.Minute

// Start builds dir's server.go into a temporary directory and runs it with
// its listeners on pageAddr and apiAddr (loopback; ":0" ports are fine),
// and the server's further flags (e.g. "-ca", FILE). It returns once the
// server printed READY. Close stops it and removes the binary.
func Start(ctx context.Context, dir, pageAddr, apiAddr string, flags ...string) (p *Process, err error) {
	if _, err := os.Stat(filepath.Join(dir, FileServer)); err != nil {
		return nil, fmt.Errorf("repro: %s has no %s: %w", dir, FileServer, err)
	}
	tmp, err := os.MkdirTemp("", "corsproof-repro-")
	if err != nil {
		return nil, err
	}
	p = &Process{HostRules: map[string]string{}, tmp: tmp, done: make(chan struct{})}
	defer func() {
		if err != nil {
			p.Close()
		}
	}()
	bctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	bin := filepath.Join(tmp, "server")
	build := exec.CommandContext(bctx, "go", "build", "-o", bin, ".")
	build.Dir = dir
	build.Env = append(os.Environ(), "GOTOOLCHAIN=local", "GOFLAGS=")
	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("repro: building %s: %v\n%s", filepath.Join(dir, FileServer), err, out)
	}

	p.cmd = exec.Command(bin, append([]string{"-page", pageAddr, "-api", apiAddr}, flags...)...)
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	p.cmd.Stderr = lockedWriter{&p.mu, &p.stderr}
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("repro: starting the server: %w", err)
	}
	go func() { p.cmd.Wait(); close(p.done) }()

	ready := make(chan error, 1)
	go func() {
		var banner strings.Builder
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "HOST_RULES="):
				for r := range strings.SplitSeq(strings.TrimPrefix(line, "HOST_RULES="), ", ") {
					if f := strings.Fields(r); len(f) == 3 && f[0] == "MAP" {
						p.HostRules[f[1]] = f[2]
					}
				}
			case strings.HasPrefix(line, "SPKI_PIN="):
				p.Pin = strings.TrimPrefix(line, "SPKI_PIN=")
			case strings.HasPrefix(line, "CA_CERT="):
				if der, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(line, "CA_CERT=")); err == nil {
					p.CA, _ = x509.ParseCertificate(der)
				}
			case line == "READY":
				p.Banner = banner.String()
				ready <- nil
				io.Copy(io.Discard, stdout)
				return
			default:
				banner.WriteString(line + "\n")
			}
		}
		ready <- errors.New("the server ended before it was ready")
	}()
	select {
	case err := <-ready:
		if err != nil {
			return nil, fmt.Errorf("repro: %v: %s", err, strings.TrimSpace(p.Log()))
		}
	case <-bctx.Done():
		return nil, fmt.Errorf("repro: the server was not ready in time: %w", bctx.Err())
	}
	if p.Pin == "" || len(p.HostRules) == 0 {
		return nil, errors.New("repro: the server printed no host rules or pin")
	}
	return p, nil
}

// Log is what the server wrote to stderr so far: one line per request.
func (p *Process) Log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// Close stops the server and removes its binary.
func (p *Process) Close() error {
	if p.cmd != nil && p.cmd.Process != nil {
		p.cmd.Process.Kill()
		<-p.done
	}
	return os.RemoveAll(p.tmp)
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}
