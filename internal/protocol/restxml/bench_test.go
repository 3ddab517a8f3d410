package restxml

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"hako/internal/protocol"
	"hako/internal/protocol/model"
)

type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) WriteHeader(int)             {}
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }

// BenchmarkS3ListObjectsV2 is one ListObjectsV2 through the protocol
// layer: match the operation, decode the query, encode a listing of n
// objects.
func BenchmarkS3ListObjectsV2(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("objects=%d", n), func(b *testing.B) {
			api := model.MustLoad("s3")
			contents := make([]any, n)
			for i := range contents {
				contents[i] = map[string]any{"Key": fmt.Sprintf("photos/2024/img-%05d.jpg", i), "LastModified": time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC),
					"ETag": `"d41d8cd98f00b204e9800998ecf8427e"`, "Size": int64(1024 * i), "StorageClass": "STANDARD"}
			}
			out := map[string]any{"IsTruncated": true, "Contents": contents, "Name": "my-bucket", "Prefix": "photos/", "MaxKeys": int64(1000),
				"CommonPrefixes": []any{map[string]any{"Prefix": "photos/2023/"}}, "KeyCount": int64(n), "NextContinuationToken": "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM="}
			const target = "/my-bucket?list-type=2&prefix=photos%2F&delimiter=%2F&max-keys=1000&encoding-type=url"
			var codec Codec
			w := &discard{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				r, _ := http.NewRequest("GET", target, nil)
				c := &protocol.Call{API: api, RequestID: "4442587F8EAC4B2A"}
				op, err := codec.Operation(c, r)
				if err != nil {
					b.Fatal(err)
				}
				c.Op = op
				if _, err := codec.Decode(c, r); err != nil {
					b.Fatal(err)
				}
				clear(w.h)
				codec.Encode(c, w, out)
			}
		})
	}
}
