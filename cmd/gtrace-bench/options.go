package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"
)

// sections are the measurement groups, in the order they run.
var sections = []string{"a", "b", "c", "d", "e", "f", "g"}

// options are the command-line settings of one benchmark run.
type options struct {
	bin       string        // gtrace binary
	bpftrace  string        // bpftrace binary; empty skips it
	reps      int           // repetitions of the start, compile and per-event runs
	progReps  int           // repetitions of the per-script kernel run-time runs
	probes    int           // probes in the generated compile-time script
	calls     int           // getppid calls per per-event run
	load      time.Duration // synthetic load per script run (f)
	rateDur   time.Duration // duration of each throughput step (g)
	maxRate   int           // highest paced rate tried before running flat out (g)
	rateSteps int           // paced rates tried, halving down from maxRate (g)
	refine    int           // bisection steps after the first lossy rate (g)
	only      map[string]bool
	quick     bool
	verbose   bool
}

// fullDefaults are the settings of a full run (about 5 minutes).
var fullDefaults = options{
	bin: "bin/gtrace", bpftrace: "/usr/bin/bpftrace",
	reps: 7, progReps: 3, probes: 1000, calls: 1_000_000,
	load: time.Second, rateDur: time.Second, maxRate: 3_200_000, rateSteps: 8, refine: 2,
}

// quickDefaults replace the defaults of the flags not given explicitly
// when -quick is set (about 30 seconds).
var quickDefaults = map[string]string{
	"reps": "2", "prog-reps": "1", "probes": "200", "calls": "200000",
	"load": "300ms", "rate-dur": "300ms", "max-rate": "800000", "rate-steps": "5", "rate-refine": "0",
}

// parseOptions parses the command line. -quick changes the defaults of the
// flags that were not given explicitly.
func parseOptions(args []string, stderr io.Writer) (options, error) {
	o := fullDefaults
	fs := flag.NewFlagSet("gtrace-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: gtrace-bench [flags]\n\nMeasures gtrace against bpftrace and prints a Markdown table. Needs root.\n\n")
		fs.PrintDefaults()
	}
	fs.StringVar(&o.bin, "bin", o.bin, "gtrace binary")
	fs.StringVar(&o.bpftrace, "bpftrace", o.bpftrace, "bpftrace binary (\"\" or \"none\" to measure gtrace alone)")
	fs.IntVar(&o.reps, "reps", o.reps, "repetitions for start, compile and per-event measurements (a-d)")
	fs.IntVar(&o.progReps, "prog-reps", o.progReps, "repetitions for per-script kernel run time (f)")
	fs.IntVar(&o.probes, "probes", o.probes, "probes in the generated compile-time script (c)")
	fs.IntVar(&o.calls, "calls", o.calls, "getppid calls per per-event run (d)")
	fs.DurationVar(&o.load, "load", o.load, "synthetic load per script run (e, f)")
	fs.DurationVar(&o.rateDur, "rate-dur", o.rateDur, "duration of each throughput step (g)")
	fs.IntVar(&o.maxRate, "max-rate", o.maxRate, "highest paced printf rate in events/s before the flat-out run (g)")
	fs.IntVar(&o.rateSteps, "rate-steps", o.rateSteps, "paced printf rates tried, halving down from -max-rate (g)")
	fs.IntVar(&o.refine, "rate-refine", o.refine, "bisection steps after the first lossy rate (g)")
	only := fs.String("only", strings.Join(sections, ","), "comma-separated sections to run")
	fs.BoolVar(&o.quick, "quick", false, "small sizes and few repetitions for a ~30 s smoke run")
	fs.BoolVar(&o.verbose, "v", false, "print every sample on stderr")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if o.quick {
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		for name, v := range quickDefaults {
			if !set[name] {
				if err := fs.Set(name, v); err != nil {
					return o, fmt.Errorf("quick default -%s=%s: %w", name, v, err)
				}
			}
		}
	}
	if o.bpftrace == "none" {
		o.bpftrace = ""
	}
	var err error
	if o.only, err = parseSections(*only); err != nil {
		return o, err
	}
	return o, o.validate()
}

func (o options) validate() error {
	var errs []error
	for _, c := range []struct {
		name string
		v    int
	}{{"reps", o.reps}, {"prog-reps", o.progReps}, {"probes", o.probes}, {"calls", o.calls}, {"max-rate", o.maxRate}, {"rate-steps", o.rateSteps}} {
		if c.v <= 0 {
			errs = append(errs, fmt.Errorf("-%s must be positive, got %d", c.name, c.v))
		}
	}
	if o.refine < 0 {
		errs = append(errs, fmt.Errorf("-rate-refine must not be negative, got %d", o.refine))
	}
	if o.load <= 0 || o.rateDur <= 0 {
		errs = append(errs, errors.New("-load and -rate-dur must be positive"))
	}
	if o.bin == "" {
		errs = append(errs, errors.New("-bin must name the gtrace binary"))
	}
	return errors.Join(errs...)
}

// parseSections turns "a,c,e" into a set, rejecting unknown names.
func parseSections(s string) (map[string]bool, error) {
	m := map[string]bool{}
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(strings.ToLower(p))
		if p == "" {
			continue
		}
		known := false
		for _, k := range sections {
			known = known || k == p
		}
		if !known {
			return nil, fmt.Errorf("-only: unknown section %q (want some of %s)", p, strings.Join(sections, ","))
		}
		m[p] = true
	}
	if len(m) == 0 {
		return nil, errors.New("-only: no section selected")
	}
	return m, nil
}
