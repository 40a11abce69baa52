package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ExpectKind says how an expectation is matched against a case's output.
type ExpectKind int

// The expectation kinds, one per EXPECT* directive.
const (
	ExpectText      ExpectKind = iota // EXPECT: consecutive whole lines, surrounding whitespace ignored
	ExpectTextNone                    // EXPECT_NONE: negation of ExpectText
	ExpectRegex                       // EXPECT_REGEX: regexp in multiline mode must match
	ExpectRegexNone                   // EXPECT_REGEX_NONE: regexp must not match
	ExpectFile                        // EXPECT_FILE: whole output equals a golden file
	ExpectJSON                        // EXPECT_JSON: output equals a golden file as parsed JSON
)

var expectDirectives = map[string]ExpectKind{
	"EXPECT":            ExpectText,
	"EXPECT_NONE":       ExpectTextNone,
	"EXPECT_REGEX":      ExpectRegex,
	"EXPECT_REGEX_NONE": ExpectRegexNone,
	"EXPECT_FILE":       ExpectFile,
	"EXPECT_JSON":       ExpectJSON,
}

// String returns the directive that introduces the kind.
func (k ExpectKind) String() string {
	for name, kind := range expectDirectives {
		if kind == k {
			return name
		}
	}
	return "EXPECT_UNKNOWN"
}

// Expect is one expectation of a case.
type Expect struct {
	Kind  ExpectKind
	Value string         // text, pattern, or golden-file path as written
	Path  string         // EXPECT_FILE/EXPECT_JSON: the golden file resolved against the suite directory
	Re    *regexp.Regexp // EXPECT_REGEX*: the compiled pattern (multiline mode)
	Line  int            // line of the directive in the suite file
}

// Case is one test case of a suite file.
type Case struct {
	Suite string // suite name: the file's base name
	Name  string
	File  string // path of the suite file
	Line  int    // line of the case's first directive
	Dir   string // suite directory: the working directory of every command

	Prog    string // PROG: program text run as <bin> -e PROG
	Run     string // RUN: shell command
	Expects []Expect
	Timeout time.Duration // 0 means the default

	Befores  []string
	After    string
	Setups   []string
	Cleanups []string

	Requires        []string // shell commands that must succeed
	RequireFeatures []string // names from --info, optionally negated with '!'
	MinKernel       string
	MaxKernel       string
	Arch            []string
	Env             []string // K=V pairs

	WillFail   bool
	ReturnCode *int

	SkipIfEnv   []string // SKIP_IF_ENV_HAS: KEY=VALUE pairs that skip the case
	Unsupported []string // directives of bpftrace's runner this one does not implement

	Serial bool   // SERIAL: runs alone, never beside another case
	NoDiff string // NODIFF: reason the differential lane skips the case
}

// ID is the case's name as matched by -run: "suite.NAME".
func (c *Case) ID() string { return c.Suite + "." + c.Name }

// IsSuiteFile reports whether a directory entry name is a suite file: a
// name without an extension that is not hidden, as in bpftrace's
// tests/runtime.
func IsSuiteFile(name string) bool {
	return name != "" && !strings.HasPrefix(name, ".") && filepath.Ext(name) == ""
}

// LoadSuites parses every suite file at the top level of dir, in name order.
func LoadSuites(dir string) ([]*Case, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("reading suite directory: %w", err)
	}
	var all []*Case
	var errs []string
	for _, e := range entries {
		if !e.Type().IsRegular() || !IsSuiteFile(e.Name()) {
			continue
		}
		path := filepath.Join(dir, e.Name())
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("opening suite: %w", err)
		}
		cases, err := ParseSuite(path, f)
		f.Close()
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		all = append(all, cases...)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return all, nil
}

// ParseError lists the problems found in one suite file.
type ParseError struct {
	File     string
	Problems []string // "line N: message"
}

func (e *ParseError) Error() string {
	var b strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "%s:%s", e.File, p)
	}
	return b.String()
}

// field is one directive with its value, continuation lines included.
type field struct {
	name  string
	value string
	line  int
	multi bool // the value has continuation lines
}

