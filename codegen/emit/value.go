package emit

import (
	"github.com/cilium/ebpf/asm"

	"gtrace/lang/ast"
	"gtrace/lang/types"
)

// Where says where a Value lives.
type Where uint8

// Value locations.
const (
	// Imm is a constant known at compile time.
	Imm Where = iota
	// InReg is a scalar in a register.
	InReg
	// Spilled is a scalar stored in an 8-byte slot.
	Spilled
	// InMem is an aggregate (string, tuple, record copy) in a slot.
	InMem
	// None is the value of a statement-like call.
	None
)

// Value is the result of compiling an expression.
type Value struct {
	Where Where
	Imm   int64
	Reg   asm.Register
	Slot  Slot
	Type  *types.Type
}

// ImmValue makes a constant.
func ImmValue(v int64, t *types.Type) Value { return Value{Where: Imm, Imm: v, Type: t} }

// RegValue makes a register value.
func RegValue(r asm.Register, t *types.Type) Value { return Value{Where: InReg, Reg: r, Type: t} }

// MemValue makes a memory value.
func MemValue(s Slot, t *types.Type) Value { return Value{Where: InMem, Slot: s, Type: t} }

// NoValue is the value of a call that returns nothing.
var NoValue = Value{Where: None, Type: types.VoidT}

// Hold makes sure a scalar value survives helper calls: a value in R0-R5
// moves to a pool register, or to a spill slot when the pool is empty.
func (b *Builder) Hold(v Value) Value {
	if v.Where != InReg || b.isPool(v.Reg) || v.Reg == RegCtx {
		return v
	}
	if r, ok := b.AllocReg(); ok {
		b.Emit(asm.Mov.Reg(r, v.Reg))
		return RegValue(r, v.Type)
	}
	s := b.AllocScalar()
	b.Store(s, 0, v.Reg, asm.DWord)
	return Value{Where: Spilled, Slot: s, Type: v.Type}
}

// Release frees the register of a consumed value.
func (b *Builder) ReleaseValue(v Value) {
	if v.Where == InReg {
		b.FreeReg(v.Reg)
	}
}

// ToReg loads a scalar value into register dst (which must be free for
// use, typically R0-R5) and releases the value's own register.
func (b *Builder) ToReg(dst asm.Register, v Value) {
	switch v.Where {
	case Imm:
		if v.Imm == int64(int32(v.Imm)) {
			b.Emit(asm.Mov.Imm(dst, int32(v.Imm)))
		} else {
			b.Emit(asm.LoadImm(dst, v.Imm, asm.DWord))
		}
	case InReg:
		if v.Reg != dst {
			b.Emit(asm.Mov.Reg(dst, v.Reg))
		}
		b.ReleaseValue(v)
	case Spilled:
		b.Load(dst, v.Slot, 0, asm.DWord)
	case InMem:
		b.AddrOf(dst, v.Slot)
	case None:
		b.Emit(asm.Mov.Imm(dst, 0))
	}
}

// ToRegKeep loads a scalar value into dst without releasing it, for
// values used more than once.
func (b *Builder) ToRegKeep(dst asm.Register, v Value) {
	if v.Where == InReg {
		if v.Reg != dst {
			b.Emit(asm.Mov.Reg(dst, v.Reg))
		}
		return
	}
	b.ToReg(dst, v)
}

// Writable returns v in a pool register the caller may modify, emitting a
// move when needed. The result must be released by the caller.
func (b *Builder) Writable(v Value) Value {
	if v.Where == InReg && b.isPool(v.Reg) {
		return v
	}
	r, ok := b.AllocReg()
	if !ok {
		// No pool register: use R0..R5 is unsafe across calls, so spill
		// through R0 into a fresh slot and work in R0 until stored.
		b.ToReg(asm.R0, v)
		return RegValue(asm.R0, v.Type)
	}
	b.ToReg(r, v)
	return RegValue(r, v.Type)
}

// StoreValue writes scalar or memory value v into dst+off, sized for type
// t (8 bytes for scalars; t's size for memory, zero-padded).
func (b *Builder) StoreValue(dst Slot, off int, v Value, t *types.Type) {
	b.StoreValueKeep(dst, off, v, t)
	b.ReleaseValue(v)
}

// StoreValueKeep is StoreValue for a value used again afterwards: it does
// not release the value's register.
func (b *Builder) StoreValueKeep(dst Slot, off int, v Value, t *types.Type) {
	switch v.Where {
	case Imm:
		b.StoreImm(dst, off, v.Imm, asm.DWord)
	case InReg:
		b.Store(dst, off, v.Reg, asm.DWord)
	case Spilled:
		b.Load(asm.R0, v.Slot, 0, asm.DWord)
		b.Store(dst, off, asm.R0, asm.DWord)
	case InMem:
		if v.Type.Kind == types.Tuple && t.Kind == types.Tuple && !types.Equal(v.Type, t) {
			b.convertTuple(dst, off, v, t)
			return
		}
		b.CopySlot(dst, off, v.Slot, t.Size())
	case None:
		b.Zero(dst, off, t.Size())
	}
}

// convertTuple copies a tuple into a differently laid out tuple of the
// same arity (e.g. with wider strings), element by element.
func (b *Builder) convertTuple(dst Slot, off int, v Value, t *types.Type) {
	b.Zero(dst, off, t.Size())
	for i, f := range t.Fields {
		sf := v.Type.Fields[i]
		elem := v.Slot.At(sf.Offset, sf.Type.Size())
		if sf.Type.IsScalar() {
			b.Load(asm.R0, elem, 0, asm.DWord)
			b.Store(dst, off+f.Offset, asm.R0, asm.DWord)
			continue
		}
		b.StoreValue(dst, off+f.Offset, MemValue(elem, sf.Type), f.Type)
	}
}

// Use is one use of a builtin in the code being compiled: an *ast.Ident
// for a variable, an *ast.Call for a function.
type Use struct {
	Node ast.Expr
	Name string
	Args []ast.Expr
}

// AggUse is `@map[key] = f(args)`: the key is already built (without the
// bucket of hist and lhist maps, which the aggregation fills in).
type AggUse struct {
	Map  *MapDesc
	Key  Slot
	Call *ast.Call
}

// StringConst materialises s as a string value of size bytes, NUL-padded,
// with the widest aligned stores of up to four bytes (the stack only
// takes aligned accesses).
func (b *Builder) StringConst(s string, size int) Value {
	t := types.StringOf(size)
	slot := b.ResultSlot(size)
	buf := make([]byte, size)
	copy(buf, s)
	for off := 0; off < size; {
		sz, w := widest(slot.Off+off, size-off)
		if w > 4 {
			sz, w = asm.Word, 4
		}
		var v int64
		for i := w - 1; i >= 0; i-- {
			v = v<<8 | int64(buf[off+i])
		}
		b.Emit(StoreImmInsn(slot.Base(), int16(slot.Off+off), int64(int32(uint32(v))), sz))
		off += w
	}
	return MemValue(slot, t)
}
