// Package lambda is hako's AWS Lambda API (rest-json, 2015-03-31): the
// functions, their code and configuration, resource policies, tags and
// reserved concurrency, layers (layers.go), and synchronous invocation through an Invoker (the
// server wires runtime.Manager). Types and error constructors are in
// api_gen.go, generated from the botocore model.
//
// # Contract
//
//   - Every call that changes a function writes everything it changes in
//     one engine transaction; a refused call changes nothing. Code zips
//     are blobs: a blob is written (and durable) before the record that
//     references it, and deleted only after no record references it, so a
//     crash leaves at worst an orphan blob, never a dangling reference.
//   - A zip is validated before anything is stored, with the runtime's own
//     validator (runtime.ValidateZip): no absolute or ".." paths, no
//     symlink leading out, at most 250 MB unzipped counted by
//     decompressing, no zip bomb.
//   - State as on AWS: CreateFunction answers State Pending and
//     UpdateFunctionCode / UpdateFunctionConfiguration answer
//     LastUpdateStatus InProgress; the transition to Active / Successful
//     runs on the service clock right after the response (settle, see
//     state.go), before `aws lambda wait function-active-v2` or
//     `function-updated-v2` polls. While an update is InProgress another
//     update gets 409 ResourceConflictException. Every change gives the
//     function a new RevisionId, which RevisionId preconditions check
//     (412 PreconditionFailedException).
//   - Invoke reads the function and calls Invoker.Invoke with a
//     runtime.Function built from the record; its RevisionID is an
//     internal revision that changes only with code or configuration, so
//     tagging or adding a permission keeps warm sandboxes. An invoke that
//     arrives before the create or update settled settles it first.
//     Updates and deletes call Invoker.Evict. Two optional Invoker
//     interfaces: Preparer (the transition calls Prepare, e.g. to extract
//     the code ahead of the first invoke) and ConcurrencyReserver
//     (reserved concurrency reported at Start and on every change).
//   - GetFunction's Code.Location is a URL on hako (CodePath, served by
//     CodeHandler) with an HMAC-signed token valid 10 minutes, like AWS's
//     presigned S3 URL.
//
// # Storage
//
// Under "lambda/ACCOUNT/REGION/":
//
//	f/NAME     function record (JSON, keys.go): configuration, code reference
//	           (blob id, SHA-256, sizes), state and pending transition token,
//	           blobs to delete after the transition, tags, resource policy
//	           statements, reserved concurrency
//	r/NAME     reserved concurrency of NAME (decimal), one key per function
//	           that has some, so account sums do not read every record
//	l/NAME/V   layer version V (zero-padded) of layer NAME: metadata, code
//	           reference, resource policy; a tombstone once deleted while
//	           functions still use it (see layers.go)
//	lc/NAME    the last version number layer NAME gave (never reused)
//
// Function names are [a-zA-Z0-9-_]{1,64}, so they are the raw last key
// component and a scan lists functions in name order (ListFunctions'
// marker is the last name returned).
//
// # Not implemented
//
// Versions and aliases (Publish=true is refused with
// InvalidParameterValueException; any qualifier but $LATEST names nothing),
// asynchronous invocation (InvocationType Event answers NotImplemented 501
// rather than accept an event it could lose), code from S3
// (InvalidParameterValueException until S3 exists; layer content from S3
// too), container images, event source mappings, function URLs, code signing,
// provisioned concurrency, SnapStart, VPC and file systems (accepted where
// the API takes them, and ignored), resource policy enforcement (policies
// are stored and returned, not evaluated).
//
// # Differences from AWS
//
//   - hako accepts every runtime the runtime package can run, even after
//     AWS's block-create dates (go1.x, python3.9, nodejs18.x, ...); AWS
//     runtimes hako cannot run (Java, .NET, Ruby) are refused at create
//     with InvalidParameterValueException naming hako.
//   - An invoke of a Pending function settles it and runs instead of
//     answering 409.
//   - Descriptions cannot be cleared with an empty string (the generated
//     types cannot tell "" from absent).
//   - Role ARNs are checked for format only; AWS's "The role defined for
//     the function cannot be assumed by Lambda." never happens.
//   - Functions of other accounts named by ARN are not found (no
//     cross-account access). Layers can be shared across accounts
//     (AddLayerVersionPermission with an account id or "*"), but a
//     statement limited to an organization grants nothing: hako has no
//     organizations. PublishLayerVersion without content answers
//     "Missing Content" (AWS's text not verified).
//   - The protocol layer answers an unknown Runtime with
//     ValidationException (AWS: InvalidParameterValueException "Value X at
//     'runtime' failed to satisfy constraint: ... or be a valid ARN") and
//     names members as the model spells them ('MemorySize'; AWS writes
//     'memorySize'). Checks made here use AWS's lowerCamel names.
package lambda
