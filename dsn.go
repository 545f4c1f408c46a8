package dynamosql

import (
	"fmt"
	"log/slog"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// ScanPolicy says what the driver does with a SELECT that would read a whole
// table or index (a full scan) because no index matches its WHERE clause.
type ScanPolicy int

const (
	// ScanWarn runs the scan and logs one warning per distinct statement.
	// It is the default.
	ScanWarn ScanPolicy = iota
	// ScanAllow runs scans silently.
	ScanAllow
	// ScanDeny refuses scans with ErrFullScan unless the statement carries
	// the AllowScan option.
	ScanDeny
)

// String returns the DSN spelling of the policy: allow, warn or deny.
func (p ScanPolicy) String() string {
	switch p {
	case ScanAllow:
		return "allow"
	case ScanDeny:
		return "deny"
	default:
		return "warn"
	}
}

// ParseScanPolicy parses allow, warn or deny (case-insensitive).
func ParseScanPolicy(s string) (ScanPolicy, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "allow":
		return ScanAllow, nil
	case "warn", "":
		return ScanWarn, nil
	case "deny":
		return ScanDeny, nil
	}
	return ScanWarn, fmt.Errorf("%w: scan=%q: use allow, warn or deny", ErrInvalidDSN, s)
}

// DefaultMaxRetries is the number of retries (after the first attempt) a
// Config whose MaxRetries is 0 gets: three attempts in all, unless the AWS
// configuration sets max attempts (AWS_MAX_ATTEMPTS, max_attempts).
const DefaultMaxRetries = 2

// Config is the driver's configuration. Build one with NewConfig or
// ParseDSN, or as a literal: the zero Config is the default configuration
// (standard AWS configuration and credentials, scan=warn, the default
// retries, the connector's connection pool), then pass it to NewConnector.
type Config struct {
	// Region is the AWS region, such as us-east-1. Empty means the region of
	// the standard AWS configuration (AWS_REGION, shared config file).
	Region string
	// Endpoint overrides the DynamoDB endpoint URL, for example
	// http://127.0.0.1:8000 for DynamoDB Local.
	Endpoint string
	// AccessKeyID and SecretAccessKey (and SessionToken) are static
	// credentials. When both are empty the standard AWS credential chain is
	// used (environment, shared config and profile, IAM role).
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	// Profile selects a profile of the shared AWS config files.
	Profile string
	// Timeout bounds every single DynamoDB call (0: no bound beyond the
	// caller's context).
	Timeout time.Duration
	// ConsistentRead makes every SELECT a strongly consistent read.
	ConsistentRead bool
	// Scan is the full-scan policy; see ScanPolicy.
	Scan ScanPolicy
	// ParseTime makes string attributes holding RFC 3339 timestamps scan as
	// time.Time.
	ParseTime bool
	// JSONDocuments makes lists (L) and maps (M) come back as JSON []byte,
	// so they scan into *string, *[]byte and *json.RawMessage. By default
	// they come back as List and Map.
	JSONDocuments bool
	// MaxRetries is how many times the AWS SDK retries a throttled or failed
	// request after the first attempt, at most 100. 0 means the default:
	// DefaultMaxRetries, or the max attempts of the AWS configuration when
	// it sets some. NoRetries (or any negative value) disables retries;
	// in a DSN that is max_retries=0.
	MaxRetries int
	// StatementCacheSize is how many statement texts the connector keeps
	// analysed (lexed, parsed, translated, planned), least recently used
	// first out; 0 means DefaultStatementCacheSize.
	StatementCacheSize int
	// RetryQuota is the size of the client-side retry quota: a token
	// bucket shared by every request of the client, from which each retry
	// takes 5 tokens (after throttling) or 14 (after any other failure),
	// and which a request that succeeds at once refills by one. When it
	// runs out, failures are no longer retried ("retry quota exceeded")
	// until enough requests succeed again. 0 (the default) means no quota:
	// every request gets its MaxRetries, with exponential backoff; the
	// load a retrying client adds is bounded by MaxRetries and by the
	// *sql.DB's connection pool. SDKRetryQuota (500) is the AWS SDK's own
	// default. See docs/network.md. Ignored when AWSConfig has a Retryer.
	RetryQuota int
	// MaxIdleConns is how many idle HTTP connections to DynamoDB the
	// client keeps for reuse; 0 means DefaultMaxIdleConns. Connections
	// beyond it are closed when a request ends and must be opened again
	// (a TCP and TLS handshake) by the next one. Ignored when the client's
	// HTTP client is not the AWS SDK's buildable client (an *http.Client
	// given in AWSConfig or ClientOptions is used as is).
	MaxIdleConns int
	// ConnectTimeout bounds the TCP dial and the TLS handshake of a new
	// connection; 0 means DefaultConnectTimeout. Same exceptions as
	// MaxIdleConns.
	ConnectTimeout time.Duration
	// NoReadAhead turns read-ahead off: a SELECT's next page is requested
	// only when the reader has used up the current one (see the
	// NoReadAhead option). DSN: read_ahead=false.
	NoReadAhead bool
	// CountSegments is how many parallel Scan segments a COUNT(*) over a
	// whole table or index uses (see the CountSegments option), 1 to
	// MaxCountSegments; 0 means 1. DSN: count_segments.
	CountSegments int

	// Capacity is the consumed capacity the driver asks DynamoDB to
	// report with every request, for Connector.Stats and the
	// dynamosql.client.consumed_capacity metric; see CapacityMode. The
	// Capacity option and a CapacityMeter ask for it per statement or
	// context whatever this says.
	Capacity CapacityMode

	// Logger receives the driver's warnings (for example full scans under
	// ScanWarn) and, at Debug, one record per statement (its text, never
	// its values; see docs/observability.md). Nil means slog.Default().
	Logger *slog.Logger
	// TracerProvider and MeterProvider receive the driver's spans and
	// metrics (OpenTelemetry). Nil means the global providers
	// (otel.GetTracerProvider, otel.GetMeterProvider), which do nothing
	// until a program installs an SDK. Not expressible in a DSN.
	TracerProvider trace.TracerProvider
	MeterProvider  metric.MeterProvider
	// AWSConfig, when set, is the base AWS configuration for the client;
	// Region, Endpoint, credentials and MaxRetries still apply on top when
	// set, and its Retryer and HTTPClient are kept (see RetryQuota and
	// MaxIdleConns). Not expressible in a DSN.
	AWSConfig *aws.Config
	// Client, when set, is used as is: every other connection setting is
	// ignored. Not expressible in a DSN.
	Client *dynamodb.Client
	// ClientOptions are applied to the DynamoDB client the connector builds,
	// after the connector's own settings, so they override them (for
	// example an HTTP client or a retryer of your own). Not expressible in
	// a DSN.
	ClientOptions []func(*dynamodb.Options)
}

