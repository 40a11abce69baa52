package main

import (
	"strings"
	"testing"
)

func TestRunRejectsBadArguments(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{nil, "usage"},
		{[]string{"calls"}, "usage: loadgen calls N"},
		{[]string{"calls", "-3"}, `bad count "-3"`},
		{[]string{"mix", "soon"}, "mix:"},
		{[]string{"rate", "x", "1s"}, `bad rate "x"`},
		{[]string{"rate", "10"}, "usage: loadgen rate R D"},
		{[]string{"spin"}, `unknown mode "spin"`},
	}
	for _, tt := range tests {
		err := run(tt.args)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("run(%q) = %v, want an error containing %q", tt.args, err, tt.want)
		}
	}
}

func TestCalls(t *testing.T) {
	if err := calls(1000); err != nil {
		t.Fatal(err)
	}
}
