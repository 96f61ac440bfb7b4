package jujutest

import (
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// Decoding "juju status --format json".
//
// Status decoding is on the hot path of Wait, and status documents grow
// large (about 880 KB for 1,000 units with a subordinate each), so
// ParseStatus uses a small decoder written for this schema instead of
// reflection. Measured on that document (BenchmarkStatusParse), it is
// several times faster than encoding/json into the same plain structs and
// on a par with github.com/goccy/go-json, without the dependency, because:
//
//   - It reads the document once. Juju replaces an entity it cannot read
//     with {"status-error": "..."} (a machine, application, remote
//     application, offer, unit, or one status block); the decoder sees that
//     key while filling the plain public type and folds it in, where a
//     reflection decoder needs wrapper types and a second pass, or an
//     UnmarshalJSON per entity that decodes twice (measured at about
//     5x the time of plain encoding/json).
//   - Strings without escapes (nearly all of them) are substrings of one
//     copy of the document, so they cost no allocation.
//
// The schema is one method per type, with one case per JSON key: the
// generic parts (objects, arrays, maps, numbers, status-error) are shared.
//
// FuzzParseStatus checks it against encoding/json decoding into the same
// types: both give the same result or both fail, on any input. It agrees
// with encoding/json on the JSON grammar, on strings (escapes, invalid
// UTF-8 replaced by U+FFFD), on numbers and on the nesting limit. Two
// differences are deliberate, since Juju never writes such documents: keys
// match exactly (encoding/json also accepts other cases, such as
// "Current"), and a key repeated in one object keeps its last value
// (encoding/json merges the values). Unknown keys are skipped, so that the
// output of newer Juju versions with more fields still parses.

// ParseStatus parses the output of "juju status --format json".
//
// Entities reported as {"status-error": "..."} become entities whose status
// Current is "failed" with the error as Message; they are not an error.
// Malformed JSON, or a document that is not a JSON object, is. Strings in
// the result share memory with one copy of data.
func ParseStatus(data []byte) (*Status, error) {
	d := &decoder{s: string(data)}
	st := d.status()
	if d.err == nil {
		d.ws()
		if d.pos < len(d.s) {
			d.fail("unexpected data after the status object")
		}
	}
	if d.err != nil {
		return nil, fmt.Errorf("parsing status JSON: %w", d.err)
	}
	return st, nil
}

// decoder reads JSON from s. The first error sticks: after it, every
// method returns zero values and loops stop, so decoding code reads
// straight through without checks.
type decoder struct {
	s     string
	pos   int
	depth int // objects and arrays open at pos
	err   error
}

// maxDepth is how deeply objects and arrays may nest, as in encoding/json.
const maxDepth = 10000

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("offset %d: %s", d.pos, fmt.Sprintf(format, args...))
	}
}

