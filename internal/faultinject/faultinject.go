// Package faultinject is a test-only http.RoundTripper that injects the
// faults DynamoDB Local never produces: HTTP 5xx answers, throttling,
// connection resets, responses lost after DynamoDB applied the request,
// bodies that break off, latency, transactions cancelled for a conflict,
// batch statements reported as throttled and batch writes returning some
// write requests as UnprocessedItems.
//
// Install it on the driver's client through Config.ClientOptions:
//
//	ft := faultinject.New(nil)
//	ft.Inject(faultinject.Rule{Op: "ExecuteTransaction", Times: 1, Fault: faultinject.DropResponse()})
//	cfg.ClientOptions = append(cfg.ClientOptions, ft.ClientOption())
//
// Rules are tried in the order they were added; the first rule that matches
// a request and still has faults to give injects one fault into it. Each
// request gets at most one fault. Every request and every injected fault is
// counted, by operation and by kind.
package faultinject

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/dynamosql/dynamosql/internal/partiql"
)

// Kind is a kind of fault.
type Kind int

// The kinds of fault.
const (
	// KindStatus answers with an HTTP 5xx status and a DynamoDB error body;
	// nothing is forwarded.
	KindStatus Kind = iota + 1
	// KindThrottle answers with HTTP 400 and a throttling error body
	// (ProvisionedThroughputExceededException, ThrottlingException or
	// RequestLimitExceeded); nothing is forwarded.
	KindThrottle
	// KindReset fails with a connection reset before anything is sent.
	KindReset
	// KindDropResponse forwards the request, so DynamoDB applies it, then
	// loses the response: the round trip fails with a connection reset.
	KindDropResponse
	// KindBreakBody forwards the request and returns DynamoDB's status and
	// headers with a body that breaks off halfway (io.ErrUnexpectedEOF).
	KindBreakBody
	// KindLatency waits before forwarding the request.
	KindLatency
	// KindTxCanceled answers an ExecuteTransaction with a
	// TransactionCanceledException carrying the given reasons; nothing is
	// forwarded.
	KindTxCanceled
	// KindBatchThrottle marks statements of a BatchExecuteStatement as
	// throttled (per-statement error ThrottlingError). The throttled
	// statements are removed from the request before it is forwarded, so,
	// as with DynamoDB, they are not applied; the others are.
	KindBatchThrottle
	// KindError answers with any DynamoDB error (status, code, message);
	// nothing is forwarded.
	KindError
	// KindUnprocessed returns write requests of a BatchWriteItem as
	// UnprocessedItems, as DynamoDB does when it throttles part of a batch
	// write. The chosen write requests are removed from the request before
	// it is forwarded, so they are not applied; the others are.
	KindUnprocessed
	// KindRefuse fails the round trip as a connection that could not be
	// made (connection refused): nothing is sent, as during an outage.
	KindRefuse
)

var kindNames = map[Kind]string{
	KindStatus:        "status",
	KindThrottle:      "throttle",
	KindReset:         "reset",
	KindDropResponse:  "drop-response",
	KindBreakBody:     "break-body",
	KindLatency:       "latency",
	KindTxCanceled:    "tx-canceled",
	KindBatchThrottle: "batch-throttle",
	KindError:         "error",
	KindUnprocessed:   "unprocessed",
	KindRefuse:        "refuse",
}

