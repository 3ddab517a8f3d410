package lambda

import (
	"context"
	"maps"
	"slices"

	"hako/internal/engine"
)

// Texts of the state machine, as AWS writes them.
const (
	stateReasonCreating = "The function is being created."
	reasonCodeCreating  = "Creating"
)

func errUpdateInProgress(arn string) error {
	return ErrResourceConflict("The operation cannot be performed at this time. An update is in progress for resource: %s", arn)
}

func errFunctionState(state string) error {
	return ErrResourceConflict("The operation cannot be performed at this time. The function is currently in the following state: %s", state)
}

func errRevision() error {
	return ErrPreconditionFailed("The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id")
}

// checkUpdatable answers an update of a function that is not settled or
// whose revision is not the one the caller expects.
func checkUpdatable(ref fnRef, rec *functionRecord, revisionID string) error {
	if revisionID != "" && revisionID != rec.RevisionID {
		return errRevision()
	}
	if rec.State == "Pending" {
		return errFunctionState(rec.State)
	}
	if rec.LastUpdateStatus == "InProgress" {
		return errUpdateInProgress(ref.arn())
	}
	return nil
}

// CreateFunction creates a function from a zip. The response says Pending;
// the function becomes Active right after (see settle).
func (s *Service) CreateFunction(ctx context.Context, in *CreateFunctionRequest) (*FunctionConfiguration, error) {
	ref, err := resolve(ctx, in.FunctionName, "")
	if err != nil {
		return nil, err
	}
	if ref.qualifier != "" {
		return nil, errValidation(`1 validation error detected: Value '%s' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_]+)`, in.FunctionName)
	}
	if len(ref.name) > 64 {
		return nil, errValidation("1 validation error detected: Value '%s' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to 64", in.FunctionName)
	}
	if err := checkTimeout(in.Timeout); err != nil {
		return nil, err
	}
	code := in.Code
	if code == nil {
		code = &FunctionCode{}
	}
	if len(code.ZipFile) > maxZipped {
		return nil, errZippedSize()
	}
	var env map[string]string
	if in.Environment != nil {
		env = in.Environment.Variables
		if err := checkEnvironment(env); err != nil {
			return nil, err
		}
	}
	layers, err := resolveLayers(ctx, s.eng, in.Layers)
	if err != nil {
		return nil, err
	}
	if err := checkRole(in.Role); err != nil {
		return nil, err
	}
	if in.PackageType == "Image" || code.ImageUri != "" {
		return nil, errImageNotSupported()
	}
	if err := checkUnsupported(in.SnapStart, in.FileSystemConfigs, in.CapacityProviderConfig, in.DurableConfig, in.CodeSigningConfigArn, in.PublishTo, in.TenancyConfig); err != nil {
		return nil, err
	}
	if in.Runtime != "" {
		if err := s.checkRuntime(in.Runtime); err != nil {
			return nil, err
		}
	}
	if err := checkHandler(in.Runtime, in.Handler); err != nil {
		return nil, err
	}
	if code.ZipFile, err = s.zipSource(ctx, code.ZipFile, code.S3Bucket, code.S3Key, code.S3ObjectVersion); err != nil {
		return nil, err
	}
	if err := checkLogging(in.LoggingConfig); err != nil {
		return nil, err
	}
	if err := checkTagCount(in.Tags); err != nil {
		return nil, err
	}
	exists, err := getFunction(s.eng, ref.sc, ref.name)
	if err != nil {
		return nil, err
	}
	if exists != nil {
		return nil, errFunctionExists(ref.name)
	}
	unzipped, err := validateZip(code.ZipFile)
	if err != nil {
		return nil, err
	}
	if err := checkCodeAndLayers(unzipped, layers); err != nil {
		return nil, err
	}

	now := s.clock.Now().UnixMilli()
	rec := &functionRecord{
		Name:             ref.name,
		Runtime:          in.Runtime,
		Handler:          in.Handler,
		Role:             in.Role,
		Description:      in.Description,
		Timeout:          valueOr(in.Timeout, defaultTimeout),
		MemorySize:       valueOr(in.MemorySize, defaultMemory),
		EphemeralStorage: defaultStorage,
		Architectures:    in.Architectures,
		Environment:      env,
		Layers:           layers,
		KMSKeyArn:        in.KMSKeyArn,
		Logging:          in.LoggingConfig,
		LastModified:     now,
		RevisionID:       newUUID(),
		ConfigRev:        newUUID(),
		State:            "Pending",
		StateReason:      stateReasonCreating,
		StateReasonCode:  reasonCodeCreating,
		Pending:          newUUID(),
		Tags:             in.Tags,
	}
	if in.EphemeralStorage != nil && in.EphemeralStorage.Size != nil {
		rec.EphemeralStorage = *in.EphemeralStorage.Size
	}
	if len(rec.Architectures) == 0 {
		rec.Architectures = []string{"x86_64"}
	}
	if in.TracingConfig != nil {
		rec.TracingMode = in.TracingConfig.Mode
	}
	if in.DeadLetterConfig != nil {
		rec.DeadLetterTarget = in.DeadLetterConfig.TargetArn
	}

	// The blob is durable before the record that references it; if the
	// record cannot be written the blob goes again, so a refused call
	// leaves nothing behind.
	rec.Code, err = s.storeZip(code.ZipFile, describeZip(code.ZipFile, unzipped))
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx engine.Txn) error {
		cur, err := getFunction(tx, ref.sc, ref.name)
		if err != nil {
			return err
		}
		if cur != nil {
			return errFunctionExists(ref.name)
		}
		// The layer versions join the read set: a concurrent delete of
		// one conflicts instead of leaving a dangling reference.
		if _, err := resolveLayers(ctx, tx, in.Layers); err != nil {
			return err
		}
		putFunction(tx, ref.sc, rec)
		return nil
	})
	if err != nil {
		s.deleteBlobs(rec.Code.Blob)
		return nil, err
	}
	s.schedule(ref.sc, ref.name, rec.Pending)
	if in.Publish != nil && *in.Publish {
		return s.publishNow(ctx, ref)
	}
	return configuration(ref.sc, rec), nil
}

