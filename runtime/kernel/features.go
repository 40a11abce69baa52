package kernel

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"unsafe"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/features"
	"golang.org/x/sys/unix"
)

// Features holds the results of the BPF feature probes. Every field is nil
// when the feature is present, an error wrapping ebpf.ErrNotSupported when
// it is absent, and some other error when the probe could not decide (for
// example for lack of privileges). The probes load and attach small
// programs, so they need the privileges gtrace itself needs (root).
type Features struct {
	// Helpers, probed for kprobe-type programs as bpftrace does.
	ProbeRead, ProbeReadStr             error
	ProbeReadUser, ProbeReadUserStr     error
	ProbeReadKernel, ProbeReadKernelStr error
	GetCurrentCgroupID                  error
	SendSignal                          error
	OverrideReturn                      error
	GetBootNs                           error
	GetTaiNs                            error
	GetFuncIP                           error
	Jiffies64                           error
	ForEachMapElem                      error
	// DPath and SKBOutput exist only for fentry programs.
	DPath, SKBOutput error

	// LargeInstructions: 1M instructions per program instead of 4096.
	LargeInstructions error
	BoundedLoops      error
	// BTF is kernel BTF in /sys/kernel/btf/vmlinux; ModuleBTF is BTF for
	// loaded modules next to it.
	BTF, ModuleBTF error
	MapBatch       error
	// UprobeRefCount is USDT semaphore support (ref_ctr_offset).
	UprobeRefCount error

	Hash, PerCPUHash, Array, PerCPUArray, StackTrace, PerfEventArray, RingBuf error

	Kprobe, Uprobe, Tracepoint, PerfEvent, RawTracepoint error
	// Hardware is a usable hardware PMU, for hardware: probes.
	Hardware error
	// Fentry covers fentry and fexit (bpftrace's kfunc and kretfunc).
	Fentry                                  error
	KprobeMulti, UprobeMulti, KprobeSession error
	IterTask, IterTaskFile                  error
	// ProgTestRun is running a raw_tracepoint program with
	// BPF_PROG_TEST_RUN, which BEGIN and END probes use.
	ProgTestRun error
}

// InstructionLimit returns the maximum number of instructions per program.
func (f *Features) InstructionLimit() int {
	if f.LargeInstructions == nil {
		return 1000000
	}
	return 4096
}

// Features runs every feature probe on first use, concurrently, and
// returns the cached results. It lifts RLIMIT_MEMLOCK first (needed before
// Linux 5.11 to load anything), as gtrace does before loading programs.
func (k *Info) Features() *Features {
	return k.features()
}

func (k *Info) probeFeatures() *Features {
	// Without it old kernels fail every load; the probes then say why.
	RaiseMemlock()

	f := &Features{}
	helper := func(fn asm.BuiltinFunc) func() error {
		return func() error { return features.HaveProgramHelper(ebpf.Kprobe, fn) }
	}
	mapType := func(mt ebpf.MapType) func() error {
		return func() error { return features.HaveMapType(mt) }
	}
	progType := func(pt ebpf.ProgramType) func() error {
		return func() error { return features.HaveProgramType(pt) }
	}
	probes := []struct {
		dst   *error
		probe func() error
	}{
		{&f.ProbeRead, helper(asm.FnProbeRead)},
		{&f.ProbeReadStr, helper(asm.FnProbeReadStr)},
		{&f.ProbeReadUser, helper(asm.FnProbeReadUser)},
		{&f.ProbeReadUserStr, helper(asm.FnProbeReadUserStr)},
		{&f.ProbeReadKernel, helper(asm.FnProbeReadKernel)},
		{&f.ProbeReadKernelStr, helper(asm.FnProbeReadKernelStr)},
		{&f.GetCurrentCgroupID, helper(asm.FnGetCurrentCgroupId)},
		{&f.SendSignal, helper(asm.FnSendSignal)},
		{&f.OverrideReturn, helper(asm.FnOverrideReturn)},
		{&f.GetBootNs, helper(asm.FnKtimeGetBootNs)},
		{&f.GetTaiNs, helper(asm.FnKtimeGetTaiNs)},
		{&f.GetFuncIP, helper(asm.FnGetFuncIp)},
		{&f.Jiffies64, helper(asm.FnJiffies64)},
		{&f.ForEachMapElem, helper(asm.FnForEachMapElem)},
		{&f.LargeInstructions, features.HaveLargeInstructions},
		{&f.BoundedLoops, features.HaveBoundedLoops},
		{&f.ModuleBTF, k.haveModuleBTF},
		{&f.MapBatch, haveMapBatch},
		{&f.UprobeRefCount, k.haveUprobeRefCount},
		{&f.Hash, mapType(ebpf.Hash)},
		{&f.PerCPUHash, mapType(ebpf.PerCPUHash)},
		{&f.Array, mapType(ebpf.Array)},
		{&f.PerCPUArray, mapType(ebpf.PerCPUArray)},
		{&f.StackTrace, mapType(ebpf.StackTrace)},
		{&f.PerfEventArray, mapType(ebpf.PerfEventArray)},
		{&f.RingBuf, mapType(ebpf.RingBuf)},
		{&f.Kprobe, k.haveKprobe},
		{&f.Uprobe, k.haveUprobe},
		{&f.Tracepoint, k.haveTracepoint},
		{&f.PerfEvent, progType(ebpf.PerfEvent)},
		{&f.RawTracepoint, progType(ebpf.RawTracepoint)},
		{&f.Hardware, haveHardware},
		{&f.KprobeMulti, features.HaveBPFLinkKprobeMulti},
		{&f.UprobeMulti, features.HaveBPFLinkUprobeMulti},
		{&f.KprobeSession, features.HaveBPFLinkKprobeSession},
		{&f.ProgTestRun, haveProgTestRun},
	}
	var wg sync.WaitGroup
	for _, p := range probes {
		wg.Go(func() { *p.dst = p.probe() })
	}
	wg.Go(func() { k.probeTracing(f) })
	wg.Wait()
	return f
}

