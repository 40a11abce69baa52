package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
)

// median returns the median of xs, or NaN for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// goal is a target for the ratio gtrace/bpftrace.
type goal struct {
	// max is the highest acceptable ratio when lower is better; min the
	// lowest acceptable one when higher is better. Zero means no goal.
	max, min float64
}

var (
	noGoal     = goal{}
	tenXFaster = goal{max: 0.1}
	fiveXLower = goal{max: 0.2}
	notWorse   = goal{max: 1}
	notLower   = goal{min: 1}
)

func (g goal) String() string {
	switch {
	case g.max > 0:
		return "≤ " + formatRatio(g.max)
	case g.min > 0:
		return "≥ " + formatRatio(g.min)
	}
	return ""
}

// met reports whether ratio meets the goal; ok is false without a goal.
func (g goal) met(ratio float64) (met, ok bool) {
	switch {
	case math.IsNaN(ratio) || math.IsInf(ratio, 0):
		return false, false
	case g.max > 0:
		return ratio <= g.max, true
	case g.min > 0:
		return ratio >= g.min, true
	}
	return false, false
}

// cell is one tracer's value in a row: a number, or an error.
type cell struct {
	v   float64
	ok  bool
	err string
}

func value(v float64) cell { return cell{v: v, ok: !math.IsNaN(v)} }

func failed(err error) cell { return cell{err: err.Error()} }

// row is one line of the result table.
type row struct {
	id, name, unit string
	g, b           cell
	goal           goal
}

func (r row) ratio() float64 {
	if !r.g.ok || !r.b.ok || r.b.v == 0 {
		return math.NaN()
	}
	return r.g.v / r.b.v
}

// report is the whole result: rows, footnotes and failures.
type report struct {
	rows     []row
	notes    []string
	failures []string
	withB    bool // bpftrace was measured
}

// add appends r; without bpftrace its bpftrace cell is dropped.
func (rep *report) add(r row) {
	if !rep.withB {
		r.b = cell{}
	}
	for _, c := range []struct {
		who string
		c   cell
	}{{"gtrace", r.g}, {"bpftrace", r.b}} {
		if c.c.err != "" {
			rep.failures = append(rep.failures, fmt.Sprintf("%s %s (%s): %s", r.id, r.name, c.who, c.c.err))
		}
	}
	rep.rows = append(rep.rows, r)
}

// render writes the table in Markdown.
func (rep *report) render(w io.Writer) {
	if rep.withB {
		fmt.Fprintln(w, "| | Measurement | Unit | gtrace | bpftrace | gtrace/bpftrace | Goal | Met |")
		fmt.Fprintln(w, "|---|---|---|---:|---:|---:|---|---|")
	} else {
		fmt.Fprintln(w, "| | Measurement | Unit | gtrace |")
		fmt.Fprintln(w, "|---|---|---|---:|")
	}
	for _, r := range rep.rows {
		if !rep.withB {
			fmt.Fprintf(w, "| %s | %s | %s | %s |\n", r.id, escape(r.name), r.unit, formatCell(r.g))
			continue
		}
		ratio := r.ratio()
		rs, met := "–", ""
		if !math.IsNaN(ratio) {
			rs = formatRatio(ratio)
		}
		if m, ok := r.goal.met(ratio); ok {
			met = "yes"
			if !m {
				met = "**no**"
			}
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s |\n",
			r.id, escape(r.name), r.unit, formatCell(r.g), formatCell(r.b), rs, r.goal, met)
	}
	if len(rep.notes) > 0 {
		fmt.Fprintln(w)
		for _, n := range rep.notes {
			fmt.Fprintf(w, "- %s\n", n)
		}
	}
	if len(rep.failures) > 0 {
		fmt.Fprintln(w, "\nFailures:")
		fmt.Fprintln(w)
		for _, f := range rep.failures {
			fmt.Fprintf(w, "- %s\n", strings.ReplaceAll(f, "\n", " ⏎ "))
		}
	}
}

// escape keeps a table cell on one line and its pipes literal.
func escape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " ")
}

func formatCell(c cell) string {
	switch {
	case c.err != "":
		return "error"
	case !c.ok:
		return "–"
	}
	return formatNum(c.v)
}

// formatNum prints about three significant digits without exponents.
func formatNum(v float64) string {
	a := math.Abs(v)
	switch {
	// The bounds sit half a unit below the next magnitude, so 99.96
	// prints as 100, not 100.0.
	case a >= 99.95 || v == math.Trunc(v):
		return groupThousands(fmt.Sprintf("%.0f", v))
	case a >= 9.995:
		return fmt.Sprintf("%.1f", v)
	case a >= 0.9995:
		return fmt.Sprintf("%.2f", v)
	}
	return fmt.Sprintf("%.3f", v)
}

func formatRatio(r float64) string {
	switch a := math.Abs(r); {
	case a >= 100:
		return fmt.Sprintf("%.0f", r)
	case a >= 10:
		return fmt.Sprintf("%.1f", r)
	}
	return fmt.Sprintf("%.3g", r)
}

// groupThousands inserts commas: 1234567 -> 1,234,567.
func groupThousands(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
