package e2e

import (
	"bytes"
	"crypto/rand"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	tm "github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	tmtypes "github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// TestS3TransferManager moves a 20 MB object through aws-sdk-go-v2's S3
// transfer manager (feature/s3/transfermanager, which supersedes the
// deprecated feature/s3/manager), path-style against 127.0.0.1: a
// concurrent multipart upload with the manager's default CRC32 checksums,
// then downloads by parts and by ranges into a file (WriterAt) with
// checksum validation, and the streaming GetObject reader.
func TestS3TransferManager(t *testing.T) {
	s := StartServer(t)
	c := s3.NewFromConfig(s.sdkConfig(t), func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("transfers")}); err != nil {
		t.Fatal(err)
	}
	data := make([]byte, 20<<20)
	rand.Read(data)

	for _, tc := range []struct {
		name  string
		parts int32 // part size in MiB
		count string
	}{
		{"default 8 MiB parts", 0, "-3"},
		{"5 MiB parts", 5, "-4"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key := "big/" + strings.ReplaceAll(tc.name, " ", "-") + ".bin"
			up := tm.New(c, func(o *tm.Options) {
				if tc.parts > 0 {
					o.PartSizeBytes = int64(tc.parts) << 20
				}
			})
			out, err := up.UploadObject(ctx, &tm.UploadObjectInput{Bucket: aws.String("transfers"), Key: aws.String(key), Body: bytes.NewReader(data)})
			if err != nil {
				t.Fatal(err)
			}
			if etag := aws.ToString(out.ETag); !strings.HasSuffix(etag, tc.count+`"`) {
				t.Errorf("ETag %s: want a multipart ETag ending %s", etag, tc.count)
			}
			if aws.ToString(out.ChecksumCRC32) == "" {
				t.Errorf("upload answered no CRC32 checksum: %+v", out)
			}
			t.Logf("uploaded %s: ETag %s, checksum %s (%s)", key, aws.ToString(out.ETag), aws.ToString(out.ChecksumCRC32), out.ChecksumType)
			head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("transfers"), Key: aws.String(key)})
			if err != nil || aws.ToInt64(head.ContentLength) != int64(len(data)) || aws.ToString(head.ETag) != aws.ToString(out.ETag) {
				t.Fatalf("head: %v %+v", err, head)
			}

			for _, typ := range []tmtypes.GetObjectType{tmtypes.GetObjectParts, tmtypes.GetObjectRanges} {
				down := tm.New(c, func(o *tm.Options) { o.GetObjectType = typ; o.PartSizeBytes = 5 << 20 })
				f, err := os.Create(filepath.Join(t.TempDir(), "download"))
				if err != nil {
					t.Fatal(err)
				}
				dout, err := down.DownloadObject(ctx, &tm.DownloadObjectInput{Bucket: aws.String("transfers"), Key: aws.String(key), WriterAt: f,
					ChecksumMode: tmtypes.ChecksumModeEnabled})
				f.Close()
				if err != nil {
					t.Fatalf("download by %s: %v", typ, err)
				}
				got, _ := os.ReadFile(f.Name())
				if !bytes.Equal(got, data) || aws.ToInt64(dout.ContentLength) != int64(len(data)) {
					t.Errorf("download by %s: %d bytes (length %d), equal=%v", typ, len(got), aws.ToInt64(dout.ContentLength), bytes.Equal(got, data))
				}

				gout, err := down.GetObject(ctx, &tm.GetObjectInput{Bucket: aws.String("transfers"), Key: aws.String(key)})
				if err != nil {
					t.Fatalf("GetObject by %s: %v", typ, err)
				}
				got, err = io.ReadAll(gout.Body)
				if err != nil || !bytes.Equal(got, data) {
					t.Errorf("GetObject by %s: %v, %d bytes, equal=%v", typ, err, len(got), bytes.Equal(got, data))
				}
			}
		})
	}
}
