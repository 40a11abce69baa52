// Command gtrace-bench measures gtrace against bpftrace side by side and
// prints the results as a Markdown table: start-up time, peak RSS, compile
// time, per-event cost, BPF instructions per program, kernel run time per
// event and printf throughput. Each figure is the median of repeated runs.
// `make bench` runs it as `go run ./cmd/gtrace-bench -bin bin/gtrace`; it
// needs root because both tracers load BPF programs. See BENCHMARKS.md.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// bench holds the state of one benchmark run.
type bench struct {
	o       options
	log     io.Writer
	tracers []tracer // gtrace, then bpftrace when present
	loadgen string
	tmp     string
	rep     *report
	// stops and resends count SIGINT stops and re-sent signals per tracer.
	stops, resends map[string]int
}

func run(args []string, stdout, stderr io.Writer) int {
	o, err := parseOptions(args, stderr)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stderr, "gtrace-bench: %v\n", err)
		}
		return 2
	}
	if os.Geteuid() != 0 {
		fmt.Fprintln(stderr, "gtrace-bench: must run as root: both tracers load BPF programs and the benchmark reads their kernel statistics")
		return 1
	}
	b, cleanup, err := newBench(o, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "gtrace-bench: %v\n", err)
		return 1
	}
	defer cleanup()
	// On SIGINT or SIGTERM remove the scratch directory; the children get
	// SIGTERM from the kernel when this process dies (see orphanSignal).
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		sig := <-sigs
		cleanup()
		fmt.Fprintf(stderr, "gtrace-bench: interrupted by %v\n", sig)
		os.Exit(130)
	}()
	started := time.Now()
	fmt.Fprintln(stdout, "## Machine")
	fmt.Fprintln(stdout)
	for _, l := range b.machine() {
		fmt.Fprintf(stdout, "- %s\n", l)
	}
	b.runSections()
	fmt.Fprintf(stdout, "- load average after: %s; CPU busy after: %s\n", loadAvg(), cpuBusy())
	fmt.Fprintf(stdout, "- benchmark wall time: %s\n", time.Since(started).Round(time.Second))
	fmt.Fprintln(stdout)
	fmt.Fprintln(stdout, "## Results")
	fmt.Fprintln(stdout)
	b.rep.render(stdout)
	if o.only["e"] || o.only["f"] {
		fmt.Fprintln(stdout)
		fmt.Fprintln(stdout, "## Scripts (e, f)")
		fmt.Fprintln(stdout)
		for i, s := range progScripts {
			fmt.Fprintf(stdout, "%d. %s: `%s`\n", i+1, s.name, s.script)
		}
	}
	if len(b.rep.failures) > 0 {
		return 1
	}
	return 0
}

// newBench checks the binaries, builds the load generator and returns a
// cleanup function for the scratch directory.
func newBench(o options, log io.Writer) (*bench, func(), error) {
	gbin, err := filepath.Abs(o.bin)
	if err != nil {
		return nil, nil, err
	}
	if _, err := os.Stat(gbin); err != nil {
		return nil, nil, fmt.Errorf("gtrace binary: %w (run `make build` first)", err)
	}
	b := &bench{o: o, log: log, rep: &report{}, stops: map[string]int{}, resends: map[string]int{}}
	b.tracers = []tracer{{name: "gtrace", path: gbin}}
	if o.bpftrace != "" {
		if p, err := exec.LookPath(o.bpftrace); err != nil {
			b.rep.notes = append(b.rep.notes, fmt.Sprintf("bpftrace not found (%v): gtrace measured alone", err))
		} else {
			b.tracers = append(b.tracers, tracer{name: "bpftrace", path: p})
			b.rep.withB = true
		}
	} else {
		b.rep.notes = append(b.rep.notes, "bpftrace disabled with -bpftrace none: gtrace measured alone")
	}
	if b.tmp, err = os.MkdirTemp("", "gtrace-bench-"); err != nil {
		return nil, nil, err
	}
	cleanup := func() { os.RemoveAll(b.tmp) }
	b.logf("building the load generator")
	if b.loadgen, err = buildLoadgen(b.tmp); err != nil {
		cleanup()
		return nil, nil, err
	}
	return b, cleanup, nil
}

func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(b.log, "gtrace-bench: "+format+"\n", args...)
}

func (b *bench) vlogf(format string, args ...any) {
	if b.o.verbose {
		b.logf(format, args...)
	}
}

// runSections runs the selected measurements in order.
func (b *bench) runSections() {
	only := b.o.only
	if only["a"] || only["b"] {
		b.startup()
	}
	if only["c"] {
		b.compile()
	}
	if only["d"] {
		b.perEvent()
	}
	if only["e"] || only["f"] {
		b.programs()
	}
	if only["g"] {
		b.throughput()
	}
	for _, t := range b.tracers {
		if n := b.resends[t.name]; n > 0 {
			b.rep.notes = append(b.rep.notes, fmt.Sprintf("%s ignored %d SIGINTs in %d stops and exited on a signal re-sent %v later; bpftrace 0.17 can miss a SIGINT that arrives just before it blocks in epoll_wait. The wait is in no figure.", t.name, n, b.stops[t.name], stopGrace))
		}
	}
}

