package kernel

import (
	"bytes"
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

const allSoftware = `software:alignment-faults:
software:bpf-output:
software:context-switches:
software:cpu:
software:cpu-clock:
software:cpu-migrations:
software:cs:
software:dummy:
software:emulation-faults:
software:faults:
software:major-faults:
software:minor-faults:
software:page-faults:
software:task-clock:
`

const allHardware = `hardware:backend-stalls:
hardware:branch-instructions:
hardware:branch-misses:
hardware:branches:
hardware:bus-cycles:
hardware:cache-misses:
hardware:cache-references:
hardware:cpu-cycles:
hardware:cycles:
hardware:frontend-stalls:
hardware:instructions:
hardware:ref-cycles:
`

const schedTracepoints = `tracepoint:sched:sched_process_exec
tracepoint:sched:sched_switch
tracepoint:sched:sched_wakeup
`

func TestList(t *testing.T) {
	tests := []struct {
		pattern string
		verbose bool
		want    string
	}{
		{pattern: "tracepoint:sched:*", want: schedTracepoints},
		{pattern: "t:sched:*", want: schedTracepoints},
		{pattern: "tracepoint:sched", want: schedTracepoints},
		{pattern: "tracepoint:sch*:sched_s*", want: "tracepoint:sched:sched_switch\n"},
		{pattern: "tracepoint:*:*openat", want: "tracepoint:syscalls:sys_enter_openat\ntracepoint:syscalls:sys_exit_openat\n"},
		{pattern: "tracepoint:sched:nosuch", want: ""},
		{pattern: "software:*", want: allSoftware},
		{pattern: "s:*", want: allSoftware},
		{pattern: "software", want: allSoftware},
		{pattern: "software:*:100", want: allSoftware},
		{pattern: "software:cpu*", want: "software:cpu:\nsoftware:cpu-clock:\nsoftware:cpu-migrations:\n"},
		{pattern: "software:faults", want: "software:faults:\n"},
		{pattern: "hardware:*", want: allHardware},
		{pattern: "h:*cycles", want: "hardware:bus-cycles:\nhardware:cpu-cycles:\nhardware:cycles:\nhardware:ref-cycles:\n"},
		// Bare searches match event names in every category.
		{pattern: "*sched_switch*", want: "tracepoint:sched:sched_switch\n"},
		{pattern: "sched_switch", want: "tracepoint:sched:sched_switch\n"},
		{pattern: "*openat", want: "tracepoint:syscalls:sys_enter_openat\ntracepoint:syscalls:sys_exit_openat\n"},
		{pattern: "*syscalls*", want: ""},
		{pattern: "*clock", want: "software:cpu-clock:\nsoftware:task-clock:\n"},
		{pattern: "*:sched_switch", want: ""},
		{pattern: "*:sched:sched_switch", want: "tracepoint:sched:sched_switch\n"},
		{pattern: "*are:*cache*", want: "hardware:cache-misses:\nhardware:cache-references:\n"},
		{pattern: "", want: allHardware + allSoftware + `tracepoint:block:block_rq_issue
tracepoint:ipi:ipi_send_cpumask
tracepoint:net:netif_receive_skb
` + schedTracepoints + `tracepoint:sock:sock_exceed_buf_limit
tracepoint:syscalls:sys_enter_openat
tracepoint:syscalls:sys_exit_openat
`},
		{pattern: "tracepoint:sched:sched_switch", verbose: true, want: `tracepoint:sched:sched_switch
    char prev_comm[16]
    pid_t prev_pid
    int prev_prio
    long prev_state
    char next_comm[16]
    pid_t next_pid
    int next_prio
`},
		{pattern: "software:cs", verbose: true, want: "software:cs:\n"},
	}
	k := canned()
	for _, tt := range tests {
		var buf bytes.Buffer
		if err := k.List(&buf, tt.pattern, tt.verbose); err != nil {
			t.Errorf("List(%q, %v): %v", tt.pattern, tt.verbose, err)
			continue
		}
		if got := buf.String(); got != tt.want {
			t.Errorf("List(%q, %v) =\n%s\nwant\n%s", tt.pattern, tt.verbose, got, tt.want)
		}
	}
}

func TestListErrors(t *testing.T) {
	tests := []struct{ pattern, want string }{
		{"kprobe:*", `listing "kprobe:*": cannot list kprobe probes (gtrace lists tracepoint, software and hardware probes)`},
		{"uprobe:/bin/sh:*", `listing "uprobe:/bin/sh:*": cannot list uprobe probes (gtrace lists tracepoint, software and hardware probes)`},
		{"kprobe", `listing "kprobe": cannot list kprobe probes (gtrace lists tracepoint, software and hardware probes)`},
		{"BEGIN", `listing "BEGIN": cannot list BEGIN probes (gtrace lists tracepoint, software and hardware probes)`},
		{"bogus:x", `listing "bogus:x": unknown probe type "bogus"`},
		{"tracepoint:a:b:c", `listing "tracepoint:a:b:c": a tracepoint probe has at most 2 fields after the type`},
		{"tracepoint:sched:", `listing "tracepoint:sched:": empty field`},
		{"tracepoint::x", `listing "tracepoint::x": empty field`},
	}
	k := canned()
	for _, tt := range tests {
		_, err := k.ListProbes(tt.pattern, false)
		if err == nil || err.Error() != tt.want {
			t.Errorf("ListProbes(%q) error = %v, want %q", tt.pattern, err, tt.want)
		}
	}
}

// TestListVerboseGolden lists every canned probe with arguments, the
// output of `gtrace -lv`; run with -update to rewrite the golden file.
func TestListVerboseGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := canned().List(&buf, "*", true); err != nil {
		t.Fatal(err)
	}
	const golden = "testdata/list_verbose.golden"
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); got != string(want) {
		t.Errorf("gtrace -lv output differs from %s:\n%s", golden, got)
	}
	// Every argument line is indented by four spaces, like bpftrace's.
	for line := range strings.Lines(buf.String()) {
		if strings.HasPrefix(line, " ") && !strings.HasPrefix(line, "    ") {
			t.Errorf("badly indented line %q", line)
		}
	}
}
