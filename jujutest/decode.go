package jujutest

import (
	"fmt"

	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// Decoding "juju status --format json".
//
// Status decoding is on the hot path of Wait, and status documents grow
// large (about 880 KB for 1,000 units with a subordinate each). ParseStatus
// uses github.com/go-json-experiment/json, the prototype of the standard
// library's encoding/json/v2, which decodes that document about twice as
// fast as encoding/json (BenchmarkStatusParse; docs/benchmarks.md has the
// numbers and the earlier hand-written decoder it replaced).
//
// Juju replaces an entity it cannot read with {"status-error": "..."} (a
// machine, application, remote application, offer, unit, or one status
// block). Each of those types decodes itself (UnmarshalJSONFrom) into its
// plain fields plus a status-error field in one pass, and folds the error
// in: the entity becomes one whose status is "failed".
//
// FuzzParseStatus checks ParseStatus against encoding/json decoding into
// the same types: both give the same result or both fail, on any input.
// They agree on the JSON grammar, on strings (escapes, invalid UTF-8
// replaced by U+FFFD), on numbers and on the nesting limit. Two differences
// are deliberate, since Juju never writes such documents: keys match
// exactly (encoding/json also accepts other cases, such as "Current"), and
// a key repeated in one object is accepted as encoding/json accepts it.
// Unknown keys are skipped, so that the output of newer Juju versions with
// more fields still parses.

// decodeOptions are the options ParseStatus decodes with: invalid UTF-8
// and repeated keys are accepted, as encoding/json accepts them.
func decodeOptions() json.Options {
	return json.JoinOptions(jsontext.AllowInvalidUTF8(true), jsontext.AllowDuplicateNames(true))
}

// ParseStatus parses the output of "juju status --format json".
//
// Entities reported as {"status-error": "..."} become entities whose status
// Current is "failed" with the error as Message; they are not an error.
// Malformed JSON, or a document that is not a JSON object, is.
func ParseStatus(data []byte) (*Status, error) {
	if k := firstKind(data); k != '{' {
		return nil, fmt.Errorf("parsing status JSON: want an object, got %s", describeKind(k))
	}
	var st Status
	if err := json.Unmarshal(data, &st, decodeOptions()); err != nil {
		return nil, fmt.Errorf("parsing status JSON: %w", err)
	}
	return &st, nil
}

// firstKind returns the first non-space byte of data, 0 if none.
func firstKind(data []byte) byte {
	for _, c := range data {
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		}
		return c
	}
	return 0
}

func describeKind(c byte) string {
	switch c {
	case 0:
		return "nothing"
	case 'n':
		return "null"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	}
	return fmt.Sprintf("%q", c)
}

// failedInfo is the status of an entity Juju could not read.
func failedInfo(msg string) StatusInfo { return StatusInfo{Current: StatusFailed, Message: msg} }

// decodeEntity decodes one entity of type T (through its method-less
// alias P) together with a possible "status-error" member, in one pass.
// It returns the status-error's message and whether there was one.
func decodeEntity[P any](dec *jsontext.Decoder, plain *P) (msg string, failed bool, err error) {
	var w struct {
		Plain       *P      `json:",inline"`
		StatusError *string `json:"status-error"`
	}
	w.Plain = plain
	if err := json.UnmarshalDecode(dec, &w); err != nil {
		return "", false, err
	}
	if w.StatusError == nil {
		return "", false, nil
	}
	return *w.StatusError, true, nil
}

