package kinds_test

import (
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/sdk"
)

func rat(t *testing.T, s string) *big.Rat {
	t.Helper()
	r, ok := new(big.Rat).SetString(s)
	require.True(t, ok, "bad rat literal %q", s)
	return r
}

// The expected values below were checked against
// k8s.io/apimachinery@v0.34.4 resource.ParseQuantity (MilliValue, Value,
// AsDec); where kinds deliberately differs, the reason says so.
func TestParseQuantity(t *testing.T) {
	const noInt = "-" // Int64 must report false
	const noMilli = -1 << 63
	tests := []struct {
		in     string
		rat    string // exact value, as a big.Rat literal
		int64  string // decimal, or noInt
		milli  int64  // or noMilli when MilliValue must report false
		float  float64
		reason string
	}{
		{"1500m", "3/2", noInt, 1500, 1.5, "milli-cores: 1.5 cores, not an integer"},
		{"2Gi", "2147483648", "2147483648", 2147483648000, 2147483648, "binary suffix Gi is 2^30"},
		{"1e3", "1000", "1000", 1000000, 1000, "lower-case decimal exponent"},
		{"1E3", "1000", "1000", 1000000, 1000, "upper-case E followed by digits is an exponent, not exa"},
		{"1e+3", "1000", "1000", 1000000, 1000, "explicitly signed exponent"},
		{"1.5e3", "1500", "1500", 1500000, 1500, "fraction with exponent"},
		{"0.5", "1/2", noInt, 500, 0.5, "plain decimal fraction"},
		{".5", "1/2", noInt, 500, 0.5, "no integer part is allowed"},
		{"5.", "5", "5", 5000, 5, "a trailing dot without fraction digits is allowed (apimachinery agrees)"},
		{"1.G", "1000000000", "1000000000", 1000000000000, 1e9, "dot before a suffix without fraction digits (apimachinery's documented leniency)"},
		{"100Mi", "104857600", "104857600", 104857600000, 104857600, "mebibytes"},
		{"1Ki", "1024", "1024", 1024000, 1024, "kibibytes"},
		{"1k", "1000", "1000", 1000000, 1000, "decimal kilo is lower-case k"},
		{"1M", "1000000", "1000000", 1000000000, 1e6, "decimal mega"},
		{"1E", "1000000000000000000", "1000000000000000000", noMilli, 1e18, "bare E is exa; 1e21 milli does not fit int64"},
		{"12E", "12000000000000000000", noInt, noMilli, 1.2e19, "12 exa exceeds int64; apimachinery parses it as 12e18"},
		{"1.5Gi", "1610612736", "1610612736", 1610612736000, 1610612736, "fractional binary quantity that is a whole number of bytes"},
		{"-1", "-1", "-1", -1000, -1, "negative"},
		{"+1", "1", "1", 1000, 1, "explicit plus sign"},
		{"-0", "0", "0", 0, 0, "negative zero is zero"},
		{"0", "0", "0", 0, 0, "zero"},
		{"1e-3", "1/1000", noInt, 1, 0.001, "negative exponent: exactly one milli"},
		{"1m", "1/1000", noInt, 1, 0.001, "one milli"},
		{"1.5m", "3/2000", noInt, 2, 0.0015, "MilliValue rounds 1.5 up to 2, as apimachinery"},
		{"1.0005", "2001/2000", noInt, 1001, 1.0005, "MilliValue rounds 1000.5 up to 1001, as apimachinery"},
		{"1u", "1/1000000", noInt, 1, 1e-6, "a micro is less than a milli, rounded up to 1"},
		{"1n", "1/1000000000", noInt, 1, 1e-9, "nano"},
		{"0.1n", "1/10000000000", noInt, 1, 1e-10, "kept exact; apimachinery rounds sub-nano values up to 1n"},
		{"1e-12", "1/1000000000000", noInt, 1, 1e-12, "kept exact; apimachinery rounds it up to 1n (1e-9)"},
		{"-1.0005", "-2001/2000", noInt, -1001, -1.0005, "negative: rounds away from zero, as apimachinery"},
		{"999999999999999999999", "999999999999999999999", noInt, noMilli, 1e21, "exact above int64; apimachinery's Value wraps"},
		{"1e1234", "1" + strings.Repeat("0", 1234), noInt, noMilli, 0 /* +Inf, checked below */, "a four-digit exponent is the largest accepted"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			q, err := kinds.ParseQuantity(tc.in)
			require.NoError(t, err, tc.reason)
			want := rat(t, tc.rat)
			assert.Zero(t, q.Rat().Cmp(want), "%s: Rat = %s, want %s", tc.reason, q.Rat().RatString(), want.RatString())

			i, ok := q.Int64()
			if tc.int64 == noInt {
				assert.False(t, ok, "%s: Int64 must report false, got %d", tc.reason, i)
				assert.Zero(t, i, tc.reason)
			} else {
				assert.True(t, ok, tc.reason)
				assert.Equal(t, tc.int64, fmt.Sprint(i), tc.reason)
			}

			m, ok := q.MilliValue()
			if tc.milli == noMilli {
				assert.False(t, ok, "%s: MilliValue must report false, got %d", tc.reason, m)
			} else {
				assert.True(t, ok, tc.reason)
				assert.Equal(t, tc.milli, m, tc.reason)
			}

			if tc.in == "1e1234" {
				assert.True(t, q.Float64() > 1e308, "1e1234 overflows float64 to +Inf, got %v", q.Float64())
			} else {
				assert.Equal(t, tc.float, q.Float64(), tc.reason)
			}

			// String round trip: the text parsed is the text printed, and
			// it parses to the same value.
			assert.Equal(t, tc.in, q.String(), tc.reason)
			again, err := kinds.ParseQuantity(q.String())
			require.NoError(t, err)
			assert.Zero(t, again.Cmp(q), tc.reason)
		})
	}
}

