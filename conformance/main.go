// Command conformance runs end-to-end cases written in bpftrace's
// runtime-test format (NAME, PROG/RUN, EXPECT…) against a tracer binary, and
// optionally compares every PROG case's output with the system bpftrace
// (the differential lane).
//
//	go run ./conformance -bin bin/gtrace -suite conformance/cases [-diff]
//
// It prints one line per failed or skipped case, then exactly one summary
// line "conformance: P passed, F failed, S skipped of T", and exits non-zero
// when a case failed or the differential lane found an unexplained
// difference. See conformance/README.md for the format and its extensions.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// options are the command-line settings.
type options struct {
	bin, ref, suite, filter, skip, known, testprogs string
	verbose, diff, update                           bool
	jobs                                            int
	scale                                           float64
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("conformance", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.bin, "bin", "bin/gtrace", "tracer binary under test")
	fs.StringVar(&o.suite, "suite", "conformance/cases", "directory of suite files")
	fs.StringVar(&o.filter, "run", "", "run only cases whose \"suite.NAME\" matches this regexp")
	fs.StringVar(&o.skip, "skip", "", "skip cases whose \"suite.NAME\" matches this regexp (reported as skipped)")
	fs.BoolVar(&o.verbose, "v", false, "print the output of failed cases")
	fs.IntVar(&o.jobs, "j", runtime.NumCPU(), "cases run in parallel")
	fs.BoolVar(&o.diff, "diff", false, "also run PROG cases with -ref and report unexplained output differences")
	fs.StringVar(&o.ref, "ref", "/usr/bin/bpftrace", "reference binary for -diff")
	fs.StringVar(&o.known, "known", "", "known differences file (default: KNOWN-DIFFERENCES.md beside the suite directory)")
	fs.StringVar(&o.testprogs, "testprogs", "", "directory of Go test programs built before the run (default: testprogs beside the suite directory, if present)")
	fs.BoolVar(&o.update, "update", false, "rewrite the EXPECT_FILE and EXPECT_JSON goldens of the selected cases from the binary's output")
	fs.Float64Var(&o.scale, "timeout-scale", 1, "multiply every timeout by this factor")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if o.jobs < 1 {
		o.jobs = 1
	}
	if o.scale <= 0 {
		return nil, errors.New("-timeout-scale must be positive")
	}
	parent := filepath.Dir(filepath.Clean(o.suite))
	if o.known == "" {
		o.known = filepath.Join(parent, "KNOWN-DIFFERENCES.md")
	}
	if o.testprogs == "" {
		if st, err := os.Stat(filepath.Join(parent, "testprogs")); err == nil && st.IsDir() {
			o.testprogs = filepath.Join(parent, "testprogs")
		}
	}
	return o, nil
}

// resolveBinary turns a binary name or path into an absolute path, since
// commands run in the suite directory.
func resolveBinary(bin string) (string, error) {
	if !strings.Contains(bin, "/") {
		p, err := exec.LookPath(bin)
		if err != nil {
			return "", fmt.Errorf("finding %s: %w", bin, err)
		}
		bin = p
	}
	abs, err := filepath.Abs(bin)
	if err != nil {
		return "", fmt.Errorf("resolving %s: %w", bin, err)
	}
	st, err := os.Stat(abs)
	if err != nil {
		return "", fmt.Errorf("binary under test: %w", err)
	}
	if st.IsDir() || st.Mode()&0o111 == 0 {
		return "", fmt.Errorf("binary under test %s is not an executable file", abs)
	}
	return abs, nil
}

// buildTestprogs builds every Go program under dir into dir/bin with
// CGO_ENABLED=0, so that cases can run them as ../testprogs/bin/NAME.
func buildTestprogs(ctx context.Context, dir string) error {
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = "/usr/local/go/bin/go"
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("resolving %s: %w", dir, err)
	}
	cmd := exec.CommandContext(ctx, goBin, "build", "-o", filepath.Join(abs, "bin")+"/", "./...")
	cmd.Dir = abs
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("building test programs in %s: %w\n%s", dir, err, out)
	}
	return nil
}

func run(args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "conformance:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	r, err := newSession(ctx, o, stdout)
	if err != nil {
		fmt.Fprintln(stderr, "conformance:", err)
		return 2
	}
	return r.runAll(ctx)
}

// Status is a case's verdict.
type Status int

// The verdicts.
const (
	Pass Status = iota
	Fail
	Skip
)

// Result is the verdict on one case, with the differential lane's finding.
type Result struct {
	Case    *Case
	Status  Status
	Reasons []string
	Outcome *Outcome

	Compared bool     // the differential lane ran the case
	Differs  bool     // normalised outputs or exit statuses differ
	DiffText string   // what differs
	DiffNote []string // why the lane could not compare, for -v
}

// session is one run of the runner over a set of cases.
type session struct {
	opts  *options
	out   io.Writer
	bin   string
	ref   string
	skip  *regexp.Regexp
	host  *Host
	known KnownDiffs
	cases []*Case
	exec  *Executor
}

