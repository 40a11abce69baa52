package main

import (
	"strings"
	"testing"
)

func TestHostSkipReason(t *testing.T) {
	t.Setenv("GT_TEST_SKIP", "1")
	h := &Host{
		Release: "6.18.44-fc",
		Kernel:  [3]int{6, 18, 44},
		Arch:    "x86_64",
		Root:    true,
		Info: parseInfo("Kernel features\n  Loop support: yes\n  btf: yes\n  dpath: no\n" +
			"Probe types\n  kprobe: no\n  iter:task: no\n  libdw (DWARF support): yes\n"),
	}
	tests := []struct {
		name string
		c    Case
		want string // substring of the reason; "" means the case runs
	}{
		{"nothing required", Case{}, ""},
		{"feature yes", Case{RequireFeatures: []string{"btf", "loop"}}, ""},
		{"feature no", Case{RequireFeatures: []string{"dpath"}}, "dpath: no"},
		{"negated feature", Case{RequireFeatures: []string{"!kprobe"}}, ""},
		{"negated feature present", Case{RequireFeatures: []string{"!btf"}}, "btf: yes"},
		{"alias", Case{RequireFeatures: []string{"dwarf"}}, ""},
		{"key with colon", Case{RequireFeatures: []string{"iter"}}, "iter: no"},
		{"unknown feature", Case{RequireFeatures: []string{"warp"}}, "does not report"},
		{"min kernel ok", Case{MinKernel: "6.1"}, ""},
		{"min kernel too new", Case{MinKernel: "6.19"}, "older than MIN_KERNEL"},
		{"max kernel", Case{MaxKernel: "5.15"}, "newer than MAX_KERNEL"},
		{"arch list", Case{Arch: []string{"aarch64", "x86_64"}}, ""},
		{"arch other", Case{Arch: []string{"s390x"}}, "ARCH"},
		{"arch negated", Case{Arch: []string{"!x86_64"}}, "ARCH"},
		{"arch negated other", Case{Arch: []string{"!s390x"}}, ""},
		{"endianness", Case{Arch: []string{"le"}}, ""},
		{"unsupported directive", Case{Unsupported: []string{"NEW_PIDNS"}}, "does not implement NEW_PIDNS"},
		{"env matches", Case{SkipIfEnv: []string{"GT_TEST_SKIP=1"}}, "SKIP_IF_ENV_HAS GT_TEST_SKIP=1"},
		{"env differs", Case{SkipIfEnv: []string{"GT_TEST_SKIP=2"}}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := h.SkipReason(&tc.c)
			if tc.want == "" && got != "" {
				t.Errorf("skipped: %s", got)
			}
			if tc.want != "" && !strings.Contains(got, tc.want) {
				t.Errorf("reason %q, want it to mention %q", got, tc.want)
			}
		})
	}
	if got := (&Host{}).SkipReason(&Case{}); got != "needs root" {
		t.Errorf("non-root host: %q", got)
	}
}

func TestExpand(t *testing.T) {
	got := expand("{{BPFTRACE}} -p {{BEFORE_PID}} {{OTHER}}", "/opt/my tracer/bin", 42)
	want := "'/opt/my tracer/bin' -p 42 {{OTHER}}"
	if got != want {
		t.Errorf("expand = %q, want %q", got, want)
	}
	if got := expand("{{BPFTRACE}}", "/usr/bin/bpftrace", 0); got != "/usr/bin/bpftrace" {
		t.Errorf("plain path quoted: %q", got)
	}
}
