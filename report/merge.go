package report

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"

	"github.com/corsproof/corsproof"
)

// Input is one report to merge, with the name its errors give it (its file).
type Input struct {
	Name string
	Doc  Document
}

// Merged is reports combined into one: the runs, one per engine, and the
// run's meta; Notes say what a reader of the merged report should know
// (shards missing, versions that differ).
type Merged struct {
	Runs  []corsproof.Run
	Meta  Meta
	Notes []string
	// extra are the inputs' other Document fields, united.
	extra Document
}

// Merge combines the reports of the shards of a run (corsproof.Shard),
// and reports of other engines or machines, into one: the results of one
// engine are concatenated, the shards in their order, and the engines lie
// side by side in the order they first appear. The findings and rows are
// not taken from the inputs: Document makes them again over the whole.
//
// It refuses reports that are not of one run: of different commands,
// targets or faults, of different splits into shards, or that hold the
// same scenario of the same engine twice (the same shard twice, or shards
// of different runs), naming the files.
func Merge(in []Input) (Merged, error) {
	if len(in) == 0 {
		return Merged{}, errors.New("no report to merge")
	}
	m := Merged{Meta: in[0].Doc.Meta}
	if err := m.mergeMeta(in); err != nil {
		return Merged{}, err
	}
	in = slices.Clone(in)
	slices.SortStableFunc(in, func(a, b Input) int { return cmp.Compare(shardIndex(a.Doc.Meta), shardIndex(b.Doc.Meta)) })

	type engineRun struct {
		run      corsproof.Run
		versions []string
		from     map[string]string // scenario id → input
		shards   map[int]bool
		n        int // shards of N; 0: some input is unsharded
		nFrom    string
	}
	var order []corsproof.Engine
	byEngine := map[corsproof.Engine]*engineRun{}
	var errs []error
	for _, input := range in {
		runs, err := RunsOf(input.Doc)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", input.Name, err))
			continue
		}
		if err := unite(&m.extra, input.Doc, input.Name); err != nil {
			errs = append(errs, err)
		}
		sh, _ := corsproof.ParseShard(input.Doc.Meta.Shard)
		for _, run := range runs {
			er := byEngine[run.Engine]
			if er == nil {
				er = &engineRun{run: corsproof.Run{Engine: run.Engine}, from: map[string]string{}, shards: map[int]bool{}, n: sh.N, nFrom: input.Name}
				byEngine[run.Engine] = er
				order = append(order, run.Engine)
			}
			switch {
			case sh.N != er.n && er.n != 0 && sh.N != 0:
				errs = append(errs, fmt.Errorf("%s: %s is shard %s, %s of %d shards: not shards of one split",
					run.Engine, input.Name, sh, er.nFrom, er.n))
			case sh.N == 0:
				er.n = 0
			}
			er.shards[sh.I] = true
			if run.Version != "" && !slices.Contains(er.versions, run.Version) {
				er.versions = append(er.versions, run.Version)
			}
			if er.run.Platform == "" {
				er.run.Platform = run.Platform
			}
			if er.run.ProfileNote == "" {
				er.run.ProfileNote = run.ProfileNote
			}
			if run.Err != "" && er.run.Err == "" {
				er.run.Err = run.Err
				if len(in) > 1 {
					er.run.Err = input.Name + ": " + run.Err
				}
			}
			var dups []string
			seen := map[string]bool{} // within one input a scenario may repeat (--twice)
			for _, r := range run.Results {
				id := r.Scenario.ID
				if prev, ok := er.from[id]; ok && prev != input.Name && !seen[id] {
					dups = append(dups, id)
				}
				seen[id] = true
				if _, ok := er.from[id]; !ok {
					er.from[id] = input.Name
				}
			}
			if len(dups) > 0 {
				errs = append(errs, fmt.Errorf("%s: %s holds %s, which %s holds too: the same shard twice, or reports of different runs?",
					run.Engine, input.Name, listFew(dups), er.from[dups[0]]))
				continue
			}
			er.run.Results = append(er.run.Results, run.Results...)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return Merged{}, err
	}
	for _, e := range order {
		er := byEngine[e]
		er.run.Version = strings.Join(er.versions, " / ")
		if len(er.versions) > 1 {
			m.Notes = append(m.Notes, fmt.Sprintf("%s: the reports ran different versions (%s); merged as one engine", e, er.run.Version))
		}
		if er.n > 1 {
			var missing []string
			for i := 1; i <= er.n; i++ {
				if !er.shards[i] {
					missing = append(missing, fmt.Sprintf("%d/%d", i, er.n))
				}
			}
			if len(missing) > 0 {
				m.Notes = append(m.Notes, fmt.Sprintf("%s: shard %s missing: the merged report holds %d of %d shards",
					e, strings.Join(missing, ", "), er.n-len(missing), er.n))
			}
		}
		m.Runs = append(m.Runs, er.run)
	}
	return m, nil
}

