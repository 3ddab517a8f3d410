package query

import "hako/internal/protocol/restxml/xmlshape"

// compat holds what a json-protocol model lost when its service moved off
// the query protocol, for services that still answer query requests
// (awsQueryCompatible): the query parameter and XML element names and the
// query error codes. The facts come from the service's last query model in
// botocore (before 1.31.81 for SQS) and the awsQueryError traits of its
// Smithy model; TestSQSCompatAgainstQueryModel checks them against the old
// model bundled with the Debian aws CLI when it is installed.
type compat struct {
	names *xmlshape.Names
	// errors maps an error shape name to its query code and HTTP status.
	errors map[string]queryError
	// namespace is the xmlns of responses (the model's metadata has none).
	namespace string
}

type queryError struct {
	code   string
	status int
}

// compatByModel is keyed by model name.
var compatByModel = map[string]*compat{
	"sqs": {
		namespace: "http://queue.amazonaws.com/doc/2012-11-05/",
		names: &xmlshape.Names{
			Members: map[xmlshape.Member]string{
				{Shape: "AddPermissionRequest", Name: "AWSAccountIds"}:            "AWSAccountId",
				{Shape: "AddPermissionRequest", Name: "Actions"}:                  "ActionName",
				{Shape: "ChangeMessageVisibilityBatchRequest", Name: "Entries"}:   "ChangeMessageVisibilityBatchRequestEntry",
				{Shape: "ChangeMessageVisibilityBatchResult", Name: "Successful"}: "ChangeMessageVisibilityBatchResultEntry",
				{Shape: "ChangeMessageVisibilityBatchResult", Name: "Failed"}:     "BatchResultErrorEntry",
				{Shape: "CreateQueueRequest", Name: "Attributes"}:                 "Attribute",
				{Shape: "CreateQueueRequest", Name: "tags"}:                       "Tag",
				{Shape: "DeleteMessageBatchRequest", Name: "Entries"}:             "DeleteMessageBatchRequestEntry",
				{Shape: "DeleteMessageBatchResult", Name: "Successful"}:           "DeleteMessageBatchResultEntry",
				{Shape: "DeleteMessageBatchResult", Name: "Failed"}:               "BatchResultErrorEntry",
				{Shape: "GetQueueAttributesRequest", Name: "AttributeNames"}:      "AttributeName",
				{Shape: "GetQueueAttributesResult", Name: "Attributes"}:           "Attribute",
				{Shape: "ListDeadLetterSourceQueuesResult", Name: "queueUrls"}:    "QueueUrl",
				{Shape: "ListMessageMoveTasksResult", Name: "Results"}:            "ListMessageMoveTasksResultEntry",
				{Shape: "ListQueueTagsResult", Name: "Tags"}:                      "Tag",
				{Shape: "ListQueuesResult", Name: "QueueUrls"}:                    "QueueUrl",
				{Shape: "Message", Name: "Attributes"}:                            "Attribute",
				{Shape: "Message", Name: "MessageAttributes"}:                     "MessageAttribute",
				{Shape: "MessageAttributeValue", Name: "StringListValues"}:        "StringListValue",
				{Shape: "MessageAttributeValue", Name: "BinaryListValues"}:        "BinaryListValue",
				{Shape: "MessageSystemAttributeValue", Name: "StringListValues"}:  "StringListValue",
				{Shape: "MessageSystemAttributeValue", Name: "BinaryListValues"}:  "BinaryListValue",
				{Shape: "ReceiveMessageRequest", Name: "AttributeNames"}:          "AttributeName",
				{Shape: "ReceiveMessageRequest", Name: "MessageAttributeNames"}:   "MessageAttributeName",
				// Smithy gives the newer MessageSystemAttributeNames the same
				// wire name as the deprecated AttributeNames: the same
				// AttributeName.N parameters fill both.
				{Shape: "ReceiveMessageRequest", Name: "MessageSystemAttributeNames"}:    "AttributeName",
				{Shape: "ReceiveMessageResult", Name: "Messages"}:                        "Message",
				{Shape: "SendMessageBatchRequest", Name: "Entries"}:                      "SendMessageBatchRequestEntry",
				{Shape: "SendMessageBatchRequestEntry", Name: "MessageAttributes"}:       "MessageAttribute",
				{Shape: "SendMessageBatchRequestEntry", Name: "MessageSystemAttributes"}: "MessageSystemAttribute",
				{Shape: "SendMessageBatchResult", Name: "Successful"}:                    "SendMessageBatchResultEntry",
				{Shape: "SendMessageBatchResult", Name: "Failed"}:                        "BatchResultErrorEntry",
				{Shape: "SendMessageRequest", Name: "MessageAttributes"}:                 "MessageAttribute",
				{Shape: "SendMessageRequest", Name: "MessageSystemAttributes"}:           "MessageSystemAttribute",
				{Shape: "SetQueueAttributesRequest", Name: "Attributes"}:                 "Attribute",
				{Shape: "TagQueueRequest", Name: "Tags"}:                                 "Tag",
				{Shape: "UntagQueueRequest", Name: "TagKeys"}:                            "TagKey",
			},
			Entries: map[string]xmlshape.Entry{
				"MessageBodyAttributeMap":       {Key: "Name", Value: "Value"},
				"MessageBodySystemAttributeMap": {Key: "Name", Value: "Value"},
				"MessageSystemAttributeMap":     {Key: "Name", Value: "Value"},
				"QueueAttributeMap":             {Key: "Name", Value: "Value"},
				"TagMap":                        {Key: "Key", Value: "Value"},
			},
		},
		errors: map[string]queryError{
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
	},
}

// CompatibleError returns the code and HTTP status a query-compatible
// service uses on the query protocol for the error shape (or code) name,
// e.g. "QueueDoesNotExist" -> "AWS.SimpleQueueService.NonExistentQueue",
// 400. The JSON codec needs the same facts for the x-amzn-query-error
// header. ok is false when the model has no such override.
func CompatibleError(modelName, name string) (code string, status int, ok bool) {
	c := compatByModel[modelName]
	if c == nil {
		return "", 0, false
	}
	e, ok := c.errors[name]
	return e.code, e.status, ok
}
