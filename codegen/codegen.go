// Package codegen compiles a type-checked bpftrace program into eBPF: one
// program per probe instance, the maps the script uses, and the output
// descriptors the runtime needs to decode what the programs send. It is
// pure: it makes no system calls, so its listings are golden-tested
// anywhere.
package codegen

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"

	"gtrace/codegen/emit"
	"gtrace/lang/check"
	"gtrace/lang/probe"
)

// Options tune code generation.
type Options = emit.Options

// Artifact is everything the runtime needs to run a program.
type Artifact struct {
	// Spec holds every map and program; maps are referenced by name.
	Spec *ebpf.CollectionSpec
	// Programs in probe order; BEGIN and END programs included.
	Programs []*Program
	// Maps are the script maps by name, in print order via MapNames.
	Maps map[string]*emit.MapDesc
	// Outputs are the record descriptors indexed by ID.
	Outputs []*emit.Output
	// Checked is the program this artifact was compiled from.
	Checked *check.Program
}

// MapNames returns the script map names in print order.
func (a *Artifact) MapNames() []string { return slices.Sorted(maps.Keys(a.Maps)) }

// Program is one BPF program and where it attaches.
type Program struct {
	// Name is the program's name in the CollectionSpec.
	Name string
	Kind probe.Kind
	// Attach lists the attach points the program serves.
	Attach []probe.Spec
	// Instance is the checked instance compiled into this program.
	Instance *check.Instance
	// Heap tells whether the program keeps its memory in the scratch map.
	Heap bool
}

// Compile generates code for prog.
func Compile(prog *check.Program, opts Options) (*Artifact, error) {
	mod := emit.NewModule(prog, opts)
	art := &Artifact{
		Spec:    &ebpf.CollectionSpec{Maps: map[string]*ebpf.MapSpec{}, Programs: map[string]*ebpf.ProgramSpec{}},
		Maps:    mod.Maps,
		Checked: prog,
	}
	// Heap-mode programs share one region of the per-CPU scratch map:
	// tracing programs never interrupt each other on a CPU (the kernel's
	// bpf_prog_active guard), so they cannot clobber each other's memory.
	heapSize := 0
	n := 0
	for _, p := range prog.Probes {
		for _, in := range p.Instances {
			insns, heap, high, err := compileInstance(mod, in)
			if err != nil {
				return nil, err
			}
			if heap && high > heapSize {
				heapSize = high
			}
			name := progName(in.Kind, n)
			n++
			art.Spec.Programs[name] = &ebpf.ProgramSpec{
				Name:         name,
				Type:         progType(in.Kind),
				License:      "GPL",
				Instructions: insns,
			}
			art.Programs = append(art.Programs, &Program{Name: name, Kind: in.Kind, Attach: in.Attach, Instance: in, Heap: heap})
		}
	}
	mod.HeapSize = heapSize
	addMaps(art.Spec, mod)
	art.Outputs = mod.Outputs
	return art, nil
}

// compileInstance compiles one program, first on the stack and, when its
// frame does not fit, again with its memory in the scratch map. A program
// with a single output site is compiled again with that site inline.
func compileInstance(mod *emit.Module, in *check.Instance) (asm.Instructions, bool, int, error) {
	nOutputs := len(mod.Outputs)
	try := func(heap, inline bool) (asm.Instructions, int, int, error) {
		// Drop the outputs an earlier attempt registered.
		mod.Outputs = mod.Outputs[:nOutputs]
		g := newGen(mod, in, heap)
		if inline {
			g.b.InlineOutput()
		}
		g.program()
		insns, err := g.b.Finish()
		return insns, g.b.FrameHigh(), g.b.Outputs(), err
	}
	heap := false
	insns, high, outputs, err := try(heap, false)
	if errors.Is(err, emit.ErrFrameTooBig) {
		heap = true
		insns, high, outputs, err = try(heap, false)
	}
	if err == nil && outputs == 1 {
		insns, high, _, err = try(heap, true)
	}
	return insns, heap, high, err
}

func progName(k probe.Kind, n int) string {
	base := strings.ToLower(k.String())
	if len(base) > 10 {
		base = base[:10]
	}
	return fmt.Sprintf("%s_%d", base, n)
}

// progType is the BPF program type used for each probe kind. BEGIN and END
// are raw tracepoint programs that are never attached, only test-run.
func progType(k probe.Kind) ebpf.ProgramType {
	switch k {
	case probe.Begin, probe.End:
		return ebpf.RawTracepoint
	case probe.Tracepoint:
		return ebpf.TracePoint
	case probe.Interval, probe.Profile, probe.Software, probe.Hardware:
		return ebpf.PerfEvent
	case probe.Kprobe, probe.Kretprobe, probe.Uprobe, probe.Uretprobe, probe.Usdt:
		return ebpf.Kprobe
	case probe.RawTracepoint:
		return ebpf.RawTracepoint
	}
	return ebpf.UnspecifiedProgram
}

// addMaps adds the script maps and the support maps to spec.
func addMaps(spec *ebpf.CollectionSpec, mod *emit.Module) {
	for _, d := range mod.Maps {
		typ := ebpf.Hash
		switch {
		case d.Array:
			typ = ebpf.PerCPUArray
		case d.PerCPU:
			typ = ebpf.PerCPUHash
		}
		spec.Maps[d.BPFName] = &ebpf.MapSpec{
			Name:       d.BPFName,
			Type:       typ,
			KeySize:    uint32(d.KeySize),
			ValueSize:  uint32(d.ValueSize),
			MaxEntries: uint32(d.MaxEntries),
		}
	}
	spec.Maps[emit.RingbufMap] = &ebpf.MapSpec{Name: emit.RingbufMap, Type: ebpf.RingBuf, MaxEntries: 1 << 20}
	if mod.UsesCounters {
		spec.Maps[emit.CountersMap] = &ebpf.MapSpec{Name: emit.CountersMap, Type: ebpf.Array, KeySize: 4, ValueSize: uint32(8 * (1 + len(mod.Maps))), MaxEntries: 1}
	}
	if mod.UsesStart {
		spec.Maps[emit.StartMap] = &ebpf.MapSpec{Name: emit.StartMap, Type: ebpf.Array, KeySize: 4, ValueSize: 8, MaxEntries: 1}
	}
	if mod.HeapSize > 0 {
		spec.Maps[emit.ScratchMap] = &ebpf.MapSpec{Name: emit.ScratchMap, Type: ebpf.PerCPUArray, KeySize: 4, ValueSize: uint32(mod.HeapSize), MaxEntries: 1}
	}
}
