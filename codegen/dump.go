package codegen

import (
	"fmt"
	"io"
	"sort"
)

// Dump writes the maps, the output descriptors and the instruction
// listing of every program, each instruction group headed by the script
// line it comes from. It is deterministic, for golden tests.
func Dump(w io.Writer, a *Artifact) {
	fmt.Fprintln(w, "Maps:")
	for _, name := range a.MapNames() {
		d := a.Maps[name]
		key := "none"
		if d.Key != nil {
			key = d.Key.String()
		}
		fmt.Fprintf(w, "  %s (%s): key %s, value %s; BPF key %dB, value %dB, percpu=%v, max %d\n",
			name, d.BPFName, key, d.Value, d.KeySize, d.ValueSize, d.PerCPU, d.MaxEntries)
	}
	fmt.Fprintln(w, "Outputs:")
	for _, o := range a.Outputs {
		args := "none"
		if o.Args != nil {
			args = o.Args.String()
		}
		fmt.Fprintf(w, "  %d: %s", o.ID, o.Builtin)
		if o.Format != "" {
			fmt.Fprintf(w, " %q", o.Format)
		}
		if o.Map != "" {
			fmt.Fprintf(w, " %s", o.Map)
		}
		fmt.Fprintf(w, " args %s\n", args)
	}
	names := make([]string, 0, len(a.Spec.Maps))
	for n := range a.Spec.Maps {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(w, "Kernel maps:")
	for _, n := range names {
		m := a.Spec.Maps[n]
		fmt.Fprintf(w, "  %s: %s key %d value %d entries %d\n", n, m.Type, m.KeySize, m.ValueSize, m.MaxEntries)
	}
	for _, p := range a.Programs {
		spec := a.Spec.Programs[p.Name]
		mode := "stack"
		if p.Heap {
			mode = "heap"
		}
		fmt.Fprintf(w, "\nProgram %s (%s, %s memory) for %s:\n", p.Name, spec.Type, mode, attachList(p))
		fmt.Fprintf(w, "%v", spec.Instructions)
	}
}

func attachList(p *Program) string {
	s := ""
	for i, a := range p.Attach {
		if i > 0 {
			s += ", "
		}
		if i == 3 && len(p.Attach) > 4 {
			return s + fmt.Sprintf("... (%d attach points)", len(p.Attach))
		}
		s += a.Name()
	}
	return s
}
