package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/cilium/ebpf"
)

// bpfProg is one BPF program held by a tracer.
type bpfProg struct {
	id     ebpf.ProgramID
	name   string
	typ    ebpf.ProgramType
	insns  int // translated (xlated) instructions, in 8-byte slots
	prog   *ebpf.Program
	before ebpf.ProgramStats
}

// special reports whether p is a BEGIN or END program, which both tracers
// run once rather than per event: bpftrace names them BEGIN and END,
// gtrace begin_N and end_N.
func (p *bpfProg) special() bool {
	switch {
	case p.name == "BEGIN" || p.name == "END":
		return true
	case strings.HasPrefix(p.name, "begin_") || strings.HasPrefix(p.name, "end_"):
		return true
	}
	return false
}

// progIDs lists the BPF programs a process holds, from the prog_id lines of
// /proc/PID/fdinfo: program fds and link fds both carry one. This finds
// exactly the tracer's programs on a machine where others load their own.
func progIDs(pid int) ([]ebpf.ProgramID, error) {
	dir := fmt.Sprintf("/proc/%d/fdinfo", pid)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("listing the tracer's fds: %w", err)
	}
	var ids []ebpf.ProgramID
	for _, e := range ents {
		f, err := os.Open(filepath.Join(dir, e.Name()))
		if err != nil {
			continue // the fd was closed meanwhile
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), "prog_id:"); ok {
				if id, err := strconv.ParseUint(strings.TrimSpace(v), 10, 32); err == nil {
					ids = append(ids, ebpf.ProgramID(id))
				}
			}
		}
		f.Close()
	}
	slices.Sort(ids)
	return slices.Compact(ids), nil
}

// openProgs opens the per-event programs of a process (BEGIN and END
// excluded) and snapshots their statistics.
func openProgs(pid int) ([]*bpfProg, error) {
	ids, err := progIDs(pid)
	if err != nil {
		return nil, err
	}
	var progs []*bpfProg
	for _, id := range ids {
		prog, err := ebpf.NewProgramFromID(id)
		if err != nil {
			closeProgs(progs)
			return nil, fmt.Errorf("opening program %d: %w", id, err)
		}
		info, err := prog.Info()
		if err != nil {
			prog.Close()
			closeProgs(progs)
			return nil, fmt.Errorf("program %d info: %w", id, err)
		}
		size, err := info.TranslatedSize()
		if err != nil {
			prog.Close()
			closeProgs(progs)
			return nil, fmt.Errorf("program %d size: %w", id, err)
		}
		p := &bpfProg{id: id, name: info.Name, typ: info.Type, insns: size / 8, prog: prog}
		if p.special() {
			prog.Close()
			continue
		}
		st, err := prog.Stats()
		if err != nil {
			closeProgs(append(progs, p))
			return nil, fmt.Errorf("program %d stats: %w", id, err)
		}
		p.before = *st
		progs = append(progs, p)
	}
	if len(progs) == 0 {
		return nil, fmt.Errorf("found no BPF program in process %d", pid)
	}
	return progs, nil
}

func closeProgs(ps []*bpfProg) {
	for _, p := range ps {
		p.prog.Close()
	}
}

// runStats sums the run time and run count of ps since openProgs.
func runStats(ps []*bpfProg) (ns, count uint64, err error) {
	for _, p := range ps {
		st, err := p.prog.Stats()
		if err != nil {
			return 0, 0, fmt.Errorf("program %d stats: %w", p.id, err)
		}
		ns += uint64(st.Runtime - p.before.Runtime)
		count += st.RunCount - p.before.RunCount
	}
	return ns, count, nil
}

// describe lists programs as "name:type:insns" for verbose output.
func describe(ps []*bpfProg) string {
	var parts []string
	for _, p := range ps {
		parts = append(parts, fmt.Sprintf("%s(%v)=%d", p.name, p.typ, p.insns))
	}
	return strings.Join(parts, " ")
}