// String returns a short name of k.
func (k Kind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Fault is one fault to inject. Build it with the constructors (Status,
// Throttling, Reset, DropResponse, BreakBody, Latency, CancelTx,
// ThrottleBatch, ThrottleBatchRate, UnprocessBatch, UnprocessBatchRate,
// Error, Refuse).
type Fault struct {
	// Kind is the kind of fault.
	Kind Kind
	// Status is the HTTP status of KindStatus (500 when 0) and KindError.
	Status int
	// Code is the error code of KindThrottle
	// (ProvisionedThroughputExceededException when "") and KindError.
	Code string
	// Message is the error message of KindError.
	Message string
	// Delay is the wait of KindLatency.
	Delay time.Duration
	// Reasons are the cancellation reason codes of KindTxCanceled, one per
	// statement in order; statements beyond the list get "None".
	Reasons []string
	// Statements are the 0-based statement indexes KindBatchThrottle
	// throttles, or the 0-based write request indexes KindUnprocessed
	// returns unprocessed (see UnprocessBatch for the order); nil picks
	// every statement or write request.
	Statements []int
	// Units is the capacity units per statement of KindCapacity (see
	// ReportCapacity).
	Units float64
	// StatementRate, between 0 and 1 exclusive, makes KindBatchThrottle
	// and KindUnprocessed pick each of the statements or write requests
	// that Statements names at random with that probability, drawn from the
	// transport's seeded source (see ThrottleBatchRate, UnprocessBatchRate).
	StatementRate float64
}

// Status returns a fault answering with HTTP status code (500, 503, ...).
func Status(code int) Fault { return Fault{Kind: KindStatus, Status: code} }

// Throttling returns a fault answering with the throttling error code:
// "ProvisionedThroughputExceededException" (when ""), "ThrottlingException"
// or "RequestLimitExceeded".
func Throttling(code string) Fault { return Fault{Kind: KindThrottle, Code: code} }

// Reset returns a fault failing with a connection reset before sending.
func Reset() Fault { return Fault{Kind: KindReset} }

// DropResponse returns a fault that forwards the request and then loses
// the response (connection reset after DynamoDB applied the request).
func DropResponse() Fault { return Fault{Kind: KindDropResponse} }

// BreakBody returns a fault that forwards the request and breaks the
// response body off halfway.
func BreakBody() Fault { return Fault{Kind: KindBreakBody} }

// Latency returns a fault that waits d before forwarding the request.
func Latency(d time.Duration) Fault { return Fault{Kind: KindLatency, Delay: d} }

// CancelTx returns a fault answering an ExecuteTransaction with a
// TransactionCanceledException whose reasons are reasons, in statement
// order ("TransactionConflict", "ConditionalCheckFailed", "None", ...).
func CancelTx(reasons ...string) Fault { return Fault{Kind: KindTxCanceled, Reasons: reasons} }

// ThrottleBatch returns a fault marking the statements at indexes of a
// BatchExecuteStatement as throttled; no index throttles them all.
func ThrottleBatch(indexes ...int) Fault {
	return Fault{Kind: KindBatchThrottle, Statements: indexes}
}

// ThrottleBatchRate returns a fault marking each statement of a
// BatchExecuteStatement as throttled with probability rate (between 0 and
// 1 exclusive), drawn from the transport's seeded source.
func ThrottleBatchRate(rate float64) Fault {
	return Fault{Kind: KindBatchThrottle, StatementRate: rate}
}

// UnprocessBatch returns a fault that makes a BatchWriteItem return the
// write requests at indexes as UnprocessedItems, without applying them; no
// index picks them all. The write requests are numbered from 0 in the order
// of their tables' names, sorted ascending, then in each table's order.
// The other write requests are forwarded (nothing is when none remains) and
// the answer is DynamoDB's (ConsumedCapacity and all), with the picked
// write requests added to its UnprocessedItems after any DynamoDB returned
// itself; an answer with a status other than 200 is returned unchanged.
func UnprocessBatch(indexes ...int) Fault {
	return Fault{Kind: KindUnprocessed, Statements: indexes}
}

// UnprocessBatchRate returns a fault that makes a BatchWriteItem return
// each of its write requests as unprocessed with probability rate (between
// 0 and 1 exclusive), drawn from the transport's seeded source; see
// UnprocessBatch.
func UnprocessBatchRate(rate float64) Fault {
	return Fault{Kind: KindUnprocessed, StatementRate: rate}
}

// Error returns a fault answering with HTTP status and a DynamoDB error
// whose code is code (such as "ValidationException") and message msg.
func Error(status int, code, msg string) Fault {
	return Fault{Kind: KindError, Status: status, Code: code, Message: msg}
}

// Refuse fails the request as a connection refused: nothing is sent.
func Refuse() Fault { return Fault{Kind: KindRefuse} }

// Rule says which requests get a fault.
type Rule struct {
	// Op is the DynamoDB operation ("ExecuteTransaction",
	// "ExecuteStatement", ...), read from the X-Amz-Target header; "" matches
	// every operation.
	Op string
	// Match, when set, must also return true for the request; body is the
	// request's JSON body.
	Match func(op string, body []byte) bool
	// Skip lets the first Skip matching requests through untouched.
	Skip int
	// Times bounds the faults this rule injects; 0 means no bound.
	Times int
	// Rate, between 0 and 1 exclusive, injects into a matching request at
	// random with that probability, drawn from the transport's seeded
	// source; 0 (or 1) injects into every matching request.
	Rate float64
	// Fault is the fault to inject.
	Fault Fault
}

type rule struct {
	Rule
	seen     int
	injected int
}

// Transport is an http.RoundTripper that injects faults. It is safe for
// concurrent use.
type Transport struct {
	base http.RoundTripper

	mu       sync.Mutex
	rules    []*rule
	rnd      *rand.Rand
	injected map[Kind]int
	requests map[string]int
	observe  []func(op string, body []byte)
	capacity capacityLedger // capacity.go
}

var _ http.RoundTripper = (*Transport)(nil)

// DefaultSeed seeds the random source of a new Transport.
const DefaultSeed = 1

// New returns a transport that forwards to base (a clone of
// http.DefaultTransport with room for many idle connections when nil) and
// injects nothing until rules are added.
func New(base http.RoundTripper) *Transport {
	if base == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConns = 256
		tr.MaxIdleConnsPerHost = 256
		base = tr
	}
	return &Transport{
		base:     base,
		rnd:      rand.New(rand.NewPCG(DefaultSeed, DefaultSeed)),
		injected: make(map[Kind]int),
		requests: make(map[string]int),
	}
}

// Seed reseeds the random source that rules with a Rate draw from, and
// returns t.
func (t *Transport) Seed(seed uint64) *Transport {
	t.mu.Lock()
	t.rnd = rand.New(rand.NewPCG(seed, seed))
	t.mu.Unlock()
	return t
}

// Inject adds a rule and returns t.
func (t *Transport) Inject(r Rule) *Transport {
	t.mu.Lock()
	t.rules = append(t.rules, &rule{Rule: r})
	t.mu.Unlock()
	return t
}

// Clear removes every rule; counts are kept.
func (t *Transport) Clear() {
	t.mu.Lock()
	t.rules = nil
	t.mu.Unlock()
}

// Observe calls fn for every request before any fault, with the operation
// and the request's body. fn must be safe for concurrent use and must not
// keep body after it returns without copying it.
func (t *Transport) Observe(fn func(op string, body []byte)) *Transport {
	t.mu.Lock()
	t.observe = append(t.observe, fn)
	t.mu.Unlock()
	return t
}

// Injected returns how many faults of kind k were injected: how many
// requests got a fault of that kind. A KindBatchThrottle or KindUnprocessed
// fault counts once for its request, however many statements or write
// requests it picked, even none (a StatementRate may pick none).
func (t *Transport) Injected(k Kind) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.injected[k]
}