func newSession(ctx context.Context, o *options, out io.Writer) (*session, error) {
	s := &session{opts: o, out: out, exec: &Executor{Scale: o.scale}}
	var err error
	if s.bin, err = resolveBinary(o.bin); err != nil {
		return nil, err
	}
	if o.diff {
		if s.ref, err = resolveBinary(o.ref); err != nil {
			return nil, fmt.Errorf("-diff: %w", err)
		}
	}
	if s.known, err = LoadKnownDiffs(o.known); err != nil {
		return nil, err
	}
	cases, err := LoadSuites(o.suite)
	if err != nil {
		return nil, err
	}
	var filter *regexp.Regexp
	if o.filter != "" {
		if filter, err = regexp.Compile(o.filter); err != nil {
			return nil, fmt.Errorf("-run: %w", err)
		}
	}
	if o.skip != "" {
		if s.skip, err = regexp.Compile(o.skip); err != nil {
			return nil, fmt.Errorf("-skip: %w", err)
		}
	}
	for _, c := range cases {
		if filter == nil || filter.MatchString(c.ID()) {
			s.cases = append(s.cases, c)
		}
	}
	sortCases(s.cases)
	if o.testprogs != "" {
		if err := buildTestprogs(ctx, o.testprogs); err != nil {
			return nil, err
		}
	}
	s.host = probeHost(ctx, s.bin)
	return s, nil
}

// runAll runs the cases, prints the report and returns the exit status.
// Cases marked SERIAL run one at a time after all the others.
func (s *session) runAll(ctx context.Context) int {
	var parallel, serial []*Case
	for _, c := range s.cases {
		if c.Serial {
			serial = append(serial, c)
		} else {
			parallel = append(parallel, c)
		}
	}
	order := append(append([]*Case{}, parallel...), serial...)
	results := make([]*Result, len(order))
	ready := make([]chan struct{}, len(order))
	for i := range ready {
		ready[i] = make(chan struct{})
	}

	go func() {
		work := make(chan int)
		var wg sync.WaitGroup
		for range s.opts.jobs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range work {
					results[i] = s.runCase(ctx, order[i])
					close(ready[i])
				}
			}()
		}
		for i := range parallel {
			work <- i
		}
		close(work)
		wg.Wait()
		for i := len(parallel); i < len(order); i++ {
			results[i] = s.runCase(ctx, order[i])
			close(ready[i])
		}
	}()

	var passed, failed, skipped, differs, unexplained, known, compared int
	for i := range order {
		<-ready[i]
		res := results[i]
		s.print(res)
		switch res.Status {
		case Pass:
			passed++
		case Fail:
			failed++
		case Skip:
			skipped++
		}
		if res.Compared {
			compared++
		}
		if res.Differs {
			differs++
			if _, ok := s.known[res.Case.ID()]; ok {
				known++
			} else {
				unexplained++
			}
		}
	}
	if s.opts.diff {
		fmt.Fprintf(s.out, "diff: %d compared with %s, %d differ (%d known, %d unexplained)\n",
			compared, s.ref, differs, known, unexplained)
	}
	fmt.Fprintf(s.out, "conformance: %d passed, %d failed, %d skipped of %d\n", passed, failed, skipped, len(order))
	if failed > 0 || unexplained > 0 || ctx.Err() != nil || len(order) == 0 {
		return 1
	}
	return 0
}

// print writes the lines for one result: nothing for a clean pass.
func (s *session) print(res *Result) {
	id := res.Case.ID()
	switch res.Status {
	case Fail:
		elapsed := ""
		if res.Outcome != nil {
			elapsed = fmt.Sprintf(" (%.1fs)", res.Outcome.Elapsed.Seconds())
		}
		note := ""
		if reason, ok := s.known[id]; ok && !s.opts.diff {
			note = " [listed in KNOWN-DIFFERENCES: " + reason + "]"
		} else if s.opts.diff {
			if _, ok := s.known[id]; ok {
				note = " [listed in KNOWN-DIFFERENCES]"
			}
		}
		fmt.Fprintf(s.out, "FAIL %s%s: %s%s\n", id, elapsed, strings.Join(res.Reasons, "; "), note)
		if s.opts.verbose && res.Outcome != nil {
			for _, n := range res.Outcome.Notes {
				fmt.Fprint(s.out, indent("note: "+n, "    "))
			}
			fmt.Fprintf(s.out, "    --- output of %s (exit status %d)\n", id, res.Outcome.ExitCode)
			if res.Outcome.Output != "" {
				fmt.Fprint(s.out, indent(res.Outcome.Output, "    | "))
			}
		}
	case Skip:
		fmt.Fprintf(s.out, "SKIP %s: %s\n", id, strings.Join(res.Reasons, "; "))
	}
	if res.Differs {
		if reason, ok := s.known[id]; ok {
			if s.opts.verbose {
				fmt.Fprintf(s.out, "KNOWN %s: %s\n", id, reason)
			}
		} else {
			fmt.Fprintf(s.out, "DIFF %s: output differs from %s (- %s, + %s)\n", id, s.ref, filepath.Base(s.bin), filepath.Base(s.ref))
			fmt.Fprint(s.out, indent(res.DiffText, "    "))
		}
	}
	if s.opts.verbose {
		for _, n := range res.DiffNote {
			fmt.Fprintf(s.out, "NODIFF %s: %s\n", id, n)
		}
		if s.opts.diff && res.Compared && !res.Differs {
			if _, ok := s.known[id]; ok {
				fmt.Fprintf(s.out, "STALE %s: listed in KNOWN-DIFFERENCES but outputs agree\n", id)
			}
		}
	}
}

