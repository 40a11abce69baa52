package kernel

import (
	"fmt"
	"strconv"
	"strings"

	"gtrace/lang/check"
)

// FormatError is a syntax error in a tracepoint format file.
type FormatError struct {
	// Line is the 1-based line number, 0 for errors about the whole file.
	Line int
	Msg  string
}

// Error formats the error as "line N: message".
func (e *FormatError) Error() string {
	if e.Line == 0 {
		return e.Msg
	}
	return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
}

// ParseFormat parses the contents of a tracepoint `format` file such as
// events/sched/sched_switch/format. The result's Name and ID come from
// the file; Category is left empty because the file does not name it.
// Fields keep file order, without the common_* header fields. Errors are
// *FormatError values.
func ParseFormat(data []byte) (*check.TracepointFormat, error) {
	var (
		f                 check.TracepointFormat
		haveName, haveID  bool
		inFormat, haveFmt bool
	)
	line := 0
scan:
	for l := range strings.Lines(string(data)) {
		line++
		text := strings.TrimSpace(l)
		switch {
		case text == "":
		case strings.HasPrefix(text, "print fmt:"):
			// The print format may span several lines; nothing after it
			// describes the record layout.
			break scan
		case inFormat:
			rest, ok := strings.CutPrefix(text, "field:")
			if !ok {
				return nil, &FormatError{line, fmt.Sprintf("expected a field, got %q", text)}
			}
			fld, err := parseField(rest)
			if err != nil {
				return nil, &FormatError{line, err.Error()}
			}
			if !strings.HasPrefix(fld.Name, "common_") {
				f.Fields = append(f.Fields, fld)
			}
		case text == "format:":
			inFormat, haveFmt = true, true
		case strings.HasPrefix(text, "name:"):
			f.Name = strings.TrimSpace(strings.TrimPrefix(text, "name:"))
			haveName = f.Name != ""
		case strings.HasPrefix(text, "ID:"):
			id, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(text, "ID:")))
			if err != nil || id < 0 {
				return nil, &FormatError{line, fmt.Sprintf("bad event ID %q", text)}
			}
			f.ID, haveID = id, true
		}
		// Other header lines are ignored so that additions in newer
		// kernels do not break parsing.
	}
	switch {
	case !haveName:
		return nil, &FormatError{0, "no name: line"}
	case !haveID:
		return nil, &FormatError{0, "no ID: line"}
	case !haveFmt:
		return nil, &FormatError{0, "no format: section"}
	}
	return &f, nil
}

// parseField parses the part of a field line after "field:", e.g.
// "char comm[16];\toffset:8;\tsize:16;\tsigned:0;".
func parseField(s string) (check.TracepointField, error) {
	var fld check.TracepointField
	parts := strings.Split(s, ";")
	if len(parts) < 2 {
		return fld, fmt.Errorf("field %q is not terminated by ';'", s)
	}
	if err := parseDecl(strings.TrimSpace(parts[0]), &fld); err != nil {
		return fld, err
	}
	var haveOffset, haveSize bool
	for _, p := range parts[1:] {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		key, val, ok := strings.Cut(p, ":")
		if !ok {
			return fld, fmt.Errorf("field %s: expected key:value, got %q", fld.Name, p)
		}
		n, err := strconv.Atoi(strings.TrimSpace(val))
		if err != nil || n < 0 {
			return fld, fmt.Errorf("field %s: bad %s value %q", fld.Name, key, val)
		}
		switch strings.TrimSpace(key) {
		case "offset":
			fld.Offset, haveOffset = n, true
		case "size":
			fld.Size, haveSize = n, true
		case "signed":
			fld.Signed = n != 0
		}
	}
	if !haveOffset {
		return fld, fmt.Errorf("field %s has no offset", fld.Name)
	}
	if !haveSize {
		return fld, fmt.Errorf("field %s has no size", fld.Name)
	}
	return fld, nil
}

const dataLocPrefix = "__data_loc "

// parseDecl splits a C declaration such as "const char * filename",
// "char comm[16]" or "__data_loc char[] name" into name and type.
func parseDecl(decl string, fld *check.TracepointField) error {
	if rest, ok := strings.CutPrefix(decl, dataLocPrefix); ok {
		name, typ, err := splitName(rest)
		if err != nil {
			return fmt.Errorf("declaration %q: %w", decl, err)
		}
		fld.Name, fld.Type, fld.DataLoc = name, dataLocPrefix+typ, true
		return nil
	}
	if strings.HasSuffix(decl, "]") {
		open := strings.LastIndexByte(decl, '[')
		if open < 0 {
			return fmt.Errorf("declaration %q: unbalanced ']'", decl)
		}
		name, typ, err := splitName(strings.TrimSpace(decl[:open]))
		if err != nil {
			return fmt.Errorf("declaration %q: %w", decl, err)
		}
		dim := strings.TrimSpace(decl[open+1 : len(decl)-1])
		// Old kernels print symbolic lengths such as [TASK_COMM_LEN];
		// those keep ArrayLen 0 and the field size still tells the extent.
		if n, err := strconv.Atoi(dim); err == nil && n >= 0 {
			fld.ArrayLen = n
		}
		fld.Name, fld.Type = name, typ+"["+dim+"]"
		return nil
	}
	name, typ, err := splitName(decl)
	if err != nil {
		return fmt.Errorf("declaration %q: %w", decl, err)
	}
	if strings.ContainsAny(typ, "[]") && !isDynamicType(typ) {
		return fmt.Errorf("declaration %q: array brackets must follow the name", decl)
	}
	fld.Name, fld.Type = name, typ
	return nil
}

// isDynamicType reports whether t is a dynamic-location type such as
// "__data_loc char[]" or "__rel_loc u8[]", whose brackets stay on the type.
func isDynamicType(t string) bool {
	word, _, _ := strings.Cut(t, " ")
	return strings.HasPrefix(word, "__") && strings.HasSuffix(word, "_loc")
}

// splitName splits "TYPE NAME" at the trailing identifier.
func splitName(s string) (name, typ string, err error) {
	i := len(s)
	for i > 0 && isIdentByte(s[i-1]) {
		i--
	}
	name, typ = s[i:], strings.TrimSpace(s[:i])
	switch {
	case name == "" || (name[0] >= '0' && name[0] <= '9'):
		return "", "", fmt.Errorf("no field name")
	case typ == "":
		return "", "", fmt.Errorf("no type before %q", name)
	}
	return name, typ, nil
}

func isIdentByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// FieldDecl renders a field as the format file writes it and as
// `bpftrace -lv` prints it: "char comm[16]", "const char * filename",
// "__data_loc char[] name".
func FieldDecl(f check.TracepointField) string {
	t := f.Type
	if !isDynamicType(t) && strings.HasSuffix(t, "]") {
		if open := strings.LastIndexByte(t, '['); open >= 0 {
			return t[:open] + " " + f.Name + t[open:]
		}
	}
	return t + " " + f.Name
}
