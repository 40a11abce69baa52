// Package probe knows the kinds of attach points bpftrace accepts: their
// names and aliases, how their fields are parsed, and which ones gtrace can
// run yet. It is pure: expanding wildcards against the kernel is the
// checker's job.
package probe

import (
	"fmt"
	"strconv"
	"strings"
)

// Kind is a probe type.
type Kind uint8

// Probe kinds.
const (
	Invalid Kind = iota
	Begin
	End
	Tracepoint
	Interval
	Profile
	Software
	Hardware
	Kprobe
	Kretprobe
	Uprobe
	Uretprobe
	Usdt
	Fentry
	Fexit
	RawTracepoint
	Watchpoint
	Iter
)

// kindInfo describes one kind: its canonical name, its short aliases and
// whether gtrace implements it yet.
type kindInfo struct {
	name      string
	aliases   []string
	supported bool
}

var kinds = map[Kind]kindInfo{
	Begin:         {"BEGIN", []string{"begin"}, true},
	End:           {"END", []string{"end"}, true},
	Tracepoint:    {"tracepoint", []string{"t"}, true},
	Interval:      {"interval", []string{"i"}, true},
	Profile:       {"profile", []string{"p"}, true},
	Software:      {"software", []string{"s"}, true},
	Hardware:      {"hardware", []string{"h"}, false},
	Kprobe:        {"kprobe", []string{"k"}, false},
	Kretprobe:     {"kretprobe", []string{"kr"}, false},
	Uprobe:        {"uprobe", []string{"u"}, false},
	Uretprobe:     {"uretprobe", []string{"ur"}, false},
	Usdt:          {"usdt", []string{"U"}, false},
	Fentry:        {"fentry", []string{"f", "kfunc"}, false},
	Fexit:         {"fexit", []string{"fr", "kretfunc"}, false},
	RawTracepoint: {"rawtracepoint", []string{"rt"}, false},
	Watchpoint:    {"watchpoint", []string{"w"}, false},
	Iter:          {"iter", []string{"it"}, false},
}

// byName maps every spelling of a provider to its kind.
var byName = func() map[string]Kind {
	m := map[string]Kind{}
	for k, info := range kinds {
		m[info.name] = k
		for _, a := range info.aliases {
			m[a] = k
		}
	}
	return m
}()

// Lookup returns the kind a provider name (or alias) stands for.
func Lookup(provider string) (Kind, bool) {
	k, ok := byName[provider]
	return k, ok
}

// String is the canonical provider name, as the `probe` builtin prints it.
func (k Kind) String() string {
	if info, ok := kinds[k]; ok {
		return info.name
	}
	return "invalid"
}

// Supported reports whether gtrace can attach probes of this kind yet.
func (k Kind) Supported() bool { return kinds[k].supported }

// IsSpecial reports whether k is BEGIN or END, which run once through
// BPF_PROG_TEST_RUN instead of being attached.
func (k Kind) IsSpecial() bool { return k == Begin || k == End }

// Spec is one parsed attach point. Wildcards are not expanded yet.
type Spec struct {
	Kind Kind
	// Target is the tracepoint category, the binary of a uprobe, or the
	// module of a kprobe.
	Target string
	// Func is the tracepoint name, function or event name.
	Func string
	// Unit is "s", "ms", "us", "hz" or "ns" for interval and profile.
	Unit string
	// Count is the interval/profile period in Unit, or the sample count of
	// a software or hardware event (0: the event's default).
	Count uint64
	// Offset is a kprobe/uprobe "+offset".
	Offset uint64
}

// Name is the attach point's canonical full name as bpftrace's `probe`
// builtin shows it, e.g. "tracepoint:syscalls:sys_enter_read".
func (s Spec) Name() string {
	switch s.Kind {
	case Begin, End:
		return s.Kind.String()
	case Tracepoint:
		return fmt.Sprintf("tracepoint:%s:%s", s.Target, s.Func)
	case Interval, Profile:
		return fmt.Sprintf("%s:%s:%d", s.Kind, s.Unit, s.Count)
	case Software, Hardware:
		if s.Count == 0 {
			return fmt.Sprintf("%s:%s:", s.Kind, s.Func)
		}
		return fmt.Sprintf("%s:%s:%d", s.Kind, s.Func, s.Count)
	}
	name := s.Kind.String()
	if s.Target != "" {
		name += ":" + s.Target
	}
	name += ":" + s.Func
	if s.Offset != 0 {
		name += fmt.Sprintf("+%d", s.Offset)
	}
	return name
}

// HasWildcard reports whether the spec needs expanding.
func (s Spec) HasWildcard() bool {
	return strings.ContainsAny(s.Target, "*[") || strings.ContainsAny(s.Func, "*[")
}