// series collects the samples of one tracer for one measurement; the first
// error ends it.
type series struct {
	vals []float64
	err  error
}

func (s *series) add(v float64, err error) {
	if s.err != nil {
		return
	}
	if err != nil {
		s.err = err
		return
	}
	s.vals = append(s.vals, v)
}

func (s *series) failed() bool { return s.err != nil }

func (s *series) cell() cell {
	if s.err != nil {
		return failed(s.err)
	}
	return value(median(s.vals))
}

// pair holds one series per tracer, indexed like bench.tracers.
type pair [2]series

// row builds a table row from the medians of p.
func (p *pair) row(id, name, unit string, g goal) row {
	return row{id: id, name: name, unit: unit, g: p[0].cell(), b: p[1].cell(), goal: g}
}

// add appends a row unless its section was not selected.
func (b *bench) add(r row) {
	if b.o.only[r.id[:1]] {
		b.rep.add(r)
	}
}

// machine describes the host for the report.
func (b *bench) machine() []string {
	var lines []string
	lines = append(lines, "CPU: "+cpuModel())
	lines = append(lines, fmt.Sprintf("cores: %d online", numCPU()))
	lines = append(lines, "memory: "+memTotal())
	lines = append(lines, "kernel: "+readTrim("/proc/sys/kernel/osrelease"))
	lines = append(lines, "go: "+goVersion())
	lines = append(lines, "gtrace: "+commandLine(b.tracers[0].path, "-V"))
	if b.rep.withB {
		lines = append(lines, "bpftrace: "+commandLine(b.tracers[1].path, "--version"))
	}
	settings := fmt.Sprintf("settings: -reps %d -prog-reps %d -probes %d -calls %d -load %v -rate-dur %v -max-rate %d -rate-steps %d -rate-refine %d",
		b.o.reps, b.o.progReps, b.o.probes, b.o.calls, b.o.load, b.o.rateDur, b.o.maxRate, b.o.rateSteps, b.o.refine)
	if b.o.quick {
		settings += " (-quick)"
	}
	lines = append(lines, settings)
	lines = append(lines, fmt.Sprintf("load average before: %s; CPU busy before: %s", loadAvg(), cpuBusy()))
	return lines
}

func readTrim(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	return strings.TrimSpace(string(data))
}

func cpuModel() string {
	for _, l := range strings.Split(readTrim("/proc/cpuinfo"), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

func numCPU() int {
	n := 0
	for _, l := range strings.Split(readTrim("/proc/cpuinfo"), "\n") {
		if k, _, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "processor" {
			n++
		}
	}
	return n
}

func memTotal() string {
	for _, l := range strings.Split(readTrim("/proc/meminfo"), "\n") {
		if v, ok := strings.CutPrefix(l, "MemTotal:"); ok {
			var kb float64
			if _, err := fmt.Sscanf(strings.TrimSpace(v), "%f kB", &kb); err == nil {
				return fmt.Sprintf("%.1f GiB", kb/(1<<20))
			}
		}
	}
	return "unknown"
}

// cpuBusy samples /proc/stat for a second and returns the share of CPU
// time not idle, which shows what other users of a shared machine take.
func cpuBusy() string {
	sample := func() (busy, total uint64, ok bool) {
		f := strings.Fields(strings.SplitN(readTrim("/proc/stat"), "\n", 2)[0])
		if len(f) < 5 || f[0] != "cpu" {
			return 0, 0, false
		}
		for i, v := range f[1:] {
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				return 0, 0, false
			}
			total += n
			if i != 3 && i != 4 { // idle and iowait
				busy += n
			}
		}
		return busy, total, true
	}
	b0, t0, ok0 := sample()
	time.Sleep(time.Second)
	b1, t1, ok1 := sample()
	if !ok0 || !ok1 || t1 == t0 {
		return "unknown"
	}
	return fmt.Sprintf("%.0f%% of all CPUs (1 s sample of /proc/stat)", 100*float64(b1-b0)/float64(t1-t0))
}

func loadAvg() string {
	f := strings.Fields(readTrim("/proc/loadavg"))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// goVersion is the toolchain that builds the load generator (and, under
// `go run`, this program).
func goVersion() string {
	if out := commandLine("go", "env", "GOVERSION"); out != "" {
		return out
	}
	return "unknown"
}

// commandLine runs a command and returns the first line of its output.
func commandLine(name string, args ...string) string {
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		return ""
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return line
}
