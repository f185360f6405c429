package main

import "strings"

// Kinds of rows that an import must reject or flag, spread through the
// file among the good ones.
const (
	rowBlank      = "blank"
	rowTooShort   = "too short"
	rowLetters    = "letters"
	rowScientific = "scientific notation"
	rowNational   = "national format"
	rowDuplicate  = "duplicate"
)

// specialRows lists the awkward rows, in the order they appear. National
// numbers without a country code are what people copy from a phone's
// contact list; the API reads every number as international, so they do
// not become the Cambodian or Somali numbers they were meant to be.
func specialRows() []string {
	return []string{
		rowBlank, rowScientific, rowTooShort, rowDuplicate, rowLetters, rowNational,
		rowScientific, rowBlank, rowDuplicate, rowLetters, rowNational, rowTooShort,
		rowDuplicate,
	}
}

// Generate returns the header and n data rows, the same ones for the same
// n and seed. From 40 rows on, the awkward rows of specialRows are spread
// evenly through the file.
func Generate(n int, seed uint64) [][]string {
	rows, _ := generate(n, seed)
	return rows
}

// generate returns the rows of Generate and, for each data row, its kind
// from specialRows or "" for a good row.
func generate(n int, seed uint64) ([][]string, []string) {
	g := newGenerator(seed)
	specials := specialRows()

	every := 0
	if n >= 40 {
		every = n / (len(specials) + 1)
	}

	out := make([][]string, 0, n+1)
	out = append(out, header())
	kinds := make([]string, 0, n)

	var good []goodRow
	for i := 1; i <= n; i++ {
		if every > 0 && i%every == 0 && i/every <= len(specials) {
			kind := specials[i/every-1]
			out = append(out, g.special(kind, good))
			kinds = append(kinds, kind)
			continue
		}

		num, meta := g.person()
		row := append([]string{g.format(num)}, meta...)
		good = append(good, goodRow{num: num, row: row})
		out = append(out, row)
		kinds = append(kinds, "")
	}

	return out, kinds
}

// special returns one awkward row; a duplicate repeats a good row from
// earlier in the file, written another way.
func (g *generator) special(kind string, good []goodRow) []string {
	num, meta := g.person()

	switch kind {
	case rowBlank:
		return append([]string{""}, meta...)
	case rowTooShort:
		return append([]string{"+" + num.code + " " + num.national[:4]}, meta...)
	case rowLetters:
		return append([]string{pick(g, []string{"unknown", "ask at the district office",
			"+" + num.code + " " + num.national[:2] + " ABC DEFG"})}, meta...)
	case rowScientific:
		return append([]string{scientific(num)}, meta...)
	case rowNational:
		return append([]string{"0" + strings.Join(num.groups(), "-")}, meta...)
	}

	earlier := good[len(good)/2]
	again := "00" + earlier.num.code + " " + strings.Join(earlier.num.groups(), " ")
	if again == earlier.row[0] {
		again = "+" + earlier.num.code + earlier.num.national
	}

	return append([]string{again}, earlier.row[1:]...)
}

// goodRow is a row with a valid number, and the number.
type goodRow struct {
	num number
	row []string
}