// refused is absent for errors the kernel returned, and wraps other
// errors (which say nothing about the kernel) unchanged.
func refused(feature string, err error) error {
	var errno unix.Errno
	if errors.As(err, &errno) {
		return absent(feature, err)
	}
	return fmt.Errorf("%s: %w", feature, err)
}

// absent marks err, the reason a probe of feature failed, as meaning the
// feature is absent.
func absent(feature string, err error) error {
	if errors.Is(err, ebpf.ErrNotSupported) {
		return fmt.Errorf("%s: %w", feature, err)
	}
	return fmt.Errorf("%s: %w: %w", feature, ebpf.ErrNotSupported, err)
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func (k *Info) haveBTF() error {
	path := filepath.Join(k.sys, "kernel/btf/vmlinux")
	f, err := os.Open(path)
	if err != nil {
		return absent("kernel BTF", err)
	}
	defer f.Close()
	var magic uint16
	if err := binary.Read(f, binary.NativeEndian, &magic); err != nil {
		return absent("kernel BTF", fmt.Errorf("reading %s: %w", path, err))
	}
	if magic != 0xeb9f {
		return absent("kernel BTF", fmt.Errorf("%s does not start with the BTF magic", path))
	}
	return nil
}

func (k *Info) haveModuleBTF() error {
	dir := filepath.Join(k.sys, "kernel/btf")
	entries, err := os.ReadDir(dir)
	if err != nil {
		return absent("module BTF", err)
	}
	for _, e := range entries {
		if e.Name() != "vmlinux" {
			return nil
		}
	}
	return absent("module BTF", fmt.Errorf("no module BTF in %s", dir))
}

func (k *Info) haveUprobeRefCount() error {
	path := filepath.Join(k.sys, "bus/event_source/devices/uprobe/format/ref_ctr_offset")
	if !exists(path) {
		return absent("uprobe reference counters", fmt.Errorf("%s is missing", path))
	}
	return nil
}

// haveKprobe checks for the two ways to create a kprobe: the perf kprobe
// PMU and tracefs's kprobe_events. Kernels built without CONFIG_KPROBES
// have neither.
func (k *Info) haveKprobe() error {
	return k.haveProbeKind("kprobe")
}

func (k *Info) haveUprobe() error {
	return k.haveProbeKind("uprobe")
}

func (k *Info) haveProbeKind(kind string) error {
	pmu := filepath.Join(k.sys, "bus/event_source/devices", kind, "type")
	if exists(pmu) {
		return nil
	}
	if dir, err := k.tracefs(); err == nil && exists(filepath.Join(dir, kind+"_events")) {
		return nil
	}
	return fmt.Errorf("%ss: the kernel has neither a perf %s PMU (%s) nor %s_events in tracefs (built without CONFIG_%sS?): %w",
		kind, kind, pmu, kind, strings.ToUpper(kind), ebpf.ErrNotSupported)
}

func (k *Info) haveTracepoint() error {
	if err := features.HaveProgramType(ebpf.TracePoint); err != nil {
		return err
	}
	dir, err := k.tracefs()
	if err != nil {
		return absent("tracepoints", err)
	}
	if !exists(filepath.Join(dir, "events")) {
		return absent("tracepoints", fmt.Errorf("%s has no events directory", dir))
	}
	return nil
}

// haveHardware opens a disabled CPU-cycles counter on this thread.
func haveHardware() error {
	attr := unix.PerfEventAttr{
		Type:   unix.PERF_TYPE_HARDWARE,
		Size:   uint32(unsafe.Sizeof(unix.PerfEventAttr{})),
		Config: unix.PERF_COUNT_HW_CPU_CYCLES,
		Bits:   unix.PerfBitDisabled | unix.PerfBitExcludeKernel | unix.PerfBitExcludeHv,
	}
	fd, err := unix.PerfEventOpen(&attr, 0, -1, -1, unix.PERF_FLAG_FD_CLOEXEC)
	switch {
	case err == nil:
		unix.Close(fd)
		return nil
	case errors.Is(err, unix.ENOENT), errors.Is(err, unix.EOPNOTSUPP), errors.Is(err, unix.ENODEV):
		return absent("hardware perf events", fmt.Errorf("no hardware PMU: %w", err))
	}
	return fmt.Errorf("hardware perf events: %w", err)
}

// haveMapBatch batch-reads an empty hash map; kernels before 5.6 reject
// the command.
func haveMapBatch() error {
	m, err := ebpf.NewMap(&ebpf.MapSpec{Type: ebpf.Hash, KeySize: 4, ValueSize: 4, MaxEntries: 1})
	if err != nil {
		return fmt.Errorf("map batch: %w", err)
	}
	defer m.Close()
	var cursor ebpf.MapBatchCursor
	keys, values := make([]uint32, 1), make([]uint32, 1)
	_, err = m.BatchLookup(&cursor, keys, values, nil)
	switch {
	case err == nil, errors.Is(err, ebpf.ErrKeyNotExist):
		return nil
	case errors.Is(err, unix.EINVAL), errors.Is(err, ebpf.ErrNotSupported):
		return absent("map batch", err)
	}
	return fmt.Errorf("map batch: %w", err)
}

var returnZero = asm.Instructions{asm.Mov.Imm(asm.R0, 0), asm.Return()}

// haveProgTestRun loads and runs a raw_tracepoint program the way BEGIN
// and END probes are run.
func haveProgTestRun() error {
	prog, err := ebpf.NewProgram(&ebpf.ProgramSpec{Type: ebpf.RawTracepoint, License: "GPL", Instructions: returnZero})
	if err != nil {
		return absent("raw_tracepoint programs", err)
	}
	defer prog.Close()
	if _, err := prog.Run(&ebpf.RunOptions{}); err != nil {
		return absent("running raw_tracepoint programs", err)
	}
	return nil
}

// Kernel functions the tracing probes use. bpf_fentry_test1 exists for
// fentry tests; vfs_read is the fallback. vfs_getattr is on the list of
// functions whose fentry programs may call d_path.
const (
	fentryTestFunc = "bpf_fentry_test1"
	fentryFallback = "vfs_read"
	dpathFunc      = "vfs_getattr"
	iterPrefix     = "bpf_iter_"
)

// probeTracing fills in the features that need BPF_PROG_TYPE_TRACING
// programs: fentry, the fentry-only helpers and iterators.
func (k *Info) probeTracing(f *Features) {
	setAll := func(err error) {
		f.Fentry, f.DPath, f.SKBOutput, f.IterTask, f.IterTaskFile = err, err, err, err, err
	}
	if f.BTF = k.haveBTF(); f.BTF != nil {
		setAll(fmt.Errorf("needs kernel BTF: %w", f.BTF))
		return
	}
	path := filepath.Join(k.sys, "kernel/btf/vmlinux")
	ids, err := readBTFFuncIDs(path, fentryTestFunc, fentryFallback, dpathFunc, iterPrefix+"task", iterPrefix+"task_file")
	if err != nil {
		setAll(fmt.Errorf("%s: %w", path, err))
		return
	}
	f.IterTask = haveIter(ids, "task")
	f.IterTaskFile = haveIter(ids, "task_file")
	target, err := haveFentry(ids)
	f.Fentry = err
	if err != nil {
		f.DPath = fmt.Errorf("d_path helper needs fentry: %w", err)
		f.SKBOutput = fmt.Errorf("skb_output helper needs fentry: %w", err)
		return
	}
	f.DPath = haveTracingHelper(ids, dpathFunc, asm.FnDPath)
	f.SKBOutput = haveTracingHelper(ids, target, asm.FnSkbOutput)
}

// readBTFFuncIDs runs btfFuncIDs over a BTF file. It maps the file rather
// than reading it, as cilium/ebpf does: that saves copying megabytes.
func readBTFFuncIDs(path string, names ...string) (map[string]uint32, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading kernel BTF: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("reading kernel BTF: %w", err)
	}
	data, err := unix.Mmap(int(f.Fd()), 0, int(fi.Size()), unix.PROT_READ, unix.MAP_PRIVATE)
	if err != nil {
		// Kernels before 6.15 cannot map it.
		if data, err = io.ReadAll(f); err != nil {
			return nil, fmt.Errorf("reading kernel BTF: %w", err)
		}
		return btfFuncIDs(data, names...)
	}
	defer unix.Munmap(data)
	return btfFuncIDs(data, names...)
}

