package check

import "errors"

// ErrNotFound is wrapped by Kernel errors for a tracepoint that does not
// exist.
var ErrNotFound = errors.New("not found")

// Kernel is what the checker needs to know about the kernel it compiles
// for. runtime/kernel implements it for the running kernel; tests use a
// fake. Every method returns an error wrapping a sentinel from this file or
// the underlying I/O error.
type Kernel interface {
	// Tracepoints lists the tracepoints whose category matches catGlob and
	// whose name matches nameGlob ('*' is the only wildcard), as
	// "category:name" strings in sorted order.
	Tracepoints(catGlob, nameGlob string) ([]string, error)
	// TracepointFormat returns the parsed format file of one tracepoint.
	TracepointFormat(category, name string) (*TracepointFormat, error)
}

// TracepointFormat is the parsed `format` file of a tracepoint.
type TracepointFormat struct {
	Category string
	Name     string
	// ID is the event id from the format file.
	ID int
	// Fields are the event's own fields in file order; the common_*
	// fields are left out.
	Fields []TracepointField
}

// TracepointField is one `field:` line of a tracepoint format file.
type TracepointField struct {
	// Name is the field name without array brackets.
	Name string
	// Type is the C type as written, without the name, e.g.
	// "const char *", "unsigned long", "char[16]" for `char comm[16]`,
	// "__data_loc char[]" for a dynamic string.
	Type   string
	Offset int
	Size   int
	Signed bool
	// DataLoc is set for __data_loc fields: a u32 holding
	// (length << 16) | offset-from-record-start.
	DataLoc bool
	// ArrayLen is the element count of a fixed array field such as
	// `char comm[16]`, else 0.
	ArrayLen int
}
