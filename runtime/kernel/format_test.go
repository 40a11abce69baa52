package kernel

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"gtrace/lang/check"
)

func TestParseFormat(t *testing.T) {
	type F = check.TracepointField
	tests := []struct {
		file string
		want check.TracepointFormat
	}{
		{"syscalls/sys_enter_openat", check.TracepointFormat{Name: "sys_enter_openat", ID: 782, Fields: []F{
			{Name: "__syscall_nr", Type: "int", Offset: 8, Size: 4, Signed: true},
			{Name: "dfd", Type: "int", Offset: 16, Size: 8},
			{Name: "filename", Type: "const char *", Offset: 24, Size: 8},
			{Name: "flags", Type: "int", Offset: 32, Size: 8},
			{Name: "mode", Type: "umode_t", Offset: 40, Size: 8},
		}}},
		{"sched/sched_switch", check.TracepointFormat{Name: "sched_switch", ID: 372, Fields: []F{
			{Name: "prev_comm", Type: "char[16]", Offset: 8, Size: 16, ArrayLen: 16},
			{Name: "prev_pid", Type: "pid_t", Offset: 24, Size: 4, Signed: true},
			{Name: "prev_prio", Type: "int", Offset: 28, Size: 4, Signed: true},
			{Name: "prev_state", Type: "long", Offset: 32, Size: 8, Signed: true},
			{Name: "next_comm", Type: "char[16]", Offset: 40, Size: 16, ArrayLen: 16},
			{Name: "next_pid", Type: "pid_t", Offset: 56, Size: 4, Signed: true},
			{Name: "next_prio", Type: "int", Offset: 60, Size: 4, Signed: true},
		}}},
		{"sched/sched_process_exec", check.TracepointFormat{Name: "sched_process_exec", ID: 365, Fields: []F{
			{Name: "filename", Type: "__data_loc char[]", Offset: 8, Size: 4, DataLoc: true},
			{Name: "pid", Type: "pid_t", Offset: 12, Size: 4, Signed: true},
			{Name: "old_pid", Type: "pid_t", Offset: 16, Size: 4, Signed: true},
		}}},
		{"block/block_rq_issue", check.TracepointFormat{Name: "block_rq_issue", ID: 2104, Fields: []F{
			{Name: "dev", Type: "dev_t", Offset: 8, Size: 4},
			{Name: "sector", Type: "sector_t", Offset: 16, Size: 8},
			{Name: "nr_sector", Type: "unsigned int", Offset: 24, Size: 4},
			{Name: "bytes", Type: "unsigned int", Offset: 28, Size: 4},
			{Name: "ioprio", Type: "unsigned short", Offset: 32, Size: 2},
			{Name: "rwbs", Type: "char[10]", Offset: 34, Size: 10, ArrayLen: 10},
			{Name: "comm", Type: "char[16]", Offset: 44, Size: 16, ArrayLen: 16},
			{Name: "cmd", Type: "__data_loc char[]", Offset: 60, Size: 4, DataLoc: true},
		}}},
		{"net/netif_receive_skb", check.TracepointFormat{Name: "netif_receive_skb", ID: 2303, Fields: []F{
			{Name: "skbaddr", Type: "void *", Offset: 8, Size: 8},
			{Name: "len", Type: "unsigned int", Offset: 16, Size: 4},
			{Name: "name", Type: "__data_loc char[]", Offset: 20, Size: 4, DataLoc: true},
		}}},
		{"ipi/ipi_send_cpumask", check.TracepointFormat{Name: "ipi_send_cpumask", ID: 353, Fields: []F{
			{Name: "cpumask", Type: "__data_loc cpumask_t", Offset: 8, Size: 4, DataLoc: true},
			{Name: "callsite", Type: "void *", Offset: 16, Size: 8},
			{Name: "callback", Type: "void *", Offset: 24, Size: 8},
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata/tracefs/events", tt.file, "format"))
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParseFormat(data)
			if err != nil {
				t.Fatalf("ParseFormat: %v", err)
			}
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("ParseFormat =\n%+v\nwant\n%+v", *got, tt.want)
			}
		})
	}
}

func TestParseFormatEdgeCases(t *testing.T) {
	const header = "name: ev\nID: 7\nformat:\n"
	tests := []struct {
		name, body string
		want       []check.TracepointField
	}{
		{"flexible array", "\tfield:char buf[];\toffset:16;\tsize:0;\tsigned:0;\n",
			[]check.TracepointField{{Name: "buf", Type: "char[]", Offset: 16}}},
		{"symbolic array length", "\tfield:char comm[TASK_COMM_LEN];\toffset:8;\tsize:16;\tsigned:0;\n",
			[]check.TracepointField{{Name: "comm", Type: "char[TASK_COMM_LEN]", Offset: 8, Size: 16}}},
		{"const pointer", "\tfield:const struct landlock_ruleset_attr *const attr;\toffset:16;\tsize:8;\tsigned:0;\n",
			[]check.TracepointField{{Name: "attr", Type: "const struct landlock_ruleset_attr *const", Offset: 16, Size: 8}}},
		{"rel_loc is not data_loc", "\tfield:__rel_loc char[] msg;\toffset:8;\tsize:4;\tsigned:0;\n",
			[]check.TracepointField{{Name: "msg", Type: "__rel_loc char[]", Offset: 8, Size: 4}}},
		{"no signed key (old kernels)", "\tfield:int x;\toffset:8;\tsize:4;\n",
			[]check.TracepointField{{Name: "x", Type: "int", Offset: 8, Size: 4}}},
		{"unknown keys ignored", "\tfield:int x;\toffset:8;\tsize:4;\tsigned:1;\tfuture:3;\n",
			[]check.TracepointField{{Name: "x", Type: "int", Offset: 8, Size: 4, Signed: true}}},
		{"multi-line print fmt", "\tfield:int x;\toffset:8;\tsize:4;\tsigned:1;\n\nprint fmt: \"a\n%s\", REC->x\nfield:garbage\n",
			[]check.TracepointField{{Name: "x", Type: "int", Offset: 8, Size: 4, Signed: true}}},
		{"only common fields", "\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseFormat([]byte(header + tt.body))
			if err != nil {
				t.Fatalf("ParseFormat: %v", err)
			}
			if got.Name != "ev" || got.ID != 7 || !reflect.DeepEqual(got.Fields, tt.want) {
				t.Errorf("ParseFormat = %+v, want name ev, ID 7, fields %+v", *got, tt.want)
			}
		})
	}
}

func TestParseFormatErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", "no name: line"},
		{"no ID", "name: x\nformat:\n", "no ID: line"},
		{"no format section", "name: x\nID: 1\n", "no format: section"},
		{"bad ID", "name: x\nID: one\nformat:\n", `line 2: bad event ID "ID: one"`},
		{"negative ID", "name: x\nID: -1\nformat:\n", `line 2: bad event ID "ID: -1"`},
		{"not a field", "name: x\nID: 1\nformat:\n\tbogus\n", `line 4: expected a field, got "bogus"`},
		{"unterminated", "name: x\nID: 1\nformat:\n\tfield:int x\n", `line 4: field "int x" is not terminated by ';'`},
		{"type only", "name: x\nID: 1\nformat:\n\tfield:int;\toffset:0;\tsize:4;\n", `line 4: declaration "int": no type before "int"`},
		{"no name", "name: x\nID: 1\nformat:\n\tfield:int *;\toffset:0;\tsize:4;\n", `line 4: declaration "int *": no field name`},
		{"no type", "name: x\nID: 1\nformat:\n\tfield:x;\toffset:0;\tsize:4;\n", `line 4: declaration "x": no type before "x"`},
		{"unbalanced", "name: x\nID: 1\nformat:\n\tfield:int x];\toffset:0;\tsize:4;\n", `line 4: declaration "int x]": unbalanced ']'`},
		{"brackets on the type", "name: x\nID: 1\nformat:\n\tfield:char[] x;\toffset:0;\tsize:4;\n", `line 4: declaration "char[] x": array brackets must follow the name`},
		{"no offset", "name: x\nID: 1\nformat:\n\tfield:int x;\tsize:4;\n", "line 4: field x has no offset"},
		{"no size", "name: x\nID: 1\nformat:\n\tfield:int x;\toffset:4;\n", "line 4: field x has no size"},
		{"bad size", "name: x\nID: 1\nformat:\n\tfield:int x;\toffset:4;\tsize:big;\n", `line 4: field x: bad size value "big"`},
		{"negative offset", "name: x\nID: 1\nformat:\n\tfield:int x;\toffset:-4;\tsize:4;\n", `line 4: field x: bad offset value "-4"`},
		{"no colon", "name: x\nID: 1\nformat:\n\tfield:int x;\toffset 4;\tsize:4;\n", `line 4: field x: expected key:value, got "offset 4"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseFormat([]byte(tt.in))
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("ParseFormat error = %v, want a *FormatError", err)
			}
			if err.Error() != tt.want {
				t.Errorf("ParseFormat error = %q, want %q", err, tt.want)
			}
		})
	}
}

func TestFieldDecl(t *testing.T) {
	tests := []struct {
		f    check.TracepointField
		want string
	}{
		{check.TracepointField{Name: "comm", Type: "char[16]", ArrayLen: 16}, "char comm[16]"},
		{check.TracepointField{Name: "daddr", Type: "__u8[4]", ArrayLen: 4}, "__u8 daddr[4]"},
		{check.TracepointField{Name: "buf", Type: "char[]"}, "char buf[]"},
		{check.TracepointField{Name: "filename", Type: "const char *"}, "const char * filename"},
		{check.TracepointField{Name: "name", Type: "__data_loc char[]", DataLoc: true}, "__data_loc char[] name"},
		{check.TracepointField{Name: "msg", Type: "__rel_loc char[]"}, "__rel_loc char[] msg"},
		{check.TracepointField{Name: "pid", Type: "pid_t"}, "pid_t pid"},
	}
	for _, tt := range tests {
		if got := FieldDecl(tt.f); got != tt.want {
			t.Errorf("FieldDecl(%+v) = %q, want %q", tt.f, got, tt.want)
		}
	}
}

// FuzzParseFormat checks that ParseFormat never panics, that it returns
// either a result or a *FormatError, and that every field it returns
// renders back to a declaration that parses to the same field.
func FuzzParseFormat(f *testing.F) {
	files, _ := filepath.Glob("testdata/tracefs/events/*/*/format")
	for _, name := range files {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("name: x\nID: 1\nformat:\n\tfield:char a[];\toffset:0;\tsize:0;\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := ParseFormat(data)
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is not a *FormatError", err)
			}
			return
		}
		for _, fld := range got.Fields {
			if strings.HasPrefix(fld.Name, "common_") {
				t.Errorf("common field %q kept", fld.Name)
			}
			var back check.TracepointField
			if err := parseDecl(FieldDecl(fld), &back); err != nil {
				t.Fatalf("FieldDecl(%+v) = %q does not parse: %v", fld, FieldDecl(fld), err)
			}
			if back.Name != fld.Name || back.Type != fld.Type || back.DataLoc != fld.DataLoc || back.ArrayLen != fld.ArrayLen {
				t.Errorf("round trip of %+v gave %+v", fld, back)
			}
		}
	})
}
