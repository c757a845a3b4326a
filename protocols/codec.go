package protocols

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"unsafe"

	"github.com/flowtx/flowtx/runtime"
)

// The binary form of protocol messages and state: a version byte, then the
// value's fields in declaration order. Integers are varints, strings and
// byte strings are a uvarint length then the bytes, lists a uvarint count
// then the items, optional values a presence byte. The form is
// deterministic (the same value gives the same bytes, which snapshots and
// trace hashes rely on) and compact: a message is a few dozen bytes, and
// decoding allocates only the strings and slices the value holds.
const codecVersion byte = 1

// Limits on what a decoder accepts, so that a corrupt length cannot make
// it allocate without bound.
const (
	lenMax   = 1 << 26 // bytes of one string or byte string
	countMax = 1 << 20 // items of one list
)

// ErrTruncated and ErrCorrupt are the decode errors of the binary form,
// wrapped in runtime.ErrBadBody by Decode.
var (
	ErrTruncated = errors.New("protocols: truncated value")
	ErrCorrupt   = errors.New("protocols: corrupt value")
)

// Value is a protocol message or state with a binary form.
type Value interface {
	// EncodeTo writes the value's fields to w.
	EncodeTo(w *Writer)
}

// Target is what a Value decodes into: a pointer to one.
type Target interface {
	// DecodeFrom reads the value's fields from r; r records any error.
	DecodeFrom(r *Reader)
}

// Writer builds a binary form. Its zero value is ready to use.
type Writer struct {
	b       []byte
	sizeMax int // NewWriter's bound on the form's length; 0: none
}

// NewWriter returns a Writer for a value's whole binary form, its version
// byte written, with room for sizeMax more bytes (the value's SizeMax).
// A protocol's hot messages encode through it, calling EncodeTo on their
// concrete type: Marshal takes the value as an interface, which moves the
// value and the writer to the heap (three allocations per message where
// this makes one).
func NewWriter(sizeMax int) Writer {
	b := make([]byte, 1, 1+sizeMax)
	b[0] = codecVersion
	return Writer{b: b, sizeMax: 1 + sizeMax}
}

// Bytes returns what was written.
func (w *Writer) Bytes() []byte {
	if w.sizeMax > 0 && len(w.b) > w.sizeMax {
		panic(fmt.Sprintf("protocols: %d bytes written, over the %d of NewWriter", len(w.b), w.sizeMax))
	}
	return w.b
}

func (w *Writer) Uvarint(u uint64) { w.b = binary.AppendUvarint(w.b, u) }
func (w *Writer) Varint(i int64)   { w.b = binary.AppendVarint(w.b, i) }
func (w *Writer) Int(i int)        { w.Varint(int64(i)) }

func (w *Writer) Bool(v bool) {
	if v {
		w.b = append(w.b, 1)
	} else {
		w.b = append(w.b, 0)
	}
}

func (w *Writer) Str(s string) {
	w.Uvarint(uint64(len(s)))
	w.b = append(w.b, s...)
}

func (w *Writer) Blob(b []byte) {
	w.Uvarint(uint64(len(b)))
	w.b = append(w.b, b...)
}

func (w *Writer) Address(a runtime.Address) {
	w.Str(string(a.Type))
	w.Str(a.ID)
}

func (w *Writer) Request(r runtime.RequestID) {
	w.Varint(int64(r.Client))
	w.Uvarint(r.Seq)
}

func (w *Writer) Message(m runtime.Message) {
	w.Str(m.Kind)
	w.Blob(m.Body)
}

// OptMessage writes a message that may be absent.
func (w *Writer) OptMessage(m *runtime.Message) {
	w.Bool(m != nil)
	if m != nil {
		w.Message(*m)
	}
}

func (w *Writer) Envelope(e runtime.Envelope) {
	w.Address(e.From)
	w.Address(e.To)
	w.Request(e.Request)
	w.Message(e.Msg)
}

// Effects writes an invocation's effects, kept by a 2PC participant until
// the decision.
func (w *Writer) Effects(fx runtime.Effects) {
	w.Uvarint(uint64(len(fx.Mutations)))
	for _, m := range fx.Mutations {
		w.Str(m.Name)
		w.Blob(m.Value)
		w.Bool(m.Deleted)
	}
	w.Uvarint(uint64(len(fx.Sends)))
	for _, e := range fx.Sends {
		w.Envelope(e)
	}
	w.Uvarint(uint64(len(fx.Delayed)))
	for _, d := range fx.Delayed {
		w.Varint(int64(d.Delay))
		w.Envelope(d.Envelope)
	}
	w.Uvarint(uint64(len(fx.Responses)))
	for _, r := range fx.Responses {
		w.Request(r.Request)
		w.Address(r.From)
		w.Message(r.Msg)
		w.Str(r.Failure)
	}
}

