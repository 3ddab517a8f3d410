package scheduler

//go:generate go run hako/internal/protocol/apigen -model scheduler
