package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"regexp"
	"strings"
)

// Lines the differential lane ignores: they are about the process, not the
// program's output, and their order against stdout depends on buffering.
var (
	attachingRe = regexp.MustCompile(`^Attaching \d+ probes?\.\.\.$`)
	attachedRe  = regexp.MustCompile(`^\{"type": ?"attached_probes"`)
)

// Normalize prepares an output for the differential comparison: it drops
// the attach message (text and JSON forms), bpftrace's RLIMIT_MEMLOCK
// complaint and the notify line, and trailing blanks on every line.
func Normalize(out string) string {
	lines := strings.Split(out, "\n")
	kept := lines[:0]
	for _, l := range lines {
		l = strings.TrimRight(l, " \t\r")
		switch {
		case attachingRe.MatchString(l), attachedRe.MatchString(l), l == NotifyLine,
			strings.Contains(l, "couldn't set RLIMIT_MEMLOCK"):
			continue
		}
		kept = append(kept, l)
	}
	return strings.Join(kept, "\n")
}

// KnownDiffs maps "suite.NAME" to the reason the binary under test and the
// reference bpftrace are expected to differ on that case.
type KnownDiffs map[string]string

var knownEntryRe = regexp.MustCompile("^[-*]\\s+`([^`\\s]+)`\\s*(?::|—|–|-)\\s*(.*)$")

// LoadKnownDiffs reads a KNOWN-DIFFERENCES.md file: every Markdown list item
// that starts with a case name in backquotes is an entry, and the text after
// the following colon (or dash) and its indented continuation lines are the
// reason. Other lines are prose. A missing file has no entries.
func LoadKnownDiffs(path string) (KnownDiffs, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return KnownDiffs{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("opening known differences: %w", err)
	}
	defer f.Close()
	return ParseKnownDiffs(path, f)
}

// ParseKnownDiffs parses the KNOWN-DIFFERENCES.md format; see LoadKnownDiffs.
func ParseKnownDiffs(path string, r io.Reader) (KnownDiffs, error) {
	known := KnownDiffs{}
	sc := bufio.NewScanner(r)
	last := ""
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if m := knownEntryRe.FindStringSubmatch(line); m != nil {
			if _, dup := known[m[1]]; dup {
				return nil, fmt.Errorf("%s:%d: %s listed twice", path, n, m[1])
			}
			known[m[1]] = strings.TrimSpace(m[2])
			last = m[1]
			continue
		}
		if last != "" && strings.HasPrefix(line, " ") && strings.TrimSpace(line) != "" {
			known[last] = strings.TrimSpace(known[last] + " " + strings.TrimSpace(line))
			continue
		}
		last = ""
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	for name, reason := range known {
		if reason == "" {
			return nil, fmt.Errorf("%s: %s has no reason", path, name)
		}
	}
	return known, nil
}

// maxDiffLines bounds the diff printed for one case.
const maxDiffLines = 40

// LineDiff returns a minimal line diff of a (prefixed "-") against b
// (prefixed "+"), without context lines, cut after maxDiffLines lines.
func LineDiff(a, b string) string {
	x, y := strings.Split(a, "\n"), strings.Split(b, "\n")
	if len(x)*len(y) > 4_000_000 {
		return fmt.Sprintf("(outputs of %d and %d lines differ; too long to diff)\n", len(x), len(y))
	}
	// lcs[i][j] is the length of the longest common subsequence of x[i:] and y[j:].
	lcs := make([][]int, len(x)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(y)+1)
	}
	for i := len(x) - 1; i >= 0; i-- {
		for j := len(y) - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var sb strings.Builder
	n := 0
	emit := func(prefix, line string) {
		if n < maxDiffLines {
			fmt.Fprintf(&sb, "%s%s\n", prefix, line)
		}
		n++
	}
	i, j := 0, 0
	for i < len(x) || j < len(y) {
		switch {
		case i < len(x) && j < len(y) && x[i] == y[j]:
			i++
			j++
		case j == len(y) || (i < len(x) && lcs[i+1][j] >= lcs[i][j+1]):
			emit("-", x[i])
			i++
		default:
			emit("+", y[j])
			j++
		}
	}
	if n > maxDiffLines {
		fmt.Fprintf(&sb, "(%d more lines)\n", n-maxDiffLines)
	}
	return sb.String()
}
