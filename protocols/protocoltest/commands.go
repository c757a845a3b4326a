package protocoltest

// This file is the language of the interaction tests: the datadriven
// commands, and the descriptions of messages and state they print
// (protocol values through the protocols' Describe functions).

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/flowtx/flowtx/protocols"
	"github.com/flowtx/flowtx/protocols/saga"
	"github.com/flowtx/flowtx/protocols/twopc"
	"github.com/flowtx/flowtx/runtime"
)

type ixHandler func(e *Env, t *testing.T, d *datadriven.TestData) error

var ixHandlers = map[string]ixHandler{
	"start":     ixStart,
	"submit":    ixSubmit,
	"deliver":   ixDeliver,
	"stabilize": func(e *Env, _ *testing.T, _ *datadriven.TestData) error { return e.stabilize() },
	"pending":   ixPending,
	"state":     ixState,
	"responses": ixResponses,
}

func ixStart(e *Env, t *testing.T, d *datadriven.TestData) error {
	if e.workers != nil {
		return errors.New("started already")
	}
	var conflict, bug string
	if d.MaybeScanArgs(t, "conflict", &conflict) {
		if err := e.opts.setConflict(conflict); err != nil {
			return err
		}
	}
	if d.MaybeScanArgs(t, "bug", &bug) {
		if err := e.opts.setBug(bug); err != nil {
			return err
		}
	}
	e.start(t)
	seen := map[runtime.WorkerID]runtime.Address{}
	for _, a := range e.opts.Addresses {
		w := e.owner(a)
		if other, ok := seen[w]; ok {
			return fmt.Errorf("%v and %v are both on %v: their messages would not cross the host", a, other, w)
		}
		seen[w] = a
		e.logf("%v on %v", a, w)
	}
	return nil
}

func (o *Options) setConflict(name string) error {
	for _, c := range []twopc.Conflict{twopc.Wait, twopc.NoWait, twopc.WaitDie} {
		if c.String() == name {
			o.Conflict = c
			return nil
		}
	}
	return fmt.Errorf("unknown conflict policy %q", name)
}

func (o *Options) setBug(name string) error {
	for _, b := range twopc.Bugs() {
		if string(b) == name {
			o.TwoPCBug = b
			return nil
		}
	}
	for _, b := range saga.Bugs() {
		if string(b) == name {
			o.SagaBug = b
			return nil
		}
	}
	return fmt.Errorf("unknown bug %q", name)
}

// ixSubmit sends a client request: msg=OP[:N] is a plain account
// operation, ops=(ID:OP:N, ...) the operations of a transaction or saga.
func ixSubmit(e *Env, t *testing.T, d *datadriven.TestData) error {
	var client int
	var to string
	d.ScanArgs(t, "client", &client)
	d.ScanArgs(t, "to", &to)
	addr, err := ixParseAddress(to)
	if err != nil {
		return err
	}
	var msg runtime.Message
	if arg, ok := d.Arg("ops"); ok {
		msg, err = ixParseOps(arg.Vals)
	} else {
		var s string
		d.ScanArgs(t, "msg", &s)
		msg, err = ixParseMsg(s)
	}
	if err != nil {
		return err
	}
	e.submit(runtime.ClientID(client), addr, msg)
	return nil
}

func ixParseAddress(s string) (runtime.Address, error) {
	typ, id, ok := strings.Cut(s, "/")
	if !ok || typ == "" || id == "" {
		return runtime.Address{}, fmt.Errorf("address %q: want TYPE/ID", s)
	}
	return runtime.Address{Type: runtime.FuncType(typ), ID: id}, nil
}

// ixParseMsg parses OP or OP:N.
func ixParseMsg(s string) (runtime.Message, error) {
	op, arg, ok := strings.Cut(s, ":")
	if !ok {
		return runtime.Message{Kind: op}, nil
	}
	n, err := strconv.ParseInt(arg, 10, 64)
	if err != nil {
		return runtime.Message{}, fmt.Errorf("message %q: %v", s, err)
	}
	return runtime.Int64Message(op, n), nil
}

// ixParseOps parses ID:OP:N operations into a coordinator's request;
// ID:OP:N:ro declares a 2PC call read-only.
func ixParseOps(vals []string) (runtime.Message, error) {
	ops := make([]ixOp, len(vals))
	for i, v := range vals {
		parts := strings.Split(v, ":")
		ro := len(parts) == 4 && parts[3] == "ro"
		if len(parts) != 3 && !ro {
			return runtime.Message{}, fmt.Errorf("operation %q: want ID:OP:N or ID:OP:N:ro", v)
		}
		n, err := strconv.ParseInt(parts[2], 10, 64)
		if err != nil {
			return runtime.Message{}, fmt.Errorf("operation %q: %v", v, err)
		}
		ops[i] = ixOp{To: parts[0], Op: parts[1], Amount: n, ReadOnly: ro}
	}
	b, err := json.Marshal(ops)
	return runtime.Message{Kind: ixKindRun, Body: b}, err
}

