package browser

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// leftovers is what a browser can leave behind: live browser processes
// descending from this test process (zombies are dead and do not count),
// profile dirs and Chromium's singleton-socket dirs. Other engineers run
// browsers on the same machine at the same time, so processes outside our
// tree, and dirs a live foreign browser uses, are not ours to count.
type leftovers struct {
	procs int
	dirs  map[string]bool
}

func countLeftovers() leftovers {
	l := leftovers{dirs: map[string]bool{}}
	for _, d := range glob(profileGlob()) {
		l.dirs[d] = true
	}
	for _, d := range glob(filepath.Join(os.TempDir(), "org.chromium.Chromium.*")) {
		l.dirs[d] = true
	}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		comm, state, _ := procStat(pid)
		if strings.HasPrefix(comm, "chrom") && state != 'Z' && descendsFromUs(pid) {
			l.procs++
		}
	}
	return l
}

// procStat reads the command name, state and parent of pid.
func procStat(pid int) (comm string, state byte, ppid int) {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return "", 0, 0
	}
	open, close := bytes.IndexByte(stat, '('), bytes.LastIndexByte(stat, ')')
	if open < 0 || close < open || close+4 > len(stat) {
		return "", 0, 0
	}
	fields := strings.Fields(string(stat[close+2:]))
	if len(fields) < 2 {
		return "", 0, 0
	}
	ppid, _ = strconv.Atoi(fields[1])
	return string(stat[open+1 : close]), fields[0][0], ppid
}

func descendsFromUs(pid int) bool {
	for i := 0; i < 64 && pid > 1; i++ {
		if pid == os.Getpid() {
			return true
		}
		_, _, pid = procStat(pid)
	}
	return false
}

// foreign says a dir belongs to a browser that is alive and not ours.
func foreign(dir string, ours []string) bool {
	if slices.Contains(ours, dir) {
		return false
	}
	if processesUsing(dir) > 0 {
		return true
	}
	for _, p := range glob(profileGlob()) {
		if singletonDir(p) == dir && processesUsing(p) > 0 && !slices.Contains(ours, p) {
			return true
		}
	}
	return false
}

// leakedSince lists what appeared since before and is not foreign.
func leakedSince(before leftovers, ours []string) (procs int, dirs []string) {
	for deadline := time.Now().Add(3 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		after := countLeftovers()
		dirs = nil
		for d := range after.dirs {
			if !before.dirs[d] && !foreign(d, ours) {
				dirs = append(dirs, d)
			}
		}
		procs = after.procs - before.procs
		if (procs <= 0 && len(dirs) == 0) || time.Now().After(deadline) {
			return procs, dirs
		}
	}
}

func glob(p string) []string {
	m, _ := filepath.Glob(p)
	return m
}

// processesUsing counts the live processes started with this profile dir.
func processesUsing(dir string) int {
	n := 0
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		cmd, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil || !bytes.Contains(cmd, []byte("--user-data-dir="+dir+"\x00")) {
			continue
		}
		pid, _ := strconv.Atoi(e.Name())
		if _, state, _ := procStat(pid); state == 'Z' {
			continue
		}
		n++
	}
	return n
}

func TestLaunchAndCloseLeaveNothingBehind(t *testing.T) {
	needBrowser(t)
	before := countLeftovers()

	start := time.Now()
	c, err := LaunchChromium(context.Background(), site.options())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("launch took %v", time.Since(start))
	singleton := singletonDir(c.profileDir)
	if singleton == "" {
		t.Error("found no singleton dir for the profile; the leak check below is blind to it")
	}
	if processesUsing(c.profileDir) == 0 {
		t.Fatal("no process uses the new profile; the check below would prove nothing")
	}
	o, err := c.Fetch(context.Background(), Fetch{PageURL: appPage, URL: uniqueURL("acao=*")})
	if err != nil || !o.Allowed {
		t.Fatalf("fetch: %v %+v", err, o)
	}

	start = time.Now()
	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	t.Logf("close took %v", time.Since(start))
	if err := c.Close(); err != nil {
		t.Errorf("second Close: %v, want the same nil", err)
	}
	if _, err := c.Fetch(context.Background(), Fetch{PageURL: appPage, URL: uniqueURL("")}); !errors.Is(err, ErrClosed) {
		t.Errorf("Fetch after Close: %v, want ErrClosed", err)
	}

	if n := processesUsing(c.profileDir); n != 0 {
		t.Errorf("%d processes still use the profile", n)
	}
	for _, dir := range []string{c.profileDir, singleton} {
		if _, err := os.Stat(dir); dir != "" && err == nil {
			t.Errorf("%s still exists", dir)
		}
	}
	if procs, dirs := leakedSince(before, []string{c.profileDir, singleton}); procs > 0 || len(dirs) > 0 {
		t.Errorf("leaked %d processes and dirs %q", procs, dirs)
	}
}

func TestFailedLaunchLeavesNothingBehind(t *testing.T) {
	if _, err := os.Stat("/bin/false"); err != nil {
		t.Skip("no /bin/false")
	}
	before := countLeftovers()
	for _, path := range []string{"/bin/false", "/nonexistent/chromium"} {
		c, err := LaunchChromium(context.Background(), Options{ExecPath: path})
		if err == nil {
			c.Close()
			t.Fatalf("%s: launch succeeded", path)
		}
		if !strings.Contains(err.Error(), path) {
			t.Errorf("error %q does not name the binary", err)
		}
		t.Logf("%s: %v", path, err)
	}
	if procs, dirs := leakedSince(before, nil); procs > 0 || len(dirs) > 0 {
		t.Errorf("leaked %d processes and dirs %q", procs, dirs)
	}
}

func TestInvalidOptionsAreAllReported(t *testing.T) {
	_, err := LaunchChromium(context.Background(), Options{
		ExecPath:  "/nonexistent",
		HostRules: map[string]string{"app.example.test": "127.0.0.1:1", "api.example.test:443": "nowhere"},
		SPKIPins:  []string{"not-a-pin"},
	})
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{`"app.example.test"`, `"nowhere"`, `"not-a-pin"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
}

func TestFindChromiumHonoursTheEnvironment(t *testing.T) {
	t.Setenv(EnvChrome, "/nonexistent/chrome")
	_, err := FindChromium()
	var nf *NotFoundError
	if !errors.As(err, &nf) || !strings.Contains(err.Error(), EnvChrome) {
		t.Errorf("err = %v, want a *NotFoundError naming %s", err, EnvChrome)
	}
	t.Setenv(EnvChrome, "")
	t.Setenv("PATH", t.TempDir())
	if _, err := FindChromium(); !errors.As(err, &nf) || !strings.Contains(err.Error(), "apt-get install -y chromium") {
		t.Errorf("err = %v, want the install hint", err)
	}
}

func TestCloseDuringAFetchEndsTheFetch(t *testing.T) {
	needBrowser(t)
	c, err := LaunchChromium(context.Background(), site.options())
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := c.Fetch(context.Background(), Fetch{PageURL: appPage, URL: uniqueURL("acao=*&hang")})
		done <- err
	}()
	time.Sleep(500 * time.Millisecond) // let the fetch reach the server
	if err := c.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, ErrClosed) {
			t.Errorf("Fetch: %v, want ErrClosed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Fetch still running after Close")
	}
}
