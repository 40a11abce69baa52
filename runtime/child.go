package runtime

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// ChildEnv marks a gtrace process started as the -c child: it waits on
// file descriptor 3 until the tracer has attached its probes, then
// executes the command. Go cannot fork without exec, so the child is
// gtrace itself, which turns into the command.
const ChildEnv = "__GTRACE_CHILD_EXEC"

// Child is a command started stopped, released once probes are attached.
type Child struct {
	cmd      *exec.Cmd
	release  *os.File
	done     chan struct{}
	released bool
}

// StartChild starts command (split on blanks, with quotes) held before
// its execve. Its pid is known right away, for cpid.
func StartChild(command string) (*Child, error) {
	args, err := SplitCommand(command)
	if err != nil {
		return nil, err
	}
	if len(args) == 0 {
		return nil, errors.New("empty -c command")
	}
	path, err := exec.LookPath(args[0])
	if err != nil {
		return nil, fmt.Errorf("-c: %w", err)
	}
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("-c: finding gtrace's own binary: %w", err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, append([]string{path}, args...)...)
	cmd.Env = append(os.Environ(), ChildEnv+"=1")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.ExtraFiles = []*os.File{r}
	if err := cmd.Start(); err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("-c: %w", err)
	}
	r.Close()
	return &Child{cmd: cmd, release: w, done: make(chan struct{})}, nil
}

// Pid is the child's process id.
func (c *Child) Pid() int { return c.cmd.Process.Pid }

// Release lets the child execute its command.
func (c *Child) Release() error {
	c.released = true
	go func() {
		c.cmd.Wait()
		close(c.done)
	}()
	_, err := c.release.Write([]byte{1})
	c.release.Close()
	return err
}

// Wait blocks until the child has exited.
func (c *Child) Wait() { <-c.done }

// Terminate sends SIGTERM to a child still running, as bpftrace does when
// it ends first.
func (c *Child) Terminate() {
	if !c.released {
		c.Kill()
		return
	}
	select {
	case <-c.done:
	default:
		c.cmd.Process.Signal(syscall.SIGTERM)
	}
}

// RunChildMode is called first thing by main: in a -c child it waits for
// the release byte and executes the command; it returns only on error or
// when this process is not a child.
func RunChildMode() {
	if os.Getenv(ChildEnv) == "" {
		return
	}
	os.Unsetenv(ChildEnv)
	f := os.NewFile(3, "release")
	buf := make([]byte, 1)
	if n, _ := f.Read(buf); n != 1 {
		// The tracer went away before attaching: do not run the command.
		os.Exit(1)
	}
	f.Close()
	if len(os.Args) < 3 {
		os.Exit(127)
	}
	err := syscall.Exec(os.Args[1], os.Args[2:], os.Environ())
	fmt.Fprintf(os.Stderr, "gtrace: -c: %v\n", err)
	os.Exit(127)
}

// SplitCommand splits a command line on blanks, honouring single and
// double quotes and backslash escapes.
func SplitCommand(s string) ([]string, error) {
	var (
		args  []string
		cur   strings.Builder
		quote rune
		inArg bool
	)
	for i := 0; i < len(s); i++ {
		ch := rune(s[i])
		switch {
		case quote != 0:
			if ch == quote {
				quote = 0
			} else if ch == '\\' && quote == '"' && i+1 < len(s) {
				i++
				cur.WriteByte(s[i])
			} else {
				cur.WriteRune(ch)
			}
		case ch == '\'' || ch == '"':
			quote, inArg = ch, true
		case ch == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			inArg = true
		case ch == ' ' || ch == '\t' || ch == '\n':
			if inArg {
				args = append(args, cur.String())
				cur.Reset()
				inArg = false
			}
		default:
			cur.WriteRune(ch)
			inArg = true
		}
	}
	if quote != 0 {
		return nil, errors.New("-c: unterminated quote")
	}
	if inArg {
		args = append(args, cur.String())
	}
	return args, nil
}

// waitProcess returns when process pid has exited.
func waitProcess(pid int) {
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return
	}
	defer unix.Close(fd)
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	for {
		if _, err := unix.Poll(fds, -1); err != unix.EINTR {
			return
		}
	}
}

// bootNs reads CLOCK_BOOTTIME, the clock of nsecs.
func bootNs() uint64 {
	var ts unix.Timespec
	unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts)
	return uint64(ts.Nano())
}

// Kill stops a child that never got released.
func (c *Child) Kill() {
	c.release.Close()
	c.cmd.Process.Kill()
	c.cmd.Wait()
}