// TotalInjected returns how many faults were injected, of any kind.
func (t *Transport) TotalInjected() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for _, v := range t.injected {
		n += v
	}
	return n
}

// Requests returns how many requests for operation op reached the
// transport (with or without a fault); "" counts every operation.
func (t *Transport) Requests(op string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	if op != "" {
		return t.requests[op]
	}
	n := 0
	for _, v := range t.requests {
		n += v
	}
	return n
}

// ResetCounts sets every request and fault count to zero.
func (t *Transport) ResetCounts() {
	t.mu.Lock()
	clear(t.injected)
	clear(t.requests)
	t.mu.Unlock()
}

// HTTPClient returns an *http.Client that uses t.
func (t *Transport) HTTPClient() *http.Client { return &http.Client{Transport: t} }

// ClientOption returns a DynamoDB client option that sends every request
// through t.
func (t *Transport) ClientOption() func(*dynamodb.Options) {
	return func(o *dynamodb.Options) { o.HTTPClient = t.HTTPClient() }
}

// FastRetries returns a DynamoDB client option whose retryer retries as
// the AWS SDK's standard one does, without a client-side retry quota and
// pausing 1 ms between attempts, so that tests of injected faults run
// fast.
func FastRetries() func(*dynamodb.Options) {
	return func(o *dynamodb.Options) {
		o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
			so.RateLimiter = ratelimit.None
			so.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return time.Millisecond, nil })
		})
	}
}

