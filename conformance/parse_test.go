package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeSuite writes a suite file (and any extra files) into a fresh
// directory and returns the suite's path.
func writeSuite(t *testing.T, name, text string, extra map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for p, body := range extra {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func parseText(t *testing.T, text string, extra map[string]string) ([]*Case, error) {
	t.Helper()
	path := writeSuite(t, "suite", text, extra)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return ParseSuite(path, f)
}

func TestParseSuite(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		extra map[string]string
		check func(t *testing.T, cs []*Case)
	}{
		{
			name: "single case",
			text: "NAME a\nPROG BEGIN { exit(); }\nEXPECT hi\nTIMEOUT 2\n",
			check: func(t *testing.T, cs []*Case) {
				c := cs[0]
				if c.Name != "a" || c.Prog != "BEGIN { exit(); }" || c.Suite != "suite" || c.ID() != "suite.a" {
					t.Errorf("got %+v", c)
				}
				if c.Timeout != 2*time.Second || len(c.Expects) != 1 || c.Expects[0].Kind != ExpectText || c.Expects[0].Value != "hi" {
					t.Errorf("got timeout %v expects %+v", c.Timeout, c.Expects)
				}
			},
		},
		{
			name: "cases separated by blank lines, comments ignored anywhere",
			text: "# header\nNAME a\n# inside\nRUN echo a\nEXPECT a\n\n\n# between\nNAME b\nRUN echo b\nEXPECT b",
			check: func(t *testing.T, cs []*Case) {
				if len(cs) != 2 || cs[0].Name != "a" || cs[1].Name != "b" || cs[1].Run != "echo b" {
					t.Fatalf("got %d cases: %+v", len(cs), cs)
				}
				if cs[1].Line != 9 {
					t.Errorf("case b starts at line %d, want 9", cs[1].Line)
				}
			},
		},
		{
			name: "multi-line PROG and EXPECT by indentation",
			text: "NAME m\nPROG BEGIN {\n       printf(\"x\\n\");\n         exit();\n     }\nEXPECT line one\n         line two\n",
			check: func(t *testing.T, cs []*Case) {
				// PROG is 4 characters: 5 columns of indentation are removed.
				want := "BEGIN {\n  printf(\"x\\n\");\n    exit();\n}"
				if cs[0].Prog != want {
					t.Errorf("PROG = %q, want %q", cs[0].Prog, want)
				}
				// EXPECT is 6 characters: 7 columns of indentation are removed.
				if got := cs[0].Expects[0].Value; got != "line one\n  line two" {
					t.Errorf("EXPECT = %q", got)
				}
			},
		},
		{
			name: "a whitespace-only line continues the value",
			text: "NAME w\nRUN echo\nEXPECT a\n       \n       b\n",
			check: func(t *testing.T, cs []*Case) {
				if got := cs[0].Expects[0].Value; got != "a\n\nb" {
					t.Errorf("EXPECT = %q", got)
				}
			},
		},
		{
			name: "every directive",
			text: strings.Join([]string{
				"NAME all",
				"RUN {{BPFTRACE}} -e 'BEGIN { exit(); }'",
				"EXPECT x",
				"EXPECT_NONE y",
				"EXPECT_REGEX ^z+$",
				"EXPECT_REGEX_NONE ^w",
				"TIMEOUT 1.5",
				"BEFORE sleep 10",
				"BEFORE ./prog",
				"AFTER echo after",
				"SETUP touch f",
				"CLEANUP rm -f f",
				"REQUIRES true",
				"REQUIRES_FEATURE btf !kfunc",
				"MIN_KERNEL 5.4",
				"MAX_KERNEL 7.0",
				"ARCH x86_64|aarch64",
				"ENV A=1 B=2",
				"ENV C=3",
				"RETURN_CODE 3",
				"SERIAL",
				"NODIFF prints pids",
				"SKIP_IF_ENV_HAS CI=true",
				"NEW_PIDNS",
			}, "\n"),
			check: func(t *testing.T, cs []*Case) {
				c := cs[0]
				if len(c.Expects) != 4 || c.Expects[2].Re == nil || !c.Expects[2].Re.MatchString("a\nzz\n") {
					t.Errorf("expects %+v", c.Expects)
				}
				if c.Timeout != 1500*time.Millisecond || len(c.Befores) != 2 || c.After != "echo after" {
					t.Errorf("timeout %v befores %v after %q", c.Timeout, c.Befores, c.After)
				}
				if strings.Join(c.RequireFeatures, ",") != "btf,!kfunc" || strings.Join(c.Arch, ",") != "x86_64,aarch64" {
					t.Errorf("features %v arch %v", c.RequireFeatures, c.Arch)
				}
				if strings.Join(c.Env, ",") != "A=1,B=2,C=3" || c.ReturnCode == nil || *c.ReturnCode != 3 {
					t.Errorf("env %v rc %v", c.Env, c.ReturnCode)
				}
				if strings.Join(c.SkipIfEnv, ",") != "CI=true" || strings.Join(c.Unsupported, ",") != "NEW_PIDNS" {
					t.Errorf("skip-if-env %v unsupported %v", c.SkipIfEnv, c.Unsupported)
				}
				if !c.Serial || c.NoDiff != "prints pids" || c.MinKernel != "5.4" || c.MaxKernel != "7.0" {
					t.Errorf("serial %v nodiff %q kernels %q %q", c.Serial, c.NoDiff, c.MinKernel, c.MaxKernel)
				}
			},
		},
		{
			name:  "EXPECT_FILE resolved against the suite directory",
			text:  "NAME f\nPROG BEGIN { exit(); }\nEXPECT_FILE outputs/f.txt\n",
			extra: map[string]string{"outputs/f.txt": "x\n"},
			check: func(t *testing.T, cs []*Case) {
				e, ok := cs[0].WholeOutput()
				if !ok || e.Kind != ExpectFile || filepath.Base(filepath.Dir(e.Path)) != "outputs" {
					t.Errorf("whole output expectation %+v %v", e, ok)
				}
			},
		},
		{
			name: "tab after the directive",
			text: "NAME\tt\nRUN\techo  two  spaces\nEXPECT two  spaces\n",
			check: func(t *testing.T, cs []*Case) {
				if cs[0].Name != "t" || cs[0].Run != "echo  two  spaces" || cs[0].Expects[0].Value != "two  spaces" {
					t.Errorf("got %+v", cs[0])
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cs, err := parseText(t, tc.text, tc.extra)
			if err != nil {
				t.Fatal(err)
			}
			if len(cs) == 0 {
				t.Fatal("no cases")
			}
			tc.check(t, cs)
		})
	}
}

func TestParseSuiteErrors(t *testing.T) {
	tests := []struct {
		name string
		text string
		want string // substring of the error
	}{
		{"no name", "PROG x\nEXPECT y\n", "case without NAME"},
		{"no prog or run", "NAME a\nEXPECT y\n", "exactly one of PROG and RUN"},
		{"both prog and run", "NAME a\nPROG x\nRUN y\nEXPECT z\n", "exactly one of PROG and RUN"},
		{"no expectation", "NAME a\nPROG x\n", "has no expectation"},
		{"unknown directive", "NAME a\nPROG x\nEXPECT y\nFOO bar\n", `unknown directive "FOO"`},
		{"duplicate name", "NAME a\nPROG x\nEXPECT y\n\nNAME a\nPROG x\nEXPECT y\n", `duplicate case name "a"`},
		{"bad regex", "NAME a\nPROG x\nEXPECT_REGEX (\n", "EXPECT_REGEX"},
		{"bad timeout", "NAME a\nPROG x\nEXPECT y\nTIMEOUT soon\n", "TIMEOUT"},
		{"missing golden", "NAME a\nPROG x\nEXPECT_FILE nope.txt\n", "EXPECT_FILE"},
		{"file with other expects", "NAME a\nPROG x\nEXPECT_FILE g\nEXPECT y\n", "must be the only expectation"},
		{"continuation first", "  NAME a\n", "continuation line without a directive"},
		{"continued NAME", "NAME a\n     b\nPROG x\nEXPECT y\n", "does not take continuation lines"},
		{"repeated PROG", "NAME a\nPROG x\nPROG y\nEXPECT z\n", "PROG given twice"},
		{"bad env", "NAME a\nPROG x\nEXPECT y\nENV novalue\n", "KEY=VALUE"},
		{"bad kernel", "NAME a\nPROG x\nEXPECT y\nMIN_KERNEL new\n", "MIN_KERNEL"},
		{"bad return code", "NAME a\nPROG x\nEXPECT y\nRETURN_CODE -1\n", "RETURN_CODE"},
		{"name with space", "NAME a b\nPROG x\nEXPECT y\n", "contains whitespace"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseText(t, tc.text, map[string]string{"g": "x"})
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
		})
	}
}

func TestLoadSuitesNaming(t *testing.T) {
	path := writeSuite(t, "basic", "NAME a\nPROG x\nEXPECT y\n", map[string]string{
		"README.md":       "not a suite",
		".hidden":         "not a suite",
		"outputs/nested":  "not a suite",
		"other":           "NAME b\nRUN true\nEXPECT z\n",
		"broken.template": "garbage",
	})
	cs, err := LoadSuites(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range cs {
		ids = append(ids, c.ID())
	}
	if got := strings.Join(ids, " "); got != "basic.a other.b" {
		t.Errorf("loaded %q, want %q", got, "basic.a other.b")
	}
}

func TestKernelVersions(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"6.18.44-fc-v1294", "6.18", 1},
		{"6.1", "6.1.0", 0},
		{"5.15", "6.1", -1},
		{"6.10", "6.9", 1},
	}
	for _, tc := range tests {
		a, err := parseKernelVersion(tc.a)
		if err != nil {
			t.Fatal(err)
		}
		b, err := parseKernelVersion(tc.b)
		if err != nil {
			t.Fatal(err)
		}
		if got := compareVersions(a, b); got != tc.want {
			t.Errorf("compare(%s, %s) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}
