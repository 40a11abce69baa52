package kernel

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestParseCPUList(t *testing.T) {
	tests := []struct {
		in      string
		want    []int
		wantErr string
	}{
		{in: "0\n", want: []int{0}},
		{in: "0-3", want: []int{0, 1, 2, 3}},
		{in: "0-3,5", want: []int{0, 1, 2, 3, 5}},
		{in: "0,2,4-5,7\n", want: []int{0, 2, 4, 5, 7}},
		{in: "3-3", want: []int{3}},
		{in: "", want: nil},
		{in: "\n", want: nil},
		{in: "3-1", wantErr: `cpu list "3-1": range "3-1" runs backwards`},
		{in: "2,1", wantErr: `cpu list "2,1": "1" is out of order`},
		{in: "0-2,2", wantErr: `cpu list "0-2,2": "2" is out of order`},
		{in: "a", wantErr: `cpu list "a": bad cpu number "a"`},
		{in: "0,,1", wantErr: `cpu list "0,,1": bad cpu number ""`},
		{in: "-1", wantErr: `cpu list "-1": bad cpu number ""`},
		{in: "+1", wantErr: `cpu list "+1": bad cpu number "+1"`},
		{in: "0-", wantErr: `cpu list "0-": bad cpu number ""`},
		{in: "0-99999999", wantErr: `cpu list "0-99999999": cpu number 99999999 is too large`},
	}
	for _, tt := range tests {
		got, err := ParseCPUList(tt.in)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("ParseCPUList(%q) error = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseCPUList(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestCPUsFromSysfs(t *testing.T) {
	sys := t.TempDir()
	dir := filepath.Join(sys, "devices/system/cpu")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("online", "0-1,3\n")
	write("possible", "0-7\n")
	k := NewWithOptions(Options{Sys: sys})
	online, err := k.OnlineCPUs()
	if err != nil || !reflect.DeepEqual(online, []int{0, 1, 3}) {
		t.Errorf("OnlineCPUs = %v, %v; want [0 1 3]", online, err)
	}
	if n, err := k.PossibleCPUs(); err != nil || n != 8 {
		t.Errorf("PossibleCPUs = %d, %v; want 8", n, err)
	}

	write("online", "\n")
	if _, err := k.OnlineCPUs(); err == nil {
		t.Error("OnlineCPUs accepted an empty list")
	}
	if _, err := NewWithOptions(Options{Sys: t.TempDir()}).PossibleCPUs(); err == nil {
		t.Error("PossibleCPUs without the sysfs file succeeded")
	}
}

func FuzzParseCPUList(f *testing.F) {
	for _, s := range []string{"0", "0-3,5", "0,2,4-5", "1-0", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cpus, err := ParseCPUList(s)
		if err != nil {
			return
		}
		for i := 1; i < len(cpus); i++ {
			if cpus[i] <= cpus[i-1] {
				t.Fatalf("ParseCPUList(%q) = %v is not strictly ascending", s, cpus)
			}
		}
	})
}
