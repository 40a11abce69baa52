package probe

import (
	"testing"

	"golang.org/x/sys/unix"
)

func TestPerfEventTables(t *testing.T) {
	for _, tab := range []struct {
		kind   string
		events []PerfEvent
		typ    uint32
		n      int
	}{
		{"software", SoftwareEvents, unix.PERF_TYPE_SOFTWARE, 11},
		{"hardware", HardwareEvents, unix.PERF_TYPE_HARDWARE, 10},
	} {
		if len(tab.events) != tab.n {
			t.Errorf("%s: %d events, want %d", tab.kind, len(tab.events), tab.n)
		}
		seen := map[string]bool{}
		configs := map[uint64]bool{}
		for i, e := range tab.events {
			if i > 0 && tab.events[i-1].Name >= e.Name {
				t.Errorf("%s: %q is out of bpftrace's (sorted) order", tab.kind, e.Name)
			}
			for _, n := range []string{e.Name, e.Alias} {
				if n != "" && seen[n] {
					t.Errorf("%s: name %q used twice", tab.kind, n)
				}
				seen[n] = true
			}
			if configs[e.Config] {
				t.Errorf("%s: config %d used twice", tab.kind, e.Config)
			}
			configs[e.Config] = true
			if e.Type != tab.typ || e.DefaultCount == 0 {
				t.Errorf("%s: bad entry %+v", tab.kind, e)
			}
		}
	}
}

func TestLookupEvents(t *testing.T) {
	tests := []struct {
		name        string
		lookup      func(string) (PerfEvent, bool)
		config, def uint64
		ok          bool
	}{
		// Default counts as bpftrace 0.17 passes them to perf_event_open.
		{"cpu-clock", LookupSoftware, unix.PERF_COUNT_SW_CPU_CLOCK, 1000000, true},
		{"cpu", LookupSoftware, unix.PERF_COUNT_SW_CPU_CLOCK, 1000000, true},
		{"task-clock", LookupSoftware, unix.PERF_COUNT_SW_TASK_CLOCK, 1, true},
		{"faults", LookupSoftware, unix.PERF_COUNT_SW_PAGE_FAULTS, 100, true},
		{"minor-faults", LookupSoftware, unix.PERF_COUNT_SW_PAGE_FAULTS_MIN, 100, true},
		{"major-faults", LookupSoftware, unix.PERF_COUNT_SW_PAGE_FAULTS_MAJ, 1, true},
		{"cs", LookupSoftware, unix.PERF_COUNT_SW_CONTEXT_SWITCHES, 1000, true},
		{"bpf-output", LookupSoftware, unix.PERF_COUNT_SW_BPF_OUTPUT, 1, true},
		{"cycles", LookupHardware, unix.PERF_COUNT_HW_CPU_CYCLES, 1000000, true},
		{"branches", LookupHardware, unix.PERF_COUNT_HW_BRANCH_INSTRUCTIONS, 100000, true},
		{"bus-cycles", LookupHardware, unix.PERF_COUNT_HW_BUS_CYCLES, 100000, true},
		{"ref-cycles", LookupHardware, unix.PERF_COUNT_HW_REF_CPU_CYCLES, 1000000, true},
		{"cycles", LookupSoftware, 0, 0, false},
		{"cpu-clock", LookupHardware, 0, 0, false},
		{"", LookupSoftware, 0, 0, false}, // empty aliases must not match
	}
	for _, tt := range tests {
		e, ok := tt.lookup(tt.name)
		if ok != tt.ok || (ok && (e.Config != tt.config || e.DefaultCount != tt.def)) {
			t.Errorf("lookup %q = %+v, %v; want config %d, count %d, %v", tt.name, e, ok, tt.config, tt.def, tt.ok)
		}
	}
}
