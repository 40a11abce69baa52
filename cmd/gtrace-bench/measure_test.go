package main

import (
	"testing"

	"gtrace/lang/parser"
)

// TestScriptsParse keeps the benchmark's scripts valid gtrace syntax.
func TestScriptsParse(t *testing.T) {
	scripts := map[string]string{"throughput": throughputScript}
	for _, s := range progScripts {
		scripts[s.name] = s.script
	}
	for _, s := range perEventScripts {
		scripts[s.name] = s.text
	}
	for name, src := range scripts {
		prog, err := parser.Parse(name, src)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if prog == nil {
			t.Errorf("%s: no program", name)
		}
	}
}

func TestStepResult(t *testing.T) {
	tests := []struct {
		r        stepResult
		lossless bool
		rate     float64
	}{
		{stepResult{generated: 1000, delivered: 1000, seconds: 0.5}, true, 2000},
		{stepResult{generated: 1000, delivered: 1000, lost: 1, seconds: 1}, false, 1000},
		{stepResult{generated: 1000, delivered: 999, seconds: 1}, false, 1000},
	}
	for _, tt := range tests {
		if got := tt.r.lossless(); got != tt.lossless {
			t.Errorf("%+v.lossless() = %v", tt.r, got)
		}
		if got := tt.r.rate(); got != tt.rate {
			t.Errorf("%+v.rate() = %v, want %v", tt.r, got, tt.rate)
		}
	}
}
