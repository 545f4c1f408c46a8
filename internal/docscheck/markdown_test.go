package docscheck

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestBlocks(t *testing.T) {
	md := "# T\n\n<!-- from examples/x/main.go -->\n\n```go\nfunc f() {}\n```\n\ntext\n\n- item\n\n  ```sh\n  make test\n  ```\n~~~\nraw\n~~~\n"
	assert.Equal(t, []Block{
		{Lang: "go", Line: 6, Code: "func f() {}\n", From: "examples/x/main.go"},
		{Lang: "sh", Line: 14, Code: "make test\n"},
		{Lang: "", Line: 17, Code: "raw\n"},
	}, Blocks(md))
}

func TestAnchors(t *testing.T) {
	md := "# Values: Go ↔ DynamoDB\n## Lists of strings and `[]string`\n## The user service (`make run`)\n## Errors\n## Errors\n```sh\n# not a heading\n```\n"
	assert.Equal(t, map[string]bool{
		"values-go--dynamodb":         true,
		"lists-of-strings-and-string": true,
		"the-user-service-make-run":   true,
		"errors":                      true,
		"errors-1":                    true,
	}, Anchors(md))
}

func TestLinksOf(t *testing.T) {
	md := "See [a](docs/a.md#x) and [b](https://x.test).\n`m[i](j)` is code.\n```\n[c](c.md)\n```\n"
	assert.Equal(t, map[int][]string{1: {"docs/a.md#x", "https://x.test"}}, Links(md))
}