// Reader reads a binary form. The first error sticks: every later read
// returns a zero value, and Err reports it.
type Reader struct {
	b   []byte
	err error
}

// NewReader reads b.
func NewReader(b []byte) *Reader { return &Reader{b: b} }

// Open returns a Reader of the fields of b, a whole binary form (Marshal,
// NewWriter), after its version byte; a wrong version or an empty b is
// its first error. Read the value with DecodeFrom on its concrete type and
// finish with End: as NewWriter, it keeps the reader and value off the
// heap, which Unmarshal's interface does not.
func Open(b []byte) Reader {
	var r Reader
	switch {
	case len(b) == 0:
		r.Fail(fmt.Errorf("%w: empty", ErrTruncated))
	case b[0] != codecVersion:
		r.Fail(fmt.Errorf("%w: version %d, want %d", ErrCorrupt, b[0], codecVersion))
	default:
		r.b = b[1:]
	}
	return r
}

// End returns the first error met, or one if anything is left unread.
func (r *Reader) End() error { return r.done() }

// Err returns the first error met, or nil.
func (r *Reader) Err() error { return r.err }

// Fail records err unless an error is recorded already.
func (r *Reader) Fail(err error) {
	if r.err == nil {
		r.err = err
		r.b = nil
	}
}

// done reports an error if anything is left unread.
func (r *Reader) done() error {
	if r.err == nil && len(r.b) > 0 {
		r.err = fmt.Errorf("%w: %d bytes after the value", ErrCorrupt, len(r.b))
	}
	return r.err
}

func (r *Reader) Uvarint() uint64 {
	u, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.Fail(fmt.Errorf("%w: uvarint", ErrTruncated))
		return 0
	}
	r.b = r.b[n:]
	return u
}

func (r *Reader) Varint() int64 {
	i, n := binary.Varint(r.b)
	if n <= 0 {
		r.Fail(fmt.Errorf("%w: varint", ErrTruncated))
		return 0
	}
	r.b = r.b[n:]
	return i
}

func (r *Reader) Int() int {
	i := r.Varint()
	if i < math.MinInt32 || i > math.MaxInt32 {
		r.Fail(fmt.Errorf("%w: int %d out of range", ErrCorrupt, i))
		return 0
	}
	return int(i)
}

func (r *Reader) Bool() bool {
	if len(r.b) == 0 {
		r.Fail(fmt.Errorf("%w: bool", ErrTruncated))
		return false
	}
	v := r.b[0]
	r.b = r.b[1:]
	if v > 1 {
		r.Fail(fmt.Errorf("%w: bool byte %d", ErrCorrupt, v))
	}
	return v == 1
}

// Count reads a list's length, at most countMax.
func (r *Reader) Count() int {
	n := r.Uvarint()
	if n > countMax || n > uint64(len(r.b)) {
		r.Fail(fmt.Errorf("%w: list of %d items in %d bytes", ErrCorrupt, n, len(r.b)))
		return 0
	}
	return int(n)
}

func (r *Reader) take() []byte {
	n := r.Uvarint()
	if n > lenMax || n > uint64(len(r.b)) {
		r.Fail(fmt.Errorf("%w: %d bytes wanted, %d left", ErrTruncated, n, len(r.b)))
		return nil
	}
	b := r.b[:n:n]
	r.b = r.b[n:]
	return b
}

