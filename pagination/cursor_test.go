package pagination

import (
	"bytes"
	"encoding/base64"
	"errors"
	"regexp"
	"strings"
	"testing"
)

var (
	testSigner = NewSigner([]byte("cursor-test-key-0123456789abcdef"))
	urlSafe    = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
)

func mustEncode(t testing.TB, s *Signer, pos Position, fp []byte) string {
	t.Helper()
	c, err := s.Encode(pos, fp)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// refused asserts that err is an ErrInvalidCursor whose message does not
// repeat the cursor or its token.
func refused(t *testing.T, err error, cursor, token string) {
	t.Helper()
	if !errors.Is(err, ErrInvalidCursor) {
		t.Fatalf("cursor accepted or wrong error: %v", err)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "pagination: invalid cursor: ") ||
		(len(cursor) > 8 && strings.Contains(msg, cursor)) || (token != "" && strings.Contains(msg, token)) {
		t.Fatalf("unsafe or unexplained message %q", msg)
	}
}

func TestCursorRoundTrip(t *testing.T) {
	positions := []Position{
		{Page: 1, Size: 20},
		{Token: "tok", Page: 1, Size: 1},
		{Token: strings.Repeat("long-dynamodb-token/", 250), Page: 999, Size: 100, Skip: 7},
		{Token: "\x00\xff binary \u00e9", Page: 1 << 30, Size: 1 << 20, Skip: 1 << 25},
		// Version 2: carried items, a page split by the read budget, the
		// match rate, the limit to read the skipped items again.
		{Token: "tok", Page: 3, Size: 20, Carry: "\x03abc\x00", Rate: 9000},
		{Page: 0, Size: 5, Filled: 4, Skip: 2, Reread: 40, Rate: 1},
		{Token: "t", Page: 7, Size: 2, Rate: RateScale, Carry: strings.Repeat("\xff", MaxCarryBytes)},
	}
	for _, pos := range positions {
		c := mustEncode(t, testSigner, pos, testFP)
		if !urlSafe.MatchString(c) || len(c) > MaxCursorLength {
			t.Fatalf("cursor %q is not URL-safe or too long", c)
		}
		got, err := testSigner.Decode(c, testFP)
		if err != nil || got != pos {
			t.Fatalf("Decode = %+v, %v; want %+v", got, err, pos)
		}
		page, size, err := testSigner.Verify(c)
		if err != nil || page != pos.Page || size != pos.Size {
			t.Fatalf("Verify = %d, %d, %v", page, size, err)
		}
		if again := mustEncode(t, testSigner, pos, testFP); again != c {
			t.Fatal("encoding is not deterministic")
		}
	}
}

// Positions without version 2 fields keep the version 1 layout, which
// cursors issued before it was introduced have; out-of-range version 2
// fields are refused.
func TestCursorVersions(t *testing.T) {
	for pos, want := range map[Position]byte{
		{Token: "t", Page: 1, Size: 20, Skip: 3}:   cursorV1,
		{Token: "t", Page: 1, Size: 20, Rate: 5}:   cursorV2,
		{Token: "t", Page: 1, Size: 20, Filled: 1}: cursorV2,
		{Page: 1, Size: 20, Carry: "x"}:            cursorV2,
		{Page: 1, Size: 20, Skip: 1, Reread: 9}:    cursorV2,
	} {
		raw, err := cursorEncoding.DecodeString(mustEncode(t, testSigner, pos, testFP))
		if err != nil || raw[0] != want {
			t.Fatalf("%+v: version %d, want %d (%v)", pos, raw[0], want, err)
		}
	}
	for _, pos := range []Position{
		{Page: 1, Size: 20, Filled: 20},
		{Page: 1, Size: 20, Filled: -1},
		{Page: 1, Size: 20, Rate: RateScale + 1},
		{Page: 1, Size: 20, Reread: -1},
		{Page: 1, Size: 20, Carry: strings.Repeat("x", MaxCursorLength)},
	} {
		if c, err := testSigner.Encode(pos, testFP); err == nil {
			t.Fatalf("%+v encoded as %q", pos, c)
		}
	}
}

const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

func TestCursorEditedCharacterRefused(t *testing.T) {
	token := "SECRET-NEXT-TOKEN"
	c := mustEncode(t, testSigner, Position{Token: token, Page: 3, Size: 20, Skip: 2}, testFP)
	for i := range len(c) {
		for _, r := range alphabet + "=+/ .\n" {
			if byte(r) == c[i] {
				continue
			}
			edited := c[:i] + string(r) + c[i+1:]
			_, err := testSigner.Decode(edited, testFP)
			refused(t, err, edited, token)
			if _, _, err := testSigner.Verify(edited); !errors.Is(err, ErrInvalidCursor) {
				t.Fatalf("Verify accepted a cursor edited at %d", i)
			}
		}
	}
}

func TestCursorEditedByteRefused(t *testing.T) {
	token := "SECRET-NEXT-TOKEN"
	c := mustEncode(t, testSigner, Position{Token: token, Page: 3, Size: 20, Skip: 2}, testFP)
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		t.Fatal(err)
	}
	for i := range raw {
		for bit := range 8 {
			edited := bytes.Clone(raw)
			edited[i] ^= 1 << bit
			e := base64.RawURLEncoding.EncodeToString(edited)
			_, err := testSigner.Decode(e, testFP)
			refused(t, err, e, token)
		}
	}
}