// NewConfig returns a Config with the defaults, the same as the zero
// Config: scan=warn, DefaultMaxRetries retries without a client-side retry
// quota, and the connector's connection pool and connect timeout.
func NewConfig() *Config {
	return &Config{Scan: ScanWarn}
}

// Clone returns a copy of c that shares no slices with it.
func (c *Config) Clone() *Config {
	cp := *c
	if c.ClientOptions != nil {
		cp.ClientOptions = make([]func(*dynamodb.Options), len(c.ClientOptions))
		copy(cp.ClientOptions, c.ClientOptions)
	}
	return &cp
}

// dsnKey describes one DSN key.
type dsnKey struct {
	name   string // canonical spelling
	secret bool
	set    func(c *Config, v string) error
	get    func(c *Config) (string, bool) // value, and whether it differs from the default
}

func boolKey(name string, field func(*Config) *bool) dsnKey {
	return dsnKey{
		name: name,
		set: func(c *Config, v string) error {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("%w: %s=%q is not a boolean: use true or false", ErrInvalidDSN, name, v)
			}
			*field(c) = b
			return nil
		},
		get: func(c *Config) (string, bool) {
			b := *field(c)
			return strconv.FormatBool(b), b
		},
	}
}

func stringKey(name string, secret bool, field func(*Config) *string) dsnKey {
	return dsnKey{
		name:   name,
		secret: secret,
		set:    func(c *Config, v string) error { *field(c) = v; return nil },
		get:    func(c *Config) (string, bool) { v := *field(c); return v, v != "" },
	}
}

