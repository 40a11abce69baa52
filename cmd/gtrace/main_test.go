package main

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"gtrace/runtime"
)

// TestMain lets this test binary act as the -c child (gtrace re-executes
// itself for -c) and as a workload: with GTRACE_TEST_OPENAT=N it makes N
// openat calls on a marker path and exits.
func TestMain(m *testing.M) {
	runtime.RunChildMode()
	if os.Getenv("GTRACE_TEST_MAIN") == "1" {
		os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	if n := os.Getenv("GTRACE_TEST_OPENAT"); n != "" {
		count, _ := strconv.Atoi(n)
		if d := os.Getenv("GTRACE_TEST_DELAY"); d != "" {
			delay, _ := time.ParseDuration(d)
			time.Sleep(delay)
		}
		for i := 0; i < count; i++ {
			syscall.Open("/nonexistent/gtrace-openat-marker", syscall.O_RDONLY, 0)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("tracing needs root")
	}
}

// gtrace runs the command line in-process and returns stdout, stderr and
// the exit code.
func gtrace(args ...string) (string, string, int) {
	var out, errOut bytes.Buffer
	code := run(args, strings.NewReader(""), &out, &errOut)
	return out.String(), errOut.String(), code
}

func TestVersionAndHelp(t *testing.T) {
	out, _, code := gtrace("--version")
	if code != 0 || !strings.HasPrefix(out, "gtrace ") {
		t.Errorf("--version: %q exit %d", out, code)
	}
	out, _, code = gtrace("-h")
	if code != 0 || !strings.Contains(out, "USAGE:") {
		t.Errorf("-h: exit %d, output %q", code, out)
	}
}

func TestUsageErrors(t *testing.T) {
	tests := []struct{ args []string }{
		{[]string{"-f", "xml", "-e", "BEGIN{}"}},
		{[]string{"--bogus"}},
		{[]string{"-p"}},
	}
	for _, tt := range tests {
		_, errOut, code := gtrace(tt.args...)
		if code != 1 || !strings.HasPrefix(errOut, "ERROR: ") {
			t.Errorf("%v: exit %d, stderr %q", tt.args, code, errOut)
		}
	}
}

func TestDiagnosticExit(t *testing.T) {
	_, errOut, code := gtrace("-e", "BEGIN { @x = foo(1); }")
	want := "stdin:1:14-17: ERROR: Unknown function: foo\nBEGIN { @x = foo(1); }\n             ~~~\n"
	if code != 1 || errOut != want {
		t.Errorf("exit %d, stderr:\n%s\nwant:\n%s", code, errOut, want)
	}
}

func TestDebugDump(t *testing.T) {
	out, _, code := gtrace("-d", "-e", "BEGIN { @x = count(); exit(); }")
	for _, want := range []string{"AST", "map @x: key none, value count", "Program begin_0", "; line 1: BEGIN"} {
		if !strings.Contains(out, want) {
			t.Errorf("-d output lacks %q:\n%s", want, out)
		}
	}
	if code != 0 {
		t.Errorf("-d exit %d", code)
	}
}

func TestDryRun(t *testing.T) {
	out, errOut, code := gtrace("--dry-run", "-e", "tracepoint:syscalls:sys_enter_openat { @[comm] = count(); }")
	if code != 0 || out != "" {
		t.Errorf("--dry-run: exit %d, out %q, err %q", code, out, errOut)
	}
}

func TestExitCode(t *testing.T) {
	requireRoot(t)
	out, _, code := gtrace("-e", "BEGIN { printf(\"bye\\n\"); exit(3); }")
	if code != 3 || out != "Attaching 1 probe...\nbye\n\n\n" {
		t.Errorf("exit %d, out %q", code, out)
	}
}

// TestChildOpenatCount traces a -c child that makes exactly N openat calls
// on a marker path.
func TestChildOpenatCount(t *testing.T) {
	requireRoot(t)
	const n = 7
	t.Setenv("GTRACE_TEST_OPENAT", strconv.Itoa(n))
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	prog := `tracepoint:syscalls:sys_enter_openat /pid == cpid && str(args->filename) == "/nonexistent/gtrace-openat-marker"/ { @ = count(); }`
	out, errOut, code := gtrace("-c", self, "-e", prog)
	want := fmt.Sprintf("Attaching 1 probe...\n\n\n@: %d\n", n)
	if code != 0 || out != want {
		t.Errorf("exit %d\nout: %q\nwant: %q\nstderr: %s", code, out, want, errOut)
	}
}

// TestIntervalAndEnd checks that interval fires the expected number of
// times and END runs after exit().
func TestIntervalAndEnd(t *testing.T) {
	requireRoot(t)
	start := time.Now()
	out, errOut, code := gtrace("-e", `interval:ms:50 { @n++; printf("tick %d\n", @n); if (@n == 4) { exit(); } } END { printf("end %d\n", @n); }`)
	want := "Attaching 2 probes...\ntick 1\ntick 2\ntick 3\ntick 4\nend 4\n\n\n@n: 4\n"
	if code != 0 || out != want {
		t.Errorf("exit %d\nout: %q\nwant: %q\nstderr: %s", code, out, want, errOut)
	}
	if d := time.Since(start); d < 200*time.Millisecond || d > 2*time.Second {
		t.Errorf("four 50 ms intervals took %v", d)
	}
}

// TestProfileEveryCPU checks that profile fires on every online CPU.
func TestProfileEveryCPU(t *testing.T) {
	requireRoot(t)
	out, errOut, code := gtrace("-e", `profile:hz:499 { @[cpu] = count(); } interval:ms:400 { exit(); }`)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	cpus, err := os.ReadFile("/sys/devices/system/cpu/online")
	if err != nil {
		t.Fatal(err)
	}
	n := strings.Count(out, "@[")
	t.Logf("cpus online %s, output:\n%s", strings.TrimSpace(string(cpus)), out)
	if n < 1 {
		t.Fatalf("no CPU counted:\n%s", out)
	}
	want := 1
	if s := strings.TrimSpace(string(cpus)); strings.Contains(s, "-") {
		lo, hi, _ := strings.Cut(s, "-")
		a, _ := strconv.Atoi(lo)
		b, _ := strconv.Atoi(hi)
		want = b - a + 1
	}
	if n != want {
		t.Errorf("profile counted %d CPUs, want %d", n, want)
	}
}

// TestSigterm sends SIGTERM to a running trace: END runs and the maps are
// printed.
func TestSigterm(t *testing.T) {
	requireRoot(t)
	go func() {
		time.Sleep(300 * time.Millisecond)
		syscall.Kill(os.Getpid(), syscall.SIGTERM)
	}()
	out, errOut, code := gtrace("-e", `BEGIN { @b = 1; } interval:ms:10 { @ticks = count(); } END { printf("end\n"); }`)
	if code != 0 || !strings.HasPrefix(out, "Attaching 3 probes...\nend\n\n\n@b: 1\n@ticks: ") {
		t.Errorf("exit %d, out %q, err %q", code, out, errOut)
	}
}

func TestJSONAndOutputFile(t *testing.T) {
	requireRoot(t)
	file := t.TempDir() + "/out.json"
	_, errOut, code := gtrace("-f", "json", "-o", file, "-e", `BEGIN { printf("hi\n"); @c[1] = count(); exit(); }`)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	got, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type": "attached_probes", "data": {"probes": 1}}
{"type": "printf", "data": "hi\n"}
{"type": "map", "data": {"@c": {"1": 1}}}
`
	if string(got) != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

// TestUnprivileged runs gtrace as an unprivileged user: one line naming
// root / CAP_BPF / CAP_PERFMON, exit status 1.
func TestUnprivileged(t *testing.T) {
	requireRoot(t)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// The test binary's own directory is private: copy it where nobody
	// may execute it.
	dir, err := os.MkdirTemp("", "gtrace-unpriv")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	bin := dir + "/gtrace.test"
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-e", "BEGIN { exit(); }")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GTRACE_TEST_MAIN=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err = cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("want exit status 1, got %v", err)
	}
	want := "ERROR: gtrace needs to run as root, or with the CAP_BPF and CAP_PERFMON capabilities\n"
	if stderr.String() != want {
		t.Errorf("stderr %q, want %q", stderr.String(), want)
	}
}

// TestPidFilter traces with -p while two processes open the same marker
// path: only the given process's calls count, and gtrace ends when that
// process exits.
func TestPidFilter(t *testing.T) {
	requireRoot(t)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	const n = 5
	start := func() *exec.Cmd {
		cmd := exec.Command(self)
		cmd.Env = append(os.Environ(), "GTRACE_TEST_OPENAT="+strconv.Itoa(n), "GTRACE_TEST_DELAY=700ms")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	traced, other := start(), start()
	defer other.Wait()
	done := make(chan struct{})
	go func() { traced.Wait(); close(done) }()
	out, errOut, code := gtrace("-p", strconv.Itoa(traced.Process.Pid), "-e",
		`tracepoint:syscalls:sys_enter_openat /str(args->filename) == "/nonexistent/gtrace-openat-marker"/ { @[pid == `+strconv.Itoa(traced.Process.Pid)+`] = count(); }`)
	<-done
	want := fmt.Sprintf("Attaching 1 probe...\n\n\n@[1]: %d\n", n)
	if code != 0 || out != want {
		t.Errorf("exit %d\nout: %q\nwant: %q\nstderr: %s", code, out, want, errOut)
	}
}

// TestSockStateNtop traces a loopback TCP connection on
// sock:inet_sock_set_state and prints addresses with ntop() on the
// tracepoint's byte-array fields.
func TestSockStateNtop(t *testing.T) {
	requireRoot(t)
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	go func() {
		time.Sleep(400 * time.Millisecond)
		c, err := net.Dial("tcp4", ln.Addr().String())
		if err == nil {
			a, _ := ln.Accept()
			c.Close()
			if a != nil {
				a.Close()
			}
		}
	}()
	prog := fmt.Sprintf(`tracepoint:sock:inet_sock_set_state /args->dport == %d && args->newstate == 2/ { printf("%%s -> %%s:%%d %%d\n", ntop(args->saddr), ntop(args->daddr), args->dport, args->saddr[0]); } interval:ms:1200 { exit(); }`, port)
	out, errOut, code := gtrace("-e", prog)
	want := fmt.Sprintf("127.0.0.1 -> 127.0.0.1:%d 127\n", port)
	if code != 0 || !strings.Contains(out, want) {
		t.Errorf("exit %d\nout: %q\nwant a line %q\nstderr: %s", code, out, want, errOut)
	}
}

// TestMapFullWarning fills a map past BPFTRACE_MAP_KEYS_MAX: the loss is
// reported on stderr once per map, never silent (bpftrace issue #2809).
func TestMapFullWarning(t *testing.T) {
	requireRoot(t)
	t.Setenv("BPFTRACE_MAP_KEYS_MAX", "4")
	out, errOut, code := gtrace("-e", `BEGIN { $i = 0; while ($i < 10) { @m[$i] = $i; @c[$i] = count(); $i++; } exit(); }`)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, m := range []string{"@m", "@c"} {
		want := "WARNING: map " + m + " is full"
		if strings.Count(errOut, want) != 1 {
			t.Errorf("stderr should warn once about %s:\n%s", m, errOut)
		}
	}
	if n := strings.Count(out, "@m["); n != 4 {
		t.Errorf("@m kept %d keys, want 4:\n%s", n, out)
	}
}

// TestHeapModeLoopAndLostEvents runs a loop in a program whose frame
// lives in the scratch map (1 KiB strings) and overflows the ring buffer
// from BEGIN: the loop verifies, and every record is either printed or
// counted in "Lost N events".
func TestHeapModeLoopAndLostEvents(t *testing.T) {
	requireRoot(t)
	t.Setenv("BPFTRACE_STRLEN", "1024")
	out, errOut, code := gtrace("-e", `BEGIN { $i = 0; while ($i < 2000) { printf("x%s\n", str(0)); $i++; } exit(); }`)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	printed := strings.Count(out, "x\n")
	var lost int
	for _, l := range strings.Split(out, "\n") {
		if n, ok := strings.CutPrefix(l, "Lost "); ok {
			lost, _ = strconv.Atoi(strings.TrimSuffix(n, " events"))
		}
	}
	// 2000 printf records and the exit record.
	if lost == 0 || printed+lost+1 != 2001 {
		t.Errorf("printed %d, lost %d: want a loss and 2001 records in all\n%s", printed, lost, errOut)
	}
}
