package dynamosql

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testConfig is a Config that needs nothing from the environment.
func testConfig() *Config {
	return &Config{Region: "us-east-1", Endpoint: "http://127.0.0.1:1", AccessKeyID: "x", SecretAccessKey: "y"}
}

// clientOf builds the connector of cfg and returns its client's options.
func clientOf(t *testing.T, cfg *Config) dynamodb.Options {
	t.Helper()
	c, err := NewConnector(cfg)
	require.NoError(t, err)
	return c.Client().Options()
}

// transportOf returns a copy of the transport of the buildable HTTP client
// of opts.
func transportOf(t *testing.T, opts dynamodb.Options) *http.Transport {
	t.Helper()
	b, ok := opts.HTTPClient.(*awshttp.BuildableClient)
	require.True(t, ok, "HTTP client %T is not the SDK's buildable client", opts.HTTPClient)
	return b.GetTransport()
}

func TestParseDSNNetworkKeys(t *testing.T) {
	cfg, err := ParseDSN("region=us-east-1;max_retries=0;retry_quota=500;max_idle_conns=64;connect_timeout=750ms")
	require.NoError(t, err)
	assert.Equal(t, NoRetries, cfg.MaxRetries, "max_retries=0 disables retries")
	assert.Equal(t, SDKRetryQuota, cfg.RetryQuota)
	assert.Equal(t, 64, cfg.MaxIdleConns)
	assert.Equal(t, 750*time.Millisecond, cfg.ConnectTimeout)
	assert.Equal(t, "region=us-east-1;max_retries=0;retry_quota=500;max_idle_conns=64;connect_timeout=750ms", cfg.FormatDSN())

	cfg, err = ParseDSN("retry_quota=none;MaxRetries=4;MaxIdleConns=2;ConnectTimeout=2s")
	require.NoError(t, err)
	assert.Equal(t, 0, cfg.RetryQuota)
	assert.Equal(t, 4, cfg.MaxRetries)
	assert.Equal(t, 2, cfg.MaxIdleConns)
	assert.Equal(t, 2*time.Second, cfg.ConnectTimeout)

	for dsn, want := range map[string]string{
		"retry_quota=lots":       `retry_quota="lots": use none`,
		"retry_quota=-1":         `retry_quota="-1"`,
		"max_idle_conns=0":       `max_idle_conns="0" is not a positive integer`,
		"max_idle_conns=many":    `max_idle_conns="many"`,
		"connect_timeout=0s":     `connect_timeout="0s" is not a positive Go duration`,
		"connect_timeout=3":      `connect_timeout="3"`,
		"max_retries=101":        `max_retries="101" is not an integer between 0 and 100`,
		"region=eu west 1":       `region "eu west 1" is not an AWS region name: use lower-case letters, digits and hyphens, such as us-east-1 (did you mean eu-west-1?)`,
		"region=EU_WEST_1":       `(did you mean eu-west-1?)`,
		"region=us-east-1.":      `(did you mean us-east-1?)`,
		"region=-x":              `region "-x" is not an AWS region name`,
		"region=eu-west-1-":      `region "eu-west-1-"`,
		"region=https://foo.com": `region "https://foo.com" is not an AWS region name`,
	} {
		_, err := ParseDSN(dsn)
		require.Error(t, err, dsn)
		assert.ErrorIs(t, err, ErrInvalidDSN, dsn)
		assert.Contains(t, err.Error(), want, dsn)
	}
	for _, region := range []string{"us-east-1", "us-gov-west-1", "cn-north-1", "eu-isoe-west-1", "localhost", "x"} {
		_, err := ParseDSN("region=" + region)
		assert.NoError(t, err, region)
	}
}

func TestNewConnectorRefusesImpossibleSettings(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  func(*Config)
		want string
	}{
		{"malformed region", func(c *Config) { c.Region = "eu west 1" }, `region "eu west 1" is not an AWS region name`},
		{"too many retries", func(c *Config) { c.MaxRetries = 1000 }, "MaxRetries 1000 is over 100"},
		{"negative quota", func(c *Config) { c.RetryQuota = -5 }, "RetryQuota -5 is negative"},
		{"negative idle connections", func(c *Config) { c.MaxIdleConns = -1 }, "MaxIdleConns -1 is negative"},
		{"negative connect timeout", func(c *Config) { c.ConnectTimeout = -time.Second }, "ConnectTimeout -1s is negative"},
		{"negative timeout", func(c *Config) { c.Timeout = -time.Second }, "Timeout -1s is negative"},
		{"negative statement cache", func(c *Config) { c.StatementCacheSize = -1 }, "StatementCacheSize -1 is negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig()
			tc.set(cfg)
			_, err := NewConnector(cfg)
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalidDSN)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestMalformedRegionFromTheEnvironmentFailsAtNewConnector(t *testing.T) {
	t.Setenv("AWS_REGION", "us east 1")
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
	cfg := testConfig()
	cfg.Region = ""
	_, err := NewConnector(cfg)
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrInvalidDSN)
	assert.Contains(t, err.Error(), `the region of the AWS configuration (AWSConfig, AWS_REGION or the shared config file) "us east 1" is not an AWS region name`)
	assert.Contains(t, err.Error(), "did you mean us-east-1?")

	// A region given in the Config replaces the environment's.
	cfg.Region = "us-east-1"
	_, err = NewConnector(cfg)
	assert.NoError(t, err)
}

