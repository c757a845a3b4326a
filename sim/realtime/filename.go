package realtime

import (
	"errors"
	"fmt"
	"strings"
)

// A key's file name is keyFilePrefix followed by the key with every byte
// outside [a-z0-9_-] written as %XX (two upper-case hex digits). So:
//
//   - the mapping is reversible, and keyOf accepts only the one canonical
//     name of each key, so a foreign file such as "k-%61" is never read as a
//     second copy of key "a";
//   - names hold no '/', no NUL and no '.', and are never "." or "..";
//   - no two keys' names differ only in case, so a case-insensitive file
//     system (macOS, Windows) keeps them apart: '%' is never literal, the
//     literal letters are all lower case and the hex digits all upper case;
//   - temporary files (tempFilePrefix) never look like keys.
//
// "checkpoint/e12/w3" is stored as "k-checkpoint%2Fe12%2Fw3".
const (
	keyFilePrefix  = "k-"
	tempFilePrefix = ".tmp-"
	// fileNameMax is the longest file name Linux and macOS accept, in bytes.
	// A name is ASCII, so any key of up to (255-2)/3 = 84 bytes fits, and a
	// key of [a-z0-9_-] only fits up to 253 bytes.
	fileNameMax = 255
)

const upperHex = "0123456789ABCDEF"

// ErrKeyTooLong is the error of a file-store operation whose key's file name
// would exceed fileNameMax bytes.
var ErrKeyTooLong = errors.New("realtime: key too long for a file name")

// fileName returns the name of the file that holds key.
func fileName(key string) (string, error) {
	var b strings.Builder
	b.Grow(len(keyFilePrefix) + len(key))
	b.WriteString(keyFilePrefix)
	for i := 0; i < len(key); i++ {
		c := key[i]
		if literal(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(upperHex[c>>4])
		b.WriteByte(upperHex[c&0xf])
	}
	name := b.String()
	if len(name) > fileNameMax {
		return "", fmt.Errorf("%w: %d bytes as %d-byte name, max %d",
			ErrKeyTooLong, len(key), len(name), fileNameMax)
	}
	return name, nil
}

// keyOf returns the key whose file is called name, or false if name is not
// the canonical name of any key (a temporary file, a foreign file).
func keyOf(name string) (string, bool) {
	rest, ok := strings.CutPrefix(name, keyFilePrefix)
	if !ok {
		return "", false
	}
	key := make([]byte, 0, len(rest))
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		if literal(c) {
			key = append(key, c)
			continue
		}
		if c != '%' || i+2 >= len(rest) {
			return "", false
		}
		hi, lo := strings.IndexByte(upperHex, rest[i+1]), strings.IndexByte(upperHex, rest[i+2])
		if hi < 0 || lo < 0 || literal(byte(hi<<4|lo)) {
			return "", false // not hex, lower-case hex, or an escaped literal
		}
		key = append(key, byte(hi<<4|lo))
		i += 2
	}
	return string(key), true
}

// literal reports whether c stands for itself in a file name.
func literal(c byte) bool {
	return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '-'
}
