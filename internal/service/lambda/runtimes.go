package lambda

import (
	"strings"

	"hako/internal/protocol/model"
	"hako/internal/runtime/bootstraps"
)

// RuntimeStatus says what hako does with a Lambda runtime id.
type RuntimeStatus int

const (
	// RuntimeUnknown: not a runtime id (the model's enum already rejects
	// those that arrive over HTTP).
	RuntimeUnknown RuntimeStatus = iota
	// RuntimeSupported: hako runs it.
	RuntimeSupported
	// RuntimeDeprecated: AWS no longer accepts it for creating or
	// updating functions, and neither does hako.
	RuntimeDeprecated
	// RuntimeNotRunnable: an AWS runtime that hako cannot run (Java, .NET,
	// Ruby, ...).
	RuntimeNotRunnable
)

// DefaultRuntimes is the runtime table used unless WithRuntimes replaces
// it: a runtime is supported when the runtime package ships a way to run
// it (internal/runtime/bootstraps), whatever AWS's block dates say, so
// functions keep deploying to the runtimes hako runs (go1.x, deprecated on
// AWS, included: the book's seed 004 deploys to it). Of the others, those
// AWS no longer accepts get AWS's refusal, and current AWS runtimes hako
// cannot run (Java, .NET, Ruby, and runtimes newer than the bootstraps)
// get a refusal naming hako.
func DefaultRuntimes(id string) RuntimeStatus {
	if _, ok := bootstraps.Info(id); ok {
		return RuntimeSupported
	}
	switch id {
	case "nodejs", "nodejs4.3", "nodejs4.3-edge", "nodejs6.10", "nodejs8.10", "nodejs10.x",
		"nodejs12.x", "nodejs14.x", "nodejs16.x",
		"python2.7", "python3.6", "python3.7", "python3.8",
		"java8", "dotnetcore1.0", "dotnetcore2.0", "dotnetcore2.1", "dotnetcore3.1", "dotnet6",
		"ruby2.5", "ruby2.7", "provided":
		return RuntimeDeprecated
	}
	for _, enum := range model.MustLoad(ModelName).Shapes["Runtime"].Enum {
		if enum == id {
			return RuntimeNotRunnable
		}
	}
	return RuntimeUnknown
}

// isProvided reports whether a runtime runs an executable bootstrap (no
// handler needed).
func isProvided(runtime string) bool { return strings.HasPrefix(runtime, "provided") }

// checkRuntime answers the semantic runtime errors of CreateFunction and
// UpdateFunctionConfiguration.
func (s *Service) checkRuntime(runtime string) error {
	switch s.runtimes(runtime) {
	case RuntimeSupported:
		return nil
	case RuntimeDeprecated:
		return ErrInvalidParameterValue("The runtime parameter of %s is no longer supported for creating or updating AWS Lambda functions. We recommend you use a supported runtime while creating or updating functions.", runtime)
	case RuntimeNotRunnable:
		return ErrInvalidParameterValue("The runtime parameter of %s is not supported by hako. hako runs these runtimes: %s.", runtime, strings.Join(supportedRuntimes(s.runtimes), ", "))
	}
	// Reaches here only for callers that skipped the model's validation.
	return ErrInvalidParameterValue("Value %s at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [%s] or be a valid ARN", runtime, strings.Join(supportedRuntimes(s.runtimes), ", "))
}

// supportedRuntimes lists the runtimes of a table that hako runs, in the
// order of the model's Runtime enum.
func supportedRuntimes(table func(string) RuntimeStatus) []string {
	var out []string
	for _, id := range model.MustLoad(ModelName).Shapes["Runtime"].Enum {
		if table(id) == RuntimeSupported {
			out = append(out, id)
		}
	}
	return out
}
