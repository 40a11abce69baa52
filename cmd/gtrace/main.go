// Command gtrace is a bpftrace-compatible tracer written in pure Go: it
// compiles bpftrace scripts to eBPF without LLVM and runs them.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"gtrace/lang/diag"
	"gtrace/runtime"
	"gtrace/runtime/kernel"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	runtime.RunChildMode()
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is main without the process exit, for tests.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) (code int) {
	defer func() {
		// Never show a Go stack trace to a user.
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "ERROR: internal error: %v (please report this with the script)\n", r)
			code = 1
		}
	}()
	if len(args) == 0 {
		io.WriteString(stderr, usageText)
		return 1
	}
	cfg, err := parseArgs(args)
	if err != nil {
		fmt.Fprintf(stderr, "ERROR: %v\n", err)
		io.WriteString(stderr, usageText)
		return 1
	}
	switch {
	case cfg.help:
		io.WriteString(stdout, usageText)
		return 0
	case cfg.version:
		fmt.Fprintf(stdout, "gtrace %s\n", version)
		return 0
	case cfg.info:
		return printInfo(stdout, stderr)
	case cfg.list && cfg.program == "":
		return listProbes(cfg, stdout, stderr)
	}

	src, file, err := readProgram(cfg, stdin)
	if err != nil {
		fmt.Fprintf(stderr, "ERROR: %v\n", err)
		return 1
	}
	t := &tracer{cfg: cfg, stdout: stdout, stderr: stderr, kernel: kernel.New()}
	return t.run(src, file)
}

// readProgram returns the script text and the name diagnostics use.
func readProgram(cfg *config, stdin io.Reader) (string, string, error) {
	switch {
	case cfg.program != "":
		return cfg.program, "stdin", nil
	case cfg.file == "-":
		b, err := io.ReadAll(stdin)
		return string(b), "stdin", err
	case cfg.file != "":
		b, err := os.ReadFile(cfg.file)
		if err != nil {
			return "", "", fmt.Errorf("failed to open file '%s': %w", cfg.file, errors.Unwrap(err))
		}
		return string(b), cfg.file, nil
	}
	return "", "", usageError("No program given (use -e 'program' or a file; -h for help)")
}

// renderError prints err: diagnostics in bpftrace's layout with the source
// line, anything else as "ERROR: msg".
func renderError(w io.Writer, src string, err error) {
	diag.RenderAll(w, src, err)
}

// signals returns a channel that receives SIGINT and SIGTERM.
func signals() chan os.Signal {
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM)
	return ch
}
