package lambda

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"hako/internal/engine"
)

// This file holds the storage layout (see the package comment): keys, the
// function record stored under them, and the ListFunctions marker.

// keyRoot begins every key of the service.
const keyRoot = "lambda/"

// scope is one account in one region: the first components of all its keys.
type scope struct{ account, region string }

func (sc scope) prefix() []byte {
	return []byte(keyRoot + sc.account + "/" + sc.region + "/")
}

// functionsPrefix is where function records live: "f/NAME". Function names
// are [a-zA-Z0-9-_]+ (the model's pattern), so the name is the raw last
// component and a bytewise scan lists functions in name order.
func (sc scope) functionsPrefix() []byte { return append(sc.prefix(), "f/"...) }

func (sc scope) functionKey(name string) []byte { return append(sc.functionsPrefix(), name...) }

// reservedPrefix holds one key per function with reserved concurrency,
// "r/NAME" -> decimal count: GetAccountSettings and PutFunctionConcurrency
// add them up without reading (or conflicting with) function records.
func (sc scope) reservedPrefix() []byte { return append(sc.prefix(), "r/"...) }

func (sc scope) reservedKey(name string) []byte { return append(sc.reservedPrefix(), name...) }

// versionsPrefix holds a function's published versions, "v/NAME/VERSION"
// with the version zero-padded to 10 digits so they scan in order.
func (sc scope) versionsPrefix(name string) []byte {
	return append(sc.prefix(), "v/"+name+"/"...)
}

func (sc scope) versionKey(name string, version int) []byte {
	return fmt.Appendf(sc.versionsPrefix(name), "%010d", version)
}

// aliasesPrefix holds a function's aliases, "a/NAME/ALIAS".
func (sc scope) aliasesPrefix(name string) []byte { return append(sc.prefix(), "a/"+name+"/"...) }

func (sc scope) aliasKey(name, alias string) []byte { return append(sc.aliasesPrefix(name), alias...) }

// eventConfigsPrefix holds event invoke configs, "e/NAME/QUALIFIER" with
// $LATEST for the unqualified function.
func (sc scope) eventConfigsPrefix(name string) []byte {
	return append(sc.prefix(), "e/"+name+"/"...)
}

func (sc scope) eventConfigKey(name, qualifier string) []byte {
	return append(sc.eventConfigsPrefix(name), qualifier...)
}

// failuresPrefix holds asynchronous events that failed with nowhere to
// go, "x/ID", for a person to list and replay.
func (sc scope) failuresPrefix() []byte { return append(sc.prefix(), "x/"...) }

func (sc scope) failureKey(id string) []byte { return append(sc.failuresPrefix(), id...) }

// parseFunctionKey reads scope and name back from a function record key.
func parseFunctionKey(k []byte) (scope, string, bool) {
	rest, ok := strings.CutPrefix(string(k), keyRoot)
	if !ok {
		return scope{}, "", false
	}
	parts := strings.SplitN(rest, "/", 4)
	if len(parts) != 4 || parts[2] != "f" || parts[3] == "" {
		return scope{}, "", false
	}
	return scope{account: parts[0], region: parts[1]}, parts[3], true
}

// functionRecord is the value stored at a function key: $LATEST's
// configuration and code, its state, tags, resource policy and reserved
// concurrency. Every call that changes a function rewrites it in one
// transaction.
type functionRecord struct {
	Name        string `json:"name"`
	Runtime     string `json:"runtime,omitempty"`
	Handler     string `json:"handler,omitempty"`
	Role        string `json:"role"`
	Description string `json:"description,omitempty"`
	Timeout     int32  `json:"timeout"`
	MemorySize  int32  `json:"memorySize"`
	// EphemeralStorage is /tmp's size in MB.
	EphemeralStorage int32             `json:"ephemeralStorage"`
	Architectures    []string          `json:"architectures,omitempty"`
	Environment      map[string]string `json:"environment,omitempty"`
	Layers           []layerRef        `json:"layers,omitempty"`
	TracingMode      string            `json:"tracingMode,omitempty"`
	DeadLetterTarget string            `json:"deadLetterTarget,omitempty"`
	KMSKeyArn        string            `json:"kmsKeyArn,omitempty"`
	Logging          *LoggingConfig    `json:"logging,omitempty"`

	Code codeRef `json:"code"`

	// LastModified is the time of the last create or update, epoch ms.
	LastModified int64 `json:"lastModified"`
	// RevisionID is the API's RevisionId: it changes with every change of
	// the function (configuration, code, state, tags, policy), as on AWS.
	RevisionID string `json:"revisionId"`
	// ConfigRev changes only with code or configuration changes; it is
	// the runtime's RevisionID, so tagging a function does not throw away
	// its warm sandboxes.
	ConfigRev string `json:"configRev"`

	State                      string `json:"state"`
	StateReason                string `json:"stateReason,omitempty"`
	StateReasonCode            string `json:"stateReasonCode,omitempty"`
	LastUpdateStatus           string `json:"lastUpdateStatus,omitempty"`
	LastUpdateStatusReason     string `json:"lastUpdateStatusReason,omitempty"`
	LastUpdateStatusReasonCode string `json:"lastUpdateStatusReasonCode,omitempty"`
	// Pending is the token of the transition (create or update) that has
	// not run yet; "" when the function is settled.
	Pending string `json:"pending,omitempty"`
	// PendingUpdate is true when Pending is an update (false: a create).
	PendingUpdate bool `json:"pendingUpdate,omitempty"`
	// Garbage lists blobs the record no longer references; the transition
	// deletes them after it evicted the sandboxes that may still read them.
	Garbage []string `json:"garbage,omitempty"`

	Tags   map[string]string `json:"tags,omitempty"`
	Policy []policyStatement `json:"policy,omitempty"`
	// Reserved is the reserved concurrency (mirrored at reservedKey).
	Reserved *int32 `json:"reserved,omitempty"`

	// Version is the published version number ("" for $LATEST: the
	// record at the function key). A published version is a frozen copy
	// of $LATEST's configuration and code, with its own policy.
	Version string `json:"version,omitempty"`
	// LastVersion is the highest version number published ($LATEST only;
	// numbers are never reused, as on AWS).
	LastVersion int `json:"lastVersion,omitempty"`
	// PublishedRev is the ConfigRev last published ($LATEST only):
	// PublishVersion with nothing changed returns that version again.
	PublishedRev string `json:"publishedRev,omitempty"`
}

