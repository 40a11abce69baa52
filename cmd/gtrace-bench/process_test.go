package main

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
	"time"
)

func TestLineSink(t *testing.T) {
	tests := []struct {
		name   string
		chunks []string
		want   []string
	}{
		{"whole lines", []string{"a\nb\n"}, []string{"a", "b"}},
		{"split line", []string{"ab", "c\nd", "e\n"}, []string{"abc", "de"}},
		{"empty lines", []string{"\n\nx\n"}, []string{"", "", "x"}},
		{"unterminated tail", []string{"x\ny"}, []string{"x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			s := &lineSink{onLine: func(l []byte, _ time.Time) { got = append(got, string(l)) }}
			for _, c := range tt.chunks {
				if n, err := s.Write([]byte(c)); n != len(c) || err != nil {
					t.Fatalf("Write(%q) = %d, %v", c, n, err)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("lines %q, want %q", got, tt.want)
			}
		})
	}
}

// newTestSession is a session with no process, for feeding lines.
func newTestSession(prefix string) *session {
	return &session{name: "gtrace", prefix: []byte(prefix), ready: make(chan struct{}), first: make(chan time.Time, 1), exited: make(chan struct{})}
}

func TestSessionLines(t *testing.T) {
	s := newTestSession("ev ")
	t0 := time.Unix(100, 0)
	out := &lineSink{onLine: s.stdoutLine}
	errs := &lineSink{onLine: s.stderrLine}
	fmt.Fprint(out, "Attaching 1 probe...\nev 1 2\nev 3 4\nLost 7 events\nevent 5\n")
	fmt.Fprint(errs, "ERROR: couldn't set RLIMIT_MEMLOCK for bpftrace\n__BPFTRACE_NOTIFY_PROBES_ATTACHED\nLost 3 events\nWARNING: x\n")
	s.stdoutLine([]byte("ev 9"), t0)
	if got := s.events.Load(); got != 3 {
		t.Errorf("events = %d, want 3", got)
	}
	if got := s.lost.Load(); got != 10 {
		t.Errorf("lost = %d, want 10 (stdout and stderr)", got)
	}
	select {
	case <-s.ready:
	default:
		t.Error("the handshake on stderr did not mark the session ready")
	}
	if at := <-s.first; at.Equal(t0) {
		t.Error("first event time is the third line's, not the first's")
	}
	if got, want := s.stderr(), "Lost 3 events\nWARNING: x"; got != want {
		t.Errorf("stderr = %q, want %q", got, want)
	}
}

func TestSessionReadyOnStdout(t *testing.T) {
	s := newTestSession("")
	s.stdoutLine([]byte(notifyLine), time.Now())
	s.stdoutLine([]byte(notifyLine), time.Now()) // a repeat must not panic on close
	select {
	case <-s.ready:
	default:
		t.Fatal("not ready")
	}
	if s.events.Load() != 0 {
		t.Error("an empty prefix counted events")
	}
}

func BenchmarkLineSink(b *testing.B) {
	s := newTestSession("ev ")
	sink := &lineSink{onLine: s.stdoutLine}
	var buf bytes.Buffer
	for i := range 1000 {
		fmt.Fprintf(&buf, "ev %d %d\n", 4000+i, 123456789000+i)
	}
	chunk := buf.Bytes()
	b.SetBytes(int64(len(chunk)))
	for b.Loop() {
		sink.Write(chunk)
	}
	if s.events.Load() == 0 {
		b.Fatal("no events counted")
	}
}
