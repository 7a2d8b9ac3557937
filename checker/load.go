package checker

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ReadHistory reads a history file: a JSON array of operations as
// documented on Op. Unknown fields, unknown operations or outcomes, replies
// that do not fit the operation and a return before the call are errors;
// every error names the line and column (name:line:col: ...).
func ReadHistory(name string, r io.Reader) ([]Op, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	at := func(off int64) string {
		off = min(max(off, 0), int64(len(b)))
		line := bytes.Count(b[:off], []byte("\n")) + 1
		col := off - int64(bytes.LastIndexByte(b[:off], '\n'))
		return fmt.Sprintf("%s:%d:%d", name, line, col)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	wrap := func(err error, start int64) error {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn):
			// The decoder's offsets count from where it started the
			// value; a whole-input pass gives the absolute one.
			var whole any
			if errors.As(json.Unmarshal(b, &whole), &syn) {
				if syn.Offset >= int64(len(b)) {
					return fmt.Errorf("%s: unexpected end of file", at(int64(len(b))))
				}
				return fmt.Errorf("%s: %v", at(syn.Offset-1), syn)
			}
			return fmt.Errorf("%s: %v", at(start), err)
		case errors.As(err, &typ):
			field := typ.Field
			if field == "" {
				field = "operation"
			}
			return fmt.Errorf("%s: %s: want %s, got JSON %s", at(start), field, typ.Type, typ.Value)
		case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
			return fmt.Errorf("%s: unexpected end of file", at(int64(len(b))))
		}
		return fmt.Errorf("%s: %v", at(start), strings.TrimPrefix(err.Error(), "json: "))
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, fmt.Errorf("%s: empty file: want a JSON array of operations", name)
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, wrap(err, 0)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, fmt.Errorf("%s: want a JSON array of operations, got %v", at(skipSpace(b, 0)), tok)
	}
	var ops []Op
	for dec.More() {
		start := skipSpace(b, dec.InputOffset())
		var op Op
		if err := dec.Decode(&op); err != nil {
			return nil, wrap(err, start)
		}
		if err := op.validate(); err != nil {
			return nil, fmt.Errorf("%s: operation %d: %v", at(start), len(ops)+1, err)
		}
		ops = append(ops, op)
	}
	if _, err := dec.Token(); err != nil {
		return nil, wrap(err, dec.InputOffset())
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%s: data after the array", at(skipSpace(b, dec.InputOffset())))
	}
	return ops, nil
}

// skipSpace returns the offset of the next byte at or after off that is
// not white space or a comma.
func skipSpace(b []byte, off int64) int64 {
	for off < int64(len(b)) && strings.IndexByte(" \t\r\n,", b[off]) >= 0 {
		off++
	}
	return off
}

// validate checks one operation read from a file.
func (o *Op) validate() error {
	if o.Client == "" {
		return errors.New(`"client" missing`)
	}
	if _, ok := opNames[o.Op]; !ok {
		return fmt.Errorf("op %q: want set, get, incr, append, del or expire", o.Op)
	}
	switch {
	case o.TTLMs < 0:
		return fmt.Errorf("ttl_ms %d: want a positive time to live", o.TTLMs)
	case o.TTLMs > 0 && o.Op != "set" && o.Op != "expire":
		return fmt.Errorf("ttl_ms on a %s: only set and expire give a key a time to live", o.Op)
	case o.Op == "expire" && o.TTLMs == 0:
		return errors.New(`an expire without "ttl_ms"`)
	case o.DB < 0:
		return fmt.Errorf("db %d: want 0 or more", o.DB)
	}
	switch o.Outcome {
	case OK, Fail, Unknown:
	case "":
		return errors.New(`"outcome" missing: want ok, fail or unknown`)
	default:
		return fmt.Errorf("outcome %q: want ok, fail or unknown", o.Outcome)
	}
	if o.Outcome != Unknown && o.Return < o.Call {
		return fmt.Errorf("returns at %d, before its call at %d", o.Return, o.Call)
	}
	if o.Outcome == OK {
		switch o.Op {
		case "incr", "append", "del", "expire":
			if _, err := strconv.ParseInt(o.Reply, 10, 64); err != nil {
				return fmt.Errorf("reply %q of %s: want an integer", o.Reply, o.Op)
			}
		case "get":
			if o.Null && o.Value.Len() > 0 {
				return fmt.Errorf("a get with null: true and reply %v", o.Value)
			}
		}
	}
	return nil
}
