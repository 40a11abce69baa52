package kernel

// Tests against the running kernel. CI runs them as root; they skip only
// when the kernel lacks what they test.

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/btf"
	"github.com/cilium/ebpf/features"
)

// liveTracefs returns an Info for the running kernel and its tracefs,
// skipping when the kernel has no tracefs at all.
func liveTracefs(t testing.TB) (*Info, string) {
	t.Helper()
	if !exists(tracefsDirs[0]) && !exists(tracefsDirs[1]) {
		t.Skip("the kernel has no tracefs (CONFIG_TRACING is off)")
	}
	k := New()
	dir, err := k.Tracefs()
	if err != nil {
		t.Fatalf("Tracefs: %v", err)
	}
	return k, dir
}

func TestLiveSyscallTracepoints(t *testing.T) {
	k, dir := liveTracefs(t)
	if !exists(filepath.Join(dir, "events/syscalls")) {
		t.Skip("the kernel has no syscall tracepoints (CONFIG_FTRACE_SYSCALLS is off)")
	}
	got, err := k.Tracepoints("syscalls", "sys_enter_*")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) < 100 {
		t.Errorf("only %d syscalls:sys_enter_* tracepoints: %q", len(got), got)
	}
	if !slices.IsSorted(got) {
		t.Error("tracepoints are not sorted")
	}
	for _, tp := range got {
		if !strings.HasPrefix(tp, "syscalls:sys_enter_") {
			t.Errorf("unexpected tracepoint %q", tp)
		}
	}
	if !slices.Contains(got, "syscalls:sys_enter_openat") {
		t.Error("syscalls:sys_enter_openat is missing")
	}
}

// fieldDeclRE extracts the declaration of a field line.
var fieldDeclRE = regexp.MustCompile(`(?m)^\s*field:([^;]*);`)

// TestLiveParseAllFormats parses every format file of the running kernel
// and checks that each field renders back to the declaration in the file.
func TestLiveParseAllFormats(t *testing.T) {
	k, dir := liveTracefs(t)
	files, err := filepath.Glob(filepath.Join(dir, "events/*/*/format"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no format files under events/")
	}
	for _, file := range files {
		name := filepath.Base(filepath.Dir(file))
		cat := filepath.Base(filepath.Dir(filepath.Dir(file)))
		f, err := k.TracepointFormat(cat, name)
		if err != nil {
			t.Errorf("%s:%s: %v", cat, name, err)
			continue
		}
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, m := range fieldDeclRE.FindAllStringSubmatch(string(raw), -1) {
			if decl := strings.TrimSpace(m[1]); !strings.Contains(decl, " common_") {
				want = append(want, decl)
			}
		}
		var got []string
		for _, fld := range f.Fields {
			got = append(got, FieldDecl(fld))
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s:%s: fields render as %q, the file has %q", cat, name, got, want)
		}
	}
	t.Logf("parsed %d format files", len(files))
}

// TestLiveListMatchesBpftrace compares listings with the reference
// bpftrace's on the same kernel.
func TestLiveListMatchesBpftrace(t *testing.T) {
	k, dir := liveTracefs(t)
	bpftrace, err := exec.LookPath("bpftrace")
	if err != nil {
		t.Skip("bpftrace is not installed; this differential test needs it")
	}
	cases := []struct {
		args    []string
		pattern string
		verbose bool
		needs   string // an events/ path that must exist
	}{
		{[]string{"-l", "tracepoint:*"}, "tracepoint:*", false, ""},
		{[]string{"-l", "tracepoint:sched:*"}, "tracepoint:sched:*", false, "sched"},
		{[]string{"-l", "t:syscalls:sys_enter_open*"}, "t:syscalls:sys_enter_open*", false, "syscalls"},
		{[]string{"-l", "*sched_switch*"}, "*sched_switch*", false, "sched"},
		{[]string{"-lv", "tracepoint:syscalls:sys_enter_openat"}, "tracepoint:syscalls:sys_enter_openat", true, "syscalls"},
		{[]string{"-lv", "tracepoint:*"}, "tracepoint:*", true, ""},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			if c.needs != "" && !exists(filepath.Join(dir, "events", c.needs)) {
				t.Skipf("the kernel has no %s tracepoints", c.needs)
			}
			out, err := exec.Command(bpftrace, c.args...).Output()
			if err != nil {
				t.Fatalf("bpftrace %s: %v", strings.Join(c.args, " "), err)
			}
			var buf bytes.Buffer
			if err := k.List(&buf, c.pattern, c.verbose); err != nil {
				t.Fatal(err)
			}
			// bpftrace 0.17 echoes unexpanded software and hardware
			// patterns ("software:*sched_switch*:"); gtrace expands them.
			want := regexp.MustCompile(`(?m)^(software|hardware):.*\*.*\n`).ReplaceAllString(string(out), "")
			if got := buf.String(); got != want {
				t.Errorf("gtrace listing of %q differs from bpftrace's:\n%s", c.pattern, lineDiff(want, got))
			}
		})
	}
}

