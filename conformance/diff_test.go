package main

import (
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	in := strings.Join([]string{
		`ERROR: Unknown error -1: couldn't set RLIMIT_MEMLOCK for bpftrace. If your program is not loading, you can try "ulimit -l 8192" to fix the problem`,
		"Attaching 2 probes...",
		NotifyLine,
		`{"type": "attached_probes", "data": {"probes": 1}}`,
		"@h: ",
		"x\t ",
		"Attaching 2 probes... later", // not the attach message
		"",
	}, "\n")
	want := "@h:\nx\nAttaching 2 probes... later\n"
	if got := Normalize(in); got != want {
		t.Errorf("Normalize = %q, want %q", got, want)
	}
}

func TestParseKnownDiffs(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		want    map[string]string
		wantErr string
	}{
		{
			name: "entries, continuation and prose",
			text: "# Known differences\n\nSome prose with `code`.\n\n- `cli.info`: gtrace says kprobe: no\n  because kprobes are missing.\n* `basic.x` — a bpftrace 0.17 bug\n\nMore prose.\n",
			want: map[string]string{
				"cli.info": "gtrace says kprobe: no because kprobes are missing.",
				"basic.x":  "a bpftrace 0.17 bug",
			},
		},
		{name: "duplicate", text: "- `a.b`: one\n- `a.b`: two\n", wantErr: "listed twice"},
		{name: "no reason", text: "- `a.b`:\n", wantErr: "no reason"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseKnownDiffs("K.md", strings.NewReader(tc.text))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("%s: got %q, want %q", k, got[k], v)
				}
			}
		})
	}
}

func TestLineDiff(t *testing.T) {
	tests := []struct {
		name, a, b, want string
	}{
		{"equal", "a\nb", "a\nb", ""},
		{"changed line", "a\nb\nc", "a\nB\nc", "-b\n+B\n"},
		{"added line", "a\nc", "a\nb\nc", "+b\n"},
		{"removed line", "a\nb\nc", "a\nc", "-b\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := LineDiff(tc.a, tc.b); got != tc.want {
				t.Errorf("LineDiff = %q, want %q", got, tc.want)
			}
		})
	}
	long := strings.Repeat("x\n", 100)
	if got := LineDiff(long, ""); !strings.Contains(got, "more lines") || strings.Count(got, "\n") != maxDiffLines+1 {
		t.Errorf("long diff not cut: %d lines", strings.Count(got, "\n"))
	}
}