// dsnKeys lists the keys in FormatDSN order.
var dsnKeys = []dsnKey{
	{
		name: "region",
		set: func(c *Config, v string) error {
			if v != "" {
				if err := checkRegion(v, "region"); err != nil {
					return err
				}
			}
			c.Region = v
			return nil
		},
		get: func(c *Config) (string, bool) { return c.Region, c.Region != "" },
	},
	{
		name: "endpoint",
		set: func(c *Config, v string) error {
			if v != "" {
				u, err := url.Parse(v)
				if err != nil || u.Scheme == "" || u.Host == "" {
					return fmt.Errorf("%w: endpoint=%q is not an absolute URL such as http://127.0.0.1:8000", ErrInvalidDSN, v)
				}
			}
			c.Endpoint = v
			return nil
		},
		get: func(c *Config) (string, bool) { return c.Endpoint, c.Endpoint != "" },
	},
	stringKey("akid", false, func(c *Config) *string { return &c.AccessKeyID }),
	stringKey("secret_key", true, func(c *Config) *string { return &c.SecretAccessKey }),
	stringKey("session_token", true, func(c *Config) *string { return &c.SessionToken }),
	stringKey("profile", false, func(c *Config) *string { return &c.Profile }),
	{
		name: "timeout",
		set: func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 {
				return fmt.Errorf("%w: timeout=%q is not a non-negative Go duration such as 5s or 1500ms", ErrInvalidDSN, v)
			}
			c.Timeout = d
			return nil
		},
		get: func(c *Config) (string, bool) { return c.Timeout.String(), c.Timeout != 0 },
	},
	boolKey("consistent_read", func(c *Config) *bool { return &c.ConsistentRead }),
	{
		name: "scan",
		set: func(c *Config, v string) error {
			p, err := ParseScanPolicy(v)
			if err != nil {
				return err
			}
			c.Scan = p
			return nil
		},
		get: func(c *Config) (string, bool) { return c.Scan.String(), c.Scan != ScanWarn },
	},
	boolKey("parse_time", func(c *Config) *bool { return &c.ParseTime }),
	{
		name: "capacity",
		set: func(c *Config, v string) error {
			m, err := ParseCapacityMode(v)
			if err != nil {
				return err
			}
			c.Capacity = m
			return nil
		},
		get: func(c *Config) (string, bool) { return c.Capacity.String(), c.Capacity != CapacityNone },
	},
	{
		name: "documents",
		set: func(c *Config, v string) error {
			switch strings.ToLower(v) {
			case "native":
				c.JSONDocuments = false
			case "json":
				c.JSONDocuments = true
			default:
				return fmt.Errorf("%w: documents=%q: use native or json", ErrInvalidDSN, v)
			}
			return nil
		},
		get: func(c *Config) (string, bool) {
			if c.JSONDocuments {
				return "json", true
			}
			return "native", false
		},
	},
	{
		name: "max_retries",
		set: func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > maxRetriesLimit {
				return fmt.Errorf("%w: max_retries=%q is not an integer between 0 and 100", ErrInvalidDSN, v)
			}
			if n == 0 {
				n = NoRetries
			}
			c.MaxRetries = n
			return nil
		},
		get: func(c *Config) (string, bool) {
			return strconv.Itoa(max(c.MaxRetries, 0)), c.MaxRetries != 0
		},
	},
	{
		name: "retry_quota",
		set: func(c *Config, v string) error {
			if strings.EqualFold(v, "none") {
				c.RetryQuota = 0
				return nil
			}
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return fmt.Errorf("%w: retry_quota=%q: use none (no client-side retry quota, the default) or a number of tokens such as 500 (the AWS SDK's)", ErrInvalidDSN, v)
			}
			c.RetryQuota = n
			return nil
		},
		get: func(c *Config) (string, bool) { return strconv.Itoa(c.RetryQuota), c.RetryQuota != 0 },
	},
	{
		name: "max_idle_conns",
		set: func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return fmt.Errorf("%w: max_idle_conns=%q is not a positive integer (the default is %d)", ErrInvalidDSN, v, DefaultMaxIdleConns)
			}
			c.MaxIdleConns = n
			return nil
		},
		get: func(c *Config) (string, bool) { return strconv.Itoa(c.MaxIdleConns), c.MaxIdleConns != 0 },
	},
	{
		name: "connect_timeout",
		set: func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return fmt.Errorf("%w: connect_timeout=%q is not a positive Go duration such as 3s or 500ms", ErrInvalidDSN, v)
			}
			c.ConnectTimeout = d
			return nil
		},
		get: func(c *Config) (string, bool) { return c.ConnectTimeout.String(), c.ConnectTimeout != 0 },
	},
	{
		name: "read_ahead",
		set: func(c *Config, v string) error {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("%w: read_ahead=%q is not a boolean: use true (the default) or false", ErrInvalidDSN, v)
			}
			c.NoReadAhead = !b
			return nil
		},
		get: func(c *Config) (string, bool) { return strconv.FormatBool(!c.NoReadAhead), c.NoReadAhead },
	},
	{
		name: "count_segments",
		set: func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > MaxCountSegments {
				return fmt.Errorf("%w: count_segments=%q is not an integer between 1 (the default) and %d", ErrInvalidDSN, v, MaxCountSegments)
			}
			c.CountSegments = n
			return nil
		},
		get: func(c *Config) (string, bool) { return strconv.Itoa(c.CountSegments), c.CountSegments > 1 },
	},
	{
		name: "statement_cache",
		set: func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 1<<20 {
				return fmt.Errorf("%w: statement_cache=%q is not an integer between 0 (the default, %d) and 1048576", ErrInvalidDSN, v, DefaultStatementCacheSize)
			}
			c.StatementCacheSize = n
			return nil
		},
		get: func(c *Config) (string, bool) {
			return strconv.Itoa(c.StatementCacheSize), c.StatementCacheSize != 0
		},
	},
}