// lineDiff lists the lines only one of two texts has.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for _, l := range w {
		if !slices.Contains(g, l) {
			b.WriteString("- " + l + "\n")
		}
	}
	for _, l := range g {
		if !slices.Contains(w, l) {
			b.WriteString("+ " + l + "\n")
		}
	}
	if b.Len() == 0 {
		return "(same lines, different order)"
	}
	return b.String()
}

// TestLiveFeatures checks that every probe is conclusive and that the
// probes agree with what tracefs and sysfs show.
func TestLiveFeatures(t *testing.T) {
	k, dir := liveTracefs(t)
	f := k.Features()
	v := reflect.ValueOf(f).Elem()
	for i := range v.NumField() {
		err, _ := v.Field(i).Interface().(error)
		if err != nil && !errors.Is(err, ebpf.ErrNotSupported) {
			t.Errorf("%s: inconclusive probe: %v", v.Type().Field(i).Name, err)
		}
	}
	for _, c := range []struct {
		name string
		err  error
	}{{"Hash", f.Hash}, {"Array", f.Array}, {"PerCPUHash", f.PerCPUHash}, {"PerCPUArray", f.PerCPUArray}, {"Tracepoint", f.Tracepoint}, {"PerfEvent", f.PerfEvent}, {"ProbeRead", f.ProbeRead}} {
		if c.err != nil {
			t.Errorf("%s: %v", c.name, c.err)
		}
	}
	for _, kind := range []struct {
		name string
		err  error
	}{{"kprobe", f.Kprobe}, {"uprobe", f.Uprobe}} {
		present := exists(filepath.Join(dir, kind.name+"_events")) || exists("/sys/bus/event_source/devices/"+kind.name)
		if present && kind.err != nil {
			t.Errorf("%s: reported absent although the kernel has it: %v", kind.name, kind.err)
		}
		if !present && !errors.Is(kind.err, ebpf.ErrNotSupported) {
			t.Errorf("%s: reported present (%v) although tracefs has no %s_events and there is no %s PMU", kind.name, kind.err, kind.name, kind.name)
		}
	}
	if exists("/sys/kernel/btf/vmlinux") != (f.BTF == nil) {
		t.Errorf("BTF: probe says %v, /sys/kernel/btf/vmlinux exists: %v", f.BTF, exists("/sys/kernel/btf/vmlinux"))
	}
	if f.BTF != nil && f.Fentry == nil {
		t.Error("fentry reported present without kernel BTF")
	}
	if f.Fentry != nil && (f.DPath == nil || f.SKBOutput == nil) {
		t.Error("fentry-only helpers reported present without fentry")
	}
	if f.BoundedLoops == nil && f.InstructionLimit() != 1000000 {
		t.Errorf("InstructionLimit = %d on a kernel with bounded loops (5.3+), want 1000000", f.InstructionLimit())
	}
	if k.Features() != f {
		t.Error("Features is not cached")
	}
}

// TestLiveInfo checks the --info report for the lines bpftrace's runtime
// test harness searches for, and its overall shape.
func TestLiveInfo(t *testing.T) {
	k, dir := liveTracefs(t)
	var buf bytes.Buffer
	if err := k.WriteInfo(&buf, "v9.8.7"); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, re := range []string{
		`OS: Linux \S+ .*`, `Arch: \S+`,
		`version: v9\.8\.7`, `LLVM: none.*`, `unsafe uprobe: no`, `libdw \(DWARF support\): no`,
		`probe_read_kernel: (yes|no)`, `send_signal: (yes|no)`, `dpath: (yes|no)`, `get_func_ip: (yes|no)`,
		`Instruction limit: [0-9]+`, `Loop support: (yes|no)`, `btf: (yes|no)`, `module btf: (yes|no)`, `map batch: (yes|no)`,
		`uprobe refcount \(depends on Build:bcc bpf_attach_uprobe refcount\): (yes|no)`,
		`ringbuf: (yes|no)`, `hash: yes`, `percpu array: yes`,
		`kprobe: (yes|no)`, `uprobe: (yes|no)`, `tracepoint: yes`, `perf_event: yes`, `fentry: (yes|no)`, `kfunc: (yes|no)`,
		`kprobe_multi: (yes|no)`, `uprobe_multi: (yes|no)`, `kprobe_session: (yes|no)`, `iter: (yes|no)`, `raw_tp_special: (yes|no)`,
	} {
		if !regexp.MustCompile(`(?m)^  ` + re + `$`).MatchString(out) {
			t.Errorf("--info has no line matching %q", re)
		}
	}
	if !exists(filepath.Join(dir, "kprobe_events")) && !exists("/sys/bus/event_source/devices/kprobe") {
		for _, line := range []string{"  kprobe: no\n", "  kprobe_multi: no\n"} {
			if !strings.Contains(out, line) {
				t.Errorf("--info lacks %q on a kernel without kprobes", line)
			}
		}
	}
	fentry := regexp.MustCompile(`(?m)^  fentry: (yes|no)$`).FindStringSubmatch(out)
	kfunc := regexp.MustCompile(`(?m)^  kfunc: (yes|no)$`).FindStringSubmatch(out)
	if fentry == nil || kfunc == nil || fentry[1] != kfunc[1] {
		t.Errorf("fentry and kfunc lines disagree: %q, %q", fentry, kfunc)
	}
	var sections []string
	line := regexp.MustCompile(`^  \S.*: \S.*$`)
	for l := range strings.Lines(out) {
		l = strings.TrimSuffix(l, "\n")
		switch {
		case l == "":
		case !strings.HasPrefix(l, " "):
			sections = append(sections, l)
		case !line.MatchString(l):
			t.Errorf("malformed --info line %q", l)
		}
	}
	want := []string{"System", "Build", "Kernel helpers", "Kernel features", "Map types", "Probe types"}
	if !slices.Equal(sections, want) {
		t.Errorf("--info sections = %q, want %q", sections, want)
	}
}

