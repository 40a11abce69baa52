package main

import (
	"bufio"
	_ "embed"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// loadgenSource is the load generator, built into a scratch module so the
// benchmark does not depend on the directory it runs from.
//
//go:embed loadgen/main.go
var loadgenSource []byte

// buildLoadgen compiles the load generator with CGO_ENABLED=0 into dir.
func buildLoadgen(dir string) (string, error) {
	src := filepath.Join(dir, "loadgen-src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		return "", fmt.Errorf("writing the load generator: %w", err)
	}
	if err := os.WriteFile(filepath.Join(src, "go.mod"), []byte("module loadgen\n\ngo 1.22\n"), 0o644); err != nil {
		return "", fmt.Errorf("writing the load generator: %w", err)
	}
	if err := os.WriteFile(filepath.Join(src, "main.go"), loadgenSource, 0o644); err != nil {
		return "", fmt.Errorf("writing the load generator: %w", err)
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("the go command is needed to build the load generator: %w", err)
	}
	// The binary is named like this so comm-based scripts can match it.
	out := filepath.Join(dir, "loadgen")
	cmd := exec.Command(goBin, "build", "-o", out, ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOWORK=off", "GOFLAGS=")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building the load generator: %w\n%s", err, msg)
	}
	return out, nil
}

// loadProc is a running load generator that waits for the go-ahead.
type loadProc struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Reader
	pid int
}

// startLoad starts loadgen with args and reads its "pid P" line.
func startLoad(bin string, args ...string) (*loadProc, error) {
	cmd := exec.Command(bin, args...)
	cmd.SysProcAttr = orphanSignal()
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the load generator: %w", err)
	}
	p := &loadProc{cmd: cmd, in: in, out: bufio.NewReader(stdout), pid: cmd.Process.Pid}
	if _, err := p.fields("pid"); err != nil {
		p.abort()
		return nil, err
	}
	return p, nil
}

// fields reads "k1 v1 k2 v2 ..." and returns the values.
func (p *loadProc) fields(names ...string) ([]float64, error) {
	line, err := p.out.ReadString('\n')
	if err != nil {
		return nil, fmt.Errorf("load generator: reading %v: %w", names, err)
	}
	f := strings.Fields(line)
	if len(f) != 2*len(names) {
		return nil, fmt.Errorf("load generator: got %q, want fields %v", strings.TrimSpace(line), names)
	}
	vals := make([]float64, len(names))
	for i, n := range names {
		if f[2*i] != n {
			return nil, fmt.Errorf("load generator: got %q, want fields %v", strings.TrimSpace(line), names)
		}
		if vals[i], err = strconv.ParseFloat(f[2*i+1], 64); err != nil {
			return nil, fmt.Errorf("load generator: %w", err)
		}
	}
	return vals, nil
}

// begin releases the load.
func (p *loadProc) begin() error {
	_, err := io.WriteString(p.in, "go\n")
	return err
}

// finish reads the result fields and waits for the exit.
func (p *loadProc) finish(names ...string) ([]float64, error) {
	vals, err := p.fields(names...)
	p.in.Close()
	if werr := p.cmd.Wait(); err == nil && werr != nil {
		err = fmt.Errorf("load generator: %w", werr)
	}
	return vals, err
}

// abort kills the load generator (which we started) and reaps it.
func (p *loadProc) abort() {
	p.in.Close()
	p.cmd.Process.Kill()
	p.cmd.Wait()
}

// runLoad runs one load to completion with an optional tracer session
// started in between (traced), returning the result fields.
func runLoad(bin string, args []string, traced func(pid int) (*session, error), names ...string) ([]float64, *session, error) {
	p, err := startLoad(bin, args...)
	if err != nil {
		return nil, nil, err
	}
	var s *session
	if traced != nil {
		if s, err = traced(p.pid); err != nil {
			p.abort()
			return nil, nil, err
		}
	}
	if err := p.begin(); err != nil {
		p.abort()
		return nil, s, err
	}
	vals, err := p.finish(names...)
	return vals, s, err
}
