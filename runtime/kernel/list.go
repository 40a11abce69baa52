package kernel

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"

	"gtrace/lang/probe"
)

// ListedProbe is one entry of a probe listing (`gtrace -l`).
type ListedProbe struct {
	// Name is the probe as bpftrace prints it, e.g.
	// "tracepoint:sched:sched_switch" or "software:cpu-clock:".
	Name string
	// Args are the tracepoint's fields for verbose listings (-lv), as
	// declarations such as "char prev_comm[16]".
	Args []string
}

// listProvider is a probe type that can be listed.
type listProvider struct {
	name, alias string
	// maxFields is how many ':'-separated fields may follow the name.
	maxFields int
	list      func(k *Info, fields []string, verbose bool) ([]ListedProbe, error)
}

// listProviders are the listable probe types, in output order.
var listProviders = [...]listProvider{
	{"hardware", "h", 2, func(_ *Info, f []string, _ bool) ([]ListedProbe, error) {
		return listPerfEvents("hardware", probe.HardwareEvents, f[0]), nil
	}},
	{"software", "s", 2, func(_ *Info, f []string, _ bool) ([]ListedProbe, error) {
		return listPerfEvents("software", probe.SoftwareEvents, f[0]), nil
	}},
	{"tracepoint", "t", 2, (*Info).listTracepoints},
}

// unlistedProviders are the other probe types and their short names:
// patterns naming them are errors rather than searches.
var unlistedProviders = map[string]bool{
	"kprobe": true, "k": true, "kretprobe": true, "kr": true,
	"uprobe": true, "u": true, "uretprobe": true, "ur": true, "usdt": true, "U": true,
	"profile": true, "p": true, "interval": true, "i": true,
	"fentry": true, "f": true, "fexit": true, "fr": true, "kfunc": true, "kretfunc": true,
	"rawtracepoint": true, "rt": true, "iter": true, "it": true, "watchpoint": true, "w": true,
	"BEGIN": true, "END": true,
}

// ListProbes lists the probes matching pattern, as `bpftrace -l pattern`
// does; verbose adds tracepoint arguments (-lv). Accepted patterns:
//
//   - "" or "*": every probe gtrace can list;
//   - "tracepoint:CAT:NAME" or "t:CAT:NAME", with '*' wildcards; missing
//     trailing fields match everything ("tracepoint:sched");
//   - "software:NAME[:COUNT]", "hardware:NAME[:COUNT]" (or "s:", "h:");
//     names and aliases both match, the count is ignored;
//   - a provider glob such as "*:sched_switch" tries each probe type;
//   - a bare probe type ("tracepoint", "s") lists all of that type;
//   - any other pattern without ':' ("*sched_switch*") is matched against
//     tracepoint and event names, like bpftrace.
//
// Probe types that cannot be listed (kprobe, uprobe, ...) are an error.
func (k *Info) ListProbes(pattern string, verbose bool) ([]ListedProbe, error) {
	if pattern == "" {
		pattern = "*"
	}
	provider, rest, hasFields := strings.Cut(pattern, ":")
	var fields []string
	if hasFields {
		fields = strings.Split(rest, ":")
		if slices.Contains(fields, "") {
			return nil, fmt.Errorf("listing %q: empty field", pattern)
		}
	}
	if !HasWildcard(provider) && unlistedProviders[provider] {
		return nil, fmt.Errorf("listing %q: cannot list %s probes (gtrace lists tracepoint, software and hardware probes)", pattern, provider)
	}
	var out []ListedProbe
	add := func(p *listProvider, fields []string) error {
		// Missing fields match everything.
		for len(fields) < p.maxFields {
			fields = append(fields, "*")
		}
		probes, err := p.list(k, fields, verbose)
		out = append(out, probes...)
		return err
	}
	if !hasFields {
		for i := range listProviders {
			if p := &listProviders[i]; provider == p.name || provider == p.alias {
				return out, add(p, nil)
			}
		}
		// A bare search names tracepoints and events, in any category.
		for i := range listProviders {
			p := &listProviders[i]
			f := []string{pattern}
			if p.name == "tracepoint" {
				f = []string{"*", pattern}
			}
			if err := add(p, f); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	if HasWildcard(provider) {
		for i := range listProviders {
			p := &listProviders[i]
			if Match(provider, p.name) && len(fields) <= p.maxFields {
				if err := add(p, fields); err != nil {
					return nil, err
				}
			}
		}
		return out, nil
	}
	for i := range listProviders {
		p := &listProviders[i]
		if provider != p.name && provider != p.alias {
			continue
		}
		if len(fields) > p.maxFields {
			return nil, fmt.Errorf("listing %q: a %s probe has at most %d fields after the type", pattern, p.name, p.maxFields)
		}
		return out, add(p, fields)
	}
	return nil, fmt.Errorf("listing %q: unknown probe type %q", pattern, provider)
}

// List writes the listing of ListProbes(pattern, verbose) to w in
// bpftrace's format.
func (k *Info) List(w io.Writer, pattern string, verbose bool) error {
	probes, err := k.ListProbes(pattern, verbose)
	if err != nil {
		return err
	}
	return WriteListing(w, probes)
}

// WriteListing writes probes one per line, each argument indented by four
// spaces below its probe, as `bpftrace -lv` does.
func WriteListing(w io.Writer, probes []ListedProbe) error {
	bw := bufio.NewWriter(w)
	for _, p := range probes {
		bw.WriteString(p.Name)
		bw.WriteByte('\n')
		for _, a := range p.Args {
			bw.WriteString("    ")
			bw.WriteString(a)
			bw.WriteByte('\n')
		}
	}
	return bw.Flush()
}

// listPerfEvents lists the events whose name or alias matches nameGlob,
// as bpftrace does: one "type:name:" line per matching name and alias, in
// sorted order.
func listPerfEvents(kind string, events []probe.PerfEvent, nameGlob string) []ListedProbe {
	var names []string
	for _, e := range events {
		for _, n := range []string{e.Name, e.Alias} {
			if n != "" && Match(nameGlob, n) {
				names = append(names, n)
			}
		}
	}
	slices.Sort(names)
	out := make([]ListedProbe, len(names))
	for i, n := range names {
		out[i] = ListedProbe{Name: kind + ":" + n + ":"}
	}
	return out
}

func (k *Info) listTracepoints(fields []string, verbose bool) ([]ListedProbe, error) {
	names, err := k.Tracepoints(fields[0], fields[1])
	if err != nil {
		return nil, err
	}
	out := make([]ListedProbe, len(names))
	for i, n := range names {
		out[i].Name = "tracepoint:" + n
		if !verbose {
			continue
		}
		cat, name, _ := strings.Cut(n, ":")
		f, err := k.TracepointFormat(cat, name)
		if err != nil {
			return nil, err
		}
		for _, fld := range f.Fields {
			out[i].Args = append(out[i].Args, FieldDecl(fld))
		}
	}
	return out, nil
}
