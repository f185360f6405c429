package msisdn

import (
	"math/rand/v2"
	"strconv"
	"testing"
	"unicode"

	"github.com/nyaruka/phonenumbers"
	"github.com/stretchr/testify/require"
)

func TestValid(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name   string
		number string
		want   bool
	}{
		{name: "somalia", number: "+252662345678", want: true},
		{name: "cambodia", number: "+85510202101", want: true},
		{name: "nanp", number: "+12025550123", want: true},
		{name: "non geographic", number: "+80012345678", want: true},
		{name: "missing plus", number: "252662345678", want: false},
		{name: "too short for country", number: "+25212345", want: false},
		{name: "too long for country", number: "+2526623456789", want: false},
		{name: "unknown country code", number: "+99912345678", want: false},
		{name: "leading zero", number: "+012025550123", want: false},
		{name: "formatted", number: "+252 662345678", want: false},
		{name: "letters", number: "+25266234567a", want: false},
		{name: "extension", number: "+252662345678x1", want: false},
		{name: "three digits", number: "+123", want: false},
		{name: "sixteen digits", number: "+4930123456789012", want: false},
		{name: "plus only", number: "+", want: false},
		{name: "empty", number: "", want: false},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			t.Parallel()

			require.Equal(t, test.want, Valid(test.number))
		})
	}
}

// TestValidMatchesLibphonenumber checks the precomputed length table against
// libphonenumber for every country code and every national number length,
// with and without leading zeros.
func TestValidMatchesLibphonenumber(t *testing.T) {
	t.Parallel()

	rng := rand.New(rand.NewPCG(1, 2))
	for cc := 1; cc < 1000; cc++ {
		for n := 1; n+len(strconv.Itoa(cc)) <= maxDigits; n++ {
			for _, lead := range []string{"", "0", "00"} {
				if len(lead) >= n {
					continue
				}

				nsn := lead + randomDigits(rng, n-len(lead))
				digits := strconv.Itoa(cc) + nsn
				want := len(digits) >= minDigits && libPossible(t, digits)

				require.Equal(t, want, Valid("+"+digits), "number +%s", digits)
			}
		}
	}
}

// libPossible asks libphonenumber whether the E.164 digits are a possible
// number, without letting its parser rewrite them.
func libPossible(t *testing.T, digits string) bool {
	t.Helper()

	cc, codeDigits := 0, 0
	for i := 1; i <= 3 && cc == 0; i++ {
		code, err := strconv.Atoi(digits[:i])
		require.NoError(t, err)
		if phonenumbers.GetRegionCodeForCountryCode(code) != unknownRegion {
			cc, codeDigits = code, i
		}
	}
	if cc == 0 {
		return false
	}

	nsn := digits[codeDigits:]
	national, err := strconv.ParseUint(nsn, 10, 64)
	require.NoError(t, err)

	code := int32(cc)
	num := &phonenumbers.PhoneNumber{CountryCode: &code, NationalNumber: &national}
	zeros := int32(0)
	for int(zeros) < len(nsn)-1 && nsn[zeros] == '0' {
		zeros++
	}
	if zeros > 0 {
		italian := true
		num.ItalianLeadingZero = &italian
		num.NumberOfLeadingZeros = &zeros
	}
	require.Equal(t, nsn, phonenumbers.GetNationalSignificantNumber(num))

	return phonenumbers.IsPossibleNumber(num)
}

func randomDigits(rng *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + rng.IntN(10))
	}
	if n > 0 && b[0] == '0' {
		b[0] = '1' + byte(rng.IntN(9))
	}

	return string(b)
}

// TestAsciiDigitRuns checks what asciiDigit relies on: every range of decimal
// digits in the Unicode tables starts at a zero and holds whole runs of ten.
func TestAsciiDigitRuns(t *testing.T) {
	t.Parallel()

	for _, rng := range unicode.Nd.R16 {
		require.Equal(t, uint16(1), rng.Stride)
		require.Zero(t, (rng.Hi-rng.Lo+1)%10, "range %U-%U", rng.Lo, rng.Hi)
	}
	for _, rng := range unicode.Nd.R32 {
		require.Equal(t, uint32(1), rng.Stride)
		require.Zero(t, (rng.Hi-rng.Lo+1)%10, "range %U-%U", rng.Lo, rng.Hi)
	}

	require.Equal(t, byte('7'), asciiDigit('٧'))
	require.Equal(t, byte('3'), asciiDigit('៣'))
	require.Equal(t, byte(0), asciiDigit('x'))
}

func TestAssigned(t *testing.T) {
	t.Parallel()

	for n, want := range map[string]bool{
		"+85512345678":  true,  // Cambodia, a mobile range
		"+252612345678": true,  // Somalia
		"+12345678":     false, // "012 345 678" read as international
		"+1":            false,
		"garbage":       false,
	} {
		if got := Assigned(n); got != want {
			t.Errorf("Assigned(%q) = %v, want %v", n, got, want)
		}
	}
}
