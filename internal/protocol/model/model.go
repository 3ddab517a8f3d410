// Package model holds the AWS service models (botocore's service-2.json,
// documentation stripped) that drive hako's protocol codecs, validation and
// generated Go types.
//
// The models are embedded in the binary as gzip files under data/, written by
// `go generate` (see gen/), so building hako needs no Python. A model is
// parsed on first use and cached: a server that never sees an S3 request
// never pays for S3's model.
package model

import (
	"bytes"
	"compress/gzip"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
)

//go:generate go run ./gen

//go:embed data/*.json.gz
var data embed.FS

// API is one service's model.
type API struct {
	Metadata   Metadata              `json:"metadata"`
	Operations map[string]*Operation `json:"operations"`
	Shapes     map[string]*Shape     `json:"shapes"`

	// Name is the file name the model was loaded as (e.g. "logs").
	Name string `json:"-"`

	errorsByCode map[string]*Shape
	restOps      []*Operation // rest protocols: operations sorted for URI matching
}

// Metadata is the model's metadata block.
type Metadata struct {
	APIVersion         string    `json:"apiVersion"`
	EndpointPrefix     string    `json:"endpointPrefix"`
	JSONVersion        string    `json:"jsonVersion"`
	Protocol           string    `json:"protocol"`
	Protocols          []string  `json:"protocols"`
	ServiceFullName    string    `json:"serviceFullName"`
	ServiceID          string    `json:"serviceId"`
	SignatureVersion   string    `json:"signatureVersion"`
	SigningName        string    `json:"signingName"`
	TargetPrefix       string    `json:"targetPrefix"`
	XMLNamespace       string    `json:"xmlNamespace"`
	AWSQueryCompatible *struct{} `json:"awsQueryCompatible"`
	GlobalEndpoint     string    `json:"globalEndpoint"`
}

// Signing returns the name clients put in the SigV4 credential scope.
func (m Metadata) Signing() string {
	if m.SigningName != "" {
		return m.SigningName
	}
	return m.EndpointPrefix
}

// Operation is one API operation.
type Operation struct {
	Name   string     `json:"name"`
	HTTP   HTTP       `json:"http"`
	Input  *ShapeRef  `json:"input"`
	Output *ShapeRef  `json:"output"`
	Errors []ShapeRef `json:"errors"`
	// HTTPChecksum describes request/response checksums (S3).
	HTTPChecksum *struct {
		RequestChecksumRequired     bool   `json:"requestChecksumRequired"`
		RequestAlgorithmMember      string `json:"requestAlgorithmMember"`
		RequestValidationModeMember string `json:"requestValidationModeMember"`
	} `json:"httpChecksum"`
	Deprecated bool `json:"deprecated"`

	// InputShape and OutputShape are the resolved input and output shapes
	// (nil when the operation has none).
	InputShape  *Shape `json:"-"`
	OutputShape *Shape `json:"-"`

	uri             *uriTemplate
	requiredHeaders []string // header names of required input members
	requiredQuery   []string // query names of required input members
}

// HTTP is an operation's HTTP binding.
type HTTP struct {
	Method       string `json:"method"`
	RequestURI   string `json:"requestUri"`
	ResponseCode int    `json:"responseCode"`
}

// ShapeRef is a reference to a shape with the traits of that use of it
// (a structure member, a list member, an operation's input...).
type ShapeRef struct {
	ShapeName        string        `json:"shape"`
	Location         string        `json:"location"` // "", header, headers, querystring, uri, statusCode
	LocationName     string        `json:"locationName"`
	QueryName        string        `json:"queryName"`
	XMLNamespace     *XMLNamespace `json:"xmlNamespace"`
	XMLAttribute     bool          `json:"xmlAttribute"`
	Flattened        bool          `json:"flattened"`
	IdempotencyToken bool          `json:"idempotencyToken"`
	JSONValue        bool          `json:"jsonvalue"`
	TimestampFormat  string        `json:"timestampFormat"`
	HostLabel        bool          `json:"hostLabel"`
	Streaming        bool          `json:"streaming"`
	EventPayload     bool          `json:"eventpayload"`
	ResultWrapper    string        `json:"resultWrapper"`
	Deprecated       bool          `json:"deprecated"`

	// Shape is the resolved shape.
	Shape *Shape `json:"-"`
}

