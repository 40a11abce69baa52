// Package check type-checks a parsed bpftrace program: it expands attach
// points (with the kernel's help), infers the types of scratch variables and
// maps across all probes, checks every builtin use against the library
// (stdlib), and returns a typed Program for the code generator.
package check

import (
	"errors"
	"maps"
	"slices"
	"strconv"

	"gtrace/lang/ast"
	"gtrace/lang/diag"
	"gtrace/lang/probe"
	"gtrace/lang/types"
)

// DefaultStrLen is bpftrace 0.17's default string size (BPFTRACE_STRLEN).
const DefaultStrLen = 64

// Config is what the checker needs besides the program.
type Config struct {
	// Kernel answers questions about tracepoints; nil means no kernel
	// (tracepoint probes then fail to resolve).
	Kernel Kernel
	// Builtins is the library of builtin variables and functions.
	Builtins Builtins
	// Params are the positional parameters $1..$N.
	Params []string
	// Unsafe allows functions such as system().
	Unsafe bool
	// StrLen is the size of strings read with str(); 0 means DefaultStrLen.
	StrLen int
	// Cpid is the pid of the -c child command, 0 without one.
	Cpid int
	// Features are the kernel's capabilities.
	Features Features
}

// Features are kernel capabilities that change what the checker accepts.
type Features struct {
	// NoLoops is set on kernels without bounded loops (before 5.3).
	NoLoops bool
}

// Program is a type-checked program.
type Program struct {
	AST *ast.Program
	// Maps by name ("@x", or "@" for the bare map).
	Maps map[string]*Map
	// Probes in source order.
	Probes []*Probe
	// Warnings are non-fatal diagnostics.
	Warnings diag.List
	// StrLen is the effective string size.
	StrLen int
	// Params are the positional parameters.
	Params []string
}

// MapNames returns the map names in sorted order, the order in which maps
// are printed at exit.
func (p *Program) MapNames() []string { return slices.Sorted(maps.Keys(p.Maps)) }

// Map is a global @map with the types inferred for its key and value.
type Map struct {
	Name string
	// Key is nil for a map used without subscript; a single key's type, or
	// a Tuple for @m[k1, k2].
	Key *types.Type
	// KeyArity is the number of subscript expressions (0 for scalar maps).
	KeyArity int
	Value    *types.Type
	// Pos is where the map was first assigned (or used).
	Pos diag.Span
}

// Probe is one action block of the program.
type Probe struct {
	AST   *ast.Probe
	Index int
	// Instances are the BPF programs generated for this probe: one that
	// serves every attach point, or one per attach point when the body
	// depends on it (args, probe).
	Instances []*Instance
}

// Instance is the unit of code generation: one BPF program, its attach
// points, and the types of its expressions.
type Instance struct {
	Probe *Probe
	Kind  probe.Kind
	// Attach are the expanded attach points served by this program.
	Attach []probe.Spec
	// Types holds the type of every expression of the probe's predicate
	// and body.
	Types map[ast.Expr]*types.Type
	// Vars are the scratch variables by name (without '$').
	Vars map[string]*Var
	// VarOrder lists Vars in order of first assignment.
	VarOrder []string
	// Args is the record type of `args` for tracepoints, or nil.
	Args *types.Type
	// Tracepoint is the format of the single tracepoint this instance
	// reads args from, or nil.
	Tracepoint *TracepointFormat
	// Consts maps expressions with a value known at compile time (literals,
	// positional parameters, sizeof) to that value.
	Consts map[ast.Expr]Const
}

// Const is a compile-time value: an integer or a string.
type Const struct {
	Int   uint64
	Str   string
	IsStr bool
}

// Name is the probe name the `probe` builtin reports for this instance.
func (in *Instance) Name() string {
	if len(in.Attach) == 0 {
		return ""
	}
	return in.Attach[0].Name()
}

// Var is a scratch variable.
type Var struct {
	Name string
	Type *types.Type
	Pos  diag.Span
}

