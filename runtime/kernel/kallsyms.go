package kernel

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Symbol is one kernel symbol from /proc/kallsyms.
type Symbol struct {
	Addr uint64
	// Type is the nm-style type letter, e.g. 'T' for a global function.
	Type byte
	Name string
	// Module is the owning module, "" for the kernel image.
	Module string
}

// Kallsyms is a parsed /proc/kallsyms: address to symbol and symbol to
// address lookups. It is safe for concurrent use.
type Kallsyms struct {
	syms   []Symbol // sorted by address
	byName func() map[string]int
}

// ParseKallsyms reads the /proc/kallsyms format, one
// "ADDR TYPE NAME[\t[MODULE]]" line per symbol. Symbols whose address is
// zero (as unprivileged readers see them under kptr_restrict) are left
// out.
func ParseKallsyms(r io.Reader) (*Kallsyms, error) {
	var syms []Symbol
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if strings.TrimSpace(text) == "" {
			continue
		}
		fields := strings.Fields(text)
		if len(fields) < 3 || len(fields[1]) != 1 {
			return nil, fmt.Errorf("kallsyms line %d: malformed line %q", line, text)
		}
		addr, err := strconv.ParseUint(fields[0], 16, 64)
		if err != nil {
			return nil, fmt.Errorf("kallsyms line %d: bad address %q", line, fields[0])
		}
		if addr == 0 {
			continue
		}
		s := Symbol{Addr: addr, Type: fields[1][0], Name: fields[2]}
		if len(fields) > 3 {
			s.Module = strings.TrimSuffix(strings.TrimPrefix(fields[3], "["), "]")
		}
		syms = append(syms, s)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading kallsyms: %w", err)
	}
	// Stable, so that aliases at one address keep the kernel's order and
	// the first one wins in Lookup.
	slices.SortStableFunc(syms, func(a, b Symbol) int { return cmp.Compare(a.Addr, b.Addr) })
	ks := &Kallsyms{syms: syms}
	ks.byName = sync.OnceValue(func() map[string]int {
		m := make(map[string]int, len(ks.syms))
		for i, s := range ks.syms {
			if _, dup := m[s.Name]; !dup {
				m[s.Name] = i
			}
		}
		return m
	})
	return ks, nil
}

// Len returns the number of symbols.
func (ks *Kallsyms) Len() int {
	return len(ks.syms)
}

// Lookup returns the symbol containing addr, that is the one with the
// highest address not above addr, and addr's offset from it. It reports
// false when addr lies below every symbol.
func (ks *Kallsyms) Lookup(addr uint64) (Symbol, uint64, bool) {
	i, found := slices.BinarySearchFunc(ks.syms, addr, func(s Symbol, a uint64) int { return cmp.Compare(s.Addr, a) })
	if !found {
		if i == 0 {
			return Symbol{}, 0, false
		}
		i--
	}
	// Step back to the first of several symbols sharing this address.
	for i > 0 && ks.syms[i-1].Addr == ks.syms[i].Addr {
		i--
	}
	return ks.syms[i], addr - ks.syms[i].Addr, true
}

// Address returns the address of the symbol called name (the lowest one,
// when static symbols share the name).
func (ks *Kallsyms) Address(name string) (uint64, bool) {
	i, ok := ks.byName()[name]
	if !ok {
		return 0, false
	}
	return ks.syms[i].Addr, true
}

// Kallsyms reads and parses /proc/kallsyms on first use. It fails when
// the addresses are hidden (kptr_restrict, not root).
func (k *Info) Kallsyms() (*Kallsyms, error) {
	return k.kallsyms()
}

func (k *Info) readKallsyms() (*Kallsyms, error) {
	f, err := os.Open(filepath.Join(k.proc, "kallsyms"))
	if err != nil {
		return nil, fmt.Errorf("kernel symbols: %w", err)
	}
	defer f.Close()
	ks, err := ParseKallsyms(bufio.NewReaderSize(f, 1<<16))
	if err != nil {
		return nil, err
	}
	if ks.Len() == 0 {
		return nil, fmt.Errorf("kernel symbols: every address in %s is zero (kptr_restrict hides them; run as root)", f.Name())
	}
	return ks, nil
}
