package command

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"scfm/shared/contract/calloutsv1"
	"scfm/shared/metadata"
	"scfm/shared/msisdn"
)

// Reasons a row of an import is rejected.
const (
	reasonBlank      = "msisdn can't be blank"
	reasonInvalid    = "msisdn is an invalid number"
	reasonScientific = "msisdn looks like a number in scientific notation " +
		"(reformat the column as text in the spreadsheet)"
	reasonDecimal = "msisdn looks like a decimal number " +
		"(export the column as text, not as a floating-point number)"
	reasonNational = "msisdn has no country code (it starts with a single 0); " +
		"write it in international form, e.g. +855 12 345 678"
	reasonTooLarge        = "metadata is too large"
	reasonMetadataInvalid = "metadata is invalid"
)

// reasonDuplicate is the reason of a row whose number an earlier row of the
// same import already had.
func reasonDuplicate(row int64) string {
	return "duplicate of row " + strconv.FormatInt(row, 10) + " in this file"
}

// rejectedNumberBytes caps the number as written that a rejection keeps: a
// cell of any size may sit in the msisdn column.
const rejectedNumberBytes = 64

// checkedRow is a row that passed the checks that need no database: its
// number is normalised and valid, its metadata decoded.
type checkedRow struct {
	row      int64
	written  string
	msisdn   string
	metadata map[string]any
}

// checkRows sorts the rows of a chunk into those that may change a contact
// and those rejected already: a reader's problem, a blank, malformed or
// invalid number, unusable metadata, or a number an earlier row of the
// chunk had.
func checkRows(rows []calloutsv1.ImportRow) ([]checkedRow, []calloutsv1.RejectedRowV1) {
	var ok []checkedRow
	var rejected []calloutsv1.RejectedRowV1
	first := make(map[string]int64, len(rows))
	for _, r := range rows {
		c, reason := checkRow(r)
		if reason == "" {
			if prev, dup := first[c.msisdn]; dup {
				reason = reasonDuplicate(prev)
			} else {
				first[c.msisdn] = r.Row
			}
		}
		if reason != "" {
			rejected = append(rejected, rejectRow(r.Row, r.MSISDN, reason))
			continue
		}
		ok = append(ok, c)
	}
	return ok, rejected
}

// checkRow checks one row on its own; a non-empty reason rejects it.
func checkRow(r calloutsv1.ImportRow) (checkedRow, string) {
	if r.Problem != "" {
		return checkedRow{}, r.Problem
	}
	if scientific(r.MSISDN) {
		return checkedRow{}, reasonScientific
	}
	if msisdn.DecimalFraction(r.MSISDN) {
		return checkedRow{}, reasonDecimal
	}
	n := msisdn.Normalize(r.MSISDN)
	if national(r.MSISDN) && !msisdn.Assigned(n) {
		return checkedRow{}, reasonNational
	}
	switch {
	case n == "":
		return checkedRow{}, reasonBlank
	case !msisdn.Valid(n):
		return checkedRow{}, reasonInvalid
	case len(r.Metadata) > calloutsv1.MaxImportMetadataBytes:
		return checkedRow{}, reasonTooLarge
	}
	md, err := metadata.Decode(r.Metadata)
	if err != nil || !metadata.Storable(md) || !storableText(md) {
		return checkedRow{}, reasonMetadataInvalid
	}
	return checkedRow{row: r.Row, written: r.MSISDN, msisdn: n, metadata: md}, ""
}

// rejectRow is the rejection of row, keeping the start of the number as
// written in a form any text column takes.
func rejectRow(row int64, written, reason string) calloutsv1.RejectedRowV1 {
	return calloutsv1.RejectedRowV1{
		Row: row, MSISDN: storableCut(written, rejectedNumberBytes), Reason: reason,
	}
}

// storableCut returns s as valid UTF-8 without NUL characters, cut to at
// most limit bytes on a character boundary.
func storableCut(s string, limit int) string {
	s = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

// storableText reports whether no key or string in v holds a NUL
// character, which PostgreSQL's jsonb refuses.
func storableText(v any) bool {
	switch t := v.(type) {
	case string:
		return !strings.ContainsRune(t, 0)
	case map[string]any:
		for k, e := range t {
			if strings.ContainsRune(k, 0) || !storableText(e) {
				return false
			}
		}
	case []any:
		for _, e := range t {
			if !storableText(e) {
				return false
			}
		}
	}
	return true
}

// scientific reports whether s reads as a number in scientific notation,
// such as 2.52662E+11: what a spreadsheet shows, and exports, for a long
// number in a column formatted as a number. Its digits are lost, so
// normalising it would yield a wrong number rather than an invalid one.
func scientific(s string) bool {
	s = strings.TrimSpace(s)
	i := strings.IndexAny(s, "eE")
	if i < 0 {
		return false
	}
	mantissa, exponent := s[:i], s[i+1:]
	return decimal(strings.TrimLeft(mantissa, "+-"), true) &&
		decimal(strings.TrimLeft(exponent, "+-"), false) &&
		len(mantissa)-len(strings.TrimLeft(mantissa, "+-")) <= 1 &&
		len(exponent)-len(strings.TrimLeft(exponent, "+-")) <= 1
}

// decimal reports whether s is digits, with one decimal point or comma
// between digits when fraction is true.
func decimal(s string, fraction bool) bool {
	whole, frac, hasPoint := strings.Cut(s, ".")
	if !hasPoint && fraction {
		whole, frac, hasPoint = strings.Cut(s, ",")
	}
	if hasPoint && (!fraction || frac == "") {
		return false
	}
	return digits(whole) && (!hasPoint || digits(frac))
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// national reports whether s may be written in a national form: its
// digits start with a single 0 (a trunk prefix) and no plus comes first.
// Numbers carry no default country, so reading a national number as
// international turns a Cambodian 012 345 678 into +1 2345678: an import
// refuses such a row unless what follows the 0 is a number its country has
// assigned (0855 12 345 678 is a sloppy +855 12 345 678). A leading 00 is
// the international prefix and passes.
func national(s string) bool {
	var lead []byte
	for i := 0; i < len(s) && len(lead) < 2; i++ {
		c := s[i]
		switch {
		case c == '+' && len(lead) == 0:
			return false
		case c >= '0' && c <= '9':
			lead = append(lead, c)
		}
	}
	return len(lead) == 2 && lead[0] == '0' && lead[1] != '0'
}
