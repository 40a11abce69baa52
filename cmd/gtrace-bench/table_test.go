package main

import (
	"bytes"
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func TestMedian(t *testing.T) {
	tests := []struct {
		in   []float64
		want float64
	}{
		{[]float64{3}, 3},
		{[]float64{5, 1, 3}, 3},
		{[]float64{4, 1, 3, 2}, 2.5},
		{[]float64{10, 10, 1000, 10, 11}, 10},
	}
	for _, tt := range tests {
		in := append([]float64(nil), tt.in...)
		if got := median(tt.in); got != tt.want {
			t.Errorf("median(%v) = %v, want %v", tt.in, got, tt.want)
		}
		for i := range in {
			if in[i] != tt.in[i] {
				t.Fatalf("median reordered its input: %v", tt.in)
			}
		}
	}
	if !math.IsNaN(median(nil)) {
		t.Error("median of nothing is not NaN")
	}
}

func TestFormat(t *testing.T) {
	nums := []struct {
		v    float64
		want string
	}{
		{0, "0"}, {67, "67"}, {0.0309, "0.031"}, {8.19, "8.19"}, {99.94, "99.9"},
		{265.4, "265"}, {99.96, "100"}, {9.999, "10.0"}, {0.9996, "1.00"}, {1975, "1,975"}, {1188892.4, "1,188,892"}, {-1234, "-1,234"},
	}
	for _, tt := range nums {
		if got := formatNum(tt.v); got != tt.want {
			t.Errorf("formatNum(%v) = %q, want %q", tt.v, got, tt.want)
		}
	}
	ratios := []struct {
		v    float64
		want string
	}{
		{0.0309, "0.0309"}, {0.1, "0.1"}, {2.156, "2.16"}, {9.53, "9.53"}, {12.34, "12.3"}, {250.4, "250"},
	}
	for _, tt := range ratios {
		if got := formatRatio(tt.v); got != tt.want {
			t.Errorf("formatRatio(%v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}

func TestGoalMet(t *testing.T) {
	tests := []struct {
		g             goal
		ratio         float64
		wantMet, want bool
	}{
		{tenXFaster, 0.05, true, true},
		{tenXFaster, 0.124, false, true},
		{fiveXLower, 0.2, true, true},
		{notWorse, 1.01, false, true},
		{notLower, 6.9, true, true},
		{notLower, 0.5, false, true},
		{noGoal, 0.5, false, false},
		{notWorse, math.NaN(), false, false},
		{notWorse, math.Inf(1), false, false},
	}
	for _, tt := range tests {
		met, ok := tt.g.met(tt.ratio)
		if met != tt.wantMet || ok != tt.want {
			t.Errorf("%+v.met(%v) = %v, %v; want %v, %v", tt.g, tt.ratio, met, ok, tt.wantMet, tt.want)
		}
	}
}

// sampleReport has a row of each kind: goal met, missed, no goal, failed.
func sampleReport(withB bool) *report {
	rep := &report{withB: withB}
	rep.add(row{id: "a", name: "`BEGIN { exit(); }`: start to process exit", unit: "ms", g: value(8.19), b: value(265), goal: tenXFaster})
	rep.add(row{id: "e", name: "BPF instructions: count by comm", unit: "insns", g: value(67), b: value(31), goal: notWorse})
	rep.add(row{id: "c", name: "compile 1000 probes | dry run", unit: "ms", g: value(204), b: value(1975), goal: noGoal})
	rep.add(row{id: "f", name: "kernel run time per event: x", unit: "ns", g: value(147), b: failed(errors.New("bpftrace: timed out\nattaching")), goal: notWorse})
	rep.add(row{id: "g", name: "printf events delivered", unit: "events/s", g: value(1188892), b: value(0), goal: notLower})
	rep.notes = append(rep.notes, "d: an untraced getppid takes 186.4 ns (median).")
	return rep
}

func TestRenderGolden(t *testing.T) {
	for _, tt := range []struct {
		file  string
		withB bool
	}{{"render.golden", true}, {"render_alone.golden", false}} {
		t.Run(tt.file, func(t *testing.T) {
			var buf bytes.Buffer
			sampleReport(tt.withB).render(&buf)
			path := filepath.Join("testdata", tt.file)
			if *update {
				if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("render output differs from %s:\n%s", path, buf.String())
			}
		})
	}
}

func TestReportCollectsFailures(t *testing.T) {
	if rep := sampleReport(false); len(rep.failures) != 0 {
		t.Errorf("failures of an unmeasured bpftrace reported: %q", rep.failures)
	}
	rep := sampleReport(true)
	if len(rep.failures) != 1 {
		t.Fatalf("failures = %q, want exactly the bpftrace run-time error", rep.failures)
	}
	if want := "f kernel run time per event: x (bpftrace): bpftrace: timed out\nattaching"; rep.failures[0] != want {
		t.Errorf("failure = %q, want %q", rep.failures[0], want)
	}
}

func BenchmarkRender(b *testing.B) {
	rep := sampleReport(true)
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		rep.render(&buf)
	}
}
