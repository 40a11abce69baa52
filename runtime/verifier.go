package runtime

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"

	"gtrace/codegen"
)

// LoadError is a program the kernel refused, explained in terms of the
// script.
type LoadError struct {
	// Probe is the probe's name, e.g. "tracepoint:syscalls:sys_enter_read".
	Probe string
	// Line is the script line ("line 3: @x = ...") of the instruction the
	// verifier stopped at, if known.
	Line string
	// Reason is the verifier's last message.
	Reason string
	// Log is the whole verifier log.
	Log []string
	Err error
}

func (e *LoadError) Error() string {
	msg := fmt.Sprintf("the kernel's BPF verifier rejected the program of probe %s", e.Probe)
	if num, text, ok := strings.Cut(strings.TrimPrefix(e.Line, "line "), ": "); ok {
		msg += fmt.Sprintf(" at script line %s (%s)", num, text)
	}
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	return msg + " (run with -v for the full verifier log)"
}

func (e *LoadError) Unwrap() error { return e.Err }

// insnRe matches a verifier log line naming an instruction: "12: (bf) ...".
var insnRe = regexp.MustCompile(`^(\d+): \(`)

// explainLoadError turns a collection load failure into a LoadError when
// the verifier rejected a program.
func explainLoadError(art *codegen.Artifact, err error) error {
	var ve *ebpf.VerifierError
	if !errors.As(err, &ve) {
		if errors.Is(err, ebpf.ErrNotSupported) {
			return fmt.Errorf("the kernel lacks a feature this script needs: %w", err)
		}
		if strings.Contains(err.Error(), "operation not permitted") {
			return fmt.Errorf("loading BPF programs needs root, or CAP_BPF with CAP_PERFMON: %w", err)
		}
		return fmt.Errorf("loading the programs: %w", err)
	}
	le := &LoadError{Log: ve.Log, Err: err}
	// cilium/ebpf names the failing program in the error text.
	for _, p := range art.Programs {
		if strings.Contains(err.Error(), "program "+p.Name+":") || strings.Contains(err.Error(), p.Name) {
			le.Probe = p.Instance.Name()
			le.Line = sourceAt(art.Spec.Programs[p.Name].Instructions, lastInsn(ve.Log))
			break
		}
	}
	for i := len(ve.Log) - 1; i >= 0; i-- {
		line := strings.TrimSpace(ve.Log[i])
		if line == "" || insnRe.MatchString(line) || stateRe.MatchString(line) || hasAnyPrefix(line, logNoise...) {
			continue
		}
		le.Reason = line
		break
	}
	return le
}

// logNoise are verifier log lines that describe state, not the reason.
var logNoise = []string{"processed ", "verification time", "stack depth", "cur state:", "old state:", "caller:", "callee:", "mark_precise", "last_idx", "regs="}

// stateRe matches register-state lines such as "0: R1=ctx() R10=fp0".
var stateRe = regexp.MustCompile(`^(\d+: )?(frame\d+: )?R\d+=`)

func hasAnyPrefix(s string, prefixes ...string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// lastInsn returns the index of the last instruction the log mentions.
func lastInsn(log []string) int {
	for i := len(log) - 1; i >= 0; i-- {
		if m := insnRe.FindStringSubmatch(strings.TrimSpace(log[i])); m != nil {
			n, _ := strconv.Atoi(m[1])
			return n
		}
	}
	return -1
}

// sourceAt finds the script line of the instruction at raw offset off:
// the source comment of the nearest instruction at or before it.
func sourceAt(insns asm.Instructions, off int) string {
	if off < 0 {
		return ""
	}
	line := ""
	iter := insns.Iterate()
	for iter.Next() {
		if int(iter.Offset) > off {
			break
		}
		if src := iter.Ins.Source(); src != nil && strings.HasPrefix(src.String(), "line ") {
			line = src.String()
		}
	}
	return line
}
