package sts

//go:generate go run hako/internal/protocol/apigen -model sts