func TestLiveCPUs(t *testing.T) {
	k := New()
	online, err := k.OnlineCPUs()
	if err != nil {
		t.Fatal(err)
	}
	possible, err := k.PossibleCPUs()
	if err != nil {
		t.Fatal(err)
	}
	if len(online) == 0 || possible < len(online) {
		t.Errorf("online CPUs %v, possible %d", online, possible)
	}
	if n, err := ebpf.PossibleCPU(); err != nil || n != possible {
		t.Errorf("PossibleCPUs = %d, cilium/ebpf says %d (%v)", possible, n, err)
	}
}

func TestLiveVersion(t *testing.T) {
	k := New()
	u, err := k.Uname()
	if err != nil {
		t.Fatal(err)
	}
	if u.Sysname != "Linux" || u.Release == "" || u.Machine == "" {
		t.Errorf("Uname = %+v", u)
	}
	v, err := k.KernelVersion()
	if err != nil {
		t.Fatal(err)
	}
	code, err := features.LinuxVersionCode()
	if err != nil {
		t.Fatal(err)
	}
	if int(code>>16) != v.Major || int(code>>8&0xff) != v.Minor {
		t.Errorf("KernelVersion = %v, cilium/ebpf says %d.%d", v, code>>16, code>>8&0xff)
	}
}

func TestLiveKallsyms(t *testing.T) {
	ks, err := New().Kallsyms()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"_text", "vfs_read", "schedule"} {
		addr, ok := ks.Address(name)
		if !ok {
			t.Errorf("Address(%q) not found", name)
			continue
		}
		sym, off, ok := ks.Lookup(addr + 1)
		if !ok || sym.Addr != addr || off != 1 {
			t.Errorf("Lookup(%s+1) = %+v, %d, %v", name, sym, off, ok)
		}
	}
}

// TestLiveBTFFuncIDs checks the fast BTF scan against cilium/ebpf's full
// decoder.
func TestLiveBTFFuncIDs(t *testing.T) {
	const path = "/sys/kernel/btf/vmlinux"
	if !exists(path) {
		t.Skip("the kernel has no BTF (CONFIG_DEBUG_INFO_BTF is off)")
	}
	names := []string{"vfs_read", "schedule", "bpf_iter_task", "bpf_fentry_test1", "do_sys_openat2"}
	ids, err := readBTFFuncIDs(path, names...)
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) < 2 {
		t.Errorf("found only %v", ids)
	}
	spec, err := btf.LoadKernelSpec()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		var fn *btf.Func
		if err := spec.TypeByName(name, &fn); err != nil {
			if ids[name] != 0 {
				t.Errorf("%s: scan found ID %d, cilium/ebpf: %v", name, ids[name], err)
			}
			continue
		}
		want, err := spec.TypeID(fn)
		if err != nil || uint32(want) != ids[name] {
			t.Errorf("%s: scan found ID %d, cilium/ebpf %d (%v)", name, ids[name], want, err)
		}
	}
}

var coldFeatures struct {
	once sync.Once
	d    time.Duration
}

// BenchmarkFeatures measures a whole probe run with a fresh Info. Only
// the first run in a process is cold: cilium/ebpf caches its own probes.
// Its time is reported as cold-ms; run the benchmark on its own to see it.
func BenchmarkFeatures(b *testing.B) {
	coldFeatures.once.Do(func() {
		start := time.Now()
		New().Features()
		coldFeatures.d = time.Since(start)
	})
	for b.Loop() {
		New().Features()
	}
	b.ReportMetric(float64(coldFeatures.d.Microseconds())/1000, "cold-ms")
}
