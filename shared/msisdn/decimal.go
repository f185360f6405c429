package msisdn

import "strings"

// maxFractionDigits is the longest fraction taken for a decimal number
// rather than for the last group of a number written with dots.
const maxFractionDigits = 2

// decimalNumber splits s when it reads as a decimal number, such as
// 85512345678.0: what a program that stored the column as a floating-point
// number writes. An optional plus, digits, one point and one or two
// digits, nothing else but spaces around. Reading its point as a separator
// would append the fraction to the number and dial somebody else.
func decimalNumber(s string) (whole, frac string, ok bool) {
	s = strings.TrimSpace(s)
	whole, frac, ok = strings.Cut(strings.TrimPrefix(s, "+"), ".")
	if !ok || len(frac) == 0 || len(frac) > maxFractionDigits || !allDigits(whole) || !allDigits(frac) {
		return "", "", false
	}
	return s[:len(s)-len(frac)-1], frac, true
}

// DecimalFraction reports whether s reads as a decimal number whose
// fraction is not zero (85512345652.7), which no phone number is.
func DecimalFraction(s string) bool {
	_, frac, ok := decimalNumber(s)
	return ok && strings.Trim(frac, "0") != ""
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := range len(s) {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}
