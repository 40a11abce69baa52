package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"
)

// firstTimeout bounds the wait for the first event line in (a).
const firstTimeout = 30 * time.Second

// stop ends a session with SIGINT and counts the signals the tracer
// ignored, which the report mentions.
func (b *bench) stop(s *session) (*os.ProcessState, error) {
	st, err := s.stop()
	b.stops[s.name]++
	b.resends[s.name] += s.resends
	return st, err
}

// attach starts a tracer and waits until its probes are attached.
func attach(t tracer, sc script) (*session, error) {
	sc.notify = true
	s, err := startTracer(t, sc)
	if err != nil {
		return nil, err
	}
	if err := s.waitReady(); err != nil {
		return nil, err
	}
	return s, nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

const mib = 1 << 20

// startup measures (a) start-up latency and (b) peak RSS.
func (b *bench) startup() {
	b.logf("a, b: start-up time and peak RSS, %d repetitions", b.o.reps)
	var wall, wallRSS, first, firstRSS pair
	// The helper calls getppid every 100 µs for the whole section.
	helper := exec.Command(b.loadgen, "loop")
	helper.SysProcAttr = orphanSignal()
	stop, err := helper.StdinPipe()
	if err == nil {
		err = helper.Start()
	}
	if err != nil {
		err = fmt.Errorf("starting the getppid loop: %w", err)
		for i := range b.tracers {
			first[i].add(0, err)
			firstRSS[i].add(0, err)
		}
	} else {
		defer func() {
			stop.Close()
			helper.Wait()
		}()
	}
	firstScript := script{prefix: "getppid "}
	if helper.Process != nil {
		firstScript.text = fmt.Sprintf(`tracepoint:syscalls:sys_enter_getppid /pid == %d/ { printf("getppid %%d\n", pid); }`, helper.Process.Pid)
	}
	for rep := range b.o.reps {
		for i, t := range b.tracers {
			if !wall[i].failed() {
				d, rss, err := beginExit(t)
				wall[i].add(ms(d), err)
				wallRSS[i].add(rss/mib, err)
				b.vlogf("a %s rep %d: BEGIN exit %v, %.1f MiB, err %v", t.name, rep, d, rss/mib, err)
			}
			if !first[i].failed() {
				d, rss, err := b.firstEvent(t, firstScript)
				first[i].add(ms(d), err)
				firstRSS[i].add(rss/mib, err)
				b.vlogf("a %s rep %d: first printf %v, %.1f MiB, err %v", t.name, rep, d, rss/mib, err)
			}
		}
	}
	b.add(wall.row("a", "`BEGIN { exit(); }`: start to process exit", "ms", tenXFaster))
	b.add(first.row("a", "printf on `sys_enter_getppid`: start to first line read", "ms", tenXFaster))
	b.add(wallRSS.row("b", "peak RSS, `BEGIN { exit(); }`", "MiB", fiveXLower))
	b.add(firstRSS.row("b", "peak RSS, printf on `sys_enter_getppid` until SIGINT", "MiB", fiveXLower))
}

// beginExit times `BEGIN { exit(); }` from fork to exit.
func beginExit(t tracer) (time.Duration, float64, error) {
	s, err := startTracer(t, script{text: "BEGIN { exit(); }"})
	if err != nil {
		return 0, 0, err
	}
	st, err := s.wait()
	if err != nil {
		return 0, 0, err
	}
	return s.exitAt.Sub(s.start), maxRSS(st), nil
}

// firstEvent times sc from fork to the arrival of its first event line.
func (b *bench) firstEvent(t tracer, sc script) (time.Duration, float64, error) {
	s, err := startTracer(t, sc)
	if err != nil {
		return 0, 0, err
	}
	at, err := s.waitFirst(firstTimeout)
	if err != nil {
		return 0, 0, err
	}
	st, err := b.stop(s)
	if err != nil {
		return 0, 0, err
	}
	return at.Sub(s.start), maxRSS(st), nil
}

// compile measures (c): compiling a generated script without loading it.
func (b *bench) compile() {
	b.logf("c: compile time of %d probes, %d repetitions", b.o.probes, b.o.reps)
	var wall, rss pair
	path, err := b.writeProbeScript()
	for rep := range b.o.reps {
		for i, t := range b.tracers {
			if err != nil {
				wall[i].add(0, err)
				rss[i].add(0, err)
				continue
			}
			if wall[i].failed() {
				continue
			}
			d, r, err := b.compileOnce(t, path)
			wall[i].add(ms(d), err)
			rss[i].add(r/mib, err)
			b.vlogf("c %s rep %d: %v, %.1f MiB, err %v", t.name, rep, d, r/mib, err)
		}
	}
	name := fmt.Sprintf("compile %d tracepoint probes without loading", b.o.probes)
	b.add(wall.row("c", name, "ms", noGoal))
	b.add(rss.row("c", "peak RSS, "+name, "MiB", noGoal))
	b.rep.notes = append(b.rep.notes, "c: gtrace `--dry-run FILE` against bpftrace 0.17 `--emit-elf OUT FILE`, which has no `--dry-run`: both parse, check against the tracepoint formats and generate the BPF code of every probe, then exit without loading anything. `-d` would also print the AST and LLVM IR. bpftrace runs with BPFTRACE_MAX_PROBES and BPFTRACE_MAX_BPF_PROGS raised above the probe count.")
}

// compileOnce runs one dry-run compile of path.
func (b *bench) compileOnce(t tracer, path string) (time.Duration, float64, error) {
	var cmd *exec.Cmd
	if t.name == "gtrace" {
		cmd = exec.Command(t.path, "--dry-run", path)
	} else {
		cmd = exec.Command(t.path, "--emit-elf", filepath.Join(b.tmp, "out.elf"), path)
		limit := strconv.Itoa(b.o.probes + 16)
		cmd.Env = append(os.Environ(), "BPFTRACE_MAX_PROBES="+limit, "BPFTRACE_MAX_BPF_PROGS="+limit)
	}
	cmd.SysProcAttr = orphanSignal()
	start := time.Now()
	out, err := cmd.CombinedOutput()
	d := time.Since(start)
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %w: %s", strings.Join(cmd.Args[:2], " "), err, firstLines(string(out), 5))
	}
	return d, maxRSS(cmd.ProcessState), nil
}