func TestCursorOtherKeyRefused(t *testing.T) {
	c := mustEncode(t, testSigner, Position{Token: "t", Page: 1, Size: 5}, testFP)
	for _, other := range []*Signer{NewSigner([]byte("cursor-test-key-0123456789abcdeF")), NewSigner(nil)} {
		_, err := other.Decode(c, testFP)
		refused(t, err, c, "")
		if !strings.Contains(err.Error(), "signature") {
			t.Fatalf("message %q does not mention the signature", err)
		}
		if _, _, err := other.Verify(c); !errors.Is(err, ErrInvalidCursor) {
			t.Fatal("Verify accepted a cursor signed with another key")
		}
	}
	// Signers without a key share the per-process key.
	c = mustEncode(t, NewSigner(nil), Position{Token: "t", Page: 1, Size: 5}, testFP)
	if _, err := NewSigner([]byte{}).Decode(c, testFP); err != nil {
		t.Fatal(err)
	}
}

func TestCursorOtherFingerprintRefused(t *testing.T) {
	c := mustEncode(t, testSigner, Position{Token: "t", Page: 1, Size: 5}, testFP)
	for _, fp := range [][]byte{Fingerprint("other"), nil, testFP[:31]} {
		_, err := testSigner.Decode(c, fp)
		refused(t, err, c, "")
		if !strings.Contains(err.Error(), "another query") {
			t.Fatalf("message %q does not say the cursor belongs to another query", err)
		}
	}
	// Verify does not know the query.
	if _, _, err := testSigner.Verify(c); err != nil {
		t.Fatal(err)
	}
}

func TestCursorTruncatedOrExtendedRefused(t *testing.T) {
	c := mustEncode(t, testSigner, Position{Token: "some-token", Page: 2, Size: 5, Skip: 1}, testFP)
	for n := range len(c) {
		_, err := testSigner.Decode(c[:n], testFP)
		refused(t, err, c[:n], "some-token")
	}
	for _, suffix := range []string{"A", "AA", "AAAA", "="} {
		_, err := testSigner.Decode(c+suffix, testFP)
		refused(t, err, c+suffix, "some-token")
	}
}

func TestCursorGarbageRefused(t *testing.T) {
	valid := mustEncode(t, testSigner, Position{Page: 1, Size: 5}, testFP)
	garbage := []string{
		"", " ", "garbage", "!!!!", "====", "%00", strings.Repeat("A", 100),
		valid[:20] + "\n" + valid[20:], valid + "==", " " + valid,
		base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{1}, 200)),
		base64.RawURLEncoding.EncodeToString(append([]byte{2}, make([]byte, 100)...)), // other version
	}
	for _, g := range garbage {
		_, err := testSigner.Decode(g, testFP)
		refused(t, err, g, "")
	}
}

