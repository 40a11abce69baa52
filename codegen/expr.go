package codegen

import (
	"github.com/cilium/ebpf/asm"

	"gtrace/codegen/emit"
	"gtrace/lang/ast"
	"gtrace/lang/diag"
	"gtrace/lang/types"
	"gtrace/stdlib"
)

// eval compiles an expression and returns where its value is.
func (g *gen) eval(e ast.Expr) emit.Value {
	b := g.b
	t := b.Type(e)
	if c, ok := b.Const(e); ok && !c.IsStr && t != nil && t.IsScalar() {
		return emit.ImmValue(int64(c.Int), t)
	}
	switch e := e.(type) {
	case *ast.StrLit:
		return b.StringConst(e.Value, t.Size())
	case *ast.Var:
		slot := g.vars[e.Name]
		if t.IsScalar() {
			return emit.Value{Where: emit.Spilled, Slot: slot, Type: t}
		}
		return emit.MemValue(slot, t)
	case *ast.MapRef:
		return g.mapRead(e)
	case *ast.Ident:
		return stdlib.EmitVar(b, &emit.Use{Node: e, Name: e.Name})
	case *ast.Call:
		return stdlib.EmitCall(b, &emit.Use{Node: e, Name: e.Name, Args: e.Args})
	case *ast.Binary:
		return g.binary(e, t)
	case *ast.Unary:
		return g.unary(e, t)
	case *ast.IncDec:
		return g.incDec(e, t)
	case *ast.Ternary:
		return g.ternary(e, t)
	case *ast.Field:
		return g.field(e, t)
	case *ast.TupleIndex:
		v := g.eval(e.X)
		f := v.Type.Fields[e.Index]
		elem := v.Slot.At(f.Offset, f.Type.Size())
		if f.Type.IsScalar() {
			return g.loadScalar(elem, f.Type)
		}
		return emit.MemValue(elem, f.Type)
	case *ast.Index:
		return g.index(e, t)
	case *ast.Tuple:
		slot := b.ResultSlot(t.Size())
		g.evalTuple(slot, 0, t, e.Elems)
		return emit.MemValue(slot, t)
	case *ast.Cast:
		v := g.eval(e.X)
		if !t.IsInt() || t.Bits == 64 {
			v.Type = t
			return v
		}
		w := b.Writable(v)
		truncate(b, w.Reg, t)
		w.Type = t
		return b.Hold(w)
	}
	b.Fail(e.Span(), "expression not supported by the code generator")
	return emit.ImmValue(0, types.Int64)
}

// truncate narrows register r to integer type t in canonical form.
func truncate(b *emit.Builder, r asm.Register, t *types.Type) {
	switch {
	case t.Bits == 32 && !t.Signed:
		b.Emit(asm.Mov.Reg32(r, r))
	case t.Signed:
		shift := int32(64 - t.Bits)
		b.Emit(asm.LSh.Imm(r, shift), asm.ArSh.Imm(r, shift))
	default:
		b.Emit(asm.And.Imm(r, int32(uint32(1)<<t.Bits-1)))
	}
}

// loadScalar reads an 8-byte scalar from memory into a held register.
func (g *gen) loadScalar(s emit.Slot, t *types.Type) emit.Value {
	b := g.b
	r, ok := b.AllocReg()
	if !ok {
		b.Load(asm.R0, s, 0, asm.DWord)
		return b.Hold(emit.RegValue(asm.R0, t))
	}
	b.Load(r, s, 0, asm.DWord)
	return emit.RegValue(r, t)
}

// mapRead compiles a map element read; a missing element reads as zero.
func (g *gen) mapRead(ref *ast.MapRef) emit.Value {
	b := g.b
	d := g.mod.Maps["@"+ref.Name]
	key := g.mapKey(ref, d)
	b.Lookup(d, key)
	missing, end := b.NewLabel("missing"), b.NewLabel("done")
	t := d.Value
	if t.IsScalar() {
		r, ok := b.AllocReg()
		if !ok {
			r = asm.R1
		}
		b.Emit(asm.JEq.Imm(asm.R0, 0, missing), asm.LoadMem(r, asm.R0, 0, asm.DWord), asm.Ja.Label(end))
		b.Label(missing)
		b.Emit(asm.Mov.Imm(r, 0))
		b.Label(end)
		if !ok {
			return b.Hold(emit.RegValue(r, t))
		}
		return emit.RegValue(r, t)
	}
	dst := b.AllocSlot(t.Size())
	b.Emit(asm.JEq.Imm(asm.R0, 0, missing), asm.Mov.Reg(asm.R1, asm.R0))
	b.Copy(dst, 0, asm.R1, 0, t.Size())
	b.Emit(asm.Ja.Label(end))
	b.Label(missing)
	b.Zero(dst, 0, t.Size())
	b.Label(end)
	return emit.MemValue(dst, t)
}

