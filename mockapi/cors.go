package mockapi

import (
	"net/http"

	"github.com/corsproof/corsproof/policy"
)

// cors is the CORS layer. A preflight is answered here from the policy and
// never reaches the API; an actual request goes on to the API, and its
// response gets the policy's CORS headers just before the status line is
// written, whatever the status (a conforming server puts them on errors
// too, so a page can read its 401). The fault, if any, bends both.
func (s *Server) cors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, bad := corsRequest(r)
		if bad != nil {
			writeError(w, bad.status, bad.msg)
			return
		}
		if !req.IsPreflight() {
			s.serveActual(w, r, req, next)
			return
		}
		if s.fault.preflight != nil {
			s.fault.preflight(s, w, r, req)
			return
		}
		sv := s.corsAnswer(req, policy.PreflightStatus)
		copyHeader(w.Header(), sv.header)
		w.WriteHeader(sv.status)
	})
}

// serveActual runs next with the CORS headers for req added to whatever it
// answers.
func (s *Server) serveActual(w http.ResponseWriter, r *http.Request, req policy.Request, next http.Handler) {
	cw := &corsWriter{ResponseWriter: w, s: s, req: req}
	next.ServeHTTP(cw, r)
	if !cw.wrote {
		cw.WriteHeader(http.StatusOK) // the handler wrote nothing: net/http would send a bare 200
	}
}

// served is the CORS part of a response about to be sent; a fault's rewrite
// alters it in place.
type served struct {
	req    policy.Request
	rules  policy.Rules // the rules in force for the path
	header http.Header  // CORS headers and Vary
	status int
}

// corsAnswer is the CORS part of the answer to req with the given status:
// the policy's Answer, bent by the fault.
func (s *Server) corsAnswer(req policy.Request, status int) *served {
	rules := s.policy.For(req.Path)
	a := s.policy.Answer(req)
	if f := s.fault; f.match != nil && req.Origin != "" {
		if allow := f.match(s.state, rules, req.Origin, a.OriginAllowed); allow != a.OriginAllowed {
			a = answerAs(req, rules, allow, f.credentials)
		}
	}
	sv := &served{req: req, rules: rules, header: a.Header, status: status}
	if s.fault.rewrite != nil {
		s.fault.rewrite(sv)
	}
	return sv
}

// answerAs is the answer of a server whose rules allow req's origin (allow)
// or no origin at all, everything else equal: what a server with a broken
// origin check sends. credentials, when set, replaces the rules' own.
// It asks the policy package rather than rebuilding headers here, so a
// faulty answer differs from the conforming one only by the fault.
func answerAs(req policy.Request, rules policy.Rules, allow bool, credentials *bool) policy.Answer {
	rules.Origins = nil
	if allow {
		rules.Origins = []string{req.Origin}
		if credentials != nil {
			rules.Credentials = *credentials
		}
	}
	p := policy.Policy{Rules: rules}
	return p.Answer(req)
}

// corsWriter adds the CORS headers when the handler writes its status.
type corsWriter struct {
	http.ResponseWriter
	s     *Server
	req   policy.Request
	wrote bool
}

func (w *corsWriter) WriteHeader(code int) {
	if !w.wrote && code >= 200 { // 1xx are interim: the headers go on the final answer
		w.wrote = true
		sv := w.s.corsAnswer(w.req, code)
		copyHeader(w.ResponseWriter.Header(), sv.header)
		code = sv.status
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *corsWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *corsWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// copyHeader sets every header of src on dst, replacing dst's values.
func copyHeader(dst, src http.Header) {
	for k, vs := range src {
		dst[k] = vs
	}
}
