package logs

import (
	"container/heap"
	"context"
	"fmt"
	"hash/fnv"
	"sort"

	"hako/internal/engine"
	"hako/internal/service/logs/filterpattern"
)

// A stream's cursor first buffers filterFirstChunk matching events and
// doubles that on every refill up to filterMaxChunk: a group of thousands of
// streams costs a few events each until the merge shows which streams
// matter.
const (
	filterFirstChunk = 4
	filterMaxChunk   = 256
)

// filteredEvent is a matching event with the sort key FilterLogEvents
// orders by: timestamp, ingestion time, stream name, per-stream sequence.
type filteredEvent struct {
	storedEvent
	stream string
}

func (a *filteredEvent) less(b *filteredEvent) bool {
	switch {
	case a.pos.ts != b.pos.ts:
		return a.pos.ts < b.pos.ts
	case a.ingest != b.ingest:
		return a.ingest < b.ingest
	case a.stream != b.stream:
		return a.stream < b.stream
	}
	return a.pos.seq < b.pos.seq
}

// streamCursor reads one stream's matching events in order, a chunk at a
// time. Within a stream the key order (timestamp, seq) agrees with the
// merge order because ingestion times never decrease along seq (see put).
type streamCursor struct {
	name  string
	next  []byte // where the next chunk starts
	end   []byte
	buf   []filteredEvent
	chunk int  // events the next fill buffers
	done  bool // the range has been read to its end
}

func (c *streamCursor) fill(r engine.Reader, pat *filterpattern.Pattern, after *filteredEvent) error {
	c.buf = c.buf[:0]
	if c.chunk == 0 {
		c.chunk = filterFirstChunk
	}
	full := false
	err := r.Scan(c.next, c.end, false, func(k, v []byte) (bool, error) {
		c.next = keyAfter(k)
		p, err := decodeEventKey(k)
		if err != nil {
			return false, err
		}
		ingest, msg, err := decodeEventValue(v)
		if err != nil {
			return false, err
		}
		e := filteredEvent{storedEvent: storedEvent{pos: p, ingest: ingest, msg: msg}, stream: c.name}
		if after != nil && !after.less(&e) {
			return true, nil
		}
		if !pat.Match(msg) {
			return true, nil
		}
		c.buf = append(c.buf, e)
		if len(c.buf) == c.chunk {
			full = true
			return false, nil
		}
		return true, nil
	})
	if !full {
		c.done = true
	}
	c.chunk = min(2*c.chunk, filterMaxChunk)
	return err
}

// cursorHeap orders stream cursors by their first buffered event.
type cursorHeap []*streamCursor

func (h cursorHeap) Len() int           { return len(h) }
func (h cursorHeap) Less(i, j int) bool { return h[i].buf[0].less(&h[j].buf[0]) }
func (h cursorHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *cursorHeap) Push(x any)        { *h = append(*h, x.(*streamCursor)) }
func (h *cursorHeap) Pop() any {
	old := *h
	c := old[len(old)-1]
	*h = old[:len(old)-1]
	return c
}