func (d *decoder) ws() {
	for d.pos < len(d.s) {
		switch d.s[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// peek returns the next non-space byte, or 0 at the end or after an error.
func (d *decoder) peek() byte {
	d.ws()
	if d.err != nil || d.pos >= len(d.s) {
		return 0
	}
	return d.s[d.pos]
}

func describe(c byte) string {
	if c == 0 {
		return "end of input"
	}
	return strconv.QuoteRune(rune(c))
}

// null consumes a null literal if one is next.
func (d *decoder) null() bool {
	if d.peek() == 'n' {
		d.literal("null")
		return true
	}
	return false
}

func (d *decoder) literal(lit string) {
	if len(d.s)-d.pos >= len(lit) && d.s[d.pos:d.pos+len(lit)] == lit {
		d.pos += len(lit)
		return
	}
	d.fail("invalid literal, want %s", lit)
}

// open reads the '{' or '[' that starts an object or array (what peek
// returned) and reports whether there is a first member: null, or close
// right after, make an empty one. Any other byte is an error, what names
// the expected value.
func (d *decoder) open(start, end byte, what string) bool {
	switch c := d.peek(); c {
	case start:
		d.pos++
		if d.depth++; d.depth > maxDepth {
			d.fail("objects and arrays nested deeper than %d", maxDepth)
			return false
		}
	case 'n':
		d.literal("null")
		return false
	default:
		d.fail("found %s, want %s", describe(c), what)
		return false
	}
	if d.peek() == end {
		d.pos++
		d.depth--
		return false
	}
	return d.err == nil
}

// next reads what follows a member of an object or array: ',' (and
// reports that a member follows) or the closing end.
func (d *decoder) next(end byte) bool {
	switch c := d.peek(); c {
	case ',':
		d.pos++
		return true
	case end:
		d.pos++
		d.depth--
	default:
		d.fail("found %s after a value, want ',' or %q", describe(c), end)
	}
	return false
}

// firstKey starts an object: it reads '{' and the first key with its ':'
// and reports whether there is one. null counts as an empty object. Loop
// over an object with
//
//	for k, ok := d.firstKey(); ok; k, ok = d.nextKey() {
//		// consume the value of k
//	}
func (d *decoder) firstKey() (string, bool) {
	if !d.open('{', '}', "an object") {
		return "", false
	}
	return d.key()
}

// nextKey reads the ',' and key after a value, or the closing '}'.
func (d *decoder) nextKey() (string, bool) {
	if !d.next('}') {
		return "", false
	}
	return d.key()
}

func (d *decoder) key() (string, bool) {
	if c := d.peek(); c != '"' {
		d.fail("found %s, want an object key", describe(c))
		return "", false
	}
	k := d.rawString()
	if c := d.peek(); c != ':' {
		d.fail("found %s after object key %q, want ':'", describe(c), k)
		return "", false
	}
	d.pos++
	return k, d.err == nil
}

// arrayOf reads an array whose elements are read by elem; null reads as
// nil.
func arrayOf[V any](d *decoder, elem func(*decoder) V) []V {
	if d.null() {
		return nil
	}
	out := []V{}
	for ok := d.open('[', ']', "an array"); ok; ok = d.next(']') {
		out = append(out, elem(d))
	}
	return out
}

// mapOf reads an object whose values are read by value; null reads as
// nil.
func mapOf[V any](d *decoder, value func(*decoder) V) map[string]V {
	if d.null() {
		return nil
	}
	m := map[string]V{}
	for k, ok := d.firstKey(); ok; k, ok = d.nextKey() {
		m[k] = value(d)
	}
	return m
}

// str reads a string; null reads as "".
func (d *decoder) str() string {
	switch c := d.peek(); c {
	case '"':
		return d.rawString()
	case 'n':
		d.literal("null")
		return ""
	default:
		d.fail("found %s, want a string", describe(c))
		return ""
	}
}

// rawString reads the string starting at the current '"'. A string
// without escapes and of valid UTF-8 (nearly all of them) is a substring of
// the document; any other goes the slow way.
func (d *decoder) rawString() string {
	start := d.pos + 1
	var bits byte // OR of the bytes: bit 7 is set if any is not ASCII
	for i := start; i < len(d.s); i++ {
		c := d.s[i]
		bits |= c
		switch {
		case c == '"':
			if bits >= utf8.RuneSelf && !utf8.ValidString(d.s[start:i]) {
				return d.slowString()
			}
			d.pos = i + 1
			return d.s[start:i]
		case c == '\\':
			return d.slowString()
		case c < 0x20:
			d.pos = i
			d.fail("control character in string")
			return ""
		}
	}
	d.fail("unterminated string")
	return ""
}

// slowString reads a string with escapes or invalid UTF-8, the rare case,
// with encoding/json, which also replaces each invalid byte with U+FFFD.
func (d *decoder) slowString() string {
	start := d.pos
	end := start + 1
	for ; end < len(d.s) && d.s[end] != '"'; end++ {
		if d.s[end] == '\\' {
			end++
		}
	}
	if end >= len(d.s) {
		d.fail("unterminated string")
		return ""
	}
	var out string
	if err := json.Unmarshal([]byte(d.s[start:end+1]), &out); err != nil {
		d.fail("invalid string: %v", err)
		return ""
	}
	d.pos = end + 1
	return out
}

// number reads a number and returns its text. It checks JSON's grammar
// (no leading zeros, no '+', digits around '.' and after 'e'), so that
// strconv never sees more than JSON allows.
func (d *decoder) number() string {
	d.ws()
	s, start := d.s, d.pos
	i := start
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		i = digits(s, i)
	default:
		d.fail("found %s, want a number", describe(d.peek()))
		return ""
	}
	if i < len(s) && s[i] == '.' {
		if i = digits(s, i+1); s[i-1] == '.' {
			d.fail("invalid number %q: want digits after '.'", s[start:i])
			return ""
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if j := digits(s, i); j > i {
			i = j
		} else {
			d.fail("invalid number %q: want digits in the exponent", s[start:i])
			return ""
		}
	}
	d.pos = i
	return s[start:i]
}

// digits returns the index of the first byte at or after i that is not a
// decimal digit.
func digits(s string, i int) int {
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

// integer reads a whole number with parse (strconv.Atoi, or parseUint64);
// null reads as 0. want describes the accepted values for the error.
func integer[T int | uint64](d *decoder, parse func(string) (T, error), want string) T {
	if d.null() {
		return 0
	}
	tok := d.number()
	if d.err != nil {
		return 0
	}
	n, err := parse(tok)
	if err != nil {
		d.fail("invalid number %s: want %s", tok, want)
	}
	return n
}

func (d *decoder) int() int {
	return integer(d, strconv.Atoi, "a whole number that fits in an int")
}

func (d *decoder) uint64() uint64 {
	return integer(d, parseUint64, "a whole number from 0 to 2^64-1")
}

func parseUint64(s string) (uint64, error) { return strconv.ParseUint(s, 10, 64) }

// bool reads a boolean; null reads as false.
func (d *decoder) bool() bool {
	switch c := d.peek(); c {
	case 't':
		d.literal("true")
		return true
	case 'f':
		d.literal("false")
		return false
	case 'n':
		d.literal("null")
		return false
	default:
		d.fail("found %s, want true or false", describe(c))
		return false
	}
}

// skip reads and discards any value.
func (d *decoder) skip() {
	switch c := d.peek(); c {
	case '{':
		for _, ok := d.firstKey(); ok; _, ok = d.nextKey() {
			d.skip()
		}
	case '[':
		for ok := d.open('[', ']', "an array"); ok; ok = d.next(']') {
			d.skip()
		}
	case '"':
		d.rawString()
	case 't':
		d.literal("true")
	case 'f':
		d.literal("false")
	case 'n':
		d.literal("null")
	default:
		if c == '-' || c >= '0' && c <= '9' {
			d.number()
			return
		}
		d.fail("found %s, want a value", describe(c))
	}
}

func (d *decoder) strs() []string { return arrayOf(d, (*decoder).str) }

func (d *decoder) strMap() map[string]string { return mapOf(d, (*decoder).str) }

// statusError is the "status-error" key Juju writes in place of an entity
// or status it could not read. null counts as no key, as in encoding/json.
type statusError struct {
	msg string
	set bool
}

// read reads the key's value.
func (e *statusError) read(d *decoder) {
	if d.null() {
		*e = statusError{}
		return
	}
	e.msg, e.set = d.str(), true
}

// info is the status of the entity: "failed", with the error as message.
func (e *statusError) info() StatusInfo {
	return StatusInfo{Current: StatusFailed, Message: e.msg}
}

// Schema: one method per type, filling the plain public types.

func (d *decoder) status() *Status {
	st := &Status{}
	if c := d.peek(); c != '{' {
		d.fail("found %s, want the status object", describe(c))
		return nil
	}
	for k, ok := d.firstKey(); ok; k, ok = d.nextKey() {
		switch k {
		case "model":
			st.Model = d.model()
		case "machines":
			st.Machines = mapOf(d, (*decoder).machine)
		case "applications":
			st.Apps = mapOf(d, (*decoder).app)
		case "application-endpoints":
			st.AppEndpoints = mapOf(d, (*decoder).remoteApp)
		case "offers":
			st.Offers = mapOf(d, (*decoder).offer)
		case "storage":
			st.Storage = d.storage()
		case "controller":
			for k, ok := d.firstKey(); ok; k, ok = d.nextKey() {
				if k == "timestamp" {
					st.Controller.Timestamp = d.str()
				} else {
					d.skip()
				}
			}
		default:
			d.skip()
		}
	}
	return st
}

func (d *decoder) info() (s StatusInfo) {
	var e statusError
	for k, ok := d.firstKey(); ok; k, ok = d.nextKey() {
		switch k {
		case "current":
			s.Current = d.str()
		case "message":
			s.Message = d.str()
		case "reason":
			s.Reason = d.str()
		case "since":
			s.Since = d.str()
		case "version":
			s.Version = d.str()
		case "life":
			s.Life = d.str()
		case "status-error":
			e.read(d)
		default:
			d.skip()
		}
	}
	if e.set {
		return e.info()
	}
	return s
}

func (d *decoder) model() (m ModelStatus) {
	var e statusError
	for k, ok := d.firstKey(); ok; k, ok = d.nextKey() {
		switch k {
		case "name":
			m.Name = d.str()
		case "type":
			m.Type = d.str()
		case "controller":
			m.Controller = d.str()
		case "cloud":
			m.Cloud = d.str()
		case "region":
			m.Region = d.str()
		case "version":
			m.Version = d.str()
		case "upgrade-available":
			m.UpgradeAvailable = d.str()
		case "model-status":
			m.ModelStatus = d.info()
		case "sla":
			m.SLA = d.str()
		case "status-error":
			e.read(d)
		default:
			d.skip()
		}
	}
	if e.set {
		m.ModelStatus = e.info() // the model's other fields stay
	}
	return m
}

func (d *decoder) base() (b Base) {
	for k, ok := d.firstKey(); ok; k, ok = d.nextKey() {
		switch k {
		case "name":
			b.Name = d.str()
		case "channel":
			b.Channel = d.str()
		default:
			d.skip()
		}
	}
	return b
}

func (d *decoder) machine() (m MachineStatus) {
	var e statusError
	for k, ok := d.firstKey(); ok; k, ok = d.nextKey() {
		switch k {
		case "juju-status":
			m.JujuStatus = d.info()
		case "hostname":
			m.Hostname = d.str()
		case "dns-name":
			m.DNSName = d.str()
		case "ip-addresses":
			m.IPAddresses = d.strs()
		case "instance-id":
			m.InstanceID = d.str()
		case "display-name":
			m.DisplayName = d.str()
		case "machine-status":
			m.MachineStatus = d.info()
		case "modification-status":
			m.ModificationStatus = d.info()
		case "base":
			m.Base = d.base()
		case "network-interfaces":
			m.NetworkInterfaces = mapOf(d, (*decoder).networkInterface)
		case "containers":
			m.Containers = mapOf(d, (*decoder).machine)
		case "constraints":
			m.Constraints = d.str()
		case "hardware":
			m.Hardware = d.str()
		case "controller-member-status":
			m.ControllerMemberStatus = d.str()
		case "ha-primary":
			m.HAPrimary = d.bool()
		case "lxd-profiles":
			m.LXDProfiles = mapOf(d, (*decoder).lxdProfile)
		case "status-error":
			e.read(d)
		default:
			d.skip()
		}
	}
	if e.set {
		return MachineStatus{JujuStatus: e.info(), MachineStatus: e.info()}
	}
	return m
}

func (d *decoder) networkInterface() (n NetworkInterface) {
	for k, ok := d.firstKey(); ok; k, ok = d.nextKey() {
		switch k {
		case "ip-addresses":
			n.IPAddresses = d.strs()
		case "mac-address":
			n.MACAddress = d.str()
		case "gateway":
			n.Gateway = d.str()
		case "dns-nameservers":
			n.DNSNameservers = d.strs()
		case "space":
			n.Space = d.str()
		case "is-up":
			n.IsUp = d.bool()
		default:
			d.skip()
		}
	}
	return n
}

func (d *decoder) lxdProfile() (p LXDProfile) {
	for k, ok := d.firstKey(); ok; k, ok = d.nextKey() {
		switch k {
		case "config":
			p.Config = d.strMap()
		case "description":
			p.Description = d.str()
		case "devices":
			p.Devices = mapOf(d, (*decoder).strMap)
		default:
			d.skip()
		}
	}
	return p
}

func (d *decoder) app() (a AppStatus) {
	var e statusError
	for k, ok := d.firstKey(); ok; k, ok = d.nextKey() {
		switch k {
		case "charm":
			a.Charm = d.str()
		case "charm-origin":
			a.CharmOrigin = d.str()
		case "charm-name":
			a.CharmName = d.str()
		case "charm-rev":
			a.CharmRev = d.int()
		case "charm-channel":
			a.CharmChannel = d.str()
		case "charm-version":
			a.CharmVersion = d.str()
		case "charm-profile":
			a.CharmProfile = d.str()
		case "can-upgrade-to":
			a.CanUpgradeTo = d.str()
		case "base":
			a.Base = d.base()
		case "exposed":
			a.Exposed = d.bool()
		case "scale":
			a.Scale = d.int()
		case "provider-id":
			a.ProviderID = d.str()
		case "address":
			a.Address = d.str()
		case "life":
			a.Life = d.str()
		case "application-status":
			a.AppStatus = d.info()
		case "relations":
			a.Relations = mapOf(d, func(d *decoder) []AppRelation { return arrayOf(d, (*decoder).appRelation) })
		case "subordinate-to":
			a.SubordinateTo = d.strs()
		case "units":
			a.Units = mapOf(d, (*decoder).unit)
		case "version":
			a.Version = d.str()
		case "endpoint-bindings":
			a.EndpointBindings = d.strMap()
		case "status-error":
			e.read(d)
		default:
			d.skip()
		}
	}
	if e.set {
		return AppStatus{AppStatus: e.info()}
	}
	return a
}

func (d *decoder) appRelation() (r AppRelation) {
	for k, ok := d.firstKey(); ok; k, ok = d.nextKey() {
		switch k {
		case "related-application":
			r.RelatedApp = d.str()
		case "interface":
			r.Interface = d.str()
		case "scope":
			r.Scope = d.str()
		default:
			d.skip()
		}
	}
	return r
}

func (d *decoder) unit() (u UnitStatus) {
	var e statusError
	for k, ok := d.firstKey(); ok; k, ok = d.nextKey() {
		switch k {
		case "workload-status":
			u.WorkloadStatus = d.info()
		case "juju-status":
			u.JujuStatus = d.info()
		case "leader":
			u.Leader = d.bool()
		case "upgrading-from":
			u.UpgradingFrom = d.str()
		case "machine":
			u.Machine = d.str()
		case "open-ports":
			u.OpenPorts = d.strs()
		case "public-address":
			u.PublicAddress = d.str()
		case "address":
			u.Address = d.str()
		case "provider-id":
			u.ProviderID = d.str()
		case "subordinates":
			u.Subordinates = mapOf(d, (*decoder).unit)
		case "branch":
			u.Branch = d.str()
		case "status-error":
			e.read(d)
		default:
			d.skip()
		}
	}
	if e.set {
		return UnitStatus{WorkloadStatus: e.info(), JujuStatus: e.info()}
	}
	return u
}

func (d *decoder) remoteEndpoint() (e RemoteEndpoint) {
	for k, ok := d.firstKey(); ok; k, ok = d.nextKey() {
		switch k {
		case "interface":
			e.Interface = d.str()
		case "role":
			e.Role = d.str()
		default:
			d.skip()
		}
	}
	return e
}

func (d *decoder) remoteApp() (r RemoteAppStatus) {
	var e statusError
	for k, ok := d.firstKey(); ok; k, ok = d.nextKey() {
		switch k {
		case "url":
			r.URL = d.str()
		case "endpoints":
			r.Endpoints = mapOf(d, (*decoder).remoteEndpoint)
		case "life":
			r.Life = d.str()
		case "application-status":
			r.AppStatus = d.info()
		case "relations":
			r.Relations = mapOf(d, (*decoder).strs)
		case "status-error":
			e.read(d)
		default:
			d.skip()
		}
	}
	if e.set {
		return RemoteAppStatus{AppStatus: e.info()}
	}
	return r
}

func (d *decoder) offer() (o OfferStatus) {
	var e statusError
	for k, ok := d.firstKey(); ok; k, ok = d.nextKey() {
		switch k {
		case "application":
			o.App = d.str()
		case "charm":
			o.Charm = d.str()
		case "total-connected-count":
			o.TotalConnectedCount = d.int()
		case "active-connected-count":
			o.ActiveConnectedCount = d.int()
		case "endpoints":
			o.Endpoints = mapOf(d, (*decoder).remoteEndpoint)
		case "status-error":
			e.read(d)
		default:
			d.skip()
		}
	}
	if e.set {
		return OfferStatus{Error: e.msg}
	}
	return o
}

func (d *decoder) storage() (c CombinedStorage) {
	for k, ok := d.firstKey(); ok; k, ok = d.nextKey() {
		switch k {
		case "storage":
			c.Storage = mapOf(d, (*decoder).storageInfo)
		case "filesystems":
			c.Filesystems = mapOf(d, (*decoder).filesystem)
		case "volumes":
			c.Volumes = mapOf(d, (*decoder).volume)
		default:
			d.skip()
		}
	}
	return c
}

func (d *decoder) storageInfo() (s StorageInfo) {
	for k, ok := d.firstKey(); ok; k, ok = d.nextKey() {
		switch k {
		case "kind":
			s.Kind = d.str()
		case "life":
			s.Life = d.str()
		case "status":
			s.Status = d.info()
		case "persistent":
			s.Persistent = d.bool()
		case "attachments":
			for k, ok := d.firstKey(); ok; k, ok = d.nextKey() {
				if k == "units" {
					s.Attachments.Units = mapOf(d, (*decoder).unitAttachment)
				} else {
					d.skip()
				}
			}
		default:
			d.skip()
		}
	}
	return s
}

// attachments reads the attachments of a filesystem or volume: machines
// and containers, read by attach, and units.
func attachments[A any](d *decoder, attach func(*decoder) A) (machines, containers map[string]A, units map[string]UnitStorageAttachment) {
	for k, ok := d.firstKey(); ok; k, ok = d.nextKey() {
		switch k {
		case "machines":
			machines = mapOf(d, attach)
		case "containers":
			containers = mapOf(d, attach)
		case "units":
			units = mapOf(d, (*decoder).unitAttachment)
		default:
			d.skip()
		}
	}
	return machines, containers, units
}

func (d *decoder) unitAttachment() (a UnitStorageAttachment) {
	for k, ok := d.firstKey(); ok; k, ok = d.nextKey() {
		switch k {
		case "machine":
			a.Machine = d.str()
		case "location":
			a.Location = d.str()
		case "life":
			a.Life = d.str()
		default:
			d.skip()
		}
	}
	return a
}

func (d *decoder) filesystem() (f FilesystemInfo) {
	for k, ok := d.firstKey(); ok; k, ok = d.nextKey() {
		switch k {
		case "provider-id":
			f.ProviderID = d.str()
		case "volume":
			f.Volume = d.str()
		case "storage":
			f.Storage = d.str()
		case "attachments":
			a := &f.Attachments
			a.Machines, a.Containers, a.Units = attachments(d, (*decoder).filesystemAttachment)
		case "pool":
			f.Pool = d.str()
		case "size":
			f.Size = d.uint64()
		case "life":
			f.Life = d.str()
		case "status":
			f.Status = d.info()
		default:
			d.skip()
		}
	}
	return f
}

func (d *decoder) filesystemAttachment() (a FilesystemAttachment) {
	for k, ok := d.firstKey(); ok; k, ok = d.nextKey() {
		switch k {
		case "mount-point":
			a.MountPoint = d.str()
		case "read-only":
			a.ReadOnly = d.bool()
		case "life":
			a.Life = d.str()
		default:
			d.skip()
		}
	}
	return a
}

func (d *decoder) volume() (v VolumeInfo) {
	for k, ok := d.firstKey(); ok; k, ok = d.nextKey() {
		switch k {
		case "provider-id":
			v.ProviderID = d.str()
		case "storage":
			v.Storage = d.str()
		case "attachments":
			a := &v.Attachments
			a.Machines, a.Containers, a.Units = attachments(d, (*decoder).volumeAttachment)
		case "pool":
			v.Pool = d.str()
		case "hardware-id":
			v.HardwareID = d.str()
		case "wwn":
			v.WWN = d.str()
		case "size":
			v.Size = d.uint64()
		case "persistent":
			v.Persistent = d.bool()
		case "life":
			v.Life = d.str()
		case "status":
			v.Status = d.info()
		default:
			d.skip()
		}
	}
	return v
}

func (d *decoder) volumeAttachment() (a VolumeAttachment) {
	for k, ok := d.firstKey(); ok; k, ok = d.nextKey() {
		switch k {
		case "device":
			a.Device = d.str()
		case "device-link":
			a.DeviceLink = d.str()
		case "bus-address":
			a.BusAddress = d.str()
		case "read-only":
			a.ReadOnly = d.bool()
		case "life":
			a.Life = d.str()
		default:
			d.skip()
		}
	}
	return a
}
