package kernel

import "testing"

func TestIsTracefs(t *testing.T) {
	if isTracefs(t.TempDir()) {
		t.Error("an empty directory was taken for tracefs")
	}
	if isTracefs("/nonexistent/tracing") {
		t.Error("a missing directory was taken for tracefs")
	}
	if !exists(tracefsDirs[0]) && !exists(tracefsDirs[1]) {
		t.Skip("the kernel has no tracefs (CONFIG_TRACING is off)")
	}
	dir, err := New().Tracefs()
	if err != nil {
		t.Fatal(err)
	}
	if !isTracefs(dir) {
		t.Errorf("Tracefs() = %s, which is not tracefs", dir)
	}
}
