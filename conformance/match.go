package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"strings"
)

// NotifyLine is the line a tracer prints once its probes are attached when
// __BPFTRACE_NOTIFY_PROBES_ATTACHED is set in its environment.
const NotifyLine = "__BPFTRACE_NOTIFY_PROBES_ATTACHED"

// SplitAtNotify returns the output with every notify line removed, and the
// part after the first notify line (the whole output if there is none).
func SplitAtNotify(out string) (all, afterAttach string) {
	lines := strings.SplitAfter(out, "\n")
	var b, after strings.Builder
	seen := false
	for _, l := range lines {
		if strings.TrimRight(l, "\r\n") == NotifyLine {
			if !seen {
				after.Reset()
			}
			seen = true
			continue
		}
		b.WriteString(l)
		after.WriteString(l)
	}
	return b.String(), after.String()
}

// Check matches one expectation against output (notify lines removed; for
// EXPECT_FILE and EXPECT_JSON, only what followed the attach line). It
// returns nil on a match, otherwise an error saying what is wrong.
func (e Expect) Check(output string) error {
	switch e.Kind {
	case ExpectText:
		if !containsLines(output, e.Value) {
			return fmt.Errorf("line %d: EXPECT not found: %s", e.Line, quoteMulti(e.Value))
		}
	case ExpectTextNone:
		if containsLines(output, e.Value) {
			return fmt.Errorf("line %d: EXPECT_NONE found: %s", e.Line, quoteMulti(e.Value))
		}
	case ExpectRegex:
		if !e.Re.MatchString(output) {
			return fmt.Errorf("line %d: EXPECT_REGEX did not match: %s", e.Line, quoteMulti(e.Value))
		}
	case ExpectRegexNone:
		if loc := e.Re.FindStringIndex(output); loc != nil {
			return fmt.Errorf("line %d: EXPECT_REGEX_NONE matched %q", e.Line, output[loc[0]:loc[1]])
		}
	case ExpectFile:
		want, err := os.ReadFile(e.Path)
		if err != nil {
			return fmt.Errorf("line %d: %w", e.Line, err)
		}
		if err := compareText(trimBlankLines(output), trimBlankLines(string(want))); err != nil {
			return fmt.Errorf("line %d: output differs from %s: %w", e.Line, e.Value, err)
		}
	case ExpectJSON:
		want, err := os.ReadFile(e.Path)
		if err != nil {
			return fmt.Errorf("line %d: %w", e.Line, err)
		}
		if err := compareJSON(output, string(want), strings.HasSuffix(e.Path, ".ndjson")); err != nil {
			return fmt.Errorf("line %d: output differs from %s: %w", e.Line, e.Value, err)
		}
	default:
		return fmt.Errorf("line %d: unknown expectation kind %d", e.Line, e.Kind)
	}
	return nil
}

// containsLines reports whether the lines of want occur as consecutive lines
// of out, each compared with surrounding whitespace ignored.
func containsLines(out, want string) bool {
	outLines := strings.Split(out, "\n")
	wantLines := strings.Split(want, "\n")
	for i := range wantLines {
		wantLines[i] = strings.TrimSpace(wantLines[i])
	}
	for i := 0; i+len(wantLines) <= len(outLines); i++ {
		match := true
		for j, w := range wantLines {
			if strings.TrimSpace(outLines[i+j]) != w {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}

// trimBlankLines removes leading and trailing lines that hold only
// whitespace, and the final newline.
func trimBlankLines(s string) string {
	lines := strings.Split(s, "\n")
	start, end := 0, len(lines)
	for start < end && strings.TrimSpace(lines[start]) == "" {
		start++
	}
	for end > start && strings.TrimSpace(lines[end-1]) == "" {
		end--
	}
	return strings.Join(lines[start:end], "\n")
}

// compareText reports the first differing line of two texts.
func compareText(got, want string) error {
	if got == want {
		return nil
	}
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		switch {
		case i >= len(g):
			return fmt.Errorf("output ends before line %d %q", i+1, w[i])
		case i >= len(w):
			return fmt.Errorf("extra output at line %d: %q", i+1, g[i])
		case g[i] != w[i]:
			return fmt.Errorf("line %d: got %q, want %q", i+1, g[i], w[i])
		}
	}
	return errors.New("outputs differ")
}

// compareJSON compares output and want as parsed JSON. With ndjson, both are
// sequences of one value per non-blank line; otherwise each must hold
// exactly one JSON value.
func compareJSON(output, want string, ndjson bool) error {
	if !ndjson {
		g, err := decodeOne(output)
		if err != nil {
			return fmt.Errorf("output is not one JSON value: %w", err)
		}
		w, err := decodeOne(want)
		if err != nil {
			return fmt.Errorf("golden file is not one JSON value: %w", err)
		}
		if !jsonEqual(g, w) {
			return fmt.Errorf("got %s, want %s", strings.TrimSpace(output), strings.TrimSpace(want))
		}
		return nil
	}
	g, w := nonBlankLines(output), nonBlankLines(want)
	for i := 0; i < len(g) || i < len(w); i++ {
		if i >= len(g) {
			return fmt.Errorf("output ends before JSON line %d %s", i+1, w[i])
		}
		if i >= len(w) {
			return fmt.Errorf("extra JSON line %d: %s", i+1, g[i])
		}
		gv, err := decodeOne(g[i])
		if err != nil {
			return fmt.Errorf("JSON line %d %q: %w", i+1, g[i], err)
		}
		wv, err := decodeOne(w[i])
		if err != nil {
			return fmt.Errorf("golden JSON line %d: %w", i+1, err)
		}
		if !jsonEqual(gv, wv) {
			return fmt.Errorf("JSON line %d: got %s, want %s", i+1, g[i], w[i])
		}
	}
	return nil
}

func nonBlankLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}

// decodeOne parses exactly one JSON value, keeping numbers exact.
func decodeOne(s string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("more than one JSON value")
	}
	return v, nil
}

// jsonEqual compares decoded JSON values; object key order is irrelevant
// and numbers compare by value (1 equals 1.0) without losing 64-bit
// precision.
func jsonEqual(a, b any) bool {
	switch av := a.(type) {
	case map[string]any:
		bv, ok := b.(map[string]any)
		if !ok || len(av) != len(bv) {
			return false
		}
		for k, x := range av {
			y, ok := bv[k]
			if !ok || !jsonEqual(x, y) {
				return false
			}
		}
		return true
	case []any:
		bv, ok := b.([]any)
		if !ok || len(av) != len(bv) {
			return false
		}
		for i := range av {
			if !jsonEqual(av[i], bv[i]) {
				return false
			}
		}
		return true
	case json.Number:
		bv, ok := b.(json.Number)
		if !ok {
			return false
		}
		x, okx := new(big.Rat).SetString(string(av))
		y, oky := new(big.Rat).SetString(string(bv))
		if !okx || !oky {
			return av == bv
		}
		return x.Cmp(y) == 0
	default:
		return a == b
	}
}

// quoteMulti shows an expectation on one line.
func quoteMulti(s string) string {
	if !strings.Contains(s, "\n") {
		return s
	}
	return fmt.Sprintf("%q", s)
}

// indent prefixes every line of s, for -v output.
func indent(s, prefix string) string {
	var b bytes.Buffer
	for _, l := range strings.SplitAfter(strings.TrimRight(s, "\n"), "\n") {
		b.WriteString(prefix)
		b.WriteString(l)
	}
	b.WriteByte('\n')
	return b.String()
}
