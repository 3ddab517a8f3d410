package logs

//go:generate go run hako/internal/protocol/apigen -model logs
