package scripts_test

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// histBucket matches a non-empty bucket of a hist() or lhist() map, as
// gtrace and bpftrace print it: "[4, 8)   12 |@@@   |" or "[1]   3 |@ |".
const histBucket = `(?m)^\[\d+[KMG]?(, \d+[KMG]?\)|\])\s+[1-9]\d* \|@+ *\|$`

// readyLine is printed by every tool's BEGIN probe, which runs once all
// probes are attached: the workload may start when it appears.
const readyLine = "Hit Ctrl-C to end."

// scripts returns the tools in this directory, sorted.
func scripts(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.bt")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no .bt files")
	}
	slices.Sort(files)
	return files
}

// TestHeaders checks each tool's conventions: the shebang, a comment
// header with the probes, usage and an example, a header line printed in
// BEGIN, and an entry in README.md.
func TestHeaders(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	beginPrintf := regexp.MustCompile(`(?m)^BEGIN\n\{\n\tprintf\(".*` + regexp.QuoteMeta(readyLine))
	for _, file := range scripts(t) {
		t.Run(file, func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			text := string(src)
			first, rest, _ := strings.Cut(text, "\n")
			if first != "#!/usr/bin/env gtrace" {
				t.Errorf("first line is %q, want the gtrace shebang", first)
			}
			header, _, ok := strings.Cut(rest, "*/")
			if !ok || !strings.HasPrefix(header, "/*\n * "+file+" - ") {
				t.Errorf("no header comment starting with %q", "/*\n * "+file+" - ")
			}
			for _, section := range []string{"Probes: ", "USAGE: " + file, "Example output:"} {
				if !strings.Contains(header, section) {
					t.Errorf("header lacks %q", section)
				}
			}
			if !beginPrintf.MatchString(text) {
				t.Errorf("BEGIN does not start by printing a line ending in %q", readyLine)
			}
			if !strings.Contains(string(readme), "["+file+"]("+file+")") {
				t.Errorf("README.md has no entry [%s](%s)", file, file)
			}
			if info, err := os.Stat(file); err != nil {
				t.Error(err)
			} else if info.Mode()&0o111 == 0 {
				t.Errorf("%s is not executable (mode %v)", file, info.Mode())
			}
		})
	}
	// And no README entry without its tool.
	for _, m := range regexp.MustCompile(`\[([a-z0-9_]+\.bt)\]`).FindAllStringSubmatch(string(readme), -1) {
		if _, err := os.Stat(m[1]); err != nil {
			t.Errorf("README.md lists %s: %v", m[1], err)
		}
	}
}

// buildGtrace builds the gtrace command into a temporary directory, so
// that the tests run the code of this tree.
func buildGtrace(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "gtrace")
	cmd := exec.Command("go", "build", "-o", bin, "../cmd/gtrace")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ../cmd/gtrace: %v\n%s", err, out)
	}
	return bin
}

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("skipped: reading tracepoint formats and tracing need root")
	}
}

var (
	errorLine       = regexp.MustCompile(`(?m)^\S*: ERROR: (.*)$`)
	tracepointError = regexp.MustCompile(`^tracepoint not found: (\S+)$`)
)

// missingTracepoints returns the tracepoints that gtrace's diagnostics say
// the kernel lacks, provided those are its only errors: a tool that fails
// for another reason must fail its test.
func missingTracepoints(stderr string) []string {
	var missing []string
	for _, m := range errorLine.FindAllStringSubmatch(stderr, -1) {
		tp := tracepointError.FindStringSubmatch(m[1])
		if tp == nil {
			return nil
		}
		missing = append(missing, tp[1])
	}
	return missing
}

// TestCompile compiles every tool against the running kernel.
func TestCompile(t *testing.T) {
	requireRoot(t)
	bin := buildGtrace(t)

	// The skip below depends on the wording of gtrace's error: check it.
	t.Run("missing tracepoint is reported", func(t *testing.T) {
		prog := filepath.Join(t.TempDir(), "missing.bt")
		src := "tracepoint:gtrace_nosuch:event { @ = count(); }\n"
		if err := os.WriteFile(prog, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(bin, "--dry-run", prog).CombinedOutput()
		if err == nil {
			t.Fatalf("gtrace accepted a missing tracepoint:\n%s", out)
		}
		if got := missingTracepoints(string(out)); !slices.Equal(got, []string{"gtrace_nosuch:event"}) {
			t.Fatalf("missing tracepoints %q from:\n%s", got, out)
		}
	})

	for _, file := range scripts(t) {
		t.Run(file, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			cmd := exec.Command(bin, "--dry-run", file)
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				if missing := missingTracepoints(stderr.String()); missing != nil {
					t.Skipf("this kernel lacks tracepoint %s", strings.Join(missing, ", "))
				}
				t.Fatalf("gtrace --dry-run %s: %v\n%s%s", file, err, stdout.String(), stderr.String())
			}
		})
	}
}

