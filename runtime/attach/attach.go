// Package attach connects loaded BPF programs to their events, one file
// per probe kind. Each attachment is a Probe that can be closed on its
// own, so a live session can add and remove probes one by one.
package attach

import (
	"errors"
	"fmt"
	"sync"

	"github.com/cilium/ebpf"

	"gtrace/lang/probe"
)

// Probe is one attached program: every link it made, closed together.
type Probe struct {
	Spec  probe.Spec
	links []closer
}

type closer interface{ Close() error }

// Close detaches the probe.
func (p *Probe) Close() error {
	// Close the links of a per-CPU probe concurrently: each close may wait
	// for an RCU grace period.
	errs := make([]error, len(p.links))
	var wg sync.WaitGroup
	for i, l := range p.links {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = l.Close()
		}()
	}
	wg.Wait()
	p.links = nil
	return errors.Join(errs...)
}

// Env is what attaching needs to know about the system.
type Env struct {
	// CPUs are the online CPUs, for per-CPU perf events.
	CPUs []int
	// Pid restricts perf events to one process when non-zero.
	Pid int
	// TracepointID returns the event id of a tracepoint.
	TracepointID func(category, name string) (int, error)
}

// Attach connects prog to the attach point spec.
func Attach(prog *ebpf.Program, spec probe.Spec, env Env) (*Probe, error) {
	var (
		p   *Probe
		err error
	)
	switch spec.Kind {
	case probe.Tracepoint:
		p, err = tracepoint(prog, spec, env)
	case probe.Interval, probe.Profile:
		p, err = timer(prog, spec, env)
	case probe.Software:
		p, err = software(prog, spec, env)
	default:
		return nil, fmt.Errorf("attaching %s probes is not supported", spec.Kind)
	}
	if err != nil {
		return nil, fmt.Errorf("attaching %s: %w", spec.Name(), err)
	}
	return p, nil
}