func errFunctionExists(name string) error {
	return ErrResourceConflict("Function already exist: %s", name)
}

func valueOr(p *int32, def int32) int32 {
	if p == nil {
		return def
	}
	return *p
}

// load reads a function for a read-only call: the configuration its
// qualifier names ($LATEST, a version, or an alias's version).
func (s *Service) load(ref fnRef) (*functionRecord, error) {
	q, err := s.loadQualified(ref)
	if err != nil {
		return nil, err
	}
	return q.rec, nil
}

func (s *Service) loadQualified(ref fnRef) (*qualified, error) {
	var q *qualified
	err := s.eng.View(func(r engine.Reader) error {
		var err error
		q, err = getQualified(r, ref)
		return err
	})
	return q, err
}

// GetFunction returns the configuration, a URL to download the code (valid
// 10 minutes), tags and reserved concurrency.
func (s *Service) GetFunction(ctx context.Context, in *GetFunctionRequest) (*GetFunctionResponse, error) {
	ref, err := resolve(ctx, in.FunctionName, in.Qualifier)
	if err != nil {
		return nil, err
	}
	q, err := s.loadQualified(ref)
	if err != nil {
		return nil, err
	}
	out := &GetFunctionResponse{
		Configuration: qualifiedConfiguration(ref, q),
		Code:          &FunctionCodeLocation{RepositoryType: "S3", Location: s.codeLocation(q.rec.Code)},
	}
	// Tags and reserved concurrency belong to the function, whatever the
	// qualifier.
	if len(q.latest.Tags) > 0 {
		out.Tags = maps.Clone(q.latest.Tags)
	}
	if q.latest.Reserved != nil {
		out.Concurrency = &Concurrency{ReservedConcurrentExecutions: ptr(*q.latest.Reserved)}
	}
	return out, nil
}

