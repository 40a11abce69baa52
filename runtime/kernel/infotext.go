package kernel

import (
	"bufio"
	"fmt"
	"io"
	"runtime"
)

// infoLine is one "name: yes|no" line of the --info report.
type infoLine struct {
	label string
	get   func(*Features) error
}

// Section contents follow bpftrace's --info, extended with the lines newer
// bpftrace versions print; bpftrace's runtime-test harness greps them.
var (
	infoHelpers = []infoLine{
		{"probe_read", func(f *Features) error { return f.ProbeRead }},
		{"probe_read_str", func(f *Features) error { return f.ProbeReadStr }},
		{"probe_read_user", func(f *Features) error { return f.ProbeReadUser }},
		{"probe_read_user_str", func(f *Features) error { return f.ProbeReadUserStr }},
		{"probe_read_kernel", func(f *Features) error { return f.ProbeReadKernel }},
		{"probe_read_kernel_str", func(f *Features) error { return f.ProbeReadKernelStr }},
		{"get_current_cgroup_id", func(f *Features) error { return f.GetCurrentCgroupID }},
		{"send_signal", func(f *Features) error { return f.SendSignal }},
		{"override_return", func(f *Features) error { return f.OverrideReturn }},
		{"get_boot_ns", func(f *Features) error { return f.GetBootNs }},
		{"dpath", func(f *Features) error { return f.DPath }},
		{"skboutput", func(f *Features) error { return f.SKBOutput }},
		{"get_tai_ns", func(f *Features) error { return f.GetTaiNs }},
		{"get_func_ip", func(f *Features) error { return f.GetFuncIP }},
		{"jiffies64", func(f *Features) error { return f.Jiffies64 }},
		{"for_each_map_elem", func(f *Features) error { return f.ForEachMapElem }},
	}
	infoKernel = []infoLine{
		{"Loop support", func(f *Features) error { return f.BoundedLoops }},
		{"btf", func(f *Features) error { return f.BTF }},
		{"module btf", func(f *Features) error { return f.ModuleBTF }},
		{"map batch", func(f *Features) error { return f.MapBatch }},
		{"uprobe refcount (depends on Build:bcc bpf_attach_uprobe refcount)", func(f *Features) error { return f.UprobeRefCount }},
	}
	infoMaps = []infoLine{
		{"hash", func(f *Features) error { return f.Hash }},
		{"percpu hash", func(f *Features) error { return f.PerCPUHash }},
		{"array", func(f *Features) error { return f.Array }},
		{"percpu array", func(f *Features) error { return f.PerCPUArray }},
		{"stack_trace", func(f *Features) error { return f.StackTrace }},
		{"perf_event_array", func(f *Features) error { return f.PerfEventArray }},
		{"ringbuf", func(f *Features) error { return f.RingBuf }},
	}
	infoProbes = []infoLine{
		{"kprobe", func(f *Features) error { return f.Kprobe }},
		{"uprobe", func(f *Features) error { return f.Uprobe }},
		{"tracepoint", func(f *Features) error { return f.Tracepoint }},
		{"perf_event", func(f *Features) error { return f.PerfEvent }},
		{"hardware", func(f *Features) error { return f.Hardware }},
		{"fentry", func(f *Features) error { return f.Fentry }},
		// Older harnesses ask for kfunc, the pre-0.20 name of fentry.
		{"kfunc", func(f *Features) error { return f.Fentry }},
		{"rawtracepoint", func(f *Features) error { return f.RawTracepoint }},
		{"iter", func(f *Features) error { return f.IterTask }},
		{"iter:task", func(f *Features) error { return f.IterTask }},
		{"iter:task_file", func(f *Features) error { return f.IterTaskFile }},
		{"kprobe_multi", func(f *Features) error { return f.KprobeMulti }},
		{"uprobe_multi", func(f *Features) error { return f.UprobeMulti }},
		{"kprobe_session", func(f *Features) error { return f.KprobeSession }},
		{"raw_tp_special", func(f *Features) error { return f.ProgTestRun }},
	}
)

// WriteInfo writes the `--info` report in bpftrace's sections and line
// format, measured on the running kernel. version is gtrace's version for
// the Build section.
func (k *Info) WriteInfo(w io.Writer, version string) error {
	u, err := k.Uname()
	if err != nil {
		return err
	}
	f := k.Features()
	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }
	lines := func(ls []infoLine) {
		for _, l := range ls {
			p("  %s: %s\n", l.label, yesNo(l.get(f)))
		}
	}
	p("System\n")
	p("  OS: %s %s %s\n", u.Sysname, u.Release, u.Version)
	p("  Arch: %s\n", u.Machine)
	p("\nBuild\n")
	p("  version: %s\n", version)
	p("  LLVM: none (gtrace emits BPF instructions itself)\n")
	p("  Go: %s\n", runtime.Version())
	p("  unsafe uprobe: no\n")
	p("  bfd: no\n")
	p("  libdw (DWARF support): no\n")
	p("\nKernel helpers\n")
	lines(infoHelpers)
	p("\nKernel features\n")
	p("  Instruction limit: %d\n", f.InstructionLimit())
	lines(infoKernel)
	p("\nMap types\n")
	lines(infoMaps)
	p("\nProbe types\n")
	lines(infoProbes)
	return bw.Flush()
}

func yesNo(err error) string {
	if err == nil {
		return "yes"
	}
	return "no"
}
