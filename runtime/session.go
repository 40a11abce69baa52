// Package runtime runs compiled programs: it loads the collection, runs
// BEGIN, attaches probes, reads the ring buffer and hands each record to
// the builtin that formats it, and on exit(), SIGINT or SIGTERM detaches,
// runs END, drains what is left and prints the maps. It is the only
// package that makes bpf system calls.
package runtime

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/ringbuf"

	"gtrace/codegen"
	"gtrace/codegen/emit"
	"gtrace/lang/probe"
	"gtrace/runtime/attach"
	"gtrace/runtime/kernel"
	"gtrace/stdlib/format"
)

// Options configure a session.
type Options struct {
	// Out receives the trace output (stdout or the -o file).
	Out io.Writer
	// Err receives warnings and errors.
	Err io.Writer
	// Stdout, when set, receives the two newlines printed at exit instead
	// of Out: bpftrace 0.17 writes them to stdout even with -o FILE.
	Stdout io.Writer
	// JSON selects bpftrace's NDJSON output.
	JSON bool
	// Quiet suppresses the "Attaching N probes..." line.
	Quiet bool
	// Verbose prints the verifier log of every program.
	Verbose bool
	// NotifyAttached prints __BPFTRACE_NOTIFY_PROBES_ATTACHED once all
	// probes are attached (bpftrace's test harness handshake).
	NotifyAttached bool
	// Unsafe allows system().
	Unsafe bool
	// Child is the -c command, released once probes are attached.
	Child *Child
	// Pid is the -p process: the session ends when it exits.
	Pid int
	// CPUs are the online CPUs.
	CPUs []int
	// TracepointID returns a tracepoint's event id, for attaching.
	TracepointID func(category, name string) (int, error)
	// Signals deliver SIGINT/SIGTERM; nil means none.
	Signals <-chan os.Signal
}

// Session is a loaded program and its attached probes.
type Session struct {
	art  *codegen.Artifact
	opts Options
	coll *ebpf.Collection
	rd   *ringbuf.Reader
	out  *bufio.Writer
	w    *format.Writer

	mu     sync.Mutex
	probes map[string][]*attach.Probe

	// stopReason is set once; records after an exit() are dropped.
	stopReason atomic.Int32
	exitCode   int
	// full remembers the maps already reported full; the counters
	// monitor owns it while the session runs.
	full map[string]bool
	// zeroed marks array-backed maps zero() was applied to: they print
	// their zero values instead of nothing.
	zeroed map[string]bool
	// monitorDone stops the counters monitor.
	monitorDone chan struct{}
	monitorWG   sync.WaitGroup
	// startNs is the boot-clock time the session started at.
	startNs uint64
	// bootOffset is wall time minus boot time.
	bootOffset time.Duration
	// possibleCPUs sizes per-CPU map values.
	possibleCPUs int
}

// Reasons a session stops.
const (
	running int32 = iota
	stopExit
	stopSignal
	stopChild
)

// Load creates the maps and programs of art in the kernel.
func Load(art *codegen.Artifact, opts Options) (*Session, error) {
	if opts.Out == nil {
		opts.Out = os.Stdout
	}
	if opts.Err == nil {
		opts.Err = os.Stderr
	}
	kernel.RaiseMemlock()
	var copts ebpf.CollectionOptions
	spec := art.Spec
	if opts.Verbose {
		copts.Programs.LogLevel = ebpf.LogLevelBranch | ebpf.LogLevelStats
	} else {
		// Script-line comments make cilium/ebpf generate BTF line info,
		// which costs several BTF loads and probes per start; they only
		// help reading verifier logs, which -v prints.
		spec = withoutSources(spec)
	}
	coll, err := ebpf.NewCollectionWithOptions(spec, copts)
	if err != nil {
		return nil, explainLoadError(art, err)
	}
	s := &Session{
		art:    art,
		opts:   opts,
		coll:   coll,
		out:    bufio.NewWriterSize(opts.Out, 64<<10),
		probes: map[string][]*attach.Probe{},
		full:   map[string]bool{},
		zeroed: map[string]bool{},
	}
	mode := format.Text
	if opts.JSON {
		mode = format.JSON
	}
	s.w = format.NewWriter(s.out, mode)
	s.bootOffset = bootOffset()
	if s.possibleCPUs, err = ebpf.PossibleCPU(); err != nil {
		coll.Close()
		return nil, fmt.Errorf("counting CPUs: %w", err)
	}
	if opts.Verbose {
		for _, p := range art.Programs {
			fmt.Fprintf(opts.Err, "Verifier log for %s (%s):\n%s\n", p.Name, p.Instance.Name(), coll.Programs[p.Name].VerifierLog)
		}
	}
	s.rd, err = ringbuf.NewReader(coll.Maps[emit.RingbufMap])
	if err != nil {
		coll.Close()
		return nil, fmt.Errorf("opening the ring buffer: %w", err)
	}
	return s, nil
}

// Close detaches every probe and frees the kernel objects.
func (s *Session) Close() error {
	s.detachAll()
	var errs []error
	if s.rd != nil {
		errs = append(errs, s.rd.Close())
	}
	if s.coll != nil {
		s.coll.Close()
	}
	return errors.Join(errs...)
}