func (g *gen) binary(e *ast.Binary, t *types.Type) emit.Value {
	switch e.Op {
	case "==", "!=", "<", ">", "<=", ">=", "&&", "||":
		return g.materialize(e)
	}
	l := g.evalHeld(e.X)
	r := g.eval(e.Y)
	return g.arith(e.Op, l, r, t)
}

// arith computes `l op r` for integers of result type t.
func (g *gen) arith(op string, l, r emit.Value, t *types.Type) emit.Value {
	b := g.b
	r = b.Hold(r)
	w := b.Writable(l)
	g.applyOp(op, w.Reg, r, t, asm.R1)
	b.ReleaseValue(r)
	w.Type = t
	return b.Hold(w)
}

// aluOps maps arithmetic operators to BPF ALU operations (unsigned
// forms; signed division and right shift are chosen by applyOp).
var aluOps = map[string]asm.ALUOp{
	"+": asm.Add, "-": asm.Sub, "*": asm.Mul, "/": asm.Div, "%": asm.Mod,
	"&": asm.And, "|": asm.Or, "^": asm.Xor, "<<": asm.LSh, ">>": asm.RSh,
}

// applyOp emits dst = dst op v, using tmp for operands that are not in a
// register. Signedness comes from t. v is not released.
func (g *gen) applyOp(op string, dst asm.Register, v emit.Value, t *types.Type, tmp asm.Register) {
	b := g.b
	signed := t != nil && t.Signed
	alu, ok := aluOps[op]
	if !ok {
		b.Fail(diag.Span{}, "unknown operator %s", op)
		return
	}
	if op == ">>" && signed {
		alu = asm.ArSh
	}
	if signed && (op == "/" || op == "%") {
		src := g.operandReg(v, tmp)
		g.signedDivMod(op, dst, src)
		return
	}
	if v.Where == emit.Imm && v.Imm == int64(int32(v.Imm)) {
		b.Emit(alu.Imm(dst, int32(v.Imm)))
		return
	}
	b.Emit(alu.Reg(dst, g.operandReg(v, tmp)))
}

// operandReg returns a register holding v without releasing it, loading
// into tmp when needed.
func (g *gen) operandReg(v emit.Value, tmp asm.Register) asm.Register {
	b := g.b
	switch v.Where {
	case emit.InReg:
		return v.Reg
	case emit.Imm:
		if v.Imm == int64(int32(v.Imm)) {
			b.Emit(asm.Mov.Imm(tmp, int32(v.Imm)))
		} else {
			b.Emit(asm.LoadImm(tmp, v.Imm, asm.DWord))
		}
	case emit.Spilled:
		b.Load(tmp, v.Slot, 0, asm.DWord)
	default:
		b.Emit(asm.Mov.Imm(tmp, 0))
	}
	return tmp
}

// signedDivMod emits C-style signed division or modulo of dst by src,
// with ISA v4 instructions when allowed, else with unsigned division of
// the magnitudes. Division by zero gives 0 (/) or the dividend (%), as
// BPF does.
func (g *gen) signedDivMod(op string, dst, src asm.Register) {
	b := g.b
	if g.mod.Opts.V4 {
		if op == "/" {
			b.Emit(asm.SDiv.Reg(dst, src))
		} else {
			b.Emit(asm.SMod.Reg(dst, src))
		}
		return
	}
	// R2: sign of the result; R3: |src|.
	b.Emit(asm.Mov.Reg(asm.R3, src), asm.Mov.Reg(asm.R2, dst))
	if op == "/" {
		b.Emit(asm.Xor.Reg(asm.R2, asm.R3))
	}
	l1, l2, l3 := b.NewLabel("pos"), b.NewLabel("pos"), b.NewLabel("pos")
	b.Emit(asm.JSGE.Imm(dst, 0, l1), asm.Neg.Imm(dst, 0))
	b.Label(l1)
	b.Emit(asm.JSGE.Imm(asm.R3, 0, l2), asm.Neg.Imm(asm.R3, 0))
	b.Label(l2)
	if op == "/" {
		b.Emit(asm.Div.Reg(dst, asm.R3))
	} else {
		b.Emit(asm.Mod.Reg(dst, asm.R3))
	}
	b.Emit(asm.JSGE.Imm(asm.R2, 0, l3), asm.Neg.Imm(dst, 0))
	b.Label(l3)
}

