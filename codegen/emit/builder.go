// Package emit is the instruction builder shared by the code generator and
// the builtins in stdlib: it hands out registers and memory slots, makes
// unique labels, tags instructions with the script line they come from,
// and wraps helper calls, map operations and ring-buffer output.
//
// Register convention of every program gtrace generates:
//
//	R1-R5  helper arguments and short-lived temporaries
//	R0     helper results
//	R6     the probe context (saved at entry)
//	R7-R9  values that must survive helper calls (R9 is the scratch
//	       memory base when the frame does not fit the 512-byte stack)
//	R10    frame pointer
package emit

import (
	"errors"
	"fmt"

	"github.com/cilium/ebpf/asm"

	"gtrace/lang/ast"
	"gtrace/lang/check"
	"gtrace/lang/diag"
	"gtrace/lang/types"
)

// Register roles.
const (
	RegCtx  = asm.R6
	RegHeap = asm.R9
)

// StackLimit is the BPF stack size.
const StackLimit = 512

// ErrFrameTooBig is returned when a program's memory does not fit the
// stack; the caller then compiles it again in heap mode.
var ErrFrameTooBig = errors.New("frame does not fit the BPF stack")

// Builder accumulates one BPF program.
type Builder struct {
	// Module is shared by all programs of one compilation.
	Module *Module
	// In is the checked probe instance being compiled.
	In *check.Instance
	// Eval compiles an expression; the code generator sets it.
	Eval func(e ast.Expr) Value
	// MapKey builds the key of a map reference in a new slot; the code
	// generator sets it.
	MapKey func(ref *ast.MapRef, d *MapDesc) Slot
	// ExitLabel is where a program ends (exit() and return jump there).
	ExitLabel string

	insns   asm.Instructions
	pending []string
	aliases map[string]string
	source  asm.Comment
	labelN  int

	free []asm.Register
	used map[asm.Register]bool

	// subs are the shared subprograms called so far, in order.
	subs     map[string]bool
	subOrder []string
	// outputs counts output sites; inlineOutput emits them inline.
	outputs      int
	inlineOutput bool

	// hint is where the expression being compiled should put its value,
	// if it produces one in memory (see EvalTo).
	hint *Slot

	heap  bool
	frame int
	high  int
	// stack and stackHigh track the 8-byte scalar slots that stay on the
	// stack in heap mode (the scratch map holds the rest).
	stack     int
	stackHigh int
	err       error
}

// NewBuilder starts a program for instance in. In heap mode memory slots
// live in a per-CPU scratch map instead of on the stack.
func NewBuilder(m *Module, in *check.Instance, heap bool) *Builder {
	b := &Builder{Module: m, In: in, heap: heap, aliases: map[string]string{}, used: map[asm.Register]bool{}, subs: map[string]bool{}}
	b.free = []asm.Register{asm.R7, asm.R8}
	if !heap {
		b.free = append(b.free, asm.R9)
	}
	return b
}

// Heap reports whether memory slots live in the scratch map.
func (b *Builder) Heap() bool { return b.heap }

// FrameHigh is the largest frame size the program used.
func (b *Builder) FrameHigh() int { return b.high }

// Type returns the checked type of e.
func (b *Builder) Type(e ast.Expr) *types.Type { return b.In.Types[e] }

// Const returns the compile-time value of e, if any.
func (b *Builder) Const(e ast.Expr) (check.Const, bool) {
	c, ok := b.In.Consts[e]
	return c, ok
}

// Fail records a compilation error at span; the first one wins.
func (b *Builder) Fail(span diag.Span, format string, args ...any) {
	if b.err == nil {
		b.err = diag.Errorf(span, format, args...)
	}
}

// Err is the first error recorded.
func (b *Builder) Err() error { return b.err }

// SetSource makes the next emitted instruction carry comment c, so
// listings and verifier messages can name the script line.
func (b *Builder) SetSource(c string) { b.source = asm.Comment(c) }