// ixDeliver delivers the oldest message in flight to `to`, from `from` and
// of kind `kind` if given. It must be first on its link: links are FIFO.
func ixDeliver(e *Env, t *testing.T, d *datadriven.TestData) error {
	var to, from, kind string
	d.ScanArgs(t, "to", &to)
	d.MaybeScanArgs(t, "from", &from)
	d.MaybeScanArgs(t, "kind", &kind)
	for _, q := range e.inFlight() {
		env := q.packet.env
		if env.To.String() != to || (from != "" && env.From.String() != from) || (kind != "" && env.Msg.Kind != kind) {
			continue
		}
		if !q.head {
			return fmt.Errorf("%v -> %v %s waits behind another message on its link", env.From, env.To, env.Msg.Kind)
		}
		e.deliver(q.link)
		return nil
	}
	return fmt.Errorf("no message in flight to %s matches", to)
}

func ixPending(e *Env, _ *testing.T, _ *datadriven.TestData) error {
	all := e.inFlight()
	for _, q := range all {
		e.logf("%v -> %v: %s", q.packet.env.From, q.packet.env.To, ixDescribeMsg(q.packet.env.Msg))
	}
	if len(all) == 0 {
		e.logf("nothing in flight")
	}
	return nil
}

func ixState(e *Env, _ *testing.T, _ *datadriven.TestData) error {
	e.out.WriteString(e.describeState())
	return nil
}

func ixResponses(e *Env, _ *testing.T, _ *datadriven.TestData) error {
	for _, r := range e.released {
		e.logf("%s", ixDescribeResponse(r))
	}
	if len(e.released) == 0 {
		e.logf("no response released")
	}
	return nil
}

// ixDescriber renders what protocol values carry: messages and state
// values, through the harness's own renderers.
func ixDescriber() protocols.Describer {
	return protocols.Describer{Msg: ixDescribeMsg, Value: ixDescribeValue}
}

// ixDescribeMsg renders a message as its kind and body: a protocol's
// message decoded field by field, an integer body as kind(n), a JSON body
// (the harness's requests and outcomes) decoded and compact.
func ixDescribeMsg(m runtime.Message) string {
	if len(m.Body) == 0 {
		return m.Kind
	}
	if s, ok := ixDescribeProtocolMsg(m); ok {
		return m.Kind + s
	}
	if v, err := m.Int64(); err == nil {
		return fmt.Sprintf("%s(%d)", m.Kind, v)
	}
	if n, err := ixParseJSON(m.Body); err == nil {
		return m.Kind + n.describe()
	}
	return fmt.Sprintf("%s(%q)", m.Kind, m.Body)
}

func ixDescribeProtocolMsg(m runtime.Message) (string, bool) {
	if s, ok := twopc.DescribeMessage(m, ixDescriber()); ok {
		return s, true
	}
	return saga.DescribeMessage(m, ixDescriber())
}

// ixDescribeBrief renders a protocol message or a harness request as its
// kind only, for messages put in flight: their delivery shows the body.
func ixDescribeBrief(m runtime.Message) string {
	if _, ok := ixDescribeProtocolMsg(m); ok || json.Valid(m.Body) {
		return m.Kind
	}
	return ixDescribeMsg(m)
}

// ixDescribeValue renders a state value: protocol state (named with a
// leading NUL) decoded by its protocol, an account's balance a varint.
func ixDescribeValue(name string, v []byte) string {
	if ixProtocolName(name) {
		if s, ok := twopc.DescribeState(name, v, ixDescriber()); ok {
			return s
		}
		if s, ok := saga.DescribeState(name, v, ixDescriber()); ok {
			return s
		}
	}
	if x, err := runtime.Int64Codec.Decode(v); err == nil {
		return strconv.FormatInt(x, 10)
	}
	return strconv.Quote(string(v))
}

// ixJSON is a decoded JSON value that keeps its objects' key order, which
// for the protocols' structs is their field order.
type ixJSON struct {
	obj, arr bool
	keys     []string // of an object
	vals     []ixJSON // an object's values or an array's items
	scalar   any      // string, json.Number, bool or nil
}

func ixParseJSON(b []byte) (ixJSON, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	n, err := ixParseValue(dec)
	if err != nil {
		return n, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return n, fmt.Errorf("trailing data after JSON value")
	}
	return n, nil
}

func ixParseValue(dec *json.Decoder) (ixJSON, error) {
	tok, err := dec.Token()
	if err != nil {
		return ixJSON{}, err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return ixJSON{scalar: tok}, nil
	}
	n := ixJSON{obj: d == '{', arr: d == '['}
	for dec.More() {
		if n.obj {
			k, err := dec.Token()
			if err != nil {
				return n, err
			}
			n.keys = append(n.keys, fmt.Sprint(k))
		}
		v, err := ixParseValue(dec)
		if err != nil {
			return n, err
		}
		n.vals = append(n.vals, v)
	}
	_, err = dec.Token() // the closing delimiter
	return n, err
}

// describe renders n compactly: null fields and empty lists say nothing.
func (n ixJSON) describe() string {
	switch {
	case n.arr:
		items := make([]string, len(n.vals))
		for i, v := range n.vals {
			items[i] = v.describe()
		}
		return "[" + strings.Join(items, " ") + "]"
	case n.obj:
		var fields []string
		for i, k := range n.keys {
			if v := n.vals[i]; v.scalar != nil || v.obj || v.arr && len(v.vals) > 0 {
				fields = append(fields, k+":"+n.vals[i].describe())
			}
		}
		return "{" + strings.Join(fields, " ") + "}"
	}
	return ixDescribeScalar(n.scalar)
}

func ixDescribeScalar(v any) string {
	switch v := v.(type) {
	case nil:
		return "-"
	case string:
		return protocols.Word(v)
	case json.Number:
		return v.String()
	}
	return fmt.Sprint(v)
}
