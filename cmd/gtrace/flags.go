package main

import (
	"fmt"
	"strconv"
	"strings"
)

// config is the parsed command line.
type config struct {
	program     string // -e text
	file        string // script file, "-" for stdin
	params      []string
	list        bool
	listPattern string
	verbose     bool
	debug       int
	dryRun      bool
	format      string
	output      string
	pid         int
	command     string
	quiet       bool
	unsafe      bool
	info        bool
	version     bool
	help        bool
	noWarnings  bool
}

// usageText mirrors bpftrace's help.
const usageText = `USAGE:
    gtrace [options] filename
    gtrace [options] - <stdin input>
    gtrace [options] -e 'program'

OPTIONS:
    -B MODE        output buffering mode ('full', 'line', 'none'; accepted, always line)
    -d             debug info dry run: print the AST, the checked program and the BPF listing
    -e 'program'   execute this program
    -f FORMAT      output format ('text', 'json')
    -h, --help     show this help message
    -I DIR         add the directory to the include search path (ignored: BTF serves types)
    --include FILE add an #include file before execution (ignored)
    -l [search]    list probes
    -o file        redirect trace output to file
    -p PID         enable probes only for this PID; exit when it exits
    -c 'CMD'       run CMD and enable the cpid builtin; exit when it exits
    -q             keep messages quiet
    -v             verbose messages (verifier log)
    --info         print information about kernel BPF support
    --dry-run      parse, check and compile the program, then exit
    --unsafe       allow unsafe builtin functions (system)
    --no-warnings  disable warnings
    -V, --version  gtrace version

ENVIRONMENT:
    BPFTRACE_STRLEN           [default: 64] bytes on BPF stack per str()
    BPFTRACE_MAP_KEYS_MAX     [default: 4096] max keys in a map
    BPFTRACE_MAX_STRLEN       same as BPFTRACE_STRLEN

EXAMPLES:
gtrace -l '*sleep*'
    list probes containing "sleep"
gtrace -e 'tracepoint:syscalls:sys_enter_nanosleep { printf("%s %d\n", comm, pid); }'
    trace processes calling sleep
gtrace -e 'tracepoint:raw_syscalls:sys_enter { @[comm] = count(); }'
    count syscalls by process name
`

// usageError is a command-line mistake.
type usageError string

func (e usageError) Error() string { return string(e) }

// parseArgs parses bpftrace-style options: short flags may be combined
// (-lv, -dd), options taking a value accept it attached (-p123) or as the
// next argument, and the first non-option argument is the script (unless
// -e was given); the rest are positional parameters.
func parseArgs(args []string) (*config, error) {
	c := &config{format: "text"}
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			rest = append(rest, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			rest = append(rest, a)
			continue
		}
		if strings.HasPrefix(a, "--") {
			name, val, hasVal := strings.Cut(a[2:], "=")
			next := func() (string, error) {
				if hasVal {
					return val, nil
				}
				if i+1 >= len(args) {
					return "", usageError("option --" + name + " requires an argument")
				}
				i++
				return args[i], nil
			}
			switch name {
			case "help":
				c.help = true
			case "version":
				c.version = true
			case "info":
				c.info = true
			case "unsafe":
				c.unsafe = true
			case "dry-run":
				c.dryRun = true
			case "no-warnings":
				c.noWarnings = true
			case "verify-llvm-ir", "usdt-file-activation", "no-feature":
				// Accepted for compatibility with bpftrace and its test
				// harness; meaningless without LLVM.
			case "include":
				if _, err := next(); err != nil {
					return nil, err
				}
			default:
				return nil, usageError("unrecognized option '--" + name + "'")
			}
			continue
		}
		for j := 1; j < len(a); j++ {
			opt := a[j]
			takesValue := strings.IndexByte("eofpcBI", opt) >= 0
			var val string
			if takesValue {
				if j+1 < len(a) {
					val = a[j+1:]
				} else if i+1 < len(args) {
					i++
					val = args[i]
				} else {
					return nil, usageError(fmt.Sprintf("option requires an argument -- '%c'", opt))
				}
				j = len(a)
			}
			switch opt {
			case 'e':
				c.program = val
			case 'o':
				c.output = val
			case 'f':
				if val != "text" && val != "json" {
					return nil, usageError("Invalid output format \"" + val + "\"\nValid formats: 'text', 'json'")
				}
				c.format = val
			case 'p':
				pid, err := strconv.Atoi(val)
				if err != nil || pid <= 0 {
					return nil, usageError("pid '" + val + "' is not a valid decimal number")
				}
				c.pid = pid
			case 'c':
				c.command = val
			case 'B', 'I':
				// Buffering is always by line; includes are unneeded.
			case 'l':
				c.list = true
			case 'v':
				c.verbose = true
			case 'd':
				c.debug++
			case 'q':
				c.quiet = true
			case 'k':
			case 'h':
				c.help = true
			case 'V':
				c.version = true
			default:
				return nil, usageError(fmt.Sprintf("invalid option -- '%c'", opt))
			}
		}
	}
	switch {
	case c.list:
		if c.program == "" && len(rest) > 0 {
			c.listPattern = rest[0]
			rest = rest[1:]
		}
	case c.program == "" && len(rest) > 0:
		c.file = rest[0]
		rest = rest[1:]
	}
	c.params = rest
	return c, nil
}
