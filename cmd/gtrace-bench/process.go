package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// notifyLine is printed by both tracers once every probe is attached when
// __BPFTRACE_NOTIFY_PROBES_ATTACHED is set (bpftrace's test handshake).
const notifyLine = "__BPFTRACE_NOTIFY_PROBES_ATTACHED"

// lostRE matches the lost-event reports of gtrace and bpftrace.
var lostRE = regexp.MustCompile(`Lost (\d+) events`)

// Timeouts that keep a misbehaving tracer from stalling the run.
const (
	readyTimeout = 60 * time.Second
	exitTimeout  = 20 * time.Second
	stopGrace    = 2 * time.Second
	stopTries    = 5
)

// tracer is one of the two programs under test.
type tracer struct {
	name string
	path string
}

// lineSink is an io.Writer that hands complete lines to a callback. It is
// the Stdout/Stderr of a child, so os/exec copies into it from one goroutine.
type lineSink struct {
	partial []byte
	onLine  func(line []byte, at time.Time)
}

func (s *lineSink) Write(p []byte) (int, error) {
	now := time.Now()
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			s.partial = append(s.partial, p...)
			break
		}
		line := p[:i]
		if len(s.partial) > 0 {
			line = append(s.partial, line...)
			s.partial = s.partial[:0]
		}
		s.onLine(line, now)
		p = p[i+1:]
	}
	return n, nil
}

// session is a running tracer: it watches stdout for the attach handshake,
// event lines and lost-event reports.
type session struct {
	name   string
	cmd    *exec.Cmd
	start  time.Time
	prefix []byte // event lines start with this

	ready     chan struct{}
	readyOnce sync.Once
	first     chan time.Time // the arrival time of the first event line
	firstOnce sync.Once
	exited    chan struct{}
	exitAt    time.Time
	waitErr   error

	events atomic.Int64
	lost   atomic.Int64
	// resends counts the SIGINTs sent again because the tracer ignored one.
	resends int

	mu     sync.Mutex
	errOut strings.Builder // stderr, minus bpftrace's memlock notice
}

// script is a tracer invocation.
type script struct {
	text   string   // the program, passed with -e
	prefix string   // event lines start with this; empty counts none
	params []string // positional parameters
	notify bool     // ask for the attach handshake line
}

// startTracer runs sc under t.
func startTracer(t tracer, sc script) (*session, error) {
	args := append([]string{"-e", sc.text}, sc.params...)
	cmd := exec.Command(t.path, args...)
	cmd.Env = os.Environ()
	if sc.notify {
		cmd.Env = append(cmd.Env, notifyLine+"=1")
	}
	s := &session{
		name:   t.name,
		cmd:    cmd,
		prefix: []byte(sc.prefix),
		ready:  make(chan struct{}),
		first:  make(chan time.Time, 1),
		exited: make(chan struct{}),
	}
	cmd.SysProcAttr = orphanSignal()
	cmd.Stdout = &lineSink{onLine: s.stdoutLine}
	cmd.Stderr = &lineSink{onLine: s.stderrLine}
	// The tracer's output pipe is drained by os/exec; WaitDelay bounds the
	// wait for it should a grandchild keep it open.
	cmd.WaitDelay = time.Second
	s.start = time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", t.name, err)
	}
	go func() {
		s.waitErr = cmd.Wait()
		s.exitAt = time.Now()
		close(s.exited)
	}()
	return s, nil
}

func (s *session) stdoutLine(line []byte, at time.Time) {
	switch {
	case len(s.prefix) > 0 && bytes.HasPrefix(line, s.prefix):
		s.events.Add(1)
		s.firstOnce.Do(func() { s.first <- at })
	case string(line) == notifyLine:
		s.readyOnce.Do(func() { close(s.ready) })
	default:
		s.noteLost(line)
	}
}

func (s *session) stderrLine(line []byte, _ time.Time) {
	switch {
	case bytes.Contains(line, []byte("RLIMIT_MEMLOCK")):
		return
	case string(line) == notifyLine: // bpftrace prints it here
		s.readyOnce.Do(func() { close(s.ready) })
		return
	}
	s.noteLost(line)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.errOut.Len() < 4096 {
		s.errOut.Write(line)
		s.errOut.WriteByte('\n')
	}
}

func (s *session) noteLost(line []byte) {
	if m := lostRE.FindSubmatch(line); m != nil {
		if n, err := strconv.ParseInt(string(m[1]), 10, 64); err == nil {
			s.lost.Add(n)
		}
	}
}

// stderr returns what the tracer printed on stderr, trimmed.
func (s *session) stderr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.TrimSpace(s.errOut.String())
}

// failure describes an early exit or a timeout with the tracer's stderr.
func (s *session) failure(what string) error {
	msg := s.stderr()
	if msg == "" {
		msg = "(no output on stderr)"
	}
	return fmt.Errorf("%s: %s: %s", s.name, what, msg)
}

// waitReady waits for the attach handshake.
func (s *session) waitReady() error {
	select {
	case <-s.ready:
		return nil
	case <-s.exited:
		return s.failure(fmt.Sprintf("exited before attaching (%v)", s.waitErr))
	case <-time.After(readyTimeout):
		s.kill()
		return s.failure("timed out attaching probes")
	}
}

// waitFirst waits for the first event line and returns its arrival time.
func (s *session) waitFirst(timeout time.Duration) (time.Time, error) {
	select {
	case at := <-s.first:
		return at, nil
	case <-s.exited:
		return time.Time{}, s.failure(fmt.Sprintf("exited before the first event (%v)", s.waitErr))
	case <-time.After(timeout):
		s.kill()
		return time.Time{}, s.failure("no event line within " + timeout.String())
	}
}

// kill ends the tracer by its pid and waits for it.
func (s *session) kill() {
	s.cmd.Process.Kill()
	<-s.exited
}

// stop sends SIGINT, as a user pressing Ctrl-C, and waits for the exit.
// A tracer still running after stopGrace gets the signal again (counted in
// resends): bpftrace 0.17 can miss a SIGINT that arrives just before it
// blocks in epoll_wait. After stopTries signals it is killed.
func (s *session) stop() (*os.ProcessState, error) {
	for try := range stopTries {
		if err := s.cmd.Process.Signal(os.Interrupt); err != nil && !errors.Is(err, os.ErrProcessDone) {
			return nil, fmt.Errorf("%s: sending SIGINT: %w", s.name, err)
		}
		select {
		case <-s.exited:
			return s.wait()
		case <-time.After(stopGrace):
			if try < stopTries-1 {
				s.resends++
			}
		}
	}
	s.kill()
	return nil, s.failure(fmt.Sprintf("ignored %d SIGINTs %v apart", stopTries, stopGrace))
}

// wait waits for the tracer to exit by itself and checks its status.
func (s *session) wait() (*os.ProcessState, error) {
	select {
	case <-s.exited:
	case <-time.After(exitTimeout):
		s.kill()
		return nil, s.failure("did not exit within " + exitTimeout.String())
	}
	if s.waitErr != nil {
		return s.cmd.ProcessState, s.failure(s.waitErr.Error())
	}
	return s.cmd.ProcessState, nil
}

// orphanSignal makes a child get SIGTERM if the benchmark dies, so no
// tracer or load generator outlives it on a shared machine.
func orphanSignal() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}

// maxRSS is the peak resident set size of an exited child in bytes.
func maxRSS(st *os.ProcessState) float64 {
	if ru, ok := st.SysUsage().(*syscall.Rusage); ok {
		return float64(ru.Maxrss) * 1024 // Linux reports KiB
	}
	return 0
}