// mergeMeta checks that the inputs are of one run and sets m.Meta to the
// whole's: the earliest start, no shard, the seed when they agree.
func (m *Merged) mergeMeta(in []Input) error {
	first := in[0]
	var errs []error
	for _, x := range in[1:] {
		a, b := first.Doc.Meta, x.Doc.Meta
		for _, f := range []struct{ what, a, b string }{
			{"command", a.Command, b.Command}, {"target", a.Target, b.Target}, {"fault", a.Fault, b.Fault},
		} {
			if f.a != f.b {
				errs = append(errs, fmt.Errorf("%s is a report of %s %q, %s of %s %q: not one run",
					first.Name, f.what, f.a, x.Name, f.what, f.b))
			}
		}
		if !b.Started.IsZero() && (m.Meta.Started.IsZero() || b.Started.Before(m.Meta.Started)) {
			m.Meta.Started = b.Started
		}
		if b.Seed != a.Seed && m.Meta.Seed == a.Seed {
			m.Notes = append(m.Notes, fmt.Sprintf("the reports shuffled with different seeds (%s: %d, %s: %d): the merged report names none",
				first.Name, a.Seed, x.Name, b.Seed))
			m.Meta.Seed = 0
		}
		if _, err := corsproof.ParseShard(b.Shard); b.Shard != "" && err != nil {
			errs = append(errs, fmt.Errorf("%s: run.shard: %w", x.Name, err))
		}
	}
	if _, err := corsproof.ParseShard(first.Doc.Meta.Shard); first.Doc.Meta.Shard != "" && err != nil {
		errs = append(errs, fmt.Errorf("%s: run.shard: %w", first.Name, err))
	}
	m.Meta.Shard = ""
	return errors.Join(errs...)
}

// shardIndex is a report's shard (0: the whole list), to sort by.
func shardIndex(m Meta) int {
	sh, err := corsproof.ParseShard(m.Shard)
	if err != nil {
		return 0
	}
	return sh.I
}

func listFew(ids []string) string {
	if len(ids) <= 3 {
		return "scenario " + strings.Join(ids, ", ")
	}
	return fmt.Sprintf("scenarios %s and %d more", strings.Join(ids[:3], ", "), len(ids)-3)
}

// Document is the merged report: findings and rows made over the whole,
// and the inputs' other fields united.
func (m Merged) Document() Document {
	d := NewDocument(m.Runs, m.Meta)
	_ = unite(&d, m.extra, "") // no conflict: extra holds none of d's own fields
	return d
}

// WriteDocument writes d as JSON writes a report.
func WriteDocument(w io.Writer, d Document) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(d); err != nil {
		return fmt.Errorf("json report: %w", err)
	}
	return nil
}

// derived are the Document fields Merge makes again rather than unites.
var derived = map[string]bool{"Meta": true, "Findings": true, "Runs": true, "Rows": true}

// unite adds src's fields other than the derived ones to dst: maps and
// lists as their union, any other field where dst has none. A map key or
// field both hold with different values is an error naming from.
func unite(dst *Document, src Document, from string) error {
	return uniteFields(reflect.ValueOf(dst).Elem(), reflect.ValueOf(src), from, derived)
}

func uniteFields(dst, src reflect.Value, from string, skip map[string]bool) error {
	var errs []error
	t := dst.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() || skip[f.Name] {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" {
			name = f.Name
		}
		d, s := dst.Field(i), src.Field(i)
		switch f.Type.Kind() {
		case reflect.Map:
			if s.Len() == 0 {
				continue
			}
			if d.IsNil() {
				d.Set(reflect.MakeMapWithSize(f.Type, s.Len()))
			}
			iter := s.MapRange()
			for iter.Next() {
				k, v := iter.Key(), iter.Value()
				if old := d.MapIndex(k); old.IsValid() && !reflect.DeepEqual(old.Interface(), v.Interface()) {
					errs = append(errs, fmt.Errorf("%s: %s %v differs from the same %s of an earlier report", from, name, k.Interface(), name))
					continue
				}
				d.SetMapIndex(k, v)
			}
		case reflect.Slice:
			for j := range s.Len() {
				v := s.Index(j)
				dup := false
				for k := range d.Len() {
					dup = dup || reflect.DeepEqual(d.Index(k).Interface(), v.Interface())
				}
				if !dup {
					d.Set(reflect.Append(d, v))
				}
			}
		default:
			switch {
			case s.IsZero():
			case d.IsZero():
				d.Set(s)
			case !reflect.DeepEqual(d.Interface(), s.Interface()):
				errs = append(errs, fmt.Errorf("%s: %s differs from an earlier report's", from, name))
			}
		}
	}
	return errors.Join(errs...)
}
