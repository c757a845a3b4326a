package runtime

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
)

// Message is what functions send each other and what clients send to
// functions: a kind naming the operation and an opaque body, as StateFun's
// typed values are. Bodies are immutable once sent.
type Message struct {
	Kind string
	Body []byte
}

// ErrBadBody is returned when a message body does not decode as asked.
var ErrBadBody = errors.New("runtime: malformed message body")

// Int64Message returns a message of the given kind carrying one integer.
func Int64Message(kind string, v int64) Message {
	return Message{Kind: kind, Body: binary.AppendVarint(nil, v)}
}

// Int64 decodes a body written by Int64Message.
func (m Message) Int64() (int64, error) {
	v, n := binary.Varint(m.Body)
	if n <= 0 || n != len(m.Body) {
		return 0, fmt.Errorf("%w: %q is not an int64", ErrBadBody, m.Kind)
	}
	return v, nil
}

func (m Message) String() string {
	if len(m.Body) == 0 {
		return m.Kind
	}
	if v, err := m.Int64(); err == nil {
		return m.Kind + "(" + strconv.FormatInt(v, 10) + ")"
	}
	return fmt.Sprintf("%s(%q)", m.Kind, m.Body)
}

func (m Message) digest(d digest) digest {
	return d.addString(m.Kind).addBytes(m.Body)
}

// ClientID names a client of the job.
type ClientID int32

// RequestID names one client request. A client numbers its requests.
type RequestID struct {
	Client ClientID
	Seq    uint64
}

// String renders r as "c<client>#<seq>"; it names coordinator instances
// and ledger entries on the hot path, hence no fmt.
func (r RequestID) String() string { return string(r.AppendTo(make([]byte, 0, 24))) }

// AppendTo appends r's String form to b: a ledger line is built around it
// without a string of its own.
func (r RequestID) AppendTo(b []byte) []byte {
	b = append(b, 'c')
	b = strconv.AppendInt(b, int64(r.Client), 10)
	b = append(b, '#')
	return strconv.AppendUint(b, r.Seq, 10)
}

// IsZero reports whether r names no request.
func (r RequestID) IsZero() bool { return r == RequestID{} }

// Request is one record of the ingress log: a client's message to a
// function, to be answered by a Response with the same ID.
type Request struct {
	ID  RequestID
	To  Address
	Msg Message
}

// Fingerprint digests the request for the simulator's trace hash.
func (r Request) Fingerprint() uint64 {
	return uint64(r.Msg.digest(digest(0).addUint(uint64(r.ID.Client)).addUint(r.ID.Seq).
		addString(string(r.To.Type)).addString(r.To.ID)))
}

func (r Request) String() string { return fmt.Sprintf("request %v to %v %v", r.ID, r.To, r.Msg) }

// Response is one egress record: the answer to a client request. Failure
// is set when the function the request invoked returned a business error;
// its effects were discarded.
type Response struct {
	Request RequestID
	From    Address
	Msg     Message
	Failure string
}

// Fingerprint digests the response for the simulator's trace hash.
func (r Response) Fingerprint() uint64 {
	return uint64(r.Msg.digest(digest(0).addUint(uint64(r.Request.Client)).addUint(r.Request.Seq).
		addString(string(r.From.Type)).addString(r.From.ID).addString(r.Failure)))
}

func (r Response) String() string {
	if r.Failure != "" {
		return fmt.Sprintf("response %v from %v failed: %s", r.Request, r.From, r.Failure)
	}
	return fmt.Sprintf("response %v from %v %v", r.Request, r.From, r.Msg)
}

// Envelope is a message in flight to a function instance, with where it
// comes from and the client request whose processing caused it.
type Envelope struct {
	From    Address // zero when the message came from the ingress
	To      Address
	Request RequestID
	Msg     Message
}

// Fingerprint digests the envelope for the simulator's trace hash.
func (e Envelope) Fingerprint() uint64 {
	return uint64(e.Msg.digest(digest(0).addString(string(e.From.Type)).addString(e.From.ID).
		addString(string(e.To.Type)).addString(e.To.ID).addUint(uint64(e.Request.Client)).addUint(e.Request.Seq)))
}

func (e Envelope) String() string {
	return fmt.Sprintf("%v -> %v %v (%v)", e.From, e.To, e.Msg, e.Request)
}
