// Package outdir writes the files of an output folder so that none is ever
// seen half written: each file goes to a temporary name in its own folder
// and is renamed into place once whole and closed. A rename replaces a
// symbolic link at the final name rather than writing through it, so a
// link planted in an output folder never sends a write elsewhere. Every
// write and close error is returned.
package outdir

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// tmpPrefix starts the name of every temporary file, so that one left by a
// killed process is hidden and recognisable.
const tmpPrefix = ".tmp-"

// File is a file being written under a temporary name; Commit gives it
// its final name, Abort removes it.
type File struct {
	f    *os.File
	tmp  string // the temporary name
	path string // the final name
	err  error  // the first write error
}

// Create starts writing path. The temporary file is new (never one that
// exists, never a link), in path's folder.
func Create(path string) (*File, error) {
	f, err := os.CreateTemp(filepath.Dir(path), tmpPrefix+filepath.Base(path)+".*")
	if err != nil {
		return nil, err
	}
	if err := f.Chmod(0o644); err != nil { // CreateTemp's 0600 would hide results from other users
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	return &File{f: f, tmp: f.Name(), path: path}, nil
}

// TempPath is the temporary name, for a writer that takes a path: Close
// the File first, and Commit after.
func (f *File) TempPath() string { return f.tmp }

// Path is the final name of the file.
func (f *File) Path() string { return f.path }

// Write writes to the temporary file. The first error is kept: Commit
// reports it, even if the writer ignored it.
func (f *File) Write(b []byte) (int, error) {
	if f.err != nil {
		return 0, f.err
	}
	n, err := f.f.Write(b)
	if err != nil {
		f.err = fmt.Errorf("writing %s: %w", f.path, err)
	}
	return n, f.err
}

// Close closes the temporary file without giving it its final name; Commit
// may follow. It reports the first write error, or the close's.
func (f *File) Close() error {
	if f.f == nil {
		return f.err
	}
	err := f.f.Close()
	f.f = nil
	if f.err == nil && err != nil {
		f.err = fmt.Errorf("closing %s: %w", f.path, err)
	}
	return f.err
}

// Commit closes the file and renames it to its final name, replacing what
// was there (a link included, which is not followed). On an error the
// temporary file is removed.
func (f *File) Commit() error {
	err := f.Close()
	if err == nil {
		err = os.Rename(f.tmp, f.path)
	}
	if err != nil {
		os.Remove(f.tmp)
	}
	return err
}

// Abort closes and removes the temporary file.
func (f *File) Abort() {
	f.Close()
	os.Remove(f.tmp)
}

// WriteFile writes data to path atomically: a temporary file, then a
// rename.
func WriteFile(path string, data []byte) error {
	f, err := Create(path)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Abort()
		return err
	}
	return f.Commit()
}

// RemoveTemps removes the temporary files that a killed process left in
// dir.
func RemoveTemps(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), tmpPrefix) && e.Type().IsRegular() {
			errs = append(errs, os.Remove(filepath.Join(dir, e.Name())))
		}
	}
	return errors.Join(errs...)
}
