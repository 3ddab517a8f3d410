package runtime

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"hako/internal/clock"
	"hako/internal/runtime/bootstraps"
)

// A sandbox's log, as AWS builds it:
//
//   - stdout and stderr share one pipe and become one event per line,
//     which is what AWS does with them (a multi-line print is several
//     events);
//   - managed runtimes (python, nodejs) also get AWS's telemetry pipe
//     (_LAMBDA_TELEMETRY_LOG_FD): each framed record there — a logging /
//     console call, an unhandled error with its stack — is one event,
//     newlines included;
//   - hako's own lines (START, END, REPORT, timeouts, crashes) must land
//     exactly between what the function printed before and after them.
//
// Ordering without polling: hako writes a marker line (a per-sandbox
// random token the function never sees) into the stdout pipe and queues
// the lines to emit; the pipe is FIFO, so when the reader meets the
// marker, everything the function wrote before it (before posting its
// response, since the post happens after its writes) has been read. For the
// telemetry pipe the reader then syncs it the same way (a marker frame)
// before emitting. Events go to the LogSink from a separate flusher
// goroutine, so a slow sink never delays an invoke; Invoke waits for the
// reader only when the caller asked for the log tail.

// maxEventBytes bounds one event (CloudWatch's limit is 256 KB).
const maxEventBytes = 256 << 10

// maxPending bounds the events waiting for a slow sink; beyond it a
// sandbox's output is dropped (and counted) rather than held in memory.
const maxPending = 50000

// tailBytes is how much of an invoke's log X-Amz-Log-Result carries.
const tailBytes = 4096

// logCtrl is a batch of hako's own lines, emitted when the reader reaches
// its marker.
type logCtrl struct {
	lines []string
	// startTail begins capturing the invoke's log for the tail.
	startTail bool
	// done, when set, receives the captured tail (nil when not
	// capturing) once the lines are emitted.
	done chan []byte
}

// logStream is one sandbox's log stream.
type logStream struct {
	sink                         LogSink
	clock                        clock.Clock
	log                          *slog.Logger
	account, region, group, name string

	outR, outW *os.File // stdout+stderr; the child gets outW
	telR, telW *os.File // telemetry frames; nil for custom runtimes
	marker     []byte   // "\x1e" + token + "\n"
	token      []byte

	wmu sync.Mutex // orders ctrl enqueue with marker write

	mu        sync.Mutex
	ctrl      []*logCtrl
	pending   []LogEvent
	capturing bool
	tail      []byte
	dropped   int

	telAck  chan struct{} // telemetry reader reached a marker frame
	telDone chan struct{} // telemetry reader exited
	outDone chan struct{} // stdout reader exited
	kick    chan struct{} // wakes the flusher
	quit    chan struct{} // flusher: drain and exit
	flushed chan struct{} // flusher exited
}

// markerFrameType tags hako's sync frames in the telemetry pipe.
const markerFrameType = 0xa55affff

func newLogStream(sink LogSink, clk clock.Clock, log *slog.Logger, account, region, group, name string, telemetry bool) (*logStream, error) {
	ls := &logStream{
		sink: sink, clock: clk, log: log,
		account: account, region: region, group: group, name: name,
		telAck:  make(chan struct{}, 1),
		telDone: make(chan struct{}),
		outDone: make(chan struct{}),
		kick:    make(chan struct{}, 1),
		quit:    make(chan struct{}),
		flushed: make(chan struct{}),
	}
	ls.token = []byte(randomHex(16))
	ls.marker = append(append([]byte{0x1e}, ls.token...), '\n')
	var err error
	if ls.outR, ls.outW, err = os.Pipe(); err != nil {
		return nil, err
	}
	if telemetry {
		if ls.telR, ls.telW, err = os.Pipe(); err != nil {
			ls.outR.Close()
			ls.outW.Close()
			return nil, err
		}
	} else {
		close(ls.telDone)
	}
	return ls, nil
}

// goroutines returns the stream's reader and flusher loops, for the
// owner to run as tracked goroutines.
func (ls *logStream) goroutines() []func() {
	fs := []func(){ls.readOut, ls.flushLoop}
	if ls.telR != nil {
		fs = append(fs, ls.readTelemetry)
	}
	return fs
}

// emit queues hako's lines behind everything the sandbox wrote so far.
// With wait, it returns once they are emitted, with the tail captured
// since the last startTail (nil when not capturing).
func (ls *logStream) emit(c *logCtrl, wait bool) []byte {
	if wait {
		c.done = make(chan []byte, 1)
	}
	ls.wmu.Lock()
	ls.mu.Lock()
	ls.ctrl = append(ls.ctrl, c)
	ls.mu.Unlock()
	_, err := ls.outW.Write(ls.marker)
	ls.wmu.Unlock()
	if err != nil {
		// The pipe is gone (stream closed): emit directly.
		ls.mu.Lock()
		ls.popCtrlLocked()
		ls.mu.Unlock()
	}
	if !wait {
		return nil
	}
	select {
	case t := <-c.done:
		return t
	case <-ls.outDone:
		return nil
	}
}

