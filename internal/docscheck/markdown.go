package docscheck

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// Block is a fenced code block of a Markdown file.
type Block struct {
	// Lang is the word after the opening fence ("go", "sh", ...).
	Lang string
	// Line is the line number (from 1) of the block's first line of code.
	Line int
	// Code is the block's text, without the fences and without the
	// indentation of the opening fence; it ends with a newline.
	Code string
	// From is the path named by a `<!-- from PATH -->` comment on the last
	// non-blank line before the block, or "".
	From string
}

var fromComment = regexp.MustCompile(`^<!--\s*from\s+(\S+)\s*-->$`)

// Blocks returns the fenced code blocks of the Markdown text md.
func Blocks(md string) []Block {
	var (
		blocks   []Block
		cur      *Block
		indent   string
		fence    string
		prevLine string // last non-blank line outside blocks
		code     strings.Builder
	)
	for i, line := range strings.Split(md, "\n") {
		trimmed := strings.TrimLeft(line, " ")
		if cur == nil {
			if strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~") {
				indent = line[:len(line)-len(trimmed)]
				fence = trimmed[:3]
				cur = &Block{Lang: strings.TrimSpace(strings.Trim(trimmed, "`~")), Line: i + 2}
				if m := fromComment.FindStringSubmatch(strings.TrimSpace(prevLine)); m != nil {
					cur.From = m[1]
				}
				code.Reset()
				continue
			}
			if strings.TrimSpace(line) != "" {
				prevLine = line
			}
			continue
		}
		if strings.HasPrefix(trimmed, fence) && strings.Trim(trimmed, fence[:1]) == "" {
			cur.Code = code.String()
			blocks = append(blocks, *cur)
			cur, prevLine = nil, ""
			continue
		}
		code.WriteString(strings.TrimPrefix(line, indent))
		code.WriteByte('\n')
	}
	return blocks
}

var (
	linkRE    = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	headingRE = regexp.MustCompile(`^#{1,6}\s+(.*?)\s*#*\s*$`)
)

// Links returns the targets of the inline links of md outside code blocks,
// with the line of each.
func Links(md string) map[int][]string {
	links := map[int][]string{}
	prose(md, func(n int, line string) {
		for _, m := range linkRE.FindAllStringSubmatch(stripCodeSpans(line), -1) {
			links[n] = append(links[n], m[1])
		}
	})
	return links
}

// prose calls f with every line of md outside fenced code blocks, and its
// number from 1.
func prose(md string, f func(n int, line string)) {
	inCode := false
	for i, line := range strings.Split(md, "\n") {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~") {
			inCode = !inCode
			continue
		}
		if !inCode {
			f(i+1, line)
		}
	}
}

// stripCodeSpans removes `code spans` from a line, so that text such as
// `a[i](x)` in code is not taken for a link.
func stripCodeSpans(line string) string {
	var b strings.Builder
	in := false
	for _, r := range line {
		if r == '`' {
			in = !in
			continue
		}
		if !in {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Anchors returns the anchors GitHub gives the headings of md: the
// heading's text in lower case, without Markdown emphasis and code marks
// and without punctuation other than '-' and '_', spaces turned into '-',
// and "-1", "-2", ... appended to repeated anchors.
func Anchors(md string) map[string]bool {
	anchors := map[string]bool{}
	seen := map[string]int{}
	prose(md, func(_ int, line string) {
		m := headingRE.FindStringSubmatch(line)
		if m == nil {
			return
		}
		var b strings.Builder
		for _, r := range strings.ToLower(m[1]) {
			switch {
			case r == ' ':
				b.WriteByte('-')
			case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
				b.WriteRune(r)
			}
		}
		a := b.String()
		if n := seen[a]; n > 0 {
			anchors[a+"-"+strconv.Itoa(n)] = true
		} else {
			anchors[a] = true
		}
		seen[a]++
	})
	return anchors
}
