package xmlshape

import "hako/internal/protocol/model"

// Names holds wire names that a model lost and a protocol still needs:
// when SQS moved from query to JSON, botocore's model dropped the
// locationName traits that name its query parameters and XML elements
// (MessageAttribute.1.Name...); model.QueryCompat has them. A nil *Names
// means "the model says it all".
type Names struct {
	// Members maps a structure member to its wire name. For a flattened
	// list or map this is the name every item or entry repeats under.
	Members map[Member]string
	// Entries maps a map shape (by name) to the wire names of its keys and
	// values.
	Entries map[string]Entry
}

// Member names one member of a structure shape.
type Member = model.MemberKey

// Entry is the pair of names a map entry's key and value travel under.
type Entry = model.EntryNames

// MemberName is the wire name of structure s's member m, the way botocore
// names it in query parameters and XML elements: a flattened list takes
// its item's locationName when it has one; otherwise the member's
// locationName, else the locationName of its shape, else the member name.
func (n *Names) MemberName(s *model.Shape, m model.Member) string {
	if n != nil && n.Members != nil {
		if name, ok := n.Members[Member{Shape: s.Name, Name: m.Name}]; ok {
			return name
		}
	}
	if ms := m.Shape; ms != nil && ms.Type == "list" && (m.Flattened || ms.Flattened) && ms.Member != nil {
		if name := refName(ms.Member); name != "" {
			return name
		}
	}
	if name := refName(m.ShapeRef); name != "" {
		return name
	}
	return m.Name
}

// ItemName is the element every item of a non-flattened list is wrapped
// in: the list member's locationName, else "member".
func (n *Names) ItemName(list *model.Shape) string {
	if list.Member != nil {
		if name := refName(list.Member); name != "" {
			return name
		}
	}
	return "member"
}

// EntryNames are the names of a map's key and value elements: their
// locationNames, else "key" and "value".
func (n *Names) EntryNames(m *model.Shape) (key, value string) {
	if n != nil && n.Entries != nil {
		if e, ok := n.Entries[m.Name]; ok {
			return e.Key, e.Value
		}
	}
	key, value = "key", "value"
	if m.Key != nil {
		if name := refName(m.Key); name != "" {
			key = name
		}
	}
	if m.Value != nil {
		if name := refName(m.Value); name != "" {
			value = name
		}
	}
	return key, value
}

// Flattened reports whether a list or map member is written without a
// wrapping element.
func Flattened(ref *model.ShapeRef) bool {
	return ref.Flattened || (ref.Shape != nil && ref.Shape.Flattened)
}

func refName(ref *model.ShapeRef) string {
	if ref.LocationName != "" {
		return ref.LocationName
	}
	if ref.Shape != nil {
		return ref.Shape.LocationName
	}
	return ""
}