// XMLNamespace is an xmlNamespace trait.
type XMLNamespace struct {
	Prefix string `json:"prefix"`
	URI    string `json:"uri"`
}

// UnmarshalJSON accepts both the string and the object form.
func (x *XMLNamespace) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &x.URI)
	}
	type plain XMLNamespace
	return json.Unmarshal(b, (*plain)(x))
}

// Member is one member of a structure, in model order.
type Member struct {
	Name string
	*ShapeRef
}

// Shape is a named type of the model.
type Shape struct {
	Type     string    `json:"type"` // structure list map string integer long float double boolean blob timestamp
	Required []string  `json:"required"`
	Members  Members   `json:"members"`
	Member   *ShapeRef `json:"member"` // list
	Key      *ShapeRef `json:"key"`    // map
	Value    *ShapeRef `json:"value"`  // map
	Enum     []string  `json:"enum"`
	Min      *float64  `json:"min"`
	Max      *float64  `json:"max"`
	Pattern  string    `json:"pattern"`
	Payload  string    `json:"payload"`
	Error    *struct {
		Code           string `json:"code"`
		HTTPStatusCode int    `json:"httpStatusCode"`
		SenderFault    bool   `json:"senderFault"`
	} `json:"error"`
	Exception       bool          `json:"exception"`
	Fault           bool          `json:"fault"`
	Flattened       bool          `json:"flattened"`
	LocationName    string        `json:"locationName"`
	TimestampFormat string        `json:"timestampFormat"`
	XMLNamespace    *XMLNamespace `json:"xmlNamespace"`
	Streaming       bool          `json:"streaming"`
	RequiresLength  bool          `json:"requiresLength"`
	Sensitive       bool          `json:"sensitive"`
	Document        bool          `json:"document"`
	Union           bool          `json:"union"`
	Event           bool          `json:"event"`
	EventStream     bool          `json:"eventstream"`

	// Name is the shape's name in the model.
	Name string `json:"-"`

	required map[string]bool
}

// IsRequired reports whether member is in the structure's required list.
func (s *Shape) IsRequired(member string) bool { return s.required[member] }

// MemberByName returns the named member, or nil.
func (s *Shape) MemberByName(name string) *Member {
	for i := range s.Members {
		if s.Members[i].Name == name {
			return &s.Members[i]
		}
	}
	return nil
}

// Members keeps structure members in model order: rest-xml and query
// serialize members in that order, and XML clients are sensitive to it.
type Members []Member

// UnmarshalJSON reads a JSON object keeping key order.
func (ms *Members) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if _, err := dec.Token(); err != nil { // {
		return err
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		name, _ := tok.(string)
		ref := new(ShapeRef)
		if err := dec.Decode(ref); err != nil {
			return fmt.Errorf("member %s: %w", name, err)
		}
		*ms = append(*ms, Member{Name: name, ShapeRef: ref})
	}
	return nil
}

var (
	cacheMu sync.Mutex
	cache   = map[string]*cached{}
)

// cached is one model's parse, done once; models parse concurrently.
type cached struct {
	once sync.Once
	api  *API
	err  error
}

// Names lists the embedded models.
func Names() []string {
	entries, _ := data.ReadDir("data")
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".json.gz"))
	}
	sort.Strings(names)
	return names
}

// Load returns the named model (e.g. "logs", "s3"), parsing it on first use.
func Load(name string) (*API, error) {
	cacheMu.Lock()
	c := cache[name]
	if c == nil {
		c = &cached{}
		cache[name] = c
	}
	cacheMu.Unlock()
	c.once.Do(func() { c.api, c.err = load(name) })
	return c.api, c.err
}