// Operation returns the DynamoDB operation of req, from its X-Amz-Target
// header ("DynamoDB_20120810.ExecuteTransaction" gives
// "ExecuteTransaction"), or "" when it has none.
func Operation(req *http.Request) string {
	target := req.Header.Get("X-Amz-Target")
	if i := strings.LastIndexByte(target, '.'); i >= 0 {
		return target[i+1:]
	}
	return target
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	op := Operation(req)
	body, err := readBody(req)
	if err != nil {
		return nil, err
	}
	fault, observers := t.pick(op, body)
	for _, fn := range observers {
		fn(op, body)
	}
	if fault == nil {
		return t.forward(req, body)
	}
	switch fault.Kind {
	case KindStatus:
		status := fault.Status
		if status == 0 {
			status = http.StatusInternalServerError
		}
		code, msg := "InternalServerError", "Internal server error"
		if status == http.StatusServiceUnavailable {
			code, msg = "ServiceUnavailable", "Service unavailable"
		}
		return errorResponse(req, status, "com.amazonaws.dynamodb.v20120810#"+code, msg, nil), nil
	case KindThrottle:
		return throttleResponse(req, fault.Code), nil
	case KindReset:
		return nil, connReset()
	case KindDropResponse:
		resp, err := t.forward(req, body)
		if err != nil {
			return nil, err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return nil, connReset()
	case KindBreakBody:
		resp, err := t.forward(req, body)
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		resp.Body = &brokenBody{r: bytes.NewReader(data[:len(data)/2])}
		return resp, nil
	case KindLatency:
		if err := sleep(req.Context(), fault.Delay); err != nil {
			return nil, err
		}
		return t.forward(req, body)
	case KindTxCanceled:
		return txCanceledResponse(req, body, fault.Reasons), nil
	case KindBatchThrottle:
		return t.throttleBatch(req, body, fault.Statements, fault.StatementRate)
	case KindUnprocessed:
		return t.unprocessBatch(req, body, fault.Statements, fault.StatementRate)
	case KindError:
		return errorResponse(req, fault.Status, "com.amazonaws.dynamodb.v20120810#"+fault.Code, fault.Message, nil), nil
	case KindCapacity:
		return t.reportCapacity(req, op, body, fault.Units) // capacity.go
	case KindRefuse:
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	}
	return nil, fmt.Errorf("faultinject: unknown fault kind %v", fault.Kind)
}

// pick chooses the fault for a request, counts it, and returns the
// observers to call.
func (t *Transport) pick(op string, body []byte) (*Fault, []func(string, []byte)) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.requests[op]++
	observers := t.observe
	for _, r := range t.rules {
		if r.Op != "" && r.Op != op {
			continue
		}
		if r.Match != nil && !r.Match(op, body) {
			continue
		}
		r.seen++
		if r.seen <= r.Skip {
			continue
		}
		if r.Times > 0 && r.injected >= r.Times {
			continue
		}
		if r.Rate > 0 && r.Rate < 1 && t.rnd.Float64() >= r.Rate {
			continue
		}
		r.injected++
		t.injected[r.Fault.Kind]++
		f := r.Fault
		return &f, observers
	}
	return nil, observers
}

// readBody reads the request body and leaves a fresh copy in req.
func readBody(req *http.Request) ([]byte, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	data, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("faultinject: reading the request body: %w", err)
	}
	return data, nil
}

// forward sends req with body to the base transport.
func (t *Transport) forward(req *http.Request, body []byte) (*http.Response, error) {
	out := req.Clone(req.Context())
	if body != nil {
		out.Body = io.NopCloser(bytes.NewReader(body))
		out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		out.ContentLength = int64(len(body))
		out.Header.Set("Content-Length", strconv.Itoa(len(body)))
	}
	return t.base.RoundTrip(out)
}

// connReset is the error a connection reset by the peer gives.
func connReset() error {
	return &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-tm.C:
		return nil
	}
}

// brokenBody returns its bytes and then io.ErrUnexpectedEOF, as a body
// whose connection broke off does.
type brokenBody struct{ r *bytes.Reader }

func (b *brokenBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

func (b *brokenBody) Close() error { return nil }

// jsonResponse builds a DynamoDB JSON response with a correct X-Amz-Crc32.
func jsonResponse(req *http.Request, status int, body []byte) *http.Response {
	h := make(http.Header)
	h.Set("Content-Type", "application/x-amz-json-1.0")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10))
	h.Set("X-Amzn-Requestid", "faultinject-"+strconv.FormatUint(rand.Uint64(), 36))
	return &http.Response{
		Status:        strconv.Itoa(status) + " " + http.StatusText(status),
		StatusCode:    status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        h,
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       req,
	}
}

// errorResponse builds a DynamoDB error response; extra fields are added
// to the body.
func errorResponse(req *http.Request, status int, typ, msg string, extra map[string]any) *http.Response {
	m := map[string]any{"__type": typ, "message": msg}
	for k, v := range extra {
		m[k] = v
	}
	body, _ := json.Marshal(m)
	return jsonResponse(req, status, body)
}

