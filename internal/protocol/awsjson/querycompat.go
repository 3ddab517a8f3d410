package awsjson

import "hako/internal/protocol/model"

// queryError is what an awsQueryCompatible service reports for one of its
// error shapes in x-amzn-query-error, and its HTTP status.
type queryError struct {
	code   string
	status int
}

// queryErrors fills in the awsQueryError traits the botocore models of
// awsQueryCompatible services leave out (botocore's SQS model has neither
// the legacy codes nor the statuses; the Smithy model, and so every
// Smithy-generated SDK, has them). Keyed by model name, then shape name.
// The values are those of the Smithy model (aws-sdk-go-v2's sqs schemas).
var queryErrors = map[string]map[string]queryError{
	"sqs": {
		"BatchEntryIdsNotDistinct":     {"AWS.SimpleQueueService.BatchEntryIdsNotDistinct", 400},
		"BatchRequestTooLong":          {"AWS.SimpleQueueService.BatchRequestTooLong", 400},
		"EmptyBatchRequest":            {"AWS.SimpleQueueService.EmptyBatchRequest", 400},
		"InvalidAddress":               {"InvalidAddress", 404},
		"InvalidBatchEntryId":          {"AWS.SimpleQueueService.InvalidBatchEntryId", 400},
		"InvalidSecurity":              {"InvalidSecurity", 403},
		"KmsAccessDenied":              {"KMS.AccessDeniedException", 400},
		"KmsDisabled":                  {"KMS.DisabledException", 400},
		"KmsInvalidKeyUsage":           {"KMS.InvalidKeyUsageException", 400},
		"KmsInvalidState":              {"KMS.InvalidStateException", 400},
		"KmsNotFound":                  {"KMS.NotFoundException", 400},
		"KmsOptInRequired":             {"KMS.OptInRequired", 403},
		"KmsThrottled":                 {"KMS.ThrottlingException", 400},
		"MessageNotInflight":           {"AWS.SimpleQueueService.MessageNotInflight", 400},
		"OverLimit":                    {"OverLimit", 403},
		"PurgeQueueInProgress":         {"AWS.SimpleQueueService.PurgeQueueInProgress", 403},
		"QueueDeletedRecently":         {"AWS.SimpleQueueService.QueueDeletedRecently", 400},
		"QueueDoesNotExist":            {"AWS.SimpleQueueService.NonExistentQueue", 400},
		"QueueNameExists":              {"QueueAlreadyExists", 400},
		"ReceiptHandleIsInvalid":       {"ReceiptHandleIsInvalid", 404},
		"RequestThrottled":             {"RequestThrottled", 403},
		"ResourceNotFoundException":    {"ResourceNotFoundException", 404},
		"TooManyEntriesInBatchRequest": {"AWS.SimpleQueueService.TooManyEntriesInBatchRequest", 400},
		"UnsupportedOperation":         {"AWS.SimpleQueueService.UnsupportedOperation", 400},
	},
}

// lookupQueryError finds an error code, given as the shape name or as the
// legacy query code, in queryErrors.
func lookupQueryError(api *model.API, code string) (shape string, qe queryError, ok bool) {
	table := queryErrors[api.Name]
	if qe, ok := table[code]; ok {
		return code, qe, true
	}
	for name, qe := range table {
		if qe.code == code {
			return name, qe, true
		}
	}
	return "", queryError{}, false
}
