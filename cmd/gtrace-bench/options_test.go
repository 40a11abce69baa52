package main

import (
	"io"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseOptions(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		check   func(o options) string // returns a complaint, or ""
		wantErr string
	}{
		{name: "defaults", args: nil, check: func(o options) string {
			if o.reps != 7 || o.progReps != 3 || o.probes != 1000 || o.calls != 1_000_000 || o.load != time.Second || o.maxRate != 3_200_000 || o.rateSteps != 8 || o.refine != 2 {
				return "full defaults not applied"
			}
			if o.bin != "bin/gtrace" || o.bpftrace != "/usr/bin/bpftrace" || o.quick {
				return "binaries or quick wrong"
			}
			if got := slices.Sorted(maps.Keys(o.only)); !slices.Equal(got, sections) {
				return "not every section selected: " + strings.Join(got, ",")
			}
			return ""
		}},
		{name: "quick", args: []string{"-quick"}, check: func(o options) string {
			if o.reps != 2 || o.progReps != 1 || o.probes != 200 || o.calls != 200_000 || o.load != 300*time.Millisecond || o.rateDur != 300*time.Millisecond || o.maxRate != 800_000 || o.rateSteps != 5 || o.refine != 0 {
				return "quick defaults not applied"
			}
			return ""
		}},
		{name: "quick keeps explicit flags", args: []string{"-reps", "5", "-quick", "-load=2s"}, check: func(o options) string {
			if o.reps != 5 || o.load != 2*time.Second || o.probes != 200 {
				return "explicit flags overridden by -quick"
			}
			return ""
		}},
		{name: "no bpftrace", args: []string{"-bpftrace", "none", "-bin", "/x/gtrace"}, check: func(o options) string {
			if o.bpftrace != "" || o.bin != "/x/gtrace" {
				return "binaries not set"
			}
			return ""
		}},
		{name: "only", args: []string{"-only", " A, g,,c"}, check: func(o options) string {
			if got := slices.Sorted(maps.Keys(o.only)); !slices.Equal(got, []string{"a", "c", "g"}) {
				return "sections " + strings.Join(got, ",")
			}
			return ""
		}},
		{name: "zero reps", args: []string{"-reps", "0"}, wantErr: "-reps must be positive"},
		{name: "negative refine", args: []string{"-rate-refine", "-1"}, wantErr: "-rate-refine must not be negative"},
		{name: "zero load", args: []string{"-load", "0s"}, wantErr: "-load and -rate-dur must be positive"},
		{name: "unknown section", args: []string{"-only", "a,z"}, wantErr: `unknown section "z"`},
		{name: "empty sections", args: []string{"-only", ","}, wantErr: "no section selected"},
		{name: "stray argument", args: []string{"script.bt"}, wantErr: `unexpected argument "script.bt"`},
		{name: "bad flag", args: []string{"-frobnicate"}, wantErr: "flag provided but not defined"},
		{name: "no binary", args: []string{"-bin", ""}, wantErr: "-bin must name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := parseOptions(tt.args, io.Discard)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if msg := tt.check(o); msg != "" {
				t.Errorf("%s: %+v", msg, o)
			}
		})
	}
}

func BenchmarkParseOptions(b *testing.B) {
	args := []string{"-quick", "-reps", "3", "-only", "a,b,c,d,e,f,g", "-bpftrace", "none"}
	for b.Loop() {
		if _, err := parseOptions(args, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}
