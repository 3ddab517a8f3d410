package logs

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"hako/internal/engine"
)

// This file holds the storage layout (see the package comment for the
// picture): key construction, the records stored under the keys, and the
// opaque paging tokens handed to clients.

// keyRoot begins every key of the service.
const keyRoot = "logs/"

// nameTerm ends a name that is followed by more key components; nameEsc
// replaces a 0x00 inside the name. Together they make the encoding
// order-preserving and prefix-free (the FoundationDB tuple layer's trick):
// "a" sorts before "a\x00b" sorts before "ab", and the keys of group "a"
// are never a prefix range of group "a\x00b". Model patterns already forbid
// 0x00 in group names; stream names only forbid ':' and '*', so the escape
// is what keeps a hostile stream name from aliasing another stream's keys.
var (
	nameTerm = []byte{0x00, 0x01}
	nameEsc  = []byte{0x00, 0xFF}
)

// scope is one account in one region: the first components of all its keys.
type scope struct{ account, region string }

func (sc scope) prefix() []byte {
	return []byte(keyRoot + sc.account + "/" + sc.region + "/")
}

// groupsPrefix is where group records live, one per name: "g/NAME". The
// name is the key's last component, so a bytewise scan lists groups in
// name order and a name prefix is a key prefix.
func (sc scope) groupsPrefix() []byte { return append(sc.prefix(), "g/"...) }

func (sc scope) groupKey(group string) []byte { return append(sc.groupsPrefix(), group...) }

// streamsPrefix is where a group's stream records live:
// "s/ESC(GROUP)\x00\x01STREAM".
func (sc scope) streamsPrefix(group string) []byte {
	return appendName(append(sc.prefix(), "s/"...), group)
}

func (sc scope) streamKey(group, stream string) []byte {
	return append(sc.streamsPrefix(group), stream...)
}

// groupEventsPrefix covers the events of every stream of a group.
func (sc scope) groupEventsPrefix(group string) []byte {
	return appendName(append(sc.prefix(), "e/"...), group)
}

// eventsPrefix covers one stream's events:
// "e/ESC(GROUP)\x00\x01ESC(STREAM)\x00\x01" followed by eventPos.
func (sc scope) eventsPrefix(group, stream string) []byte {
	return appendName(sc.groupEventsPrefix(group), stream)
}

func appendName(k []byte, name string) []byte {
	for i := 0; i < len(name); i++ {
		if name[i] == 0 {
			k = append(k, nameEsc...)
			continue
		}
		k = append(k, name[i])
	}
	return append(k, nameTerm...)
}

// keyAfter returns the smallest key greater than k.
func keyAfter(k []byte) []byte { return append(bytes.Clone(k), 0) }

// pos is a position in a stream's event order: events sort by timestamp,
// then by seq (the stream's ingestion counter, which starts at 1). The
// position (ts, seq) is the boundary just before the event (ts, seq), so
// (ts, 0) is "before every event at ts".
type pos struct {
	ts  int64
	seq uint64
}

var (
	posMin = pos{ts: math.MinInt64, seq: 0}
	posMax = pos{ts: math.MaxInt64, seq: math.MaxUint64}
)

func (p pos) less(q pos) bool {
	if p.ts != q.ts {
		return p.ts < q.ts
	}
	return p.seq < q.seq
}

// biased maps an int64 to a uint64 with the same order, so negative
// timestamps sort before positive ones in big-endian keys.
func biased(ts int64) uint64 { return uint64(ts) ^ (1 << 63) }

func unbiased(u uint64) int64 { return int64(u ^ (1 << 63)) }

// eventKey is prefix + big-endian biased timestamp + big-endian seq: 16
// fixed-width bytes, so a stream's events sort by (timestamp, seq) and a
// time range is a key range.
func eventKey(prefix []byte, p pos) []byte {
	k := make([]byte, len(prefix), len(prefix)+16)
	copy(k, prefix)
	k = binary.BigEndian.AppendUint64(k, biased(p.ts))
	return binary.BigEndian.AppendUint64(k, p.seq)
}

// decodeEventKey reads the position from the last 16 bytes of an event key.
func decodeEventKey(k []byte) (pos, error) {
	if len(k) < 16 {
		return pos{}, fmt.Errorf("logs: short event key %q", k)
	}
	tail := k[len(k)-16:]
	return pos{ts: unbiased(binary.BigEndian.Uint64(tail)), seq: binary.BigEndian.Uint64(tail[8:])}, nil
}

// eventValue is the big-endian ingestion time (ms) followed by the message.
func eventValue(ingest int64, msg string) []byte {
	v := make([]byte, 8, 8+len(msg))
	binary.BigEndian.PutUint64(v, uint64(ingest))
	return append(v, msg...)
}