// Str returns a string that shares the input's bytes, as Blob does: the
// forms a Reader reads (message bodies, state values, snapshots) are never
// modified once written (runtime.Context.Set and Message say so), and a
// copy of every address and message kind was a third of a saga step's
// allocations.
func (r *Reader) Str() string {
	b := r.take()
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// Blob returns a byte string; nil if empty. It aliases the input, which
// callers never modify.
func (r *Reader) Blob() []byte {
	b := r.take()
	if len(b) == 0 {
		return nil
	}
	return b
}

func (r *Reader) Address() runtime.Address {
	t := r.Str()
	return runtime.Address{Type: runtime.FuncType(t), ID: r.Str()}
}

func (r *Reader) Request() runtime.RequestID {
	c := r.Varint()
	if c < math.MinInt32 || c > math.MaxInt32 {
		r.Fail(fmt.Errorf("%w: client %d out of range", ErrCorrupt, c))
	}
	return runtime.RequestID{Client: runtime.ClientID(c), Seq: r.Uvarint()}
}

func (r *Reader) Message() runtime.Message {
	k := r.Str()
	return runtime.Message{Kind: k, Body: r.Blob()}
}

func (r *Reader) OptMessage() *runtime.Message {
	if !r.Bool() {
		return nil
	}
	m := r.Message()
	return &m
}

func (r *Reader) Envelope() runtime.Envelope {
	var e runtime.Envelope
	e.From = r.Address()
	e.To = r.Address()
	e.Request = r.Request()
	e.Msg = r.Message()
	return e
}

// Effects reads what Writer.Effects wrote.
func (r *Reader) Effects() runtime.Effects {
	var fx runtime.Effects
	if n := r.Count(); n > 0 {
		fx.Mutations = make([]runtime.Mutation, n)
		for i := range fx.Mutations {
			name := r.Str()
			fx.Mutations[i] = runtime.Mutation{Name: name, Value: r.Blob(), Deleted: r.Bool()}
		}
	}
	if n := r.Count(); n > 0 {
		fx.Sends = make([]runtime.Envelope, n)
		for i := range fx.Sends {
			fx.Sends[i] = r.Envelope()
		}
	}
	if n := r.Count(); n > 0 {
		fx.Delayed = make([]runtime.DelayedSend, n)
		for i := range fx.Delayed {
			d := runtime.Micros(r.Varint())
			fx.Delayed[i] = runtime.DelayedSend{Delay: d, Envelope: r.Envelope()}
		}
	}
	if n := r.Count(); n > 0 {
		fx.Responses = make([]runtime.Response, n)
		for i := range fx.Responses {
			var resp runtime.Response
			resp.Request, resp.From, resp.Msg = r.Request(), r.Address(), r.Message()
			resp.Failure = r.Str()
			fx.Responses[i] = resp
		}
	}
	return fx
}

// Marshal returns v's binary form, version byte first. A value that says
// how large its form can be (Sizer) gets a buffer of that size; a fixed
// 128 bytes was five times a step result's size, and too small (a second
// allocation) for a saga's plan, which made encoding most of a saga's
// allocated bytes.
func Marshal(v Value) []byte {
	var w Writer
	if s, ok := v.(Sizer); ok {
		w = NewWriter(s.SizeMax())
	} else {
		w.b = append(make([]byte, 0, 128), codecVersion) // a prepare, a lock or a coordinator's progress is over 64 bytes
	}
	v.EncodeTo(&w)
	return w.Bytes()
}

// Sizer is a Value that bounds the length of its binary form (version byte
// excluded), so that Marshal allocates once and no more than it needs.
// The Size functions bound the forms of its fields.
type Sizer interface {
	SizeMax() int
}

// Bounds of the binary forms of fields: a varint of an int (32 bits) takes
// at most 5 bytes, a length (at most lenMax) 4.
const (
	SizeInt  = 5
	SizeBool = 1
	sizeLen  = 4
)

// SizeStr bounds the form of a string or byte string of n bytes.
func SizeStr(n int) int { return sizeLen + n }

// SizeAddress bounds the form of a.
func SizeAddress(a runtime.Address) int { return SizeStr(len(a.Type)) + SizeStr(len(a.ID)) }

// SizeMessage bounds the form of m.
func SizeMessage(m runtime.Message) int { return SizeStr(len(m.Kind)) + SizeStr(len(m.Body)) }

// SizeRequest bounds the form of a request number: a client (32 bits)
// and a sequence number (64 bits, up to 10 bytes).
const SizeRequest = SizeInt + 10

// sizeMicros bounds the form of a runtime.Micros (64 bits).
const sizeMicros = 10

// SizeEnvelope bounds the form of e.
func SizeEnvelope(e runtime.Envelope) int {
	return SizeAddress(e.From) + SizeAddress(e.To) + SizeRequest + SizeMessage(e.Msg)
}

// SizeEffects bounds the form of fx (Writer.Effects): a 2PC participant
// keeps its effects in its lock, whose form is the largest it writes.
func SizeEffects(fx runtime.Effects) int {
	n := 4 * sizeLen
	for _, m := range fx.Mutations {
		n += SizeStr(len(m.Name)) + SizeStr(len(m.Value)) + SizeBool
	}
	for _, e := range fx.Sends {
		n += SizeEnvelope(e)
	}
	for _, d := range fx.Delayed {
		n += sizeMicros + SizeEnvelope(d.Envelope)
	}
	for _, r := range fx.Responses {
		n += SizeRequest + SizeAddress(r.From) + SizeMessage(r.Msg) + SizeStr(len(r.Failure))
	}
	return n
}

// SizeOptMessage bounds the form of a message that may be absent.
func SizeOptMessage(m *runtime.Message) int {
	if m == nil {
		return SizeBool
	}
	return SizeBool + SizeMessage(*m)
}

// Unmarshal reads b, written by Marshal, into v.
func Unmarshal(b []byte, v Target) error {
	r := Open(b)
	if r.err != nil {
		return r.err
	}
	v.DecodeFrom(&r)
	return r.End()
}
