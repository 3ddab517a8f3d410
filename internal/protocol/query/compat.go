package query

import (
	"sync"

	"hako/internal/protocol/model"
	"hako/internal/protocol/restxml/xmlshape"
)

// A query-compatible json model (SQS) lost its query parameter and XML
// element names, its query error codes and the xmlns of its responses;
// model.QueryCompat holds them (the json codec needs the error codes too).

var compatNames sync.Map // *model.QueryCompat -> *xmlshape.Names

// names returns the wire names the model lost, or nil when it lost none.
func names(api *model.API) *xmlshape.Names {
	qc := api.QueryCompat()
	if qc == nil {
		return nil
	}
	if n, ok := compatNames.Load(qc); ok {
		return n.(*xmlshape.Names)
	}
	n, _ := compatNames.LoadOrStore(qc, &xmlshape.Names{Members: qc.Members, Entries: qc.Entries})
	return n.(*xmlshape.Names)
}

// CompatibleError returns the code and HTTP status a query-compatible
// service uses on the query protocol for the error shape (or code) name,
// e.g. "QueueDoesNotExist" -> "AWS.SimpleQueueService.NonExistentQueue",
// 400. The JSON codec needs the same facts for the x-amzn-query-error
// header. ok is false when the model has no such override.
func CompatibleError(modelName, name string) (code string, status int, ok bool) {
	qc := model.QueryCompatOf(modelName)
	if qc == nil {
		return "", 0, false
	}
	e, ok := qc.Errors[name]
	return e.Code, e.Status, ok
}

// namespace is the xmlns of responses: the model's, else the compat
// table's.
func namespace(api *model.API) string {
	if api == nil {
		return ""
	}
	if api.Metadata.XMLNamespace != "" {
		return api.Metadata.XMLNamespace
	}
	if qc := api.QueryCompat(); qc != nil {
		return qc.Namespace
	}
	return ""
}
