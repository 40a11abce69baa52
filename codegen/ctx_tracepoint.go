package codegen

import (
	"github.com/cilium/ebpf/asm"

	"gtrace/codegen/emit"
	"gtrace/lang/ast"
	"gtrace/lang/types"
)

// Tracepoint context access: R6 points at the raw event record, laid out
// as the tracepoint's format file says. Scalars are loaded directly (the
// verifier allows aligned reads of the record); strings and arrays are
// copied with bpf_probe_read_kernel; __data_loc strings are located
// through their (length << 16 | offset) word.

// isArgs reports whether e is the `args` builtin.
func (g *gen) isArgs(e ast.Expr) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == "args"
}

// recordField finds the field of args that f names.
func (g *gen) recordField(f *ast.Field) (types.Field, bool) {
	rec := g.b.Type(f.X)
	for _, fl := range rec.Fields {
		if fl.Name == f.Name {
			return fl, true
		}
	}
	return types.Field{}, false
}

func (g *gen) field(e *ast.Field, t *types.Type) emit.Value {
	b := g.b
	if !g.isArgs(e.X) {
		b.Fail(e.Pos, "field access is only supported on args")
		return emit.ImmValue(0, t)
	}
	f, ok := g.recordField(e)
	if !ok {
		b.Fail(e.Pos, "no field %s", e.Name)
		return emit.ImmValue(0, t)
	}
	switch {
	case f.DataLoc:
		dst := b.ResultSlot(t.Size())
		b.Zero(dst, 0, t.Size())
		// R3 = ctx + (loc & 0xffff); length is bounded by the slot size.
		b.Emit(asm.LoadMem(asm.R3, emit.RegCtx, int16(f.Offset), asm.Word),
			asm.And.Imm(asm.R3, 0xffff), asm.Add.Reg(asm.R3, emit.RegCtx))
		b.AddrOf(asm.R1, dst)
		b.Emit(asm.Mov.Imm(asm.R2, int32(t.Size())), asm.FnProbeReadKernelStr.Call())
		return emit.MemValue(dst, t)
	case t.Kind == types.String || t.Kind == types.Array:
		dst := b.ResultSlot(t.Size())
		b.AddrOf(asm.R1, dst)
		b.Emit(asm.Mov.Imm(asm.R2, int32(t.Size())),
			asm.Mov.Reg(asm.R3, emit.RegCtx), asm.Add.Imm(asm.R3, int32(f.Offset)),
			asm.FnProbeReadKernel.Call())
		if t.Kind == types.String {
			// Keep the string NUL-terminated even if the field is full.
			b.StoreImm(dst, t.Size()-1, 0, asm.Byte)
		}
		return emit.MemValue(dst, t)
	}
	return g.ctxLoad(f.Offset, t, f.Type)
}

// ctxLoad loads a scalar field at off of the context into a register.
func (g *gen) ctxLoad(off int, t, ft *types.Type) emit.Value {
	b := g.b
	r, ok := b.AllocReg()
	if !ok {
		r = asm.R0
	}
	size := asm.DWord
	bits := 64
	if ft.IsInt() {
		bits = ft.Bits
	}
	switch bits {
	case 8:
		size = asm.Byte
	case 16:
		size = asm.Half
	case 32:
		size = asm.Word
	}
	b.Emit(asm.LoadMem(r, emit.RegCtx, int16(off), size))
	if ft.IsInt() && ft.Signed && bits < 64 {
		truncate(b, r, ft)
	}
	return b.Hold(emit.RegValue(r, t))
}

// ctxArrayElem reads element i of an array field of args.
func (g *gen) ctxArrayElem(f *ast.Field, i int, t *types.Type) emit.Value {
	fl, _ := g.recordField(f)
	elem := fl.Type.Elem
	return g.ctxLoad(fl.Offset+i*(elem.Bits/8), t, elem)
}
