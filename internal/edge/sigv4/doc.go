// Package sigv4 authenticates incoming AWS requests: Signature Version 4 in
// the Authorization header or in a presigned query, and S3's Signature
// Version 2 (header and presigned query) that old S3 clients still send.
//
// Authentication is two steps, so the edge can route before it knows whose
// key it is:
//
//  1. Parse reads what the request claims: the mechanism (Kind), access key
//     id, credential scope (region, service: the router's strongest hint),
//     date, signed headers, token and declared payload hash. No crypto, no
//     body. An unsigned request is Kind None, not an error.
//  2. Verify, given the secret the caller looked up for that key id and the
//     current time (from hako's clock), checks the session token, the time
//     window (15 minutes of skew for signed requests; X-Amz-Date +
//     X-Amz-Expires, at most 604800 s, for presigned URLs) and the
//     signature.
//
// The expected SigV4 signature is computed by aws-sdk-go-v2's own signer
// over a copy of the request that holds exactly what the client signed (see
// sdkRequest for the SDK behaviours that copy neutralizes); the rare
// requests the SDK cannot express go through a direct implementation of the
// specification, which the tests hold to the SDK's answers. Signatures are
// compared in constant time.
//
// The payload hash is what the client declared in X-Amz-Content-Sha256
// (a hex SHA-256, UNSIGNED-PAYLOAD or STREAMING-*), UNSIGNED-PAYLOAD for S3
// presigned URLs, and otherwise the SHA-256 of the body, which Verify reads
// and puts back. Verify does not read a body whose hash is declared:
// CheckedBody holds the body to a declared hex hash as the service reads
// it, and ChunkVerifier checks aws-chunked chunk and trailer signatures for
// the decoder (package edge/awschunked).
//
// Every failure is an *Error whose Reason the edge maps to the protocol's
// error code (IncompleteSignature, InvalidSignatureException,
// SignatureDoesNotMatch, AccessDenied, ...) and whose Msg is AWS's message.
package sigv4
