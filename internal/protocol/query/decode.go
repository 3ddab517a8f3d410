package query

import (
	"net/http"
	"sort"
	"strconv"
	"strings"

	"hako/internal/protocol"
	"hako/internal/protocol/model"
	"hako/internal/protocol/restxml/xmlshape"
	"hako/internal/protocol/scalar"
)

// Decode reads the input of c.Op from the request's parameters.
func (cd Codec) Decode(c *protocol.Call, r *http.Request) (map[string]any, error) {
	op := c.Op
	if op == nil {
		var err error
		if op, err = cd.Operation(c, r); err != nil {
			return nil, err
		}
	}
	form, err := params(r)
	if err != nil {
		return nil, err
	}
	if op.InputShape == nil {
		return map[string]any{}, nil
	}
	d := decoder{names: names(c.API)}
	doc, err := d.structure(tree(form), op.InputShape, "")
	if err != nil {
		return nil, err
	}
	return doc, nil
}

// param is one node of the parameter tree: "Tags.member.1.Key=k" is the
// path Tags -> member -> 1 -> Key holding "k".
type param struct {
	value    string
	set      bool // a parameter names this node itself
	children map[string]*param
}

func tree(form map[string][]string) *param {
	root := &param{children: make(map[string]*param, len(form))}
	for key, values := range form {
		if len(values) == 0 {
			continue
		}
		p := root
		for key != "" {
			part, rest, _ := strings.Cut(key, ".")
			key = rest
			if p.children == nil {
				p.children = map[string]*param{}
			}
			child := p.children[part]
			if child == nil {
				child = &param{}
				p.children[part] = child
			}
			p = child
		}
		if p != root && !p.set {
			p.value, p.set = values[0], true
		}
	}
	return root
}

type decoder struct {
	names *xmlshape.Names
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func (d *decoder) structure(p *param, s *model.Shape, path string) (map[string]any, error) {
	doc := make(map[string]any, len(s.Members))
	if len(p.children) == 0 {
		return doc, nil
	}
	for _, m := range s.Members {
		if m.Shape == nil {
			continue
		}
		name := d.names.MemberName(s, m)
		child := p.children[name]
		if child == nil && m.QueryName != "" {
			name = m.QueryName
			child = p.children[name]
		}
		if child == nil && m.Name != name {
			name = m.Name
			child = p.children[name]
		}
		if child == nil {
			continue
		}
		v, err := d.value(child, m.ShapeRef, join(path, name))
		if err != nil {
			return nil, err
		}
		if v != nil {
			doc[m.Name] = v
		}
	}
	return doc, nil
}

func (d *decoder) value(p *param, ref *model.ShapeRef, path string) (any, error) {
	s := ref.Shape
	switch s.Type {
	case "structure":
		if p.set && p.value != "" && len(p.children) == 0 {
			return nil, malformed(path, "a structure was expected")
		}
		return d.structure(p, s, path)
	case "list":
		return d.list(p, ref, path)
	case "map":
		return d.mapValue(p, ref, path)
	}
	if !p.set {
		return nil, malformed(path, "start of list found where not expected")
	}
	v, err := scalar.Parse(s, scalar.TimestampFormat(ref, scalar.ISO8601), p.value)
	if err != nil {
		return nil, invalidValue(path, p.value, err)
	}
	return v, nil
}

// items returns p's children with numeric names, in index order.
func items(p *param) []*param {
	if p == nil || len(p.children) == 0 {
		return nil
	}
	type indexed struct {
		i int
		p *param
	}
	var found []indexed
	for k, c := range p.children {
		i, err := strconv.Atoi(k)
		if err != nil || i < 1 {
			continue
		}
		found = append(found, indexed{i, c})
	}
	sort.Slice(found, func(a, b int) bool { return found[a].i < found[b].i })
	out := make([]*param, len(found))
	for i, f := range found {
		out[i] = f.p
	}
	return out
}

func (d *decoder) list(p *param, ref *model.ShapeRef, path string) (any, error) {
	s := ref.Shape
	if s.Member == nil {
		return nil, nil
	}
	if len(p.children) == 0 {
		if p.set && p.value == "" {
			return []any{}, nil // "Tags=": the query protocol's empty list
		}
		return nil, malformed(path, "a list was expected")
	}
	// Clients follow the model's flattened trait; accept the other form
	// too, as the same parameters are unambiguous.
	item := d.names.ItemName(s)
	var elems []*param
	if xmlshape.Flattened(ref) {
		if elems = items(p); elems == nil {
			elems = items(p.children[item])
		} else {
			item = ""
		}
	} else {
		if elems = items(p.children[item]); elems == nil {
			elems, item = items(p), ""
		}
	}
	list := make([]any, 0, len(elems))
	for i, e := range elems {
		v, err := d.value(e, s.Member, join(join(path, item), strconv.Itoa(i+1)))
		if err != nil {
			return nil, err
		}
		if v != nil {
			list = append(list, v)
		}
	}
	return list, nil
}

func (d *decoder) mapValue(p *param, ref *model.ShapeRef, path string) (any, error) {
	s := ref.Shape
	if s.Key == nil || s.Value == nil {
		return nil, nil
	}
	if len(p.children) == 0 {
		if p.set && p.value == "" {
			return map[string]any{}, nil
		}
		return nil, malformed(path, "a map was expected")
	}
	var entries []*param
	entryPath := path
	if xmlshape.Flattened(ref) {
		if entries = items(p); entries == nil {
			entries, entryPath = items(p.children["entry"]), join(path, "entry")
		}
	} else {
		if entries, entryPath = items(p.children["entry"]), join(path, "entry"); entries == nil {
			entries, entryPath = items(p), path
		}
	}
	keyName, valueName := d.names.EntryNames(s)
	m := make(map[string]any, len(entries))
	for i, e := range entries {
		ep := join(entryPath, strconv.Itoa(i+1))
		kp, vp := e.children[keyName], e.children[valueName]
		if kp == nil {
			return nil, malformed(ep, "the map entry has no "+keyName)
		}
		k, err := d.value(kp, s.Key, join(ep, keyName))
		if err != nil {
			return nil, err
		}
		key, _ := k.(string)
		if vp == nil {
			continue
		}
		v, err := d.value(vp, s.Value, join(ep, valueName))
		if err != nil {
			return nil, err
		}
		m[key] = v
	}
	return m, nil
}

// malformedCode is the code AWS's query front ends give parameters that do
// not fit the operation's shapes.
const malformedCode = "MalformedInput"

func malformed(path, why string) *protocol.Error {
	return protocol.Errorf(malformedCode, "Parameter %s is malformed: %s.", path, why)
}

func invalidValue(path, value string, err error) *protocol.Error {
	if len(value) > 64 {
		value = value[:64] + "..."
	}
	return protocol.Errorf(malformedCode, "Value %s for parameter %s is invalid. Reason: %s.", value, path, scalar.Reason(err))
}
