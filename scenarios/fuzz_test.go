package scenarios

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"
)

// Load never panics, whatever the bytes, and every error it returns is an
// *Error that either names a flag or points inside the input: a line that
// exists and a column on it (or at its end), or no place at all.
func FuzzLoad(f *testing.F) {
	files, err := filepath.Glob("*.yaml")
	if err != nil {
		f.Fatal(err)
	}
	files = append(files, "testdata/example.yaml")
	for _, name := range files {
		src, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	if len(files) < 10 {
		f.Fatalf("only %d seed files: run from the package directory", len(files))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		_, err := Load("f.yaml", src, Overrides{})
		if err == nil {
			return
		}
		var se *Error
		if !errors.As(err, &se) {
			t.Fatalf("error of type %T: %v", err, err)
		}
		if se.Flag != "" || se.Line == 0 {
			return
		}
		lines := sourceLines(src)
		if se.Line < 1 || se.Line > len(lines) {
			t.Fatalf("line %d of a %d-line input: %v", se.Line, len(lines), err)
		}
		if width := utf8.RuneCountInString(lines[se.Line-1]); se.Col < 1 || se.Col > width+1 {
			t.Fatalf("column %d of a line of %d characters: %v", se.Col, width, err)
		}
	})
}
