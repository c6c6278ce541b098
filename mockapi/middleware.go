package mockapi

import (
	"context"
	"errors"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/corsproof/corsproof/policy"
)

// Custom response headers every answer carries, so scenarios can test what
// Access-Control-Expose-Headers lets a page read.
const (
	HeaderTotalCount = "X-Total-Count"
	HeaderRequestID  = "X-Request-Id"
)

// trace is what the inner layers tell the outer ones about a request. It
// travels by pointer in the context, which survives http.StripPrefix's
// request copy.
type trace struct {
	route       string // the routing pattern that served it; "" for the CORS layer
	passthrough bool   // a preflight the fault lets fall through to the API
}

type traceKey struct{}

func traceOf(r *http.Request) *trace {
	if t, ok := r.Context().Value(traceKey{}).(*trace); ok {
		return t
	}
	return &trace{} // a handler mounted outside observe: record nothing
}

// observe is the outermost layer: it stamps the custom headers, then records
// the request in the journal and logs it once answered.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t := &trace{}
		r = r.WithContext(context.WithValue(r.Context(), traceKey{}, t))
		id := s.requestID()
		w.Header().Set(HeaderRequestID, id)
		w.Header().Set(HeaderTotalCount, itemCount)
		rec := &statusRecorder{ResponseWriter: w}
		start := time.Now()

		next.ServeHTTP(rec, r)

		e := s.entryFor(r, start, id)
		e.Status = rec.status()
		e.Route = t.route
		s.journal.add(e)
		s.logf("%s %s %s origin=%q preflight=%t cookie=%t status=%d",
			e.RequestID, e.Method, e.URL(), e.Origin, e.Preflight, e.Cookie, e.Status)
	})
}

func (s *Server) entryFor(r *http.Request, start time.Time, id string) Entry {
	req := policy.RequestFrom(r)
	_, cookie := r.Header["Cookie"]
	return Entry{
		Time:           start,
		RequestID:      id,
		Method:         clip(r.Method, maxStoredField),
		Path:           clip(r.URL.Path, maxStoredURL),
		RawQuery:       clip(r.URL.RawQuery, maxStoredURL),
		Origin:         clip(req.Origin, maxStoredField),
		RequestMethod:  clip(req.RequestMethod, maxStoredField),
		RequestHeaders: clip(req.RequestHeaders, maxStoredField),
		Preflight:      req.IsPreflight(),
		Cookie:         cookie,
		ValidSession:   cookie && s.sessions.validRequest(r),
	}
}

// recoverPanics turns a handler's panic into a 500 so one bad request never
// takes the server (and a browser run) down. http.ErrAbortHandler keeps its
// meaning: abort the response silently.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				panic(v)
			}
			s.logf("mockapi: panic serving %s %s: %v\n%s", r.Method, r.URL.Path, v, debug.Stack())
			if rec, ok := w.(*statusRecorder); ok && rec.code != 0 {
				return // headers already sent: nothing sensible left to say
			}
			writeError(w, http.StatusInternalServerError, "internal error")
		}()
		next.ServeHTTP(w, r)
	})
}

// statusRecorder remembers the status a handler answered.
type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.code == 0 && code >= 200 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusRecorder) status() int {
	if w.code == 0 {
		return http.StatusOK // the handler wrote nothing: net/http sends 200
	}
	return w.code
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }
