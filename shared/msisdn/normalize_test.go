package msisdn

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// normalizeCases is shared by the table test, the idempotence test and the
// fuzz seed corpus.
var normalizeCases = []struct {
	name string
	raw  string
	want string
}{
	{name: "somali mobile without plus", raw: "252662345678", want: "+252662345678"},
	{name: "formatted with parentheses", raw: "+252 66-(2)-345-678", want: "+252662345678"},
	{name: "too short for somalia", raw: "25212345", want: "25212345"},
	{name: "cambodia", raw: "+85510202101", want: "+85510202101"},
	{name: "stored as a float", raw: "85512348800.0", want: "+85512348800"},
	{name: "stored as a float with plus", raw: " +85512348800.00 ", want: "+85512348800"},
	{name: "decimal fraction", raw: "85512345652.7", want: "85512345652.7"},
	{name: "decimal fraction of two digits", raw: "+85512345652.25", want: "85512345652.25"},
	{name: "dotted groups", raw: "855.12.345.678", want: "+85512345678"},
	{name: "letters only", raw: "abc", want: ""},
	{name: "empty", raw: "", want: ""},
	{name: "spaces only", raw: "   ", want: ""},
	{name: "plus only", raw: "+", want: ""},
	{name: "parentheses only", raw: "()", want: ""},
	{name: "bracketed zero only", raw: "(0)", want: ""},
	{name: "single zero", raw: "0", want: "0"},
	{name: "zeros", raw: "+00 0", want: "000"},
	{name: "somali without plus", raw: "252662345700", want: "+252662345700"},
	{name: "somali with plus", raw: "+252662345700", want: "+252662345700"},
	{name: "nanp formatted", raw: "+1 202-555-0123", want: "+12025550123"},
	{name: "nanp dotted", raw: "1.202.555.0123", want: "+12025550123"},
	{name: "international prefix 00", raw: "00252662345678", want: "+252662345678"},
	{name: "leading zero", raw: "0252662345678", want: "+252662345678"},
	{name: "plus and 00", raw: "+00252662345678", want: "+252662345678"},
	{name: "bracketed trunk zero", raw: "+44 (0) 20 7946 0958", want: "+442079460958"},
	{name: "bracketed trunk zero spaced", raw: "+44 ( 0 ) 20 7946 0958", want: "+442079460958"},
	{name: "bracketed area code", raw: "+855 (023) 123 456", want: "+85523123456"},
	{name: "trunk zero not possible", raw: "+44 020 7946 0958", want: "+442079460958"},
	{name: "argentine mobile national", raw: "+54 11 15 1234 5678", want: "+5491112345678"},
	{name: "argentine mobile e164", raw: "+5491112345678", want: "+5491112345678"},
	{name: "italian leading zero", raw: "+39 06 1234 5678", want: "+390612345678"},
	{name: "russian 8 area code kept", raw: "+7 812 123 4567", want: "+78121234567"},
	{name: "possible trunk zero kept", raw: "+254 0712 345 678", want: "+2540712345678"},
	{name: "extension word", raw: "+252 66 234 5678 ext. 12", want: "+252662345678"},
	{name: "extension upper case", raw: "+252662345678 EXT 123456", want: "+252662345678"},
	{name: "extension x", raw: "+252662345678x9", want: "+252662345678"},
	{name: "extension xt", raw: "+252662345678 xt 9", want: "+252662345678"},
	{name: "extension ex", raw: "+252662345678 ex 9", want: "+252662345678"},
	{name: "extension hash", raw: "+252662345678#77", want: "+252662345678"},
	{name: "extension colon", raw: "+252662345678:7", want: "+252662345678"},
	{name: "extension trailing spaces", raw: "+252662345678 x 7  ", want: "+252662345678"},
	{name: "long run after marker is no extension", raw: "252:662345678", want: "+252662345678"},
	{name: "tel scheme", raw: "tel:+252662345678", want: "+252662345678"},
	{name: "marker without digits", raw: "+252662345678 x", want: "+252662345678"},
	{name: "unknown country code", raw: "+999 1234 5678", want: "99912345678"},
	{name: "too long", raw: "+252 6623 4567 8901 2345", want: "2526623456789012345"},
	{name: "very long", raw: strings.Repeat("9", 60), want: strings.Repeat("9", 60)},
	{name: "arabic-indic digits", raw: "+252 ٦٦٢٣٤٥٦٧٨", want: "+252662345678"},
	{name: "khmer digits", raw: "+៨៥៥ ១០ ២០២ ១០១", want: "+85510202101"},
	{name: "fullwidth digits", raw: "＋２５２６６２３４５６７８", want: "+252662345678"},
	{name: "unicode noise", raw: "☎ +252 662 345 678", want: "+252662345678"},
	{name: "non geographic", raw: "+800 1234 5678", want: "+80012345678"},
}

func TestNormalize(t *testing.T) {
	t.Parallel()

	for _, test := range normalizeCases {
		t.Run(test.name, func(t *testing.T) {
			t.Parallel()

			got := Normalize(test.raw)

			require.Equal(t, test.want, got)
			require.Equal(t, got, Normalize(got), "not idempotent")
			require.Equal(t, strings.HasPrefix(got, "+"), Valid(got))
		})
	}
}

func TestNormalizeEquivalentForms(t *testing.T) {
	t.Parallel()

	forms := []string{
		"252662345700",
		"+252662345700",
		"00252662345700",
		"+252 66 234 5700",
		"+252 (0) 66 234 5700",
		"(+252) 662-345-700",
		"+252.662.345.700 ext 1",
	}
	for _, form := range forms {
		require.Equal(t, "+252662345700", Normalize(form), form)
	}
}

// TestNormalizeKeepsPossibleNumbers checks numbers that are possible as they
// are written, although libphonenumber's parser would strip what it takes
// for a trunk prefix and produce another possible number.
func TestNormalizeKeepsPossibleNumbers(t *testing.T) {
	t.Parallel()

	tests := []string{
		"+25406555555",
		"+27065555555",
		"+6406555555",
		"+38606555555",
		"+59806555555",
		"+9806555555",
	}
	for _, number := range tests {
		require.True(t, Valid(number), number)
		require.Equal(t, number, Normalize(number))
		require.Equal(t, number, Normalize(strings.TrimPrefix(number, "+")))
	}
}

func TestNormalizeIdempotent(t *testing.T) {
	t.Parallel()

	prefixes := []string{"", "+", "00", "0", "+0", "(0)", "+ (0) ", "tel:"}
	bodies := []string{
		"252662345678", "25212345", "85510202101", "12025550123", "442079460958",
		"4402079460958", "541115123456 78", "5491112345678", "2540712345678",
		"3906 1234 5678", "78121234567", "88812345678", "999123", "1", "12", "123",
		"0000", "(0)(0)1", "1(0)2(0)3", "x1", "#1", "ext 1", "1x1", ")(", "+-+",
		"37889123", "261 2 12 34 567", "672 3 12345", "61 8 9164 1234",
		"49 30 1234567890123", "8613812345678", "0861 3812 3456 78",
	}
	suffixes := []string{"", " ", " x12", "#", "(", "(0", " ext. 123456", ":1234567"}

	for _, prefix := range prefixes {
		for _, body := range bodies {
			for _, suffix := range suffixes {
				raw := prefix + body + suffix
				once := Normalize(raw)

				require.Equal(t, once, Normalize(once), "input %q", raw)
				require.Equal(t, strings.HasPrefix(once, "+"), Valid(once), "input %q", raw)
			}
		}
	}
}

func TestNormalizeNeverGluesTrailersOntoTheNumber(t *testing.T) {
	t.Parallel()

	for _, raw := range []string{
		"+85512345680;ext=1", "+85512345682 ext=3", "+85512345683 extension 4",
		"+85512345686 p7", "+85512345687,8", "+85512345688 / 9", "+85512345689*2", "+85512345681 w 5",
	} {
		got := Normalize(raw)
		require.Equal(t, "+855123456"+raw[10:12], got, raw)
	}
	require.Equal(t, "", Normalize("abc"), "letters alone are blank")
	require.Equal(t, "+252662345678", Normalize("tel:+252662345678"))
}
