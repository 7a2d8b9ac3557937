package reports

import (
	"os"
	"path/filepath"
	"testing"
)

// RemoveReport removes every file a report may write, and only those: a
// sweep started afresh never sits beside the report of the runs it
// replaces.
func TestRemoveReport(t *testing.T) {
	dir := t.TempDir()
	for _, name := range append(reportFiles, "results.jsonl", "notes.txt") {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := RemoveReport(dir); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 || entries[0].Name() != "notes.txt" || entries[1].Name() != "results.jsonl" {
		t.Errorf("left: %v", entries)
	}
	if err := RemoveReport(dir); err != nil {
		t.Errorf("a second RemoveReport: %v", err)
	}
}
