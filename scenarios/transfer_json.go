package scenarios

import (
	"encoding/json"
	"strconv"
)

// Transfer bodies are JSON (readable in traces and replays), but they are
// written and read on every transaction of every seed, where
// encoding/json's reflection cost 5% of a campaign's CPU. These functions
// write exactly the bytes json.Marshal writes and read exactly what
// json.Unmarshal reads, by hand for the shapes the workload produces and
// through encoding/json for anything else.

// marshalTransferArgs is json.Marshal(a).
func marshalTransferArgs(a transferArgs) []byte {
	b := make([]byte, 0, 48)
	b = strconv.AppendInt(append(b, `{"From":`...), int64(a.From), 10)
	b = strconv.AppendInt(append(b, `,"To":`...), int64(a.To), 10)
	b = strconv.AppendInt(append(b, `,"Amount":`...), a.Amount, 10)
	return append(b, '}')
}

// unmarshalTransferArgs is json.Unmarshal(body, &a).
func unmarshalTransferArgs(body []byte) (transferArgs, error) {
	rest := string(body)
	from, rest, ok1 := jsonIntField(rest, `{"From":`)
	to, rest, ok2 := jsonIntField(rest, `,"To":`)
	amount, rest, ok3 := jsonIntField(rest, `,"Amount":`)
	if ok1 && ok2 && ok3 && rest == "}" && int64(int(from)) == from && int64(int(to)) == to {
		return transferArgs{From: int(from), To: int(to), Amount: amount}, nil
	}
	var a transferArgs
	err := json.Unmarshal(body, &a)
	return a, err
}

// jsonIntField reads prefix and then an integer as strconv formats it
// (the only form json.Marshal writes), returning what follows.
func jsonIntField(s, prefix string) (int64, string, bool) {
	if len(s) < len(prefix) || s[:len(prefix)] != prefix {
		return 0, s, false
	}
	s = s[len(prefix):]
	end := 0
	for end < len(s) && (s[end] == '-' && end == 0 || s[end] >= '0' && s[end] <= '9') {
		end++
	}
	v, err := strconv.ParseInt(s[:end], 10, 64)
	if err != nil || strconv.FormatInt(v, 10) != s[:end] {
		return 0, s, false
	}
	return v, s[end:], true
}

// marshalTransferResult is json.Marshal(r).
func marshalTransferResult(r transferResult) []byte {
	if !plainJSONString(r.Reason) {
		b, _ := json.Marshal(r)
		return b
	}
	b := append(make([]byte, 0, 48), '{')
	sep := ""
	if r.Reason != "" {
		b = append(append(append(b, `"Reason":"`...), r.Reason...), '"')
		sep = ","
	}
	if r.From != nil {
		b = strconv.AppendInt(append(append(b, sep...), `"From":`...), *r.From, 10)
		sep = ","
	}
	if r.To != nil {
		b = strconv.AppendInt(append(append(b, sep...), `"To":`...), *r.To, 10)
	}
	return append(b, '}')
}

// plainJSONString reports whether json.Marshal writes s as it is, between
// quotes: printable ASCII without the characters it escapes.
func plainJSONString(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// unmarshalTransferResult is json.Unmarshal(body, &r) for a committed
// transfer's answer, which carries the two balances and no reason.
func unmarshalTransferResult(body []byte) (transferResult, error) {
	from, rest, ok1 := jsonIntField(string(body), `{"From":`)
	to, rest, ok2 := jsonIntField(rest, `,"To":`)
	if ok1 && ok2 && rest == "}" {
		return transferResult{From: &from, To: &to}, nil
	}
	var r transferResult
	err := json.Unmarshal(body, &r)
	return r, err
}
