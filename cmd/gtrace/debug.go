package main

import (
	"fmt"
	"io"

	"gtrace/codegen"
	"gtrace/lang/ast"
	"gtrace/lang/check"
)

// dump prints what -d shows: the AST, the checked program and the BPF
// listing, as far as compilation got.
func dump(w io.Writer, prog *ast.Program, checked *check.Program, art *codegen.Artifact) {
	fmt.Fprintln(w, "AST")
	fmt.Fprintln(w, "-------------------")
	ast.Dump(w, prog)
	if checked == nil {
		return
	}
	fmt.Fprintln(w, "\nChecked program")
	fmt.Fprintln(w, "-------------------")
	for _, name := range checked.MapNames() {
		m := checked.Maps[name]
		key := "none"
		if m.Key != nil {
			key = m.Key.String()
		}
		fmt.Fprintf(w, "map %s: key %s, value %s\n", name, key, m.Value)
	}
	for _, p := range checked.Probes {
		for _, in := range p.Instances {
			fmt.Fprintf(w, "probe %s", in.Kind)
			for _, a := range in.Attach {
				fmt.Fprintf(w, " %s", a.Name())
			}
			fmt.Fprintln(w)
			for _, v := range in.VarOrder {
				fmt.Fprintf(w, "  $%s: %s\n", v, in.Vars[v].Type)
			}
		}
	}
	if art == nil {
		return
	}
	fmt.Fprintln(w, "\nBPF")
	fmt.Fprintln(w, "-------------------")
	codegen.Dump(w, art)
}
