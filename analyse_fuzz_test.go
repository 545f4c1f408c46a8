package dynamosql

import (
	"strings"
	"testing"
)

// refCountParams is a slow, obviously correct reference for the number of
// ? placeholders: it walks the text character by character, skipping
// single-quoted strings (” escapes a quote), double-quoted identifiers
// ("" escapes a quote), -- line comments and /* */ block comments.
func refCountParams(s string) (n int, ok bool) {
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\'' || s[i] == '"':
			q := s[i]
			i++
			for {
				if i >= len(s) {
					return 0, false
				}
				if s[i] == q {
					if i+1 < len(s) && s[i+1] == q {
						i += 2
						continue
					}
					break
				}
				i++
			}
		case strings.HasPrefix(s[i:], "--"):
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case strings.HasPrefix(s[i:], "/*"):
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				return 0, false
			}
			i += 2 + end + 1
		case s[i] == '?':
			n++
		}
	}
	return n, true
}

func TestCountParams(t *testing.T) {
	for q, want := range map[string]int{
		`SELECT * FROM "t" WHERE a = ?`:                       1,
		`INSERT INTO "t" VALUE {'a': ?, 'b?': '?', "c?": ?}`:  2,
		`SELECT * FROM t -- ?` + "\n" + `WHERE a = ? /* ? */`: 1,
		`SELECT * FROM t WHERE a = 'it''s ?' AND b IN (?, ?)`: 2,
		`SELECT "we""ird?" FROM t WHERE a=?`:                  1,
	} {
		a := analyse(q)
		if a.err != nil {
			t.Fatalf("%s: %v", q, a.err)
		}
		if a.params != want {
			t.Errorf("%s: %d placeholders, want %d", q, a.params, want)
		}
	}
}

func FuzzCountParams(f *testing.F) {
	for _, s := range []string{
		`SELECT * FROM "t" WHERE a = ?`, `'?'`, `"?"`, `-- ?`, `/* ? */ ?`, `'it''s' ?`, `"a""b" ?`,
		`INSERT INTO "t" VALUE {'a': ?, 'b': [?, ?], 'c': <<?>>}`, `?/*`, `'unterminated ?`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		if len(q) > MaxStatementLength || strings.TrimSpace(q) == "" {
			return
		}
		want, ok := refCountParams(q)
		a := analyse(q)
		if !ok {
			return // unterminated quote or comment: an error is fine, a panic is not
		}
		if a.err != nil && a.params == 0 {
			return // refused before its placeholders were counted
		}
		if a.params != want {
			t.Fatalf("%q: %d placeholders, reference says %d", q, a.params, want)
		}
	})
}
