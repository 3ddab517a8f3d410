package xmlshape

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"hako/internal/protocol/model"
	"hako/internal/protocol/scalar"
)

// Node is one element of a parsed document.
type Node struct {
	// Name is the element's local name (namespace prefixes are dropped:
	// AWS's parsers match on local names too).
	Name  string
	Attrs []xml.Attr
	// Text is the element's character data (concatenated when split by
	// child elements or comments).
	Text     string
	Children []*Node
}

// MaxDepth bounds element nesting; AWS's documents nest a handful of
// levels, so anything deeper is refused rather than walked.
const MaxDepth = 64

// Parse reads one XML document and returns its root element, or nil for a
// document with no element at all (an empty body).
func Parse(r io.Reader) (*Node, error) {
	d := xml.NewDecoder(r)
	d.Strict = true
	var (
		root  *Node
		stack []*Node
		// Pointers: growing the slice must not copy a Builder in use
		// (strings.Builder panics when a written one is copied).
		text []*strings.Builder
	)
	for {
		tok, err := d.Token()
		if err == io.EOF {
			if len(stack) > 0 {
				return nil, errors.New("unexpected end of document")
			}
			return root, nil
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if root != nil && len(stack) == 0 {
				return nil, errors.New("more than one root element")
			}
			if len(stack) >= MaxDepth {
				return nil, errors.New("document nested too deeply")
			}
			n := &Node{Name: t.Name.Local}
			if len(t.Attr) > 0 {
				n.Attrs = t.Attr
			}
			if len(stack) == 0 {
				root = n
			} else {
				parent := stack[len(stack)-1]
				parent.Children = append(parent.Children, n)
			}
			stack = append(stack, n)
			if len(text) < len(stack) {
				text = append(text, new(strings.Builder))
			}
			text[len(stack)-1].Reset()
		case xml.EndElement:
			// The decoder (Strict) has checked that tags match.
			top := len(stack) - 1
			stack[top].Text = text[top].String()
			stack = stack[:top]
		case xml.CharData:
			if len(stack) == 0 {
				if len(bytes.TrimSpace(t)) > 0 {
					return nil, errors.New("text outside the root element")
				}
				continue
			}
			text[len(stack)-1].Write(t)
		}
	}
}

// Child returns n's first child element named name, or nil.
func (n *Node) Child(name string) *Node {
	for _, c := range n.Children {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// Attr returns the value of n's attribute whose local name is the part of
// name after any "prefix:".
func (n *Node) Attr(name string) (string, bool) {
	if i := strings.LastIndexByte(name, ':'); i >= 0 {
		name = name[i+1:]
	}
	for _, a := range n.Attrs {
		if a.Name.Local == name && a.Name.Space != "xmlns" {
			return a.Value, true
		}
	}
	return "", false
}

// Decoder reads documents out of parsed XML. The zero Decoder follows the
// model alone; Names adds the wire names a model lost.
type Decoder struct {
	Names *Names
}

// Structure reads the body members of structure s from element n (members
// bound to headers, the URI and such are left to the caller). Elements the
// model does not know are ignored, as AWS does.
func (d *Decoder) Structure(n *Node, s *model.Shape) (map[string]any, error) {
	doc := make(map[string]any, len(s.Members))
	for _, m := range s.Members {
		if m.Location != "" || m.Shape == nil {
			continue
		}
		name := d.Names.MemberName(s, m)
		if m.XMLAttribute {
			text, ok := n.Attr(name)
			if !ok {
				continue
			}
			v, err := scalar.Parse(m.Shape, scalar.TimestampFormat(m.ShapeRef, scalar.ISO8601), text)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			doc[m.Name] = v
			continue
		}
		if Flattened(m.ShapeRef) && (m.Shape.Type == "list" || m.Shape.Type == "map") {
			v, err := d.flattened(n, name, m.ShapeRef)
			if err != nil {
				return nil, err
			}
			if v != nil {
				doc[m.Name] = v
			}
			continue
		}
		c := n.Child(name)
		if c == nil {
			continue
		}
		v, err := d.Value(c, m.ShapeRef)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		doc[m.Name] = v
	}
	return doc, nil
}

// flattened collects the children of n named name as the items of a
// flattened list or the entries of a flattened map.
func (d *Decoder) flattened(n *Node, name string, ref *model.ShapeRef) (any, error) {
	s := ref.Shape
	var (
		list    []any
		entries map[string]any
	)
	for i, c := range n.Children {
		if c.Name != name {
			continue
		}
		if s.Type == "list" {
			if s.Member == nil {
				return nil, nil
			}
			v, err := d.Value(c, s.Member)
			if err != nil {
				return nil, fmt.Errorf("%s[%d]: %w", name, i+1, err)
			}
			list = append(list, v)
			continue
		}
		if entries == nil {
			entries = map[string]any{}
		}
		if err := d.entry(c, s, entries); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	if s.Type == "list" {
		if list == nil {
			return nil, nil
		}
		return list, nil
	}
	if entries == nil {
		return nil, nil
	}
	return entries, nil
}

// Value reads element n as a value of ref's shape.
func (d *Decoder) Value(n *Node, ref *model.ShapeRef) (any, error) {
	s := ref.Shape
	switch s.Type {
	case "structure":
		return d.Structure(n, s)
	case "list":
		list := make([]any, 0, len(n.Children))
		if s.Member == nil {
			return list, nil
		}
		item := d.Names.ItemName(s)
		for i, c := range n.Children {
			if c.Name != item {
				continue
			}
			v, err := d.Value(c, s.Member)
			if err != nil {
				return nil, fmt.Errorf("%s[%d]: %w", item, i+1, err)
			}
			list = append(list, v)
		}
		return list, nil
	case "map":
		entries := make(map[string]any, len(n.Children))
		for _, c := range n.Children {
			if c.Name != "entry" {
				continue
			}
			if err := d.entry(c, s, entries); err != nil {
				return nil, err
			}
		}
		return entries, nil
	}
	if len(n.Children) > 0 {
		return nil, fmt.Errorf("%w: found element <%s> where a %s was expected", scalar.ErrType, n.Children[0].Name, s.Type)
	}
	if n.Text == "" && s.Type != "string" && s.Type != "blob" {
		return nil, fmt.Errorf("%w: empty %s", scalar.ErrType, s.Type)
	}
	return scalar.Parse(s, scalar.TimestampFormat(ref, scalar.ISO8601), n.Text)
}

func (d *Decoder) entry(n *Node, s *model.Shape, into map[string]any) error {
	if s.Key == nil || s.Value == nil {
		return nil
	}
	keyName, valueName := d.Names.EntryNames(s)
	kn, vn := n.Child(keyName), n.Child(valueName)
	if kn == nil {
		return fmt.Errorf("%w: map entry without <%s>", scalar.ErrType, keyName)
	}
	k, err := d.Value(kn, s.Key)
	if err != nil {
		return err
	}
	key, ok := k.(string)
	if !ok {
		key = fmt.Sprint(k)
	}
	if vn == nil {
		into[key] = nil
		return nil
	}
	v, err := d.Value(vn, s.Value)
	if err != nil {
		return fmt.Errorf("%s: %w", strconv.Quote(key), err)
	}
	into[key] = v
	return nil
}
