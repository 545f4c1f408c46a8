package dynamosql

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// The connector's network defaults. docs/network.md explains each choice.
const (
	// DefaultMaxIdleConns is how many idle HTTP connections to DynamoDB the
	// connector's client keeps (Config.MaxIdleConns, DSN max_idle_conns).
	// The AWS SDK keeps 10 per host: a burst of more concurrent requests
	// than that closes the surplus as each request ends and dials it again
	// at the next burst, a TCP and TLS handshake each time. The connector
	// keeps every connection its load needed, up to this ceiling, until it
	// has been idle for 90 seconds (the SDK's idle timeout).
	DefaultMaxIdleConns = 1024

	// DefaultConnectTimeout bounds opening a connection: the TCP dial and
	// the TLS handshake, each (Config.ConnectTimeout, DSN connect_timeout).
	// It is the AWS SDK's "standard" defaults mode value; the SDK's legacy
	// default, which applies unless a defaults mode is chosen, waits 30 s
	// for a dial and 10 s for a handshake, long enough to stall a database
	// call for minutes through its retries when a network drops packets.
	DefaultConnectTimeout = 3100 * time.Millisecond

	// NoRetries, as Config.MaxRetries, disables the AWS SDK's retries
	// (DSN max_retries=0): every request is sent once.
	NoRetries = -1

	// SDKRetryQuota is the size of the AWS SDK's own client-side retry
	// token bucket: Config.RetryQuota = SDKRetryQuota (DSN
	// retry_quota=500) restores the SDK's behaviour. See Config.RetryQuota.
	SDKRetryQuota = int(retry.DefaultRetryRateTokens)

	// dynamoDBBaseDelay is the AWS SDK's base backoff for DynamoDB (its
	// other services use 50 ms); throttling errors back off from 1 s.
	dynamoDBBaseDelay = 25 * time.Millisecond

	// maxRetriesLimit bounds MaxRetries.
	maxRetriesLimit = 100
)

// validate checks the settings a Config holds before a client is built
// from it.
func (c *Config) validate() error {
	if c.Region != "" {
		if err := checkRegion(c.Region, "region"); err != nil {
			return err
		}
	}
	switch {
	case c.MaxRetries > maxRetriesLimit:
		return fmt.Errorf("%w: MaxRetries %d is over %d: use 0 for the default (%d), NoRetries to disable retries", ErrInvalidDSN, c.MaxRetries, maxRetriesLimit, DefaultMaxRetries)
	case c.RetryQuota < 0:
		return fmt.Errorf("%w: RetryQuota %d is negative: use 0 for no client-side retry quota or a number of tokens (the AWS SDK's is %d)", ErrInvalidDSN, c.RetryQuota, SDKRetryQuota)
	case c.MaxIdleConns < 0:
		return fmt.Errorf("%w: MaxIdleConns %d is negative: use 0 for the default (%d)", ErrInvalidDSN, c.MaxIdleConns, DefaultMaxIdleConns)
	case c.ConnectTimeout < 0:
		return fmt.Errorf("%w: ConnectTimeout %v is negative: use 0 for the default (%v)", ErrInvalidDSN, c.ConnectTimeout, DefaultConnectTimeout)
	case c.Timeout < 0:
		return fmt.Errorf("%w: Timeout %v is negative: use 0 for no bound beyond the caller's context", ErrInvalidDSN, c.Timeout)
	case c.StatementCacheSize < 0:
		return fmt.Errorf("%w: StatementCacheSize %d is negative: use 0 for the default (%d)", ErrInvalidDSN, c.StatementCacheSize, DefaultStatementCacheSize)
	}
	return nil
}

// checkRegion reports a region that cannot be an AWS region name, which
// would otherwise fail only at the first call, with an error about the
// endpoint or the signature. source names where the region came from.
// Region names are lower-case letters, digits and hyphens (us-east-1,
// us-gov-west-1); DynamoDB Local accepts any such name.
func checkRegion(region, source string) error {
	ok := region != "" && len(region) <= 63 && region[0] >= 'a' && region[0] <= 'z' && region[len(region)-1] != '-'
	for i := 0; ok && i < len(region); i++ {
		ch := region[i]
		ok = ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9' || ch == '-'
	}
	if ok {
		return nil
	}
	hint := ""
	if s := suggestRegion(region); s != "" && s != region && checkRegion(s, source) == nil {
		hint = " (did you mean " + s + "?)"
	}
	return fmt.Errorf("%w: %s %q is not an AWS region name: use lower-case letters, digits and hyphens, such as us-east-1%s", ErrInvalidDSN, source, region, hint)
}

