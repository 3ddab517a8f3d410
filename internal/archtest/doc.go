// Package archtest holds tests about the code base itself: every package
// documents its contract, and dependencies point one way.
package archtest
