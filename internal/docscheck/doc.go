// Package docscheck holds the tests that keep the documentation true: the
// Go code blocks of the Markdown files compile, relative links and anchors
// resolve, file names in Go comments exist, the README's first screen has
// the set-up commands, and `make help` prints no unexpanded variables. The
// conventions are described in docs_test.go and in CONTRIBUTING.md.
package docscheck
