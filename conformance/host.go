package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// Host holds the facts about the machine and the binary under test that
// decide whether a case is skipped.
type Host struct {
	Release string // kernel release, e.g. "6.18.44-fc"
	Kernel  [3]int
	Arch    string // uname -m spelling, e.g. "x86_64"
	Root    bool

	Info    map[string]string // --info lines "key: value", keys lower-cased
	InfoErr error             // why --info could not be read
}

// unameArch maps GOARCH to the machine names that ARCH lines use.
var unameArch = map[string]string{
	"amd64": "x86_64", "arm64": "aarch64", "386": "i686", "arm": "armv7l",
	"ppc64": "ppc64", "ppc64le": "ppc64le", "s390x": "s390x", "riscv64": "riscv64",
	"loong64": "loongarch64", "mips64": "mips64", "mips64le": "mips64", "mips": "mips", "mipsle": "mips",
}

// bigEndian lists the GOARCH values with big-endian byte order.
var bigEndian = map[string]bool{"ppc64": true, "s390x": true, "mips": true, "mips64": true}

// featureKeys maps the feature names used by REQUIRES_FEATURE to --info
// keys, for names that differ from the key. Any other name is looked up as
// a key itself.
var featureKeys = map[string][]string{
	"loop":            {"loop support"},
	"dwarf":           {"libdw (dwarf support)"},
	"libdw":           {"libdw (dwarf support)"},
	"signal":          {"send_signal"},
	"iter":            {"iter:task", "iter"},
	"fentry":          {"fentry", "kfunc"},
	"kfunc":           {"kfunc", "fentry"},
	"uprobe_refcount": {"uprobe refcount (depends on build:bcc bpf_attach_uprobe refcount)", "uprobe refcount"},
	"unsafe_uprobe":   {"unsafe uprobe"},
}

// probeHost gathers the host facts; bin is asked for --info.
func probeHost(ctx context.Context, bin string) *Host {
	h := &Host{Arch: runtime.GOARCH, Root: os.Geteuid() == 0}
	if a, ok := unameArch[runtime.GOARCH]; ok {
		h.Arch = a
	}
	if rel, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		h.Release = strings.TrimSpace(string(rel))
		h.Kernel, _ = parseKernelVersion(h.Release)
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "--info").CombinedOutput()
	if err != nil {
		h.InfoErr = fmt.Errorf("%s --info: %w", bin, err)
	}
	h.Info = parseInfo(string(out))
	if err == nil && len(h.Info) == 0 {
		h.InfoErr = fmt.Errorf("%s --info printed no feature lines", bin)
	}
	return h
}

// parseInfo reads "key: value" lines; keys may themselves contain colons
// ("iter:task: no"), so the last ": " separates them.
func parseInfo(out string) map[string]string {
	info := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		i := strings.LastIndex(line, ": ")
		if i <= 0 {
			continue
		}
		info[strings.ToLower(line[:i])] = strings.TrimSpace(line[i+2:])
	}
	return info
}

// feature reports whether --info says yes to the named feature, and whether
// it mentions the feature at all.
func (h *Host) feature(name string) (yes, known bool) {
	keys := featureKeys[strings.ToLower(name)]
	if keys == nil {
		keys = []string{strings.ToLower(name)}
	}
	for _, k := range keys {
		if v, ok := h.Info[k]; ok {
			return strings.EqualFold(v, "yes"), true
		}
	}
	return false, false
}

// SkipReason returns why the case cannot run on this host, or "" if it can.
// REQUIRES commands are checked separately since they must be run.
func (h *Host) SkipReason(c *Case) string {
	if !h.Root {
		return "needs root"
	}
	if len(c.Unsupported) > 0 {
		return "this runner does not implement " + strings.Join(c.Unsupported, ", ")
	}
	for _, kv := range c.SkipIfEnv {
		k, v, _ := strings.Cut(kv, "=")
		if val, ok := os.LookupEnv(k); ok && val == v {
			return "SKIP_IF_ENV_HAS " + kv
		}
	}
	if len(c.Arch) > 0 && !h.archMatches(c.Arch) {
		return fmt.Sprintf("ARCH %s does not include %s", strings.Join(c.Arch, "|"), h.Arch)
	}
	if c.MinKernel != "" {
		v, _ := parseKernelVersion(c.MinKernel)
		if compareVersions(h.Kernel, v) < 0 {
			return fmt.Sprintf("kernel %s is older than MIN_KERNEL %s", h.Release, c.MinKernel)
		}
	}
	if c.MaxKernel != "" {
		v, _ := parseKernelVersion(c.MaxKernel)
		if compareVersions(h.Kernel, v) > 0 {
			return fmt.Sprintf("kernel %s is newer than MAX_KERNEL %s", h.Release, c.MaxKernel)
		}
	}
	for _, f := range c.RequireFeatures {
		name, negate := strings.CutPrefix(f, "!")
		yes, known := h.feature(name)
		switch {
		case !known && h.InfoErr != nil:
			return fmt.Sprintf("REQUIRES_FEATURE %s: %v", f, h.InfoErr)
		case !known:
			return fmt.Sprintf("REQUIRES_FEATURE %s: --info does not report %q", f, name)
		case negate && yes:
			return fmt.Sprintf("REQUIRES_FEATURE %s: --info reports %s: yes", f, name)
		case !negate && !yes:
			return fmt.Sprintf("REQUIRES_FEATURE %s: --info reports %s: no", f, name)
		}
	}
	return ""
}

// archMatches applies an ARCH list: plain names (or "be"/"le") allow, "!name"
// forbids; a list of only negations allows everything else.
func (h *Host) archMatches(list []string) bool {
	endian := "le"
	if bigEndian[runtime.GOARCH] {
		endian = "be"
	}
	allowed, positive := false, false
	for _, a := range list {
		name, neg := strings.CutPrefix(a, "!")
		hit := name == h.Arch || name == endian
		if neg {
			if hit {
				return false
			}
			continue
		}
		positive = true
		if hit {
			allowed = true
		}
	}
	return allowed || !positive
}
