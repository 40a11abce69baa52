package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestExecute drives shell commands through the executor; they stand in for
// a tracer, so no root is needed.
func TestExecute(t *testing.T) {
	x := &Executor{Scale: 0.2} // 1 s TIMEOUTs become 0.2 s
	notify := "echo " + NotifyLine
	tests := []struct {
		name  string
		c     Case
		check func(t *testing.T, out *Outcome, err error)
	}{
		{
			name: "stdout and stderr merged in order",
			c:    Case{Run: "echo one; echo two >&2; echo three"},
			check: func(t *testing.T, out *Outcome, err error) {
				if err != nil || out.Output != "one\ntwo\nthree\n" || out.ExitCode != 0 {
					t.Errorf("err %v output %q exit %d", err, out.Output, out.ExitCode)
				}
			},
		},
		{
			name: "exit status and environment",
			c:    Case{Run: "echo $GT_X; exit 3", Env: []string{"GT_X=42"}},
			check: func(t *testing.T, out *Outcome, err error) {
				if err != nil || out.Output != "42\n" || out.ExitCode != 3 {
					t.Errorf("err %v output %q exit %d", err, out.Output, out.ExitCode)
				}
			},
		},
		{
			name: "notify variable set and attach seen",
			c:    Case{Run: `test "$` + NotifyLine + `" = 1 && ` + notify},
			check: func(t *testing.T, out *Outcome, err error) {
				if err != nil || !out.Attached || out.ExitCode != 0 {
					t.Errorf("err %v attached %v exit %d", err, out.Attached, out.ExitCode)
				}
			},
		},
		{
			name: "SIGINT at TIMEOUT, output after it kept",
			c: Case{
				Run:     "trap 'echo interrupted; exit 0' INT; " + notify + "; while :; do sleep 0.02; done",
				Timeout: time.Second,
			},
			check: func(t *testing.T, out *Outcome, err error) {
				if err != nil || !out.TimedOut || out.Killed || !strings.Contains(out.Output, "interrupted") || out.ExitCode != 0 {
					t.Errorf("err %v timedout %v killed %v exit %d output %q", err, out.TimedOut, out.Killed, out.ExitCode, out.Output)
				}
			},
		},
		{
			name: "SIGKILL when SIGINT is ignored",
			c:    Case{Run: "trap '' INT; " + notify + "; while :; do sleep 0.02; done", Timeout: time.Second},
			check: func(t *testing.T, out *Outcome, err error) {
				if err != nil || !out.Killed || out.Signal != syscall.SIGKILL || out.ExitCode != 128+9 {
					t.Errorf("err %v killed %v signal %v exit %d", err, out.Killed, out.Signal, out.ExitCode)
				}
			},
		},
		{
			name: "background job of a RUN line does not hold the case",
			c:    Case{Run: "sleep 30 & echo started"},
			check: func(t *testing.T, out *Outcome, err error) {
				if err != nil || out.Output != "started\n" || out.Elapsed > 5*time.Second {
					t.Errorf("err %v output %q elapsed %v", err, out.Output, out.Elapsed)
				}
			},
		},
		{
			name: "AFTER starts once attached",
			c: Case{
				Run:   notify + "; for i in $(seq 100); do test -f after.txt && break; sleep 0.02; done; cat after.txt",
				After: "echo from-after > after.txt",
			},
			check: func(t *testing.T, out *Outcome, err error) {
				if err != nil || !strings.Contains(out.Output, "from-after") {
					t.Errorf("err %v output %q", err, out.Output)
				}
			},
		},
		{
			name: "BEFORE PID substituted, process killed afterwards",
			c:    Case{Befores: []string{"sleep 30"}, Run: "echo {{BEFORE_PID}}"},
			check: func(t *testing.T, out *Outcome, err error) {
				if err != nil {
					t.Fatal(err)
				}
				pid, perr := strconv.Atoi(strings.TrimSpace(out.Output))
				if perr != nil || pid <= 0 {
					t.Fatalf("output %q is not a PID", out.Output)
				}
				// The group was sent SIGKILL before Execute returned; an
				// orphan may linger briefly as a zombie.
				deadline := time.Now().Add(2 * time.Second)
				for running(pid) && time.Now().Before(deadline) {
					time.Sleep(10 * time.Millisecond)
				}
				if running(pid) {
					t.Errorf("BEFORE process %d still running", pid)
				}
			},
		},
		{
			name: "SETUP failure is an error; CLEANUP still runs",
			c:    Case{Setups: []string{"echo nope; false"}, Cleanups: []string{"touch cleaned"}, Run: "echo never"},
			check: func(t *testing.T, out *Outcome, err error) {
				if err == nil || !strings.Contains(err.Error(), "SETUP failed") || out.Output != "" {
					t.Errorf("err %v output %q", err, out.Output)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.c.Dir = t.TempDir()
			tc.c.Name = "t"
			out, err := x.Execute(context.Background(), &tc.c, "/bin/true")
			tc.check(t, out, err)
			for _, cl := range tc.c.Cleanups {
				if strings.HasPrefix(cl, "touch ") {
					if _, err := os.Stat(filepath.Join(tc.c.Dir, strings.TrimPrefix(cl, "touch "))); err != nil {
						t.Errorf("CLEANUP did not run: %v", err)
					}
				}
			}
		})
	}
}

func TestMainCommand(t *testing.T) {
	c := &Case{Prog: "BEGIN { printf(\"%d\\n\", {{BEFORE_PID}}); }", Dir: "/tmp",
		Expects: []Expect{{Kind: ExpectJSON}}}
	cmd := mainCommand(c, "/bin/tracer", 7)
	got := strings.Join(cmd.Args, " ")
	want := "/bin/tracer -q -f json -e BEGIN { printf(\"%d\\n\", 7); }"
	if got != want || cmd.Dir != "/tmp" {
		t.Errorf("args %q dir %q, want %q", got, cmd.Dir, want)
	}
	c = &Case{Run: "{{BPFTRACE}} -e x | cat", Dir: "/tmp"}
	if got := strings.Join(mainCommand(c, "/bin/tracer", 0).Args, " "); got != "/bin/sh -c /bin/tracer -e x | cat" {
		t.Errorf("RUN args %q", got)
	}
}

// running reports whether pid exists and is not a zombie.
func running(pid int) bool {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return false
	}
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return len(fields) > 0 && fields[0] != "Z" && fields[0] != "X"
}
