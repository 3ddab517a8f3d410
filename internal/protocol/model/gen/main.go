// Command gen copies the botocore service models hako speaks into
// internal/protocol/model/data, with documentation stripped and gzip'd, so
// that building hako needs no Python. Run it with `go generate
// ./internal/protocol/model` after upgrading botocore; the result is
// committed.
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// services are the botocore model names hako embeds.
var services = []string{
	"apigateway", "apigatewayv2", "cloudformation", "cloudwatch", "dynamodb", "dynamodbstreams",
	"events", "iam", "lambda", "logs", "s3", "scheduler", "secretsmanager", "ses", "sesv2",
	"sns", "sqs", "sts",
}

// dropKeys are model keys that carry no wire semantics.
var dropKeys = map[string]bool{
	"documentation": true, "documentationUrl": true, "examples": true, "deprecatedMessage": true,
	"contextParam": true, "staticContextParams": true, "operationContextParams": true,
	"endpointdiscovery": true, "endpointoperation": true,
}

func main() {
	out := flag.String("out", "data", "output directory")
	src := flag.String("botocore", os.Getenv("BOTOCORE_DATA"), "botocore data directory (default: ask python3)")
	flag.Parse()
	if *src == "" {
		b, err := exec.Command("python3", "-c", "import botocore,os;print(os.path.dirname(botocore.__file__)+'/data')").Output()
		if err != nil {
			log.Fatalf("locate botocore (set BOTOCORE_DATA): %v", err)
		}
		*src = strings.TrimSpace(string(b))
	}
	for _, svc := range services {
		versions, _ := filepath.Glob(filepath.Join(*src, svc, "*"))
		sort.Strings(versions)
		if len(versions) == 0 {
			log.Fatalf("%s: no model under %s", svc, *src)
		}
		dir := versions[len(versions)-1]
		raw, err := readMaybeGzip(filepath.Join(dir, "service-2.json"))
		if err != nil {
			log.Fatalf("%s: %v", svc, err)
		}
		// Keep members in model order: re-encode from the original bytes
		// filtered with an order-preserving walk.
		cleaned, err := orderedStrip(raw)
		if err != nil {
			log.Fatalf("%s: %v", svc, err)
		}
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write(cleaned)
		zw.Close()
		if err := os.WriteFile(filepath.Join(*out, svc+".json.gz"), buf.Bytes(), 0o644); err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%-16s %s %7d bytes\n", svc, filepath.Base(dir), buf.Len())
	}
}

func readMaybeGzip(path string) ([]byte, error) {
	if b, err := os.ReadFile(path); err == nil {
		return b, nil
	}
	f, err := os.Open(path + ".gz")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

// orderedStrip copies a JSON document token by token, dropping dropKeys,
// so object key order (member order) is preserved.
func orderedStrip(raw []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var out bytes.Buffer
	var copyValue func() error
	copyValue = func() error {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch d := tok.(type) {
		case json.Delim:
			switch d {
			case '{':
				out.WriteByte('{')
				first := true
				for dec.More() {
					kt, err := dec.Token()
					if err != nil {
						return err
					}
					key := kt.(string)
					if dropKeys[key] {
						var skip json.RawMessage
						if err := dec.Decode(&skip); err != nil {
							return err
						}
						continue
					}
					if !first {
						out.WriteByte(',')
					}
					first = false
					kb, _ := json.Marshal(key)
					out.Write(kb)
					out.WriteByte(':')
					if err := copyValue(); err != nil {
						return err
					}
				}
				if _, err := dec.Token(); err != nil {
					return err
				}
				out.WriteByte('}')
			case '[':
				out.WriteByte('[')
				first := true
				for dec.More() {
					if !first {
						out.WriteByte(',')
					}
					first = false
					if err := copyValue(); err != nil {
						return err
					}
				}
				if _, err := dec.Token(); err != nil {
					return err
				}
				out.WriteByte(']')
			}
		default:
			b, _ := json.Marshal(tok)
			out.Write(b)
		}
		return nil
	}
	if err := copyValue(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}
