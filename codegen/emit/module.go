package emit

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/cilium/ebpf/asm"

	"gtrace/lang/check"
	"gtrace/lang/diag"
	"gtrace/lang/types"
)

// Names of the maps every program may use.
const (
	// RingbufMap carries printf and async-action records to user space.
	RingbufMap = "ringbuf"
	// CountersMap is an array of one entry holding u64 event counters,
	// updated atomically through direct value access: [0] counts records
	// the ring buffer dropped, [1+i] updates refused to map i (in name
	// order) because it was full.
	CountersMap = "counters"
	// ScratchMap is the per-CPU memory of heap-mode programs.
	ScratchMap = "scratch"
	// StartMap holds the boot-clock time gtrace started at, for elapsed.
	StartMap = "start"
)

// Module is the state shared by all programs of one compilation: the maps
// and the output descriptors.
type Module struct {
	Prog *check.Program
	// Opts are the compilation options.
	Opts Options
	// Maps by script name ("@x").
	Maps map[string]*MapDesc
	// Outputs indexed by their ID.
	Outputs []*Output
	// UsesRingbuf is set once any program emits output.
	UsesRingbuf bool
	// UsesStart is set when a program reads the start map.
	UsesStart bool
	// UsesCounters is set when a program updates CountersMap.
	UsesCounters bool
	// HeapSize is the scratch map's value size (all heap-mode programs).
	HeapSize int
}

// Options tune code generation.
type Options struct {
	// KeysMax is the map size limit (BPFTRACE_MAP_KEYS_MAX).
	KeysMax int
	// FilterPid restricts tracing probes to one process (-p).
	FilterPid int
	// V4 allows ISA v4 instructions such as signed division (Linux 6.6).
	V4 bool
	// Cpid is the pid of the -c child, 0 without one.
	Cpid int
}

// NewModule prepares the maps of prog.
func NewModule(prog *check.Program, opts Options) *Module {
	if opts.KeysMax <= 0 {
		opts.KeysMax = 4096
	}
	m := &Module{Prog: prog, Opts: opts, Maps: map[string]*MapDesc{}}
	used := map[string]bool{RingbufMap: true, CountersMap: true, ScratchMap: true, StartMap: true}
	for i, name := range prog.MapNames() {
		cm := prog.Maps[name]
		d := newMapDesc(cm, opts.KeysMax)
		d.Counter = 1 + i
		d.BPFName = uniqueName(bpfMapName(name), used)
		m.Maps[name] = d
	}
	return m
}

// bpfMapName turns "@foo" into a valid kernel object name.
func bpfMapName(name string) string {
	var sb strings.Builder
	sb.WriteString("AT_")
	for _, r := range strings.TrimPrefix(name, "@") {
		if r == '_' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			sb.WriteRune(r)
		}
	}
	s := sb.String()
	if len(s) > 15 {
		s = s[:15]
	}
	return s
}

func uniqueName(base string, used map[string]bool) string {
	name := base
	for i := 1; used[name]; i++ {
		suffix := fmt.Sprintf("_%d", i)
		b := base
		if len(b)+len(suffix) > 15 {
			b = b[:15-len(suffix)]
		}
		name = b + suffix
	}
	used[name] = true
	return name
}

// AddOutput registers an output descriptor and returns it with its ID.
func (m *Module) AddOutput(o *Output) *Output {
	o.ID = len(m.Outputs)
	m.Outputs = append(m.Outputs, o)
	return o
}

// MapNames are the script map names in print order.
func (m *Module) MapNames() []string { return slices.Sorted(maps.Keys(m.Maps)) }

// Output describes one kind of ring-buffer record: a printf call site, or
// an async action such as exit(), print(@m) or clear(@m). Every record
// starts with the u64 ID; Args lays out the rest.
type Output struct {
	ID int
	// Builtin names the stdlib function whose Run hook handles the record
	// ("printf", "exit", "print", ...).
	Builtin string
	// Format is the format string of printf, system, cat and time.
	Format string
	// Args is the tuple layout of the record after the ID (nil: none).
	Args *types.Type
	// Map is the target of print, clear and zero.
	Map string
	// Params holds constant arguments, such as print's top and div.
	Params []int64
	// Pos is the call's position, for run-time messages.
	Pos diag.Span
	// Data is builtin-specific compiled data for the Run hook, such as a
	// parsed format string.
	Data any
}

// RecordSize is the byte size of the record including the ID.
func (o *Output) RecordSize() int {
	if o.Args == nil {
		return 8
	}
	return 8 + o.Args.Size()
}

