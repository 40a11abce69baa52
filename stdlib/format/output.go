package format

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// Mode is an output format: bpftrace's -f text or -f json.
type Mode uint8

// The output modes.
const (
	Text Mode = iota // human-readable text, the default
	JSON             // newline-delimited JSON, one object per message
)

// MessageType names a kind of already formatted text output; in JSON mode
// it becomes the "type" field.
type MessageType string

// Message types for text produced by the program.
const (
	MsgPrintf  MessageType = "printf"  // printf()
	MsgTime    MessageType = "time"    // time()
	MsgCat     MessageType = "cat"     // cat()
	MsgSyscall MessageType = "syscall" // system()
	MsgJoin    MessageType = "join"    // join()
)

// Writer prints bpftrace's output messages in text or JSON mode. Each call
// writes whole lines with a single Write, so a Writer may share its
// io.Writer with other line-oriented output. A Writer is not safe for
// concurrent use.
type Writer struct {
	w    io.Writer
	mode Mode
	buf  []byte
}

// NewWriter returns a Writer printing to w in the given mode.
func NewWriter(w io.Writer, mode Mode) *Writer {
	return &Writer{w: w, mode: mode, buf: make([]byte, 0, 256)}
}

// Mode returns the writer's output mode.
func (o *Writer) Mode() Mode { return o.mode }

func (o *Writer) flush() error {
	if len(o.buf) == 0 {
		return nil
	}
	_, err := o.w.Write(o.buf)
	o.buf = o.buf[:0]
	if err != nil {
		return fmt.Errorf("output: %w", err)
	}
	return nil
}

// AttachedProbes prints "Attaching N probes..." (0.17 prints it on stdout).
func (o *Writer) AttachedProbes(n uint64) error {
	if o.mode == JSON {
		o.buf = append(o.buf, `{"type": "attached_probes", "data": {"probes": `...)
		o.buf = strconv.AppendUint(o.buf, n, 10)
		o.buf = append(o.buf, "}}\n"...)
		return o.flush()
	}
	o.buf = append(o.buf, "Attaching "...)
	o.buf = strconv.AppendUint(o.buf, n, 10)
	if n == 1 {
		o.buf = append(o.buf, " probe...\n"...)
	} else {
		o.buf = append(o.buf, " probes...\n"...)
	}
	return o.flush()
}

// Printf formats one printf event and prints it.
func (o *Writer) Printf(f *Format, args []Value) error {
	if o.mode == Text {
		var err error
		if o.buf, err = f.Append(o.buf[:0], args); err != nil {
			o.buf = o.buf[:0]
			return err
		}
		return o.flush()
	}
	text, err := f.Append(nil, args)
	if err != nil {
		return err
	}
	return o.Message(MsgPrintf, string(text))
}

// Message prints text the program produced (printf, time, cat, system or
// join output): as is in text mode, as {"type": t, "data": text} in JSON
// mode.
func (o *Writer) Message(t MessageType, text string) error {
	if o.mode == Text {
		o.buf = append(o.buf, text...)
		return o.flush()
	}
	o.buf = append(o.buf, `{"type": `...)
	o.buf = appendJSONString(o.buf, string(t))
	o.buf = append(o.buf, `, "data": `...)
	o.buf = appendJSONString(o.buf, text)
	o.buf = append(o.buf, "}\n"...)
	return o.flush()
}

// Value prints print(v) for a value that is not a map: its text rendering
// and a newline, or {"type": "value", "data": v} in JSON mode.
func (o *Writer) Value(v Value) error {
	if o.mode == Text {
		o.buf = appendText(o.buf, v, false)
		o.buf = append(o.buf, '\n')
		return o.flush()
	}
	o.buf = append(o.buf, `{"type": "value", "data": `...)
	o.buf = AppendJSON(o.buf, v)
	o.buf = append(o.buf, "}\n"...)
	return o.flush()
}

// Map prints print(@m, top, div): top > 0 keeps only the last top entries
// after sorting, div > 1 divides every value. Use 0 for both to print the
// whole map as bpftrace does at exit.
//
// Text mode follows 0.17: entries are sorted by value (count, sum, min,
// max, integer maps), by average (avg, stats), by total count (hist,
// lhist) or else by key; histograms and avg and stats maps are followed by
// an empty line, and an empty map prints one empty line. JSON mode prints
// one line per map and nothing for an empty map.
func (o *Writer) Map(m *Map, top, div uint64) error {
	var err error
	if o.mode == JSON {
		o.buf, err = appendMapJSON(o.buf[:0], m, top, div)
	} else {
		o.buf, err = appendMapText(o.buf[:0], m, top, div)
	}
	if err != nil {
		o.buf = o.buf[:0]
		return err
	}
	return o.flush()
}

// Maps prints maps as bpftrace does when the program ends: whole, in name
// order. It does not print the two newlines of [Writer.End] that come
// before them.
func (o *Writer) Maps(maps []*Map) error {
	sorted := slices.Clone(maps)
	slices.SortStableFunc(sorted, func(a, b *Map) int { return strings.Compare(a.Name, b.Name) })
	for _, m := range sorted {
		if err := o.Map(m, 0, 0); err != nil {
			return err
		}
	}
	return nil
}

// End prints the two newlines bpftrace writes when the program stops,
// before the maps; it does so in JSON mode too.
func (o *Writer) End() error {
	o.buf = append(o.buf, "\n\n"...)
	return o.flush()
}

// LostEvents reports events dropped by the kernel: "Lost N events", or
// {"type": "lost_events", "data": {"events": N}} in JSON mode.
func (o *Writer) LostEvents(n uint64) error {
	if o.mode == JSON {
		o.buf = append(o.buf, `{"type": "lost_events", "data": {"events": `...)
		o.buf = strconv.AppendUint(o.buf, n, 10)
		o.buf = append(o.buf, "}}\n"...)
		return o.flush()
	}
	o.buf = append(o.buf, "Lost "...)
	o.buf = strconv.AppendUint(o.buf, n, 10)
	o.buf = append(o.buf, " events\n"...)
	return o.flush()
}

// HelperError prints the JSON-mode report of a failed BPF helper call
// (-k): {"type": "helper_error", "helper": name, "retcode": rc, "line": l,
// "col": c}. In text mode bpftrace reports it as a positioned warning on
// stderr instead, so this prints nothing.
func (o *Writer) HelperError(helper string, retcode int64, line, col int) error {
	if o.mode != JSON {
		return nil
	}
	o.buf = append(o.buf, `{"type": "helper_error", "helper": `...)
	o.buf = appendJSONString(o.buf, helper)
	o.buf = append(o.buf, `, "retcode": `...)
	o.buf = strconv.AppendInt(o.buf, retcode, 10)
	o.buf = append(o.buf, `, "line": `...)
	o.buf = strconv.AppendInt(o.buf, int64(line), 10)
	o.buf = append(o.buf, `, "col": `...)
	o.buf = strconv.AppendInt(o.buf, int64(col), 10)
	o.buf = append(o.buf, "}\n"...)
	return o.flush()
}