// UnmarshalJSONFrom decodes a status block, folding a status-error in.
// Status blocks are most of a status document (two per unit, three per
// machine), so this one reads the tokens itself rather than through a
// wrapper type: it halves ParseStatus's time.
func (s *StatusInfo) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	tok, err := dec.ReadToken()
	if err != nil {
		return err
	}
	switch tok.Kind() {
	case 'n':
		*s = StatusInfo{}
		return nil
	case '{':
	default:
		return fmt.Errorf("cannot unmarshal JSON %s into a status", kindName(tok.Kind()))
	}
	var out StatusInfo
	var statusErr *string
	for dec.PeekKind() != '}' {
		name, err := dec.ReadToken()
		if err != nil {
			return err
		}
		key := name.String() // a Token is void after the next read
		var field *string
		switch key {
		case "current":
			field = &out.Current
		case "message":
			field = &out.Message
		case "reason":
			field = &out.Reason
		case "since":
			field = &out.Since
		case "version":
			field = &out.Version
		case "life":
			field = &out.Life
		case "status-error":
			var msg string
			field, statusErr = &msg, &msg
		default:
			if err := dec.SkipValue(); err != nil {
				return err
			}
			continue
		}
		v, err := dec.ReadToken()
		if err != nil {
			return err
		}
		switch v.Kind() {
		case '"':
			*field = v.String()
		case 'n':
			*field = ""
			if field == statusErr {
				statusErr = nil
			}
		default:
			return fmt.Errorf("cannot unmarshal JSON %s into the string %q of a status", kindName(v.Kind()), key)
		}
	}
	if _, err := dec.ReadToken(); err != nil { // '}'
		return err
	}
	if statusErr != nil {
		out = failedInfo(*statusErr)
	}
	*s = out
	return nil
}

func kindName(k jsontext.Kind) string {
	switch k {
	case '"':
		return "string"
	case '0':
		return "number"
	case 't', 'f':
		return "boolean"
	case '[':
		return "array"
	case '{':
		return "object"
	}
	return "value"
}

// UnmarshalJSONFrom decodes the model, folding a status-error into its
// model status.
func (m *ModelStatus) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	type plain ModelStatus
	var p plain
	msg, failed, err := decodeEntity(dec, &p)
	switch {
	case err != nil:
		return err
	case !failed:
	default:
		p.ModelStatus = failedInfo(msg)
	}
	*m = ModelStatus(p)
	return nil
}

// UnmarshalJSONFrom decodes a machine; a status-error makes a machine
// whose agent and instance statuses are failed.
func (m *MachineStatus) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	type plain MachineStatus
	var p plain
	msg, failed, err := decodeEntity(dec, &p)
	switch {
	case err != nil:
		return err
	case !failed:
		*m = MachineStatus(p)
	default:
		*m = MachineStatus{JujuStatus: failedInfo(msg), MachineStatus: failedInfo(msg)}
	}
	return nil
}

// UnmarshalJSONFrom decodes a unit; a status-error makes a unit whose
// workload and agent statuses are failed.
func (u *UnitStatus) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	type plain UnitStatus
	var p plain
	msg, failed, err := decodeEntity(dec, &p)
	switch {
	case err != nil:
		return err
	case !failed:
		*u = UnitStatus(p)
	default:
		*u = UnitStatus{WorkloadStatus: failedInfo(msg), JujuStatus: failedInfo(msg)}
	}
	return nil
}

// UnmarshalJSONFrom decodes an application; a status-error makes an
// application whose status is failed.
func (a *AppStatus) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	type plain AppStatus
	var p plain
	msg, failed, err := decodeEntity(dec, &p)
	switch {
	case err != nil:
		return err
	case !failed:
		*a = AppStatus(p)
	default:
		*a = AppStatus{AppStatus: failedInfo(msg)}
	}
	return nil
}

// UnmarshalJSONFrom decodes a remote application; a status-error makes
// one whose status is failed.
func (a *RemoteAppStatus) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	type plain RemoteAppStatus
	var p plain
	msg, failed, err := decodeEntity(dec, &p)
	switch {
	case err != nil:
		return err
	case !failed:
		*a = RemoteAppStatus(p)
	default:
		*a = RemoteAppStatus{AppStatus: failedInfo(msg)}
	}
	return nil
}

// UnmarshalJSONFrom decodes an offer; a status-error makes an offer with
// only its Error set.
func (o *OfferStatus) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	type plain OfferStatus
	var p plain
	msg, failed, err := decodeEntity(dec, &p)
	switch {
	case err != nil:
		return err
	case !failed:
		*o = OfferStatus(p)
	default:
		*o = OfferStatus{Error: msg}
	}
	return nil
}
