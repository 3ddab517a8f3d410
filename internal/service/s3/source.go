package s3

import (
	"context"
	"io"
)

// OpenObject reads an object on behalf of another service, as the caller
// in ctx (Lambda's S3Bucket/S3Key code source): GetObject's checks and
// errors, without HTTP. The caller closes the reader.
func (s *Service) OpenObject(ctx context.Context, bucket, key, versionID string) (io.ReadCloser, error) {
	out, err := s.GetObject(ctx, &GetObjectRequest{Bucket: bucket, Key: key, VersionId: versionID})
	if err != nil {
		return nil, err
	}
	if rc, ok := out.Body.(io.ReadCloser); ok {
		return rc, nil
	}
	return io.NopCloser(out.Body), nil
}
