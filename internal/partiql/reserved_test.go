package partiql

import (
	"errors"
	"strings"
	"testing"
)

// reservedTests are statements that use a reserved word as an unquoted
// name: Parse refuses them with a *ReservedWordError for word (as written),
// a what name, at line:col. DynamoDB refuses each of them with
// "Statement wasn't well formed, can't be processed", which names neither
// the word nor the fix (TestReservedWordsAgainstDynamoDB in the driver
// checks the words against DynamoDB Local).
var reservedTests = []struct {
	in        string
	word      string
	what      string
	line, col int
}{
	{`SELECT id FROM user WHERE id = 'u1'`, "user", "table", 1, 16},
	{`SELECT * FROM "t".user WHERE id = 'u1'`, "user", "index", 1, 19},
	{`SELECT id, size FROM "t" WHERE id = 'u1'`, "size", "attribute", 1, 12},
	{`SELECT id, a.date FROM "t" WHERE id = 'u1'`, "date", "attribute", 1, 14},
	{`SELECT * FROM "t" WHERE Date = 'x'`, "Date", "attribute", 1, 25},
	{`SELECT * FROM "t" WHERE id = 'x' AND begins_with(size, 'x')`, "size", "attribute", 1, 50},
	{`SELECT * FROM "t" WHERE id = 'x' ORDER BY timestamp`, "timestamp", "attribute", 1, 43},
	{`UPDATE "t" SET timestamp = 'x' WHERE id = 'u1'`, "timestamp", "attribute", 1, 16},
	{`UPDATE "t" SET a = 1 REMOVE count WHERE id = 'u1'`, "count", "attribute", 1, 29},
	{`UPDATE user SET a = 1 WHERE id = 'u1'`, "user", "table", 1, 8},
	{`DELETE FROM user WHERE id = 'u1'`, "user", "table", 1, 13},
	{`INSERT INTO user VALUE {'id': 'u1'}`, "user", "table", 1, 13},
	{`INSERT INTO user (id) VALUES ('u1')`, "user", "table", 1, 13},
	{`EXISTS(SELECT * FROM "t" WHERE key = 1)`, "key", "attribute", 1, 32},
	{`SELECT COUNT(*) FROM user`, "user", "table", 1, 22},
	{`SELECT * FROM user LIMIT 1`, "user", "table", 1, 15},
	// Keywords of the grammar, where the next token shows a name was meant.
	{`SELECT value FROM "t" WHERE id = 'u1'`, "value", "attribute", 1, 8},
	{`SELECT id, order FROM "t"`, "order", "attribute", 1, 12},
	{`UPDATE "t" SET value = 1 WHERE id = 'u1'`, "value", "attribute", 1, 16},
	{`SELECT * FROM "t" WHERE value = 1`, "value", "attribute", 1, 25},
	{`SELECT * FROM "t" WHERE id = 1 ORDER BY desc`, "desc", "attribute", 1, 41},
	{`SELECT * FROM order WHERE id = 1`, "order", "table", 1, 15},
	{`SELECT * FROM order`, "order", "table", 1, 15},
	{`SELECT a.value FROM "t"`, "value", "attribute", 1, 10},
}

func TestParseReservedWords(t *testing.T) {
	for _, tt := range reservedTests {
		_, err := Parse(tt.in)
		var re *ReservedWordError
		if !errors.As(err, &re) {
			t.Errorf("Parse(%q) = %v, want a *ReservedWordError", tt.in, err)
			continue
		}
		if re.Word != tt.word || re.What != tt.what || re.Line != tt.line || re.Col != tt.col {
			t.Errorf("Parse(%q) = %+v, want %q (%s) at %d:%d", tt.in, *re, tt.word, tt.what, tt.line, tt.col)
		}
		want := tt.word + ` is a reserved word in PartiQL: write the ` + tt.what + ` name in double quotes, "` + tt.word + `"`
		if !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "partiql: line ") {
			t.Errorf("Parse(%q).Error() = %q, want it to contain %q", tt.in, err.Error(), want)
		}
		// The same statement with the word quoted parses, or fails for
		// another reason.
		quoted := tt.in[:re.Offset] + `"` + tt.word + `"` + tt.in[re.Offset+len(tt.word):]
		if _, err := Parse(quoted); errors.As(err, &re) {
			t.Errorf("Parse(%q) = %v after quoting", quoted, err)
		}
	}
}

// TestParseNamesDynamoDBAccepts: words DynamoDB accepts unquoted, and
// keywords where no name was meant, are not reported as reserved words.
func TestParseNamesDynamoDBAccepts(t *testing.T) {
	for _, in := range []string{
		`SELECT year, status, name FROM "t" WHERE type = 'x' AND data = 1`,
		`SELECT * FROM month WHERE day = 1`,
		`SELECT "user", "value" FROM "user" WHERE "size" = 1`,
		`INSERT INTO "t" (id, value, user, size) VALUES (1, 2, 3, 4)`,
		`SELECT * FROM "t" WHERE size(tags) > 1`,
	} {
		if _, err := Parse(in); err != nil {
			t.Errorf("Parse(%q) = %v", in, err)
		}
	}
	for _, in := range []string{
		`SELECT FROM t`,
		`SELECT * FROM WHERE id = 1`,
		`SELECT * FROM t WHERE a = 1 ORDER BY`,
	} {
		_, err := Parse(in)
		var re *ReservedWordError
		if errors.As(err, &re) || err == nil {
			t.Errorf("Parse(%q) = %v, want a plain syntax error", in, err)
		}
	}
}

func TestRefusedUnquoted(t *testing.T) {
	for w, want := range map[string]bool{
		"user": true, "USER": true, "date": true, "size": true, "count": true, "value": true, "order": true,
		"year": false, "status": false, "name": false, "offset": false, "id": false, "a_very_long_name_over_24_chars": false,
	} {
		if got := RefusedUnquoted(w); got != want {
			t.Errorf("RefusedUnquoted(%q) = %v, want %v", w, got, want)
		}
	}
	for w := range acceptedUnquoted {
		if _, ok := quotedWords[w]; !ok {
			t.Errorf("acceptedUnquoted holds %q, which quotedWords lacks", w)
		}
	}
}

func TestReservedWordsList(t *testing.T) {
	if len(grammarKeywords) != int(kwWhere) {
		t.Errorf("grammarKeywords has %d words, the grammar %d keywords", len(grammarKeywords), int(kwWhere))
	}
	for _, w := range grammarKeywords {
		if lookupKeyword(w) == kwNone {
			t.Errorf("grammarKeywords holds %q, which is no keyword", w)
		}
	}
	words := ReservedWords()
	if len(words) != len(grammarKeywords)+len(quotedWords) {
		t.Errorf("ReservedWords has %d words, want %d", len(words), len(grammarKeywords)+len(quotedWords))
	}
}
