package main

import (
	"encoding/xml"
	"fmt"
)

// junitDoc is a JUnit report as the tests read it back: what CI servers
// take from it (suites, their counts, each case's outcome).
type junitDoc struct {
	Suites []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name    string        `xml:"name,attr"`
	Skipped *junitMessage `xml:"skipped"`
	Failure *junitMessage `xml:"failure"`
	Error   *junitMessage `xml:"error"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
}

// parseJUnit reads a JUnit report (<testsuites> of <testsuite>).
func parseJUnit(raw []byte) (junitDoc, error) {
	var d junitDoc
	if err := xml.Unmarshal(raw, &d); err != nil {
		return d, fmt.Errorf("the JUnit report is not well-formed: %w", err)
	}
	return d, nil
}

// counts are the cases of every suite, and how many failed or errored.
func (d junitDoc) counts() (cases, failures int) {
	for _, s := range d.Suites {
		for _, c := range s.Cases {
			cases++
			if c.Failure != nil || c.Error != nil {
				failures++
			}
		}
	}
	return cases, failures
}