// MapDesc is the BPF side of a script map: its kernel map and the byte
// layout of keys and values, shared with the runtime's decoder.
type MapDesc struct {
	// Name is the script name ("@x").
	Name string
	// BPFName is the map's name in the CollectionSpec.
	BPFName string
	// Key is the script key type (nil for a scalar map); KeyArity the
	// number of subscripts.
	Key      *types.Type
	KeyArity int
	// Value is the script value type; Kind Agg for aggregations.
	Value *types.Type
	// KeySize includes the 8-byte bucket index of hist and lhist maps,
	// stored at offset BucketOff.
	KeySize   int
	BucketOff int
	ValueSize int
	PerCPU    bool
	// MaxEntries is the map's key limit.
	MaxEntries int
	// Counter is the index in CountersMap counting updates refused
	// because the map was full.
	Counter int
	// Array marks a keyless aggregation kept in a per-CPU array whose key
	// is 0, or the bucket index of hist and lhist.
	Array bool
}

// Agg is the map's aggregation kind (AggNone for plain maps).
func (d *MapDesc) Agg() types.AggKind {
	if d.Value.Kind == types.Agg {
		return d.Value.Agg
	}
	return types.AggNone
}

// IsHist reports whether the key carries a bucket index.
func (d *MapDesc) IsHist() bool {
	a := d.Agg()
	return a == types.AggHist || a == types.AggLhist
}

// UserKeySize is the size of the script key part of a BPF key.
func (d *MapDesc) UserKeySize() int {
	if d.Key == nil {
		if d.IsHist() {
			return 0
		}
		return 8
	}
	return d.Key.Size()
}

func newMapDesc(cm *check.Map, keysMax int) *MapDesc {
	d := &MapDesc{Name: cm.Name, Key: cm.Key, KeyArity: cm.KeyArity, Value: cm.Value, MaxEntries: keysMax}
	d.KeySize = d.UserKeySize()
	if d.IsHist() {
		d.BucketOff = (d.KeySize + 7) &^ 7
		d.KeySize = d.BucketOff + 8
	}
	switch d.Agg() {
	case types.AggNone:
		d.ValueSize = cm.Value.Size()
	case types.AggCount, types.AggSum, types.AggHist, types.AggLhist:
		d.ValueSize = 8
		d.PerCPU = true
	case types.AggMin, types.AggMax, types.AggAvg, types.AggStats:
		d.ValueSize = 16
		d.PerCPU = true
	}
	if d.ValueSize == 0 {
		d.ValueSize = 8
	}
	if d.Key == nil && d.Agg() != types.AggNone {
		// A keyless aggregation is a per-CPU array: one entry, or one per
		// bucket for hist and lhist. Its elements always exist, so updates
		// need no insert path, and the verifier inlines the lookup.
		d.Array = true
		d.KeySize = 4
		d.MaxEntries = 1
		switch d.Agg() {
		case types.AggHist:
			d.MaxEntries = HistBuckets
		case types.AggLhist:
			p := d.Value.AggParams
			d.MaxEntries = int((p[1]-p[0])/p[2]) + 2
		case types.AggSum:
			// {sum, set}: an element that exists is not yet a sum.
			d.ValueSize = 16
		}
	}
	return d
}

// HistBuckets is the number of hist() buckets: negative, zero, and one
// per power of two up to 2^64.
const HistBuckets = 66

// --- map and output operations ---

// LoadMap sets r to the address of the named map.
func (b *Builder) LoadMap(r asm.Register, bpfName string) {
	b.Emit(asm.LoadMapPtr(r, 0).WithReference(bpfName))
}

// Lookup emits bpf_map_lookup_elem(map, &key); the result is in R0.
func (b *Builder) Lookup(d *MapDesc, key Slot) {
	b.LoadMap(asm.R1, d.BPFName)
	b.AddrOf(asm.R2, key)
	b.Emit(asm.FnMapLookupElem.Call())
}

// Update emits bpf_map_update_elem(map, &key, &val, flags) and reports a
// full map to user space instead of dropping the update silently.
func (b *Builder) Update(d *MapDesc, key, val Slot, flags int32) {
	b.LoadMap(asm.R1, d.BPFName)
	b.AddrOf(asm.R2, key)
	b.AddrOf(asm.R3, val)
	b.Emit(asm.Mov.Imm(asm.R4, flags), asm.FnMapUpdateElem.Call())
	b.checkFull(d)
}

// checkFull emits "if the update failed, count it" without a branch: the
// sign bit of the helper's result (1 when it failed) is added to the
// map's counter, on the rarely taken insert path only. User space warns
// when a counter moves, so a full map never loses keys silently.
func (b *Builder) checkFull(d *MapDesc) {
	b.Module.UsesCounters = true
	b.Emit(asm.RSh.Imm(asm.R0, 63),
		asm.LoadMapValue(asm.R1, 0, uint32(8*d.Counter)).WithReference(CountersMap),
		asm.StoreXAdd(asm.R1, asm.R0, asm.DWord))
}

