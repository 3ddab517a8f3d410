// Command capture records the exact bytes real S3 clients send: every
// connection gets one request (the answer says Connection: close), and the
// raw bytes read from it are saved as NAME-N.http. It answers just enough of
// S3 (PutObject, UploadPart, CreateMultipartUpload, CompleteMultipartUpload)
// for clients to finish. It lives under testdata so no build sees it; run it
// with `go run ./internal/edge/awschunked/testdata/capture -addr 127.0.0.1:0 -dir /tmp/cap -name boto3`.
package main

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"flag"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	dir := flag.String("dir", ".", "where to write captures")
	name := flag.String("name", "req", "capture file prefix")
	useTLS := flag.Bool("tls", false, "serve https with a throwaway self-signed certificate (clients must skip verification)")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	if *useTLS {
		// Some clients frame bodies as aws-chunked only over https.
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{selfSigned()}})
	}
	fmt.Println(ln.Addr().String())
	os.Stdout.Sync()
	var n atomic.Int64
	for {
		c, err := ln.Accept()
		if err != nil {
			log.Fatal(err)
		}
		go serve(c, filepath.Join(*dir, fmt.Sprintf("%s-%d.http", *name, n.Add(1))))
	}
}

// serve reads one request, saving every byte read from the connection.
func serve(c net.Conn, path string) {
	defer c.Close()
	var raw bytes.Buffer
	br := bufio.NewReader(io.TeeReader(c, &raw))
	req, err := http.ReadRequest(br)
	if err != nil {
		log.Print(err)
		return
	}
	if req.Header.Get("Expect") == "100-continue" {
		fmt.Fprint(c, "HTTP/1.1 100 Continue\r\n\r\n")
	}
	// http.ReadRequest undoes Transfer-Encoding; read to the end so raw
	// holds the whole request as sent.
	if _, err := io.Copy(io.Discard, req.Body); err != nil {
		log.Print(err)
	}
	if err := os.WriteFile(path, raw.Bytes(), 0o644); err != nil {
		log.Print(err)
	}
	log.Printf("%s %s %s -> %s (%d bytes)", req.Method, req.URL, req.Header.Get("X-Amz-Content-Sha256"), path, raw.Len())
	q := req.URL.Query()
	body := ""
	switch {
	case req.Method == "POST" && q.Has("uploads"):
		body = `<?xml version="1.0" encoding="UTF-8"?><InitiateMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>bucket</Bucket><Key>key</Key><UploadId>upload1</UploadId></InitiateMultipartUploadResult>`
	case req.Method == "POST" && q.Has("uploadId"):
		body = `<?xml version="1.0" encoding="UTF-8"?><CompleteMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>bucket</Bucket><Key>key</Key><ETag>"d41d8cd98f00b204e9800998ecf8427e-1"</ETag></CompleteMultipartUploadResult>`
	}
	fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nConnection: close\r\nETag: \"d41d8cd98f00b204e9800998ecf8427e\"\r\nx-amz-request-id: capture\r\nContent-Type: application/xml\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
}

func selfSigned() tls.Certificate {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		log.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:     []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		log.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}
