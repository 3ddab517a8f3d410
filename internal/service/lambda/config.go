package lambda

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"regexp"
	"slices"
	"strings"

	"hako/internal/protocol"
)

// Defaults of a new function (AWS's).
const (
	defaultMemory  = 128
	defaultTimeout = 3
	defaultStorage = 512
	maxLayers      = 5
	maxTags        = 50
	// maxEnvBytes is the limit on the environment variables' JSON.
	maxEnvBytes = 4096
)

// reservedEnv are the variables Lambda sets itself and refuses to let a
// function configure.
var reservedEnv = []string{
	"_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
	"AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
	"AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
	"AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
	"AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
}

// checkEnvironment answers AWS's errors for environment variables: reserved
// keys, and more than 4 KB of them measured as compact JSON.
func checkEnvironment(vars map[string]string) error {
	var used []string
	for _, k := range reservedEnv {
		if _, ok := vars[k]; ok {
			used = append(used, k)
		}
	}
	if len(used) > 0 {
		return ErrInvalidParameterValue("Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: %s", strings.Join(used, ", "))
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(vars) // map[string]string: cannot fail
	measured := bytes.TrimSuffix(b.Bytes(), []byte("\n"))
	if len(measured) > maxEnvBytes {
		return ErrInvalidParameterValue("Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: %s", measured)
	}
	return nil
}

// roleRE is the model's RoleArn pattern; requests over HTTP are checked by
// the protocol layer already, this keeps direct Go callers to it.
var roleRE = regexp.MustCompile(`^arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+$`)

func checkRole(role string) error {
	if !roleRE.MatchString(role) {
		return errValidation(`1 validation error detected: Value '%s' at 'role' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+`, role)
	}
	return nil
}

// maxTimeout is Lambda's 15 minutes; the model only bounds Timeout below.
const maxTimeout = 900

func checkTimeout(t *int32) error {
	if t != nil && *t > maxTimeout {
		return errValidation("1 validation error detected: Value '%d' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to %d", *t, maxTimeout)
	}
	return nil
}

func checkTagCount(tags map[string]string) error {
	if len(tags) > maxTags {
		return ErrInvalidParameterValue("Number of tags exceeds resource tag limit.")
	}
	return nil
}

// checkLogging answers AWS's error for log levels with the Text format.
func checkLogging(lc *LoggingConfig) error {
	if lc == nil {
		return nil
	}
	if lc.LogFormat != "JSON" && (lc.ApplicationLogLevel != "" || lc.SystemLogLevel != "") {
		return ErrInvalidParameterValue(`LogLevel is not supported when LogFormat is set to "Text". Remove LogLevel from your request or change the LogFormat to "JSON" and try again.`)
	}
	return nil
}

// checkHandler answers a missing runtime or handler for a zip function
// (provided runtimes run ./bootstrap and need no handler).
func checkHandler(runtime, handler string) error {
	if runtime == "" || handler == "" && !isProvided(runtime) {
		return ErrInvalidParameterValue("Runtime and Handler are mandatory parameters for functions created with deployment packages.")
	}
	return nil
}

// ObjectSource reads S3 objects (the S3 service): deployment packages
// and layer archives given as S3Bucket / S3Key / S3ObjectVersion.
type ObjectSource interface {
	OpenObject(ctx context.Context, bucket, key, versionID string) (io.ReadCloser, error)
}

// WithObjectSource lets functions and layers take their code from S3.
func WithObjectSource(src ObjectSource) Option { return func(s *Service) { s.objects = src } }

// zipSource returns the archive a request names: ZipFile, or the S3
// object (read as the caller, at most the unzipped limit), or AWS's error.
func (s *Service) zipSource(ctx context.Context, zipFile []byte, bucket, key, version string) ([]byte, error) {
	if zipFile != nil {
		return zipFile, nil
	}
	if bucket == "" && key == "" {
		return nil, errNoCodeSource()
	}
	if bucket == "" || key == "" {
		return nil, ErrInvalidParameterValue("Please provide a source for function code.")
	}
	if s.objects == nil {
		return nil, ErrInvalidParameterValue("Code from S3 (S3Bucket/S3Key) needs the S3 service, which this server has not configured.")
	}
	rc, err := s.objects.OpenObject(ctx, bucket, key, version)
	if err != nil {
		var pe *protocol.Error
		if errors.As(err, &pe) {
			return nil, ErrInvalidParameterValue("Error occurred while GetObject. S3 Error Code: %s. S3 Error Message: %s", pe.Code, pe.Message)
		}
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxUnzipped+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxUnzipped {
		return nil, errUnzippedSize()
	}
	return b, nil
}

// checkUnsupported refuses configuration hako cannot honour, naming it,
// rather than store it and behave as if it were not there.
func checkUnsupported(snap *SnapStart, fs []FileSystemConfig, capacity *CapacityProviderConfig, durable *DurableConfig, codeSigning, publishTo string, tenancy *TenancyConfig) error {
	var what string
	switch {
	case snap != nil && snap.ApplyOn != "" && snap.ApplyOn != "None":
		what = "SnapStart (ApplyOn " + snap.ApplyOn + ")"
	case len(fs) > 0:
		what = "FileSystemConfigs (EFS mounts)"
	case capacity != nil:
		what = "CapacityProviderConfig"
	case durable != nil:
		what = "DurableConfig (durable functions)"
	case codeSigning != "":
		what = "CodeSigningConfigArn (code signing)"
	case publishTo != "":
		what = "PublishTo"
	case tenancy != nil:
		what = "TenancyConfig"
	default:
		return nil
	}
	return protocol.Errorf("NotImplemented", "%s is not implemented by hako: remove it from the request.", what)
}

func errImageNotSupported() error {
	return ErrInvalidParameterValue("Container images (PackageType Image) are not supported by hako: package the function as a .zip file (PackageType Zip).")
}

func errNoCodeSource() error {
	return ErrInvalidParameterValue("Please provide a source for function code.")
}

// configuration is $LATEST's FunctionConfiguration as the API reports it.
func configuration(sc scope, rec *functionRecord) *FunctionConfiguration {
	c := &FunctionConfiguration{
		FunctionName:               rec.Name,
		FunctionArn:                functionARN(sc, rec.Name) + qualifierSuffix(rec.Version),
		Runtime:                    rec.Runtime,
		Role:                       rec.Role,
		Handler:                    rec.Handler,
		CodeSize:                   ptr(rec.Code.Size),
		Description:                rec.Description,
		Timeout:                    ptr(rec.Timeout),
		MemorySize:                 ptr(rec.MemorySize),
		LastModified:               lastModified(rec.LastModified),
		CodeSha256:                 rec.Code.CodeSha256,
		Version:                    versionName(rec),
		Environment:                &EnvironmentResponse{Variables: maps.Clone(rec.Environment)},
		KMSKeyArn:                  rec.KMSKeyArn,
		TracingConfig:              &TracingConfigResponse{Mode: rec.TracingMode},
		RevisionId:                 rec.RevisionID,
		State:                      rec.State,
		StateReason:                rec.StateReason,
		StateReasonCode:            rec.StateReasonCode,
		LastUpdateStatus:           rec.LastUpdateStatus,
		LastUpdateStatusReason:     rec.LastUpdateStatusReason,
		LastUpdateStatusReasonCode: rec.LastUpdateStatusReasonCode,
		PackageType:                "Zip",
		Architectures:              slices.Clone(rec.Architectures),
		EphemeralStorage:           &EphemeralStorage{Size: ptr(rec.EphemeralStorage)},
		SnapStart:                  &SnapStartResponse{ApplyOn: "None", OptimizationStatus: "Off"},
		LoggingConfig:              loggingOf(rec),
	}
	if c.Environment.Variables == nil {
		c.Environment.Variables = map[string]string{}
	}
	if c.TracingConfig.Mode == "" {
		c.TracingConfig.Mode = "PassThrough"
	}
	if rec.DeadLetterTarget != "" {
		c.DeadLetterConfig = &DeadLetterConfig{TargetArn: rec.DeadLetterTarget}
	}
	c.Layers = functionLayers(rec.Layers)
	return c
}

// qualifierSuffix is ":VERSION" for a published version: its
// configuration names the qualified ARN, $LATEST's the unqualified one.
func qualifierSuffix(version string) string {
	if version == "" {
		return ""
	}
	return ":" + version
}

// loggingOf is the function's LoggingConfig with AWS's defaults.
func loggingOf(rec *functionRecord) *LoggingConfig {
	lc := LoggingConfig{LogFormat: "Text"}
	if rec.Logging != nil {
		lc = *rec.Logging
		if lc.LogFormat == "" {
			lc.LogFormat = "Text"
		}
	}
	if lc.LogGroup == "" {
		lc.LogGroup = "/aws/lambda/" + rec.Name
	}
	return &lc
}

func errValidation(format string, args ...any) error {
	return protocol.Errorf("ValidationException", format, args...)
}