// readOut turns the stdout/stderr pipe into one event per line and runs
// control batches at their markers.
func (ls *logStream) readOut() {
	defer close(ls.outDone)
	buf := make([]byte, 64<<10)
	have := 0
	for {
		n, err := ls.outR.Read(buf[have:])
		have += n
		if n > 0 {
			consumed := ls.scanLines(buf[:have])
			have = copy(buf, buf[consumed:have])
			if have == len(buf) { // a line longer than the buffer
				ls.addEvents(buf[:have])
				have = 0
			}
		}
		if err != nil {
			if have > 0 {
				ls.addEvents(buf[:have])
			}
			// Lines queued after the pipe broke still get emitted.
			ls.mu.Lock()
			for len(ls.ctrl) > 0 {
				ls.popCtrlLocked()
			}
			ls.mu.Unlock()
			ls.wake()
			return
		}
	}
}

// scanLines handles the complete lines in b and returns how many bytes it
// consumed.
func (ls *logStream) scanLines(b []byte) int {
	now := ls.clock.Now()
	consumed := 0
	var evs []LogEvent
	for {
		i := bytes.IndexByte(b[consumed:], '\n')
		if i < 0 {
			break
		}
		line := b[consumed : consumed+i+1]
		consumed += i + 1
		if bytes.HasSuffix(line, ls.marker) {
			if pre := line[:len(line)-len(ls.marker)]; len(pre) > 0 {
				evs = append(evs, LogEvent{Timestamp: now, Message: string(pre)})
			}
			ls.appendEvents(evs)
			evs = evs[:0]
			ls.runCtrl()
			continue
		}
		evs = append(evs, LogEvent{Timestamp: now, Message: string(line)})
	}
	ls.appendEvents(evs)
	return consumed
}

func (ls *logStream) addEvents(b []byte) {
	now := ls.clock.Now()
	var evs []LogEvent
	for len(b) > 0 {
		n := min(len(b), maxEventBytes)
		evs = append(evs, LogEvent{Timestamp: now, Message: string(b[:n])})
		b = b[n:]
	}
	ls.appendEvents(evs)
}

func (ls *logStream) appendEvents(evs []LogEvent) {
	if len(evs) == 0 {
		return
	}
	ls.mu.Lock()
	if len(ls.pending) >= maxPending {
		ls.dropped += len(evs)
		ls.mu.Unlock()
		return
	}
	ls.pending = append(ls.pending, evs...)
	if ls.capturing {
		for _, e := range evs {
			ls.captureLocked(e.Message)
		}
	}
	ls.mu.Unlock()
	ls.wake()
}

func (ls *logStream) captureLocked(s string) {
	ls.tail = append(ls.tail, s...)
	if len(ls.tail) > 4*tailBytes {
		ls.tail = append(ls.tail[:0], ls.tail[len(ls.tail)-tailBytes:]...)
	}
}

// runCtrl runs the next control batch: first the telemetry pipe is
// synced, so its records written before the marker come first.
func (ls *logStream) runCtrl() {
	if ls.telW != nil {
		var f [16 + 32]byte
		binary.BigEndian.PutUint32(f[0:4], markerFrameType)
		binary.BigEndian.PutUint32(f[4:8], uint32(len(ls.token)))
		copy(f[16:], ls.token)
		if _, err := ls.telW.Write(f[:16+len(ls.token)]); err == nil {
			select {
			case <-ls.telAck:
			case <-ls.telDone:
			}
		}
	}
	ls.mu.Lock()
	ls.popCtrlLocked()
	ls.mu.Unlock()
	ls.wake()
}

func (ls *logStream) popCtrlLocked() {
	if len(ls.ctrl) == 0 {
		return
	}
	c := ls.ctrl[0]
	ls.ctrl[0] = nil
	ls.ctrl = ls.ctrl[1:]
	if c.startTail {
		ls.capturing = true
		ls.tail = ls.tail[:0]
	}
	now := ls.clock.Now()
	for _, l := range c.lines {
		ls.pending = append(ls.pending, LogEvent{Timestamp: now, Message: l})
		if ls.capturing {
			ls.captureLocked(l)
		}
	}
	if c.done != nil {
		var t []byte
		if ls.capturing {
			t = bytes.Clone(ls.tail[max(0, len(ls.tail)-tailBytes):])
		}
		ls.capturing = false
		c.done <- t
	}
}

