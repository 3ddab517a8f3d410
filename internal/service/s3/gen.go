package s3

//go:generate go run hako/internal/protocol/apigen -model s3