// codeRef is the stored deployment package.
type codeRef struct {
	Blob string `json:"blob"`
	// Sha256 is the hex SHA-256 of the zip (the runtime's cache key);
	// CodeSha256 is its base64 form, as the API reports it.
	Sha256     string `json:"sha256"`
	CodeSha256 string `json:"codeSha256"`
	Size       int64  `json:"size"`
	Unzipped   int64  `json:"unzipped"`
}

func decodeRecord(v []byte) (*functionRecord, error) {
	rec := new(functionRecord)
	if err := json.Unmarshal(v, rec); err != nil {
		return nil, fmt.Errorf("lambda: function record: %w", err)
	}
	return rec, nil
}

// getFunction reads a function record; a missing function is nil, nil.
func getFunction(r engine.Reader, sc scope, name string) (*functionRecord, error) {
	v, err := r.Get(sc.functionKey(name))
	if errors.Is(err, engine.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return decodeRecord(v)
}

// existingFunction reads the function ref names; a missing one is AWS's
// ResourceNotFoundException.
func existingFunction(r engine.Reader, ref fnRef) (*functionRecord, error) {
	rec, err := getFunction(r, ref.sc, ref.name)
	if err == nil && rec == nil {
		err = ref.notFound()
	}
	return rec, err
}

func putFunction(tx engine.Txn, sc scope, rec *functionRecord) {
	tx.Set(sc.functionKey(rec.Name), engine.MustJSON(rec))
}

// reservedSum adds up the reserved concurrency of every function in the
// scope except skip.
func reservedSum(r engine.Reader, sc scope, skip string) (int, error) {
	sum := 0
	p := sc.reservedPrefix()
	err := r.Scan(p, engine.PrefixEnd(p), false, func(k, v []byte) (bool, error) {
		if string(k[len(p):]) == skip {
			return true, nil
		}
		n, err := strconv.Atoi(string(v))
		if err != nil {
			return false, fmt.Errorf("lambda: reserved concurrency %q: %w", k, err)
		}
		sum += n
		return true, nil
	})
	return sum, err
}

// scanPage reads one page of a list operation over the records under
// prefix, in key order: those after the marker (the key suffix of the
// previous page's last record, base64), at most limit that add keeps (add
// reports false for a record it filters out). It returns the next page's
// marker, "" on the last page.
func scanPage(r engine.Reader, prefix []byte, marker string, limit int, add func(k, v []byte) (bool, error)) (string, error) {
	start := prefix
	if marker != "" {
		after, err := decodeMarker(marker)
		if err != nil {
			return "", err
		}
		start = append(append(append([]byte(nil), prefix...), after...), 0)
	}
	n, last, more := 0, []byte(nil), false
	err := r.Scan(start, engine.PrefixEnd(prefix), false, func(k, v []byte) (bool, error) {
		if n >= limit {
			more = true
			return false, nil
		}
		kept, err := add(k, v)
		if kept {
			n++
			last = append(last[:0], k[len(prefix):]...)
		}
		return err == nil, err
	})
	if err != nil || !more {
		return "", err
	}
	return encodeMarker(string(last)), nil
}

// The ListFunctions marker is the base64 of the last name returned.
func encodeMarker(name string) string { return base64.RawURLEncoding.EncodeToString([]byte(name)) }

func decodeMarker(m string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(m)
	if err != nil || len(b) == 0 {
		return "", ErrInvalidParameterValue("Invalid marker: %s", m)
	}
	return string(b), nil
}
