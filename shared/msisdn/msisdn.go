// Package msisdn normalises and validates the phone numbers (MSISDNs) that
// contacts, callout participations and phone calls carry.
//
// There is no default country: every number is read as international, country
// code first, with an optional leading plus. A normalised number that passes
// [Valid] is in E.164 form ("+" followed by the digits). A number that cannot
// be made valid is kept as its bare digits, without the plus, so that it
// fails validation instead of silently turning into some other number.
package msisdn

import (
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// Normalize cleans up a raw phone number as users type it.
//
// The steps, in order: a number written as a decimal with a zero fraction
// (85512345678.0, as a program that kept the column as floating point
// writes it) loses its fraction, and one with any other fraction
// (85512345652.7) is no phone number and comes back as written, without a
// plus, which [Valid] rejects; a trailing extension ("ext", "ex", "xt", "x", "#" or
// ":" followed by up to six digits) is dropped, and so is everything from
// the first letter or ; , / = * after a digit (an extension, a dial pause or
// a second number); a zero that directly follows
// an opening parenthesis, as in "+252 (0) 66", is dropped; decimal digits of
// other scripts (Arabic-Indic, Khmer, full-width, ...) become ASCII digits;
// every character other than a digit is dropped; leading zeros (an
// international prefix "00" or a trunk prefix "0") are dropped. If the remaining digits form a number
// that is possible for its country code, the result is "+" and those digits.
// Otherwise, and only then, the country's national prefix rules are tried
// (for example a trunk "0" written after the country code); if they produce a
// possible number, that number is returned in E.164 form. Anything else is
// returned as bare digits without "+", which [Valid] rejects.
//
// An input without any digit yields "", which callers report as blank. An
// input made only of zeros yields those zeros, which callers report as an
// invalid number.
//
// Normalize is idempotent, and it returns every input accepted by [Valid]
// unchanged: a number that is already possible is never rewritten.
func Normalize(raw string) string {
	if whole, frac, ok := decimalNumber(raw); ok {
		if strings.Trim(frac, "0") != "" {
			// Not a phone number at all: it stays as it is, without a
			// plus, so that Valid refuses it.
			return strings.TrimPrefix(whole, "+") + "." + frac
		}
		raw = whole
	}

	var buf [32]byte

	buf[0] = '+'
	out := appendDigits(buf[:1], cutTrailer(stripExtension(raw)))
	if len(out) == 1 {
		return ""
	}

	zeros := leadingZeros(out[1:])
	if zeros == len(out)-1 {
		return sameOrNew(raw, out[1:])
	}

	// Move the plus next to the first significant digit.
	out = out[zeros:]
	out[0] = '+'

	if possible(out[1:]) {
		return sameOrNew(raw, out)
	}

	if fixed, ok := nationalFix(out[1:]); ok {
		return fixed
	}

	return sameOrNew(raw, out[1:])
}

// Valid reports whether normalized is a valid MSISDN: a plus followed by 4 to
// 15 digits that start with a known country calling code and whose length is
// possible for that country. Valid does not normalise: pass the result of
// [Normalize].
func Valid(normalized string) bool {
	if len(normalized) < 2 || normalized[0] != '+' {
		return false
	}

	return possible(normalized[1:])
}

// nationalFix applies the national prefix rules of the country code that
// digits starts with, the way libphonenumber does when it parses an
// international number, and returns the result in E.164 form if it is a
// possible number. It is the slow path, used only for numbers that are not
// possible as written.
func nationalFix(digits []byte) (string, bool) {
	// Without a known country code there are no national rules to apply.
	if _, n := countryCode(digits); n == 0 || len(digits) > maxParseDigits {
		return "", false
	}

	num, err := phonenumbers.Parse("+"+string(digits), "")
	if err != nil {
		return "", false
	}

	fixed := phonenumbers.Format(num, phonenumbers.E164)
	if !Valid(fixed) {
		return "", false
	}

	return fixed, true
}

// sameOrNew returns s when it already holds exactly the bytes b, saving an
// allocation for input that is already normalised, and string(b) otherwise.
func sameOrNew(s string, b []byte) string {
	if s == string(b) {
		return s
	}

	return string(b)
}

// leadingZeros counts the '0' bytes at the start of b.
func leadingZeros(b []byte) int {
	n := 0
	for n < len(b) && b[n] == '0' {
		n++
	}

	return n
}

// Assigned reports whether normalized is not only possible but a number in
// a range its country has assigned (libphonenumber's IsValidNumber). It is
// stricter than [Valid], which accepts new ranges too; callers use it only
// to tell a sloppily written international number from a national one.
func Assigned(normalized string) bool {
	if !Valid(normalized) {
		return false
	}
	num, err := phonenumbers.Parse(normalized, "")
	return err == nil && phonenumbers.IsValidNumber(num)
}
