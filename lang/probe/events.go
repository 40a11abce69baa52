package probe

// PerfEvent is a perf software or hardware event a probe names, as in
// software:page-faults:100 or hardware:cache-misses.
type PerfEvent struct {
	// Name is the event's name and Alias its short name ("" if none);
	// probes may use either.
	Name, Alias string
	// Type is PERF_TYPE_SOFTWARE or PERF_TYPE_HARDWARE.
	Type uint32
	// Config is the PERF_COUNT_SW_* or PERF_COUNT_HW_* constant.
	Config uint64
	// DefaultCount is the sample period bpftrace uses when the probe gives
	// none.
	DefaultCount uint64
}

// perf_event_open(2) constants, from linux/perf_event.h.
const (
	perfTypeHardware = 0
	perfTypeSoftware = 1
)

// SoftwareEvents lists the perf software events in bpftrace's order, with
// its default counts (checked against bpftrace 0.17's perf_event_open
// calls). Treat it as read-only.
var SoftwareEvents = []PerfEvent{
	{"alignment-faults", "", perfTypeSoftware, 7, 1},
	{"bpf-output", "", perfTypeSoftware, 10, 1},
	{"context-switches", "cs", perfTypeSoftware, 3, 1000},
	{"cpu-clock", "cpu", perfTypeSoftware, 0, 1000000},
	{"cpu-migrations", "", perfTypeSoftware, 4, 1},
	{"dummy", "", perfTypeSoftware, 9, 1},
	{"emulation-faults", "", perfTypeSoftware, 8, 1},
	{"major-faults", "", perfTypeSoftware, 6, 1},
	{"minor-faults", "", perfTypeSoftware, 5, 100},
	{"page-faults", "faults", perfTypeSoftware, 2, 100},
	{"task-clock", "", perfTypeSoftware, 1, 1},
}

// HardwareEvents lists the perf hardware events in bpftrace's order, with
// its default counts. Treat it as read-only.
var HardwareEvents = []PerfEvent{
	{"backend-stalls", "", perfTypeHardware, 8, 1000000},
	{"branch-instructions", "branches", perfTypeHardware, 4, 100000},
	{"branch-misses", "", perfTypeHardware, 5, 100000},
	{"bus-cycles", "", perfTypeHardware, 6, 100000},
	{"cache-misses", "", perfTypeHardware, 3, 1000000},
	{"cache-references", "", perfTypeHardware, 2, 1000000},
	{"cpu-cycles", "cycles", perfTypeHardware, 0, 1000000},
	{"frontend-stalls", "", perfTypeHardware, 7, 1000000},
	{"instructions", "", perfTypeHardware, 1, 1000000},
	{"ref-cycles", "", perfTypeHardware, 9, 1000000},
}

// LookupSoftware finds a software event by name or alias.
func LookupSoftware(name string) (PerfEvent, bool) { return lookupEvent(SoftwareEvents, name) }

// LookupHardware finds a hardware event by name or alias.
func LookupHardware(name string) (PerfEvent, bool) { return lookupEvent(HardwareEvents, name) }

func lookupEvent(events []PerfEvent, name string) (PerfEvent, bool) {
	for _, e := range events {
		if name != "" && (e.Name == name || e.Alias == name) {
			return e, true
		}
	}
	return PerfEvent{}, false
}
