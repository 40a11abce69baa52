// Package diag holds gtrace's positioned diagnostics and renders them in
// bpftrace's format:
//
//	stdin:1:16-20: ERROR: message
//	<the source line>
//	               ~~~~
package diag

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Pos is a position in a source file. Line and Col are 1-based; Col counts
// bytes. Offset is the 0-based byte offset. The zero Pos means "unknown".
type Pos struct {
	File   string
	Offset int
	Line   int
	Col    int
}

// IsValid reports whether p names a real place in a source.
func (p Pos) IsValid() bool { return p.Line > 0 }

// String renders "file:line:col".
func (p Pos) String() string { return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col) }

// Span is a half-open range of source text [Start, End).
type Span struct {
	Start Pos
	End   Pos
}

// IsValid reports whether the span has a known start.
func (s Span) IsValid() bool { return s.Start.IsValid() }

// Join returns the smallest span covering both a and b. An invalid span is
// ignored.
func Join(a, b Span) Span {
	if !a.IsValid() {
		return b
	}
	if !b.IsValid() {
		return a
	}
	out := a
	if b.Start.Offset < out.Start.Offset {
		out.Start = b.Start
	}
	if b.End.Offset > out.End.Offset {
		out.End = b.End
	}
	return out
}

// WidenToRun moves the start of s back to the start of its
// whitespace-delimited run of text in src. bpftrace's lexer only advances
// a location's start at whitespace, so its diagnostics start there: an
// unexpected ';' right after '+' is reported as "+;", and the map in
// `print(@m)` starts at `print`.
func WidenToRun(src string, s Span) Span {
	for s.Start.Offset > 0 && s.Start.Offset <= len(src) {
		switch src[s.Start.Offset-1] {
		case ' ', '\t', '\n', '\r':
			return s
		}
		s.Start.Offset--
		s.Start.Col--
	}
	return s
}

// Severity tells errors from warnings.
type Severity int

// Severities, in bpftrace's words.
const (
	Error Severity = iota
	Warning
)

func (s Severity) String() string {
	if s == Warning {
		return "WARNING"
	}
	return "ERROR"
}

// Diagnostic is one positioned message about a script.
type Diagnostic struct {
	Span     Span
	Severity Severity
	Msg      string
}

// Errorf makes an error diagnostic at span.
func Errorf(span Span, format string, args ...any) *Diagnostic {
	return &Diagnostic{Span: span, Msg: fmt.Sprintf(format, args...)}
}

// Warnf makes a warning diagnostic at span.
func Warnf(span Span, format string, args ...any) *Diagnostic {
	return &Diagnostic{Span: span, Severity: Warning, Msg: fmt.Sprintf(format, args...)}
}

// Error renders the header line only: "file:line:col-col: ERROR: msg".
func (d *Diagnostic) Error() string {
	return header(d) + d.Msg
}

func header(d *Diagnostic) string {
	s := d.Span
	if !s.IsValid() {
		return d.Severity.String() + ": "
	}
	end := s.End
	if !end.IsValid() || end.Offset < s.Start.Offset {
		end = s.Start
	}
	if end.Line != s.Start.Line {
		return fmt.Sprintf("%s:%d-%d: %s: ", s.Start.File, s.Start.Line, end.Line, d.Severity)
	}
	endCol := end.Col
	if endCol <= s.Start.Col {
		endCol = s.Start.Col + 1
	}
	return fmt.Sprintf("%s:%d:%d-%d: %s: ", s.Start.File, s.Start.Line, s.Start.Col, endCol, d.Severity)
}

// List is a list of diagnostics; as an error it means "at least one of these".
type List []*Diagnostic

// Error returns the first diagnostic's header line, and a count of the rest.
func (l List) Error() string {
	switch len(l) {
	case 0:
		return "no errors"
	case 1:
		return l[0].Error()
	}
	return fmt.Sprintf("%s (and %d more errors)", l[0].Error(), len(l)-1)
}

// HasErrors reports whether any diagnostic is an error, not a warning.
func (l List) HasErrors() bool {
	for _, d := range l {
		if d.Severity == Error {
			return true
		}
	}
	return false
}

// Sort orders the diagnostics by position, keeping the order of equal ones.
func (l List) Sort() {
	sort.SliceStable(l, func(i, j int) bool { return l[i].Span.Start.Offset < l[j].Span.Start.Offset })
}

// Err returns l as an error if it holds any error, else nil.
func (l List) Err() error {
	if l.HasErrors() {
		return l
	}
	return nil
}

// Render writes d in bpftrace's layout: the header, then the source line and
// a "~" underline for single-line spans. Tabs print as four spaces and get
// four underline characters, as bpftrace does.
func Render(w io.Writer, src string, d *Diagnostic) {
	fmt.Fprintln(w, d.Error())
	s := d.Span
	if !s.IsValid() {
		return
	}
	end := s.End
	if !end.IsValid() || end.Offset < s.Start.Offset {
		end = s.Start
	}
	if end.Line != s.Start.Line {
		return
	}
	line := sourceLine(src, s.Start.Line)
	var text, under strings.Builder
	endCol := end.Col
	if endCol <= s.Start.Col {
		endCol = s.Start.Col + 1
	}
	for i := 0; i < len(line); i++ {
		col := i + 1
		mark := " "
		if col >= s.Start.Col && col < endCol {
			mark = "~"
		}
		if line[i] == '\t' {
			text.WriteString("    ")
			under.WriteString(strings.Repeat(mark, 4))
			continue
		}
		text.WriteByte(line[i])
		if col < endCol {
			under.WriteString(mark)
		}
	}
	fmt.Fprintln(w, text.String())
	fmt.Fprintln(w, strings.TrimRight(under.String(), " "))
}

// RenderAll renders every diagnostic of err that is a *Diagnostic or a
// List, in order; any other error is printed as "ERROR: msg".
func RenderAll(w io.Writer, src string, err error) {
	var l List
	var d *Diagnostic
	switch {
	case errors.As(err, &l):
		for _, d := range l {
			Render(w, src, d)
		}
	case errors.As(err, &d):
		Render(w, src, d)
	default:
		fmt.Fprintf(w, "ERROR: %v\n", err)
	}
}

func sourceLine(src string, n int) string {
	for i := 1; i < n; i++ {
		j := strings.IndexByte(src, '\n')
		if j < 0 {
			return ""
		}
		src = src[j+1:]
	}
	if j := strings.IndexByte(src, '\n'); j >= 0 {
		src = src[:j]
	}
	return strings.TrimSuffix(src, "\r")
}
