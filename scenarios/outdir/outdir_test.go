package outdir

import (
	"os"
	"path/filepath"
	"testing"
)

// A file is seen whole or not at all, a link at its name is replaced and
// not written through, and a write error is not lost.
func TestCommitReplacesLinkAndKeepsErrors(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(victim, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "summary.json")
	if err := os.Symlink(victim, path); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, []byte("new")); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(victim); err != nil || string(b) != "keep" {
		t.Errorf("the link's target now holds %q (%v)", b, err)
	}
	if st, err := os.Lstat(path); err != nil || !st.Mode().IsRegular() {
		t.Errorf("%s is not a plain file: %v", path, err)
	}

	f, err := Create(filepath.Join(dir, "trace.log"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(f.Path()); !os.IsNotExist(err) {
		t.Errorf("trace.log exists before Commit: %v", err)
	}
	f.f.Close() // every later write fails
	f.Write([]byte("x"))
	if err := f.Commit(); err == nil {
		t.Error("Commit after a failed write: no error")
	}
	if _, err := os.Stat(f.Path()); !os.IsNotExist(err) {
		t.Errorf("trace.log exists after a failed Commit: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("%d files in the folder, want summary.json alone: %v", len(entries), entries)
	}
}
