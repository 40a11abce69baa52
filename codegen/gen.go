package codegen

import (
	"fmt"
	"strings"

	"github.com/cilium/ebpf/asm"

	"gtrace/codegen/emit"
	"gtrace/lang/ast"
	"gtrace/lang/check"
	"gtrace/lang/diag"
	"gtrace/lang/probe"
	"gtrace/lang/types"
	"gtrace/stdlib"
)

// gen compiles the statements and expressions of one instance.
type gen struct {
	b    *emit.Builder
	in   *check.Instance
	mod  *emit.Module
	vars map[string]emit.Slot
	exit string
	// loops are the enclosing while loops, innermost last.
	loops []loop
}

type loop struct{ brk, cont string }

func newGen(mod *emit.Module, in *check.Instance, heap bool) *gen {
	g := &gen{b: emit.NewBuilder(mod, in, heap), in: in, mod: mod, vars: map[string]emit.Slot{}}
	g.b.Eval = g.eval
	g.b.MapKey = g.mapKey
	return g
}

// program emits the whole program: prologue, predicate, body, exit.
func (g *gen) program() {
	b := g.b
	p := g.in.Probe.AST
	g.exit = b.NewLabel("exit")
	b.ExitLabel = g.exit
	b.SetSource(g.sourceLine(p.Pos))
	b.Emit(asm.Mov.Reg(emit.RegCtx, asm.R1))
	if b.Heap() {
		// R9 = &scratch[0] on this CPU.
		b.Emit(emit.StoreImmInsn(asm.RFP, -8, 0, asm.Word))
		b.LoadMap(asm.R1, emit.ScratchMap)
		b.Emit(asm.Mov.Reg(asm.R2, asm.RFP), asm.Add.Imm(asm.R2, -8), asm.FnMapLookupElem.Call(),
			asm.JEq.Imm(asm.R0, 0, g.exit), asm.Mov.Reg(emit.RegHeap, asm.R0))
		// The stack slot above is below every heap slot's use; reserve it.
	}
	if pid := g.mod.Opts.FilterPid; pid > 0 && filtersPid(g.in.Kind) {
		b.Emit(asm.FnGetCurrentPidTgid.Call(), asm.RSh.Imm(asm.R0, 32), asm.JNE.Imm(asm.R0, int32(pid), g.exit))
	}
	for _, name := range g.in.VarOrder {
		v := g.in.Vars[name]
		var s emit.Slot
		if v.Type.IsScalar() {
			s = b.AllocScalar()
		} else {
			s = b.AllocSlot(v.Type.Size())
		}
		b.Zero(s, 0, s.Size)
		g.vars[name] = s
	}
	if p.Pred != nil {
		b.SetSource(g.sourceLine(p.Pred.Span()))
		g.jumpIfFalse(p.Pred, g.exit)
	}
	g.block(p.Body)
	b.Label(g.exit)
	b.Emit(asm.Mov.Imm(asm.R0, 0), asm.Return())
}

// filtersPid reports whether -p applies to probes of kind k.
func filtersPid(k probe.Kind) bool {
	switch k {
	case probe.Begin, probe.End, probe.Interval:
		return false
	}
	return true
}

// sourceLine is the comment attached to the first instruction of a
// statement: "line N: text".
func (g *gen) sourceLine(span diag.Span) string {
	src := g.mod.Prog.AST.Source
	line := span.Start.Line
	if line <= 0 {
		return ""
	}
	lines := strings.Split(src, "\n")
	if line > len(lines) {
		return ""
	}
	text := strings.TrimSpace(lines[line-1])
	if len(text) > 60 {
		text = text[:57] + "..."
	}
	return fmt.Sprintf("line %d: %s", line, text)
}

func (g *gen) block(bl *ast.Block) {
	for _, s := range bl.Stmts {
		g.stmt(s)
	}
}

func (g *gen) stmt(s ast.Stmt) {
	b := g.b
	mark := b.Mark()
	defer b.Release(mark)
	if _, ok := s.(*ast.Block); !ok {
		b.SetSource(g.sourceLine(s.Span()))
	}
	switch s := s.(type) {
	case *ast.Block:
		g.block(s)
	case *ast.ExprStmt:
		v := g.eval(s.X)
		b.ReleaseValue(v)
	case *ast.AssignStmt:
		g.assign(s)
	case *ast.IfStmt:
		elseL, end := b.NewLabel("else"), b.NewLabel("endif")
		g.jumpIfFalse(s.Cond, elseL)
		g.block(s.Then)
		if s.Else != nil {
			b.Emit(asm.Ja.Label(end))
		}
		b.Label(elseL)
		if s.Else != nil {
			g.stmt(s.Else)
		}
		b.Label(end)
	case *ast.UnrollStmt:
		c, _ := b.Const(s.Count)
		for i := uint64(0); i < c.Int; i++ {
			g.block(s.Body)
		}
	case *ast.WhileStmt:
		top, end := b.NewLabel("while"), b.NewLabel("endwhile")
		b.Label(top)
		g.jumpIfFalse(s.Cond, end)
		g.loops = append(g.loops, loop{brk: end, cont: top})
		g.block(s.Body)
		g.loops = g.loops[:len(g.loops)-1]
		b.Emit(asm.Ja.Label(top))
		b.Label(end)
	case *ast.JumpStmt:
		switch s.Kind {
		case "return":
			b.Emit(asm.Ja.Label(g.exit))
		case "break":
			b.Emit(asm.Ja.Label(g.loops[len(g.loops)-1].brk))
		case "continue":
			b.Emit(asm.Ja.Label(g.loops[len(g.loops)-1].cont))
		}
	default:
		b.Fail(s.Span(), "statement not supported by the code generator")
	}
}

