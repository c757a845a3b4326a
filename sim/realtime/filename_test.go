package realtime

import (
	"errors"
	"strings"
	"testing"
)

func TestFileNameExamples(t *testing.T) {
	for key, want := range map[string]string{
		"checkpoint/e12/w3": "k-checkpoint%2Fe12%2Fw3",
		"":                  "k-",
		"a-b_c":             "k-a-b_c",
		"A":                 "k-%41",
		"..":                "k-%2E%2E",
		"%2F":               "k-%252%46",
		"\x00\xff":          "k-%00%FF",
	} {
		got, err := fileName(key)
		if got != want || err != nil {
			t.Errorf("fileName(%q) = %q, %v; want %q", key, got, err, want)
		}
	}
}

func TestKeyOfRejectsNamesThatAreNotCanonical(t *testing.T) {
	for _, name := range []string{
		".tmp-123",  // a temporary file
		"x",         // no prefix
		"k-A",       // upper case is escaped
		"k-a.b",     // so is '.'
		"k-%2f",     // lower-case hex
		"k-%61",     // an escaped literal: "k-a" is the name of "a"
		"k-%4",      // cut short
		"k-%",       // cut short
		"k-%G0",     // not hex
		"k-a/b",     // a path
		"k-\x00abc", // NUL
	} {
		if key, ok := keyOf(name); ok {
			t.Errorf("keyOf(%q) = %q, true; want false", name, key)
		}
	}
}

func TestFileNameRejectsKeysTooLongForTheFileSystem(t *testing.T) {
	fits := []string{strings.Repeat("\xff", 84), strings.Repeat("a", 253)}
	for _, key := range fits {
		if name, err := fileName(key); err != nil || len(name) > fileNameMax {
			t.Errorf("fileName(%d bytes) = %d-byte name, %v; want it to fit", len(key), len(name), err)
		}
	}
	for _, key := range []string{strings.Repeat("\xff", 85), strings.Repeat("a", 254)} {
		if _, err := fileName(key); !errors.Is(err, ErrKeyTooLong) {
			t.Errorf("fileName(%d bytes) error = %v; want ErrKeyTooLong", len(key), err)
		}
	}
}

// FuzzFileName checks that names round-trip, use only safe bytes, and never
// collide, even on a case-insensitive file system.
func FuzzFileName(f *testing.F) {
	f.Add("a/b", "a/B")
	f.Add("", "%")
	f.Add("A", "a")
	f.Add("\x00", "%00")
	f.Add(".tmp-1", "k-")
	f.Fuzz(func(t *testing.T, a, b string) {
		na, erra := fileName(a)
		nb, errb := fileName(b)
		if erra != nil || errb != nil {
			return // too long; checked above
		}
		if key, ok := keyOf(na); !ok || key != a {
			t.Fatalf("keyOf(fileName(%q) = %q) = %q, %v; want the key back", a, na, key, ok)
		}
		if strings.Trim(na, "abcdefghijklmnopqrstuvwxyz0123456789_-%ABCDEF") != "" {
			t.Fatalf("fileName(%q) = %q; want only [a-z0-9_-%%A-F]", a, na)
		}
		if a != b && strings.EqualFold(na, nb) {
			t.Fatalf("fileName(%q) = %q and fileName(%q) = %q differ only in case", a, na, b, nb)
		}
	})
}

// FuzzKeyOf checks that a name read as a key is that key's only name, so no
// file but the key's own is ever listed under it.
func FuzzKeyOf(f *testing.F) {
	f.Add("k-%2F")
	f.Add("k-%2f")
	f.Add(".tmp-k-a")
	f.Fuzz(func(t *testing.T, name string) {
		key, ok := keyOf(name)
		if !ok {
			return
		}
		if back, err := fileName(key); err == nil && back != name {
			t.Fatalf("keyOf(%q) = %q, whose name is %q", name, key, back)
		}
	})
}
