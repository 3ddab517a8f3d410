package logs

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"

	"hako/internal/engine"
)

// describeStreamsLimit is DescribeLogStreams' default and maximum page size.
const describeStreamsLimit = 50

// CreateLogStream creates a log stream in an existing group.
func (s *Service) CreateLogStream(ctx context.Context, in *CreateLogStreamRequest) (*struct{}, error) {
	sc := scopeOf(ctx)
	if in.LogStreamName == "" {
		return nil, ErrInvalidParameter("1 validation error detected: Value null at 'logStreamName' failed to satisfy constraint: Member must not be null")
	}
	rec := streamRecord{CreationTime: s.nowMs()}
	err := s.update(ctx, func(tx engine.Txn) error {
		if _, err := getGroup(tx, sc, in.LogGroupName); err != nil {
			return err
		}
		_, err := getStream(tx, sc, in.LogGroupName, in.LogStreamName)
		if err == nil {
			return ErrResourceAlreadyExists("The specified log stream already exists")
		}
		if !isNotFound(err) {
			return err
		}
		tx.Set(sc.streamKey(in.LogGroupName, in.LogStreamName), engine.MustJSON(rec))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

// DeleteLogStream deletes a log stream and its events.
func (s *Service) DeleteLogStream(ctx context.Context, in *DeleteLogStreamRequest) (*struct{}, error) {
	sc := scopeOf(ctx)
	err := s.update(ctx, func(tx engine.Txn) error {
		if _, err := getGroup(tx, sc, in.LogGroupName); err != nil {
			return err
		}
		if _, err := getStream(tx, sc, in.LogGroupName, in.LogStreamName); err != nil {
			return err
		}
		tx.Delete(sc.streamKey(in.LogGroupName, in.LogStreamName))
		ep := sc.eventsPrefix(in.LogGroupName, in.LogStreamName)
		tx.DeleteRange(ep, engine.PrefixEnd(ep))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

// namedStream is a stream record with its name.
type namedStream struct {
	name string
	rec  streamRecord
}

// DescribeLogStreams lists a group's streams by name or by last event time.
func (s *Service) DescribeLogStreams(ctx context.Context, in *DescribeLogStreamsRequest) (*DescribeLogStreamsResponse, error) {
	sc := scopeOf(ctx)
	group, err := groupFrom(sc, in.LogGroupName, in.LogGroupIdentifier)
	if err != nil {
		return nil, err
	}
	byTime := in.OrderBy == "LastEventTime"
	if byTime && in.LogStreamNamePrefix != "" {
		return nil, ErrInvalidParameter("Cannot order by LastEventTime with a logStreamNamePrefix.")
	}
	desc := in.Descending != nil && *in.Descending
	limit := limitOf(in.Limit, describeStreamsLimit, describeStreamsLimit)
	kind := tokStreamsName
	if byTime {
		kind = tokStreamsTime
	}
	var after *pageToken
	if in.NextToken != "" {
		t, err := decodeToken(in.NextToken, kind)
		if err != nil {
			return nil, err
		}
		after = &t
	}

	var page []namedStream
	more := false
	err = s.eng.View(func(r engine.Reader) error {
		if _, err := getGroup(r, sc, group); err != nil {
			return err
		}
		sp := sc.streamsPrefix(group)
		if byTime {
			page, more, err = streamsByTime(r, sp, desc, limit, after)
			return err
		}
		page, more, err = streamsByName(r, sp, in.LogStreamNamePrefix, desc, limit, after)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := &DescribeLogStreamsResponse{LogStreams: make([]LogStream, 0, len(page))}
	for _, ns := range page {
		out.LogStreams = append(out.LogStreams, describeStream(sc, group, ns))
	}
	if more && len(page) > 0 {
		last := page[len(page)-1]
		t := pageToken{Kind: kind, Name: last.name}
		if byTime {
			t.TS = last.rec.LastEvent
		}
		out.NextToken = encodeToken(t)
	}
	return out, nil
}

func decodeStream(k, v []byte, prefixLen int) (namedStream, error) {
	ns := namedStream{name: string(k[prefixLen:])}
	if err := json.Unmarshal(v, &ns.rec); err != nil {
		return ns, fmt.Errorf("logs: stream record %q: %w", k, err)
	}
	return ns, nil
}

// streamsByName pages through the stream records in key (= name) order.
func streamsByName(r engine.Reader, sp []byte, prefix string, desc bool, limit int, after *pageToken) ([]namedStream, bool, error) {
	start := append(bytesClone(sp), prefix...)
	end := engine.PrefixEnd(start)
	if after != nil {
		k := append(bytesClone(sp), after.Name...)
		if desc {
			if string(k) < string(end) {
				end = k
			}
		} else if a := keyAfter(k); string(a) > string(start) {
			start = a
		}
	}
	var page []namedStream
	more := false
	err := r.Scan(start, end, desc, func(k, v []byte) (bool, error) {
		if len(page) == limit {
			more = true
			return false, nil
		}
		ns, err := decodeStream(k, v, len(sp))
		if err != nil {
			return false, err
		}
		page = append(page, ns)
		return true, nil
	})
	return page, more, err
}

// streamsByTime orders every stream of the group by (lastEventTimestamp,
// name) in memory. Streams are small records and groups rarely hold more
// than some thousands, so a per-request sort is acceptable for now; an index
// keyed by last event time would have to be rewritten on every
// PutLogEvents.
func streamsByTime(r engine.Reader, sp []byte, desc bool, limit int, after *pageToken) ([]namedStream, bool, error) {
	var all []namedStream
	err := r.Scan(sp, engine.PrefixEnd(sp), false, func(k, v []byte) (bool, error) {
		ns, err := decodeStream(k, v, len(sp))
		if err != nil {
			return false, err
		}
		all = append(all, ns)
		return true, nil
	})
	if err != nil {
		return nil, false, err
	}
	less := func(a, b namedStream) bool {
		if a.rec.LastEvent != b.rec.LastEvent {
			return a.rec.LastEvent < b.rec.LastEvent
		}
		return a.name < b.name
	}
	sort.Slice(all, func(i, j int) bool {
		if desc {
			return less(all[j], all[i])
		}
		return less(all[i], all[j])
	})
	i := 0
	if after != nil {
		cur := namedStream{name: after.Name, rec: streamRecord{LastEvent: after.TS}}
		i = sort.Search(len(all), func(i int) bool {
			if desc {
				return less(all[i], cur)
			}
			return less(cur, all[i])
		})
	}
	all = all[i:]
	if len(all) > limit {
		return all[:limit], true, nil
	}
	return all, false, nil
}

func describeStream(sc scope, group string, ns namedStream) LogStream {
	ls := LogStream{
		LogStreamName: ns.name,
		CreationTime:  ptr(ns.rec.CreationTime),
		Arn:           streamARN(sc, group, ns.name),
		// AWS stopped reporting per-stream storedBytes in 2019; it is
		// always 0 (the group's storedBytes is real).
		StoredBytes: ptr(int64(0)),
	}
	if ns.rec.hasEvents() {
		ls.FirstEventTimestamp = ptr(ns.rec.FirstEvent)
		ls.LastEventTimestamp = ptr(ns.rec.LastEvent)
		ls.LastIngestionTime = ptr(ns.rec.LastIngestion)
		ls.UploadSequenceToken = sequenceToken(ns.rec.Uploads)
	}
	return ls
}

// sequenceToken renders an upload counter the way AWS's sequence tokens
// look (56 decimal digits). Tokens are returned but never checked.
func sequenceToken(uploads uint64) string { return fmt.Sprintf("49%054d", uploads) }

func bytesClone(b []byte) []byte { return append([]byte(nil), b...) }
