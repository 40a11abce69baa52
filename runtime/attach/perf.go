package attach

import (
	"errors"
	"fmt"
	"os"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"

	"gtrace/lang/probe"
)

// Perf-event probes: interval (one CPU), profile (every online CPU) and
// software events (every online CPU). cilium/ebpf does not wrap these, so
// the events are opened with perf_event_open and the program attached
// with a BPF link (Linux 5.15), falling back to PERF_EVENT_IOC_SET_BPF.

// timer attaches interval and profile probes: cpu-clock events with a
// fixed period, or a frequency for the hz unit.
func timer(prog *ebpf.Program, spec probe.Spec, env Env) (*Probe, error) {
	attr := unix.PerfEventAttr{
		Type:   unix.PERF_TYPE_SOFTWARE,
		Config: unix.PERF_COUNT_SW_CPU_CLOCK,
	}
	if spec.Unit == "hz" {
		attr.Bits |= unix.PerfBitFreq
		attr.Sample = spec.Count
	} else {
		attr.Sample = spec.PeriodNs()
	}
	cpus := env.CPUs
	if spec.Kind == probe.Interval {
		// An interval fires on one CPU only.
		cpus = cpus[:1]
	}
	return perfEvents(prog, spec, attr, cpus, -1)
}

func software(prog *ebpf.Program, spec probe.Spec, env Env) (*Probe, error) {
	ev, ok := probe.LookupSoftware(spec.Func)
	if !ok {
		return nil, fmt.Errorf("unknown software event %q", spec.Func)
	}
	count := spec.Count
	if count == 0 {
		count = ev.DefaultCount
	}
	attr := unix.PerfEventAttr{Type: ev.Type, Config: ev.Config, Sample: count}
	return perfEvents(prog, spec, attr, env.CPUs, -1)
}

// perfEvents opens one event per CPU and attaches prog to each.
func perfEvents(prog *ebpf.Program, spec probe.Spec, attr unix.PerfEventAttr, cpus []int, pid int) (*Probe, error) {
	attr.Size = uint32(unsafeSizeofPerfEventAttr)
	p := &Probe{Spec: spec}
	for _, cpu := range cpus {
		fd, err := unix.PerfEventOpen(&attr, pid, cpu, -1, unix.PERF_FLAG_FD_CLOEXEC)
		if err != nil {
			p.Close()
			return nil, fmt.Errorf("perf_event_open on CPU %d: %w", cpu, err)
		}
		l, err := attachFD(prog, fd)
		if err != nil {
			unix.Close(fd)
			p.Close()
			return nil, err
		}
		p.links = append(p.links, l)
	}
	return p, nil
}

// perfLink owns a perf event fd and the link (or ioctl) binding prog.
type perfLink struct {
	fd   int
	link *link.RawLink
}

func (l *perfLink) Close() error {
	var err error
	if l.link != nil {
		err = l.link.Close()
	} else {
		unix.IoctlSetInt(l.fd, unix.PERF_EVENT_IOC_DISABLE, 0)
	}
	return errors.Join(err, unix.Close(l.fd))
}

func attachFD(prog *ebpf.Program, fd int) (*perfLink, error) {
	l, err := link.AttachRawLink(link.RawLinkOptions{Target: fd, Program: prog, Attach: ebpf.AttachPerfEvent})
	if err == nil {
		return &perfLink{fd: fd, link: l}, nil
	}
	// Before Linux 5.15: bind with the ioctl.
	if err2 := unix.IoctlSetInt(fd, unix.PERF_EVENT_IOC_SET_BPF, prog.FD()); err2 != nil {
		return nil, fmt.Errorf("attaching to perf event: %w (link: %v)", os.NewSyscallError("PERF_EVENT_IOC_SET_BPF", err2), err)
	}
	if err := unix.IoctlSetInt(fd, unix.PERF_EVENT_IOC_ENABLE, 0); err != nil {
		return nil, fmt.Errorf("enabling perf event: %w", err)
	}
	return &perfLink{fd: fd}, nil
}