func (g *gen) assign(s *ast.AssignStmt) {
	b := g.b
	switch t := s.Target.(type) {
	case *ast.Var:
		slot := g.vars[t.Name]
		vt := g.in.Vars[t.Name].Type
		if s.Op == "=" {
			if readsVar(s.Value, t.Name) {
				// The value may read the variable: build it elsewhere.
				b.StoreValue(slot, 0, g.eval(s.Value), vt)
			} else {
				b.EvalTo(s.Value, slot, 0, vt)
			}
			return
		}
		cur := emit.Value{Where: emit.Spilled, Slot: slot, Type: vt}
		res := g.arith(strings.TrimSuffix(s.Op, "="), cur, g.evalHeld(s.Value), vt)
		b.StoreValue(slot, 0, res, vt)
	case *ast.MapRef:
		d := g.mod.Maps["@"+t.Name]
		if call, ok := s.Value.(*ast.Call); ok && d.Value.Kind == types.Agg {
			key := g.mapKey(t, d)
			stdlib.EmitAgg(b, &emit.AggUse{Map: d, Key: key, Call: call})
			return
		}
		if s.Op == "=" {
			key := g.mapKey(t, d)
			val := b.AllocSlot(d.ValueSize)
			b.EvalTo(s.Value, val, 0, d.Value)
			b.Update(d, key, val, 0)
			return
		}
		g.mapCompound(t, d, strings.TrimSuffix(s.Op, "="), s.Value)
	}
}

// mapKey builds the BPF key of ref in a new slot. For hist and lhist maps
// the bucket field is left for the aggregation to fill in.
func (g *gen) mapKey(ref *ast.MapRef, d *emit.MapDesc) emit.Slot {
	b := g.b
	key := b.AllocSlot(d.KeySize)
	switch {
	case d.Key == nil:
		if !d.IsHist() {
			b.StoreImm(key, 0, 0, asm.DWord)
		}
	case d.KeyArity == 1:
		b.EvalTo(ref.Keys[0], key, 0, d.Key)
	default:
		g.evalTuple(key, 0, d.Key, ref.Keys)
	}
	if d.IsHist() {
		if gap := d.BucketOff - d.UserKeySize(); gap > 0 {
			b.Zero(key, d.UserKeySize(), gap)
		}
	}
	return key
}

// evalTuple compiles elems into the fields of tuple type t at slot+off,
// zeroing the padding between fields.
func (g *gen) evalTuple(slot emit.Slot, off int, t *types.Type, elems []ast.Expr) {
	b := g.b
	pos := 0
	for i, f := range t.Fields {
		if f.Offset > pos {
			b.Zero(slot, off+pos, f.Offset-pos)
		}
		b.EvalTo(elems[i], slot, off+f.Offset, f.Type)
		pos = f.Offset + f.Type.Size()
	}
	if end := t.Size(); end > pos {
		b.Zero(slot, off+pos, end-pos)
	}
}

// mapCompound compiles `@m[k] op= value`.
func (g *gen) mapCompound(ref *ast.MapRef, d *emit.MapDesc, op string, value ast.Expr) {
	b := g.b
	v := g.evalHeld(value)
	key := g.mapKey(ref, d)
	b.Lookup(d, key)
	missing, end := b.NewLabel("missing"), b.NewLabel("done")
	b.Emit(asm.JEq.Imm(asm.R0, 0, missing))
	// Existing entry: update in place through R0.
	b.Emit(asm.Mov.Reg(asm.R5, asm.R0), asm.LoadMem(asm.R0, asm.R5, 0, asm.DWord))
	g.applyOp(op, asm.R0, v, d.Value, asm.R1)
	b.Emit(asm.StoreMem(asm.R5, 0, asm.R0, asm.DWord), asm.Ja.Label(end))
	b.Label(missing)
	b.Emit(asm.Mov.Imm(asm.R0, 0))
	g.applyOp(op, asm.R0, v, d.Value, asm.R1)
	tmp := b.AllocScalar()
	b.Store(tmp, 0, asm.R0, asm.DWord)
	b.Update(d, key, tmp, 0)
	b.Label(end)
	b.ReleaseValue(v)
}

// evalHeld compiles e and keeps the result safe across helper calls.
func (g *gen) evalHeld(e ast.Expr) emit.Value { return g.b.Hold(g.eval(e)) }

// readsVar reports whether e mentions the scratch variable name.
func readsVar(e ast.Expr, name string) bool {
	found := false
	ast.Walk(e, func(n ast.Node) bool {
		if v, ok := n.(*ast.Var); ok && v.Name == name {
			found = true
		}
		return !found
	})
	return found
}