// ParseSuite parses a suite file in bpftrace's runtime-test format. Cases
// are separated by empty lines; lines starting with '#' are comments; a line
// starting with whitespace continues the previous directive's value, with as
// much leading whitespace removed as lines the text up under the first value
// (the directive's length plus one). The suite name is the file's base name.
func ParseSuite(path string, r io.Reader) ([]*Case, error) {
	perr := &ParseError{File: path}
	fail := func(line int, format string, args ...any) {
		perr.Problems = append(perr.Problems, fmt.Sprintf("%d: %s", line, fmt.Sprintf(format, args...)))
	}

	var cases []*Case
	var block []field
	flush := func() {
		if len(block) > 0 {
			if c := buildCase(path, block, fail); c != nil {
				cases = append(cases, c)
			}
		}
		block = nil
	}

	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	lineNo := 0
	for sc.Scan() {
		lineNo++
		line := strings.TrimSuffix(sc.Text(), "\r")
		switch {
		case line == "":
			flush()
		case strings.HasPrefix(line, "#"):
			// Comments may sit inside a case without ending it.
		case line[0] == ' ' || line[0] == '\t':
			if len(block) == 0 {
				fail(lineNo, "continuation line without a directive")
				continue
			}
			last := &block[len(block)-1]
			strip := len(last.name) + 1
			n := 0
			for n < len(line) && n < strip && (line[n] == ' ' || line[n] == '\t') {
				n++
			}
			last.value += "\n" + line[n:]
			last.multi = true
		default:
			name, value := line, ""
			if i := strings.IndexAny(line, " \t"); i >= 0 {
				name, value = line[:i], line[i+1:]
			}
			block = append(block, field{name: name, value: strings.TrimSpace(value), line: lineNo})
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	flush()

	seen := map[string]int{}
	for _, c := range cases {
		if prev, ok := seen[c.Name]; ok {
			fail(c.Line, "duplicate case name %q (first at line %d)", c.Name, prev)
		}
		seen[c.Name] = c.Line
	}
	if len(perr.Problems) > 0 {
		return nil, perr
	}
	return cases, nil
}

// singleLine lists the directives whose value must fit on one line.
var singleLine = map[string]bool{
	"NAME": true, "TIMEOUT": true, "REQUIRES_FEATURE": true, "MIN_KERNEL": true,
	"MAX_KERNEL": true, "ARCH": true, "ENV": true, "WILL_FAIL": true,
	"RETURN_CODE": true, "SERIAL": true, "NODIFF": true, "SKIP_IF_ENV_HAS": true,
	"EXPECT_FILE": true, "EXPECT_JSON": true,
}

// buildCase turns one block of directives into a Case, reporting problems
// through fail. It returns nil when the block is unusable.
func buildCase(path string, block []field, fail func(int, string, ...any)) *Case {
	c := &Case{
		Suite: filepath.Base(path),
		File:  path,
		Dir:   filepath.Dir(path),
		Line:  block[0].line,
	}
	ok := true
	bad := func(line int, format string, args ...any) {
		fail(line, format, args...)
		ok = false
	}
	once := map[string]int{}
	for _, f := range block {
		if f.multi && singleLine[f.name] {
			bad(f.line, "%s does not take continuation lines", f.name)
			continue
		}
		switch f.name {
		case "NAME", "PROG", "RUN", "TIMEOUT", "AFTER", "MIN_KERNEL", "MAX_KERNEL",
			"ARCH", "WILL_FAIL", "RETURN_CODE", "SERIAL", "NODIFF":
			if prev, dup := once[f.name]; dup {
				bad(f.line, "%s given twice (first at line %d)", f.name, prev)
				continue
			}
			once[f.name] = f.line
		}
		needValue := func() bool {
			if f.value == "" {
				bad(f.line, "%s needs a value", f.name)
				return false
			}
			return true
		}
		if kind, isExpect := expectDirectives[f.name]; isExpect {
			e := Expect{Kind: kind, Value: f.value, Line: f.line}
			switch kind {
			case ExpectRegex, ExpectRegexNone:
				re, err := regexp.Compile("(?m)" + f.value)
				if err != nil {
					bad(f.line, "%s: %v", f.name, err)
					continue
				}
				e.Re = re
			case ExpectFile, ExpectJSON:
				if !needValue() {
					continue
				}
				e.Path = filepath.Join(c.Dir, f.value)
				if _, err := os.Stat(e.Path); err != nil {
					bad(f.line, "%s: %v", f.name, err)
					continue
				}
			case ExpectText, ExpectTextNone:
				if strings.TrimSpace(f.value) == "" {
					bad(f.line, "%s needs a value", f.name)
					continue
				}
			}
			c.Expects = append(c.Expects, e)
			continue
		}
		switch f.name {
		case "NAME":
			if needValue() {
				if strings.ContainsAny(f.value, " \t") {
					bad(f.line, "NAME %q contains whitespace", f.value)
				}
				c.Name = f.value
			}
		case "PROG":
			if needValue() {
				c.Prog = f.value
			}
		case "RUN":
			if needValue() {
				c.Run = f.value
			}
		case "TIMEOUT":
			secs, err := strconv.ParseFloat(f.value, 64)
			if err != nil || secs <= 0 {
				bad(f.line, "TIMEOUT %q is not a positive number of seconds", f.value)
				continue
			}
			c.Timeout = time.Duration(secs * float64(time.Second))
		case "BEFORE":
			if needValue() {
				c.Befores = append(c.Befores, f.value)
			}
		case "AFTER":
			if needValue() {
				c.After = f.value
			}
		case "SETUP":
			if needValue() {
				c.Setups = append(c.Setups, f.value)
			}
		case "CLEANUP":
			if needValue() {
				c.Cleanups = append(c.Cleanups, f.value)
			}
		case "REQUIRES":
			if needValue() {
				c.Requires = append(c.Requires, f.value)
			}
		case "REQUIRES_FEATURE":
			if needValue() {
				c.RequireFeatures = append(c.RequireFeatures, strings.Fields(f.value)...)
			}
		case "MIN_KERNEL", "MAX_KERNEL":
			if !needValue() {
				continue
			}
			if _, err := parseKernelVersion(f.value); err != nil {
				bad(f.line, "%s: %v", f.name, err)
				continue
			}
			if f.name == "MIN_KERNEL" {
				c.MinKernel = f.value
			} else {
				c.MaxKernel = f.value
			}
		case "ARCH":
			if needValue() {
				c.Arch = strings.FieldsFunc(f.value, func(r rune) bool {
					return r == '|' || r == ',' || r == ' ' || r == '\t'
				})
			}
		case "ENV":
			for _, kv := range strings.Fields(f.value) {
				if k, _, found := strings.Cut(kv, "="); !found || k == "" {
					bad(f.line, "ENV %q is not KEY=VALUE", kv)
					continue
				}
				c.Env = append(c.Env, kv)
			}
			if len(strings.Fields(f.value)) == 0 {
				bad(f.line, "ENV needs KEY=VALUE")
			}
		case "WILL_FAIL":
			c.WillFail = true
		case "RETURN_CODE":
			n, err := strconv.Atoi(f.value)
			if err != nil || n < 0 || n > 255 {
				bad(f.line, "RETURN_CODE %q is not an exit status", f.value)
				continue
			}
			c.ReturnCode = &n
		case "SKIP_IF_ENV_HAS":
			if k, _, found := strings.Cut(f.value, "="); !found || k == "" {
				bad(f.line, "SKIP_IF_ENV_HAS %q is not KEY=VALUE", f.value)
				continue
			}
			c.SkipIfEnv = append(c.SkipIfEnv, f.value)
		case "NEW_PIDNS", "LOCALIZE_TIMESTAMPS":
			// Accepted so that bpftrace's own suites parse; such cases are
			// skipped with a reason.
			c.Unsupported = append(c.Unsupported, f.name)
		case "SERIAL":
			c.Serial = true
		case "NODIFF":
			if needValue() {
				c.NoDiff = f.value
			}
		default:
			bad(f.line, "unknown directive %q", f.name)
		}
	}

	if c.Name == "" {
		bad(c.Line, "case without NAME")
	}
	if (c.Prog == "") == (c.Run == "") {
		bad(c.Line, "case %q needs exactly one of PROG and RUN", c.Name)
	}
	if len(c.Expects) == 0 {
		bad(c.Line, "case %q has no expectation", c.Name)
	}
	whole := 0
	for _, e := range c.Expects {
		if e.Kind == ExpectFile || e.Kind == ExpectJSON {
			whole++
		}
	}
	if whole > 0 && (whole > 1 || len(c.Expects) > 1) {
		bad(c.Line, "case %q: EXPECT_FILE and EXPECT_JSON must be the only expectation", c.Name)
	}
	if c.WillFail && c.ReturnCode != nil && *c.ReturnCode == 0 {
		bad(c.Line, "case %q: WILL_FAIL contradicts RETURN_CODE 0", c.Name)
	}
	if !ok {
		return nil
	}
	return c
}

// WholeOutput reports whether the case compares its entire output with a
// golden file, in which case output before the attach line is dropped.
func (c *Case) WholeOutput() (Expect, bool) {
	for _, e := range c.Expects {
		if e.Kind == ExpectFile || e.Kind == ExpectJSON {
			return e, true
		}
	}
	return Expect{}, false
}

// parseKernelVersion turns "6.1" or "5.15.0-rc1" into comparable numbers.
func parseKernelVersion(s string) ([3]int, error) {
	var v [3]int
	// Keep only the leading "a.b.c" part.
	end := strings.IndexFunc(s, func(r rune) bool { return r != '.' && (r < '0' || r > '9') })
	if end >= 0 {
		s = s[:end]
	}
	parts := strings.Split(s, ".")
	if len(parts) == 0 || parts[0] == "" || len(parts) > 3 {
		return v, fmt.Errorf("bad kernel version %q", s)
	}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil {
			return v, fmt.Errorf("bad kernel version %q", s)
		}
		v[i] = n
	}
	return v, nil
}

// compareVersions returns -1, 0 or 1.
func compareVersions(a, b [3]int) int {
	for i := range a {
		if a[i] != b[i] {
			if a[i] < b[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}

// sortCases orders cases by suite file then position, the order results are
// printed in.
func sortCases(cs []*Case) {
	sort.SliceStable(cs, func(i, j int) bool {
		if cs[i].Suite != cs[j].Suite {
			return cs[i].Suite < cs[j].Suite
		}
		return cs[i].Line < cs[j].Line
	})
}
