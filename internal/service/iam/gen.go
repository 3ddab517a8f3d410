package iam

//go:generate go run hako/internal/protocol/apigen -model iam
