package kernel

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"

	"gtrace/lang/check"
)

// ErrNotFound is wrapped by errors about a tracepoint (or symbol) that
// does not exist.
var ErrNotFound = check.ErrNotFound

// Options tells NewWithOptions where to find kernel information. Empty
// fields mean the usual locations; tests point them at canned trees.
type Options struct {
	// Tracefs is the tracefs mount point. Empty means: look in
	// /sys/kernel/tracing, then /sys/kernel/debug/tracing, and mount
	// tracefs on /sys/kernel/tracing if neither is mounted.
	Tracefs string
	// Sys is the sysfs root, "/sys" by default.
	Sys string
	// Proc is the procfs root, "/proc" by default.
	Proc string
}

// Info answers questions about the running kernel. Create it with New;
// it does nothing until asked, caches every answer and is safe for
// concurrent use. It implements check.Kernel.
type Info struct {
	sys, proc string

	tracefs  func() (string, error)
	events   func() ([]string, error)
	uname    func() (Uname, error)
	features func() *Features
	kallsyms func() (*Kallsyms, error)

	mu      sync.Mutex
	formats map[string]*check.TracepointFormat
}

var _ check.Kernel = (*Info)(nil)

// New returns an Info for the running kernel at the usual locations.
func New() *Info {
	return NewWithOptions(Options{})
}

// NewWithOptions returns an Info that reads the locations in o.
func NewWithOptions(o Options) *Info {
	k := &Info{sys: o.Sys, proc: o.Proc, formats: map[string]*check.TracepointFormat{}}
	if k.sys == "" {
		k.sys = "/sys"
	}
	if k.proc == "" {
		k.proc = "/proc"
	}
	if o.Tracefs != "" {
		dir := o.Tracefs
		k.tracefs = func() (string, error) { return dir, nil }
	} else {
		k.tracefs = sync.OnceValues(locateTracefs)
	}
	k.events = sync.OnceValues(k.readEvents)
	k.uname = sync.OnceValues(readUname)
	k.features = sync.OnceValue(k.probeFeatures)
	k.kallsyms = sync.OnceValues(k.readKallsyms)
	return k
}

// Tracefs returns the tracefs mount point, mounting tracefs first if it
// is not mounted anywhere (as bpftrace does). Errors wrap ErrNoTracefs.
func (k *Info) Tracefs() (string, error) {
	return k.tracefs()
}

// Tracepoints lists the tracepoints whose category matches catGlob and
// whose name matches nameGlob ('*' is the only wildcard, see Match), as
// sorted "category:name" strings. No match gives an empty list and no
// error.
func (k *Info) Tracepoints(catGlob, nameGlob string) ([]string, error) {
	all, err := k.events()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, ev := range all {
		cat, name, _ := strings.Cut(ev, ":")
		if Match(catGlob, cat) && Match(nameGlob, name) {
			out = append(out, ev)
		}
	}
	return out, nil
}

// TracepointFormat returns the parsed format file of tracepoint
// category:name. A tracepoint that does not exist gives an error wrapping
// ErrNotFound. The result is the caller's to modify.
func (k *Info) TracepointFormat(category, name string) (*check.TracepointFormat, error) {
	if !validEventPart(category) || !validEventPart(name) {
		return nil, fmt.Errorf("tracepoint %s:%s: %w", category, name, ErrNotFound)
	}
	key := category + ":" + name
	k.mu.Lock()
	f, ok := k.formats[key]
	k.mu.Unlock()
	if !ok {
		dir, err := k.tracefs()
		if err != nil {
			return nil, err
		}
		path := filepath.Join(dir, "events", category, name, "format")
		data, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("tracepoint %s: %w", key, ErrNotFound)
		}
		if err != nil {
			return nil, fmt.Errorf("tracepoint %s: %w", key, err)
		}
		if f, err = ParseFormat(data); err != nil {
			return nil, fmt.Errorf("tracepoint %s: parsing %s: %w", key, path, err)
		}
		f.Category, f.Name = category, name
		k.mu.Lock()
		k.formats[key] = f
		k.mu.Unlock()
	}
	c := *f
	c.Fields = slices.Clone(f.Fields)
	return &c, nil
}

// validEventPart rejects names that would leave events/<cat>/<name>.
func validEventPart(s string) bool {
	return s != "" && s != "." && s != ".." && !strings.ContainsAny(s, "/\x00")
}

// readEvents returns every tracepoint as a sorted "category:name" list.
// Like bpftrace it reads available_events, which leaves out the ftrace
// category's internal events that BPF cannot attach to; without that file
// it walks events/ instead.
func (k *Info) readEvents() ([]string, error) {
	dir, err := k.tracefs()
	if err != nil {
		return nil, err
	}
	var out []string
	data, err := os.ReadFile(filepath.Join(dir, "available_events"))
	switch {
	case err == nil:
		for l := range strings.Lines(string(data)) {
			l = strings.TrimSpace(l)
			if cat, name, ok := strings.Cut(l, ":"); ok && cat != "" && name != "" {
				out = append(out, l)
			}
		}
	case errors.Is(err, fs.ErrNotExist):
		if out, err = walkEvents(filepath.Join(dir, "events")); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("listing tracepoints: %w", err)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

func walkEvents(dir string) ([]string, error) {
	cats, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("listing tracepoints: %w", err)
	}
	var out []string
	for _, c := range cats {
		if c.Name() == "ftrace" {
			continue
		}
		// Files such as "enable" sit next to the categories; only
		// directories holding a format file are events.
		evs, err := os.ReadDir(filepath.Join(dir, c.Name()))
		if errors.Is(err, syscall.ENOTDIR) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("listing tracepoints: %w", err)
		}
		for _, e := range evs {
			if _, err := os.Stat(filepath.Join(dir, c.Name(), e.Name(), "format")); err == nil {
				out = append(out, c.Name()+":"+e.Name())
			}
		}
	}
	return out, nil
}
