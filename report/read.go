package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"time"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/internal/schematest"
)

// SchemaError is a JSON document that is not a report of Schema: every
// violation, each with its JSON pointer.
type SchemaError struct {
	Violations []string
}

func (e *SchemaError) Error() string {
	const most = 5
	vs := e.Violations
	more := ""
	if len(vs) > most {
		more = fmt.Sprintf("; and %d more", len(vs)-most)
		vs = vs[:most]
	}
	return "not a corsproof JSON report (report/schema.json): " + strings.Join(vs, "; ") + more
}

// ReadJSON reads a JSON report (as JSON writes it), held to Schema first:
// a document of another kind, or of a report with a field the schema does
// not know, is a *SchemaError.
func ReadJSON(r io.Reader) (Document, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return Document{}, err
	}
	var raw any
	if err := json.Unmarshal(data, &raw); err != nil {
		return Document{}, fmt.Errorf("not JSON: %w", err)
	}
	violations, err := schematest.Validate(Schema, raw)
	if err != nil {
		return Document{}, err // the embedded schema itself
	}
	if len(violations) > 0 {
		return Document{}, &SchemaError{Violations: violations}
	}
	var d Document
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&d); err != nil {
		return Document{}, fmt.Errorf("not a corsproof JSON report: %w", err)
	}
	return d, nil
}

// ReadJSONFile is ReadJSON of the file at path; its errors name the file.
func ReadJSONFile(path string) (Document, error) {
	f, err := os.Open(path)
	if err != nil {
		return Document{}, err // a *fs.PathError names it
	}
	defer f.Close()
	d, err := ReadJSON(f)
	if err != nil {
		return Document{}, fmt.Errorf("%s: %w", path, err)
	}
	return d, nil
}

// RunsOf is the runs a Document was written from, for reports made again
// from it (corsproof merge): each result is its detail, the whole
// corsproof.Result; a result without one (not run, or from a report that
// omits it) is made from the result's own fields, which is all a result
// not run has. Durations come back to the microsecond.
func RunsOf(d Document) ([]corsproof.Run, error) {
	runs := make([]corsproof.Run, 0, len(d.Runs))
	var errs []error
	for ri, jr := range d.Runs {
		run := corsproof.Run{Engine: jr.Engine, Version: jr.Version, Platform: jr.Platform, ProfileNote: jr.ProfileNote, Err: jr.Error,
			Results: make([]corsproof.Result, 0, len(jr.Results))}
		for i, r := range jr.Results {
			if r.Detail == nil {
				run.Results = append(run.Results, resultOf(r))
				continue
			}
			res := *r.Detail
			if res.Scenario.ID != r.ID || res.Verdict != r.Verdict {
				errs = append(errs, fmt.Errorf("/runs/%d/results/%d: the detail is of %s (%s), the result of %s (%s)",
					ri, i, res.Scenario.ID, res.Verdict, r.ID, r.Verdict))
				continue
			}
			run.Results = append(run.Results, res)
		}
		runs = append(runs, run)
	}
	return runs, errors.Join(errs...)
}

// resultOf is the Result a JSONResult without its detail says.
func resultOf(r JSONResult) corsproof.Result {
	labels := r.Labels
	if len(labels) == 0 {
		labels = nil // NewDocument writes nil as []
	}
	return corsproof.Result{
		Scenario: corsproof.Scenario{ID: r.ID, Title: r.Title, Labels: labels, Policy: r.PolicyName, Site: r.Site,
			Request: r.Request, State: r.State},
		Origin: r.Origin, Verdict: r.Verdict, Severity: r.Severity, Known: r.Known,
		Explanation: r.Explanation, Cause: r.Cause, Notes: r.Notes, Diagnoses: r.Diagnoses,
		URL: r.URL, Policy: r.Policy, Wire: r.Wire, Browser: r.Browser, Err: r.Error,
		Duration: time.Duration(math.Round(r.DurationMS * float64(time.Millisecond))),
	}
}
