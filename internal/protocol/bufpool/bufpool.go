// Package bufpool recycles the byte slices the JSON codecs (awsjson,
// restjson) read request bodies into and build responses in. Decoded
// documents never alias a buffer (strings and blobs are copied), so a
// buffer goes back as soon as the body is decoded or the response written.
package bufpool

import "sync"

var pool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// Get returns an empty buffer. It is a pointer so that Put does not
// allocate.
func Get() *[]byte {
	p := pool.Get().(*[]byte)
	*p = (*p)[:0]
	return p
}

// Put gives buffer p back, holding b (what p's slice grew into). Buffers
// over 1 MiB are let go rather than pinned.
func Put(p *[]byte, b []byte) {
	if cap(b) > 1<<20 {
		return
	}
	*p = b[:0]
	pool.Put(p)
}
