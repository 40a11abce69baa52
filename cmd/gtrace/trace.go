package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"gtrace/codegen"
	"gtrace/lang/ast"
	"gtrace/lang/check"
	"gtrace/lang/diag"
	"gtrace/lang/parser"
	"gtrace/runtime"
	"gtrace/runtime/kernel"
	"gtrace/stdlib"
)

// tracer runs one script from the command line.
type tracer struct {
	cfg            *config
	stdout, stderr io.Writer
	kernel         *kernel.Info
}

// envInt reads a positive integer setting from the environment.
func envInt(names ...string) (int, error) {
	for _, n := range names {
		v := os.Getenv(n)
		if v == "" {
			continue
		}
		i, err := strconv.Atoi(v)
		if err != nil || i <= 0 {
			return 0, fmt.Errorf("env var %s: invalid value %q: expected a positive integer", n, v)
		}
		return i, nil
	}
	return 0, nil
}

// compile runs the front end and the code generator.
func (t *tracer) compile(src, file string, cpid int) (*ast.Program, *check.Program, *codegen.Artifact, error) {
	prog, err := parser.Parse(file, src)
	if err != nil {
		return nil, nil, nil, err
	}
	strLen, err := envInt("BPFTRACE_STRLEN", "BPFTRACE_MAX_STRLEN")
	if err != nil {
		return prog, nil, nil, err
	}
	if strLen > 1024 {
		return prog, nil, nil, fmt.Errorf("BPFTRACE_STRLEN=%d is too large (the maximum is 1024)", strLen)
	}
	keysMax, err := envInt("BPFTRACE_MAP_KEYS_MAX")
	if err != nil {
		return prog, nil, nil, err
	}
	checked, err := check.Check(prog, check.Config{
		Kernel:   t.kernel,
		Builtins: stdlib.Library(),
		Params:   t.cfg.params,
		Unsafe:   t.cfg.unsafe,
		StrLen:   strLen,
		Cpid:     cpid,
	})
	if err != nil {
		return prog, nil, nil, err
	}
	if !t.cfg.noWarnings {
		for _, w := range checked.Warnings {
			diag.Render(t.stderr, src, w)
		}
	}
	art, err := codegen.Compile(checked, codegen.Options{
		KeysMax:   keysMax,
		FilterPid: t.cfg.pid,
		Cpid:      cpid,
		V4:        t.hasV4(),
	})
	return prog, checked, art, err
}

func (t *tracer) run(src, file string) int {
	cfg := t.cfg
	running := cfg.debug == 0 && !cfg.dryRun
	var child *runtime.Child
	cpid := 0
	if cfg.command != "" {
		if running {
			var err error
			if child, err = runtime.StartChild(cfg.command); err != nil {
				fmt.Fprintf(t.stderr, "ERROR: %v\n", err)
				return 1
			}
			cpid = child.Pid()
		} else {
			cpid = 1 // a placeholder: nothing runs
		}
	}
	abort := func() int {
		if child != nil {
			child.Kill()
		}
		return 1
	}
	prog, checked, art, err := t.compile(src, file, cpid)
	if cfg.debug > 0 && prog != nil {
		dump(t.stdout, prog, checked, art)
	}
	if err != nil {
		renderError(t.stderr, src, err)
		return abort()
	}
	if !running {
		return 0
	}
	if cfg.list {
		for _, p := range art.Programs {
			for _, a := range p.Attach {
				fmt.Fprintln(t.stdout, a.Name())
			}
		}
		return 0
	}
	if err := runtime.CheckPrivileges(); err != nil {
		fmt.Fprintf(t.stderr, "ERROR: %v\n", err)
		return abort()
	}
	if cfg.pid > 0 {
		if err := runtime.ProcessExists(cfg.pid); err != nil {
			fmt.Fprintf(t.stderr, "ERROR: %v\n", err)
			return abort()
		}
	}
	out := t.stdout
	var endOut io.Writer
	if cfg.output != "" {
		endOut = t.stdout
		f, err := os.Create(cfg.output)
		if err != nil {
			fmt.Fprintf(t.stderr, "ERROR: Failed to open output file: %v\n", err)
			return abort()
		}
		defer f.Close()
		out = f
	}
	cpus, err := t.kernel.OnlineCPUs()
	if err != nil {
		fmt.Fprintf(t.stderr, "ERROR: %v\n", err)
		return abort()
	}
	sess, err := runtime.Load(art, runtime.Options{
		Out:            out,
		Err:            t.stderr,
		Stdout:         endOut,
		JSON:           cfg.format == "json",
		Quiet:          cfg.quiet,
		Verbose:        cfg.verbose,
		NotifyAttached: os.Getenv("__BPFTRACE_NOTIFY_PROBES_ATTACHED") != "",
		Unsafe:         cfg.unsafe,
		Child:          child,
		Pid:            cfg.pid,
		CPUs:           cpus,
		TracepointID:   t.tracepointID,
		Signals:        signals(),
	})
	if err != nil {
		var le *runtime.LoadError
		if cfg.verbose && errors.As(err, &le) {
			fmt.Fprintln(t.stderr, strings.Join(le.Log, "\n"))
		}
		fmt.Fprintf(t.stderr, "ERROR: %v\n", err)
		return abort()
	}
	defer sess.Close()
	code, err := sess.Run()
	if err != nil {
		fmt.Fprintf(t.stderr, "ERROR: %v\n", err)
		return 1
	}
	return code
}

// hasV4 reports whether the kernel takes ISA v4 instructions (signed
// division), which Linux has since 6.6; the version answers without a
// probe program.
func (t *tracer) hasV4() bool {
	v, err := t.kernel.KernelVersion()
	return err == nil && v.AtLeast(6, 6, 0)
}

// tracepointID returns a tracepoint's event id from its (cached) format.
func (t *tracer) tracepointID(category, name string) (int, error) {
	f, err := t.kernel.TracepointFormat(category, name)
	if err != nil {
		return 0, err
	}
	return f.ID, nil
}