// readTelemetry turns framed records into one event each.
func (ls *logStream) readTelemetry() {
	defer close(ls.telDone)
	br := bufio.NewReaderSize(ls.telR, 64<<10)
	for {
		f, err := bootstraps.ReadFrame(br)
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, os.ErrClosed) {
				ls.log.Warn("lambda sandbox wrote a bad telemetry log frame; dropping the rest", "stream", ls.name, "err", err)
				_, _ = io.Copy(io.Discard, br)
			}
			return
		}
		if f.Type == markerFrameType && bytes.Equal(f.Message, ls.token) {
			select {
			case ls.telAck <- struct{}{}:
			default:
			}
			continue
		}
		ls.appendEvents([]LogEvent{{Timestamp: ls.clock.Now(), Message: string(f.Message)}})
	}
}

func (ls *logStream) wake() {
	select {
	case ls.kick <- struct{}{}:
	default:
	}
}

// flushLoop hands pending events to the sink.
func (ls *logStream) flushLoop() {
	defer close(ls.flushed)
	for {
		select {
		case <-ls.kick:
			ls.flush()
		case <-ls.quit:
			ls.flush()
			return
		}
	}
}

func (ls *logStream) flush() {
	ls.mu.Lock()
	evs := ls.pending
	ls.pending = nil
	dropped := ls.dropped
	ls.dropped = 0
	ls.mu.Unlock()
	if dropped > 0 {
		ls.log.Warn("lambda log events dropped: the log sink is not keeping up", "group", ls.group, "stream", ls.name, "events", dropped)
	}
	if len(evs) == 0 || ls.sink == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := ls.sink.Append(ctx, ls.account, ls.region, ls.group, ls.name, evs); err != nil {
		ls.log.Warn("lambda logs lost", "group", ls.group, "stream", ls.name, "events", len(evs), "err", err)
	}
}

// childFiles are the descriptors the sandbox process inherits: stdout,
// stderr and, for managed runtimes, the telemetry pipe as fd 3.
func (ls *logStream) childFiles() (stdout *os.File, extra []*os.File) {
	if ls.telW != nil {
		extra = []*os.File{ls.telW}
	}
	return ls.outW, extra
}

// closeFiles closes the pipes of a stream whose goroutines never ran.
func (ls *logStream) closeFiles() {
	for _, f := range []*os.File{ls.outR, ls.outW, ls.telR, ls.telW} {
		if f != nil {
			_ = f.Close()
		}
	}
}

// close ends the stream once the sandbox's processes are gone: closing
// our write ends lets the readers see EOF after the last bytes; a
// straggler still holding a write end (a daemon that escaped the kill)
// gets cut off after grace.
func (ls *logStream) close(grace time.Duration) {
	ls.wmu.Lock()
	_ = ls.outW.Close()
	if ls.telW != nil {
		_ = ls.telW.Close()
	}
	ls.wmu.Unlock()
	t := time.NewTimer(grace)
	defer t.Stop()
	for _, done := range []chan struct{}{ls.outDone, ls.telDone} {
		select {
		case <-done:
		case <-t.C:
			_ = ls.outR.Close()
			if ls.telR != nil {
				_ = ls.telR.Close()
			}
			<-done
		}
	}
	_ = ls.outR.Close()
	if ls.telR != nil {
		_ = ls.telR.Close()
	}
	close(ls.quit)
	<-ls.flushed
}

// Lines hako writes, in AWS's formats.

func startLine(requestID, version string) string {
	return "START RequestId: " + requestID + " Version: " + version + "\n"
}

func endLine(requestID string) string { return "END RequestId: " + requestID + "\n" }

// reportLine is AWS's REPORT line: durations in ms with two decimals,
// Billed Duration rounded up to the ms and including init (AWS's 2025
// billing of the init phase), Init Duration on cold starts only, and the
// newer Status / Error Type fields when the invoke did not succeed.
func reportLine(requestID string, dur, initDur time.Duration, cold bool, memMB, maxUsedMB int, status, errType string) string {
	billed := dur
	if cold {
		billed += initDur
	}
	billedMS := (billed + time.Millisecond - 1) / time.Millisecond
	if billedMS < 1 {
		billedMS = 1
	}
	s := fmt.Sprintf("REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %d ms\tMemory Size: %d MB\tMax Memory Used: %d MB\t",
		requestID, ms(dur), billedMS, memMB, maxUsedMB)
	if cold {
		s += fmt.Sprintf("Init Duration: %.2f ms\t", ms(initDur))
	}
	if status != "" {
		s += "Status: " + status + "\t"
		if errType != "" {
			s += "Error Type: " + errType + "\t"
		}
	}
	return s + "\n"
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// timeoutMessage is AWS's "Task timed out after 3.00 seconds".
func timeoutMessage(timeout time.Duration) string {
	return fmt.Sprintf("Task timed out after %.2f seconds", timeout.Seconds())
}

// logTimestamp is the timestamp AWS prefixes platform lines with.
func logTimestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