func decodeEventValue(v []byte) (ingest int64, msg string, err error) {
	if len(v) < 8 {
		return 0, "", fmt.Errorf("logs: short event value")
	}
	return int64(binary.BigEndian.Uint64(v)), string(v[8:]), nil
}

// groupRecord is the value stored at a group key.
type groupRecord struct {
	Name               string            `json:"name"`
	CreationTime       int64             `json:"creationTime"`
	RetentionInDays    int32             `json:"retentionInDays,omitempty"`
	KmsKeyID           string            `json:"kmsKeyId,omitempty"`
	Class              string            `json:"class,omitempty"`
	Tags               map[string]string `json:"tags,omitempty"`
	DeletionProtection bool              `json:"deletionProtection,omitempty"`
}

// streamRecord is the value stored at a stream key. Seq is the per-stream
// event counter (see PutLogEvents for why it lives here), Uploads counts
// accepted PutLogEvents calls and makes the sequence token.
type streamRecord struct {
	CreationTime  int64  `json:"creationTime"`
	Seq           uint64 `json:"seq,omitempty"`
	Uploads       uint64 `json:"uploads,omitempty"`
	FirstEvent    int64  `json:"firstEvent,omitempty"`
	LastEvent     int64  `json:"lastEvent,omitempty"`
	LastIngestion int64  `json:"lastIngestion,omitempty"`
	// StoredBytes is the sum of the stored messages' lengths; the group's
	// storedBytes adds these up.
	StoredBytes int64 `json:"storedBytes,omitempty"`
}

// hasEvents reports whether the stream ever stored an event (AWS leaves the
// event fields out of DescribeLogStreams until then).
func (r *streamRecord) hasEvents() bool { return r.Seq > 0 }

func getGroup(r engine.Reader, sc scope, name string) (*groupRecord, error) {
	v, err := r.Get(sc.groupKey(name))
	if errors.Is(err, engine.ErrNotFound) {
		return nil, errGroupNotFound()
	}
	if err != nil {
		return nil, err
	}
	g := new(groupRecord)
	if err := json.Unmarshal(v, g); err != nil {
		return nil, fmt.Errorf("logs: group record %q: %w", name, err)
	}
	return g, nil
}

func getStream(r engine.Reader, sc scope, group, stream string) (*streamRecord, error) {
	v, err := r.Get(sc.streamKey(group, stream))
	if errors.Is(err, engine.ErrNotFound) {
		return nil, errStreamNotFound()
	}
	if err != nil {
		return nil, err
	}
	st := new(streamRecord)
	if err := json.Unmarshal(v, st); err != nil {
		return nil, fmt.Errorf("logs: stream record %q/%q: %w", group, stream, err)
	}
	return st, nil
}

// pageToken is the opaque nextToken of DescribeLogGroups,
// DescribeLogStreams and FilterLogEvents: base64 of a small JSON object
// whose kind says which listing (and order) it continues, so a token from
// another operation is rejected rather than misread.
type pageToken struct {
	Kind   string `json:"k"`
	Name   string `json:"n,omitempty"`
	TS     int64  `json:"t,omitempty"`
	Ingest int64  `json:"i,omitempty"`
	Seq    uint64 `json:"q,omitempty"`
}

const (
	tokGroups      = "g"  // DescribeLogGroups: Name = last group returned
	tokStreamsName = "sn" // DescribeLogStreams by name: Name = last stream
	tokStreamsTime = "st" // DescribeLogStreams by LastEventTime: TS, Name of the last stream
	tokFilter      = "f"  // FilterLogEvents: the last event's sort key
)

func encodeToken(t pageToken) string {
	return base64.RawURLEncoding.EncodeToString(engine.MustJSON(t))
}

func decodeToken(s, kind string) (pageToken, error) {
	var t pageToken
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(b, &t) != nil || t.Kind != kind {
		return pageToken{}, errBadToken()
	}
	return t, nil
}

// GetLogEvents tokens look like AWS's: "f/" or "b/", 56 digits, "/s". The
// digits are the position: 20 for the biased timestamp, 20 for seq, and 16
// zeros.
func encodeEventsToken(dir byte, p pos) string {
	return fmt.Sprintf("%c/%020d%020d%016d/s", dir, biased(p.ts), p.seq, 0)
}

func decodeEventsToken(s string) (dir byte, p pos, err error) {
	rest, ok := strings.CutSuffix(s, "/s")
	if !ok || len(rest) != 58 || (rest[0] != 'f' && rest[0] != 'b') || rest[1] != '/' {
		return 0, pos{}, errBadToken()
	}
	digits := rest[2:]
	ts, err1 := strconv.ParseUint(digits[:20], 10, 64)
	seq, err2 := strconv.ParseUint(digits[20:40], 10, 64)
	if err1 != nil || err2 != nil || strings.Trim(digits[40:], "0123456789") != "" {
		return 0, pos{}, errBadToken()
	}
	return rest[0], pos{ts: unbiased(ts), seq: seq}, nil
}