// materialize turns a condition into 0 or 1 in a held register.
func (g *gen) materialize(e ast.Expr) emit.Value {
	b := g.b
	falseL, end := b.NewLabel("false"), b.NewLabel("cond_end")
	g.jumpIfFalse(e, falseL)
	r, ok := b.AllocReg()
	if !ok {
		r = asm.R0
	}
	b.Emit(asm.Mov.Imm(r, 1), asm.Ja.Label(end))
	b.Label(falseL)
	b.Emit(asm.Mov.Imm(r, 0))
	b.Label(end)
	return b.Hold(emit.RegValue(r, types.Int64))
}

// jumps maps a comparison to its jump, for unsigned and signed operands.
var jumps = map[string][2]asm.JumpOp{
	"==": {asm.JEq, asm.JEq},
	"!=": {asm.JNE, asm.JNE},
	"<":  {asm.JLT, asm.JSLT},
	"<=": {asm.JLE, asm.JSLE},
	">":  {asm.JGT, asm.JSGT},
	">=": {asm.JGE, asm.JSGE},
}

// negate gives the comparison that is true when op is false.
var negate = map[string]string{"==": "!=", "!=": "==", "<": ">=", ">=": "<", ">": "<=", "<=": ">"}

// swap gives the comparison with its operands exchanged.
var swap = map[string]string{"==": "==", "!=": "!=", "<": ">", ">": "<", "<=": ">=", ">=": "<="}

// jumpIfFalse jumps to label when e is false (zero).
func (g *gen) jumpIfFalse(e ast.Expr, label string) { g.condJump(e, label, false) }

// condJump jumps to label when e's truth equals when.
func (g *gen) condJump(e ast.Expr, label string, when bool) {
	b := g.b
	if c, ok := b.Const(e); ok && !c.IsStr {
		if (c.Int != 0) == when {
			b.Emit(asm.Ja.Label(label))
		}
		return
	}
	switch e := e.(type) {
	case *ast.Binary:
		switch e.Op {
		case "&&", "||":
			// when=false for &&: either false jumps. when=true for ||:
			// either true jumps. Otherwise skip over the second test.
			if (e.Op == "&&") != when {
				g.condJump(e.X, label, when)
				g.condJump(e.Y, label, when)
				return
			}
			skip := b.NewLabel("skip")
			g.condJump(e.X, skip, !when)
			g.condJump(e.Y, label, when)
			b.Label(skip)
			return
		case "==", "!=", "<", ">", "<=", ">=":
			lt, rt := b.Type(e.X), b.Type(e.Y)
			if lt.IsString() {
				g.stringCompare(e, label, when)
				return
			}
			op := e.Op
			if !when {
				op = negate[op]
			}
			signed := lt.Signed && rt.Signed
			l := g.evalHeld(e.X)
			r := g.eval(e.Y)
			if l.Where == emit.Imm {
				l, r = r, l
				op = swap[op]
			}
			lr := g.operandReg(l, asm.R1)
			j := jumps[op][0]
			if signed {
				j = jumps[op][1]
			}
			if r.Where == emit.Imm && r.Imm == int64(int32(r.Imm)) {
				b.Emit(j.Imm(lr, int32(r.Imm), label))
			} else {
				b.Emit(j.Reg(lr, g.operandReg(r, asm.R2), label))
			}
			b.ReleaseValue(l)
			b.ReleaseValue(r)
			return
		}
	case *ast.Unary:
		if e.Op == "!" {
			g.condJump(e.X, label, !when)
			return
		}
	}
	v := g.eval(e)
	r := g.operandReg(v, asm.R1)
	if when {
		b.Emit(asm.JNE.Imm(r, 0, label))
	} else {
		b.Emit(asm.JEq.Imm(r, 0, label))
	}
	b.ReleaseValue(v)
}

