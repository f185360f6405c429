package msisdn

import (
	"sync"

	"github.com/nyaruka/phonenumbers"
)

const (
	// minDigits and maxDigits bound the digits of a valid MSISDN, country
	// code included; E.164 allows at most 15.
	minDigits = 4
	maxDigits = 15

	// maxCountryCodeDigits is the length of the longest ITU country code.
	maxCountryCodeDigits = 3

	// maxNationalDigits is the longest national significant number that
	// libphonenumber accepts.
	maxNationalDigits = 17

	// maxParseDigits bounds the input of the slow national-prefix path.
	maxParseDigits = maxCountryCodeDigits + maxNationalDigits

	// knownCode marks a known country code in a lengthTable entry; bit n
	// below it is set when a national number of n digits is possible.
	knownCode = 1 << 31
)

// lengthTable holds, for every country code from 0 to 999, the set of
// national number lengths that are possible for it.
type lengthTable [1000]uint32

// lengths returns the length table, built on first use. The table is never
// modified after it is built.
var lengths = sync.OnceValue(probeLengths)

// probeLengths builds the length table by asking libphonenumber's
// IsPossibleNumber about one number of every length for every known country
// code. IsPossibleNumber looks at nothing but the country code and the length
// of the national number, so the table gives the same answers without the
// allocations and map lookups of a call per number.
func probeLengths() *lengthTable {
	table := new(lengthTable)
	for cc := int32(1); cc < int32(len(table)); cc++ {
		if phonenumbers.GetRegionCodeForCountryCode(int(cc)) == unknownRegion {
			continue
		}

		table[cc] = knownCode
		national := uint64(0)
		for n := 1; n <= maxNationalDigits; n++ {
			national = national*10 + 1
			num := &phonenumbers.PhoneNumber{CountryCode: &cc, NationalNumber: &national}
			if phonenumbers.IsPossibleNumber(num) {
				table[cc] |= 1 << n
			}
		}
	}

	return table
}

// unknownRegion is the region libphonenumber reports for an unassigned code.
const unknownRegion = "ZZ"

// possible reports whether digits, country code first and without a plus, is
// a number of 4 to 15 digits whose country code is known and whose length is
// possible for that country, as libphonenumber's IsPossibleNumber decides.
func possible[T ~string | ~[]byte](digits T) bool {
	if len(digits) < minDigits || len(digits) > maxDigits {
		return false
	}

	for i := 0; i < len(digits); i++ {
		if !isDigit(digits[i]) {
			return false
		}
	}

	code, codeDigits := countryCode(digits)
	if codeDigits == 0 {
		return false
	}

	national := len(digits) - codeDigits

	return lengths()[code]&(1<<national) != 0
}

// countryCode returns the known country calling code that the ASCII digits
// start with, and its number of digits, or two zeros when there is none.
// Country codes are prefix-free, so at most one prefix of one to three digits
// is known. A code never starts with zero.
func countryCode[T ~string | ~[]byte](digits T) (code, codeDigits int) {
	if len(digits) == 0 || digits[0] == '0' {
		return 0, 0
	}

	table := lengths()
	for i := 0; i < maxCountryCodeDigits && i < len(digits); i++ {
		if !isDigit(digits[i]) {
			return 0, 0
		}

		code = code*10 + int(digits[i]-'0')
		if table[code]&knownCode != 0 {
			return code, i + 1
		}
	}

	return 0, 0
}
