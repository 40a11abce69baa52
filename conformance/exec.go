package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Timing defaults, all multiplied by -timeout-scale.
const (
	defaultTimeout = 5 * time.Second  // a case without TIMEOUT
	attachTimeout  = 10 * time.Second // waiting for the notify line, and for BEFORE processes
	sigintRepeat   = 1 * time.Second  // from the first SIGINT to a second one
	sigintGrace    = 6 * time.Second  // from the first SIGINT to SIGKILL
	drainGrace     = 2 * time.Second  // reading what is left in the pipe after exit
	commandTimeout = 60 * time.Second // SETUP, CLEANUP and REQUIRES commands
)

// Outcome is what running one case's command produced.
type Outcome struct {
	Output   string // stdout and stderr merged, in the order written
	ExitCode int    // exit status, or 128+signal if killed by a signal
	Signal   syscall.Signal
	Attached bool // the notify line was seen
	TimedOut bool // SIGINT was sent at TIMEOUT
	Killed   bool // SIGKILL was needed after SIGINT
	Elapsed  time.Duration
	Notes    []string // remarks for -v output
}

// Executor runs cases with one binary.
type Executor struct {
	Scale float64 // multiplies every timeout
}

func (x *Executor) scaled(d time.Duration) time.Duration {
	return time.Duration(float64(d) * x.Scale)
}

