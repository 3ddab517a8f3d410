package lambda

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"

	"hako/internal/engine"
	"hako/internal/protocol"
)

// This file holds published versions and aliases (the book's Appendix E):
// a version is a frozen copy of $LATEST, an alias a named pointer to one
// version, optionally splitting traffic with a second one.

// aliasRecord is the value stored at an alias key.
type aliasRecord struct {
	Name            string             `json:"name"`
	FunctionVersion string             `json:"functionVersion"`
	Description     string             `json:"description,omitempty"`
	Weights         map[string]float64 `json:"weights,omitempty"`
	RevisionID      string             `json:"revisionId"`
	Policy          []policyStatement  `json:"policy,omitempty"`
}

var (
	versionRE = regexp.MustCompile(`^[0-9]+$`)
	aliasRE   = regexp.MustCompile(`^[a-zA-Z0-9-_]+$`)
)

func getVersion(r engine.Reader, sc scope, name, version string) (*functionRecord, error) {
	n, err := strconv.Atoi(version)
	if err != nil || n <= 0 {
		return nil, nil
	}
	v, err := r.Get(sc.versionKey(name, n))
	if errors.Is(err, engine.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return decodeRecord(v)
}

func putVersion(tx engine.Txn, sc scope, rec *functionRecord) {
	n, _ := strconv.Atoi(rec.Version)
	tx.Set(sc.versionKey(rec.Name, n), engine.MustJSON(rec))
}

func getAlias(r engine.Reader, sc scope, name, alias string) (*aliasRecord, error) {
	v, err := r.Get(sc.aliasKey(name, alias))
	if errors.Is(err, engine.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	a := new(aliasRecord)
	if err := json.Unmarshal(v, a); err != nil {
		return nil, fmt.Errorf("lambda: alias record: %w", err)
	}
	return a, nil
}

func putAlias(tx engine.Txn, sc scope, fn string, a *aliasRecord) {
	tx.Set(sc.aliasKey(fn, a.Name), engine.MustJSON(a))
}

// qualified is what a function name with its qualifier names.
type qualified struct {
	// latest is the function's $LATEST record (tags, concurrency).
	latest *functionRecord
	// rec is the configuration the qualifier names: $LATEST, a version,
	// or the version an alias points to.
	rec *functionRecord
	// alias is set when the qualifier is an alias.
	alias *aliasRecord
}

// getQualified resolves ref's qualifier. A missing function, version or
// alias is AWS's ResourceNotFoundException.
func getQualified(r engine.Reader, ref fnRef) (*qualified, error) {
	latest, err := existingFunction(r, ref)
	if err != nil {
		return nil, err
	}
	q := &qualified{latest: latest, rec: latest}
	switch {
	case ref.qualifier == "" || ref.qualifier == "$LATEST":
		return q, nil
	case versionRE.MatchString(ref.qualifier):
		if q.rec, err = getVersion(r, ref.sc, ref.name, ref.qualifier); err != nil {
			return nil, err
		}
	default:
		if q.alias, err = getAlias(r, ref.sc, ref.name, ref.qualifier); err != nil {
			return nil, err
		}
		if q.alias == nil {
			return nil, errFunctionNotFound(ref.qualifiedARN())
		}
		q.rec, err = versionOf(r, ref.sc, latest, q.alias.FunctionVersion)
		if err != nil {
			return nil, err
		}
	}
	if q.rec == nil {
		return nil, errFunctionNotFound(ref.qualifiedARN())
	}
	return q, nil
}

// versionOf reads the configuration of a version ($LATEST included).
func versionOf(r engine.Reader, sc scope, latest *functionRecord, version string) (*functionRecord, error) {
	if version == "$LATEST" {
		return latest, nil
	}
	return getVersion(r, sc, latest.Name, version)
}

// pick chooses the version an invoke through q runs: an alias with a
// routing weight sends that share of invokes to its additional version.
func (q *qualified) pick(r engine.Reader, sc scope) (*functionRecord, error) {
	if q.alias == nil || len(q.alias.Weights) == 0 {
		return q.rec, nil
	}
	x := rand.Float64()
	for v, w := range q.alias.Weights {
		if x < w {
			rec, err := versionOf(r, sc, q.latest, v)
			if err != nil || rec == nil {
				return q.rec, err
			}
			return rec, nil
		}
		x -= w
	}
	return q.rec, nil
}

// versionName is a record's version as the API writes it.
func versionName(rec *functionRecord) string {
	if rec.Version == "" {
		return "$LATEST"
	}
	return rec.Version
}

// PublishVersion freezes $LATEST as a new numbered version. Nothing
// changed since the last publish returns that version again, as on AWS.
func (s *Service) PublishVersion(ctx context.Context, in *PublishVersionRequest) (*FunctionConfiguration, error) {
	ref, err := resolve(ctx, in.FunctionName, "")
	if err != nil {
		return nil, err
	}
	if ref.qualifier != "" {
		return nil, ErrInvalidParameterValue("Version and Alias are not supported for this operation. Please specify an unqualified function ARN.")
	}
	if in.PublishTo != "" {
		return nil, protocol.Errorf("NotImplemented", "PublishTo (%s) is for functions on capacity providers, which hako does not implement.", in.PublishTo)
	}
	if err := s.settleIfPending(ctx, ref); err != nil {
		return nil, err
	}
	var published *functionRecord
	err = s.update(ctx, func(tx engine.Txn) error {
		cur, err := existingFunction(tx, ref)
		if err != nil {
			return err
		}
		if in.CodeSha256 != "" && in.CodeSha256 != cur.Code.CodeSha256 {
			return ErrPreconditionFailed("CodeSHA256 (%s) is different from current CodeSHA256 in $LATEST (%s). Please try again with the CodeSHA256 in $LATEST.", in.CodeSha256, cur.Code.CodeSha256)
		}
		if in.RevisionId != "" && in.RevisionId != cur.RevisionID {
			return errRevision()
		}
		if cur.State != "Active" || cur.LastUpdateStatus == "InProgress" {
			return errUpdateInProgress(ref.arn())
		}
		if cur.LastVersion > 0 && cur.PublishedRev == cur.ConfigRev {
			last, err := getVersion(tx, ref.sc, ref.name, strconv.Itoa(cur.LastVersion))
			if err != nil {
				return err
			}
			if last != nil {
				published = last
				return nil
			}
		}
		v := *cur
		v.LastVersion++
		cur.LastVersion = v.LastVersion
		cur.PublishedRev = cur.ConfigRev
		cur.RevisionID = newUUID()
		v.Version = strconv.Itoa(v.LastVersion)
		v.LastVersion, v.PublishedRev = 0, ""
		v.RevisionID = newUUID()
		v.ConfigRev = newUUID() // its own sandboxes, apart from $LATEST's
		v.LastModified = s.clock.Now().UnixMilli()
		v.Tags, v.Policy, v.Reserved, v.Garbage = nil, nil, nil, nil
		v.LastUpdateStatus, v.LastUpdateStatusReason, v.LastUpdateStatusReasonCode = "Successful", "", ""
		if in.Description != "" {
			v.Description = in.Description
		}
		putVersion(tx, ref.sc, &v)
		putFunction(tx, ref.sc, cur)
		published = &v
		return nil
	})
	if err != nil {
		return nil, err
	}
	return configuration(ref.sc, published), nil
}

// settleIfPending settles a create or update that has not settled yet, so
// an operation right after it sees the function Active.
func (s *Service) settleIfPending(ctx context.Context, ref fnRef) error {
	rec, err := getFunction(s.eng, ref.sc, ref.name)
	if err != nil || rec == nil || rec.Pending == "" {
		return err
	}
	return s.settle(ctx, ref.sc, ref.name, rec.Pending)
}

// ListVersionsByFunction lists $LATEST, then the published versions in
// order.
func (s *Service) ListVersionsByFunction(ctx context.Context, in *ListVersionsByFunctionRequest) (*ListVersionsByFunctionResponse, error) {
	ref, err := resolve(ctx, in.FunctionName, "")
	if err != nil {
		return nil, err
	}
	out := &ListVersionsByFunctionResponse{Versions: []FunctionConfiguration{}}
	add := func(rec *functionRecord) {
		c := configuration(ref.sc, rec)
		if rec.Version == "" {
			c.FunctionArn = ref.arn() + ":$LATEST"
		}
		out.Versions = append(out.Versions, *c)
	}
	err = s.eng.View(func(r engine.Reader) error {
		latest, err := existingFunction(r, ref)
		if err != nil {
			return err
		}
		limit := pageSize(in.MaxItems)
		if in.Marker == "" { // $LATEST opens the first page
			add(latest)
			limit--
		}
		out.NextMarker, err = scanPage(r, ref.sc.versionsPrefix(ref.name), in.Marker, limit, func(k, v []byte) (bool, error) {
			rec, err := decodeRecord(v)
			if err == nil {
				add(rec)
			}
			return err == nil, err
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// pageSize is a list operation's MaxItems with AWS's default and cap.
func pageSize(maxItems *int32) int {
	if maxItems != nil && *maxItems > 0 {
		return min(int(*maxItems), maxListItems)
	}
	return defaultListItems
}

func aliasARN(ref fnRef, alias string) string { return ref.arn() + ":" + alias }

func aliasConfiguration(ref fnRef, a *aliasRecord) *AliasConfiguration {
	c := &AliasConfiguration{
		AliasArn: aliasARN(ref, a.Name), Name: a.Name, FunctionVersion: a.FunctionVersion,
		Description: a.Description, RevisionId: a.RevisionID,
	}
	if len(a.Weights) > 0 {
		c.RoutingConfig = &AliasRoutingConfiguration{AdditionalVersionWeights: a.Weights}
	}
	return c
}

// checkAliasTarget validates an alias's version and routing: the versions
// must exist, and a split needs a published primary version and one other
// published version with a weight in [0, 1].
func checkAliasTarget(r engine.Reader, ref fnRef, latest *functionRecord, version string, routing *AliasRoutingConfiguration) (map[string]float64, error) {
	if version != "$LATEST" {
		v, err := getVersion(r, ref.sc, ref.name, version)
		if err != nil {
			return nil, err
		}
		if v == nil {
			return nil, errFunctionNotFound(ref.arn() + ":" + version)
		}
	}
	if routing == nil || len(routing.AdditionalVersionWeights) == 0 {
		return nil, nil
	}
	w := routing.AdditionalVersionWeights
	if len(w) > 1 {
		return nil, ErrInvalidParameterValue("Number of items in AdditionalVersionWeights cannot be greater than 1")
	}
	for v, weight := range w {
		if v == "$LATEST" || version == "$LATEST" {
			return nil, ErrInvalidParameterValue("$LATEST is not supported for an alias pointing to more than 1 version")
		}
		if v == version {
			return nil, ErrInvalidParameterValue("Invalid function version %s. Function version %s is already included in routing configuration.", v, v)
		}
		if weight < 0 || weight > 1 {
			return nil, errValidation("1 validation error detected: Value '{%s=%v}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0]", v, weight)
		}
		rec, err := getVersion(r, ref.sc, ref.name, v)
		if err != nil {
			return nil, err
		}
		if rec == nil {
			return nil, errFunctionNotFound(ref.arn() + ":" + v)
		}
	}
	return w, nil
}

func checkAliasName(name string) error {
	if versionRE.MatchString(name) || !aliasRE.MatchString(name) {
		return errValidation("1 validation error detected: Value '%s' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)", name)
	}
	return nil
}

// CreateAlias names a version.
func (s *Service) CreateAlias(ctx context.Context, in *CreateAliasRequest) (*AliasConfiguration, error) {
	ref, err := resolve(ctx, in.FunctionName, "")
	if err != nil {
		return nil, err
	}
	if err := checkAliasName(in.Name); err != nil {
		return nil, err
	}
	a := &aliasRecord{Name: in.Name, FunctionVersion: in.FunctionVersion, Description: in.Description, RevisionID: newUUID()}
	err = s.update(ctx, func(tx engine.Txn) error {
		latest, err := existingFunction(tx, ref)
		if err != nil {
			return err
		}
		if a.Weights, err = checkAliasTarget(tx, ref, latest, in.FunctionVersion, in.RoutingConfig); err != nil {
			return err
		}
		have, err := getAlias(tx, ref.sc, ref.name, in.Name)
		if err != nil {
			return err
		}
		if have != nil {
			return ErrResourceConflict("Alias already exists: %s", aliasARN(ref, in.Name))
		}
		putAlias(tx, ref.sc, ref.name, a)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return aliasConfiguration(ref, a), nil
}

// loadAlias reads an alias or answers AWS's not-found error.
func (s *Service) loadAlias(ref fnRef, name string) (*aliasRecord, error) {
	var a *aliasRecord
	err := s.eng.View(func(r engine.Reader) error {
		if _, err := existingFunction(r, ref); err != nil {
			return err
		}
		var err error
		if a, err = getAlias(r, ref.sc, ref.name, name); err != nil {
			return err
		}
		if a == nil {
			return errAliasNotFound(ref, name)
		}
		return nil
	})
	return a, err
}

func errAliasNotFound(ref fnRef, name string) error {
	return ErrResourceNotFound("Alias not found: %s", aliasARN(ref, name))
}

// GetAlias returns an alias.
func (s *Service) GetAlias(ctx context.Context, in *GetAliasRequest) (*AliasConfiguration, error) {
	ref, err := resolve(ctx, in.FunctionName, "")
	if err != nil {
		return nil, err
	}
	a, err := s.loadAlias(ref, in.Name)
	if err != nil {
		return nil, err
	}
	return aliasConfiguration(ref, a), nil
}

// UpdateAlias changes an alias's version, description or routing; members
// left out keep their values (an empty RoutingConfig removes the split).
func (s *Service) UpdateAlias(ctx context.Context, in *UpdateAliasRequest) (*AliasConfiguration, error) {
	ref, err := resolve(ctx, in.FunctionName, "")
	if err != nil {
		return nil, err
	}
	var a *aliasRecord
	err = s.update(ctx, func(tx engine.Txn) error {
		latest, err := existingFunction(tx, ref)
		if err != nil {
			return err
		}
		if a, err = getAlias(tx, ref.sc, ref.name, in.Name); err != nil {
			return err
		}
		if a == nil {
			return errAliasNotFound(ref, in.Name)
		}
		if in.RevisionId != "" && in.RevisionId != a.RevisionID {
			return errRevision()
		}
		version := a.FunctionVersion
		if in.FunctionVersion != "" {
			version = in.FunctionVersion
		}
		routing := in.RoutingConfig
		if routing == nil && len(a.Weights) > 0 {
			routing = &AliasRoutingConfiguration{AdditionalVersionWeights: a.Weights}
		}
		weights, err := checkAliasTarget(tx, ref, latest, version, routing)
		if err != nil {
			return err
		}
		a.FunctionVersion, a.Weights = version, weights
		if in.Description != "" {
			a.Description = in.Description
		}
		a.RevisionID = newUUID()
		putAlias(tx, ref.sc, ref.name, a)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return aliasConfiguration(ref, a), nil
}

// DeleteAlias deletes an alias (and its event invoke config); deleting a
// missing alias succeeds, as on AWS.
func (s *Service) DeleteAlias(ctx context.Context, in *DeleteAliasRequest) (*struct{}, error) {
	ref, err := resolve(ctx, in.FunctionName, "")
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx engine.Txn) error {
		if _, err := existingFunction(tx, ref); err != nil {
			return err
		}
		tx.Delete(ref.sc.aliasKey(ref.name, in.Name))
		tx.Delete(ref.sc.eventConfigKey(ref.name, in.Name))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

// ListAliases lists a function's aliases in name order, optionally only
// those that point to (or split traffic to) FunctionVersion.
func (s *Service) ListAliases(ctx context.Context, in *ListAliasesRequest) (*ListAliasesResponse, error) {
	ref, err := resolve(ctx, in.FunctionName, "")
	if err != nil {
		return nil, err
	}
	out := &ListAliasesResponse{Aliases: []AliasConfiguration{}}
	err = s.eng.View(func(r engine.Reader) error {
		if _, err := existingFunction(r, ref); err != nil {
			return err
		}
		out.NextMarker, err = scanPage(r, ref.sc.aliasesPrefix(ref.name), in.Marker, pageSize(in.MaxItems), func(k, v []byte) (bool, error) {
			a := new(aliasRecord)
			if err := json.Unmarshal(v, a); err != nil {
				return false, err
			}
			if in.FunctionVersion != "" && a.FunctionVersion != in.FunctionVersion {
				if _, ok := a.Weights[in.FunctionVersion]; !ok {
					return false, nil
				}
			}
			out.Aliases = append(out.Aliases, *aliasConfiguration(ref, a))
			return true, nil
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// deleteVersion deletes one published version (DeleteFunction with a
// version qualifier). A version an alias points to cannot go.
func (s *Service) deleteVersion(ctx context.Context, ref fnRef) error {
	var gone *functionRecord
	var garbage []string
	err := s.update(ctx, func(tx engine.Txn) error {
		garbage = nil
		latest, err := existingFunction(tx, ref)
		if err != nil {
			return err
		}
		if !versionRE.MatchString(ref.qualifier) {
			// An alias: AWS deletes aliases with DeleteAlias only.
			return ErrInvalidParameterValue("Deletion of aliases is not supported.")
		}
		v, err := getVersion(tx, ref.sc, ref.name, ref.qualifier)
		if err != nil {
			return err
		}
		if v == nil {
			return errFunctionNotFound(ref.qualifiedARN())
		}
		var users []string
		p := ref.sc.aliasesPrefix(ref.name)
		err = tx.Scan(p, engine.PrefixEnd(p), false, func(k, val []byte) (bool, error) {
			a := new(aliasRecord)
			if err := json.Unmarshal(val, a); err != nil {
				return false, err
			}
			if _, split := a.Weights[ref.qualifier]; a.FunctionVersion == ref.qualifier || split {
				users = append(users, a.Name)
			}
			return true, nil
		})
		if err != nil {
			return err
		}
		if len(users) > 0 {
			return ErrResourceConflict("Unable to delete version because the following aliases reference it: %v", users)
		}
		n, _ := strconv.Atoi(ref.qualifier)
		tx.Delete(ref.sc.versionKey(ref.name, n))
		tx.Delete(ref.sc.eventConfigKey(ref.name, ref.qualifier))
		gone = v
		used, err := blobsInUse(tx, ref.sc, latest)
		if err != nil {
			return err
		}
		if !used[v.Code.Blob] {
			garbage = append(garbage, v.Code.Blob)
		}
		return nil
	})
	if err != nil || gone == nil {
		return err
	}
	if s.inv != nil {
		s.inv.Evict(ref.arn(), gone.Version)
	}
	s.deleteBlobs(garbage...)
	return nil
}

// blobsInUse returns the code blobs a function's $LATEST and published
// versions (still) reference: an update of $LATEST keeps a blob a
// version shares.
func blobsInUse(r engine.Reader, sc scope, latest *functionRecord) (map[string]bool, error) {
	used := map[string]bool{}
	if latest != nil {
		used[latest.Code.Blob] = true
	}
	p := sc.versionsPrefix(latest.Name)
	err := r.Scan(p, engine.PrefixEnd(p), false, func(k, v []byte) (bool, error) {
		rec, err := decodeRecord(v)
		if err != nil {
			return false, err
		}
		used[rec.Code.Blob] = true
		return true, nil
	})
	return used, err
}

// deleteAllOf deletes, in tx, everything a function has besides its
// $LATEST record: versions, aliases, event invoke configs. It returns the
// versions' blobs.
func deleteAllOf(tx engine.Txn, sc scope, name string) ([]string, error) {
	var blobs []string
	p := sc.versionsPrefix(name)
	err := tx.Scan(p, engine.PrefixEnd(p), false, func(k, v []byte) (bool, error) {
		rec, err := decodeRecord(v)
		if err != nil {
			return false, err
		}
		blobs = append(blobs, rec.Code.Blob)
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	for _, p := range [][]byte{sc.versionsPrefix(name), sc.aliasesPrefix(name), sc.eventConfigsPrefix(name)} {
		tx.DeleteRange(p, engine.PrefixEnd(p))
	}
	slices.Sort(blobs)
	return slices.Compact(blobs), nil
}
