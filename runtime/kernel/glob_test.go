package kernel

import "testing"

func TestMatch(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"sched_switch", "sched_switch", true},
		{"sched_switch", "sched_switch2", false},
		{"", "", true},
		{"", "x", false},
		{"*", "", true},
		{"*", "anything", true},
		{"sys_enter_*", "sys_enter_openat", true},
		{"sys_enter_*", "sys_exit_openat", false},
		{"*openat", "sys_enter_openat", true},
		{"*openat", "sys_enter_openat2", false},
		{"*_enter_*", "sys_enter_openat", true},
		{"sys_*_open*", "sys_enter_openat", true},
		{"sys_*_open*", "sys_exit_open", true},
		{"a*b*c", "abc", true},
		{"a*b*c", "aXbYc", true},
		{"a*b*c", "acb", false},
		{"ab*ba", "aba", false}, // prefix and suffix must not overlap
		{"ab*ba", "abba", true},
		{"**", "x", true},
		{"a**b", "ab", true},
		{"*a*a*", "banana", true},
		{"*x*x*", "xylophone", false},
		{"?", "?", true}, // '?' and '[' are ordinary characters
		{"?", "a", false},
		{"[ab]", "a", false},
	}
	for _, tt := range tests {
		if got := Match(tt.pattern, tt.s); got != tt.want {
			t.Errorf("Match(%q, %q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
		}
	}
}

func TestHasWildcard(t *testing.T) {
	for s, want := range map[string]bool{"a": false, "": false, "*": true, "a*b": true, "a?b": false} {
		if got := HasWildcard(s); got != want {
			t.Errorf("HasWildcard(%q) = %v, want %v", s, got, want)
		}
	}
}
