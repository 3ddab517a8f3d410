package lambda

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"hako/internal/engine"
	"hako/internal/protocol"
	"hako/internal/runtime"
)

// Layers (API 2018-10-31): a layer is a name; each PublishLayerVersion
// adds an immutable version numbered from 1, never reused after a delete.
// A version's zip goes through the same validation and blob storage as
// function code (validateZip, storeZip), and a function that references
// it records the version's blob, sizes and hash (layerRef), so invoking
// needs no lookup and the runtime extracts it through the same code cache.
//
// Storage, under "lambda/ACCOUNT/REGION/":
//
//	l/NAME/VVVVVVVVVVVVVVVVVVVV  layer version record (version zero-padded,
//	                             so a scan lists versions in order)
//	lc/NAME                      the last version number given (decimal)
//
// Deleting a version that functions still reference leaves a tombstone
// (Deleted: true) that no API shows, keeping the blob the functions run,
// as AWS keeps "a copy of the version until no functions refer to it";
// sweepLayers removes tombstones (and their blobs) once nothing references
// them. "References" means any record of the service other than layer
// records whose JSON contains the version ARN as a string: function
// records and whatever copies of them (published versions) store layers
// that way, whatever their keys.

// layerVersionRecord is one stored layer version.
type layerVersionRecord struct {
	Name                    string   `json:"name"`
	Version                 int64    `json:"version"`
	Description             string   `json:"description,omitempty"`
	Created                 int64    `json:"created"` // epoch ms
	CompatibleRuntimes      []string `json:"compatibleRuntimes,omitempty"`
	CompatibleArchitectures []string `json:"compatibleArchitectures,omitempty"`
	LicenseInfo             string   `json:"licenseInfo,omitempty"`
	Code                    codeRef  `json:"code"`
	// Policy is the version's resource policy; PolicyRevision its
	// RevisionId, which changes with every statement added or removed.
	Policy         []policyStatement `json:"policy,omitempty"`
	PolicyRevision string            `json:"policyRevision,omitempty"`
	// Deleted marks a tombstone: deleted through the API, kept while
	// functions reference it.
	Deleted bool `json:"deleted,omitempty"`
}

// layerRef is a layer version as a function records it. Old records hold
// bare ARN strings (from before layers were resolved): UnmarshalJSON reads
// those as a ref with only the ARN.
type layerRef struct {
	Arn      string `json:"arn"`
	CodeSize int64  `json:"codeSize"`
	Unzipped int64  `json:"unzipped"`
	Sha256   string `json:"sha256"`
	Blob     string `json:"blob"`
}

func (l *layerRef) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		*l = layerRef{}
		return json.Unmarshal(b, &l.Arn)
	}
	type plain layerRef
	return json.Unmarshal(b, (*plain)(l))
}

func (sc scope) layersPrefix() []byte { return append(sc.prefix(), "l/"...) }

func (sc scope) layerPrefix(name string) []byte {
	return append(append(sc.layersPrefix(), name...), '/')
}

func (sc scope) layerVersionKey(name string, v int64) []byte {
	return fmt.Appendf(sc.layerPrefix(name), "%020d", v)
}

func (sc scope) layerCounterKey(name string) []byte {
	return append(append(sc.prefix(), "lc/"...), name...)
}

func layerARN(sc scope, name string) string {
	return "arn:" + partition(sc.region) + ":lambda:" + sc.region + ":" + sc.account + ":layer:" + name
}

func layerVersionARN(sc scope, name string, v int64) string {
	return layerARN(sc, name) + ":" + strconv.FormatInt(v, 10)
}

// layerNameRE splits a LayerName: a name or a layer ARN (the model's
// pattern); layerVersionRE a layer version ARN.
var (
	layerNameRE    = regexp.MustCompile(`^(?:arn:[a-zA-Z0-9-]+:lambda:([a-zA-Z0-9-]+):(\d{12}):layer:)?([a-zA-Z0-9-_]+)$`)
	layerVersionRE = regexp.MustCompile(`^arn:[a-zA-Z0-9-]+:lambda:([a-zA-Z0-9-]+):(\d{12}):layer:([a-zA-Z0-9-_]+):([0-9]+)$`)
)

