package dynamosql

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseDSN(t *testing.T) {
	cfg, err := ParseDSN("region=eu-west-1; endpoint=http://127.0.0.1:8000;akid=AK;secret_key=SK;session_token=TOK;profile=dev;" +
		"timeout=1500ms;consistent_read=true;scan=deny;parse_time=true;max_retries=5;documents=json")
	require.NoError(t, err)
	assert.Equal(t, "eu-west-1", cfg.Region)
	assert.Equal(t, "http://127.0.0.1:8000", cfg.Endpoint)
	assert.Equal(t, "AK", cfg.AccessKeyID)
	assert.Equal(t, "SK", cfg.SecretAccessKey)
	assert.Equal(t, "TOK", cfg.SessionToken)
	assert.Equal(t, "dev", cfg.Profile)
	assert.Equal(t, 1500*time.Millisecond, cfg.Timeout)
	assert.True(t, cfg.ConsistentRead)
	assert.Equal(t, ScanDeny, cfg.Scan)
	assert.True(t, cfg.ParseTime)
	assert.Equal(t, 5, cfg.MaxRetries)
	assert.True(t, cfg.JSONDocuments)
}

func TestParseDSNDefaults(t *testing.T) {
	cfg, err := ParseDSN("")
	require.NoError(t, err)
	assert.Equal(t, NewConfig(), cfg)
	assert.Equal(t, &Config{}, cfg, "the zero Config is the default configuration")
	assert.Equal(t, ScanWarn, cfg.Scan)
	assert.Equal(t, 0, cfg.MaxRetries, "0: DefaultMaxRetries at NewConnector")
}

func TestParseDSNGodynamoSpellings(t *testing.T) {
	cfg, err := ParseDSN("Region=us-east-1;AkId=AK;Secret_Key=SK;Endpoint=http://localhost:8000;TimeoutMs=2500")
	require.NoError(t, err)
	assert.Equal(t, "us-east-1", cfg.Region)
	assert.Equal(t, "AK", cfg.AccessKeyID)
	assert.Equal(t, "SK", cfg.SecretAccessKey)
	assert.Equal(t, "http://localhost:8000", cfg.Endpoint)
	assert.Equal(t, 2500*time.Millisecond, cfg.Timeout)
	cfg, err = ParseDSN("REGION=us-east-1;CONSISTENT_READ=TRUE")
	require.NoError(t, err)
	assert.True(t, cfg.ConsistentRead)
}

func TestParseDSNErrorsNameTheKey(t *testing.T) {
	for dsn, want := range map[string]string{
		"regoin=us-east-1":            `unknown key "regoin"`,
		"timeout=5":                   `timeout="5"`,
		"timeout=-1s":                 `timeout="-1s"`,
		"TimeoutMs=abc":               `TimeoutMs="abc"`,
		"consistent_read=yes please":  `consistent_read="yes please"`,
		"scan=sometimes":              `scan="sometimes"`,
		"max_retries=-2":              `max_retries="-2"`,
		"endpoint=localhost":          `endpoint="localhost"`,
		"region=a;region=b":           `key "region" is given twice`,
		"timeout=1s;TimeoutMs=5":      `given twice`,
		"documents=xml":               `documents="xml"`,
		"region":                      `has no '='`,
		`secret_key="abc`:             `unterminated double quote`,
		`=x`:                          `empty key`,
		`region="us-east-1"x`:         `unexpected text after the quoted value`,
		"parse_time=1;parse_time=0":   `given twice`,
		"akid=A;secret_access_key=S;": "",
	} {
		_, err := ParseDSN(dsn)
		if want == "" {
			assert.NoError(t, err, dsn)
			continue
		}
		require.Error(t, err, dsn)
		assert.True(t, errors.Is(err, ErrInvalidDSN), dsn)
		assert.Contains(t, err.Error(), want, dsn)
		assert.True(t, strings.HasPrefix(err.Error(), "dynamosql: "), dsn)
	}
}

func TestDSNErrorsAndStringRedactSecrets(t *testing.T) {
	const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	cfg, err := ParseDSN("region=us-east-1;akid=AKIDEXAMPLE;secret_key=" + secret + ";session_token=TOKENSECRET")
	require.NoError(t, err)
	s := cfg.String()
	assert.NotContains(t, s, secret)
	assert.NotContains(t, s, "TOKENSECRET")
	assert.Contains(t, s, "secret_key=***")
	assert.Contains(t, cfg.FormatDSN(), secret, "FormatDSN round-trips")

	for _, dsn := range []string{
		"secret_key=" + secret + ";bogus=1",
		"secret_key=" + secret + ";timeout=x",
		secret + ";region=x",
		"secret_key=" + secret + ";" + secret,
	} {
		_, err := ParseDSN(dsn)
		require.Error(t, err)
		assert.NotContains(t, err.Error(), secret, dsn)
	}
}

func TestFormatDSNRoundTrip(t *testing.T) {
	cfg := NewConfig()
	cfg.Region = "us-east-1"
	cfg.Endpoint = "http://127.0.0.1:8000/x;y"
	cfg.AccessKeyID = " spaced "
	cfg.SecretAccessKey = `has"quote;and semi`
	cfg.Timeout = 3 * time.Second
	cfg.Scan = ScanAllow
	cfg.MaxRetries = NoRetries
	cfg.RetryQuota = 800
	cfg.MaxIdleConns = 64
	cfg.ConnectTimeout = 1500 * time.Millisecond
	cfg.ParseTime = true
	got, err := ParseDSN(cfg.FormatDSN())
	require.NoError(t, err, cfg.FormatDSN())
	assert.Equal(t, cfg, got)
}

func FuzzParseDSN(f *testing.F) {
	for _, s := range []string{
		"", "region=us-east-1", "region=us-east-1;endpoint=http://127.0.0.1:8000;akid=a;secret_key=b",
		`secret_key="a;b""c"`, "Region=x;AkId=y;Secret_Key=z;TimeoutMs=100", "timeout=1h2m3s;scan=deny;max_retries=0",
		"documents=json;parse_time=true;consistent_read=1", ";;region = x ;", `profile=" p "`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, dsn string) {
		cfg, err := ParseDSN(dsn)
		if err != nil {
			return
		}
		out := cfg.FormatDSN()
		again, err := ParseDSN(out)
		if err != nil {
			t.Fatalf("ParseDSN(FormatDSN(%q)) = %q: %v", dsn, out, err)
		}
		if !reflect.DeepEqual(again, cfg) {
			t.Fatalf("round trip of %q through %q: got %+v, want %+v", dsn, out, again, cfg)
		}
		if out2 := again.FormatDSN(); out2 != out {
			t.Fatalf("FormatDSN not stable: %q then %q", out, out2)
		}
	})
}
