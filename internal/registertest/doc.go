// Package registertest holds the tests of the driver's registration under
// the names "dynamosql" and "dynamodb" when another driver also registers
// "dynamodb". Package initialization order decides the outcome, and one
// test binary has only one order, so each case builds and runs a small
// program in its own temporary module (see internal/tempmod).
package registertest