// layerName is a layer named by a request: in which account and region.
type layerName struct {
	sc   scope
	name string
	own  bool // the caller's own account
}

func resolveLayerName(ctx context.Context, s string) (layerName, error) {
	sc := scopeOf(ctx)
	m := layerNameRE.FindStringSubmatch(s)
	if m == nil {
		// The model's pattern keeps these out of HTTP requests.
		return layerName{}, errLayerNotFound()
	}
	ln := layerName{sc: sc, name: m[3], own: true}
	if m[1] != "" {
		ln.sc = scope{account: m[2], region: m[1]}
		ln.own = ln.sc == sc
	}
	return ln, nil
}

// checkVersionNumber answers AWS's error for version numbers below 1.
func checkVersionNumber(v *int64) (int64, error) {
	if v == nil || *v < 1 {
		return 0, ErrInvalidParameterValue("Layer Version Cannot be less than 1")
	}
	return *v, nil
}

func errLayerNotFound() error {
	return ErrResourceNotFound("The resource you requested does not exist.")
}

func errLayerVersionNotFound(arn string) error {
	return ErrResourceNotFound("Layer version %s does not exist.", arn)
}

// errLayerAccess is AWS's answer to an account using (or changing) a layer
// of another account that its policy does not open to it.
func errLayerAccess(ctx context.Context, action, arn string) error {
	c := protocol.CallFrom(ctx)
	who := c.CallerARN
	if who == "" {
		who = "arn:" + partition(c.Region) + ":iam::" + c.Account + ":root"
	}
	return protocol.Errorf("AccessDeniedException", "User: %s is not authorized to perform: lambda:%s on resource: %s because no resource-based policy allows the lambda:%s action", who, action, arn, action)
}

func decodeLayerVersion(v []byte) (*layerVersionRecord, error) {
	rec := new(layerVersionRecord)
	if err := json.Unmarshal(v, rec); err != nil {
		return nil, fmt.Errorf("lambda: layer version record: %w", err)
	}
	return rec, nil
}