// dsnAliases maps lower-cased spellings, including godynamo's, onto
// canonical keys.
var dsnAliases = map[string]string{
	"access_key_id":     "akid",
	"aws_access_key_id": "akid",
	"secretkey":         "secret_key",
	"secret_access_key": "secret_key",
	"sessiontoken":      "session_token",
	"consistentread":    "consistent_read",
	"parsetime":         "parse_time",
	"maxretries":        "max_retries",
	"retryquota":        "retry_quota",
	"maxidleconns":      "max_idle_conns",
	"connecttimeout":    "connect_timeout",
	"readahead":         "read_ahead",
	"countsegments":     "count_segments",
}

var dsnKeyIndex = func() map[string]*dsnKey {
	m := make(map[string]*dsnKey, len(dsnKeys))
	for i := range dsnKeys {
		m[dsnKeys[i].name] = &dsnKeys[i]
	}
	return m
}()

// ParseDSN parses a data source name of the form
//
//	region=us-east-1;endpoint=http://127.0.0.1:8000;akid=...;secret_key=...
//
// Keys are case-insensitive; godynamo's spellings (Region, AkId, Secret_Key,
// Endpoint, TimeoutMs) are accepted too. A value that contains ';' or '"',
// or starts or ends with a space, is written in double quotes with '"'
// doubled. Unknown keys, repeated keys and bad values give an error naming
// the key; errors never contain secret values.
func ParseDSN(dsn string) (*Config, error) {
	cfg := NewConfig()
	seen := make(map[string]bool)
	i := 0
	for i < len(dsn) {
		// Key.
		eq := strings.IndexByte(dsn[i:], '=')
		semi := strings.IndexByte(dsn[i:], ';')
		if semi >= 0 && (eq < 0 || semi < eq) {
			// A pair without '=' (or an empty element).
			part := strings.TrimSpace(dsn[i : i+semi])
			if part != "" {
				return nil, fmt.Errorf("%w: %q has no '=': use key=value pairs separated by ';'", ErrInvalidDSN, redactKeyOnly(part))
			}
			i += semi + 1
			continue
		}
		if eq < 0 {
			part := strings.TrimSpace(dsn[i:])
			if part != "" {
				return nil, fmt.Errorf("%w: %q has no '=': use key=value pairs separated by ';'", ErrInvalidDSN, redactKeyOnly(part))
			}
			break
		}
		rawKey := strings.TrimSpace(dsn[i : i+eq])
		i += eq + 1
		// Value: quoted or up to the next ';'.
		var val string
		j := i
		for j < len(dsn) && dsn[j] == ' ' {
			j++
		}
		if j < len(dsn) && dsn[j] == '"' {
			var b strings.Builder
			j++
			closed := false
			for j < len(dsn) {
				if dsn[j] == '"' {
					if j+1 < len(dsn) && dsn[j+1] == '"' {
						b.WriteByte('"')
						j += 2
						continue
					}
					closed = true
					j++
					break
				}
				b.WriteByte(dsn[j])
				j++
			}
			if !closed {
				return nil, fmt.Errorf("%w: the value of %q has an unterminated double quote", ErrInvalidDSN, rawKey)
			}
			for j < len(dsn) && dsn[j] == ' ' {
				j++
			}
			if j < len(dsn) && dsn[j] != ';' {
				return nil, fmt.Errorf("%w: unexpected text after the quoted value of %q", ErrInvalidDSN, rawKey)
			}
			val = b.String()
			i = j
		} else {
			end := strings.IndexByte(dsn[i:], ';')
			if end < 0 {
				end = len(dsn) - i
			}
			val = strings.TrimSpace(dsn[i : i+end])
			i += end
		}
		if i < len(dsn) && dsn[i] == ';' {
			i++
		}
		if err := cfg.set(rawKey, val, seen); err != nil {
			return nil, err
		}
	}
	return cfg, nil
}