func TestParseQuantityErrors(t *testing.T) {
	tests := []struct {
		in         string
		offset     int
		reasonPart string // part of QuantityError.Reason
		reason     string
	}{
		{"", 0, "empty", "the empty string is no quantity (apimachinery: ErrFormatWrong)"},
		{"abc", 0, "expected digits", "no number at all"},
		{" 1", 0, "expected digits", "leading space is not trimmed (apimachinery rejects it too)"},
		{"1 ", 1, "unknown suffix", "trailing space is not trimmed"},
		{"1.2.3", 3, "unknown suffix", "a second dot starts an invalid suffix"},
		{"1Qi", 1, "unknown suffix", "Qi is no binary suffix"},
		{"1K", 1, "unknown suffix", "decimal kilo is lower-case k; apimachinery rejects K too"},
		{"1e", 1, "unknown suffix", "e without exponent digits is neither an exponent nor a suffix (apimachinery: ErrSuffix)"},
		{"1e+", 2, "exponent", "signed exponent without digits"},
		{"1e1x", 3, "exponent is not a number", "the offset points at the x"},
		{"1ee3", 2, "exponent is not a number", "the offset points at the second e"},
		{"1e12345", 2, "exponent", "more than four exponent digits; apimachinery accepts it (a value too big for any resource)"},
		{"--1", 1, "expected digits", "double sign"},
		{"1_000", 1, "unknown suffix", "no digit separators"},
		{"1,5", 1, "unknown suffix", "no decimal comma"},
		{"-", 1, "expected digits", "a lone sign; apimachinery quietly parses it as 0"},
		{"+", 1, "expected digits", "a lone sign; apimachinery quietly parses it as 0"},
		{".", 1, "expected digits", "a lone dot; apimachinery quietly parses it as 0"},
		{"m", 0, "expected digits", "a lone suffix; apimachinery quietly parses it as 0"},
		{"Gi", 0, "expected digits", "a lone suffix; apimachinery quietly parses it as 0"},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%q", tc.in), func(t *testing.T) {
			q, err := kinds.ParseQuantity(tc.in)
			require.Error(t, err, "%s: parsed as %s", tc.reason, q.Rat().RatString())
			var qe *kinds.QuantityError
			require.True(t, errors.As(err, &qe), "%s: %T is not a *QuantityError", tc.reason, err)
			assert.Equal(t, tc.in, qe.Input, tc.reason)
			assert.Equal(t, tc.offset, qe.Offset, "%s: %v", tc.reason, err)
			assert.Contains(t, qe.Reason, tc.reasonPart, tc.reason)
			assert.Contains(t, err.Error(), fmt.Sprintf("at byte %d", tc.offset), tc.reason)
			assert.Equal(t, "0", q.String(), "a failed parse returns the zero quantity")
			assert.Panics(t, func() { kinds.MustParseQuantity(tc.in) }, tc.reason)
		})
	}
}

