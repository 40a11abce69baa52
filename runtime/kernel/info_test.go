package kernel

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
)

// canned returns an Info over the canned tracefs in testdata.
func canned() *Info {
	return NewWithOptions(Options{Tracefs: "testdata/tracefs", Proc: "testdata"})
}

func TestTracepoints(t *testing.T) {
	tests := []struct {
		cat, name string
		want      []string
	}{
		{"sched", "sched_switch", []string{"sched:sched_switch"}},
		{"sched", "*", []string{"sched:sched_process_exec", "sched:sched_switch", "sched:sched_wakeup"}},
		{"*", "*openat", []string{"syscalls:sys_enter_openat", "syscalls:sys_exit_openat"}},
		{"s*", "s*_*_*", []string{"sched:sched_process_exec", "sock:sock_exceed_buf_limit", "syscalls:sys_enter_openat", "syscalls:sys_exit_openat"}},
		{"*", "*", []string{
			"block:block_rq_issue", "ipi:ipi_send_cpumask", "net:netif_receive_skb",
			"sched:sched_process_exec", "sched:sched_switch", "sched:sched_wakeup",
			"sock:sock_exceed_buf_limit", "syscalls:sys_enter_openat", "syscalls:sys_exit_openat",
		}},
		{"sched", "nosuch", nil},
		{"nosuch", "*", nil},
	}
	k := canned()
	for _, tt := range tests {
		got, err := k.Tracepoints(tt.cat, tt.name)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Tracepoints(%q, %q) = %q, %v; want %q", tt.cat, tt.name, got, err, tt.want)
		}
	}
}

func TestTracepointsWithoutAvailableEvents(t *testing.T) {
	// Without available_events the events directory is walked, and the
	// ftrace category (not attachable by BPF) is left out.
	dir := t.TempDir()
	events, err := filepath.Abs("testdata/tracefs/events")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "events"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, cat := range []string{"sched", "syscalls"} {
		if err := os.Symlink(filepath.Join(events, cat), filepath.Join(dir, "events", cat)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "events/ftrace/function"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "events/ftrace/function/format"), []byte("name: function\nID: 1\nformat:\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := NewWithOptions(Options{Tracefs: dir}).Tracepoints("*", "*")
	want := []string{"sched:sched_process_exec", "sched:sched_switch", "sched:sched_wakeup", "syscalls:sys_enter_openat", "syscalls:sys_exit_openat"}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("Tracepoints = %q, %v; want %q", got, err, want)
	}
}

func TestTracepointFormat(t *testing.T) {
	k := canned()
	f, err := k.TracepointFormat("sched", "sched_switch")
	if err != nil {
		t.Fatal(err)
	}
	if f.Category != "sched" || f.Name != "sched_switch" || f.ID != 372 || len(f.Fields) != 7 {
		t.Errorf("TracepointFormat = %+v", f)
	}
	// The result is a copy: changing it does not change the cache.
	f.Fields[0].Name = "changed"
	again, err := k.TracepointFormat("sched", "sched_switch")
	if err != nil || again.Fields[0].Name != "prev_comm" {
		t.Errorf("cached format was modified through a result: %+v, %v", again, err)
	}

	for _, tp := range [][2]string{{"sched", "nosuch"}, {"nosuch", "x"}, {"..", "tracefs"}, {"sched", ""}, {"sched/../sched", "sched_switch"}} {
		_, err := k.TracepointFormat(tp[0], tp[1])
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("TracepointFormat(%q, %q) error = %v, want ErrNotFound", tp[0], tp[1], err)
		}
	}
}

func TestTracepointFormatBadFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "events/c/e"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "events/c/e/format"), []byte("name: e\nID: 1\nformat:\n\tfield:int;\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := NewWithOptions(Options{Tracefs: dir}).TracepointFormat("c", "e")
	var fe *FormatError
	if !errors.As(err, &fe) || fe.Line != 4 {
		t.Errorf("TracepointFormat of a bad file: error = %v, want a *FormatError on line 4", err)
	}
}

func TestInfoConcurrentUse(t *testing.T) {
	k := canned()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := k.TracepointFormat("sched", "sched_process_exec"); err != nil {
				t.Error(err)
			}
			if tps, err := k.Tracepoints("*", "*"); err != nil || len(tps) != 9 {
				t.Errorf("Tracepoints = %v, %v", tps, err)
			}
		})
	}
	wg.Wait()
}
