package mockapi

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
)

// The API's data: three fixed items. Nothing is ever stored; writes are
// echoed back, because scenarios only care whether the page may read them.
var items = []item{{ID: "1", Name: "alpha"}, {ID: "2", Name: "beta"}, {ID: "3", Name: "gamma"}}

var itemCount = strconv.Itoa(len(items)) // X-Total-Count

type item struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// maxBody bounds what a handler reads of a request body.
const maxBody = 1 << 20

func (s *Server) listItems(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, items)
}

func (s *Server) createItem(w http.ResponseWriter, r *http.Request) {
	n, ok := drainBody(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"created": true, "received_bytes": n})
}

// item answers every method with 200: GET, PUT, PATCH, DELETE, and the
// spellings a policy tests (patch, PURGE).
func (s *Server) item(w http.ResponseWriter, r *http.Request) {
	n, ok := drainBody(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"id": r.PathValue("id"), "method": r.Method, "received_bytes": n,
	})
}

// me is the credentialed endpoint: 200 with a session cookie the server
// issued, 401 otherwise. It tells "the browser sent the cookie" apart from
// "it did not".
func (s *Server) me(w http.ResponseWriter, r *http.Request) {
	if !s.sessions.validRequest(r) {
		writeError(w, http.StatusUnauthorized, "no valid session cookie")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"user": "alice", "authenticated": true})
}

// login issues a session. The browser stores the cookie only if the
// response passes its checks for a credentialed fetch; with SameSite=None
// it then sends it cross-site.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if _, ok := drainBody(w, r); !ok {
		return
	}
	http.SetCookie(w, sessionSetCookie(s.sessions.create()))
	writeJSON(w, http.StatusOK, map[string]any{"logged_in": true})
}

// status answers the status in the path, so scenarios can check that CORS
// headers come with errors too (a page must be able to read a 401 or 500).
func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	code, err := strconv.Atoi(r.PathValue("code"))
	if err != nil || code < 200 || code > 599 {
		// 1xx are interim responses, not answers.
		writeError(w, http.StatusBadRequest, "status must be 200-599")
		return
	}
	writeJSON(w, code, map[string]any{"status": code})
}

// redirectCodes are the statuses fetch follows.
var redirectCodes = map[int]bool{301: true, 302: true, 303: true, 307: true, 308: true}

// maxLocation bounds the redirect target a client may ask for.
const maxLocation = 2048

// redirect answers a redirect to ?to=. It is an open redirect on purpose:
// scenarios aim it at other origins to test CORS across redirects.
func (s *Server) redirect(w http.ResponseWriter, r *http.Request) {
	code, err := strconv.Atoi(r.PathValue("code"))
	if err != nil || !redirectCodes[code] {
		writeError(w, http.StatusBadRequest, "redirect status must be 301, 302, 303, 307 or 308")
		return
	}
	to := r.URL.Query().Get("to")
	if to == "" || len(to) > maxLocation || !printableASCII(to) {
		writeError(w, http.StatusBadRequest, "to must be a URL of printable ASCII")
		return
	}
	if _, err := url.Parse(to); err != nil {
		writeError(w, http.StatusBadRequest, "to must be a URL")
		return
	}
	w.Header().Set("Location", to)
	writeJSON(w, code, map[string]any{"location": to})
}

// drainBody reads (and discards) up to maxBody of the request body,
// answering 413 past it.
func drainBody(w http.ResponseWriter, r *http.Request) (int64, bool) {
	n, err := io.Copy(io.Discard, http.MaxBytesReader(w, r.Body, maxBody))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		writeError(w, http.StatusRequestEntityTooLarge, "body too large")
		return n, false
	case err != nil:
		writeError(w, http.StatusBadRequest, "unreadable body")
		return n, false
	}
	return n, true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if bodyAllowed(status) {
		_ = json.NewEncoder(w).Encode(v)
	}
}

// writeError answers an error as JSON, so a page that may read it can.
func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"error": msg, "status": status})
}

// bodyAllowed: 204 and 304 responses have no body (RFC 9110).
func bodyAllowed(status int) bool {
	return status != http.StatusNoContent && status != http.StatusNotModified
}
