package ast

import (
	"fmt"
	"strings"
	"testing"
)

// sample is `kprobe:f /$x/ { @m[1] = (uint8)-$x; if (1) { return } else { $y++ } }`
// built by hand, with a Sizeof whose Type is nil and an IfStmt whose Else
// is a Block.
func sample() *Program {
	x := &Var{Name: "x"}
	return &Program{
		Includes: []*Include{{Path: "a.h"}},
		Config:   []*ConfigEntry{{Name: "max_strlen", Value: &IntLit{Value: 8}}},
		Probes: []*Probe{{
			AttachPoints: []*AttachPoint{{Raw: "kprobe:f"}},
			Pred:         x,
			Body: &Block{Stmts: []Stmt{
				&AssignStmt{
					Target: &MapRef{Name: "m", Keys: []Expr{&IntLit{Value: 1}}},
					Op:     "=",
					Value:  &Cast{Type: &TypeName{Name: "uint8"}, X: &Unary{Op: "-", X: &Var{Name: "x"}}},
				},
				&IfStmt{
					Cond: &Sizeof{X: &IntLit{Value: 1}},
					Then: &Block{Stmts: []Stmt{&JumpStmt{Kind: "return"}}},
					Else: &Block{Stmts: []Stmt{&ExprStmt{X: &IncDec{Op: "++", X: &Var{Name: "y"}}}}},
				},
			}},
		}},
	}
}

func name(n Node) string {
	switch n := n.(type) {
	case *Var:
		return "$" + n.Name
	case *IntLit:
		return fmt.Sprint(n.Value)
	case *MapRef:
		return "@" + n.Name
	}
	return strings.TrimPrefix(fmt.Sprintf("%T", n), "*ast.")
}

func TestWalkOrder(t *testing.T) {
	var got []string
	Walk(sample(), func(n Node) bool {
		got = append(got, name(n))
		return true
	})
	want := "Program Include ConfigEntry 8 Probe AttachPoint $x Block AssignStmt @m 1 Cast TypeName Unary $x " +
		"IfStmt Sizeof 1 Block JumpStmt Block ExprStmt IncDec $y"
	if g := strings.Join(got, " "); g != want {
		t.Errorf("pre-order:\n got %s\nwant %s", g, want)
	}
}

func TestWalkPrune(t *testing.T) {
	var got []string
	Walk(sample(), func(n Node) bool {
		got = append(got, name(n))
		switch n.(type) {
		case *AssignStmt, *IfStmt, *ConfigEntry:
			return false
		}
		return true
	})
	want := "Program Include ConfigEntry Probe AttachPoint $x Block AssignStmt IfStmt"
	if g := strings.Join(got, " "); g != want {
		t.Errorf("pruned walk:\n got %s\nwant %s", g, want)
	}
}

func TestWalkNil(t *testing.T) {
	calls := 0
	count := func(Node) bool { calls++; return true }
	Walk(nil, count)
	Walk((*Block)(nil), count)
	Walk(&Probe{}, count) // nil Pred and Body
	Walk(&IfStmt{Cond: &Ident{Name: "a"}}, count)
	if calls != 3 {
		t.Errorf("visited %d nodes, want 3 (Probe, IfStmt, Ident)", calls)
	}
}

func TestDumpTypeName(t *testing.T) {
	tests := []struct {
		t    *TypeName
		want string
	}{
		{&TypeName{Name: "uint8"}, "uint8"},
		{&TypeName{Name: "struct task_struct", Ptr: 1}, "struct task_struct*"},
		{&TypeName{Name: "int8", Array: 4}, "int8[4]"},
		{&TypeName{Name: "void", Ptr: 2}, "void**"},
		{nil, "<nil>"},
	}
	for _, tt := range tests {
		if got := tt.t.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

func TestDumpSample(t *testing.T) {
	var b strings.Builder
	if err := Dump(&b, sample()); err != nil {
		t.Fatal(err)
	}
	want := `Program
 include: a.h
 config
  max_strlen
   int: 8
 kprobe:f
  pred
   variable: $x
  =
   map: @m
    int: 1
   (uint8)
    -
     variable: $x
  if
   sizeof
    int: 1
   then
    return
   else
    ++ (post)
     variable: $y
`
	if b.String() != want {
		t.Errorf("dump:\n%s\nwant\n%s", b.String(), want)
	}
}