// writeProbeScript writes b.o.probes probes cycling over the
// syscalls:sys_enter_* tracepoints, each counting into its own key.
func (b *bench) writeProbeScript() (string, error) {
	var data []byte
	var err error
	for _, p := range []string{"/sys/kernel/tracing/available_events", "/sys/kernel/debug/tracing/available_events"} {
		if data, err = os.ReadFile(p); err == nil {
			break
		}
	}
	if err != nil {
		return "", fmt.Errorf("listing tracepoints: %w", err)
	}
	var tps []string
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, "syscalls:sys_enter_") {
			tps = append(tps, strings.TrimSpace(l))
		}
	}
	if len(tps) == 0 {
		return "", errors.New("no syscalls:sys_enter_* tracepoint found")
	}
	slices.Sort(tps)
	var sb strings.Builder
	for i := range b.o.probes {
		fmt.Fprintf(&sb, "tracepoint:%s { @[%d] = count(); }\n", tps[i%len(tps)], i)
	}
	path := filepath.Join(b.tmp, "probes.bt")
	return path, os.WriteFile(path, []byte(sb.String()), 0o644)
}

func firstLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	var keep []string
	for _, l := range lines {
		if !strings.Contains(l, "RLIMIT_MEMLOCK") {
			keep = append(keep, l)
		}
	}
	if len(keep) > n {
		keep = keep[:n]
	}
	return strings.Join(keep, " / ")
}

// perEventScripts are the scripts of (d).
var perEventScripts = []struct{ name, text string }{
	{"per-event cost, `@ = count()`", `tracepoint:syscalls:sys_enter_getppid { @ = count(); }`},
	{"per-event cost, `@[comm] = count(); @h = hist(nsecs & 0xffff)`", `tracepoint:syscalls:sys_enter_getppid { @[comm] = count(); @h = hist(nsecs & 0xffff); }`},
}