// stringCompare jumps to label when (X == Y) (or !=) equals when. Strings
// are NUL-padded, so comparing the common prefix length decides.
func (g *gen) stringCompare(e *ast.Binary, label string, when bool) {
	b := g.b
	eqWanted := (e.Op == "==") == when
	// differ: where to go when a chunk differs; fall through when equal.
	differ := label
	var after string
	if eqWanted {
		after = b.NewLabel("str_ne")
		differ = after
	}
	x, y := e.X, e.Y
	if _, ok := x.(*ast.StrLit); ok {
		x, y = y, x
	}
	xv := g.eval(x)
	n := xv.Type.Size()
	if yt := b.Type(y); yt.Size() < n {
		n = yt.Size()
	}
	if lit, ok := y.(*ast.StrLit); ok {
		buf := make([]byte, n+4)
		copy(buf, lit.Value)
		for off := 0; off < n; {
			sz, w := chunk(xv.Slot.Off+off, n-off)
			var v int64
			for i := w - 1; i >= 0; i-- {
				v = v<<8 | int64(buf[off+i])
			}
			b.Load(asm.R1, xv.Slot, off, sz)
			b.Emit(asm.JNE.Imm(asm.R1, int32(uint32(v)), differ))
			off += w
		}
	} else {
		yv := g.eval(y)
		for off := 0; off < n; {
			// Both operands must be aligned for the load size.
			sz, w := chunk(xv.Slot.Off+off, n-off)
			if w2 := chunkWidth(yv.Slot.Off+off, n-off); w2 < w {
				sz, w = chunk(yv.Slot.Off+off, n-off)
			}
			b.Load(asm.R1, xv.Slot, off, sz)
			b.Load(asm.R2, yv.Slot, off, sz)
			b.Emit(asm.JNE.Reg(asm.R1, asm.R2, differ))
			off += w
		}
	}
	if eqWanted {
		b.Emit(asm.Ja.Label(label))
		b.Label(after)
	}
}

func chunkWidth(off, n int) int {
	_, w := chunk(off, n)
	return w
}

// chunk picks a load size of at most 4 bytes aligned at off.
func chunk(off, n int) (asm.Size, int) {
	switch {
	case n >= 4 && off&3 == 0:
		return asm.Word, 4
	case n >= 2 && off&1 == 0:
		return asm.Half, 2
	}
	return asm.Byte, 1
}

func (g *gen) unary(e *ast.Unary, t *types.Type) emit.Value {
	b := g.b
	switch e.Op {
	case "!":
		return g.materialize(e)
	case "+":
		return g.eval(e.X)
	case "-", "~":
		w := b.Writable(g.eval(e.X))
		if e.Op == "-" {
			b.Emit(asm.Neg.Imm(w.Reg, 0))
		} else {
			b.Emit(asm.Xor.Imm(w.Reg, -1))
		}
		w.Type = t
		return b.Hold(w)
	case "*":
		ptr := g.eval(e.X)
		return g.readPointer(ptr, 0, t, b.Type(e.X).Space)
	}
	b.Fail(e.Pos, "operator %s not supported by the code generator", e.Op)
	return emit.ImmValue(0, t)
}

// readPointer reads a scalar of type t at ptr+off from kernel or user
// memory.
func (g *gen) readPointer(ptr emit.Value, off int, t *types.Type, space types.AddrSpace) emit.Value {
	b := g.b
	dst := b.AllocScalar()
	b.Zero(dst, 0, 8)
	b.ToReg(asm.R3, ptr)
	if off != 0 {
		b.Emit(asm.Add.Imm(asm.R3, int32(off)))
	}
	b.AddrOf(asm.R1, dst)
	size := t.Size()
	if t.IsInt() {
		size = t.Bits / 8
	}
	b.Emit(asm.Mov.Imm(asm.R2, int32(size)))
	fn := asm.FnProbeReadKernel
	if space == types.AddrUser {
		fn = asm.FnProbeReadUser
	}
	b.Emit(fn.Call())
	v := g.loadScalar(dst, t)
	if t.IsInt() && t.Signed && t.Bits < 64 {
		w := b.Writable(v)
		truncate(b, w.Reg, t)
		return b.Hold(w)
	}
	return v
}