// Emit appends instructions, attaching pending labels and source comments
// to the first one.
func (b *Builder) Emit(insns ...asm.Instruction) {
	for _, ins := range insns {
		if len(b.pending) > 0 {
			ins = ins.WithSymbol(b.pending[0])
			for _, l := range b.pending[1:] {
				b.aliases[l] = b.pending[0]
			}
			b.pending = b.pending[:0]
		}
		if b.source != "" {
			ins = ins.WithSource(b.source)
			b.source = ""
		}
		b.insns = append(b.insns, ins)
	}
}

// NewLabel returns a label name unique within the program.
func (b *Builder) NewLabel(hint string) string {
	b.labelN++
	return fmt.Sprintf("%s_%d", hint, b.labelN)
}

// Label places label l at the next emitted instruction.
func (b *Builder) Label(l string) { b.pending = append(b.pending, l) }

// Finish resolves label aliases and returns the instructions. A pending
// label at the very end gets a final "exit" sequence to land on.
func (b *Builder) Finish() (asm.Instructions, error) {
	if b.err != nil {
		return nil, b.err
	}
	if len(b.pending) > 0 {
		b.Emit(asm.Mov.Imm(asm.R0, 0), asm.Return())
	}
	b.emitSubs()
	for i := range b.insns {
		ref := b.insns[i].Reference()
		if target, ok := b.aliases[ref]; ok {
			b.insns[i] = b.insns[i].WithReference(target)
		}
	}
	b.insns = removeUnreachable(b.insns)
	b.insns = dropUnusedCtx(b.insns)
	if !b.heap && b.high > StackLimit || b.stackHigh > StackLimit {
		return nil, ErrFrameTooBig
	}
	return b.insns, nil
}

// Len is the number of instructions so far.
func (b *Builder) Len() int { return len(b.insns) }

// --- registers ---

// AllocReg takes a call-preserved register from the pool. When the pool is
// empty it returns false; the caller spills instead.
func (b *Builder) AllocReg() (asm.Register, bool) {
	if len(b.free) == 0 {
		return 0, false
	}
	r := b.free[len(b.free)-1]
	b.free = b.free[:len(b.free)-1]
	b.used[r] = true
	return r, true
}

// FreeReg returns a pool register.
func (b *Builder) FreeReg(r asm.Register) {
	if b.used[r] {
		delete(b.used, r)
		b.free = append(b.free, r)
	}
}

// isPool reports whether r belongs to the call-preserved pool.
func (b *Builder) isPool(r asm.Register) bool {
	return r == asm.R7 || r == asm.R8 || (r == asm.R9 && !b.heap)
}

// --- memory ---

// Slot is a region of the program's frame: on the stack below R10, or in
// the scratch map above R9 in heap mode.
type Slot struct {
	// Off is the offset from the base register.
	Off  int
	Size int
	heap bool
}

// Base returns the register the slot is addressed from.
func (s Slot) Base() asm.Register {
	if s.heap {
		return RegHeap
	}
	return asm.RFP
}

// At returns the sub-slot at byte offset off of s.
func (s Slot) At(off, size int) Slot { return Slot{Off: s.Off + off, Size: size, heap: s.heap} }

// FrameMark is a frame position to release temporaries back to.
type FrameMark struct{ frame, stack int }

// Mark returns the current frame position.
func (b *Builder) Mark() FrameMark { return FrameMark{b.frame, b.stack} }

// Release frees every slot allocated since m.
func (b *Builder) Release(m FrameMark) { b.frame, b.stack = m.frame, m.stack }

// AllocSlot reserves size bytes, 8-byte aligned.
func (b *Builder) AllocSlot(size int) Slot {
	rounded := (size + 7) &^ 7
	if rounded == 0 {
		rounded = 8
	}
	b.frame += rounded
	if b.frame > b.high {
		b.high = b.frame
	}
	if b.heap {
		return Slot{Off: b.frame - rounded, Size: size, heap: true}
	}
	return Slot{Off: -b.frame, Size: size}
}