// runCase decides, runs and judges one case, and runs it through the
// differential lane when asked.
func (s *session) runCase(ctx context.Context, c *Case) *Result {
	res := &Result{Case: c}
	if ctx.Err() != nil {
		res.Status, res.Reasons = Skip, []string{"interrupted"}
		return res
	}
	if s.skip != nil && s.skip.MatchString(c.ID()) {
		res.Status, res.Reasons = Skip, []string{"matches -skip " + s.skip.String()}
		return res
	}
	if reason := s.host.SkipReason(c); reason != "" {
		res.Status, res.Reasons = Skip, []string{reason}
		return res
	}
	if err := s.exec.checkRequires(ctx, c, s.bin); err != nil {
		res.Status, res.Reasons = Skip, []string{strings.TrimPrefix(err.Error(), errSkip.Error()+": ")}
		return res
	}
	out, err := s.exec.Execute(ctx, c, s.bin)
	res.Outcome = out
	if err == nil && s.opts.update {
		err = updateGolden(c, out)
	}
	if err != nil {
		res.Status, res.Reasons = Fail, []string{firstLine(err.Error())}
		out.Notes = append(out.Notes, err.Error())
	} else if res.Reasons = Judge(c, out); len(res.Reasons) > 0 {
		res.Status = Fail
	}
	if s.opts.diff {
		s.differential(ctx, c, res)
	}
	return res
}

// differential runs a PROG case with the reference binary and compares
// normalised outputs and exit statuses.
func (s *session) differential(ctx context.Context, c *Case, res *Result) {
	switch {
	case c.Prog == "":
		res.DiffNote = append(res.DiffNote, "RUN case")
		return
	case c.NoDiff != "":
		res.DiffNote = append(res.DiffNote, c.NoDiff)
		return
	case res.Outcome == nil:
		return
	}
	ref, err := s.exec.Execute(ctx, c, s.ref)
	if err != nil {
		res.DiffNote = append(res.DiffNote, "reference run failed: "+firstLine(err.Error()))
		return
	}
	res.Compared = true
	a, b := Normalize(res.Outcome.Output), Normalize(ref.Output)
	var text strings.Builder
	if res.Outcome.ExitCode != ref.ExitCode {
		fmt.Fprintf(&text, "exit status %d, reference %d\n", res.Outcome.ExitCode, ref.ExitCode)
	}
	if a != b {
		text.WriteString(LineDiff(a, b))
	}
	if text.Len() > 0 {
		res.Differs = true
		res.DiffText = text.String()
	}
}

// updateGolden rewrites the case's EXPECT_FILE or EXPECT_JSON file with what
// the binary printed after attaching, in the form the matcher compares.
func updateGolden(c *Case, out *Outcome) error {
	e, ok := c.WholeOutput()
	if !ok {
		return nil
	}
	_, after := SplitAtNotify(out.Output)
	text := trimBlankLines(after) + "\n"
	if e.Kind == ExpectJSON && strings.HasSuffix(e.Path, ".ndjson") {
		text = strings.Join(nonBlankLines(after), "\n") + "\n"
	}
	if err := os.WriteFile(e.Path, []byte(text), 0o644); err != nil {
		return fmt.Errorf("-update: %w", err)
	}
	return nil
}

// Judge checks an outcome against the case's expectations and expected exit
// status, returning one reason per violation.
func Judge(c *Case, out *Outcome) []string {
	var reasons []string
	all, afterAttach := SplitAtNotify(out.Output)
	for _, e := range c.Expects {
		text := all
		if e.Kind == ExpectFile || e.Kind == ExpectJSON {
			text = afterAttach
		}
		if err := e.Check(text); err != nil {
			reasons = append(reasons, err.Error())
		}
	}
	switch {
	case out.Killed:
		reasons = append(reasons, "still running after SIGINT; killed")
	case c.ReturnCode != nil && out.ExitCode != *c.ReturnCode:
		reasons = append(reasons, fmt.Sprintf("exit status %d, want %d", out.ExitCode, *c.ReturnCode))
	case c.ReturnCode == nil && c.WillFail && out.ExitCode == 0:
		reasons = append(reasons, "exit status 0, want non-zero (WILL_FAIL)")
	case c.ReturnCode == nil && !c.WillFail && out.ExitCode != 0:
		reasons = append(reasons, fmt.Sprintf("exit status %d", out.ExitCode))
	}
	if len(reasons) > 0 && out.TimedOut {
		reasons = append(reasons, fmt.Sprintf("interrupted at TIMEOUT after %.1fs", out.Elapsed.Seconds()))
	}
	return reasons
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
