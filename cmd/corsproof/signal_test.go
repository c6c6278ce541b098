package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/internal/testenv"
)

// TestMain lets a test run the real command, signal handling included, as
// a child process: the test binary re-executed with CORSPROOF_RUN_MAIN=1
// is corsproof with the arguments it was given.
func TestMain(m *testing.M) {
	if os.Getenv("CORSPROOF_RUN_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// corsproofChild starts the command as a child process with its own empty
// temporary dir, so that whatever it leaves behind is visible there.
func corsproofChild(t *testing.T, args ...string) (cmd *exec.Cmd, stderr *syncBuffer, tmp string) {
	t.Helper()
	tmp = t.TempDir()
	cmd = exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "CORSPROOF_RUN_MAIN=1", "TMPDIR="+tmp)
	stderr = &syncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	return cmd, stderr, tmp
}

// waitExit waits for cmd, failing the test if it hangs (10 s is a hang
// guard, not the goal: the goal is measured in the numbers).
func waitExit(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("the command was still running 10 s after the signal")
		return -1
	}
}

// TestSignalDuringPolicyLoad interrupts a check whose policy never finishes
// loading (a pipe nobody writes): the command ends with exit 3 all the same.
func TestSignalDuringPolicyLoad(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			fifo := filepath.Join(t.TempDir(), "policy.yaml")
			if err := syscall.Mkfifo(fifo, 0o600); err != nil {
				t.Skipf("mkfifo: %v", err)
			}
			cmd, stderr, _ := corsproofChild(t, "check", "--policy", fifo, "--target", "http://127.0.0.1:9/")
			time.Sleep(300 * time.Millisecond) // let it reach the read
			cmd.Process.Signal(sig)
			if code := waitExit(t, cmd); code != exitInfra {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, exitInfra, stderr)
			}
			if !strings.Contains(stderr.String(), "interrupted") {
				t.Errorf("stderr does not say interrupted:\n%s", stderr)
			}
		})
	}
}

// TestSignalDuringRun interrupts `run` in Chromium once scenarios are
// running: exit 3, and nothing of the browser left in the temp dir or
// running.
func TestSignalDuringRun(t *testing.T) {
	testenv.Found(t, "chromium", browser.FindChromium)
	cmd, stderr, tmp := corsproofChild(t, "run")
	deadline := time.Now().Add(60 * time.Second)
	// The banner comes once the browser runs; half a second later
	// scenarios are in flight (no progress line: stderr is no terminal).
	for !strings.Contains(stderr.String(), "scenarios in") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(stderr.String(), "scenarios in") {
		t.Fatalf("no banner within a minute:\n%s", stderr)
	}
	time.Sleep(500 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGINT)
	if code := waitExit(t, cmd); code != exitInfra {
		t.Errorf("exit %d, want %d; stderr:\n%s", code, exitInfra, stderr)
	}
	left, _ := os.ReadDir(tmp)
	for _, e := range left {
		t.Errorf("left in the temp dir: %s", e.Name())
	}
	if ps, _ := exec.Command("pgrep", "-f", tmp).Output(); len(bytes.TrimSpace(ps)) > 0 {
		t.Errorf("processes still using %s: %s", tmp, ps)
	}
}
