package bootstraps

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"
)

// Frame is one log record in AWS's telemetry framing, as the runtimes write
// it to the TelemetryFDEnv descriptor:
//
//	+----------------------+------------------------+---------------------+-----------------------+
//	| Frame Type - 4 bytes | Length (len) - 4 bytes | Timestamp - 8 bytes | Message - 'len' bytes |
//	+----------------------+------------------------+---------------------+-----------------------+
//
// big-endian, timestamp in microseconds since the epoch.
type Frame struct {
	Type    uint32
	Time    time.Time
	Message []byte
}

// Frame types: 0xa55a0003 is a text record, 0xa55a0002 a JSON record
// (AWS_LAMBDA_LOG_FORMAT=JSON); bits 2-4 carry the level when the runtime
// knows it.
const (
	FrameText uint32 = 0xa55a0003
	FrameJSON uint32 = 0xa55a0002
)

// MaxFrameMessage bounds a frame's message; a longer one is a protocol
// error (AWS truncates log events at 256 KB; 1 MiB leaves room).
const MaxFrameMessage = 1 << 20

// ErrBadFrame is returned for bytes that are not a frame.
var ErrBadFrame = errors.New("bad telemetry log frame")

// ReadFrame reads one frame. It returns io.EOF at a clean end and
// io.ErrUnexpectedEOF inside a frame.
func ReadFrame(r io.Reader) (Frame, error) {
	var h [16]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return Frame{}, err
	}
	typ := binary.BigEndian.Uint32(h[0:4])
	if typ&0xffff0000 != 0xa55a0000 {
		return Frame{}, fmt.Errorf("%w: type %#x", ErrBadFrame, typ)
	}
	n := binary.BigEndian.Uint32(h[4:8])
	if n > MaxFrameMessage {
		return Frame{}, fmt.Errorf("%w: length %d", ErrBadFrame, n)
	}
	us := int64(binary.BigEndian.Uint64(h[8:16]))
	msg := make([]byte, n)
	if _, err := io.ReadFull(r, msg); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return Frame{}, err
	}
	return Frame{Type: typ, Time: time.UnixMicro(us), Message: msg}, nil
}

// JSON reports whether the record is JSON formatted.
func (f Frame) JSON() bool { return f.Type&1 == 0 }

// Level is the record's level as the runtime tagged it ("TRACE", "DEBUG",
// "INFO", "WARN", "ERROR", "FATAL"), or "" when untagged.
func (f Frame) Level() string {
	switch (f.Type >> 2) & 0b111 {
	case 1:
		return "TRACE"
	case 2:
		return "DEBUG"
	case 3:
		return "INFO"
	case 4:
		return "WARN"
	case 5:
		return "ERROR"
	case 6:
		return "FATAL"
	}
	return ""
}