// perEvent measures (d): the cost a traced getppid adds over an untraced
// one. Each traced run is paired with an untraced run just before it, so
// slow phases of a shared machine hit both sides of a difference.
func (b *bench) perEvent() {
	b.logf("d: per-event cost, %d getppid calls, %d repetitions", b.o.calls, b.o.reps)
	args := []string{"calls", strconv.Itoa(b.o.calls)}
	var untraced series
	diffs := make([]pair, len(perEventScripts))
	for rep := range b.o.reps {
		for k, sc := range perEventScripts {
			for i, t := range b.tracers {
				if diffs[k][i].failed() {
					continue
				}
				u, err := b.calls(t, "", args)
				if err != nil {
					diffs[k][i].add(0, fmt.Errorf("untraced run: %w", err))
					continue
				}
				untraced.add(u, nil)
				v, err := b.calls(t, sc.text, args)
				diffs[k][i].add(v-u, err)
				b.vlogf("d %s %q rep %d: %.1f CPU ns/call, untraced %.1f, err %v", t.name, sc.text, rep, v, u, err)
			}
		}
	}
	for k, sc := range perEventScripts {
		b.add(diffs[k].row("d", sc.name, "ns/event", notWorse))
	}
	if u := untraced.cell(); u.ok {
		b.rep.notes = append(b.rep.notes, fmt.Sprintf("d: CPU time of the calling thread per getppid (CLOCK_THREAD_CPUTIME_ID: the BPF program's run time is charged to it, waiting for a CPU is not), median over the runs of the traced time minus that of an untraced run just before; an untraced getppid takes %.1f ns (median).", u.v))
	}
}

// calls runs the getppid loop, under t running text unless text is
// empty, and returns the loop's CPU time per call.
func (b *bench) calls(t tracer, text string, args []string) (float64, error) {
	var traced func(int) (*session, error)
	if text != "" {
		traced = func(int) (*session, error) { return attach(t, script{text: text}) }
	}
	vals, s, err := runLoad(b.loadgen, args, traced, "ns/call", "cpu-ns/call")
	if s != nil {
		if _, serr := b.stop(s); err == nil {
			err = serr
		}
	}
	if err != nil {
		return 0, err
	}
	return vals[1], nil
}

// progScript is one of the typical scripts of (e) and (f).
type progScript struct{ name, script string }

// progScripts are the typical scripts whose programs (e) and (f) measure.
// The synthetic load (loadgen mix) calls getppid, read and openat.
var progScripts = []progScript{
	{"count by comm", `tracepoint:raw_syscalls:sys_enter { @[comm] = count(); }`},
	{"hist of read sizes", `tracepoint:syscalls:sys_exit_read { @bytes = hist(args->ret); }`},
	{"lhist of read request sizes", `tracepoint:syscalls:sys_enter_read { @ = lhist(args->count, 0, 65536, 4096); }`},
	{"printf with comm, pid", `tracepoint:syscalls:sys_enter_openat { printf("%s %d\n", comm, pid); }`},
	{"predicate on comm", `tracepoint:syscalls:sys_enter_getppid /comm == "loadgen"/ { @ = count(); }`},
	{"map keyed by two fields", `tracepoint:syscalls:sys_enter_read { @[pid, args->fd] = count(); }`},
	{"avg, min, max", `tracepoint:syscalls:sys_exit_read { @avg = avg(args->ret); @min = min(args->ret); @max = max(args->ret); }`},
	{"str(args->filename)", `tracepoint:syscalls:sys_enter_openat { @[str(args->filename)] = count(); }`},
	{"interval + print", `tracepoint:syscalls:sys_enter_getppid { @c = count(); } interval:ms:100 { print(@c); clear(@c); }`},
	{"profile count by cpu", `profile:hz:99 { @[cpu] = count(); }`},
}