// redactKeyOnly keeps a malformed DSN element out of error messages when it
// might be a secret: only its first characters are shown.
func redactKeyOnly(s string) string {
	if len(s) > 12 {
		return s[:4] + "..."
	}
	return s
}

func (c *Config) set(rawKey, val string, seen map[string]bool) error {
	if rawKey == "" {
		return fmt.Errorf("%w: empty key before '='", ErrInvalidDSN)
	}
	lk := strings.ToLower(rawKey)
	if lk == "timeoutms" { // godynamo
		if seen["timeout"] {
			return fmt.Errorf("%w: key %q is given twice (timeout and TimeoutMs are the same setting)", ErrInvalidDSN, rawKey)
		}
		seen["timeout"] = true
		ms, err := strconv.ParseInt(val, 10, 64)
		if err != nil || ms < 0 {
			return fmt.Errorf("%w: TimeoutMs=%q is not a non-negative number of milliseconds", ErrInvalidDSN, val)
		}
		c.Timeout = time.Duration(ms) * time.Millisecond
		return nil
	}
	if a, ok := dsnAliases[lk]; ok {
		lk = a
	}
	k, ok := dsnKeyIndex[lk]
	if !ok {
		names := make([]string, 0, len(dsnKeys))
		for _, k := range dsnKeys {
			names = append(names, k.name)
		}
		sort.Strings(names)
		return fmt.Errorf("%w: unknown key %q: known keys are %s", ErrInvalidDSN, rawKey, strings.Join(names, ", "))
	}
	if seen[k.name] {
		return fmt.Errorf("%w: key %q is given twice", ErrInvalidDSN, k.name)
	}
	seen[k.name] = true
	return k.set(c, val)
}

// FormatDSN formats c as a DSN that ParseDSN turns back into an equal
// Config (settings that a DSN cannot express, such as Logger or Client, are
// left out). The result contains the secret key: never log it; use String
// for display.
func (c *Config) FormatDSN() string {
	return c.format(false)
}

// String returns the DSN with secrets replaced by "***", safe for logs. It
// has a value receiver so that a Config value printed with %v or %+v is
// redacted too.
func (c Config) String() string {
	return c.format(true)
}

// GoString returns the redacted DSN for %#v, which would otherwise print
// the secret key and session token.
func (c Config) GoString() string {
	return "dynamosql.Config(" + strconv.Quote(c.String()) + ")"
}

func (c *Config) format(redact bool) string {
	var b strings.Builder
	for _, k := range dsnKeys {
		v, nonDefault := k.get(c)
		if !nonDefault {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(';')
		}
		b.WriteString(k.name)
		b.WriteByte('=')
		if redact && k.secret {
			b.WriteString("***")
			continue
		}
		b.WriteString(quoteDSNValue(v))
	}
	return b.String()
}

func quoteDSNValue(v string) string {
	if v == "" || (!strings.ContainsAny(v, ";\"") && strings.TrimSpace(v) == v) {
		if v == "" {
			return `""`
		}
		return v
	}
	return `"` + strings.ReplaceAll(v, `"`, `""`) + `"`
}
