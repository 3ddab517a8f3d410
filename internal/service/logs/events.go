package logs

import (
	"context"
	"errors"
	"slices"
	"time"
	"unicode/utf8"

	"hako/internal/engine"
)

// PutLogEvents limits, as AWS documents them.
const (
	// MaxBatchEvents is the most events one PutLogEvents call may carry.
	MaxBatchEvents = 10000
	// MaxBatchBytes bounds a batch: the sum of its messages' UTF-8 lengths
	// plus EventOverhead per event.
	MaxBatchBytes = 1048576
	// EventOverhead is what each event adds to a batch's size.
	EventOverhead = 26
	// MaxBatchSpan is the widest time range one batch may cover.
	MaxBatchSpan = 24 * time.Hour

	// maxEventAge and maxEventFuture bound accepted timestamps: older or
	// further ahead events are rejected one by one (rejectedLogEventsInfo),
	// not the whole batch.
	maxEventAge    = 14 * 24 * time.Hour
	maxEventFuture = 2 * time.Hour

	// getEventsLimit is GetLogEvents' and FilterLogEvents' default and
	// maximum number of events, and maxResponseBytes the size (counted like
	// a PutLogEvents batch) they stop at.
	getEventsLimit   = 10000
	maxResponseBytes = 1048576
)

const dayMs = int64(24 * time.Hour / time.Millisecond)

// PutLogEvents appends a batch of events to a stream.
//
// The batch is written in one engine transaction, durable before the
// response. sequenceToken is accepted and ignored, as AWS has done since
// 2023 (never InvalidSequenceTokenException).
func (s *Service) PutLogEvents(ctx context.Context, in *PutLogEventsRequest) (*PutLogEventsResponse, error) {
	return s.put(ctx, scopeOf(ctx), in.LogGroupName, in.LogStreamName, in.LogEvents, false)
}

// Append writes events to a group and stream outside any HTTP request (the
// Lambda runtime's log capture), creating the group and the stream if they
// are missing. Events are sorted by timestamp (stably, so lines with equal
// timestamps keep their order), split into batches within PutLogEvents'
// limits, and messages longer than one event may be are truncated; empty
// messages are dropped. Events PutLogEvents would reject as too old or too
// new are dropped silently.
func (s *Service) Append(ctx context.Context, account, region, group, stream string, events []InputLogEvent) error {
	if group == "" || stream == "" {
		return errors.New("logs: Append needs a group and a stream name")
	}
	sc := scope{account: account, region: region}
	now := s.nowMs()
	evs := make([]InputLogEvent, 0, len(events))
	for _, e := range events {
		if e.Message == "" {
			continue
		}
		if e.Timestamp == nil {
			e.Timestamp = ptr(now)
		}
		e.Message = truncateUTF8(e.Message, MaxBatchBytes-EventOverhead)
		evs = append(evs, e)
	}
	slices.SortStableFunc(evs, func(a, b InputLogEvent) int {
		switch {
		case *a.Timestamp < *b.Timestamp:
			return -1
		case *a.Timestamp > *b.Timestamp:
			return 1
		}
		return 0
	})
	spanMs := MaxBatchSpan.Milliseconds()
	for len(evs) > 0 {
		n, size := 0, 0
		for n < len(evs) && n < MaxBatchEvents {
			sz := len(evs[n].Message) + EventOverhead
			if size+sz > MaxBatchBytes || *evs[n].Timestamp-*evs[0].Timestamp > spanMs {
				break
			}
			size += sz
			n++
		}
		if _, err := s.put(ctx, sc, group, stream, evs[:n], true); err != nil {
			return err
		}
		evs = evs[n:]
	}
	return nil
}

// truncateUTF8 cuts s to at most n bytes without splitting a character.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// checkBatch applies the rules that fail a whole PutLogEvents call.
func checkBatch(events []InputLogEvent) error {
	if len(events) > MaxBatchEvents {
		return ErrInvalidParameter("1 validation error detected: Value at 'logEvents' failed to satisfy constraint: Member must have length less than or equal to %d", MaxBatchEvents)
	}
	size := 0
	for i, e := range events {
		if e.Timestamp == nil {
			return ErrInvalidParameter("1 validation error detected: Value null at 'logEvents.%d.member.timestamp' failed to satisfy constraint: Member must not be null", i+1)
		}
		size += len(e.Message) + EventOverhead
	}
	if size > MaxBatchBytes {
		return ErrInvalidParameter("Upload too large: %d bytes exceeds limit of %d", size, MaxBatchBytes)
	}
	for i := 1; i < len(events); i++ {
		if *events[i].Timestamp < *events[i-1].Timestamp {
			return ErrInvalidParameter("Log events in a single PutLogEvents request must be in chronological order.")
		}
	}
	if len(events) > 0 && *events[len(events)-1].Timestamp-*events[0].Timestamp > MaxBatchSpan.Milliseconds() {
		return ErrInvalidParameter("The batch of log events in a single PutLogEvents request cannot span more than 24 hours.")
	}
	return nil
}

