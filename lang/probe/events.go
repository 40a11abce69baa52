package probe

// SoftwareEvent is a perf software event accepted after software:.
type SoftwareEvent struct {
	Name, Alias string
	// Config is the PERF_COUNT_SW_* value.
	Config uint64
	// DefaultCount is bpftrace's sample period when the probe gives none.
	DefaultCount uint64
}

// SoftwareEvents lists the software events with bpftrace's defaults.
var SoftwareEvents = []SoftwareEvent{
	{"cpu-clock", "cpu", 0, 1000000},
	{"task-clock", "", 1, 1000000},
	{"page-faults", "faults", 2, 100},
	{"context-switches", "cs", 3, 1000},
	{"cpu-migrations", "", 4, 1},
	{"minor-faults", "", 5, 100},
	{"major-faults", "", 6, 1},
	{"alignment-faults", "", 7, 1},
	{"emulation-faults", "", 8, 1},
	{"dummy", "", 9, 1},
	{"bpf-output", "", 10, 1},
}

// LookupSoftware finds a software event by name or alias.
func LookupSoftware(name string) (SoftwareEvent, bool) {
	for _, e := range SoftwareEvents {
		if e.Name == name || (e.Alias != "" && e.Alias == name) {
			return e, true
		}
	}
	return SoftwareEvent{}, false
}
