// Package conformance holds a test-only, model-wide check that hako's
// protocol codecs (awsjson, restjson, restxml, query) agree with botocore,
// the Python SDK, on every operation of every embedded model
// (model.Names()), each spoken in the protocol hako serves it with
// (model.API.Protocol(); botocore picks the same one, json, for
// CloudWatch's smithy-rpc-v2-cbor/json/query model).
//
// For each model the test runs two batches through
// testdata/botocore_conformance.py, one Python process each:
//
//   - requests: the script builds example inputs for every operation from
//     the model, serializes them with botocore's own serializer and prints
//     the HTTP requests. The Go side builds an *http.Request from each and
//     checks that Codec.Operation finds the same operation and that
//     Codec.Decode yields a document equal to the parameters, typed as
//     documents are (int64, float64, []byte, time.Time, []any,
//     map[string]any, streams read whole);
//   - responses: the Go side builds example output documents by walking
//     the output shapes, encodes them with Codec.Encode, and encodes errors
//     with Codec.EncodeError: each operation's first modelled error, every
//     error shape of the model once, and the common errors hako answers
//     (NotImplemented, InternalFailure, ValidationException...). The script
//     parses them as a botocore client does (response parser, modelled
//     error fields, exception class looked up from Error.Code, SQS's
//     QueryErrorCode and S3's GetBucketLocation handlers) and the Go side
//     compares the parsed outputs with the documents and, for errors, the
//     exception class, Error.Code, message, modelled fields and the HTTP
//     status the model gives.
//
// Every operation runs with five example documents, built the same way on
// both sides: "full" (every member, optional ones too; enums at their first
// value; numbers and lengths within min/max; patterns honoured where a
// simple candidate fits; strings with characters that need escaping in
// URIs, query strings, JSON and XML; lists of two items and maps of two
// entries), "zero" (false, 0, "", empty blobs, the epoch), "empty" (empty
// lists and maps), "hollow" (empty nested structures) and "special"
// (extreme integers, NaN and infinities, a timestamp before the epoch,
// every byte value in blobs).
//
// Values a wire cannot carry (an empty payload, empty collections in
// headers and query strings or in flattened XML, empty structures in query
// requests) are left out of the comparison on both sides; the rules are in
// uncarried. Event-stream outputs of json operations are not checked; S3
// operations that share a request line with another (deprecated twins) are
// decoded as the operation botocore meant and listed in the log.
//
// The models are hako's embedded copies (../model/data), so both sides read
// exactly the same shapes. Known codec bugs are listed, with a reason each,
// in the knownFailures table of the test; everything else must agree. A
// second test runs codecs that spoil one value per call through the same
// harness and requires every spoiled call to be reported. Both tests skip
// themselves when python3 or botocore is not installed.
package conformance
