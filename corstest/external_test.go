package corstest_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/internal/testenv"
)

// The module a user writes: its own handler, a Ginkgo suite using the
// matchers, nothing of corsproof's but the import (and a replace directive
// to this checkout).
var outsideModule = map[string]string{
	"go.mod": `module example.com/todos

go 1.26

require (
	github.com/corsproof/corsproof v0.0.0
	github.com/onsi/ginkgo/v2 v2.34.0
	github.com/onsi/gomega v1.44.0
)

replace github.com/corsproof/corsproof => REPO
`,
	"todos.go": `package todos

import (
	"fmt"
	"net/http"
)

// Handler serves the todo API with CORS for https://app.example.com.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Origin") == "https://app.example.com" {
			w.Header().Set("Access-Control-Allow-Origin", "https://app.example.com")
			w.Header().Set("Access-Control-Allow-Credentials", "true")
			w.Header().Set("Vary", "Origin")
		}
		if r.Method == http.MethodOptions {
			w.Header().Set("Access-Control-Allow-Methods", "GET, PUT")
			w.Header().Set("Access-Control-Allow-Headers", "Content-Type")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		fmt.Fprintln(w, "[]")
	})
}
`,
	"todos_suite_test.go": `package todos_test

import (
	"context"
	"os"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/corstest"
)

func TestTodos(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "todos CORS")
}

var lab *corstest.Lab

var _ = BeforeSuite(func() {
	var err error
	lab, err = corstest.StartLab(context.Background(), corstest.LabConfig{
		Origins: []string{"https://app.example.com"},
		Engine:  corsproof.Engine(os.Getenv("TODOS_ENGINE")),
	})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(lab.Close)
})
`,
	"todos_test.go": `package todos_test

import (
	"os"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"example.com/todos"
	"github.com/corsproof/corsproof/corstest"
)

var _ = Describe("the todo API", func() {
	var api *corstest.API
	BeforeEach(func() { api = lab.Serve(GinkgoT(), todos.Handler()) })

	It("lets the app read with cookies", func() {
		Expect(api.From("https://app.example.com").GET("/api/todos").Credentials()).To(corstest.BeAllowed())
	})
	It("keeps another site out", func() {
		Expect(api.From("evil").GET("/api/todos").Credentials()).To(corstest.BeBlocked())
	})
	It("preflights the app's JSON PUT", func() {
		put := api.From("https://app.example.com").PUT("/api/todos/1").Header("Content-Type", "application/json").Body("{}")
		Expect(put).To(corstest.BePreflighted())
		Expect(put).To(corstest.BeAllowed())
	})
	It("keeps a sandboxed page out", func() {
		Expect(api.From("null").GET("/api/todos")).To(corstest.BeBlocked())
	})
	It("is expected wrongly when asked to", func() {
		if os.Getenv("TODOS_WRONG") == "" {
			Skip("TODOS_WRONG unset")
		}
		Expect(api.From("evil").PUT("/api/todos/1").Header("Content-Type", "application/json")).To(corstest.BeAllowed())
	})
})
`,
}

// TestAnOutsideModuleRunsAGinkgoSuite writes a module of its own beside
// this checkout, as a user would, and runs its Ginkgo suite with ginkgo -p
// in Chromium and Firefox: one lab per process, every spec passes; then a
// deliberately wrong expectation fails with the one-line account and the
// wire exchange, in at most 20 lines.
func TestAnOutsideModuleRunsAGinkgoSuite(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a module and runs ginkgo")
	}
	sharedLab(t) // the browser check: skip outside CI without one, fail in CI
	testenv.Found(t, "firefox", browser.Finder(corsproof.Firefox))
	repo, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ginkgo := filepath.Join(dir, "ginkgo")
	build := exec.Command("go", "build", "-o", ginkgo, "github.com/onsi/ginkgo/v2/ginkgo")
	build.Dir = repo
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the ginkgo CLI: %v\n%s", err, out)
	}
	mod := filepath.Join(dir, "todos")
	if err := os.Mkdir(mod, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range outsideModule {
		if err := os.WriteFile(filepath.Join(mod, name), []byte(strings.ReplaceAll(body, "REPO", repo)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sum, err := os.ReadFile(filepath.Join(repo, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(mod, "go.sum"), sum, 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(env ...string) (string, error) {
		cmd := exec.Command(ginkgo, "-p", "--procs=2", "--no-color", "./...")
		cmd.Dir = mod
		cmd.Env = append(os.Environ(), append([]string{"GOFLAGS=-mod=mod"}, env...)...)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	for _, engine := range []string{"chromium", "firefox"} {
		out, err := run("TODOS_ENGINE=" + engine)
		if err != nil {
			t.Fatalf("%s: the suite failed: %v\n%s", engine, err, out)
		}
		for _, want := range []string{"Running in parallel across 2 processes", "Ran 4 of 5 Specs", "SUCCESS!"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: the output lacks %q:\n%s", engine, want, out)
			}
		}
	}

	out, err := run("TODOS_ENGINE=chromium", "TODOS_WRONG=1")
	if err == nil {
		t.Fatalf("a wrong expectation passed:\n%s", out)
	}
	m := regexp.MustCompile(`(?s)\[FAILED\] (expected .*?)\n\s*In \[It\] at:`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no failure message in:\n%s", out)
	}
	msg := m[1]
	t.Logf("the failure reads:\n%s", msg)
	if n := strings.Count(msg, "\n") + 1; n > 20 {
		t.Errorf("the failure takes %d lines, want at most 20", n)
	}
	for _, want := range []string{
		"to be allowed, but blocked: the preflight response has no Access-Control-Allow-Origin (PreflightMissingAllowOriginHeader)",
		"preflight: OPTIONS https://", "> Origin: https://evil.corsproof.test",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("the failure does not say %q", want)
		}
	}
}
