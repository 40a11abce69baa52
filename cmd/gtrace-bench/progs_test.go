package main

import (
	"os"
	"testing"
)

func TestSpecial(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"BEGIN", true}, {"END", true}, {"begin_0", true}, {"end_3", true},
		{"tracepoint_0", false}, {"sys_enter_getpp", false}, {"endless", false}, {"99", false},
	}
	for _, tt := range tests {
		if got := (&bpfProg{name: tt.name}).special(); got != tt.want {
			t.Errorf("special(%q) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestProgIDs(t *testing.T) {
	// The test process holds no BPF program.
	ids, err := progIDs(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 0 {
		t.Errorf("found programs %v in the test process", ids)
	}
	if _, err := progIDs(-1); err == nil {
		t.Error("no error for a process that cannot exist")
	}
}