func TestZeroConfigRetries(t *testing.T) {
	for _, tc := range []struct {
		name       string
		maxRetries int
		attempts   int
	}{
		{"zero value: the default", 0, DefaultMaxRetries + 1},
		{"explicit", 5, 6},
		{"NoRetries", NoRetries, 1},
		{"any negative value", -7, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig()
			cfg.MaxRetries = tc.maxRetries
			opts := clientOf(t, cfg)
			assert.Equal(t, tc.attempts, opts.RetryMaxAttempts)
			assert.Equal(t, tc.attempts, opts.Retryer.MaxAttempts())
		})
	}
}

func TestMaxAttemptsOfTheAWSConfiguration(t *testing.T) {
	t.Setenv("AWS_MAX_ATTEMPTS", "6")
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
	opts := clientOf(t, testConfig())
	assert.Equal(t, 6, opts.Retryer.MaxAttempts(), "MaxRetries 0 takes AWS_MAX_ATTEMPTS")

	cfg := testConfig()
	cfg.MaxRetries = 1
	opts = clientOf(t, cfg)
	assert.Equal(t, 2, opts.Retryer.MaxAttempts(), "an explicit MaxRetries wins")
}

// spend takes retry tokens from r after a failure that is not throttling
// until it refuses one, at most limit times, and returns how many it got
// and the refusal.
func spend(r aws.Retryer, limit int) (int, error) {
	failure := errors.New("connection reset by peer")
	for i := range limit {
		if _, err := r.GetRetryToken(context.Background(), failure); err != nil {
			return i, err
		}
	}
	return limit, nil
}

func TestRetryQuota(t *testing.T) {
	// Without a quota (the default) retries are never refused.
	got, err := spend(newRetryer(aws.RetryModeStandard, 3, 0), 10_000)
	assert.NoError(t, err)
	assert.Equal(t, 10_000, got)

	// With the SDK's quota, 500 tokens at 14 per retry: 35 retries.
	got, err = spend(newRetryer(aws.RetryModeStandard, 3, SDKRetryQuota), 10_000)
	var quota ratelimit.QuotaExceededError
	require.ErrorAs(t, err, &quota)
	assert.Equal(t, 35, got)

	// The same through a connector's client, whose retryer is wrapped by
	// the SDK (max attempts), and in adaptive mode.
	cfg := testConfig()
	got, err = spend(clientOf(t, cfg).Retryer, 10_000)
	assert.NoError(t, err)
	assert.Equal(t, 10_000, got)
	cfg.RetryQuota = 140
	got, err = spend(clientOf(t, cfg).Retryer, 10_000)
	require.ErrorAs(t, err, &quota)
	assert.Equal(t, 10, got)
	cfg.RetryQuota = 0
	cfg.AWSConfig = &aws.Config{Region: "us-east-1", RetryMode: aws.RetryModeAdaptive}
	opts := clientOf(t, cfg)
	assert.Equal(t, DefaultMaxRetries+1, opts.Retryer.MaxAttempts())
	got, err = spend(opts.Retryer, 10_000)
	assert.NoError(t, err)
	assert.Equal(t, 10_000, got)
}

func TestUserRetryerWins(t *testing.T) {
	mine := retry.NewStandard(func(so *retry.StandardOptions) { so.MaxAttempts = 9 })
	cfg := testConfig()
	cfg.AWSConfig = &aws.Config{Region: "us-east-1", Retryer: func() aws.Retryer { return mine }}
	opts := clientOf(t, cfg)
	assert.Same(t, mine, opts.Retryer, "AWSConfig.Retryer is kept as is")

	// An explicit MaxRetries still bounds its attempts.
	cfg.MaxRetries = 1
	opts = clientOf(t, cfg)
	assert.Equal(t, 2, opts.Retryer.MaxAttempts())

	// ClientOptions run last.
	cfg = testConfig()
	cfg.ClientOptions = append(cfg.ClientOptions, func(o *dynamodb.Options) { o.Retryer = mine })
	opts = clientOf(t, cfg)
	_, err := spend(opts.Retryer, 1000)
	var quota ratelimit.QuotaExceededError
	assert.ErrorAs(t, err, &quota, "the user's retryer (the SDK's quota) is the one used")
}