// StoreImmInsn is asm.StoreImm that also allows DWord, which cilium/ebpf
// refuses to build but the kernel accepts (the 32-bit immediate is
// sign-extended to 64 bits).
func StoreImmInsn(dst asm.Register, off int16, v int64, size asm.Size) asm.Instruction {
	return asm.Instruction{OpCode: asm.StoreImmOp(size), Dst: dst, Offset: off, Constant: v}
}

// ResultSlot returns the slot an expression producing a value of size
// bytes in memory should fill: the destination EvalTo asked for, when the
// size matches, else a new slot. Emitters call it before compiling their
// operands, so that an operand cannot take the destination first.
func (b *Builder) ResultSlot(size int) Slot {
	if h := b.hint; h != nil && h.Size == size {
		b.hint = nil
		return *h
	}
	return b.AllocSlot(size)
}

// EvalTo compiles e and stores its value, of type t, at dst+off. Values
// produced in memory are built there directly when their emitter uses
// ResultSlot, saving a copy. dst must not be memory that e reads.
func (b *Builder) EvalTo(e ast.Expr, dst Slot, off int, t *types.Type) {
	target := dst.At(off, t.Size())
	if !t.IsScalar() {
		b.hint = &target
	}
	v := b.Eval(e)
	b.hint = nil
	if v.Where == InMem && v.Slot.Off == target.Off && v.Slot.heap == target.heap && v.Slot.Size == target.Size {
		return
	}
	b.StoreValue(dst, off, v, t)
}

// AllocScalar reserves an 8-byte slot for a scalar: a variable, a spill,
// a temporary. It is on the stack even in heap mode, where the verifier
// tracks the values it holds (loop counters must be on the stack for the
// verifier to see a loop end); the frame's memory values go to the
// scratch map.
func (b *Builder) AllocScalar() Slot {
	if !b.heap {
		return b.AllocSlot(8)
	}
	b.stack += 8
	if b.stack > b.stackHigh {
		b.stackHigh = b.stack
	}
	return Slot{Off: -b.stack, Size: 8}
}

// AddrOf sets r to the address of s.
func (b *Builder) AddrOf(r asm.Register, s Slot) {
	b.Emit(asm.Mov.Reg(r, s.Base()), asm.Add.Imm(r, int32(s.Off)))
}

// Store writes the low size bytes of register src at s+off.
func (b *Builder) Store(s Slot, off int, src asm.Register, size asm.Size) {
	b.Emit(asm.StoreMem(s.Base(), int16(s.Off+off), src, size))
}

// StoreImm writes a 32-bit immediate (sign-extended to size) at s+off.
func (b *Builder) StoreImm(s Slot, off int, v int64, size asm.Size) {
	if v == int64(int32(v)) {
		b.Emit(StoreImmInsn(s.Base(), int16(s.Off+off), v, size))
		return
	}
	b.Emit(asm.LoadImm(asm.R0, v, asm.DWord), asm.StoreMem(s.Base(), int16(s.Off+off), asm.R0, size))
}

// Load reads size bytes at s+off into dst (zero-extended).
func (b *Builder) Load(dst asm.Register, s Slot, off int, size asm.Size) {
	b.Emit(asm.LoadMem(dst, s.Base(), int16(s.Off+off), size))
}

// Zero clears bytes [off, off+n) of s with the widest stores that fit.
func (b *Builder) Zero(s Slot, off, n int) {
	for n > 0 {
		sz, w := widest(s.Off+off, n)
		b.Emit(StoreImmInsn(s.Base(), int16(s.Off+off), 0, sz))
		off += w
		n -= w
	}
}

// widest picks the largest store size that is aligned at addr and fits n.
func widest(addr, n int) (asm.Size, int) {
	a := addr & 7
	switch {
	case n >= 8 && a == 0:
		return asm.DWord, 8
	case n >= 4 && a&3 == 0:
		return asm.Word, 4
	case n >= 2 && a&1 == 0:
		return asm.Half, 2
	}
	return asm.Byte, 1
}