// put is PutLogEvents for a scope; create makes a missing group and stream
// (Append) instead of failing.
//
// Concurrency. Every event needs a unique key, and events with equal
// timestamps must keep their arrival order, so each gets the next value of
// a per-stream counter kept in the stream record. The transaction reads
// exactly two keys, the group record (existence, retention) and the stream
// record (counter, statistics), and never scans, so it conflicts only with
// writers of the same stream or with changes to the group. Concurrent
// batches to one stream therefore do conflict on the stream record, and
// are serialized twice over: by the stripe lock in this process, so they
// do not waste optimistic retries, and by the engine's transaction, which
// is what keeps them correct when the lock is not shared (another hako
// process on a shared engine, a restart): a loser re-runs against the new
// counter and nothing is lost or overwritten. The alternatives were
// rejected: a process-local atomic counter seeded from the store at start
// is only as good as that seeding and breaks with two processes, and keys
// without a counter (timestamp plus random suffix) lose the arrival order.
// The cost is that one stream's batches commit one after another; AWS
// itself documents PutLogEvents per stream as sequential.
func (s *Service) put(ctx context.Context, sc scope, group, stream string, events []InputLogEvent, create bool) (*PutLogEventsResponse, error) {
	if err := checkBatch(events); err != nil {
		return nil, err
	}
	nowMs := s.nowMs()
	n := len(events)
	// Events are in chronological order, so the too-old ones are a prefix
	// and the too-new ones a suffix.
	tooOld := countBefore(events, nowMs-maxEventAge.Milliseconds())
	tooNew := n
	for tooNew > 0 && *events[tooNew-1].Timestamp > nowMs+maxEventFuture.Milliseconds() {
		tooNew--
	}

	mu := s.streamLock(sc, group, stream)
	mu.Lock()
	defer mu.Unlock()
	var out *PutLogEventsResponse
	err := s.update(ctx, func(tx engine.Txn) error {
		g, err := getGroup(tx, sc, group)
		if create && isNotFound(err) {
			g = &groupRecord{Name: group, CreationTime: nowMs, Class: "STANDARD"}
			tx.Set(sc.groupKey(group), engine.MustJSON(g))
		} else if err != nil {
			return err
		}
		st, err := getStream(tx, sc, group, stream)
		if create && isNotFound(err) {
			st = &streamRecord{CreationTime: nowMs}
		} else if err != nil {
			return err
		}
		expired := 0
		if g.RetentionInDays > 0 {
			expired = countBefore(events, nowMs-int64(g.RetentionInDays)*dayMs)
		}
		first := max(tooOld, expired)
		// Ingestion times never go backwards within a stream, even if
		// the clock does: FilterLogEvents relies on (timestamp,
		// ingestionTime) following the key order inside a stream.
		ingest := max(nowMs, st.LastIngestion)
		prefix := sc.eventsPrefix(group, stream)
		had := st.hasEvents()
		for i := first; i < tooNew; i++ {
			e := events[i]
			ts := *e.Timestamp
			st.Seq++
			tx.Set(eventKey(prefix, pos{ts: ts, seq: st.Seq}), eventValue(ingest, e.Message))
			if !had || ts < st.FirstEvent {
				st.FirstEvent = ts
			}
			if !had || ts > st.LastEvent {
				st.LastEvent = ts
			}
			had = true
			st.StoredBytes += int64(len(e.Message))
		}
		if first < tooNew {
			st.LastIngestion = ingest
		}
		st.Uploads++
		tx.Set(sc.streamKey(group, stream), engine.MustJSON(st))

		out = &PutLogEventsResponse{NextSequenceToken: sequenceToken(st.Uploads)}
		if tooOld > 0 || expired > 0 || tooNew < n {
			info := &RejectedLogEventsInfo{}
			if tooOld > 0 {
				info.TooOldLogEventEndIndex = ptr(int32(tooOld))
			}
			if expired > 0 {
				info.ExpiredLogEventEndIndex = ptr(int32(expired))
			}
			if tooNew < n {
				info.TooNewLogEventStartIndex = ptr(int32(tooNew))
			}
			out.RejectedLogEventsInfo = info
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// countBefore counts the leading events (in chronological order) with a
// timestamp before limit.
func countBefore(events []InputLogEvent, limit int64) int {
	i := 0
	for i < len(events) && *events[i].Timestamp < limit {
		i++
	}
	return i
}

// storedEvent is one event read back from a stream.
type storedEvent struct {
	pos    pos
	ingest int64
	msg    string
}

func (e storedEvent) size() int { return len(e.msg) + EventOverhead }

// GetLogEvents reads one stream in either direction.
//
// Tokens are positions between events. "f/P" continues forward with the
// events at or after P, "b/P" backward with the events before P; the
// direction comes from the token, so startFromHead only matters on the
// first call. When a direction has no more events, its token comes back
// unchanged: that is how aws-sdk-go-v2's paginator and people polling with
// nextForwardToken know they have caught up.
func (s *Service) GetLogEvents(ctx context.Context, in *GetLogEventsRequest) (*GetLogEventsResponse, error) {
	sc := scopeOf(ctx)
	group, err := groupFrom(sc, in.LogGroupName, in.LogGroupIdentifier)
	if err != nil {
		return nil, err
	}
	limit := limitOf(in.Limit, getEventsLimit, getEventsLimit)
	lo, hi := posMin, posMax // [lo, hi): startTime inclusive, endTime exclusive
	if in.StartTime != nil {
		lo = pos{ts: *in.StartTime}
	}
	if in.EndTime != nil {
		hi = pos{ts: *in.EndTime}
	}
	forward := in.StartFromHead != nil && *in.StartFromHead
	from := lo // where the page starts (forward) or ends (backward)
	if !forward {
		from = hi
	}
	hasToken := in.NextToken != ""
	if hasToken {
		dir, p, err := decodeEventsToken(in.NextToken)
		if err != nil {
			return nil, err
		}
		forward, from = dir == 'f', p
	}

	var page []storedEvent
	err = s.eng.View(func(r engine.Reader) error {
		if _, err := getGroup(r, sc, group); err != nil {
			return err
		}
		if _, err := getStream(r, sc, group, in.LogStreamName); err != nil {
			return err
		}
		prefix := sc.eventsPrefix(group, in.LogStreamName)
		start, end := lo, hi
		if forward && start.less(from) {
			start = from
		}
		if !forward && from.less(end) {
			end = from
		}
		if !start.less(end) {
			return nil
		}
		page, err = scanEvents(r, prefix, start, end, !forward, limit)
		return err
	})
	if err != nil {
		return nil, err
	}
	if !forward {
		slices.Reverse(page)
	}

	out := &GetLogEventsResponse{Events: make([]OutputLogEvent, 0, len(page))}
	for _, e := range page {
		out.Events = append(out.Events, OutputLogEvent{
			Timestamp:     ptr(e.pos.ts),
			Message:       e.msg,
			IngestionTime: ptr(e.ingest),
		})
	}
	switch {
	case len(page) > 0:
		first, last := page[0].pos, page[len(page)-1].pos
		out.NextBackwardToken = encodeEventsToken('b', first)
		out.NextForwardToken = encodeEventsToken('f', pos{ts: last.ts, seq: last.seq + 1})
	case hasToken:
		// Nothing more this way: hand the same token back, and the other
		// direction continues from the same place.
		if forward {
			out.NextForwardToken = in.NextToken
			out.NextBackwardToken = encodeEventsToken('b', from)
		} else {
			out.NextBackwardToken = in.NextToken
			out.NextForwardToken = encodeEventsToken('f', from)
		}
	default:
		// No events in the range at all: both tokens point at its start,
		// so following nextForwardToken picks up whatever arrives later.
		out.NextForwardToken = encodeEventsToken('f', lo)
		out.NextBackwardToken = encodeEventsToken('b', lo)
	}
	return out, nil
}

// scanEvents reads up to limit events (and maxResponseBytes) of a stream in
// [start, end), descending when reverse is set.
func scanEvents(r engine.Reader, prefix []byte, start, end pos, reverse bool, limit int) ([]storedEvent, error) {
	var page []storedEvent
	bytes := 0
	err := r.Scan(eventKey(prefix, start), eventKey(prefix, end), reverse, func(k, v []byte) (bool, error) {
		p, err := decodeEventKey(k)
		if err != nil {
			return false, err
		}
		ingest, msg, err := decodeEventValue(v)
		if err != nil {
			return false, err
		}
		e := storedEvent{pos: p, ingest: ingest, msg: msg}
		if len(page) > 0 && bytes+e.size() > maxResponseBytes {
			return false, nil
		}
		bytes += e.size()
		page = append(page, e)
		return len(page) < limit, nil
	})
	return page, err
}
