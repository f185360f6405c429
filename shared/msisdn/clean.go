package msisdn

import (
	"unicode"
	"unicode/utf8"
)

// maxExtensionDigits is the longest digit run after an extension marker that
// is still taken for an extension rather than for part of the number.
const maxExtensionDigits = 6

// extensionMarkers lists the words and signs that introduce an extension,
// longer entries before the entries they end with.
var extensionMarkers = [...]string{"ext", "xt", "ex", "x", "#", ":"}

// stripExtension removes a trailing extension: a marker from
// extensionMarkers (case-insensitive), optional spaces or dots, then one to
// maxExtensionDigits digits at the end of s. The marker must follow at least
// one digit, so a leading scheme such as "tel:" is never taken for one.
func stripExtension(s string) string {
	end := len(s)
	for end > 0 && isSpace(s[end-1]) {
		end--
	}

	start := end
	for start > 0 && isDigit(s[start-1]) && end-start <= maxExtensionDigits {
		start--
	}
	if start == end || end-start > maxExtensionDigits {
		return s
	}

	for start > 0 && (isSpace(s[start-1]) || s[start-1] == '.') {
		start--
	}

	for _, marker := range extensionMarkers {
		cut := start - len(marker)
		if cut >= 0 && equalFold(s[cut:start], marker) && hasDigit(s[:cut]) {
			return s[:cut]
		}
	}

	return s
}

// cutTrailer drops everything from the first sign that cannot belong to a
// number written by hand: a letter or one of ; , / = * once a digit has been
// seen. What follows such a sign is an extension, a dial pause or a second
// number ("+855 12 345 680;ext=1", "… p7", "…,8", "… / 9"); gluing its digits
// onto the number would dial somebody else.
func cutTrailer(s string) string {
	seenDigit := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isDigit(c):
			seenDigit = true
		case !seenDigit:
		case c == ';' || c == ',' || c == '/' || c == '=' || c == '*',
			c|0x20 >= 'a' && c|0x20 <= 'z':
			return s[:i]
		}
	}
	return s
}

// appendDigits appends to dst the digits of s, leaving out every zero that
// directly follows an opening parenthesis once the characters other than
// digits, '+', '(' and ')' are removed ("( 0 )" counts as "(0)"). Decimal
// digits of other scripts, such as Arabic-Indic or Khmer, are appended as
// their ASCII equivalents rather than dropped, so that they never vanish from
// the middle of a number.
func appendDigits(dst []byte, s string) []byte {
	afterParen := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			i += size - 1
			c = asciiDigit(r)
		}

		switch {
		case c == '(':
			afterParen = true
		case c == '0' && afterParen:
			afterParen = false
		case isDigit(c):
			afterParen = false
			dst = append(dst, c)
		case c == '+' || c == ')':
			afterParen = false
		}
	}

	return dst
}

// asciiDigit returns the ASCII digit with the value of the decimal digit r,
// or 0 when r is no decimal digit. Unicode encodes the decimal digits of each
// script as runs of ten, from zero to nine, so a digit's value is its offset
// in its run.
func asciiDigit(r rune) byte {
	for _, rng := range unicode.Nd.R16 {
		if rune(rng.Lo) <= r && r <= rune(rng.Hi) {
			return byte('0' + (r-rune(rng.Lo))%10)
		}
	}

	for _, rng := range unicode.Nd.R32 {
		if rune(rng.Lo) <= r && r <= rune(rng.Hi) {
			return byte('0' + (r-rune(rng.Lo))%10)
		}
	}

	return 0
}

// equalFold reports whether s equals the lowercase ASCII word lower, ignoring
// the case of ASCII letters in s.
func equalFold(s, lower string) bool {
	if len(s) != len(lower) {
		return false
	}

	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}

	return true
}

// hasDigit reports whether s holds at least one ASCII digit.
func hasDigit(s string) bool {
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			return true
		}
	}

	return false
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isSpace(c byte) bool { return c == ' ' || c == '\t' }
