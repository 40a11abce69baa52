package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestExpectCheck(t *testing.T) {
	dir := t.TempDir()
	golden := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	hist := golden("hist.txt", "@h: \n[1]    1 |@@|\n")
	ndjson := golden("out.ndjson", "{\"type\": \"map\", \"data\": {\"@a\": 1}}\n\n{\"data\": {\"@b\": [1,\"x\"]}, \"type\": \"map\"}\n")
	single := golden("one.json", "{\"a\": [1, 2.0, 18446744073709551615]}")
	re := func(p string) *regexp.Regexp { return regexp.MustCompile("(?m)" + p) }

	const out = "Attaching 1 probe...\n  hello world  \nsecond\nthird\n\n\n@x: 1\n"
	tests := []struct {
		name   string
		e      Expect
		output string
		ok     bool
	}{
		{"text whole line", Expect{Kind: ExpectText, Value: "hello world"}, out, true},
		{"text surrounding blanks ignored", Expect{Kind: ExpectText, Value: "  second "}, out, true},
		{"text partial line is not a match", Expect{Kind: ExpectText, Value: "hello"}, out, false},
		{"text inner spaces matter", Expect{Kind: ExpectText, Value: "hello  world"}, out, false},
		{"multi-line consecutive", Expect{Kind: ExpectText, Value: "second\nthird"}, out, true},
		{"multi-line with empty lines", Expect{Kind: ExpectText, Value: "third\n\n\n@x: 1"}, out, true},
		{"multi-line not consecutive", Expect{Kind: ExpectText, Value: "hello world\nthird"}, out, false},
		{"multi-line wrong order", Expect{Kind: ExpectText, Value: "third\nsecond"}, out, false},
		{"none absent", Expect{Kind: ExpectTextNone, Value: "fourth"}, out, true},
		{"none present", Expect{Kind: ExpectTextNone, Value: "second"}, out, false},
		{"regex multiline anchors", Expect{Kind: ExpectRegex, Re: re(`^@x: \d+$`)}, out, true},
		{"regex no match", Expect{Kind: ExpectRegex, Re: re(`^@y`)}, out, false},
		{"regex across lines", Expect{Kind: ExpectRegex, Re: re(`second\nthird`)}, out, true},
		{"regex none", Expect{Kind: ExpectRegexNone, Re: re(`(?s)^second$.*^second$`)}, out, true},
		{"regex none twice", Expect{Kind: ExpectRegexNone, Re: re(`(?s)^x$.*^x$`)}, "x\ny\nx\n", false},
		{"file with blank lines around", Expect{Kind: ExpectFile, Path: hist}, "\n\n@h: \n[1]    1 |@@|\n\n", true},
		{"file trailing space matters", Expect{Kind: ExpectFile, Path: hist}, "@h:\n[1]    1 |@@|\n", false},
		{"file extra line", Expect{Kind: ExpectFile, Path: hist}, "@h: \n[1]    1 |@@|\nmore\n", false},
		{"ndjson ignores blank lines and key order", Expect{Kind: ExpectJSON, Path: ndjson},
			"{\"type\": \"map\", \"data\": {\"@a\": 1}}\n\n\n{\"type\": \"map\", \"data\": {\"@b\": [1,\"x\"]}}\n", true},
		{"ndjson value differs", Expect{Kind: ExpectJSON, Path: ndjson},
			"{\"type\": \"map\", \"data\": {\"@a\": 2}}\n{\"type\": \"map\", \"data\": {\"@b\": [1,\"x\"]}}\n", false},
		{"ndjson missing line", Expect{Kind: ExpectJSON, Path: ndjson}, "{\"type\": \"map\", \"data\": {\"@a\": 1}}\n", false},
		{"ndjson not json", Expect{Kind: ExpectJSON, Path: ndjson}, "@a: 1\n@b: (1, x)\n", false},
		{"json numbers by value", Expect{Kind: ExpectJSON, Path: single}, `{"a":[1.0,2,18446744073709551615]}`, true},
		{"json 64-bit precision", Expect{Kind: ExpectJSON, Path: single}, `{"a":[1,2,18446744073709551614]}`, false},
		{"json two values", Expect{Kind: ExpectJSON, Path: single}, `{"a":[1,2,18446744073709551615]} {}`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.e.Check(tc.output)
			if (err == nil) != tc.ok {
				t.Errorf("Check = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

func TestSplitAtNotify(t *testing.T) {
	tests := []struct {
		name, in, all, after string
	}{
		{"no notify", "a\nb\n", "a\nb\n", "a\nb\n"},
		{"drops before", "ERROR: rlimit\nAttaching 1 probe...\n" + NotifyLine + "\nx\n", "ERROR: rlimit\nAttaching 1 probe...\nx\n", "x\n"},
		{"every notify line removed", "a\n" + NotifyLine + "\nb\n" + NotifyLine + "\nc\n", "a\nb\nc\n", "b\nc\n"},
		{"partial line is not the notify line", NotifyLine + "X\n", NotifyLine + "X\n", NotifyLine + "X\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			all, after := SplitAtNotify(tc.in)
			if all != tc.all || after != tc.after {
				t.Errorf("SplitAtNotify = %q, %q; want %q, %q", all, after, tc.all, tc.after)
			}
		})
	}
}

func TestJudge(t *testing.T) {
	rc3 := 3
	text := func(v string) []Expect { return []Expect{{Kind: ExpectText, Value: v}} }
	tests := []struct {
		name string
		c    Case
		out  Outcome
		want string // substring of the joined reasons; "" means pass
	}{
		{"pass", Case{Expects: text("ok")}, Outcome{Output: "ok\n"}, ""},
		{"non-zero exit fails", Case{Expects: text("ok")}, Outcome{Output: "ok\n", ExitCode: 1}, "exit status 1"},
		{"will fail needs non-zero", Case{Expects: text("ok"), WillFail: true}, Outcome{Output: "ok\n"}, "WILL_FAIL"},
		{"will fail passes", Case{Expects: text("ok"), WillFail: true}, Outcome{Output: "ok\n", ExitCode: 1}, ""},
		{"return code exact", Case{Expects: text("ok"), ReturnCode: &rc3}, Outcome{Output: "ok\n", ExitCode: 3}, ""},
		{"return code wrong", Case{Expects: text("ok"), ReturnCode: &rc3}, Outcome{Output: "ok\n", ExitCode: 1}, "want 3"},
		{"killed", Case{Expects: text("ok")}, Outcome{Output: "ok\n", Killed: true, TimedOut: true}, "killed"},
		{"missing text mentions timeout", Case{Expects: text("ok")}, Outcome{Output: "no\n", TimedOut: true}, "TIMEOUT"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := strings.Join(Judge(&tc.c, &tc.out), "; ")
			if tc.want == "" && got != "" {
				t.Errorf("Judge = %q, want a pass", got)
			}
			if tc.want != "" && !strings.Contains(got, tc.want) {
				t.Errorf("Judge = %q, want it to mention %q", got, tc.want)
			}
		})
	}
}
