package mockapi

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/corsproof/corsproof/spec"
)

func TestHostileHeadersGetAnHTTPAnswerOverTheWire(t *testing.T) {
	app := setupTestApp(t)
	manyNames := strings.TrimSuffix(strings.Repeat("x-a,", maxACRHNames+1), ",")
	tests := []struct {
		desc    string
		method  string
		headers []string
		status  int
	}{
		{desc: "header block over net/http's limit", method: "GET", headers: []string{spec.HeaderOrigin, "https://" + strings.Repeat("a", 2<<20)}, status: http.StatusRequestHeaderFieldsTooLarge},
		{desc: "100 KB origin is just not allowed", method: "GET", headers: []string{spec.HeaderOrigin, "https://" + strings.Repeat("a", 100<<10)}, status: http.StatusOK},
		{desc: "non-ASCII origin is not allowed", method: "GET", headers: []string{spec.HeaderOrigin, "https://äpp.example.test"}, status: http.StatusOK},
		{desc: "two Origin lines are not allowed", method: "GET", headers: []string{spec.HeaderOrigin, appOrigin, spec.HeaderOrigin, appOrigin}, status: http.StatusOK},
		{desc: "an origin list is not allowed", method: "GET", headers: []string{spec.HeaderOrigin, appOrigin + " " + appOrigin}, status: http.StatusOK},
		{desc: "* as an Origin is not allowed", method: "GET", headers: []string{spec.HeaderOrigin, "*"}, status: http.StatusOK},
		{desc: "ACRM with a space", method: "OPTIONS", headers: preflight(appOrigin, "PU T", ""), status: http.StatusBadRequest},
		{desc: "empty ACRM", method: "OPTIONS", headers: preflight(appOrigin, "", ""), status: http.StatusBadRequest},
		{desc: "non-ASCII ACRM", method: "OPTIONS", headers: preflight(appOrigin, "PÜT", ""), status: http.StatusBadRequest},
		{desc: "ACRM too long", method: "OPTIONS", headers: preflight(appOrigin, strings.Repeat("P", maxMethod+1), ""), status: http.StatusBadRequest},
		{desc: "ACRH with a non-token", method: "OPTIONS", headers: preflight(appOrigin, "PUT", "x-a;q=1"), status: http.StatusBadRequest},
		{desc: "ACRH with too many names", method: "OPTIONS", headers: preflight(appOrigin, "PUT", manyNames), status: http.StatusRequestHeaderFieldsTooLarge},
		{desc: "ACRH too long", method: "OPTIONS", headers: preflight(appOrigin, "PUT", strings.Repeat("x", maxACRHBytes+1)), status: http.StatusRequestHeaderFieldsTooLarge},
		{desc: "ACRH with empty elements and spaces is fine", method: "OPTIONS", headers: preflight(appOrigin, "PUT", "content-type,, x-api-key "), status: http.StatusNoContent},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			r := app.do(t, tt.method, "/api/items/1", tt.headers...)
			wantStatus(t, r, tt.status)
			if r.status != http.StatusNoContent {
				wantHeader(t, r, spec.HeaderAllowOrigin, "")
			}
			if r.status == http.StatusRequestHeaderFieldsTooLarge && r.entry.Seq == 0 {
				return // refused by net/http before the handler: nothing journaled
			}
			for _, v := range []string{r.entry.Origin, r.entry.RequestMethod, r.entry.RequestHeaders} {
				if len(v) > 3*maxStoredField {
					t.Errorf("journal stored %d bytes of a header", len(v))
				}
			}
		})
	}
}

// TestJunkReachingTheHandlerDoesNotPanic calls ServeHTTP directly with what
// net/http would refuse on the wire, in case a proxy in front lets it by.
func TestJunkReachingTheHandlerDoesNotPanic(t *testing.T) {
	s := New(testPolicy())
	tests := []struct {
		desc   string
		method string
		origin string
		acrm   string
		status int
	}{
		{desc: "control character in Origin", method: "GET", origin: "https://app.example.test\x00", status: 200},
		{desc: "newline in Origin", method: "GET", origin: "https://app\r\n.example.test", status: 200},
		{desc: "invalid UTF-8 in Origin", method: "GET", origin: "https://\xff\xfe.test", status: 200},
		{desc: "junk method", method: "G\x00T", origin: appOrigin, status: 405},
		{desc: "control character in ACRM", method: "OPTIONS", origin: appOrigin, acrm: "PUT\x01", status: 400},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/api/items", nil)
			r.Method = tt.method
			r.Header.Set(spec.HeaderOrigin, tt.origin)
			if tt.acrm != "" {
				r.Header.Set(spec.HeaderRequestMethod, tt.acrm)
			}
			w := httptest.NewRecorder()
			s.ServeHTTP(w, r)
			if w.Code != tt.status {
				t.Errorf("status = %d, want %d", w.Code, tt.status)
			}
			if got := w.Header().Get(spec.HeaderAllowOrigin); got != "" && tt.origin != appOrigin {
				t.Errorf("junk origin allowed: ACAO %q", got)
			}
		})
	}
}

func TestJunkOnTheWireIsRefusedByNetHTTP(t *testing.T) {
	app := setupTestApp(t)
	tests := []struct {
		desc, request string
	}{
		{"junk method", "G(T /api/items HTTP/1.1\r\nHost: x\r\n\r\n"},
		{"control character in Origin", "GET /api/items HTTP/1.1\r\nHost: x\r\nOrigin: https://a\x01b\r\n\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			conn, err := net.Dial("tcp", strings.TrimPrefix(app.url, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := conn.Write([]byte(tt.request)); err != nil {
				t.Fatal(err)
			}
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatalf("read response: %v", err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("status = %d, want 400", resp.StatusCode)
			}
		})
	}
}

func TestOversizedBodyIsA413(t *testing.T) {
	app := setupTestApp(t)
	r := app.doBody(t, "POST", "/api/items", strings.NewReader(strings.Repeat("x", maxBody+1)), spec.HeaderOrigin, appOrigin)
	wantStatus(t, r, http.StatusRequestEntityTooLarge)
	wantHeader(t, r, spec.HeaderAllowOrigin, appOrigin)
}

func TestPanicsBecome500s(t *testing.T) {
	var mu sync.Mutex
	var logged strings.Builder
	app := setupTestApp(t,
		withRoute("GET /boom", func(http.ResponseWriter, *http.Request) { panic("boom") }),
		withRoute("GET /boom-error", func(http.ResponseWriter, *http.Request) { panic(errors.New("wrapped")) }),
		WithLogf(func(format string, args ...any) {
			mu.Lock()
			defer mu.Unlock()
			fmt.Fprintf(&logged, format+"\n", args...)
		}))
	for _, path := range []string{"/boom", "/boom-error"} {
		r := app.do(t, "GET", path, spec.HeaderOrigin, appOrigin)
		wantStatus(t, r, http.StatusInternalServerError)
		if r.entry.Status != http.StatusInternalServerError {
			t.Errorf("journal status = %d, want 500", r.entry.Status)
		}
	}
	wantStatus(t, app.do(t, "GET", "/api/items"), http.StatusOK) // still serving
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(logged.String(), "panic serving GET /boom: boom") {
		t.Errorf("panic not logged; log:\n%s", logged.String())
	}
}

func TestAbortHandlerPanicStillAborts(t *testing.T) {
	app := setupTestApp(t, withRoute("GET /abort", func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) }))
	resp, err := app.client.Get(app.url + "/abort")
	if err == nil {
		resp.Body.Close()
		t.Fatalf("got a %d response, want the connection aborted", resp.StatusCode)
	}
}