func TestHTTPClientDefaults(t *testing.T) {
	tr := transportOf(t, clientOf(t, testConfig()))
	assert.Equal(t, DefaultMaxIdleConns, tr.MaxIdleConnsPerHost)
	assert.GreaterOrEqual(t, tr.MaxIdleConns, DefaultMaxIdleConns)
	assert.Equal(t, DefaultConnectTimeout, tr.TLSHandshakeTimeout)
	assert.Equal(t, awshttp.DefaultHTTPTransportIdleConnTimeout, tr.IdleConnTimeout, "the SDK's idle timeout is kept")

	cfg := testConfig()
	cfg.MaxIdleConns, cfg.ConnectTimeout = 32, time.Second
	tr = transportOf(t, clientOf(t, cfg))
	assert.Equal(t, 32, tr.MaxIdleConnsPerHost)
	assert.Equal(t, time.Second, tr.TLSHandshakeTimeout)
}

func TestConnectTimeoutBoundsTheDial(t *testing.T) {
	// The user's buildable client with a dial function that records its
	// context: the connector keeps the function and bounds its context.
	deadlines := make(chan time.Time, 1)
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		d, _ := ctx.Deadline()
		deadlines <- d
		return nil, errors.New("recorded")
	}
	cfg := testConfig()
	cfg.ConnectTimeout = 200 * time.Millisecond
	cfg.AWSConfig = &aws.Config{Region: "us-east-1", HTTPClient: awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) { tr.DialContext = dial })}
	tr := transportOf(t, clientOf(t, cfg))
	before := time.Now()
	_, err := tr.DialContext(context.Background(), "tcp", "127.0.0.1:1")
	require.EqualError(t, err, "recorded")
	d := <-deadlines
	require.False(t, d.IsZero(), "the dial has no deadline")
	assert.WithinDuration(t, before.Add(200*time.Millisecond), d, 150*time.Millisecond)
}

func TestUserHTTPClientWins(t *testing.T) {
	// A buildable client with its own pool size and timeouts keeps them.
	cfg := testConfig()
	cfg.AWSConfig = &aws.Config{Region: "us-east-1", HTTPClient: awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
		tr.MaxIdleConnsPerHost = 7
		tr.TLSHandshakeTimeout = 4 * time.Second
	})}
	tr := transportOf(t, clientOf(t, cfg))
	assert.Equal(t, 7, tr.MaxIdleConnsPerHost)
	assert.Equal(t, 4*time.Second, tr.TLSHandshakeTimeout)

	// A defaults mode's timeouts are kept.
	cfg.AWSConfig = &aws.Config{Region: "us-east-1", DefaultsMode: aws.DefaultsModeInRegion}
	tr = transportOf(t, clientOf(t, cfg))
	assert.Equal(t, 1100*time.Millisecond, tr.TLSHandshakeTimeout)
	assert.Equal(t, DefaultMaxIdleConns, tr.MaxIdleConnsPerHost)

	// An *http.Client of the user's is used as is.
	mine := &http.Client{Timeout: time.Minute}
	cfg.AWSConfig = &aws.Config{Region: "us-east-1", HTTPClient: mine}
	assert.Same(t, mine, clientOf(t, cfg).HTTPClient)

	// So is one set through ClientOptions, which run last.
	cfg = testConfig()
	cfg.ClientOptions = append(cfg.ClientOptions, func(o *dynamodb.Options) { o.HTTPClient = mine })
	assert.Same(t, mine, clientOf(t, cfg).HTTPClient)

	// A Client given as is is not touched at all.
	raw := dynamodb.New(dynamodb.Options{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("x", "y", "")})
	c, err := NewConnector(&Config{Client: raw, Region: "not validated: the client is used as is"})
	require.NoError(t, err)
	assert.Same(t, raw, c.Client())
	b := c.Client().Options().HTTPClient.(*awshttp.BuildableClient)
	assert.Equal(t, awshttp.DefaultHTTPTransportMaxIdleConnsPerHost, b.GetTransport().MaxIdleConnsPerHost)
}

func TestSuggestRegion(t *testing.T) {
	for in, want := range map[string]string{
		"eu west 1": "eu-west-1", "EU_WEST_1": "eu-west-1", " us-east-1 ": "us-east-1", "ap--south--1": "ap-south-1",
	} {
		assert.Equal(t, want, suggestRegion(in), in)
	}
	assert.False(t, strings.Contains(checkRegion("!!!", "region").Error(), "did you mean"), "no suggestion when none is valid")
}