// programs measures (e) the kernel's translated instruction count of each
// script's programs and (f) their run time per event under the load.
func (b *bench) programs() {
	withStats := b.o.only["f"]
	b.logf("e, f: programs of %d scripts, %d repetitions, %v of load each", len(progScripts), b.o.progReps, b.o.load)
	if withStats {
		before := readTrim("/proc/sys/kernel/bpf_stats_enabled")
		// BPF_ENABLE_STATS turns on the same switch as the sysctl
		// kernel.bpf_stats_enabled, but only while the fd is open, so the
		// setting is restored even if the benchmark is killed.
		stats, err := ebpf.EnableStats(uint32(unix.BPF_STATS_RUN_TIME))
		if err != nil {
			b.rep.notes = append(b.rep.notes, fmt.Sprintf("f: cannot enable BPF run-time statistics: %v", err))
			withStats = false
		} else {
			defer func() {
				stats.Close()
				b.rep.notes = append(b.rep.notes, fmt.Sprintf("f: run-time statistics enabled through a BPF_ENABLE_STATS fd (equivalent to `sysctl kernel.bpf_stats_enabled=1`) for this section only; kernel.bpf_stats_enabled was %s before and is %s after.", before, readTrim("/proc/sys/kernel/bpf_stats_enabled")))
			}()
		}
	}
	var insnRows, timeRows []row
	for _, ps := range progScripts {
		var insns, perEv pair
		for rep := range b.o.progReps {
			for i, t := range b.tracers {
				if insns[i].failed() {
					continue
				}
				n, ns, desc, err := b.programRun(t, ps.script, withStats)
				insns[i].add(float64(n), err)
				if withStats {
					perEv[i].add(ns, err)
				}
				b.vlogf("e/f %s %q rep %d: %s; %.1f ns/event; err %v", t.name, ps.name, rep, desc, ns, err)
			}
		}
		insnRows = append(insnRows, insns.row("e", "BPF instructions: "+ps.name, "insns", notWorse))
		if withStats {
			timeRows = append(timeRows, perEv.row("f", "kernel run time per event: "+ps.name, "ns", notWorse))
		}
	}
	for _, r := range append(insnRows, timeRows...) {
		b.add(r)
	}
	b.rep.notes = append(b.rep.notes, "e: translated (xlated) instructions of all the script's programs except BEGIN/END, in 8-byte slots (a 64-bit immediate load counts 2), read with cilium/ebpf ProgramInfo for the program ids in the tracer's /proc/PID/fdinfo.")
	if withStats {
		b.rep.notes = append(b.rep.notes, fmt.Sprintf("f: sum of run_time_ns over sum of run_cnt of the same programs, counted while `loadgen mix` runs for %v (getppid, read of 1 B to 64 KiB from /dev/zero, openat+close); all processes' events count.", b.o.load))
	}
}

// programRun attaches one script, reads its programs and, with stats,
// runs the mix load and returns the run time per event.
func (b *bench) programRun(t tracer, text string, withStats bool) (int, float64, string, error) {
	s, err := attach(t, script{text: text})
	if err != nil {
		return 0, 0, "", err
	}
	fail := func(err error) (int, float64, string, error) {
		b.stop(s)
		return 0, 0, "", err
	}
	progs, err := openProgs(s.cmd.Process.Pid)
	if err != nil {
		return fail(fmt.Errorf("%s: %w", t.name, err))
	}
	defer closeProgs(progs)
	insns := 0
	for _, p := range progs {
		insns += p.insns
	}
	perEvent := 0.0
	if withStats {
		if _, _, err := runLoad(b.loadgen, []string{"mix", b.o.load.String()}, nil, "iterations"); err != nil {
			return fail(err)
		}
		ns, cnt, err := runStats(progs)
		if err != nil {
			return fail(err)
		}
		if cnt == 0 {
			return fail(fmt.Errorf("%s: the programs never ran", t.name))
		}
		perEvent = float64(ns) / float64(cnt)
	}
	if _, err := b.stop(s); err != nil {
		return 0, 0, "", err
	}
	return insns, perEvent, describe(progs), nil
}

// throughputScript prints one line per getppid of the load generator.
const throughputScript = `tracepoint:syscalls:sys_enter_getppid /pid == $1/ { printf("ev %d %d\n", tid, nsecs); }`

// stepResult is one paced (or flat-out) run of (g).
type stepResult struct {
	generated, delivered, lost int64
	seconds                    float64
}

func (r stepResult) lossless() bool { return r.lost == 0 && r.delivered >= r.generated }
func (r stepResult) rate() float64  { return float64(r.generated) / r.seconds }