// FilterLogEvents searches a group's streams, merging their events by
// timestamp (then ingestion order). interleaved is accepted and ignored:
// results are always interleaved, as on AWS since 2019.
func (s *Service) FilterLogEvents(ctx context.Context, in *FilterLogEventsRequest) (*FilterLogEventsResponse, error) {
	sc := scopeOf(ctx)
	group, err := groupFrom(sc, in.LogGroupName, in.LogGroupIdentifier)
	if err != nil {
		return nil, err
	}
	if len(in.LogStreamNames) > 0 && in.LogStreamNamePrefix != "" {
		return nil, ErrInvalidParameter("logStreamNames and logStreamNamePrefix are mutually exclusive parameters.")
	}
	pat, err := filterpattern.Parse(in.FilterPattern)
	if err != nil {
		return nil, ErrInvalidParameter("%s", err.Error())
	}
	limit := limitOf(in.Limit, getEventsLimit, getEventsLimit)
	var after *filteredEvent
	if in.NextToken != "" {
		t, err := decodeToken(in.NextToken, tokFilter)
		if err != nil {
			return nil, err
		}
		after = &filteredEvent{storedEvent: storedEvent{pos: pos{ts: t.TS, seq: t.Seq}, ingest: t.Ingest}, stream: t.Name}
	}
	// startTime and endTime are both inclusive here (unlike GetLogEvents).
	lo, hi := posMin, posMax
	if in.StartTime != nil {
		lo = pos{ts: *in.StartTime}
	}
	if in.EndTime != nil && *in.EndTime < posMax.ts {
		hi = pos{ts: *in.EndTime + 1}
	}
	if after != nil && lo.less(pos{ts: after.pos.ts}) {
		lo = pos{ts: after.pos.ts}
	}

	out := &FilterLogEventsResponse{Events: []FilteredLogEvent{}, SearchedLogStreams: []SearchedLogStream{}}
	err = s.eng.View(func(r engine.Reader) error {
		if _, err := getGroup(r, sc, group); err != nil {
			return err
		}
		streams, err := filterStreams(r, sc, group, in.LogStreamNames, in.LogStreamNamePrefix)
		if err != nil {
			return err
		}
		cursors := make([]*streamCursor, 0, len(streams))
		h := make(cursorHeap, 0, len(streams))
		for _, st := range streams {
			prefix := sc.eventsPrefix(group, st.name)
			c := &streamCursor{name: st.name, next: eventKey(prefix, lo), end: eventKey(prefix, hi)}
			cursors = append(cursors, c)
			// The record's first and last event times bound what the
			// stream holds (the first may be older than the oldest
			// event left after a sweep, never newer), so streams
			// outside the time range are not read at all.
			if !lo.less(hi) || !st.rec.hasEvents() || st.rec.LastEvent < lo.ts || (hi != posMax && st.rec.FirstEvent >= hi.ts) {
				c.done = true
				continue
			}
			if err := c.fill(r, pat, after); err != nil {
				return err
			}
			if len(c.buf) > 0 {
				h = append(h, c)
			}
		}
		heap.Init(&h)
		bytes := 0
		var last filteredEvent
		for h.Len() > 0 && len(out.Events) < limit {
			c := h[0]
			e := c.buf[0]
			if len(out.Events) > 0 && bytes+e.size() > maxResponseBytes {
				break
			}
			bytes += e.size()
			last = e
			out.Events = append(out.Events, FilteredLogEvent{
				LogStreamName: e.stream,
				Timestamp:     ptr(e.pos.ts),
				Message:       e.msg,
				IngestionTime: ptr(e.ingest),
				EventId:       eventID(e),
			})
			c.buf = c.buf[1:]
			if len(c.buf) == 0 && !c.done {
				if err := c.fill(r, pat, nil); err != nil {
					return err
				}
			}
			if len(c.buf) == 0 {
				heap.Pop(&h)
			} else {
				heap.Fix(&h, 0)
			}
		}
		if h.Len() > 0 {
			// More events match: continue after the last one returned.
			out.NextToken = encodeToken(pageToken{Kind: tokFilter, Name: last.stream,
				TS: last.pos.ts, Ingest: last.ingest, Seq: last.pos.seq})
		}
		for _, c := range cursors {
			out.SearchedLogStreams = append(out.SearchedLogStreams, SearchedLogStream{
				LogStreamName:      c.name,
				SearchedCompletely: ptr(c.done && len(c.buf) == 0),
			})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// filterStreams lists the streams to search in name order: the named ones
// that exist, or those with the prefix.
func filterStreams(r engine.Reader, sc scope, group string, names []string, prefix string) ([]namedStream, error) {
	var out []namedStream
	if len(names) > 0 {
		seen := map[string]bool{}
		for _, n := range names {
			if seen[n] {
				continue
			}
			seen[n] = true
			st, err := getStream(r, sc, group, n)
			if isNotFound(err) {
				continue // AWS searches the named streams that exist
			}
			if err != nil {
				return nil, err
			}
			out = append(out, namedStream{name: n, rec: *st})
		}
		sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
		return out, nil
	}
	sp := sc.streamsPrefix(group)
	start := append(bytesClone(sp), prefix...)
	err := r.Scan(start, engine.PrefixEnd(start), false, func(k, v []byte) (bool, error) {
		ns, err := decodeStream(k, v, len(sp))
		out = append(out, ns)
		return err == nil, err
	})
	return out, err
}

// eventID makes the 56-digit id AWS gives events: 20 digits of biased
// timestamp, 20 of the stream's sequence number and 16 of a hash of the
// stream name, unique within the group.
func eventID(e filteredEvent) string {
	h := fnv.New64a()
	h.Write([]byte(e.stream))
	return fmt.Sprintf("%020d%020d%016d", biased(e.pos.ts), e.pos.seq, h.Sum64()%1e16)
}
