package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// header is the first row of the file: the number, then the metadata.
func header() []string { return []string{"msisdn", "district", "language", "gender"} }

// country describes the mobile numbers and the people of one country.
type country struct {
	code      string
	share     int
	short     []string // prefixes followed by six digits
	long      []string // prefixes followed by seven digits
	districts []string
	languages []weighted
}

// weighted is a value with a relative weight.
type weighted struct {
	value  string
	weight int
}

// countries returns Cambodia and Somalia, which share the file about
// 55 to 45.
func countries() []country {
	return []country{{
		code:  "855",
		share: 55,
		short: []string{"10", "11", "12", "14", "15", "16", "17", "60", "61", "66", "67", "68",
			"69", "70", "77", "78", "79", "85", "86", "87", "89", "90", "92", "95", "98", "99"},
		long: []string{"18", "31", "38", "71", "88", "96", "97"},
		districts: []string{"Phnom Penh", "Kandal", "Kampong Thom", "Siem Reap", "Battambang",
			"Kampot", "Takeo", "Prey Veng", "Kratie", "Stung Treng"},
		languages: []weighted{{"km", 95}, {"en", 5}},
	}, {
		code:  "252",
		share: 45,
		long:  []string{"61", "62", "63", "65", "66", "68", "69", "71", "77", "90"},
		districts: []string{"Banadir", "Hargeisa", "Bosaso", "Kismayo", "Baidoa", "Beledweyne",
			"Garowe", "Galkayo", "Burao", "Berbera"},
		languages: []weighted{{"so", 90}, {"ar", 5}, {"en", 5}},
	}}
}

// number is a generated mobile number.
type number struct {
	code     string // country code
	national string // national significant number
}

// groups splits the national number the way it is usually written:
// 12 345 678, or 61 234 5678.
func (n number) groups() []string {
	s := n.national
	return []string{s[:2], s[2:5], s[5:]}
}

// generator draws rows from a seeded source, never the same number twice
// by chance.
type generator struct {
	rnd  *rand.Rand
	seen map[string]bool
	all  []country
}

// newGenerator returns a generator whose output depends only on seed.
func newGenerator(seed uint64) *generator {
	return &generator{
		rnd:  rand.New(rand.NewPCG(seed, seed^0x5CF3)),
		seen: map[string]bool{},
		all:  countries(),
	}
}

// person draws a country, a new number and the metadata of one row.
func (g *generator) person() (number, []string) {
	c := g.all[0]
	if g.rnd.IntN(100) >= c.share {
		c = g.all[1]
	}

	var n number
	for {
		n = g.number(c)
		if !g.seen[n.code+n.national] {
			g.seen[n.code+n.national] = true
			break
		}
	}

	gender := "f"
	if g.rnd.IntN(2) == 0 {
		gender = "m"
	}

	return n, []string{pick(g, c.districts), pickWeighted(g, c.languages), gender}
}

// number draws a mobile number of country c.
func (g *generator) number(c country) number {
	prefixes, digits := c.long, 7
	if len(c.short) > 0 && g.rnd.IntN(len(c.short)+len(c.long)) < len(c.short) {
		prefixes, digits = c.short, 6
	}

	var b strings.Builder
	b.WriteString(pick(g, prefixes))
	// A subscriber number does not start with 0 or 1 in these ranges.
	b.WriteByte(byte('2' + g.rnd.IntN(8)))
	for range digits - 1 {
		b.WriteByte(byte('0' + g.rnd.IntN(10)))
	}

	return number{code: c.code, national: b.String()}
}

// format writes a number in one of the ways people type numbers into
// spreadsheets.
func (g *generator) format(n number) string {
	grouped := strings.Join(n.groups(), " ")
	dashed := strings.Join(n.groups(), "-")

	if n.code == "855" && g.rnd.IntN(100) == 0 {
		return khmerDigits("+" + n.code + " " + grouped)
	}

	forms := []weighted{
		{"+" + n.code + " " + grouped, 30},
		{"+" + n.code + n.national, 20},
		{n.code + "-" + dashed, 10},
		{"0" + n.code + " " + grouped, 8},
		{"00" + n.code + " " + n.national, 8},
		{n.code + n.national, 8},
		{"+" + n.code + " (0)" + grouped, 6},
		{"(+" + n.code + ") " + dashed, 6},
		{n.code + " " + grouped, 4},
	}

	return pickWeighted(g, forms)
}

// khmerDigits writes the ASCII digits of s as Khmer digits, as phones set
// to Khmer type them.
func khmerDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			r = '០' + (r - '0')
		}
		b.WriteRune(r)
	}

	return b.String()
}

// scientific writes a number the way a spreadsheet shows a long number in
// a cell formatted as a number: 2.52612E+11.
func scientific(n number) string {
	digits := n.code + n.national
	return fmt.Sprintf("%s.%sE+%d", digits[:1], strings.TrimRight(digits[1:6], "0"),
		len(digits)-1)
}

// pick draws one of values.
func pick(g *generator, values []string) string {
	return values[g.rnd.IntN(len(values))]
}

// pickWeighted draws one of values by weight.
func pickWeighted(g *generator, values []weighted) string {
	total := 0
	for _, v := range values {
		total += v.weight
	}

	n := g.rnd.IntN(total)
	for _, v := range values {
		if n < v.weight {
			return v.value
		}
		n -= v.weight
	}

	return values[len(values)-1].value
}