// Check type-checks prog. The returned error is a diag.List.
func Check(prog *ast.Program, cfg Config) (*Program, error) {
	c := &checker{
		cfg:  cfg,
		prog: &Program{AST: prog, Maps: map[string]*Map{}, Params: cfg.Params},
	}
	c.prog.StrLen = cfg.StrLen
	if c.prog.StrLen <= 0 {
		c.prog.StrLen = DefaultStrLen
	}
	c.resolveProbes()
	if c.errs.HasErrors() {
		return nil, c.errs
	}
	c.infer()
	c.errs.Sort()
	c.prog.Warnings = c.warns
	if c.errs.HasErrors() {
		return nil, c.errs
	}
	return c.prog, nil
}

// checker holds the state of one Check call.
type checker struct {
	cfg  Config
	prog *Program
	errs diag.List
	// warns are collected on the final pass only.
	warns diag.List
	// final is set on the last inference pass, the only one that reports.
	final bool
	// changed records that a pass learned something new.
	changed bool
}

func (c *checker) errorf(span diag.Span, format string, args ...any) {
	if c.final {
		c.errs = append(c.errs, diag.Errorf(c.bisonSpan(span), format, args...))
	}
}

func (c *checker) warnf(span diag.Span, format string, args ...any) {
	if c.final {
		c.warns = append(c.warns, diag.Warnf(c.bisonSpan(span), format, args...))
	}
}

// bisonSpan places a span where bpftrace would (see diag.WidenToRun).
func (c *checker) bisonSpan(span diag.Span) diag.Span {
	return diag.WidenToRun(c.prog.AST.Source, span)
}

// resolveProbes parses and expands every attach point and groups them into
// instances.
func (c *checker) resolveProbes() {
	c.final = true
	defer func() { c.final = false }()
	for i, p := range c.prog.AST.Probes {
		pr := &Probe{AST: p, Index: i}
		var specs []probe.Spec
		for _, ap := range p.AttachPoints {
			specs = append(specs, c.expandAttachPoint(ap)...)
		}
		if len(specs) == 0 {
			continue
		}
		dependent := usesContext(p)
		byKind := map[probe.Kind]*Instance{}
		for _, s := range specs {
			if in := byKind[s.Kind]; in != nil && !dependent {
				in.Attach = append(in.Attach, s)
				continue
			}
			in := &Instance{Probe: pr, Kind: s.Kind, Attach: []probe.Spec{s}}
			byKind[s.Kind] = in
			pr.Instances = append(pr.Instances, in)
		}
		c.prog.Probes = append(c.prog.Probes, pr)
	}
}

// usesContext reports whether a probe's body depends on which attach point
// fired (args, probe), so each attach point needs its own program.
func usesContext(p *ast.Probe) bool {
	found := false
	visit := func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && (id.Name == "args" || id.Name == "probe") {
			found = true
		}
		return !found
	}
	if p.Pred != nil {
		ast.Walk(p.Pred, visit)
	}
	ast.Walk(p.Body, visit)
	return found
}

// expandAttachPoint parses one attach point and expands its wildcards.
func (c *checker) expandAttachPoint(ap *ast.AttachPoint) []probe.Spec {
	fields := make([]string, len(ap.Fields))
	for i, f := range ap.Fields {
		fields[i] = c.substituteParams(f, ap.Pos)
	}
	spec, err := probe.Parse(ap.Provider, fields)
	if err != nil {
		c.errorf(ap.Pos, "%s", err)
		return nil
	}
	if !spec.Kind.Supported() {
		c.errorf(ap.Pos, "%s probes are not supported yet by gtrace", spec.Kind)
		return nil
	}
	switch spec.Kind {
	case probe.Tracepoint:
		return c.expandTracepoint(spec, ap)
	case probe.Software:
		if _, ok := probe.LookupSoftware(spec.Func); !ok {
			c.errorf(ap.Pos, "Invalid software event name: %s", spec.Func)
			return nil
		}
	case probe.Interval:
		if spec.Unit == "ns" {
			c.errorf(ap.Pos, "interval: invalid time unit (want s, ms, us or hz)")
			return nil
		}
	}
	return []probe.Spec{spec}
}