func TestCursorOversized(t *testing.T) {
	huge := strings.Repeat("A", MaxCursorLength+1)
	_, err := testSigner.Decode(huge, testFP)
	refused(t, err, huge, "")
	if !strings.Contains(err.Error(), "longer than 8192") {
		t.Fatalf("message %q", err)
	}
	// Encode refuses a token that would make a cursor too long, and
	// accepts the longest one that fits.
	if _, err := testSigner.Encode(Position{Token: strings.Repeat("x", 6200), Page: 1, Size: 1}, testFP); err == nil {
		t.Fatal("Encode produced an oversized cursor")
	}
	c := mustEncode(t, testSigner, Position{Token: strings.Repeat("x", 6000), Page: 1, Size: 1}, testFP)
	if _, err := testSigner.Decode(c, testFP); err != nil {
		t.Fatal(err)
	}
}

func TestCursorEncodeRefusesBadPosition(t *testing.T) {
	for _, pos := range []Position{{Page: -1, Size: 1}, {Page: 1, Size: 0}, {Page: 1, Size: 1, Skip: -1}, {Page: 1 << 40, Size: 1}} {
		if _, err := testSigner.Encode(pos, testFP); err == nil {
			t.Fatalf("Encode accepted %+v", pos)
		}
	}
}

func TestFingerprint(t *testing.T) {
	distinct := [][]string{{}, {""}, {"", ""}, {"a"}, {"ab", "c"}, {"a", "bc"}, {"abc"}, {"a", "b", "c"}, {"a\x00b"}, {"a", "\x00b"}}
	seen := map[string][]string{}
	for _, parts := range distinct {
		fp := Fingerprint(parts...)
		if len(fp) != 32 {
			t.Fatalf("len %d", len(fp))
		}
		if prev, ok := seen[string(fp)]; ok {
			t.Fatalf("Fingerprint%q == Fingerprint%q", parts, prev)
		}
		seen[string(fp)] = parts
		if !bytes.Equal(fp, Fingerprint(parts...)) {
			t.Fatal("not deterministic")
		}
	}
}

var (
	fuzzSigner = NewSigner([]byte("fuzz-key-0123456789abcdef0123456"))
	fuzzOther  = NewSigner([]byte("fuzz-key-0123456789abcdef0123457"))
	fuzzFP     = Fingerprint("fuzz query")
)

// FuzzDecodeCursor checks that decoding never panics and that the only
// cursors accepted are exactly the ones Encode produces with the key.
func FuzzDecodeCursor(f *testing.F) {
	f.Add("")
	f.Add(mustEncode(f, fuzzSigner, Position{Token: "next-token", Page: 1, Size: 20}, fuzzFP))
	f.Add(mustEncode(f, fuzzSigner, Position{Page: 7, Size: 3, Skip: 2}, fuzzFP))
	f.Add(mustEncode(f, fuzzSigner, Position{Token: "t", Page: 2, Size: 5, Filled: 1, Rate: 5000, Reread: 3, Carry: "\x01x"}, fuzzFP))
	f.Fuzz(func(t *testing.T, cursor string) {
		pos, err := fuzzSigner.Decode(cursor, fuzzFP)
		page, size, verr := fuzzSigner.Verify(cursor)
		if err != nil {
			if !errors.Is(err, ErrInvalidCursor) {
				t.Fatalf("error does not match ErrInvalidCursor: %v", err)
			}
			if verr == nil && !strings.Contains(err.Error(), "another query") {
				// Verify does not check the query: it may only accept
				// a cursor that Decode refuses for that reason.
				t.Fatalf("Verify accepted what Decode refused: %v", err)
			}
			return
		}
		if verr != nil || page != pos.Page || size != pos.Size {
			t.Fatalf("Verify = %d, %d, %v for an accepted cursor %+v", page, size, verr, pos)
		}
		again, err := fuzzSigner.Encode(pos, fuzzFP)
		if err != nil || again != cursor {
			t.Fatalf("accepted cursor %q is not what Encode produces (%q, %v)", cursor, again, err)
		}
		if _, err := fuzzOther.Decode(cursor, fuzzFP); !errors.Is(err, ErrInvalidCursor) {
			t.Fatal("cursor accepted under another key")
		}
		if _, err := fuzzSigner.Decode(cursor, Fingerprint("other query")); !errors.Is(err, ErrInvalidCursor) {
			t.Fatal("cursor accepted for another query")
		}
	})
}