// shellQuote quotes s for /bin/sh.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '/' || r == '.' || r == '-' || r == '_' || r == '+' || r == ':' ||
			(r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z'))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// expand replaces the {{BPFTRACE}} and {{BEFORE_PID}} placeholders.
func expand(s, bin string, beforePID int) string {
	s = strings.ReplaceAll(s, "{{BPFTRACE}}", shellQuote(bin))
	if beforePID > 0 {
		s = strings.ReplaceAll(s, "{{BEFORE_PID}}", strconv.Itoa(beforePID))
	}
	return s
}

// caseEnv is the environment of every command of a case.
func caseEnv(c *Case) []string {
	return append(os.Environ(), c.Env...)
}

// shell builds a /bin/sh -c command in the suite directory, in a process
// group of its own so that it can be signalled as a whole.
func shell(c *Case, script string) *exec.Cmd {
	cmd := exec.Command("/bin/sh", "-c", script)
	cmd.Dir = c.Dir
	cmd.Env = caseEnv(c)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd
}

// runShort runs a SETUP, CLEANUP or REQUIRES command to completion and
// returns its merged output.
func (x *Executor) runShort(ctx context.Context, c *Case, script string) (string, error) {
	cmd := shell(c, script)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("starting %q: %w", script, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	timer := time.NewTimer(x.scaled(commandTimeout))
	defer timer.Stop()
	select {
	case err := <-done:
		if err != nil {
			return out.String(), fmt.Errorf("%q: %w", script, err)
		}
		return out.String(), nil
	case <-timer.C:
	case <-ctx.Done():
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	<-done
	return out.String(), fmt.Errorf("%q did not finish in time", script)
}

// group is a started process group: BEFORE and AFTER commands.
type group struct {
	cmd  *exec.Cmd
	done chan struct{}
}

func startGroup(cmd *exec.Cmd) (*group, error) {
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	g := &group{cmd: cmd, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(g.done)
	}()
	return g, nil
}

// kill ends the whole group and reaps its leader.
func (g *group) kill() {
	_ = syscall.Kill(-g.cmd.Process.Pid, syscall.SIGKILL)
	<-g.done
}

// exited reports whether the group leader has exited.
func (g *group) exited() bool {
	select {
	case <-g.done:
		return true
	default:
		return false
	}
}

// procStat reads a process's name and process group from /proc/PID/stat.
func procStat(pid int) (comm string, pgrp int, ok bool) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return "", 0, false
	}
	s := string(b)
	lp, rp := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if lp < 0 || rp < lp {
		return "", 0, false
	}
	fields := strings.Fields(s[rp+1:])
	if len(fields) < 3 {
		return "", 0, false
	}
	pgrp, err = strconv.Atoi(fields[2])
	if err != nil {
		return "", 0, false
	}
	return s[lp+1 : rp], pgrp, true
}

// findInGroup returns the lowest PID in process group pgrp whose name is
// one of names (the kernel keeps 15 characters of a name).
func findInGroup(names []string, pgrp int) int {
	want := map[string]bool{}
	for _, n := range names {
		if len(n) > 15 {
			n = n[:15]
		}
		want[n] = true
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	best := 0
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		comm, pg, ok := procStat(pid)
		if ok && pg == pgrp && want[comm] && (best == 0 || pid < best) {
			best = pid
		}
	}
	return best
}

// startBefore starts a BEFORE command and waits until a process named after
// the base name of its last word (bpftrace's rule) or of its first word (so
// that "prog ARGS" works too) runs in its group; it returns that PID.
func (x *Executor) startBefore(ctx context.Context, c *Case, script string) (*group, int, error) {
	fields := strings.Fields(script)
	names := []string{filepath.Base(fields[len(fields)-1]), filepath.Base(fields[0])}
	name := names[0]
	g, err := startGroup(shell(c, script))
	if err != nil {
		return nil, 0, fmt.Errorf("BEFORE %q: %w", script, err)
	}
	deadline := time.Now().Add(x.scaled(attachTimeout))
	for {
		if pid := findInGroup(names, g.cmd.Process.Pid); pid > 0 {
			return g, pid, nil
		}
		if g.exited() {
			return nil, 0, fmt.Errorf("BEFORE %q exited before a process named %q or %q appeared", script, name, names[1])
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			g.kill()
			return nil, 0, fmt.Errorf("BEFORE %q: no process named %q or %q appeared", script, name, names[1])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// capture collects a pipe's data and reports the first notify line.
type capture struct {
	mu       sync.Mutex
	buf      bytes.Buffer
	scanned  int
	attached chan struct{} // closed at the first notify line
	eof      chan struct{} // closed when the pipe is drained
	seen     bool
}

func newCapture() *capture {
	return &capture{attached: make(chan struct{}), eof: make(chan struct{})}
}

func (c *capture) read(f *os.File) {
	defer close(c.eof)
	chunk := make([]byte, 32*1024)
	for {
		n, err := f.Read(chunk)
		c.mu.Lock()
		c.buf.Write(chunk[:n])
		if !c.seen {
			data := c.buf.Bytes()
			for {
				i := bytes.IndexByte(data[c.scanned:], '\n')
				if i < 0 {
					break
				}
				line := bytes.TrimSuffix(data[c.scanned:c.scanned+i], []byte("\r"))
				c.scanned += i + 1
				if string(line) == NotifyLine {
					c.seen = true
					close(c.attached)
					break
				}
			}
		}
		c.mu.Unlock()
		if err != nil {
			return
		}
	}
}

func (c *capture) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.String()
}

// mainCommand builds the command under test: PROG runs the binary directly,
// RUN goes through /bin/sh.
func mainCommand(c *Case, bin string, beforePID int) *exec.Cmd {
	if c.Run != "" {
		return shell(c, expand(c.Run, bin, beforePID))
	}
	args := []string{}
	if e, ok := c.WholeOutput(); ok && e.Kind == ExpectJSON {
		args = append(args, "-q", "-f", "json")
	}
	args = append(args, "-e", expand(c.Prog, bin, beforePID))
	cmd := exec.Command(bin, args...)
	cmd.Dir = c.Dir
	cmd.Env = caseEnv(c)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd
}

// Execute runs one case with bin: SETUP, BEFORE, the command with AFTER
// once probes are attached, the TIMEOUT with SIGINT then SIGKILL, and
// CLEANUP. An error means the case could not be run as written.
func (x *Executor) Execute(ctx context.Context, c *Case, bin string) (*Outcome, error) {
	out := &Outcome{}
	defer func() {
		for _, script := range c.Cleanups {
			if o, err := x.runShort(context.WithoutCancel(ctx), c, expand(script, bin, 0)); err != nil {
				out.Notes = append(out.Notes, fmt.Sprintf("CLEANUP failed: %v\n%s", err, o))
			}
		}
	}()
	for _, script := range c.Setups {
		if o, err := x.runShort(ctx, c, expand(script, bin, 0)); err != nil {
			return out, fmt.Errorf("SETUP failed: %w\n%s", err, o)
		}
	}

	beforePID := 0
	for _, script := range c.Befores {
		g, pid, err := x.startBefore(ctx, c, expand(script, bin, 0))
		if err != nil {
			return out, err
		}
		defer g.kill()
		if beforePID == 0 {
			beforePID = pid
		}
	}

	cmd := mainCommand(c, bin, beforePID)
	cmd.Env = append(cmd.Env, NotifyLine+"=1")
	pr, pw, err := os.Pipe()
	if err != nil {
		return out, fmt.Errorf("creating pipe: %w", err)
	}
	defer pr.Close()
	cmd.Stdout, cmd.Stderr = pw, pw
	start := time.Now()
	err = cmd.Start()
	pw.Close()
	if err != nil {
		return out, fmt.Errorf("starting %s: %w", cmd.Path, err)
	}
	pgid := cmd.Process.Pid
	capt := newCapture()
	go capt.read(pr)
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()

	timeout := c.Timeout
	if timeout == 0 {
		timeout = defaultTimeout
	}
	var after *group
	startAfter := func() {
		if c.After == "" {
			return
		}
		g, aerr := startGroup(shell(c, expand(c.After, bin, beforePID)))
		if aerr != nil {
			out.Notes = append(out.Notes, fmt.Sprintf("AFTER failed to start: %v", aerr))
			return
		}
		after = g
	}
	attached := capt.attached
	attachTimer := time.NewTimer(x.scaled(attachTimeout))
	defer attachTimer.Stop()
	var timeoutC, repeatC, killC <-chan time.Time
wait:
	for {
		select {
		case <-done:
			break wait
		case <-attached:
			attached = nil
			attachTimer.Stop()
			out.Attached = true
			startAfter()
			timeoutC = time.After(x.scaled(timeout))
		case <-attachTimer.C:
			// No notify line (a RUN command may pipe it away): start the
			// TIMEOUT clock anyway, as if attached now.
			attached = nil
			out.Notes = append(out.Notes, fmt.Sprintf("no %s line within %v", NotifyLine, x.scaled(attachTimeout)))
			startAfter()
			timeoutC = time.After(x.scaled(timeout))
		case <-timeoutC:
			timeoutC = nil
			out.TimedOut = true
			_ = syscall.Kill(-pgid, syscall.SIGINT)
			repeatC = time.After(x.scaled(sigintRepeat))
			killC = time.After(x.scaled(sigintGrace))
		case <-repeatC:
			// Like a second Ctrl-C: a tracer that missed the first signal
			// (it may arrive while handlers are being set up) gets another.
			repeatC = nil
			out.Notes = append(out.Notes, "still running 1s after SIGINT; sent SIGINT again")
			_ = syscall.Kill(-pgid, syscall.SIGINT)
		case <-killC:
			killC = nil
			out.Killed = true
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
		case <-ctx.Done():
			out.Killed = true
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
			<-done
			break wait
		}
	}
	out.Elapsed = time.Since(start)
	// Whatever is left of the group (a -c child, background jobs of a RUN
	// line) goes now; its output up to here is already in the pipe.
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	if after != nil {
		after.kill()
	}
	select {
	case <-capt.eof:
	case <-time.After(x.scaled(drainGrace)):
		// A process that left the group still holds the pipe.
		_ = pr.SetReadDeadline(time.Now())
		<-capt.eof
		out.Notes = append(out.Notes, "output pipe still open after exit")
	}
	out.Output = capt.String()
	capt.mu.Lock()
	out.Attached = capt.seen // the process may have exited before the select saw it
	capt.mu.Unlock()

	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		out.Signal = ws.Signal()
		out.ExitCode = 128 + int(ws.Signal())
	} else {
		out.ExitCode = cmd.ProcessState.ExitCode()
	}
	if ctx.Err() != nil {
		return out, fmt.Errorf("interrupted: %w", ctx.Err())
	}
	return out, nil
}

// errSkip marks a case skipped by a REQUIRES command.
var errSkip = errors.New("skip")

// checkRequires runs the REQUIRES commands; a failing one skips the case.
func (x *Executor) checkRequires(ctx context.Context, c *Case, bin string) error {
	for _, script := range c.Requires {
		if _, err := x.runShort(ctx, c, expand(script, bin, 0)); err != nil {
			return fmt.Errorf("%w: REQUIRES %s failed", errSkip, script)
		}
	}
	return nil
}