// throughput measures (g): printf events delivered per second.
func (b *bench) throughput() {
	b.logf("g: printf throughput, %d paced steps up to %d/s, %v each, then flat out", b.o.rateSteps, b.o.maxRate, b.o.rateDur)
	var zeroLoss, flat, lostPct pair
	var flatNotes []string
	for i, t := range b.tracers {
		best, err := b.losslessRate(t)
		zeroLoss[i].add(best, err)
		res, err := b.rateStep(t, 0)
		b.vlogf("g %s flat out: generated %d in %.2fs, delivered %d, lost %d, err %v", t.name, res.generated, res.seconds, res.delivered, res.lost, err)
		flat[i].add(float64(res.delivered)/res.seconds, err)
		lostPct[i].add(100*float64(res.lost)/float64(res.generated), err)
		if err != nil {
			continue
		}
		flatNotes = append(flatNotes, fmt.Sprintf("%s %s calls/s", t.name, formatNum(res.rate())))
		// Every call the output misses should have been reported lost.
		if missing := res.generated - res.delivered; missing != res.lost {
			b.rep.notes = append(b.rep.notes, fmt.Sprintf("g: %s flat out: %d events missing from the output but %d reported lost.", t.name, missing, res.lost))
		}
	}
	b.add(zeroLoss.row("g", "printf throughput with zero loss (highest paced rate)", "events/s", notLower))
	b.add(flat.row("g", "printf events delivered, load generator flat out", "events/s", notLower))
	b.add(lostPct.row("g", "events reported lost by the tracer, flat out", "% of calls", noGoal))
	if len(flatNotes) > 0 {
		b.rep.notes = append(b.rep.notes, "g: flat out, the load generator reached "+strings.Join(flatNotes, ", ")+" (the tracer's per-event cost slows it down).")
	}
	b.rep.notes = append(b.rep.notes, fmt.Sprintf("g: script `%s`; the load generator calls getppid at paced rates doubling up to %d/s for %v each, then %d bisection steps after the first rate with a loss (a step counts if every call printed a line and no loss was reported), then as fast as it can; the benchmark reads the tracer's stdout through a pipe.", throughputScript, b.o.maxRate, b.o.rateDur, b.o.refine))
}

// losslessRate climbs the ladder of paced rates until one loses events,
// bisects between the last lossless and the first lossy rate, and returns
// the achieved rate of the best lossless step (0 if even the lowest lost).
func (b *bench) losslessRate(t tracer) (float64, error) {
	best, good, bad := 0.0, 0, 0
	try := func(rate int) (bool, error) {
		res, err := b.rateStep(t, rate)
		if err != nil {
			return false, err
		}
		b.vlogf("g %s paced %d/s: generated %d in %.2fs, delivered %d, lost %d", t.name, rate, res.generated, res.seconds, res.delivered, res.lost)
		if !res.lossless() {
			return false, nil
		}
		best = max(best, res.rate())
		return true, nil
	}
	for k := b.o.rateSteps - 1; k >= 0; k-- {
		rate := b.o.maxRate >> k
		ok, err := try(rate)
		if err != nil {
			return 0, err
		}
		if !ok {
			bad = rate
			break
		}
		good = rate
	}
	for range b.o.refine {
		if good == 0 || bad == 0 {
			break
		}
		mid := (good + bad) / 2
		ok, err := try(mid)
		if err != nil {
			return 0, err
		}
		if ok {
			good = mid
		} else {
			bad = mid
		}
	}
	if good == 0 {
		b.rep.notes = append(b.rep.notes, fmt.Sprintf("g: %s lost events even at the lowest paced rate, %d/s.", t.name, b.o.maxRate>>(b.o.rateSteps-1)))
	}
	return best, nil
}

// rateStep runs the load generator at rate calls/s (0: flat out) under t.
func (b *bench) rateStep(t tracer, rate int) (stepResult, error) {
	var res stepResult
	vals, s, err := runLoad(b.loadgen, []string{"rate", strconv.Itoa(rate), b.o.rateDur.String()}, func(pid int) (*session, error) {
		return attach(t, script{text: throughputScript, prefix: "ev ", params: []string{strconv.Itoa(pid)}})
	}, "calls", "seconds")
	if err != nil {
		if s != nil {
			s.kill()
		}
		return res, err
	}
	res.generated, res.seconds = int64(vals[0]), vals[1]
	settle(s, res.generated)
	if _, err := b.stop(s); err != nil {
		return res, err
	}
	res.delivered, res.lost = s.events.Load(), s.lost.Load()
	return res, nil
}

// settle waits until the tracer printed want events or stopped making
// progress, so a backlog is not cut short by SIGINT.
func settle(s *session, want int64) {
	const idle = 500 * time.Millisecond
	last, since := s.events.Load(), time.Now()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
		n := s.events.Load()
		if n >= want {
			return
		}
		if n != last {
			last, since = n, time.Now()
		} else if time.Since(since) > idle {
			return
		}
	}
}
