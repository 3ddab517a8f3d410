// Command goclient sends the PutObject / UploadPart variants aws-sdk-go-v2
// can produce to the endpoint in $EP, for the capture server to record.
package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"log"
	"net/http"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// onlyReader hides Seek so the SDK sees a stream of unknown length.
type onlyReader struct{ io.Reader }

func main() {
	ctx := context.Background()
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	c := s3.New(s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(os.Getenv("EP")),
		UsePathStyle: true,
		HTTPClient:   hc,
		Credentials:  credentials.NewStaticCredentialsProvider(os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"), ""),
	})
	unsigned := func(o *s3.Options) {
		o.APIOptions = append(o.APIOptions, v4.SwapComputePayloadSHA256ForUnsignedPayloadMiddleware)
	}
	run := func(what string, err error) {
		if err != nil {
			log.Printf("%s: %v", what, err)
		} else {
			log.Printf("%s: ok", what)
		}
	}
	body := "hello from aws-sdk-go-v2\n"
	_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bucket"), Key: aws.String("default"), Body: strings.NewReader(body)})
	run("put default", err)
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bucket"), Key: aws.String("unsigned"), Body: strings.NewReader(body)}, unsigned)
	run("put unsigned", err)
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bucket"), Key: aws.String("sha256"), Body: strings.NewReader(body), ChecksumAlgorithm: types.ChecksumAlgorithmSha256}, unsigned)
	run("put unsigned sha256", err)
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bucket"), Key: aws.String("crc64"), Body: strings.NewReader(body), ChecksumAlgorithm: types.ChecksumAlgorithmCrc64nvme}, unsigned)
	run("put unsigned crc64nvme", err)
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bucket"), Key: aws.String("stream"), Body: onlyReader{strings.NewReader(body)}, ContentLength: aws.Int64(int64(len(body)))})
	run("put stream", err)
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bucket"), Key: aws.String("stream-unsigned"), Body: onlyReader{strings.NewReader(body)}, ContentLength: aws.Int64(int64(len(body))), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32c}, unsigned)
	run("put stream unsigned crc32c", err)
	// Two chunks: the SDK's aws-chunked encoder frames what one Read gives.
	big := bytes.Repeat([]byte("0123456789abcdef"), 70000/16)
	_, err = c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("bucket"), Key: aws.String("key"), UploadId: aws.String("upload1"), PartNumber: aws.Int32(1), Body: bytes.NewReader(big), ChecksumAlgorithm: types.ChecksumAlgorithmSha1}, unsigned)
	run("upload part unsigned sha1 70000", err)
}
