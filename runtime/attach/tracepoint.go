package attach

import (
	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"

	"gtrace/lang/probe"
)

// tracepoint attaches to tracepoint:category:name through perf_event_open
// of the tracepoint's id (cilium/ebpf handles the tracefs lookup).
func tracepoint(prog *ebpf.Program, spec probe.Spec) (*Probe, error) {
	l, err := link.Tracepoint(spec.Target, spec.Func, prog, nil)
	if err != nil {
		return nil, err
	}
	return &Probe{Spec: spec, links: []closer{l}}, nil
}