// ProbeCount is the number of attach points, as bpftrace counts them in
// "Attaching N probes...".
func (s *Session) ProbeCount() int {
	n := 0
	for _, p := range s.art.Programs {
		n += len(p.Attach)
	}
	return n
}

// Run executes the program until exit(), a signal, or the end of the -c
// child or -p process, then prints the maps. It returns the exit code.
func (s *Session) Run() (int, error) {
	defer s.out.Flush()
	s.setStart()
	s.printAttaching()
	// As bpftrace: attach everything, announce it, then run BEGIN.
	for _, p := range s.art.Programs {
		if p.Kind.IsSpecial() {
			continue
		}
		if err := s.AttachProgram(p); err != nil {
			return 1, err
		}
	}
	if s.opts.NotifyAttached {
		fmt.Fprintln(s.out, "__BPFTRACE_NOTIFY_PROBES_ATTACHED")
	}
	if err := s.runSpecial(probe.Begin); err != nil {
		return 1, err
	}
	s.out.Flush()
	s.monitor()
	s.watch()
	if s.stopReason.Load() == running && s.onlySpecial() && s.opts.Child == nil && s.opts.Pid == 0 {
		// Nothing can fire any more: end as bpftrace 0.24+ does rather
		// than wait for a signal like 0.17.
		s.stop(stopSignal)
	}
	if s.stopReason.Load() == running {
		s.loop()
	}
	return s.finish()
}

// onlySpecial reports whether the program has only BEGIN and END probes.
func (s *Session) onlySpecial() bool {
	for _, p := range s.art.Programs {
		if !p.Kind.IsSpecial() {
			return false
		}
	}
	return true
}

// setStart records the start time for the elapsed builtin.
func (s *Session) setStart() {
	s.startNs = bootNs()
	if m := s.coll.Maps[emit.StartMap]; m != nil {
		m.Put(uint32(0), s.startNs)
	}
}

func (s *Session) printAttaching() {
	if s.opts.Quiet {
		return
	}
	s.w.AttachedProbes(uint64(s.ProbeCount()))
}

// runSpecial test-runs the BEGIN or END programs.
func (s *Session) runSpecial(kind probe.Kind) error {
	for _, p := range s.art.Programs {
		if p.Kind != kind {
			continue
		}
		if _, err := s.coll.Programs[p.Name].Run(&ebpf.RunOptions{}); err != nil {
			return fmt.Errorf("running %s: %w", kind, err)
		}
		// Handle BEGIN's output right away, so an exit() in BEGIN stops
		// the next BEGIN blocks.
		if kind == probe.Begin {
			s.drain(false)
			if s.stopReason.Load() != running {
				return nil
			}
		}
	}
	return nil
}

// AttachProgram attaches every attach point of p.
func (s *Session) AttachProgram(p *codegen.Program) error {
	prog := s.coll.Programs[p.Name]
	env := attach.Env{CPUs: s.opts.CPUs, Pid: s.opts.Pid, TracepointID: s.opts.TracepointID}
	for _, spec := range p.Attach {
		ap, err := attach.Attach(prog, spec, env)
		if err != nil {
			return err
		}
		s.mu.Lock()
		s.probes[p.Name] = append(s.probes[p.Name], ap)
		s.mu.Unlock()
	}
	return nil
}

// DetachProgram detaches every attach point of the named program.
func (s *Session) DetachProgram(name string) error {
	s.mu.Lock()
	ps := s.probes[name]
	delete(s.probes, name)
	s.mu.Unlock()
	return closeAll(ps)
}