func (c *checker) expandTracepoint(spec probe.Spec, ap *ast.AttachPoint) []probe.Spec {
	if c.cfg.Kernel == nil {
		c.errorf(ap.Pos, "tracepoints need kernel information, which is unavailable")
		return nil
	}
	if !spec.HasWildcard() {
		if _, err := c.cfg.Kernel.TracepointFormat(spec.Target, spec.Func); err != nil {
			if errors.Is(err, ErrNotFound) {
				c.errorf(ap.Pos, "tracepoint not found: %s:%s", spec.Target, spec.Func)
			} else {
				c.errorf(ap.Pos, "%v", err)
			}
			return nil
		}
		return []probe.Spec{spec}
	}
	names, err := c.cfg.Kernel.Tracepoints(spec.Target, spec.Func)
	if err != nil {
		c.errorf(ap.Pos, "listing tracepoints: %v", err)
		return nil
	}
	if len(names) == 0 {
		c.errorf(ap.Pos, "No probes matched: %s", ap.Raw)
		return nil
	}
	out := make([]probe.Spec, 0, len(names))
	for _, n := range names {
		s := spec
		for i := 0; i < len(n); i++ {
			if n[i] == ':' {
				s.Target, s.Func = n[:i], n[i+1:]
				break
			}
		}
		out = append(out, s)
	}
	return out
}

// substituteParams replaces $N and $# in an attach point field.
func (c *checker) substituteParams(f string, pos diag.Span) string {
	out := []byte{}
	for i := 0; i < len(f); i++ {
		if f[i] != '$' || i+1 >= len(f) {
			out = append(out, f[i])
			continue
		}
		if f[i+1] == '#' {
			out = append(out, strconv.Itoa(len(c.cfg.Params))...)
			i++
			continue
		}
		j := i + 1
		for j < len(f) && f[j] >= '0' && f[j] <= '9' {
			j++
		}
		if j == i+1 {
			out = append(out, f[i])
			continue
		}
		n, _ := strconv.Atoi(f[i+1 : j])
		if n >= 1 && n <= len(c.cfg.Params) {
			out = append(out, c.cfg.Params[n-1]...)
		} else {
			c.errorf(pos, "positional parameter $%d is not set", n)
		}
		i = j - 1
	}
	return string(out)
}

// maxPasses bounds type inference; bpftrace's programs settle in 2-3.
const maxPasses = 10

// infer runs type inference passes until nothing changes, then one final
// pass that reports errors.
func (c *checker) infer() {
	for pass := 0; pass < maxPasses; pass++ {
		c.changed = false
		c.pass()
		if !c.changed {
			break
		}
	}
	c.final = true
	c.pass()
	c.final = false
	for name, m := range c.prog.Maps {
		if m.Value == nil {
			c.errs = append(c.errs, diag.Errorf(m.Pos, "Undefined map: %s", name))
		}
	}
}

func (c *checker) pass() {
	for _, p := range c.prog.Probes {
		for _, in := range p.Instances {
			s := &scope{c: c, in: in}
			s.begin()
			if p.AST.Pred != nil {
				t := s.expr(p.AST.Pred)
				if t != nil && !t.IsScalar() {
					c.errorf(p.AST.Pred.Span(), "Invalid type for predicate: %s", t)
				}
			}
			s.block(p.AST.Body)
		}
	}
}

// mapFor returns the map called name, creating it on first sight.
func (c *checker) mapFor(name string, pos diag.Span) *Map {
	m := c.prog.Maps[name]
	if m == nil {
		m = &Map{Name: name, Pos: pos}
		c.prog.Maps[name] = m
		c.changed = true
	}
	return m
}

// mapDisplayName is "@x" for map x and "@" for the bare map.
func mapDisplayName(ref *ast.MapRef) string { return "@" + ref.Name }

// describeKeys lists key types the way bpftrace's messages do.
func describeKeys(ts []*types.Type) string {
	s := "["
	for i, t := range ts {
		if i > 0 {
			s += ", "
		}
		if t.IsInt() {
			// bpftrace stores every integer key as 64 bits and names it so.
			s += "unsigned int64"
		} else {
			s += t.String()
		}
	}
	return s + "]"
}

func keyTypes(key *types.Type, arity int) []*types.Type {
	if key == nil {
		return nil
	}
	if arity > 1 {
		out := make([]*types.Type, len(key.Fields))
		for i, f := range key.Fields {
			out[i] = f.Type
		}
		return out
	}
	return []*types.Type{key}
}