// getLayerVersion reads a layer version; a missing one (or a tombstone,
// unless withDeleted) is nil, nil.
func getLayerVersion(r engine.Reader, sc scope, name string, v int64, withDeleted bool) (*layerVersionRecord, error) {
	b, err := r.Get(sc.layerVersionKey(name, v))
	if errors.Is(err, engine.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	rec, err := decodeLayerVersion(b)
	if err != nil || (rec.Deleted && !withDeleted) {
		return nil, err
	}
	return rec, nil
}

// grants reports whether the version's policy lets account use it.
// Statements limited to an organization grant nothing: hako has no
// organizations.
func (rec *layerVersionRecord) grants(account string) bool {
	for _, st := range rec.Policy {
		if st.Condition != nil {
			continue
		}
		switch p := st.Principal.(type) {
		case string:
			if p == "*" {
				return true
			}
		case map[string]any:
			if a, _ := p["AWS"].(string); strings.HasSuffix(a, ":iam::"+account+":root") {
				return true
			}
		case map[string]string:
			if strings.HasSuffix(p["AWS"], ":iam::"+account+":root") {
				return true
			}
		}
	}
	return false
}

// readLayerVersion is the read-only preamble of GetLayerVersion and
// GetLayerVersionByArn: the version, if it exists and the caller may see it.
func (s *Service) readLayerVersion(ctx context.Context, ln layerName, v int64) (*layerVersionRecord, error) {
	rec, err := getLayerVersion(s.eng, ln.sc, ln.name, v, false)
	if err != nil {
		return nil, err
	}
	if !ln.own && (rec == nil || !rec.grants(scopeOf(ctx).account)) {
		return nil, errLayerAccess(ctx, "GetLayerVersion", layerVersionARN(ln.sc, ln.name, v))
	}
	if rec == nil {
		return nil, errLayerNotFound()
	}
	return rec, nil
}

// layerVersionOutput is what PublishLayerVersion, GetLayerVersion and
// GetLayerVersionByArn answer.
func (s *Service) layerVersionOutput(sc scope, rec *layerVersionRecord) *GetLayerVersionResponse {
	return &GetLayerVersionResponse{
		Content: &LayerVersionContentOutput{
			Location:   s.codeLocation(rec.Code),
			CodeSha256: rec.Code.CodeSha256,
			CodeSize:   ptr(rec.Code.Size),
		},
		LayerArn:                layerARN(sc, rec.Name),
		LayerVersionArn:         layerVersionARN(sc, rec.Name, rec.Version),
		Description:             rec.Description,
		CreatedDate:             lastModified(rec.Created),
		Version:                 ptr(rec.Version),
		CompatibleRuntimes:      slices.Clone(rec.CompatibleRuntimes),
		LicenseInfo:             rec.LicenseInfo,
		CompatibleArchitectures: slices.Clone(rec.CompatibleArchitectures),
	}
}

func listItem(sc scope, rec *layerVersionRecord) *LayerVersionsListItem {
	return &LayerVersionsListItem{
		LayerVersionArn:         layerVersionARN(sc, rec.Name, rec.Version),
		Version:                 ptr(rec.Version),
		Description:             rec.Description,
		CreatedDate:             lastModified(rec.Created),
		CompatibleRuntimes:      slices.Clone(rec.CompatibleRuntimes),
		LicenseInfo:             rec.LicenseInfo,
		CompatibleArchitectures: slices.Clone(rec.CompatibleArchitectures),
	}
}

// PublishLayerVersion stores a new version of a layer (creating the layer
// on its first version) from a zip.
func (s *Service) PublishLayerVersion(ctx context.Context, in *PublishLayerVersionRequest) (*PublishLayerVersionResponse, error) {
	ln, err := resolveLayerName(ctx, in.LayerName)
	if err != nil {
		return nil, err
	}
	if !ln.own {
		return nil, errLayerAccess(ctx, "PublishLayerVersion", layerARN(ln.sc, ln.name))
	}
	content := in.Content
	if content == nil {
		content = &LayerVersionContentInput{}
	}
	if len(content.ZipFile) > maxZipped {
		return nil, errZippedSize()
	}
	if content.ZipFile == nil && content.S3Bucket == "" && content.S3Key == "" {
		return nil, ErrInvalidParameterValue("Missing Content")
	}
	zipFile, err := s.zipSource(ctx, content.ZipFile, content.S3Bucket, content.S3Key, content.S3ObjectVersion)
	if err != nil {
		return nil, err
	}
	content.ZipFile = zipFile
	// Unknown runtimes and architectures are refused by the protocol
	// layer (the model's enums); runtimes hako cannot run are still valid
	// metadata, as on AWS.
	unzipped, err := validateZip(content.ZipFile)
	if err != nil {
		return nil, err
	}
	rec := &layerVersionRecord{
		Name:                    ln.name,
		Description:             in.Description,
		Created:                 s.clock.Now().UnixMilli(),
		CompatibleRuntimes:      slices.Clone(in.CompatibleRuntimes),
		CompatibleArchitectures: slices.Clone(in.CompatibleArchitectures),
		LicenseInfo:             in.LicenseInfo,
	}
	rec.Code, err = s.storeZip(content.ZipFile, describeZip(content.ZipFile, unzipped))
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx engine.Txn) error {
		last := int64(0)
		b, err := tx.Get(ln.sc.layerCounterKey(ln.name))
		switch {
		case err == nil:
			if last, err = strconv.ParseInt(string(b), 10, 64); err != nil {
				return fmt.Errorf("lambda: layer counter %q: %w", b, err)
			}
		case !errors.Is(err, engine.ErrNotFound):
			return err
		}
		rec.Version = last + 1
		tx.Set(ln.sc.layerCounterKey(ln.name), strconv.AppendInt(nil, rec.Version, 10))
		tx.Set(ln.sc.layerVersionKey(ln.name, rec.Version), engine.MustJSON(rec))
		return nil
	})
	if err != nil {
		s.deleteBlobs(rec.Code.Blob)
		return nil, err
	}
	out := s.layerVersionOutput(ln.sc, rec)
	return (*PublishLayerVersionResponse)(out), nil
}

