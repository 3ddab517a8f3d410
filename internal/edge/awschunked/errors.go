package awschunked

import (
	"hako/internal/protocol"
	"hako/internal/protocol/checksum"
)

// S3's answers to bad aws-chunked requests. Each carries its status so it
// needs no table to resolve; the codes and messages are those Amazon S3
// returns (checked against its answers as reported by S3-compatible
// servers' conformance work and the SDKs' issue trackers).

// MsgTerminated is IncompleteBody's message for a body whose framing breaks
// off or is malformed.
const MsgTerminated = "The request body terminated unexpectedly"

func errFraming() *protocol.Error {
	return protocol.Errorf("IncompleteBody", MsgTerminated).WithStatus(400)
}

// errLength: the decoded bytes are not x-amz-decoded-content-length.
func errLength(expected, provided int64) *protocol.Error {
	return protocol.Errorf("IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header.").
		WithStatus(400).With("NumberBytesExpected", expected).With("NumberBytesProvided", provided)
}

// errChunkSize: a chunk other than the last is under 8 KiB. chunk is the
// 1-based number of the chunk that showed the previous one was not last.
func errChunkSize(chunk int, size int64) *protocol.Error {
	return protocol.Errorf("InvalidChunkSizeError", "Only the last chunk is allowed to have a size less than 8192 bytes").
		WithStatus(400).With("Chunk", int64(chunk)).With("BadChunkSize", size)
}

// errTrailer: the trailing headers are malformed, or are not those
// x-amz-trailer declared.
func errTrailer() *protocol.Error {
	return protocol.Errorf("MalformedTrailerError", "The request contained trailing data that was not well-formed or did not conform to our published schema.").WithStatus(400)
}

func errTrailerValue(a checksum.Algorithm) *protocol.Error {
	return protocol.Errorf("InvalidRequest", "Value for %s trailing header is invalid.", a.Header()).WithStatus(400)
}

func errBadDigest(a checksum.Algorithm) *protocol.Error {
	return protocol.Errorf("BadDigest", "The %s you specified did not match the calculated checksum.", string(a)).WithStatus(400)
}

func errMissingLength() *protocol.Error {
	return protocol.Errorf("MissingContentLength", "You must provide the Content-Length HTTP header.").WithStatus(411)
}

func errTrailerUnsupported() *protocol.Error {
	return protocol.Errorf("InvalidRequest", "The value specified in the x-amz-trailer header is not supported").WithStatus(400)
}

func errTwoChecksums() *protocol.Error {
	return protocol.Errorf("InvalidRequest", "Expecting a single x-amz-checksum- header").WithStatus(400)
}
