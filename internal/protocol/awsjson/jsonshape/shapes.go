// Package jsonshape reads and writes JSON bodies against model shapes: the
// walker shared by the json (awsjson) and rest-json (restjson) codecs.
//
// Reading (Decode, DecodeValue) turns JSON into a protocol document:
//
//	structure -> map[string]any keyed by member name (the JSON key is the
//	             member's locationName when the model sets one, as botocore)
//	list      -> []any            map     -> map[string]any
//	string    -> string           boolean -> bool
//	integer, long -> int64        float, double -> float64
//	blob      -> []byte (base64 in JSON)
//	timestamp -> time.Time (epoch seconds, possibly fractional; ISO 8601
//	             and HTTP date strings are accepted too)
//	document  -> any (map[string]any, []any, string, int64 for integral
//	             numbers that fit, else float64, bool, nil)
//
// JSON null and unknown members are skipped, as AWS does. A body that is
// not JSON is a *SyntaxError; JSON of the wrong type for its shape is a
// *TypeError whose text is the one AWS's Coral frontends give (e.g.
// "NUMBER_VALUE cannot be converted to String"). The codecs turn both into
// their protocol's error.
//
// Writing (AppendStruct, AppendValue, AppendAny) is the reverse: members in
// model order, nil values left out, timestamps as epoch seconds with
// millisecond fraction unless the model says otherwise, blobs in base64,
// NaN and infinities as the strings the SDKs read. A value of a Go type the
// shape cannot hold is an error (a bug in hako, not the client's fault).
//
// Both directions take bodyOnly: for rest-json the members bound to HTTP
// locations (uri, querystring, header, headers, statusCode) are not part of
// the top-level JSON object.
package jsonshape

import (
	"strings"
	"sync"

	"hako/internal/protocol/model"
)

// member is a structure member with its JSON key resolved.
type member struct {
	name    string // member name: the document key
	wire    string // JSON key
	ref     *model.ShapeRef
	located bool // bound to an HTTP location (rest protocols)
}

// structInfo caches what the walker needs to know about a structure.
type structInfo struct {
	members []member
	// byWire maps JSON keys to member indexes, body members winning over
	// located ones; nil for small structures, which are scanned.
	byWire map[string]int
	// byName maps member names to indexes (large structures only).
	byName map[string]int
}

const scanLimit = 8

var structs sync.Map // *model.Shape -> *structInfo

func infoOf(s *model.Shape) *structInfo {
	if v, ok := structs.Load(s); ok {
		return v.(*structInfo)
	}
	info := &structInfo{members: make([]member, len(s.Members))}
	for i, m := range s.Members {
		wire := m.Name
		if m.Location == "" && m.LocationName != "" {
			wire = m.LocationName
		}
		info.members[i] = member{name: m.Name, wire: wire, ref: m.ShapeRef, located: m.Location != ""}
	}
	if len(info.members) > scanLimit {
		info.byWire = make(map[string]int, len(info.members))
		info.byName = make(map[string]int, len(info.members))
		for i, m := range info.members {
			if j, dup := info.byWire[m.wire]; !dup || info.members[j].located {
				info.byWire[m.wire] = i
			}
			info.byName[m.name] = i
		}
	}
	v, _ := structs.LoadOrStore(s, info)
	return v.(*structInfo)
}

// lookup finds the member a JSON key names; -1 if none.
func (info *structInfo) lookup(key []byte, bodyOnly bool) int {
	if info.byWire != nil {
		i, ok := info.byWire[string(key)]
		if !ok || (bodyOnly && info.members[i].located) {
			return -1
		}
		return i
	}
	for i := range info.members {
		m := &info.members[i]
		if m.wire == string(key) && !(bodyOnly && m.located) {
			return i
		}
	}
	return -1
}

// MessageKey returns the JSON key of an error shape's message member
// ("message" or "Message", as the model spells it, honouring its
// locationName); fallback when the shape has none.
func MessageKey(s *model.Shape, fallback string) string {
	if s == nil {
		return fallback
	}
	info := infoOf(s)
	for _, m := range info.members {
		if strings.EqualFold(m.name, "message") && !m.located {
			return m.wire
		}
	}
	return fallback
}

// MessageMember returns the member name of an error shape's message member,
// or "".
func MessageMember(s *model.Shape) string {
	if s == nil {
		return ""
	}
	for _, m := range s.Members {
		if strings.EqualFold(m.Name, "message") && m.Location == "" {
			return m.Name
		}
	}
	return ""
}