// haveFentry loads an empty fentry program and attaches it, which needs
// BPF trampolines. It returns the function it attached to.
func haveFentry(ids map[string]uint32) (string, error) {
	target := fentryTestFunc
	if ids[target] == 0 {
		target = fentryFallback
	}
	id := ids[target]
	if id == 0 {
		return "", absent("fentry", fmt.Errorf("neither %s nor %s is in kernel BTF", fentryTestFunc, fentryFallback))
	}
	prog, _, err := loadTracing(unix.BPF_TRACE_FENTRY, id, returnZero, false)
	if err != nil {
		return "", refused("fentry", fmt.Errorf("loading an fentry program for %s: %w", target, err))
	}
	defer unix.Close(prog)
	lnk, err := attachTracing(prog)
	if err != nil {
		return "", absent("fentry", fmt.Errorf("attaching fentry to %s: %w", target, err))
	}
	unix.Close(lnk)
	return target, nil
}

// haveTracingHelper checks whether fentry programs on target may call fn,
// reading the verifier log as features.HaveProgramHelper does for other
// program types (it cannot probe tracing programs).
func haveTracingHelper(ids map[string]uint32, target string, fn asm.BuiltinFunc) error {
	if ids[target] == 0 {
		return absent(fn.String(), fmt.Errorf("%s is not in kernel BTF", target))
	}
	insns := asm.Instructions{fn.Call(), asm.Mov.Imm(asm.R0, 0), asm.Return()}
	prog, log, err := loadTracing(unix.BPF_TRACE_FENTRY, ids[target], insns, true)
	switch {
	case err == nil:
		unix.Close(prog)
		return nil
	case errors.Is(err, unix.EACCES):
		// The verifier knows the helper and objects only to its missing
		// arguments.
		return nil
	case errors.Is(err, unix.EINVAL) && (strings.Contains(log, "invalid func") || strings.Contains(log, "unknown func")):
		return absent(fn.String(), fmt.Errorf("fentry programs cannot call it"))
	}
	return fmt.Errorf("%s: loading an fentry program for %s: %w", fn, target, err)
}

// haveIter loads an iterator program for the named BPF iterator.
func haveIter(ids map[string]uint32, name string) error {
	id := ids[iterPrefix+name]
	if id == 0 {
		return absent("iter:"+name, fmt.Errorf("%s%s is not in kernel BTF", iterPrefix, name))
	}
	prog, _, err := loadTracing(unix.BPF_TRACE_ITER, id, returnZero, false)
	if err != nil {
		return refused("iter:"+name, fmt.Errorf("loading an iterator program: %w", err))
	}
	unix.Close(prog)
	return nil
}

// RaiseMemlock lifts RLIMIT_MEMLOCK, which bounds BPF memory before Linux
// 5.11 (memory cgroups account for it since). It is done directly rather
// than with cilium/ebpf/rlimit, whose package init loads a probe program
// on every start.
func RaiseMemlock() {
	inf := unix.Rlimit{Cur: unix.RLIM_INFINITY, Max: unix.RLIM_INFINITY}
	unix.Setrlimit(unix.RLIMIT_MEMLOCK, &inf)
}
