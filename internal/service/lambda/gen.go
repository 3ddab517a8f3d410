package lambda

//go:generate go run hako/internal/protocol/apigen -model lambda