// Copy copies n bytes from src (base register and offset) to dst+doff,
// using R0 as the temporary. Large copies use bpf_probe_read_kernel.
func (b *Builder) Copy(dst Slot, doff int, srcBase asm.Register, soff int, n int) {
	if n > 128 {
		// Set R3 first: srcBase may be R1 or R2.
		b.Emit(asm.Mov.Reg(asm.R3, srcBase), asm.Add.Imm(asm.R3, int32(soff)))
		b.AddrOf(asm.R1, dst.At(doff, n))
		b.Emit(asm.Mov.Imm(asm.R2, int32(n)))
		b.Emit(asm.FnProbeReadKernel.Call())
		return
	}
	for n > 0 {
		sz, w := widest(dst.Off+doff, n)
		if (soff & (w - 1)) != 0 {
			sz, w = asm.Byte, 1
		}
		b.Emit(asm.LoadMem(asm.R0, srcBase, int16(soff), sz), asm.StoreMem(dst.Base(), int16(dst.Off+doff), asm.R0, sz))
		doff += w
		soff += w
		n -= w
	}
}

// CopySlot copies src into dst+off: min(src.Size, n) bytes, then zeroes up
// to n, so strings stay NUL-padded.
func (b *Builder) CopySlot(dst Slot, off int, src Slot, n int) {
	c := src.Size
	if c > n {
		c = n
	}
	b.Copy(dst, off, src.Base(), src.Off, c)
	if n > c {
		b.Zero(dst, off+c, n-c)
	}
}

// removeUnreachable drops instructions no path from the entry reaches,
// such as the code after return or exit(): the verifier rejects them. A
// dropped instruction's label and source comment move to the next kept
// one; no kept jump refers to a dropped label, since a jump's target is
// reachable whenever the jump is.
func removeUnreachable(insns asm.Instructions) asm.Instructions {
	index := map[string]int{}
	for i, ins := range insns {
		if sym := ins.Symbol(); sym != "" {
			index[sym] = i
		}
	}
	reach := make([]bool, len(insns))
	work := []int{0}
	for len(work) > 0 {
		i := work[len(work)-1]
		work = work[:len(work)-1]
		if i >= len(insns) || reach[i] {
			continue
		}
		reach[i] = true
		ins := insns[i]
		op := ins.OpCode.JumpOp()
		if ins.IsFunctionCall() {
			if target, ok := index[ins.Reference()]; ok {
				work = append(work, target)
			}
		}
		if ins.OpCode.Class().IsJump() && op != asm.Call {
			if target, ok := index[ins.Reference()]; ok {
				work = append(work, target)
			}
			if op == asm.Ja || op == asm.Exit {
				continue
			}
		}
		work = append(work, i+1)
	}
	out := insns[:0:0]
	var carrySym string
	var carrySrc fmt.Stringer
	for i, ins := range insns {
		if !reach[i] {
			if ins.Symbol() != "" && carrySym == "" {
				carrySym = ins.Symbol()
			}
			if ins.Source() != nil && carrySrc == nil {
				carrySrc = ins.Source()
			}
			continue
		}
		if carrySrc != nil && ins.Source() == nil {
			ins = ins.WithSource(carrySrc)
		}
		carrySym, carrySrc = "", nil
		out = append(out, ins)
	}
	return out
}

// dropUnusedCtx removes the prologue's "r6 = r1" when nothing reads R6:
// programs that never touch their context need not save it.
func dropUnusedCtx(insns asm.Instructions) asm.Instructions {
	if len(insns) == 0 || insns[0].OpCode != asm.Mov.Op(asm.RegSource) || insns[0].Dst != RegCtx || insns[0].Src != asm.R1 {
		return insns
	}
	for _, ins := range insns[1:] {
		if ins.Src == RegCtx || ins.Dst == RegCtx {
			return insns
		}
	}
	next := insns[1]
	if sym := insns[0].Symbol(); sym != "" {
		next = next.WithSymbol(sym)
	}
	if src := insns[0].Source(); src != nil && next.Source() == nil {
		next = next.WithSource(src)
	}
	return append(asm.Instructions{next}, insns[2:]...)
}
