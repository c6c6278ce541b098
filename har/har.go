package har

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/corsproof/corsproof"
)

// File is a HAR document as the browsers export it: the parts of HAR 1.2
// corsproof reads, and each exporter's own fields (prefixed with _).
type File struct {
	Log Log `json:"log"`
}

// Log is HAR's log object.
type Log struct {
	Version string   `json:"version"`
	Creator Creator  `json:"creator"`
	Browser *Creator `json:"browser,omitempty"`
	Pages   []Page   `json:"pages,omitempty"`
	Entries []Entry  `json:"entries"`
}

// Creator is log.creator or log.browser.
type Creator struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Page is one page of log.pages; Title holds the page's URL in every
// browser's export.
type Page struct {
	StartedDateTime string `json:"startedDateTime"`
	ID              string `json:"id"`
	Title           string `json:"title"`
}

// Entry is one request of log.entries.
type Entry struct {
	Pageref         string   `json:"pageref,omitempty"`
	StartedDateTime string   `json:"startedDateTime"`
	Time            float64  `json:"time"`
	Request         Request  `json:"request"`
	Response        Response `json:"response"`

	// Chromium's fields.
	ResourceType string     `json:"_resourceType,omitempty"`
	Initiator    *Initiator `json:"_initiator,omitempty"`
	FromCache    string     `json:"_fromCache,omitempty"`
	// Firefox's field.
	SecurityState string `json:"_securityState,omitempty"`
	// WebKit's field.
	FetchType string `json:"_fetchType,omitempty"`
}

// Initiator is Chromium's _initiator: what started the request. A
// preflight's is {"type": "preflight", "url": the request it guards}.
type Initiator struct {
	Type      string `json:"type"`
	URL       string `json:"url,omitempty"`
	RequestID string `json:"requestId,omitempty"`
}

// Request is an entry's request.
type Request struct {
	Method      string    `json:"method"`
	URL         string    `json:"url"`
	HTTPVersion string    `json:"httpVersion"`
	Headers     []Header  `json:"headers"`
	PostData    *PostData `json:"postData,omitempty"`
}

// Response is an entry's response. Error is the exporter's failure text
// (Chromium's net error, WebKit's message); Status is 0 when no response
// was recorded.
type Response struct {
	Status      int      `json:"status"`
	StatusText  string   `json:"statusText"`
	HTTPVersion string   `json:"httpVersion"`
	Headers     []Header `json:"headers"`
	Content     Content  `json:"content"`
	RedirectURL string   `json:"redirectURL"`
	Error       string   `json:"_error,omitempty"`
}

// Header is a HAR name/value pair.
type Header struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// PostData is a request body.
type PostData struct {
	MimeType string `json:"mimeType"`
	Text     string `json:"text"`
}

// Content is a response body.
type Content struct {
	Size     int    `json:"size"`
	MimeType string `json:"mimeType"`
	Text     string `json:"text,omitempty"`
}

// ErrNotHAR is wrapped by Parse's error for a file that is not a HAR.
var ErrNotHAR = errors.New("not a HAR file")

// Load reads and parses the HAR file at path.
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

// Parse reads a HAR document. Anything that is not a JSON object with a
// log.entries array is ErrNotHAR, saying what it found instead.
func Parse(data []byte) (*File, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // Windows exports start with a BOM
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, fmt.Errorf("%w: not a JSON object (%v)", ErrNotHAR, err)
	}
	raw, ok := top["log"]
	if !ok {
		return nil, fmt.Errorf("%w: no \"log\" object at the top (a HAR is {\"log\": {\"entries\": [...]}}; export it from the devtools' Network panel)", ErrNotHAR)
	}
	var log map[string]json.RawMessage
	if err := json.Unmarshal(raw, &log); err != nil {
		return nil, fmt.Errorf("%w: \"log\" is not an object", ErrNotHAR)
	}
	if e, ok := log["entries"]; !ok || len(e) == 0 || e[0] != '[' {
		return nil, fmt.Errorf("%w: log has no \"entries\" array", ErrNotHAR)
	}
	var f File
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotHAR, err)
	}
	for i, e := range f.Log.Entries {
		if e.Request.URL == "" || e.Request.Method == "" {
			return nil, fmt.Errorf("%w: entry %d has no request method and url", ErrNotHAR, i)
		}
	}
	return &f, nil
}

// Engine is the engine that recorded the HAR, from log.browser and
// log.creator, and the recorder in words ("Firefox 153.7.0"). An export
// of an unknown tool is "" (the caller picks the Fetch standard's
// profile).
func (f *File) Engine() (corsproof.Engine, string) {
	names := []Creator{f.Log.Creator}
	if f.Log.Browser != nil {
		names = append([]Creator{*f.Log.Browser}, names...)
	}
	for _, c := range names {
		n := strings.ToLower(c.Name)
		what := strings.TrimSpace(c.Name + " " + c.Version)
		switch {
		case strings.Contains(n, "firefox"):
			return corsproof.Firefox, what
		case strings.Contains(n, "webkit"), strings.Contains(n, "safari"):
			return corsproof.WebKit, what
		case n == "webinspector", strings.Contains(n, "chrom"), strings.Contains(n, "edge"):
			// Chromium's devtools (Chrome, Edge, Opera, Brave) call
			// themselves WebInspector, the name they had in WebKit.
			return corsproof.Chromium, what + " (Chromium's devtools)"
		}
	}
	return "", strings.TrimSpace(f.Log.Creator.Name + " " + f.Log.Creator.Version)
}

// started is an entry's start, zero when the exporter left it out.
func (e Entry) started() time.Time {
	t, err := time.Parse(time.RFC3339Nano, e.StartedDateTime)
	if err != nil {
		return time.Time{}
	}
	return t
}

func (r Request) header(name string) (string, bool) { return headerOf(r.Headers, name) }

func headerOf(hs []Header, name string) (string, bool) {
	for _, h := range hs {
		if strings.EqualFold(h.Name, name) {
			return h.Value, true
		}
	}
	return "", false
}

// pageURL is the URL of the entry's page (log.pages[].title), "" when
// the export has none.
func (f *File) pageURL(e Entry) string {
	for _, p := range f.Log.Pages {
		if p.ID == e.Pageref && (strings.HasPrefix(p.Title, "http://") || strings.HasPrefix(p.Title, "https://")) {
			return p.Title
		}
	}
	return ""
}