// GetLayerVersion describes a layer version, with a link to download it.
func (s *Service) GetLayerVersion(ctx context.Context, in *GetLayerVersionRequest) (*GetLayerVersionResponse, error) {
	v, err := checkVersionNumber(in.VersionNumber)
	if err != nil {
		return nil, err
	}
	ln, err := resolveLayerName(ctx, in.LayerName)
	if err != nil {
		return nil, err
	}
	rec, err := s.readLayerVersion(ctx, ln, v)
	if err != nil {
		return nil, err
	}
	return s.layerVersionOutput(ln.sc, rec), nil
}

// GetLayerVersionByArn is GetLayerVersion with the version's ARN.
func (s *Service) GetLayerVersionByArn(ctx context.Context, in *GetLayerVersionByArnRequest) (*GetLayerVersionResponse, error) {
	m := layerVersionRE.FindStringSubmatch(in.Arn)
	if m == nil {
		return nil, errValidation(`1 validation error detected: Value '%s' at 'arn' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\d{1}:\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+`, in.Arn)
	}
	v, err := strconv.ParseInt(m[4], 10, 64)
	if err != nil || v < 1 {
		return nil, errLayerNotFound()
	}
	sc := scopeOf(ctx)
	ln := layerName{sc: scope{account: m[2], region: m[1]}, name: m[3]}
	ln.own = ln.sc == sc
	if ln.sc.region != sc.region {
		return nil, errLayerNotFound()
	}
	rec, err := s.readLayerVersion(ctx, ln, v)
	if err != nil {
		return nil, err
	}
	return s.layerVersionOutput(ln.sc, rec), nil
}

// layerFilter is ListLayers' and ListLayerVersions' CompatibleRuntime and
// CompatibleArchitecture: a version matches when it lists them.
type layerFilter struct{ runtime, arch string }

func (f layerFilter) match(rec *layerVersionRecord) bool {
	return (f.runtime == "" || slices.Contains(rec.CompatibleRuntimes, f.runtime)) &&
		(f.arch == "" || slices.Contains(rec.CompatibleArchitectures, f.arch))
}

const maxLayerListItems = 50

func listLimit(n *int32) int {
	if n == nil || *n <= 0 {
		return maxLayerListItems
	}
	return min(int(*n), maxLayerListItems)
}

// ListLayers lists the account's layers in name order, each with its
// newest version that matches the filters; layers without one are left
// out.
func (s *Service) ListLayers(ctx context.Context, in *ListLayersRequest) (*ListLayersResponse, error) {
	sc := scopeOf(ctx)
	f := layerFilter{in.CompatibleRuntime, in.CompatibleArchitecture}
	limit := listLimit(in.MaxItems)
	start := sc.layersPrefix()
	end := engine.PrefixEnd(start)
	if in.Marker != "" {
		after, err := decodeMarker(in.Marker)
		if err != nil {
			return nil, err
		}
		start = engine.PrefixEnd(sc.layerPrefix(after))
	}
	out := &ListLayersResponse{Layers: []LayersListItem{}}
	var cur string               // the layer being read
	var best *layerVersionRecord // its newest matching version so far
	more := false
	flush := func() {
		if best != nil {
			out.Layers = append(out.Layers, LayersListItem{
				LayerName: best.Name, LayerArn: layerARN(sc, best.Name),
				LatestMatchingVersion: listItem(sc, best),
			})
		}
		best = nil
	}
	err := s.eng.View(func(r engine.Reader) error {
		return r.Scan(start, end, false, func(k, v []byte) (bool, error) {
			name, _, _ := strings.Cut(string(k[len(sc.layersPrefix()):]), "/")
			if name != cur {
				flush()
				if len(out.Layers) == limit {
					more = true
					return false, nil
				}
				cur = name
			}
			rec, err := decodeLayerVersion(v)
			if err != nil {
				return false, err
			}
			if !rec.Deleted && f.match(rec) {
				best = rec // versions come in ascending order
			}
			return true, nil
		})
	})
	if err != nil {
		return nil, err
	}
	if !more {
		flush()
	}
	if more {
		out.NextMarker = encodeMarker(out.Layers[len(out.Layers)-1].LayerName)
	}
	return out, nil
}