// closeAll detaches probes concurrently: closing a tracepoint's link
// waits for an RCU grace period (tens of milliseconds), and concurrent
// closes share them, so 300 tracepoints detach in well under a second.
func closeAll(ps []*attach.Probe) error {
	errs := make([]error, len(ps))
	var wg sync.WaitGroup
	for i, p := range ps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = p.Close()
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (s *Session) detachAll() {
	s.mu.Lock()
	names := make([]string, 0, len(s.probes))
	for n := range s.probes {
		names = append(names, n)
	}
	var all []*attach.Probe
	for _, n := range names {
		all = append(all, s.probes[n]...)
		delete(s.probes, n)
	}
	s.mu.Unlock()
	closeAll(all)
}

// Stop asks the event loop to end, as a signal does.
func (s *Session) Stop() { s.stop(stopSignal) }

func (s *Session) stop(reason int32) {
	if s.stopReason.CompareAndSwap(running, reason) {
		s.rd.Flush()
	}
}

// watch starts the goroutines that end the session on signals and on the
// exit of the -c child or the -p process.
func (s *Session) watch() {
	if s.opts.Signals != nil {
		go func() {
			if _, ok := <-s.opts.Signals; ok {
				s.stop(stopSignal)
			}
		}()
	}
	if c := s.opts.Child; c != nil && s.stopReason.Load() == running {
		if err := c.Release(); err != nil {
			fmt.Fprintf(s.opts.Err, "ERROR: starting the child: %v\n", err)
			s.stop(stopChild)
			return
		}
		go func() {
			c.Wait()
			s.stop(stopChild)
		}()
	}
	if s.opts.Pid > 0 {
		go func() {
			waitProcess(s.opts.Pid)
			s.stop(stopChild)
		}()
	}
}

// loop reads records until the session is asked to stop.
func (s *Session) loop() {
	var rec ringbuf.Record
	for {
		err := s.rd.ReadInto(&rec)
		if err != nil {
			if errors.Is(err, ringbuf.ErrFlushed) {
				if s.stopReason.Load() != running {
					return
				}
				continue
			}
			if errors.Is(err, os.ErrDeadlineExceeded) {
				continue
			}
			fmt.Fprintf(s.opts.Err, "ERROR: reading events: %v\n", err)
			s.stop(stopSignal)
			return
		}
		s.handle(rec.RawSample)
		if s.stopReason.Load() != running {
			// Stop now even if events keep coming: finish detaches the
			// probes first, then drains what is left, so nothing is lost
			// and the drain ends.
			return
		}
		if s.rd.AvailableBytes() == 0 {
			s.out.Flush()
		}
	}
}

// drain handles every record already in the ring buffer without waiting.
func (s *Session) drain(drop bool) {
	s.rd.SetDeadline(time.Now())
	defer s.rd.SetDeadline(time.Time{})
	var rec ringbuf.Record
	for {
		err := s.rd.ReadInto(&rec)
		if err != nil {
			if errors.Is(err, ringbuf.ErrFlushed) {
				continue
			}
			return
		}
		if !drop {
			s.handle(rec.RawSample)
		}
	}
}

// finish detaches, runs END, drains and prints the maps.
func (s *Session) finish() (int, error) {
	s.detachAll()
	s.drain(s.stopReason.Load() == stopExit)
	if c := s.opts.Child; c != nil {
		c.Terminate()
	}
	// END runs even after exit(); its own output is printed.
	s.stopReason.Store(stopSignal)
	if err := s.runSpecial(probe.End); err != nil {
		return 1, err
	}
	s.drain(false)
	s.reportCounters()
	if s.opts.Stdout != nil {
		s.out.Flush()
		io.WriteString(s.opts.Stdout, "\n\n")
	} else {
		s.w.End()
	}
	if err := s.printAllMaps(); err != nil {
		return 1, err
	}
	return s.exitCode, s.out.Flush()
}

// counters reads CountersMap, or returns nil when the program has none.
func (s *Session) counters() []uint64 {
	m := s.coll.Maps[emit.CountersMap]
	if m == nil {
		return nil
	}
	var raw []byte
	if err := m.Lookup(uint32(0), &raw); err != nil {
		return nil
	}
	out := make([]uint64, len(raw)/8)
	for i := range out {
		out[i] = binary.NativeEndian.Uint64(raw[8*i:])
	}
	return out
}

// warnFull warns, once per map, about maps that refused new keys.
func (s *Session) warnFull(c []uint64) {
	for _, name := range s.art.MapNames() {
		d := s.art.Maps[name]
		if d.Counter < len(c) && c[d.Counter] > 0 && !s.full[name] {
			s.full[name] = true
			fmt.Fprintf(s.opts.Err, "WARNING: map %s is full (%d keys): new keys are being dropped (raise BPFTRACE_MAP_KEYS_MAX)\n", name, d.MaxEntries)
		}
	}
}

// monitor polls the counters while the session runs, so a full map is
// reported as it happens, not only at exit.
func (s *Session) monitor() {
	if s.coll.Maps[emit.CountersMap] == nil {
		return
	}
	s.monitorDone = make(chan struct{})
	s.monitorWG.Add(1)
	go func() {
		defer s.monitorWG.Done()
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-s.monitorDone:
				return
			case <-t.C:
				s.warnFull(s.counters())
			}
		}
	}()
}

// reportCounters stops the monitor and reports what the counters hold at
// exit: maps that were full, and records the ring buffer dropped.
func (s *Session) reportCounters() {
	if s.monitorDone != nil {
		close(s.monitorDone)
		s.monitorWG.Wait()
	}
	c := s.counters()
	if c == nil {
		return
	}
	s.out.Flush()
	s.warnFull(c)
	for _, name := range s.art.MapNames() {
		d := s.art.Maps[name]
		if d.Counter < len(c) && c[d.Counter] > 0 {
			fmt.Fprintf(s.opts.Err, "WARNING: map %s: %d updates were dropped because it was full\n", name, c[d.Counter])
		}
	}
	if c[0] > 0 {
		s.w.LostEvents(c[0])
	}
}

// withoutSources copies spec with the source comments dropped from every
// instruction; the layout is unchanged, so instruction offsets still map
// to the original's comments.
func withoutSources(spec *ebpf.CollectionSpec) *ebpf.CollectionSpec {
	out := spec.Copy()
	for _, p := range out.Programs {
		for i := range p.Instructions {
			p.Instructions[i] = p.Instructions[i].WithSource(nil)
		}
	}
	return out
}