// throttleMessages are DynamoDB's messages for its throttling errors.
var throttleMessages = map[string]struct{ typ, msg string }{
	"ProvisionedThroughputExceededException": {
		"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
		"The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.",
	},
	"ThrottlingException": {
		"com.amazon.coral.availability#ThrottlingException",
		"Rate of requests exceeds the allowed throughput.",
	},
	"RequestLimitExceeded": {
		"com.amazonaws.dynamodb.v20120810#RequestLimitExceeded",
		"Throughput exceeds the current throughput limit for your account. Please contact AWS Support at https://aws.amazon.com/support request a limit increase",
	},
}

func throttleResponse(req *http.Request, code string) *http.Response {
	if code == "" {
		code = "ProvisionedThroughputExceededException"
	}
	m, ok := throttleMessages[code]
	if !ok {
		m.typ, m.msg = "com.amazonaws.dynamodb.v20120810#"+code, "Throttled."
	}
	return errorResponse(req, http.StatusBadRequest, m.typ, m.msg, nil)
}

// reasonMessages are DynamoDB's messages for cancellation reasons.
var reasonMessages = map[string]string{
	"TransactionConflict":           "Transaction is ongoing for the item",
	"ConditionalCheckFailed":        "The conditional request failed",
	"ThrottlingError":               "Throughput exceeds the current capacity of your table or index. DynamoDB is automatically scaling your table or index so please try again shortly.",
	"ProvisionedThroughputExceeded": "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.",
}

// txCanceledResponse builds DynamoDB's TransactionCanceledException for the
// statements of an ExecuteTransaction request.
func txCanceledResponse(req *http.Request, body []byte, reasons []string) *http.Response {
	var in struct {
		TransactStatements []json.RawMessage
		TransactItems      []json.RawMessage
	}
	_ = json.Unmarshal(body, &in)
	n := max(len(in.TransactStatements), len(in.TransactItems), len(reasons), 1)
	codes := make([]string, n)
	list := make([]map[string]string, n)
	for i := range n {
		code := "None"
		if i < len(reasons) && reasons[i] != "" {
			code = reasons[i]
		}
		codes[i] = code
		r := map[string]string{"Code": code}
		if code != "None" {
			msg := reasonMessages[code]
			if msg == "" {
				msg = code
			}
			r["Message"] = msg
		}
		list[i] = r
	}
	msg := "Transaction cancelled, please refer cancellation reasons for specific reasons [" + strings.Join(codes, ", ") + "]"
	return errorResponse(req, http.StatusBadRequest,
		"com.amazonaws.dynamodb.v20120810#TransactionCanceledException", msg,
		map[string]any{"CancellationReasons": list})
}

// forwardJSON forwards req with the JSON body in and decodes DynamoDB's
// answer to op. An answer with a status other than 200 is returned as
// passOn instead, for the caller to hand back unchanged.
func (t *Transport) forwardJSON(req *http.Request, in map[string]json.RawMessage, op string) (out map[string]json.RawMessage, passOn *http.Response, err error) {
	body, _ := json.Marshal(in)
	resp, err := t.forward(req, body)
	if err != nil {
		return nil, nil, err
	}
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body = io.NopCloser(bytes.NewReader(data))
		return nil, resp, nil
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, nil, fmt.Errorf("faultinject: %s response: %w", op, err)
	}
	return out, nil, nil
}

// batchThrottleMessage is DynamoDB's message for a throttled statement.
const batchThrottleMessage = "Throughput exceeds the current capacity of your table or index. DynamoDB is automatically scaling your table or index so please try again shortly. If exceptions persist, check if you have a hot key: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html."

// choose returns which of n statements or write requests a batch fault
// picks: those at indexes (all when indexes is nil; indexes out of range are
// ignored), each kept with probability rate when rate is between 0 and 1
// exclusive.
func (t *Transport) choose(n int, indexes []int, rate float64) []bool {
	picked := make([]bool, n)
	if indexes == nil {
		for i := range picked {
			picked[i] = true
		}
	}
	for _, i := range indexes {
		if i >= 0 && i < n {
			picked[i] = true
		}
	}
	if rate > 0 && rate < 1 {
		t.mu.Lock()
		for i := range picked {
			if picked[i] && t.rnd.Float64() >= rate {
				picked[i] = false
			}
		}
		t.mu.Unlock()
	}
	return picked
}