// ListLayerVersions lists a layer's versions, newest first. A layer that
// does not exist has no versions (AWS answers an empty list too).
func (s *Service) ListLayerVersions(ctx context.Context, in *ListLayerVersionsRequest) (*ListLayerVersionsResponse, error) {
	ln, err := resolveLayerName(ctx, in.LayerName)
	if err != nil {
		return nil, err
	}
	f := layerFilter{in.CompatibleRuntime, in.CompatibleArchitecture}
	limit := listLimit(in.MaxItems)
	start := ln.sc.layerPrefix(ln.name)
	end := engine.PrefixEnd(start)
	if in.Marker != "" {
		b, err := base64.RawURLEncoding.DecodeString(in.Marker)
		v, perr := strconv.ParseInt(string(b), 10, 64)
		if err != nil || perr != nil || v < 1 {
			return nil, ErrInvalidParameterValue("Invalid marker: %s", in.Marker)
		}
		end = ln.sc.layerVersionKey(ln.name, v) // exclusive: versions below it
	}
	out := &ListLayerVersionsResponse{LayerVersions: []LayerVersionsListItem{}}
	more := false
	var last int64
	account := scopeOf(ctx).account
	err = s.eng.View(func(r engine.Reader) error {
		return r.Scan(start, end, true, func(k, v []byte) (bool, error) {
			rec, err := decodeLayerVersion(v)
			if err != nil {
				return false, err
			}
			if rec.Deleted || !f.match(rec) || (!ln.own && !rec.grants(account)) {
				return true, nil
			}
			if len(out.LayerVersions) == limit {
				more = true
				return false, nil
			}
			out.LayerVersions = append(out.LayerVersions, *listItem(ln.sc, rec))
			last = rec.Version
			return true, nil
		})
	})
	if err != nil {
		return nil, err
	}
	if more {
		out.NextMarker = base64.RawURLEncoding.EncodeToString(strconv.AppendInt(nil, last, 10))
	}
	return out, nil
}

