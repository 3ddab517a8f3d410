package model

// QueryCompat is what a json-protocol model lost when its service moved
// off the query protocol, for services that still answer query requests
// and report query error codes (awsQueryCompatible, SQS): hako's own facts,
// which the botocore model lacks. Both the query codec (which serves a
// form-encoded request against the json model) and the json codec (whose
// x-amzn-query-error header carries the query code) read them from here.
type QueryCompat struct {
	// Namespace is the xmlns of query responses (the json model's
	// metadata has none).
	Namespace string
	// Members maps a structure member to its query parameter and XML
	// element name where the json model lost its locationName. For a
	// flattened list or map this is the name every item or entry repeats
	// under.
	Members map[MemberKey]string
	// Entries maps a map shape (by name) to the wire names of its entries'
	// key and value.
	Entries map[string]EntryNames
	// Errors maps an error shape name to its query error code and HTTP
	// status.
	Errors map[string]QueryError
}

// MemberKey names one member of a structure shape.
type MemberKey struct{ Shape, Name string }

// EntryNames are the names a map entry's key and value travel under.
type EntryNames struct{ Key, Value string }

// QueryError is an error's code on the query protocol (the awsQueryError
// trait) and its HTTP status.
type QueryError struct {
	Code   string
	Status int
}

// QueryCompatOf returns the query-compatibility facts of the named model,
// or nil when hako has none.
func QueryCompatOf(name string) *QueryCompat { return queryCompat[name] }

// QueryCompat returns the model's query-compatibility facts, or nil (also
// for a nil API).
func (a *API) QueryCompat() *QueryCompat {
	if a == nil {
		return nil
	}
	return queryCompat[a.Name]
}

// Error finds an error named by its shape or, when a service already used
// the query code, by that code. shape is the error shape's name.
func (q *QueryCompat) Error(name string) (shape string, e QueryError, ok bool) {
	if q == nil {
		return "", QueryError{}, false
	}
	if e, ok := q.Errors[name]; ok {
		return name, e, true
	}
	for shape, e := range q.Errors {
		if e.Code == name {
			return shape, e, true
		}
	}
	return "", QueryError{}, false
}

// queryCompat is keyed by model name. The facts come from the service's
// last query model in botocore (before 1.31.81 for SQS) and the
// awsQueryError traits of its Smithy model (aws-sdk-go-v2's sqs schemas,
// which every Smithy-generated SDK shares); query's
// TestSQSCompatAgainstQueryModel checks them against the old model bundled
// with the Debian aws CLI when it is installed.
var queryCompat = map[string]*QueryCompat{
	"sqs": {
		Namespace: "http://queue.amazonaws.com/doc/2012-11-05/",
		Members: map[MemberKey]string{
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
		Entries: map[string]EntryNames{
			"MessageBodyAttributeMap":       {Key: "Name", Value: "Value"},
			"MessageBodySystemAttributeMap": {Key: "Name", Value: "Value"},
			"MessageSystemAttributeMap":     {Key: "Name", Value: "Value"},
			"QueueAttributeMap":             {Key: "Name", Value: "Value"},
			"TagMap":                        {Key: "Key", Value: "Value"},
		},
		Errors: map[string]QueryError{
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