// suggestRegion lower-cases region and joins its words with hyphens:
// "eu west 1" and "EU_WEST_1" give "eu-west-1".
func suggestRegion(region string) string {
	f := strings.FieldsFunc(strings.ToLower(region), func(r rune) bool {
		return r == ' ' || r == '_' || r == '-' || r == '.' || r == '\t'
	})
	return strings.Join(f, "-")
}

// retryAttempts returns the attempts (first included) the client makes
// per request, and whether the connector chose them (false: the user's
// own aws.Config.Retryer decides).
func (c *Config) retryAttempts(base aws.Config) (attempts int, set bool) {
	switch {
	case c.MaxRetries < 0:
		return 1, true
	case c.MaxRetries > 0:
		return c.MaxRetries + 1, true
	case base.Retryer != nil:
		return 0, false // the user's retryer, with its own attempts
	case base.RetryMaxAttempts > 0: // AWS_MAX_ATTEMPTS, max_attempts, or set by hand
		return base.RetryMaxAttempts, true
	}
	return DefaultMaxRetries + 1, true
}

// newRetryer returns the connector's retryer: the AWS SDK's standard (or,
// with mode adaptive, adaptive) retryer with DynamoDB's base backoff,
// attempts attempts, and a client-side retry quota of quota tokens, or
// none when quota is 0.
func newRetryer(mode aws.RetryMode, attempts, quota int) aws.Retryer {
	opts := func(so *retry.StandardOptions) {
		so.MaxAttempts = attempts
		so.BaseDelay = dynamoDBBaseDelay
		if quota > 0 {
			so.RateLimiter = ratelimit.NewTokenRateLimit(uint(quota))
		} else {
			so.RateLimiter = ratelimit.None
		}
	}
	if mode == aws.RetryModeAdaptive {
		return retry.NewAdaptiveMode(func(ao *retry.AdaptiveModeOptions) {
			ao.StandardOptions = append(ao.StandardOptions, opts)
		})
	}
	return retry.NewStandard(opts)
}

// clientOptions returns the client option that applies the connector's
// network and retry settings. It runs before Config.ClientOptions, which
// can override anything it sets. base is the aws.Config the client is
// built from.
func (c *Config) clientOptions(base aws.Config) func(*dynamodb.Options) {
	attempts, setAttempts := c.retryAttempts(base)
	return func(o *dynamodb.Options) {
		if c.Endpoint != "" {
			o.BaseEndpoint = aws.String(c.Endpoint)
		}
		if setAttempts {
			if base.Retryer == nil {
				o.Retryer = newRetryer(o.RetryMode, attempts, c.RetryQuota)
			}
			o.RetryMaxAttempts = attempts
		}
		o.HTTPClient = c.tuneHTTPClient(o.HTTPClient)
		o.APIOptions = append(o.APIOptions, addErrorChecksum) // checksum.go
	}
}

// tuneHTTPClient applies the connector's connection pool and connect
// timeouts to the SDK's buildable HTTP client. Each default replaces only
// a value still at the AWS SDK's default, so an aws.Config whose HTTP
// client was tuned (or a defaults mode) keeps its own values; explicit
// MaxIdleConns and ConnectTimeout apply regardless. Any other HTTP client
// (an *http.Client of the user's) is used as is.
func (c *Config) tuneHTTPClient(hc aws.HTTPClient) aws.HTTPClient {
	b, ok := hc.(*awshttp.BuildableClient)
	if !ok {
		return hc
	}
	idle, idleSet := c.MaxIdleConns, c.MaxIdleConns > 0
	if !idleSet {
		idle = DefaultMaxIdleConns
	}
	ct, ctSet := c.ConnectTimeout, c.ConnectTimeout > 0
	if !ctSet {
		ct = DefaultConnectTimeout
	}
	dialDefault := b.GetDialer().Timeout == awshttp.DefaultDialConnectTimeout
	return b.WithTransportOptions(func(tr *http.Transport) {
		if idleSet || tr.MaxIdleConnsPerHost == awshttp.DefaultHTTPTransportMaxIdleConnsPerHost {
			tr.MaxIdleConnsPerHost = idle
			if tr.MaxIdleConns != 0 && tr.MaxIdleConns < idle {
				tr.MaxIdleConns = idle
			}
		}
		if ctSet || tr.TLSHandshakeTimeout == awshttp.DefaultHTTPTransportTLSHandleshakeTimeout {
			tr.TLSHandshakeTimeout = ct
		}
		if (ctSet || dialDefault) && tr.DialContext != nil {
			// A deadline on the dial's context bounds the dial and keeps
			// the SDK's dialer (keep-alive, tracing) as it is.
			dial := tr.DialContext
			tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
				ctx, cancel := context.WithTimeout(ctx, ct)
				defer cancel()
				return dial(ctx, network, addr)
			}
		}
	})
}