// DeleteLayerVersion deletes a version. Functions that use it keep
// running it (see sweepLayers); deleting a version that does not exist
// succeeds, as on AWS.
func (s *Service) DeleteLayerVersion(ctx context.Context, in *DeleteLayerVersionRequest) (*struct{}, error) {
	v, err := checkVersionNumber(in.VersionNumber)
	if err != nil {
		return nil, err
	}
	ln, err := resolveLayerName(ctx, in.LayerName)
	if err != nil {
		return nil, err
	}
	if !ln.own {
		return nil, errLayerAccess(ctx, "DeleteLayerVersion", layerVersionARN(ln.sc, ln.name, v))
	}
	var free string // blob to delete after the commit
	err = s.update(ctx, func(tx engine.Txn) error {
		free = ""
		rec, err := getLayerVersion(tx, ln.sc, ln.name, v, false)
		if err != nil || rec == nil {
			return err
		}
		used, err := layerReferenced(tx, layerVersionARN(ln.sc, ln.name, v))
		if err != nil {
			return err
		}
		if used {
			rec.Deleted, rec.Policy, rec.PolicyRevision = true, nil, ""
			tx.Set(ln.sc.layerVersionKey(ln.name, v), engine.MustJSON(rec))
			return nil
		}
		tx.Delete(ln.sc.layerVersionKey(ln.name, v))
		free = rec.Code.Blob
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.deleteBlobs(free)
	return &struct{}{}, nil
}

// layerReferenced reports whether a record of the service other than the
// layer records themselves mentions the version ARN as a JSON string.
func layerReferenced(r engine.Reader, arn string) (bool, error) {
	needle := engine.MustJSON(arn)
	found := false
	p := []byte(keyRoot)
	err := r.Scan(p, engine.PrefixEnd(p), false, func(k, v []byte) (bool, error) {
		if isLayerKey(k) {
			return true, nil
		}
		if bytes.Contains(v, needle) {
			found = true
			return false, nil
		}
		return true, nil
	})
	return found, err
}

// isLayerKey reports whether k is a layer version or counter key.
func isLayerKey(k []byte) bool {
	rest, ok := bytes.CutPrefix(k, []byte(keyRoot))
	if !ok {
		return false
	}
	parts := bytes.SplitN(rest, []byte("/"), 4)
	return len(parts) == 4 && (string(parts[2]) == "l" || string(parts[2]) == "lc")
}

// sweepLayers deletes the tombstones of deleted layer versions that no
// function references any more, and their blobs. It runs at Start, after
// DeleteFunction and after UpdateFunctionConfiguration changed a
// function's layers; a failure only delays it.
func (s *Service) sweepLayers(ctx context.Context) {
	var free []string
	err := s.update(ctx, func(tx engine.Txn) error {
		free = free[:0]
		type tomb struct {
			key  []byte
			arn  []byte // JSON string
			blob string
		}
		var tombs []tomb
		var others [][]byte
		p := []byte(keyRoot)
		err := tx.Scan(p, engine.PrefixEnd(p), false, func(k, v []byte) (bool, error) {
			if !isLayerKey(k) {
				others = append(others, bytes.Clone(v))
				return true, nil
			}
			sc, ok := scopeOfKey(k)
			if !ok || !bytes.Contains(v, []byte(`"deleted":true`)) {
				return true, nil
			}
			rec, err := decodeLayerVersion(v)
			if err != nil || !rec.Deleted {
				return true, nil
			}
			tombs = append(tombs, tomb{key: bytes.Clone(k), arn: engine.MustJSON(layerVersionARN(sc, rec.Name, rec.Version)), blob: rec.Code.Blob})
			return true, nil
		})
		if err != nil {
			return err
		}
		for _, t := range tombs {
			used := slices.ContainsFunc(others, func(v []byte) bool { return bytes.Contains(v, t.arn) })
			if !used {
				tx.Delete(t.key)
				free = append(free, t.blob)
			}
		}
		return nil
	})
	if err != nil {
		s.log.Warn("cannot sweep deleted layer versions", "err", err)
		return
	}
	s.deleteBlobs(free...)
}

// scopeOfKey reads the account and region of a key of the service.
func scopeOfKey(k []byte) (scope, bool) {
	parts := strings.SplitN(strings.TrimPrefix(string(k), keyRoot), "/", 3)
	if len(parts) < 3 {
		return scope{}, false
	}
	return scope{account: parts[0], region: parts[1]}, true
}

// updateLayerVersion runs fn on an existing version of one of the
// caller's layers in a transaction: the preamble of the policy calls.
func (s *Service) updateLayerVersion(ctx context.Context, layer string, version *int64, action string, fn func(tx engine.Txn, arn string, rec *layerVersionRecord) error) error {
	v, err := checkVersionNumber(version)
	if err != nil {
		return err
	}
	ln, err := resolveLayerName(ctx, layer)
	if err != nil {
		return err
	}
	arn := layerVersionARN(ln.sc, ln.name, v)
	if !ln.own {
		return errLayerAccess(ctx, action, arn)
	}
	return s.update(ctx, func(tx engine.Txn) error {
		rec, err := getLayerVersion(tx, ln.sc, ln.name, v, false)
		if err != nil {
			return err
		}
		if rec == nil {
			return errLayerVersionNotFound(arn)
		}
		if err := fn(tx, arn, rec); err != nil {
			return err
		}
		tx.Set(ln.sc.layerVersionKey(ln.name, v), engine.MustJSON(rec))
		return nil
	})
}

func errLayerRevision() error {
	return ErrPreconditionFailed("The Revision Id provided does not match the latest Revision Id. Call the GetLayerPolicy API to retrieve the latest Revision Id")
}

// AddLayerVersionPermission adds a statement to a layer version's
// resource policy: which accounts may use it. Accounts named there can
// add the version to their functions and read it.
func (s *Service) AddLayerVersionPermission(ctx context.Context, in *AddLayerVersionPermissionRequest) (*AddLayerVersionPermissionResponse, error) {
	sc := scopeOf(ctx)
	var principal any
	switch {
	case in.Principal == "*":
		principal = "*"
	case accountRE.MatchString(in.Principal):
		principal = map[string]string{"AWS": "arn:" + partition(sc.region) + ":iam::" + in.Principal + ":root"}
	case iamARNRE.MatchString(in.Principal) && strings.HasSuffix(in.Principal, ":root"):
		principal = map[string]string{"AWS": in.Principal}
	default:
		// The model's pattern keeps other principals out of HTTP requests.
		return nil, ErrInvalidParameterValue("The provided principal was invalid. Please check the principal and try again.")
	}
	if in.OrganizationId != "" && in.Principal != "*" {
		return nil, ErrInvalidParameterValue("OrganizationId can only be specified when Principal is \"*\".")
	}
	var st policyStatement
	var revision string
	err := s.updateLayerVersion(ctx, in.LayerName, in.VersionNumber, "AddLayerVersionPermission", func(tx engine.Txn, arn string, rec *layerVersionRecord) error {
		if in.RevisionId != "" && in.RevisionId != rec.PolicyRevision {
			return errLayerRevision()
		}
		for _, have := range rec.Policy {
			if have.Sid == in.StatementId {
				return ErrResourceConflict("The statement id (%s) provided already exists. Please provide a new statement id, or remove the existing statement.", in.StatementId)
			}
		}
		st = policyStatement{Sid: in.StatementId, Effect: "Allow", Principal: principal, Action: in.Action, Resource: arn}
		if in.OrganizationId != "" {
			st.Condition = &policyCondition{StringEquals: map[string]string{"aws:PrincipalOrgID": in.OrganizationId}}
		}
		rec.Policy = append(rec.Policy, st)
		if n := len(policyJSON(rec.Policy)); n > maxPolicyBytes {
			return ErrPolicyLengthExceeded("The final policy size (%d) is bigger than the limit (%d).", n, maxPolicyBytes)
		}
		rec.PolicyRevision = newUUID()
		revision = rec.PolicyRevision
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &AddLayerVersionPermissionResponse{Statement: string(engine.MustJSON(st)), RevisionId: revision}, nil
}

// RemoveLayerVersionPermission removes a statement from a layer version's
// resource policy.
func (s *Service) RemoveLayerVersionPermission(ctx context.Context, in *RemoveLayerVersionPermissionRequest) (*struct{}, error) {
	err := s.updateLayerVersion(ctx, in.LayerName, in.VersionNumber, "RemoveLayerVersionPermission", func(tx engine.Txn, arn string, rec *layerVersionRecord) error {
		if len(rec.Policy) == 0 {
			return ErrResourceNotFound("No policy is associated with the given resource.")
		}
		if in.RevisionId != "" && in.RevisionId != rec.PolicyRevision {
			return errLayerRevision()
		}
		at := slices.IndexFunc(rec.Policy, func(st policyStatement) bool { return st.Sid == in.StatementId })
		if at < 0 {
			return ErrResourceNotFound("Statement %s is not found in resource policy.", in.StatementId)
		}
		rec.Policy = slices.Delete(rec.Policy, at, at+1)
		rec.PolicyRevision = newUUID()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

// GetLayerVersionPolicy returns a layer version's resource policy as a
// JSON string.
func (s *Service) GetLayerVersionPolicy(ctx context.Context, in *GetLayerVersionPolicyRequest) (*GetLayerVersionPolicyResponse, error) {
	v, err := checkVersionNumber(in.VersionNumber)
	if err != nil {
		return nil, err
	}
	ln, err := resolveLayerName(ctx, in.LayerName)
	if err != nil {
		return nil, err
	}
	arn := layerVersionARN(ln.sc, ln.name, v)
	if !ln.own {
		return nil, errLayerAccess(ctx, "GetLayerVersionPolicy", arn)
	}
	rec, err := getLayerVersion(s.eng, ln.sc, ln.name, v, false)
	if err != nil {
		return nil, err
	}
	if rec == nil {
		return nil, errLayerVersionNotFound(arn)
	}
	if len(rec.Policy) == 0 {
		return nil, ErrResourceNotFound("No policy is associated with the given resource.")
	}
	return &GetLayerVersionPolicyResponse{Policy: string(policyJSON(rec.Policy)), RevisionId: rec.PolicyRevision}, nil
}

// resolveLayers checks a function's Layers as AWS does and returns what
// the function records of each: at most 5, layer version ARNs of the
// function's region, no layer twice, each version existing (and, for
// another account's layer, shared with the caller's account). It reads
// through r, so inside a transaction the versions join its read set and a
// concurrent DeleteLayerVersion conflicts with it.
func resolveLayers(ctx context.Context, r engine.Reader, arns []string) ([]layerRef, error) {
	if len(arns) > maxLayers {
		return nil, ErrInvalidParameterValue("Cannot reference more than 5 layers.")
	}
	sc := scopeOf(ctx)
	refs := make([]layerRef, 0, len(arns))
	seen := map[string]string{} // layer ARN -> version ARN
	for _, arn := range arns {
		m := layerVersionRE.FindStringSubmatch(arn)
		if m == nil {
			return nil, errValidation(`1 validation error detected: Value '[%s]' at 'layers' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 140, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: (arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+)|(arn:[a-zA-Z0-9-]+:lambda:::awslayer:[a-zA-Z0-9-_]+), Member must not be null]`, strings.Join(arns, ", "))
		}
		lsc := scope{account: m[2], region: m[1]}
		if lsc.region != sc.region {
			return nil, ErrInvalidParameterValue("Layers are not in the same region as the function. Layers are expected to be in region %s.", sc.region)
		}
		v, err := strconv.ParseInt(m[4], 10, 64)
		if err != nil || v < 1 {
			return nil, ErrInvalidParameterValue("Layer version %s does not exist.", arn)
		}
		rec, err := getLayerVersion(r, lsc, m[3], v, false)
		if err != nil {
			return nil, err
		}
		if rec == nil {
			return nil, ErrInvalidParameterValue("Layer version %s does not exist.", arn)
		}
		if lsc != sc && !rec.grants(sc.account) {
			return nil, errLayerAccess(ctx, "GetLayerVersion", arn)
		}
		layer := layerARN(lsc, m[3])
		if prev, dup := seen[layer]; dup {
			return nil, ErrInvalidParameterValue("Two different versions of the same layer are not allowed to be referenced in the same function. %s and %s are versions of the same layer.", prev, arn)
		}
		seen[layer] = arn
		refs = append(refs, layerRef{
			Arn: layerVersionARN(lsc, rec.Name, rec.Version), CodeSize: rec.Code.Size,
			Unzipped: rec.Code.Unzipped, Sha256: rec.Code.Sha256, Blob: rec.Code.Blob,
		})
	}
	return refs, nil
}

// checkCodeAndLayers answers AWS's error when a function's code and its
// layers together unzip to more than 250 MB.
func checkCodeAndLayers(code int64, layers []layerRef) error {
	total := code
	for _, l := range layers {
		total += l.Unzipped
	}
	if total > maxUnzipped {
		return ErrInvalidParameterValue("Function code combined with layers exceeds the maximum allowed size of %d bytes. The actual size is %d bytes.", maxUnzipped, total)
	}
	return nil
}

// functionLayers is FunctionConfiguration.Layers.
func functionLayers(refs []layerRef) []Layer {
	var out []Layer
	for _, l := range refs {
		out = append(out, Layer{Arn: l.Arn, CodeSize: ptr(l.CodeSize)})
	}
	return out
}

// runtimeLayers is what the runtime extracts under /opt, in order. A ref
// without a blob (a record from before layers were resolved) has nothing
// to extract.
func (s *Service) runtimeLayers(refs []layerRef) []runtime.Code {
	var out []runtime.Code
	blobs := s.eng.Blobs()
	for _, l := range refs {
		if l.Blob == "" {
			continue
		}
		blobID := l.Blob
		out = append(out, runtime.Code{
			Sha256: l.Sha256,
			Open: func() (io.ReaderAt, int64, error) {
				b, err := blobs.Open(blobID)
				if err != nil {
					return nil, 0, err
				}
				return b, b.Size(), nil
			},
		})
	}
	return out
}
