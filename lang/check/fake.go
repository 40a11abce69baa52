package check

import (
	"fmt"
	"sort"
	"strings"

	"gtrace/lang/probe"
)

// FakeKernel is a Kernel with canned tracepoint formats, for tests that
// must not depend on the machine they run on.
type FakeKernel struct {
	// Formats by "category:name".
	Formats map[string]*TracepointFormat
}

// Tracepoints implements Kernel.
func (f *FakeKernel) Tracepoints(catGlob, nameGlob string) ([]string, error) {
	var out []string
	for name := range f.Formats {
		cat, ev, _ := strings.Cut(name, ":")
		if probe.Match(catGlob, cat) && probe.Match(nameGlob, ev) {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out, nil
}

// TracepointFormat implements Kernel.
func (f *FakeKernel) TracepointFormat(category, name string) (*TracepointFormat, error) {
	if tf, ok := f.Formats[category+":"+name]; ok {
		return tf, nil
	}
	return nil, fmt.Errorf("tracepoint %s:%s: %w", category, name, ErrNotFound)
}

// TestKernel returns a FakeKernel with a few common tracepoints, laid out
// as on x86-64 Linux 6.x.
func TestKernel() *FakeKernel {
	return &FakeKernel{Formats: map[string]*TracepointFormat{
		"syscalls:sys_enter_openat": {Category: "syscalls", Name: "sys_enter_openat", ID: 700, Fields: []TracepointField{
			{Name: "__syscall_nr", Type: "int", Offset: 8, Size: 4, Signed: true},
			{Name: "dfd", Type: "int", Offset: 16, Size: 8},
			{Name: "filename", Type: "const char *", Offset: 24, Size: 8},
			{Name: "flags", Type: "int", Offset: 32, Size: 8},
			{Name: "mode", Type: "umode_t", Offset: 40, Size: 8},
		}},
		"syscalls:sys_enter_read": {Category: "syscalls", Name: "sys_enter_read", ID: 701, Fields: []TracepointField{
			{Name: "__syscall_nr", Type: "int", Offset: 8, Size: 4, Signed: true},
			{Name: "fd", Type: "unsigned int", Offset: 16, Size: 8},
			{Name: "buf", Type: "char *", Offset: 24, Size: 8},
			{Name: "count", Type: "size_t", Offset: 32, Size: 8},
		}},
		"syscalls:sys_exit_read": {Category: "syscalls", Name: "sys_exit_read", ID: 702, Fields: []TracepointField{
			{Name: "__syscall_nr", Type: "int", Offset: 8, Size: 4, Signed: true},
			{Name: "ret", Type: "long", Offset: 16, Size: 8, Signed: true},
		}},
		"sched:sched_process_exec": {Category: "sched", Name: "sched_process_exec", ID: 300, Fields: []TracepointField{
			{Name: "filename", Type: "__data_loc char[]", Offset: 8, Size: 4, Signed: true, DataLoc: true},
			{Name: "pid", Type: "pid_t", Offset: 12, Size: 4, Signed: true},
			{Name: "old_pid", Type: "pid_t", Offset: 16, Size: 4, Signed: true},
		}},
		"sched:sched_switch": {Category: "sched", Name: "sched_switch", ID: 301, Fields: []TracepointField{
			{Name: "prev_comm", Type: "char[16]", Offset: 8, Size: 16, Signed: false, ArrayLen: 16},
			{Name: "prev_pid", Type: "pid_t", Offset: 24, Size: 4, Signed: true},
			{Name: "prev_prio", Type: "int", Offset: 28, Size: 4, Signed: true},
			{Name: "prev_state", Type: "long", Offset: 32, Size: 8, Signed: true},
			{Name: "next_comm", Type: "char[16]", Offset: 40, Size: 16, Signed: false, ArrayLen: 16},
			{Name: "next_pid", Type: "pid_t", Offset: 56, Size: 4, Signed: true},
			{Name: "next_prio", Type: "int", Offset: 60, Size: 4, Signed: true},
		}},
		"raw_syscalls:sys_enter": {Category: "raw_syscalls", Name: "sys_enter", ID: 20, Fields: []TracepointField{
			{Name: "id", Type: "long", Offset: 8, Size: 8, Signed: true},
			{Name: "args", Type: "unsigned long[6]", Offset: 16, Size: 48, ArrayLen: 6},
		}},
	}}
}