func (g *gen) incDec(e *ast.IncDec, t *types.Type) emit.Value {
	b := g.b
	delta := int32(1)
	if e.Op == "--" {
		delta = -1
	}
	switch x := e.X.(type) {
	case *ast.Var:
		slot := g.vars[x.Name]
		r, ok := b.AllocReg()
		if !ok {
			r = asm.R0
		}
		b.Load(r, slot, 0, asm.DWord)
		b.Emit(asm.Add.Imm(r, delta))
		b.Store(slot, 0, r, asm.DWord)
		if !e.Prefix {
			b.Emit(asm.Add.Imm(r, -delta))
		}
		return b.Hold(emit.RegValue(r, t))
	case *ast.MapRef:
		d := g.mod.Maps["@"+x.Name]
		key := g.mapKey(x, d)
		b.Lookup(d, key)
		r, ok := b.AllocReg()
		if !ok {
			b.Fail(e.Pos, "expression too complex: out of registers")
			return emit.ImmValue(0, t)
		}
		missing, end := b.NewLabel("missing"), b.NewLabel("done")
		b.Emit(asm.JEq.Imm(asm.R0, 0, missing),
			asm.LoadMem(r, asm.R0, 0, asm.DWord), asm.Add.Imm(r, delta), asm.StoreMem(asm.R0, 0, r, asm.DWord),
			asm.Ja.Label(end))
		b.Label(missing)
		tmp := b.AllocScalar()
		b.Emit(asm.Mov.Imm(r, delta))
		b.Store(tmp, 0, r, asm.DWord)
		b.Update(d, key, tmp, 0)
		b.Label(end)
		if !e.Prefix {
			b.Emit(asm.Add.Imm(r, -delta))
		} else {
		}
		return emit.RegValue(r, t)
	}
	b.Fail(e.Pos, "invalid operand of %s", e.Op)
	return emit.ImmValue(0, t)
}

func (g *gen) ternary(e *ast.Ternary, t *types.Type) emit.Value {
	b := g.b
	elseL, end := b.NewLabel("else"), b.NewLabel("tern_end")
	// Both arms store into one slot: a scalar one read back afterwards,
	// or the memory the value is wanted in.
	var slot emit.Slot
	if t.IsScalar() {
		slot = b.AllocScalar()
	} else {
		slot = b.ResultSlot(t.Size())
	}
	g.jumpIfFalse(e.Cond, elseL)
	b.EvalTo(e.Then, slot, 0, t)
	b.Emit(asm.Ja.Label(end))
	b.Label(elseL)
	b.EvalTo(e.Else, slot, 0, t)
	b.Label(end)
	if t.IsScalar() {
		return g.loadScalar(slot, t)
	}
	return emit.MemValue(slot, t)
}

func (g *gen) index(e *ast.Index, t *types.Type) emit.Value {
	b := g.b
	xt := b.Type(e.X)
	c, _ := b.Const(e.Index)
	switch xt.Kind {
	case types.Array:
		if f, ok := e.X.(*ast.Field); ok && g.isArgs(f.X) {
			return g.ctxArrayElem(f, int(c.Int), t)
		}
		v := g.eval(e.X)
		es := xt.Elem.ElemSize()
		elem := v.Slot.At(int(c.Int)*es, es)
		r, ok := b.AllocReg()
		if !ok {
			r = asm.R0
		}
		b.Load(r, elem, 0, sizeOf(es))
		if xt.Elem.IsInt() && xt.Elem.Signed && es < 8 {
			truncate(b, r, xt.Elem)
		}
		return b.Hold(emit.RegValue(r, t))
	case types.Pointer:
		ptr := g.evalHeld(e.X)
		idx := g.eval(e.Index)
		if idx.Where == emit.Imm {
			return g.readPointer(ptr, int(idx.Imm)*elemSize(t), t, xt.Space)
		}
		w := b.Writable(idx)
		b.Emit(asm.Mul.Imm(w.Reg, int32(elemSize(t))))
		g.applyOp("+", w.Reg, ptr, types.Uint64, asm.R1)
		b.ReleaseValue(ptr)
		return g.readPointer(b.Hold(w), 0, t, xt.Space)
	}
	b.Fail(e.Pos, "indexing not supported by the code generator")
	return emit.ImmValue(0, t)
}

func elemSize(t *types.Type) int { return t.ElemSize() }

// sizeOf is the load/store size of n bytes (1, 2, 4 or 8).
func sizeOf(n int) asm.Size {
	switch n {
	case 1:
		return asm.Byte
	case 2:
		return asm.Half
	case 4:
		return asm.Word
	}
	return asm.DWord
}
