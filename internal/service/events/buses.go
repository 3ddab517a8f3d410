package events

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"hako/internal/engine"
)

// CreateEventBus creates a custom event bus.
func (s *Service) CreateEventBus(ctx context.Context, in *CreateEventBusRequest) (*CreateEventBusResponse, error) {
	sc := scopeOf(ctx)
	if in.EventSourceName != "" {
		return nil, errValidation("hako has no partner event sources; EventSourceName %s cannot be used.", in.EventSourceName)
	}
	now := s.clock.Now().UTC()
	err := s.update(ctx, func(tx engine.Txn) error {
		if in.Name == defaultBus {
			return ErrResourceAlreadyExists("Event bus %s already exists.", in.Name)
		}
		if ok, err := busExists(tx, sc, in.Name); err != nil {
			return err
		} else if ok {
			return ErrResourceAlreadyExists("Event bus %s already exists.", in.Name)
		}
		tx.Set(sc.busKey(in.Name), engine.MustJSON(busRecord{
			Name: in.Name, Description: in.Description, Created: now, LastModified: now, Tags: in.Tags,
		}))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &CreateEventBusResponse{EventBusArn: sc.busARN(in.Name), Description: in.Description}, nil
}

// DescribeEventBus describes a bus, the default one when no name is given.
func (s *Service) DescribeEventBus(ctx context.Context, in *DescribeEventBusRequest) (*DescribeEventBusResponse, error) {
	sc := scopeOf(ctx)
	bus := busName(in.Name)
	var rec busRecord
	err := s.eng.View(func(r engine.Reader) error {
		ok, err := engine.GetJSON(r, sc.busKey(bus), &rec)
		if err == nil && !ok && bus != defaultBus {
			return errBusNotFound(bus)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &DescribeEventBusResponse{
		Name: bus, Arn: sc.busARN(bus), Description: rec.Description,
		CreationTime: rec.Created, LastModifiedTime: rec.LastModified,
	}, nil
}

// ListEventBuses lists the buses, the default one included, in name order.
func (s *Service) ListEventBuses(ctx context.Context, in *ListEventBusesRequest) (*ListEventBusesResponse, error) {
	sc := scopeOf(ctx)
	buses := []EventBus{}
	err := s.eng.View(func(r engine.Reader) error {
		return r.Scan(sc.busesPrefix(), engine.PrefixEnd(sc.busesPrefix()), false, func(k, v []byte) (bool, error) {
			var rec busRecord
			if err := json.Unmarshal(v, &rec); err != nil {
				return false, fmt.Errorf("events: bus record %q: %w", k, err)
			}
			if rec.Name != defaultBus {
				buses = append(buses, EventBus{Name: rec.Name, Arn: sc.busARN(rec.Name), Description: rec.Description,
					CreationTime: rec.Created, LastModifiedTime: rec.LastModified})
			}
			return true, nil
		})
	})
	if err != nil {
		return nil, err
	}
	buses = append(buses, EventBus{Name: defaultBus, Arn: sc.busARN(defaultBus)})
	slices.SortFunc(buses, func(a, b EventBus) int { return strings.Compare(a.Name, b.Name) })
	buses = slices.DeleteFunc(buses, func(b EventBus) bool { return !strings.HasPrefix(b.Name, in.NamePrefix) })
	if in.NextToken != "" {
		last, err := decodeToken(in.NextToken)
		if err != nil {
			return nil, err
		}
		buses = slices.DeleteFunc(buses, func(b EventBus) bool { return b.Name <= last })
	}
	out := &ListEventBusesResponse{EventBuses: buses}
	if limit := limitOf(in.Limit); len(buses) > limit {
		out.EventBuses = buses[:limit]
		out.NextToken = encodeToken(buses[limit-1].Name)
	}
	return out, nil
}

// DeleteEventBus deletes a custom bus and its rules. Deleting a bus that
// does not exist succeeds; the default bus cannot be deleted.
func (s *Service) DeleteEventBus(ctx context.Context, in *DeleteEventBusRequest) (*struct{}, error) {
	sc := scopeOf(ctx)
	if in.Name == defaultBus {
		return nil, errValidation("Cannot delete event bus default.")
	}
	err := s.update(ctx, func(tx engine.Txn) error {
		tx.Delete(sc.busKey(in.Name))
		p := sc.rulesPrefix(in.Name)
		tx.DeleteRange(p, engine.PrefixEnd(p))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}
