package events

//go:generate go run hako/internal/protocol/apigen -model events