func load(name string) (*API, error) {
	f, err := data.Open("data/" + name + ".json.gz")
	if err != nil {
		return nil, fmt.Errorf("model %s: not embedded", name)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", name, err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", name, err)
	}
	return Parse(name, raw)
}

// MustLoad is Load for models that are known to be embedded.
func MustLoad(name string) *API {
	api, err := Load(name)
	if err != nil {
		panic(err)
	}
	return api
}

// Parse reads a service-2.json document and resolves every shape reference.
func Parse(name string, raw []byte) (*API, error) {
	api := &API{Name: name}
	if err := json.Unmarshal(raw, api); err != nil {
		return nil, fmt.Errorf("model %s: %w", name, err)
	}
	api.errorsByCode = map[string]*Shape{}
	resolve := func(ref *ShapeRef) error {
		if ref == nil {
			return nil
		}
		s := api.Shapes[ref.ShapeName]
		if s == nil {
			return fmt.Errorf("model %s: unknown shape %q", name, ref.ShapeName)
		}
		ref.Shape = s
		return nil
	}
	for sname, s := range api.Shapes {
		s.Name = sname
		s.required = make(map[string]bool, len(s.Required))
		for _, r := range s.Required {
			s.required[r] = true
		}
		for _, m := range s.Members {
			if err := resolve(m.ShapeRef); err != nil {
				return nil, err
			}
		}
		for _, ref := range []*ShapeRef{s.Member, s.Key, s.Value} {
			if err := resolve(ref); err != nil {
				return nil, err
			}
		}
		if s.Exception || s.Error != nil {
			code := sname
			if s.Error != nil && s.Error.Code != "" {
				code = s.Error.Code
			}
			// Two shapes may share a wire code (CloudWatch's
			// DashboardNotFoundError and ResourceNotFound): the shape
			// named as the code owns it, whatever the map order.
			if prev := api.errorsByCode[code]; prev == nil || prev.Name != code {
				api.errorsByCode[code] = s
			}
			api.errorsByCode[sname] = s
		}
	}
	for oname, op := range api.Operations {
		if op.Name == "" {
			op.Name = oname
		}
		if err := resolve(op.Input); err != nil {
			return nil, err
		}
		if err := resolve(op.Output); err != nil {
			return nil, err
		}
		for i := range op.Errors {
			if err := resolve(&op.Errors[i]); err != nil {
				return nil, err
			}
		}
		if op.Input != nil {
			op.InputShape = op.Input.Shape
		}
		if op.Output != nil {
			op.OutputShape = op.Output.Shape
		}
		if in := op.InputShape; in != nil {
			for _, m := range in.Members {
				if m.Location == "header" && in.IsRequired(m.Name) {
					op.requiredHeaders = append(op.requiredHeaders, m.LocationName)
				}
				if m.Location == "querystring" && in.IsRequired(m.Name) {
					op.requiredQuery = append(op.requiredQuery, m.LocationName)
				}
			}
		}
		if op.HTTP.RequestURI != "" {
			op.uri = parseURITemplate(op.HTTP.RequestURI)
			api.restOps = append(api.restOps, op)
		}
	}
	sortRestOps(api.restOps)
	return api, nil
}

// ErrorShape returns the exception shape for an error code, or nil when
// the model does not define it.
func (a *API) ErrorShape(code string) *Shape { return a.errorsByCode[code] }

// Protocol returns the protocol hako speaks for this model: the first of the
// model's protocols that hako implements, in the model's order of
// preference.
func (a *API) Protocol() string {
	supported := map[string]bool{"json": true, "rest-json": true, "rest-xml": true, "query": true}
	for _, p := range a.Metadata.Protocols {
		if supported[p] {
			return p
		}
	}
	return a.Metadata.Protocol
}

// OperationNames returns the model's operations sorted by name.
func (a *API) OperationNames() []string {
	names := make([]string, 0, len(a.Operations))
	for n := range a.Operations {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