// countEvent atomically adds one to counter i of CountersMap.
func (b *Builder) countEvent(i int) {
	b.Module.UsesCounters = true
	b.Emit(asm.LoadMapValue(asm.R1, 0, uint32(8*i)).WithReference(CountersMap),
		asm.Mov.Imm(asm.R2, 1), asm.StoreXAdd(asm.R1, asm.R2, asm.DWord))
}

// Delete emits bpf_map_delete_elem(map, &key).
func (b *Builder) Delete(d *MapDesc, key Slot) {
	b.LoadMap(asm.R1, d.BPFName)
	b.AddrOf(asm.R2, key)
	b.Emit(asm.FnMapDeleteElem.Call())
}

// NewRecord allocates a record for output o, stores its ID and zeroes the
// padding between its fields, so the caller only fills in the fields.
func (b *Builder) NewRecord(o *Output) Slot {
	rec := b.AllocSlot(o.RecordSize())
	b.StoreImm(rec, 0, int64(o.ID), asm.DWord)
	if o.Args != nil {
		pos := 8
		for _, f := range o.Args.Fields {
			if off := 8 + f.Offset; off > pos {
				b.Zero(rec, pos, off-pos)
			}
			pos = 8 + f.Offset + f.Type.Size()
		}
		if end := o.RecordSize(); end > pos {
			b.Zero(rec, pos, end-pos)
		}
	}
	return rec
}

// OutputRecord sends a filled record to user space with
// bpf_ringbuf_output, counting drops. A program with one output site has
// it inline; with more, the sites call the shared __output subprogram.
func (b *Builder) OutputRecord(o *Output, rec Slot) {
	b.Module.UsesRingbuf = true
	b.outputs++
	if b.inlineOutput {
		b.LoadMap(asm.R1, RingbufMap)
		b.AddrOf(asm.R2, rec)
		b.Emit(asm.Mov.Imm(asm.R3, int32(o.RecordSize())), asm.Mov.Imm(asm.R4, 0), asm.FnRingbufOutput.Call())
		ok := b.NewLabel("output_ok")
		b.Emit(asm.JEq.Imm(asm.R0, 0, ok))
		b.countEvent(0)
		b.Label(ok)
		return
	}
	b.AddrOf(asm.R1, rec)
	b.Emit(asm.Mov.Imm(asm.R2, int32(o.RecordSize())))
	b.callSub(subOutput)
}

// Outputs is the number of output sites compiled so far.
func (b *Builder) Outputs() int { return b.outputs }

// InlineOutput makes OutputRecord emit its code at the call site, which is
// shorter for a program with a single output site.
func (b *Builder) InlineOutput() { b.inlineOutput = true }

// subOutput is the shared output subprogram, emitted once after the
// program's body when called (a BPF-to-BPF call).
const subOutput = "__output"

// callSub calls a shared subprogram, emitting it at Finish.
func (b *Builder) callSub(name string) {
	if !b.subs[name] {
		b.subs[name] = true
		b.subOrder = append(b.subOrder, name)
	}
	b.Emit(asm.Call.Label(name))
}

// emitSubs appends the subprograms the program called.
func (b *Builder) emitSubs() {
	for _, name := range b.subOrder {
		// Line info must cover every function's first instruction.
		b.SetSource("subprogram " + name)
		if name == subOutput {
			// __output(data, size): ringbuf_output(ringbuf, data, size, 0),
			// counting a failure.
			ret := name + "_ret"
			b.Label(name)
			b.Emit(asm.Mov.Reg(asm.R3, asm.R2), asm.Mov.Reg(asm.R2, asm.R1))
			b.LoadMap(asm.R1, RingbufMap)
			b.Emit(asm.Mov.Imm(asm.R4, 0), asm.FnRingbufOutput.Call(), asm.JEq.Imm(asm.R0, 0, ret))
			b.countEvent(0)
			b.Label(ret)
			b.Emit(asm.Mov.Imm(asm.R0, 0), asm.Return())
		}
	}
}

// Call loads args into R1.. and calls helper fn; the result is in R0.
func (b *Builder) Call(fn asm.BuiltinFunc, args ...Value) Value {
	for i, a := range args {
		b.ToReg(asm.R1+asm.Register(i), a)
	}
	b.Emit(fn.Call())
	return RegValue(asm.R0, types.Uint64)
}

// Ctx is the probe context as a value.
func (b *Builder) Ctx() Value { return RegValue(RegCtx, types.Uint64) }