// liveCase runs a tool while workload makes events that it must print.
type liveCase struct {
	script string
	// workload makes the events and returns the check of the tool's whole
	// output. It may register cleanups that keep resources alive until the
	// tool has stopped.
	workload func(t *testing.T) func(out string) error
	// settle bounds the wait for check to pass before Ctrl-C; tools that
	// print only at exit use a short one.
	settle time.Duration
}

// TestLive runs most tools briefly with a workload and checks the lines
// that the workload must produce.
func TestLive(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("skipped: running the tools needs root")
	}
	bin := buildGtrace(t)
	pid := os.Getpid()
	comm := selfComm(t)

	tests := []liveCase{
		{"execsnoop.bt", execWorkload, 5 * time.Second},
		{"opensnoop.bt", func(t *testing.T) func(string) error {
			dir := shortTempDir(t)
			found := filepath.Join(dir, "open-marker")
			missing := filepath.Join(dir, "open-missing")
			if err := os.WriteFile(found, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(found)
			if err != nil {
				t.Fatal(err)
			}
			f.Close()
			if _, err := os.Open(missing); !errors.Is(err, syscall.ENOENT) {
				t.Fatalf("open %s: %v, want ENOENT", missing, err)
			}
			return matchAll(
				fmt.Sprintf(`(?m)^%d\s+%s\s+\d+\s+0 %s$`, pid, regexp.QuoteMeta(comm), regexp.QuoteMeta(found)),
				fmt.Sprintf(`(?m)^%d\s+%s\s+-1\s+2 %s$`, pid, regexp.QuoteMeta(comm), regexp.QuoteMeta(missing)),
			)
		}, 5 * time.Second},
		{"statsnoop.bt", func(t *testing.T) func(string) error {
			dir := shortTempDir(t)
			missing := filepath.Join(dir, "stat-missing")
			if _, err := os.Stat(dir); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(missing); !errors.Is(err, syscall.ENOENT) {
				t.Fatalf("stat %s: %v, want ENOENT", missing, err)
			}
			return matchAll(
				fmt.Sprintf(`(?m)^%d\s+%s\s+0 %s$`, pid, regexp.QuoteMeta(comm), regexp.QuoteMeta(dir)),
				fmt.Sprintf(`(?m)^%d\s+%s\s+2 %s$`, pid, regexp.QuoteMeta(comm), regexp.QuoteMeta(missing)),
			)
		}, 5 * time.Second},
		{"killsnoop.bt", func(t *testing.T) func(string) error {
			if err := syscall.Kill(pid, 0); err != nil {
				t.Fatal(err)
			}
			// Above any possible pid_max (2^22): no such process.
			const nobody = 1 << 30
			if err := syscall.Kill(nobody, 0); !errors.Is(err, syscall.ESRCH) {
				t.Fatalf("kill(%d, 0): %v, want ESRCH", nobody, err)
			}
			return matchAll(
				fmt.Sprintf(`(?m)^\d\d:\d\d:\d\d\s+%d\s+%s\s+0 %d\s+0$`, pid, regexp.QuoteMeta(comm), pid),
				fmt.Sprintf(`(?m)^\d\d:\d\d:\d\d\s+%d\s+%s\s+0 %d\s+-%d$`, pid, regexp.QuoteMeta(comm), nobody, syscall.ESRCH),
			)
		}, 5 * time.Second},
		{"syncsnoop.bt", func(t *testing.T) func(string) error {
			f, err := os.Create(filepath.Join(shortTempDir(t), "sync"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if err := syscall.Fdatasync(int(f.Fd())); err != nil {
				t.Fatal(err)
			}
			return matchAll(fmt.Sprintf(`(?m)^\d\d:\d\d:\d\d\s+%d\s+%s\s+tracepoint:syscalls:sys_enter_fdatasync$`,
				pid, regexp.QuoteMeta(comm)))
		}, 5 * time.Second},
		{"syscount.bt", func(t *testing.T) func(string) error {
			// Far more calls per second than anything else on the system
			// makes, so both are in the top 10 of a one-second report.
			for end := time.Now().Add(1500 * time.Millisecond); time.Now().Before(end); {
				for range 1000 {
					syscall.Getppid()
				}
			}
			return matchAll(
				`(?m)^\d\d:\d\d:\d\d top 10 syscall ids:$`,
				`(?m)^top 10 processes:$`,
				fmt.Sprintf(`(?m)^@syscall\[%d\]: \d{4,}$`, syscall.SYS_GETPPID),
				fmt.Sprintf(`(?m)^@process\[%s\]: \d{4,}$`, regexp.QuoteMeta(comm)),
			)
		}, 5 * time.Second},
		{"pidpersec.bt", func(t *testing.T) func(string) error {
			const children = 5
			for range children {
				runTrue(t)
			}
			// The forks may fall into two one-second reports.
			return func(out string) error {
				total := 0
				for _, m := range regexp.MustCompile(`(?m)^@new_pids: (\d+)$`).FindAllStringSubmatch(out, -1) {
					n, _ := strconv.Atoi(m[1])
					total += n
				}
				if total < children {
					return fmt.Errorf("%d new processes reported, want at least %d", total, children)
				}
				return nil
			}
		}, 5 * time.Second},
		{"tcplife.bt", func(t *testing.T) func(string) error {
			client, server := tcpSession(t)
			// The client side: opened by this process with connect, closed
			// by it in LAST_ACK after the server closed first.
			return matchAll(fmt.Sprintf(`(?m)^%d\s+%s\s+127\.0\.0\.1\s+%d\s+127\.0\.0\.1\s+%d\s+\d+$`,
				pid, regexp.QuoteMeta(comm), client, server))
		}, 5 * time.Second},
		{"tcpstates.bt", func(t *testing.T) func(string) error {
			client, server := tcpSession(t)
			line := func(lport int, old, new string) string {
				return fmt.Sprintf(`(?m)^[0-9a-f]+\s+\d+\s+.{16} 127\.0\.0\.1\s+%d\s+127\.0\.0\.1\s+%d\s+%s\s+-> %s\s+\d+$`,
					lport, server, old, new)
			}
			return matchAll(
				line(0, "CLOSE", "SYN_SENT"), // the local port is not bound yet
				line(client, "SYN_SENT", "ESTABLISHED"),
				line(client, "LAST_ACK", "CLOSE"),
			)
		}, 5 * time.Second},
		{"tcpretrans.bt", func(t *testing.T) func(string) error {
			port := synDropper(t)
			return matchAll(fmt.Sprintf(`(?m)^\d\d:\d\d:\d\d\s+127\.0\.0\.1\s+\d+\s+127\.0\.0\.1\s+%d\s+SYN_SENT$`, port))
		}, 8 * time.Second},
		{"biosnoop.bt", func(t *testing.T) func(string) error {
			directWrite(t)
			return matchAll(`(?m)^\d+\s+\d+,\d+\s+.*\s+W\S*\s+\d+\s+[1-9]\d*\s+\d+$`)
		}, 5 * time.Second},
		{"biolatency.bt", func(t *testing.T) func(string) error {
			directWrite(t)
			return matchAll(`(?m)^@usecs: $`, histBucket)
		}, 200 * time.Millisecond},
		{"runqlat.bt", func(t *testing.T) func(string) error {
			for range 5 {
				runTrue(t)
			}
			return matchAll(`(?m)^@usecs: $`, histBucket)
		}, 200 * time.Millisecond},
		{"cpuwalk.bt", func(t *testing.T) func(string) error {
			// Busy for 20 sampling periods at 99 Hz.
			for end := time.Now().Add(200 * time.Millisecond); time.Now().Before(end); {
			}
			return matchAll(`(?m)^@cpu: $`, histBucket)
		}, 200 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.script, func(t *testing.T) {
			runLive(t, bin, tt)
		})
	}
}

// runLive starts the tool, runs the workload once the tool is tracing,
// waits for the expected output or the settle time, stops the tool with
// SIGINT as Ctrl-C would, and checks the whole output.
func runLive(t *testing.T, bin string, tt liveCase) {
	var stdout, stderr lockedBuffer
	cmd := exec.Command(bin, tt.script)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stopped := false
	defer func() {
		if !stopped {
			cmd.Process.Kill()
			<-exited
		}
	}()

	// Wait for BEGIN's header: every probe is attached by then.
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(stdout.String(), readyLine); {
		select {
		case err := <-exited:
			stopped = true
			if missing := missingTracepoints(stderr.String()); missing != nil {
				t.Skipf("this kernel lacks tracepoint %s", strings.Join(missing, ", "))
			}
			t.Fatalf("%s ended before tracing (%v):\n%s%s", tt.script, err, stdout.String(), stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not start tracing within 20s:\n%s%s", tt.script, stdout.String(), stderr.String())
		}
	}

	check := tt.workload(t)
	for deadline := time.Now().Add(tt.settle); time.Now().Before(deadline) && check(stdout.String()) != nil; {
		time.Sleep(50 * time.Millisecond)
	}

	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		stopped = true
		if err != nil {
			t.Errorf("%s exited with %v after SIGINT:\n%s", tt.script, err, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("%s did not stop within 10s of SIGINT:\n%s%s", tt.script, stdout.String(), stderr.String())
	}
	if err := check(stdout.String()); err != nil {
		t.Errorf("%v\noutput of %s:\n%s\nstderr:\n%s", err, tt.script, stdout.String(), stderr.String())
	}
}

// matchAll returns a check that every regular expression matches.
func matchAll(patterns ...string) func(string) error {
	res := make([]*regexp.Regexp, len(patterns))
	for i, p := range patterns {
		res[i] = regexp.MustCompile(p)
	}
	return func(out string) error {
		var errs []error
		for _, re := range res {
			if !re.MatchString(out) {
				errs = append(errs, fmt.Errorf("no line matches %s", re))
			}
		}
		return errors.Join(errs...)
	}
}

// lockedBuffer is an io.Writer that the tool's output goroutine writes
// while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// selfComm returns this process's comm, as the tools print it.
func selfComm(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("/proc/self/comm")
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(string(b), "\n")
}

// shortTempDir returns a temporary directory with a short path: the tools
// print at most 63 bytes of a path (BPFTRACE_STRLEN).
func shortTempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("/tmp", "gts")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func truePath(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("true")
	if err != nil {
		t.Skipf("no true(1) to run: %v", err)
	}
	return path
}

func runTrue(t *testing.T) {
	t.Helper()
	if err := exec.Command(truePath(t)).Run(); err != nil {
		t.Fatal(err)
	}
}

// execWorkload runs true(1) with marker arguments: execsnoop must print
// its PID and full argument list.
func execWorkload(t *testing.T) func(string) error {
	path := truePath(t)
	marker := fmt.Sprintf("gtrace-execsnoop-%d", os.Getpid())
	cmd := exec.Command(path, marker, "second argument")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return matchAll(fmt.Sprintf(`(?m)^\d+\s+%d\s+%s %s second argument$`,
		cmd.Process.Pid, regexp.QuoteMeta(path), marker))
}

// tcpSession makes one TCP connection over loopback that the server
// closes first, waits until both ends are closed, and returns the client's
// and the server's port.
func tcpSession(t *testing.T) (client, server int) {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			err = c.Close()
		}
		accepted <- err
	}()
	c, err := net.Dial("tcp4", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	if err := <-accepted; err != nil {
		t.Fatal(err)
	}
	// Wait for the server's FIN, then close: the client goes through
	// CLOSE_WAIT and LAST_ACK to CLOSE.
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := c.Read(make([]byte, 1)); n != 0 || err == nil {
		t.Fatalf("read after the server closed: %d bytes, %v", n, err)
	}
	client = c.LocalAddr().(*net.TCPAddr).Port
	server = ln.Addr().(*net.TCPAddr).Port
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	// The final ACK comes back over loopback at once; leave it a moment.
	time.Sleep(100 * time.Millisecond)
	return client, server
}

// synDropper listens on loopback with a zero backlog that is never
// accepted, and connects to it three times: once the accept queue is
// full the kernel drops the further SYNs, and their senders retransmit
// them after about a second. It returns the listening port; the sockets
// stay open until the test ends.
func synDropper(t *testing.T) int {
	t.Helper()
	sock := func() int {
		fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { syscall.Close(fd) })
		return fd
	}
	loopback := [4]byte{127, 0, 0, 1}
	lfd := sock()
	if err := syscall.Bind(lfd, &syscall.SockaddrInet4{Addr: loopback}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(lfd, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(lfd)
	if err != nil {
		t.Fatal(err)
	}
	port := sa.(*syscall.SockaddrInet4).Port
	for range 3 {
		err := syscall.Connect(sock(), &syscall.SockaddrInet4{Addr: loopback, Port: port})
		if err != nil && !errors.Is(err, syscall.EINPROGRESS) {
			t.Fatal(err)
		}
	}
	return port
}

// directWrite writes 64 KiB with O_DIRECT, which bypasses the page cache
// and so issues block I/O at once. A file system without O_DIRECT (tmpfs)
// has no block device: the test is skipped.
func directWrite(t *testing.T) {
	t.Helper()
	dir, err := os.MkdirTemp("", "gtrace-bio")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	fd, err := syscall.Open(filepath.Join(dir, "direct"), syscall.O_CREAT|syscall.O_WRONLY|syscall.O_DIRECT|syscall.O_CLOEXEC, 0o644)
	if errors.Is(err, syscall.EINVAL) {
		t.Skipf("%s does not support O_DIRECT, so no block I/O to trace", dir)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	// O_DIRECT needs an aligned buffer: a fresh mapping is page aligned.
	buf, err := syscall.Mmap(-1, 0, 64<<10, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Munmap(buf)
	if _, err := syscall.Write(fd, buf); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Fsync(fd); err != nil {
		t.Fatal(err)
	}
}
