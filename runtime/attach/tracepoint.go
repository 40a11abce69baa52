package attach

import (
	"fmt"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"

	"gtrace/lang/probe"
)

// tracepoint attaches to tracepoint:category:name: perf_event_open of the
// tracepoint's event id (read from its format file when the checker
// resolved it), then the program is bound to that event. One event on
// CPU 0 serves every CPU: a tracepoint runs its BPF programs wherever it
// fires.
func tracepoint(prog *ebpf.Program, spec probe.Spec, env Env) (*Probe, error) {
	if env.TracepointID == nil {
		return nil, fmt.Errorf("no tracepoint ids available")
	}
	id, err := env.TracepointID(spec.Target, spec.Func)
	if err != nil {
		return nil, err
	}
	attr := unix.PerfEventAttr{
		Type:        unix.PERF_TYPE_TRACEPOINT,
		Config:      uint64(id),
		Sample_type: unix.PERF_SAMPLE_RAW,
		Sample:      1,
		Wakeup:      1,
	}
	return perfEvents(prog, spec, attr, []int{0}, -1)
}