// GetFunctionConfiguration returns the configuration.
func (s *Service) GetFunctionConfiguration(ctx context.Context, in *GetFunctionConfigurationRequest) (*FunctionConfiguration, error) {
	ref, err := resolve(ctx, in.FunctionName, in.Qualifier)
	if err != nil {
		return nil, err
	}
	q, err := s.loadQualified(ref)
	if err != nil {
		return nil, err
	}
	return qualifiedConfiguration(ref, q), nil
}

// qualifiedConfiguration is the configuration a qualifier names, with the
// ARN the caller used (an alias's ARN for an alias, as AWS answers).
func qualifiedConfiguration(ref fnRef, q *qualified) *FunctionConfiguration {
	c := configuration(ref.sc, q.rec)
	if ref.qualifier != "" {
		c.FunctionArn = ref.qualifiedARN()
	}
	return c
}

const (
	defaultListItems = 50
	maxListItems     = 10000
)

// ListFunctions lists the functions of the account in the region in name
// order ($LATEST); FunctionVersion ALL adds each function's published
// versions after it.
func (s *Service) ListFunctions(ctx context.Context, in *ListFunctionsRequest) (*ListFunctionsResponse, error) {
	sc := scopeOf(ctx)
	if in.FunctionVersion != "" && in.FunctionVersion != "ALL" {
		return nil, errValidation("1 validation error detected: Value '%s' at 'functionVersion' failed to satisfy constraint: Member must satisfy enum value set: [ALL]", in.FunctionVersion)
	}
	out := &ListFunctionsResponse{Functions: []FunctionConfiguration{}}
	var err error
	err = s.eng.View(func(r engine.Reader) error {
		out.NextMarker, err = scanPage(r, sc.functionsPrefix(), in.Marker, pageSize(in.MaxItems), func(k, v []byte) (bool, error) {
			rec, err := decodeRecord(v)
			if err != nil {
				return false, err
			}
			out.Functions = append(out.Functions, *configuration(sc, rec))
			if in.FunctionVersion == "ALL" {
				// Each function's published versions follow it; MaxItems
				// counts functions.
				vp := sc.versionsPrefix(rec.Name)
				return true, r.Scan(vp, engine.PrefixEnd(vp), false, func(_, v []byte) (bool, error) {
					ver, err := decodeRecord(v)
					if err == nil {
						out.Functions = append(out.Functions, *configuration(sc, ver))
					}
					return err == nil, err
				})
			}
			return true, nil
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateFunctionCode replaces $LATEST's code. The response says
// LastUpdateStatus InProgress; it becomes Successful right after.
func (s *Service) UpdateFunctionCode(ctx context.Context, in *UpdateFunctionCodeRequest) (*FunctionConfiguration, error) {
	ref, err := resolve(ctx, in.FunctionName, "")
	if err != nil {
		return nil, err
	}
	if len(in.ZipFile) > maxZipped {
		return nil, errZippedSize()
	}
	if in.ImageUri != "" {
		return nil, ErrInvalidParameterValue("Please don't provide ImageUri when updating a function with packageType Zip.")
	}
	if in.ZipFile, err = s.zipSource(ctx, in.ZipFile, in.S3Bucket, in.S3Key, in.S3ObjectVersion); err != nil {
		return nil, err
	}
	rec, err := s.load(ref)
	if err != nil {
		return nil, err
	}
	if err := checkUpdatable(ref, rec, in.RevisionId); err != nil {
		return nil, err
	}
	unzipped, err := validateZip(in.ZipFile)
	if err != nil {
		return nil, err
	}
	if err := checkCodeAndLayers(unzipped, rec.Layers); err != nil {
		return nil, err
	}
	code := describeZip(in.ZipFile, unzipped)
	if in.DryRun != nil && *in.DryRun {
		// Everything is checked, nothing is stored: the answer shows the
		// code the function would get.
		rec.Code = code
		return configuration(ref.sc, rec), nil
	}
	code, err = s.storeZip(in.ZipFile, code)
	if err != nil {
		return nil, err
	}
	var updated *functionRecord
	err = s.update(ctx, func(tx engine.Txn) error {
		cur, err := existingFunction(tx, ref)
		if err != nil {
			return err
		}
		if err := checkUpdatable(ref, cur, in.RevisionId); err != nil {
			return err
		}
		if err := checkCodeAndLayers(unzipped, cur.Layers); err != nil {
			return err
		}
		used, err := blobsInUse(tx, ref.sc, &functionRecord{Name: cur.Name})
		if err != nil {
			return err
		}
		if !used[cur.Code.Blob] { // a published version may share it
			cur.Garbage = append(cur.Garbage, cur.Code.Blob)
		}
		cur.Code = code
		if len(in.Architectures) > 0 {
			cur.Architectures = in.Architectures
		}
		s.beginUpdate(cur)
		putFunction(tx, ref.sc, cur)
		updated = cur
		return nil
	})
	if err != nil {
		s.deleteBlobs(code.Blob)
		return nil, err
	}
	s.schedule(ref.sc, ref.name, updated.Pending)
	if in.Publish != nil && *in.Publish {
		return s.publishNow(ctx, ref)
	}
	return configuration(ref.sc, updated), nil
}

// publishNow is Publish=true on CreateFunction and UpdateFunctionCode: the
// change settles at once and is published; the answer is the version's.
func (s *Service) publishNow(ctx context.Context, ref fnRef) (*FunctionConfiguration, error) {
	return s.PublishVersion(ctx, &PublishVersionRequest{FunctionName: ref.name})
}

// beginUpdate marks a code or configuration change: new revisions, the
// update InProgress until settle runs.
func (s *Service) beginUpdate(rec *functionRecord) {
	rec.LastModified = s.clock.Now().UnixMilli()
	rec.RevisionID = newUUID()
	rec.ConfigRev = newUUID()
	rec.LastUpdateStatus = "InProgress"
	rec.LastUpdateStatusReason = stateReasonCreating
	rec.LastUpdateStatusReasonCode = reasonCodeCreating
	rec.Pending = newUUID()
	rec.PendingUpdate = true
}

// UpdateFunctionConfiguration changes $LATEST's configuration; members
// left out keep their values. Like UpdateFunctionCode it goes InProgress,
// then Successful.
func (s *Service) UpdateFunctionConfiguration(ctx context.Context, in *UpdateFunctionConfigurationRequest) (*FunctionConfiguration, error) {
	ref, err := resolve(ctx, in.FunctionName, "")
	if err != nil {
		return nil, err
	}
	if err := checkTimeout(in.Timeout); err != nil {
		return nil, err
	}
	if in.Environment != nil {
		if err := checkEnvironment(in.Environment.Variables); err != nil {
			return nil, err
		}
	}
	layers, err := resolveLayers(ctx, s.eng, in.Layers)
	if err != nil {
		return nil, err
	}
	if in.Role != "" {
		if err := checkRole(in.Role); err != nil {
			return nil, err
		}
	}
	if in.ImageConfig != nil {
		return nil, errImageNotSupported()
	}
	if err := checkUnsupported(in.SnapStart, in.FileSystemConfigs, in.CapacityProviderConfig, in.DurableConfig, "", "", nil); err != nil {
		return nil, err
	}
	if in.Runtime != "" {
		if err := s.checkRuntime(in.Runtime); err != nil {
			return nil, err
		}
	}
	if err := checkLogging(in.LoggingConfig); err != nil {
		return nil, err
	}
	var updated *functionRecord
	err = s.updateFunction(ctx, ref, func(tx engine.Txn, cur *functionRecord) error {
		if err := checkUpdatable(ref, cur, in.RevisionId); err != nil {
			return err
		}
		applyConfiguration(cur, in)
		if err := checkHandler(cur.Runtime, cur.Handler); err != nil {
			return err
		}
		if in.Layers != nil {
			// Layers (even empty) replace the list; re-read in the
			// transaction as in CreateFunction.
			if _, err := resolveLayers(ctx, tx, in.Layers); err != nil {
				return err
			}
			if err := checkCodeAndLayers(cur.Code.Unzipped, layers); err != nil {
				return err
			}
			cur.Layers = layers
		}
		s.beginUpdate(cur)
		putFunction(tx, ref.sc, cur)
		updated = cur
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.schedule(ref.sc, ref.name, updated.Pending)
	if in.Layers != nil {
		s.sweepLayers(ctx) // deleted versions this function no longer uses
	}
	return configuration(ref.sc, updated), nil
}

// applyConfiguration copies the members a request carries. An Environment
// (even empty) replaces the variables. Layers are resolved by the caller.
func applyConfiguration(rec *functionRecord, in *UpdateFunctionConfigurationRequest) {
	if in.Role != "" {
		rec.Role = in.Role
	}
	if in.Handler != "" {
		rec.Handler = in.Handler
	}
	if in.Description != "" {
		rec.Description = in.Description
	}
	if in.Timeout != nil {
		rec.Timeout = *in.Timeout
	}
	if in.MemorySize != nil {
		rec.MemorySize = *in.MemorySize
	}
	if in.Environment != nil {
		rec.Environment = maps.Clone(in.Environment.Variables)
	}
	if in.Runtime != "" {
		rec.Runtime = in.Runtime
	}
	if in.DeadLetterConfig != nil {
		rec.DeadLetterTarget = in.DeadLetterConfig.TargetArn
	}
	if in.KMSKeyArn != "" {
		rec.KMSKeyArn = in.KMSKeyArn
	}
	if in.TracingConfig != nil {
		rec.TracingMode = in.TracingConfig.Mode
	}
	if in.EphemeralStorage != nil && in.EphemeralStorage.Size != nil {
		rec.EphemeralStorage = *in.EphemeralStorage.Size
	}
	if in.LoggingConfig != nil {
		lc := *in.LoggingConfig
		rec.Logging = &lc
	}
}

// DeleteFunction deletes a function with its code, policy, tags and
// reserved concurrency, and stops its sandboxes.
func (s *Service) DeleteFunction(ctx context.Context, in *DeleteFunctionRequest) (*DeleteFunctionResponse, error) {
	ref, err := resolve(ctx, in.FunctionName, in.Qualifier)
	if err != nil {
		return nil, err
	}
	if ref.qualifier == "$LATEST" {
		return nil, ErrInvalidParameterValue("$LATEST version cannot be deleted without deleting the function.")
	}
	if ref.qualifier != "" {
		if err := s.deleteVersion(ctx, ref); err != nil {
			return nil, err
		}
		return &DeleteFunctionResponse{StatusCode: ptr(int32(204))}, nil
	}
	var gone *functionRecord
	var versionBlobs []string
	err = s.updateFunction(ctx, ref, func(tx engine.Txn, cur *functionRecord) error {
		tx.Delete(ref.sc.functionKey(ref.name))
		tx.Delete(ref.sc.reservedKey(ref.name))
		var err error
		versionBlobs, err = deleteAllOf(tx, ref.sc, ref.name)
		gone = cur
		return err
	})
	if err != nil {
		return nil, err
	}
	if s.inv != nil {
		s.inv.Evict(ref.arn(), "")
	}
	if gone.Reserved != nil {
		s.reportReserved(ref.arn(), nil)
	}
	blobs := append(append(gone.Garbage, gone.Code.Blob), versionBlobs...)
	slices.Sort(blobs)
	s.deleteBlobs(slices.Compact(blobs)...)
	if len(gone.Layers) > 0 {
		s.sweepLayers(ctx) // versions deleted while this function used them
	}
	return &DeleteFunctionResponse{StatusCode: ptr(int32(204))}, nil
}
