package lambda

import (
	"context"
	"strconv"

	"hako/internal/engine"
)

// PutFunctionConcurrency reserves concurrency for a function. The account
// keeps at least 100 unreserved executions, as on AWS.
func (s *Service) PutFunctionConcurrency(ctx context.Context, in *PutFunctionConcurrencyRequest) (*Concurrency, error) {
	ref, err := resolve(ctx, in.FunctionName, "")
	if err != nil {
		return nil, err
	}
	if err := ref.unqualifiedOnly(); err != nil {
		return nil, err
	}
	want := valueOr(in.ReservedConcurrentExecutions, 0)
	err = s.update(ctx, func(tx engine.Txn) error {
		cur, err := existingFunction(tx, ref)
		if err != nil {
			return err
		}
		others, err := reservedSum(tx, ref.sc, ref.name)
		if err != nil {
			return err
		}
		if s.accountConcurrency-others-int(want) < minUnreserved {
			return ErrInvalidParameterValue("Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [%d].", minUnreserved)
		}
		cur.Reserved = ptr(want)
		putFunction(tx, ref.sc, cur)
		tx.Set(ref.sc.reservedKey(ref.name), []byte(strconv.Itoa(int(want))))
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.reportReserved(ref.arn(), ptr(want))
	return &Concurrency{ReservedConcurrentExecutions: ptr(want)}, nil
}

// GetFunctionConcurrency returns a function's reserved concurrency (an
// empty answer when it has none).
func (s *Service) GetFunctionConcurrency(ctx context.Context, in *GetFunctionConcurrencyRequest) (*GetFunctionConcurrencyResponse, error) {
	ref, err := resolve(ctx, in.FunctionName, "")
	if err != nil {
		return nil, err
	}
	if err := ref.unqualifiedOnly(); err != nil {
		return nil, err
	}
	rec, err := s.load(ref)
	if err != nil {
		return nil, err
	}
	out := &GetFunctionConcurrencyResponse{}
	if rec.Reserved != nil {
		out.ReservedConcurrentExecutions = ptr(*rec.Reserved)
	}
	return out, nil
}

// DeleteFunctionConcurrency returns a function to the unreserved pool.
func (s *Service) DeleteFunctionConcurrency(ctx context.Context, in *DeleteFunctionConcurrencyRequest) (*struct{}, error) {
	ref, err := resolve(ctx, in.FunctionName, "")
	if err != nil {
		return nil, err
	}
	if err := ref.unqualifiedOnly(); err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx engine.Txn) error {
		cur, err := existingFunction(tx, ref)
		if err != nil {
			return err
		}
		cur.Reserved = nil
		putFunction(tx, ref.sc, cur)
		tx.Delete(ref.sc.reservedKey(ref.name))
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.reportReserved(ref.arn(), nil)
	return &struct{}{}, nil
}

// GetAccountSettings reports AWS's default limits and the account's usage
// in the region.
func (s *Service) GetAccountSettings(ctx context.Context, in *GetAccountSettingsRequest) (*GetAccountSettingsResponse, error) {
	sc := scopeOf(ctx)
	var reserved int
	var codeSize, count int64
	err := s.eng.View(func(r engine.Reader) error {
		var err error
		if reserved, err = reservedSum(r, sc, ""); err != nil {
			return err
		}
		p := sc.functionsPrefix()
		return r.Scan(p, engine.PrefixEnd(p), false, func(k, v []byte) (bool, error) {
			rec, err := decodeRecord(v)
			if err != nil {
				return false, err
			}
			count++
			codeSize += rec.Code.Size
			return true, nil
		})
	})
	if err != nil {
		return nil, err
	}
	return &GetAccountSettingsResponse{
		AccountLimit: &AccountLimit{
			TotalCodeSize:                  ptr(int64(80530636800)),
			CodeSizeUnzipped:               ptr(int64(maxUnzipped)),
			CodeSizeZipped:                 ptr(int64(maxZipped)),
			ConcurrentExecutions:           ptr(int32(s.accountConcurrency)),
			UnreservedConcurrentExecutions: ptr(int32(s.accountConcurrency - reserved)),
		},
		AccountUsage: &AccountUsage{TotalCodeSize: ptr(codeSize), FunctionCount: ptr(count)},
	}, nil
}