// throttleBatch forwards a BatchExecuteStatement without the throttled
// statements and answers with their per-statement ThrottlingError spliced
// in at their positions.
func (t *Transport) throttleBatch(req *http.Request, body []byte, indexes []int, rate float64) (*http.Response, error) {
	var in map[string]json.RawMessage
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, fmt.Errorf("faultinject: BatchExecuteStatement body: %w", err)
	}
	var stmts []json.RawMessage
	if err := json.Unmarshal(in["Statements"], &stmts); err != nil {
		return nil, fmt.Errorf("faultinject: BatchExecuteStatement statements: %w", err)
	}
	throttled := t.choose(len(stmts), indexes, rate)
	var kept []json.RawMessage
	for i, s := range stmts {
		if !throttled[i] {
			kept = append(kept, s)
		}
	}

	var forwarded []json.RawMessage
	out := map[string]json.RawMessage{}
	if len(kept) > 0 {
		in["Statements"], _ = json.Marshal(kept)
		var passOn *http.Response
		var err error
		if out, passOn, err = t.forwardJSON(req, in, "BatchExecuteStatement"); err != nil || passOn != nil {
			return passOn, err
		}
		if err := json.Unmarshal(out["Responses"], &forwarded); err != nil {
			return nil, fmt.Errorf("faultinject: BatchExecuteStatement responses: %w", err)
		}
	}

	responses := make([]json.RawMessage, 0, len(stmts))
	for i, s := range stmts {
		if !throttled[i] {
			if len(forwarded) == 0 {
				return nil, errors.New("faultinject: BatchExecuteStatement answered fewer responses than statements")
			}
			responses = append(responses, forwarded[0])
			forwarded = forwarded[1:]
			continue
		}
		e := map[string]any{"Error": map[string]string{"Code": "ThrottlingError", "Message": batchThrottleMessage}}
		var st struct{ Statement string }
		if json.Unmarshal(s, &st) == nil {
			if a, err := partiql.Analyze(st.Statement); err == nil && a.Table != "" {
				e["TableName"] = a.Table
			}
		}
		raw, _ := json.Marshal(e)
		responses = append(responses, raw)
	}
	out["Responses"], _ = json.Marshal(responses)
	data, _ := json.Marshal(out)
	return jsonResponse(req, http.StatusOK, data), nil
}

// unprocessBatch forwards a BatchWriteItem without the picked write
// requests and answers with DynamoDB's response, the picked write requests
// added to its UnprocessedItems (after the ones DynamoDB itself returned).
// A forwarded request answered with a status other than 200 is returned as
// it is.
func (t *Transport) unprocessBatch(req *http.Request, body []byte, indexes []int, rate float64) (*http.Response, error) {
	var in map[string]json.RawMessage
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, fmt.Errorf("faultinject: BatchWriteItem body: %w", err)
	}
	var items map[string][]json.RawMessage
	if err := json.Unmarshal(in["RequestItems"], &items); err != nil {
		return nil, fmt.Errorf("faultinject: BatchWriteItem request items: %w", err)
	}
	tables := slices.Sorted(maps.Keys(items))
	n := 0
	for _, tbl := range tables {
		n += len(items[tbl])
	}
	picked := t.choose(n, indexes, rate)
	kept := map[string][]json.RawMessage{}
	unprocessed := map[string][]json.RawMessage{}
	i := 0
	for _, tbl := range tables {
		for _, w := range items[tbl] {
			if picked[i] {
				unprocessed[tbl] = append(unprocessed[tbl], w)
			} else {
				kept[tbl] = append(kept[tbl], w)
			}
			i++
		}
	}

	if n == 0 {
		// Nothing to pick: let DynamoDB answer the request as it is.
		return t.forward(req, body)
	}
	out := map[string]json.RawMessage{}
	if len(kept) > 0 {
		in["RequestItems"], _ = json.Marshal(kept)
		var passOn *http.Response
		var err error
		if out, passOn, err = t.forwardJSON(req, in, "BatchWriteItem"); err != nil || passOn != nil {
			return passOn, err
		}
		var server map[string][]json.RawMessage
		if raw := out["UnprocessedItems"]; len(raw) > 0 {
			if err := json.Unmarshal(raw, &server); err != nil {
				return nil, fmt.Errorf("faultinject: BatchWriteItem unprocessed items: %w", err)
			}
		}
		for tbl, ws := range server {
			unprocessed[tbl] = append(ws, unprocessed[tbl]...)
		}
	}
	out["UnprocessedItems"], _ = json.Marshal(unprocessed)
	data, _ := json.Marshal(out)
	return jsonResponse(req, http.StatusOK, data), nil
}