// Parse interprets the provider and fields of an attach point. Errors are
// plain messages; the caller attaches the position.
func Parse(provider string, fields []string) (Spec, error) {
	kind, ok := Lookup(provider)
	if !ok {
		//lint:ignore ST1005 bpftrace's wording
		return Spec{}, fmt.Errorf("Invalid provider: '%s'", provider)
	}
	s := Spec{Kind: kind}
	switch kind {
	case Begin, End:
		if len(fields) != 0 {
			return s, fmt.Errorf("%s probes take no arguments", kind)
		}
	case Tracepoint:
		if len(fields) != 2 || fields[0] == "" || fields[1] == "" {
			return s, fmt.Errorf("tracepoint probe type requires 2 arguments: tracepoint:category:name")
		}
		s.Target, s.Func = fields[0], fields[1]
	case Interval, Profile:
		return parseTimer(s, fields)
	case Software, Hardware:
		if len(fields) < 1 || len(fields) > 2 || fields[0] == "" {
			return s, fmt.Errorf("%s probe type requires 1 or 2 arguments: %s:event[:count]", kind, kind)
		}
		s.Func = fields[0]
		if len(fields) == 2 && fields[1] != "" {
			n, err := ParseCount(fields[1])
			if err != nil {
				return s, fmt.Errorf("%s: invalid count %q", kind, fields[1])
			}
			s.Count = n
		}
	case Kprobe, Kretprobe, Fentry, Fexit, RawTracepoint:
		switch len(fields) {
		case 1:
			s.Func = fields[0]
		case 2:
			s.Target, s.Func = fields[0], fields[1]
		default:
			return s, fmt.Errorf("%s probe type requires 1 or 2 arguments", kind)
		}
		if i := strings.IndexByte(s.Func, '+'); i >= 0 && (kind == Kprobe) {
			off, err := ParseCount(s.Func[i+1:])
			if err != nil {
				return s, fmt.Errorf("invalid offset in %q", s.Func)
			}
			s.Func, s.Offset = s.Func[:i], off
		}
		if s.Func == "" {
			return s, fmt.Errorf("%s probe type requires a function name", kind)
		}
	case Uprobe, Uretprobe, Usdt:
		if len(fields) < 2 {
			return s, fmt.Errorf("%s probe type requires 2 arguments: %s:binary:function", kind, kind)
		}
		s.Target, s.Func = fields[0], strings.Join(fields[1:], ":")
	case Watchpoint:
		if len(fields) != 3 {
			return s, fmt.Errorf("watchpoint probe type requires 3 arguments: watchpoint:address:length:mode")
		}
		s.Target, s.Func = fields[0], fields[1]+":"+fields[2]
	case Iter:
		if len(fields) < 1 {
			return s, fmt.Errorf("iter probe type requires 1 argument")
		}
		s.Func = strings.Join(fields, ":")
	}
	return s, nil
}

// parseTimer handles interval:s:1, interval:1s, profile:hz:99, profile:N.
func parseTimer(s Spec, fields []string) (Spec, error) {
	usage := fmt.Errorf("%s probe type requires 2 arguments: %s:unit:count (unit: s, ms, us, hz)", s.Kind, s.Kind)
	switch len(fields) {
	case 2:
		s.Unit = fields[0]
		n, err := ParseCount(fields[1])
		if err != nil {
			return s, fmt.Errorf("%s: invalid count %q", s.Kind, fields[1])
		}
		s.Count = n
	case 1:
		// interval:1s, interval:100ms, profile:1000 (ns) — the newer forms.
		f := fields[0]
		i := strings.IndexFunc(f, func(r rune) bool { return r < '0' || r > '9' })
		if i == 0 {
			return s, usage
		}
		unit := "ns"
		if i > 0 {
			unit = f[i:]
			f = f[:i]
		}
		n, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			return s, usage
		}
		s.Unit, s.Count = unit, n
	default:
		return s, usage
	}
	switch s.Unit {
	case "s", "ms", "us", "hz", "ns":
	default:
		return s, fmt.Errorf("%s is not an accepted unit of time", s.Unit)
	}
	if s.Count == 0 {
		return s, fmt.Errorf("%s: the count must be positive", s.Kind)
	}
	return s, nil
}

// PeriodNs returns a timer spec's period in nanoseconds, or 0 for hz
// (frequency) specs.
func (s Spec) PeriodNs() uint64 {
	switch s.Unit {
	case "s":
		return s.Count * 1e9
	case "ms":
		return s.Count * 1e6
	case "us":
		return s.Count * 1e3
	case "ns":
		return s.Count
	}
	return 0
}

// ParseCount parses a count as bpftrace writes them: decimal, hex, "1e6",
// "1_000".
func ParseCount(s string) (uint64, error) {
	s = strings.ReplaceAll(s, "_", "")
	if i := strings.IndexAny(s, "eE"); i > 0 && !strings.HasPrefix(s, "0x") {
		base, err1 := strconv.ParseUint(s[:i], 10, 64)
		exp, err2 := strconv.ParseUint(s[i+1:], 10, 64)
		if err1 != nil || err2 != nil || exp > 19 {
			return 0, fmt.Errorf("invalid number %q", s)
		}
		for ; exp > 0; exp-- {
			base *= 10
		}
		return base, nil
	}
	return strconv.ParseUint(s, 0, 64)
}

// Match reports whether name matches the glob pattern, where '*' matches
// any run of characters (bpftrace's only wildcard).
func Match(pattern, name string) bool {
	if !strings.Contains(pattern, "*") {
		return pattern == name
	}
	parts := strings.Split(pattern, "*")
	if !strings.HasPrefix(name, parts[0]) {
		return false
	}
	name = name[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(name, p)
		if i < 0 {
			return false
		}
		name = name[i+len(p):]
	}
	return strings.HasSuffix(name, last) && len(name) >= len(last)
}