func TestQuantityZeroValueAndCopies(t *testing.T) {
	var z kinds.Quantity
	assert.Equal(t, "0", z.String())
	assert.Zero(t, z.Rat().Sign())
	i, ok := z.Int64()
	assert.True(t, ok)
	assert.Zero(t, i)
	assert.Zero(t, z.Cmp(kinds.MustParseQuantity("0")))

	q := kinds.MustParseQuantity("1500m")
	r := q.Rat()
	r.SetInt64(99) // must not change q
	assert.Zero(t, q.Rat().Cmp(big.NewRat(3, 2)), "Rat must return a copy")
}

func TestQuantityCmp(t *testing.T) {
	tests := []struct {
		a, b   string
		want   int
		reason string
	}{
		{"1Ki", "1024", 0, "same value in binary and plain notation"},
		{"1500m", "1.5", 0, "same value in milli and decimal notation"},
		{"1e3", "1k", 0, "exponent and SI suffix"},
		{"1G", "1Gi", -1, "1e9 < 2^30"},
		{"2", "1999m", 1, "2 > 1.999"},
		{"-1", "0", -1, "negative below zero"},
		{"0.1n", "1n", -1, "exact comparison below nano precision"},
	}
	for _, tc := range tests {
		t.Run(tc.a+"_vs_"+tc.b, func(t *testing.T) {
			a, b := kinds.MustParseQuantity(tc.a), kinds.MustParseQuantity(tc.b)
			assert.Equal(t, tc.want, a.Cmp(b), tc.reason)
			assert.Equal(t, -tc.want, b.Cmp(a), tc.reason)
		})
	}
}

// TestResourceListJSON decodes resource lists the way the server sends
// them, inside a node's status, and reads them back through the lookups.
func TestResourceListJSON(t *testing.T) {
	tests := []struct {
		json    string
		cpu     string // "" means absent
		memory  string
		pods    string
		wantErr string
		reason  string
	}{
		{`{"cpu":"3800m","memory":"15241148Ki","pods":"110"}`, "19/5", "15606935552", "110", "", "typical node allocatable"},
		{`{"cpu":2,"memory":1e3}`, "2", "1000", "", "", "JSON numbers are accepted as quantities"},
		{`{"cpu":null}`, "0", "", "", "", "null decodes to the zero quantity"},
		{`{"memory":"1Ti"}`, "", "1099511627776", "", "", "absent cpu and pods"},
		{`{}`, "", "", "", "", "an empty list: every lookup unavailable"},
		{`{"cpu":"abc"}`, "", "", "", "invalid quantity", "an invalid quantity fails the decode"},
		{`{"cpu":true}`, "", "", "", "quantity must be a string", "a boolean is no quantity"},
	}
	for _, tc := range tests {
		t.Run(tc.reason, func(t *testing.T) {
			n, err := sdk.DecodeItem(nil, kinds.NodeKind, []byte(`{"kind":"Node","metadata":{"name":"n"},"status":{"allocatable":`+tc.json+`}}`))
			if tc.wantErr != "" {
				require.Error(t, err, tc.reason)
				assert.Contains(t, err.Error(), tc.wantErr, tc.reason)
				return
			}
			require.NoError(t, err, tc.reason)
			rl := n.Status().Allocatable()
			for _, c := range []struct {
				name string
				get  func() (kinds.Quantity, error)
				want string
			}{{"cpu", rl.CPU, tc.cpu}, {"memory", rl.Memory, tc.memory}, {"pods", rl.Pods, tc.pods}} {
				q, err := c.get()
				if c.want == "" {
					requireUnavailable(t, err, "Node", "status.allocatable["+c.name+"]", tc.reason)
					continue
				}
				require.NoError(t, err, tc.reason)
				assert.Zero(t, q.Rat().Cmp(rat(t, c.want)), "%s: got %s want %s", tc.reason, q.Rat().RatString(), c.want)
			}
			assert.Zero(t, n.Status().Capacity().Len(), "no capacity in the status")
		})
	}
}
