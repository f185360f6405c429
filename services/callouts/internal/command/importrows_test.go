package command

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"scfm/shared/contract/calloutsv1"
)

func TestScientific(t *testing.T) {
	t.Parallel()

	for s, want := range map[string]bool{
		"2.52662E+11":   true,
		" 2.52662e11 ":  true,
		"2,52662E+11":   true,
		"-1E-5":         true,
		"252662E11":     true,
		"252662345678":  false,
		"+252662345678": false,
		"E+11":          false,
		"2.E+11":        false,
		"2.5E":          false,
		"2.5E+":         false,
		"2.5.1E+11":     false,
		"+-2E11":        false,
		"2E+-11":        false,
		"252 66 E11":    false,
		"ext 5":         false,
	} {
		require.Equal(t, want, scientific(s), s)
	}
}

func TestNational(t *testing.T) {
	t.Parallel()

	for s, want := range map[string]bool{
		"012-345-678":      true,
		" (012) 345 678":   true,
		"061 234 5678":     true,
		"0085512345678":    false,
		"+855 12 345 678":  false,
		"+0 12":            false,
		"855 12 345 678":   false,
		"252 (0) 61 23456": false,
		"0":                false,
		"":                 false,
	} {
		require.Equal(t, want, national(s), s)
	}
}

func TestNationalNumbersAreRejectedUnlessInternationalAfterTheZero(t *testing.T) {
	t.Parallel()

	for written, want := range map[string]string{
		"012-345-678":       reasonNational,
		"0855 12 345 678":   "",
		"0252 61 234 5678":  "",
		"+855 12 345 678":   "",
		"00 252 61 2345678": "",
	} {
		_, reason := checkRow(calloutsv1.ImportRow{Row: 1, MSISDN: written})
		require.Equal(t, want, reason, written)
	}
}

func TestCheckRows(t *testing.T) {
	t.Parallel()

	rows := []calloutsv1.ImportRow{
		{Row: 1, MSISDN: "252662345678", Metadata: json.RawMessage(`{"name":"A","n":1.50}`)},
		{Row: 2, MSISDN: ""},
		{Row: 3, MSISDN: "abc"},
		{Row: 4, MSISDN: "25212345"},
		{Row: 5, MSISDN: "2.52662E+11"},
		{Row: 6, MSISDN: "+252 66-(2)-345-678"},
		{Row: 7, MSISDN: "85510202101", Problem: "row is not UTF-8 text"},
		{Row: 8, MSISDN: "85510202101", Metadata: json.RawMessage(`{"a":1e400}`)},
		{Row: 9, MSISDN: "85510202102", Metadata: json.RawMessage(`{"a":"x\u0000y"}`)},
		{Row: 10, MSISDN: "85510202103", Metadata: json.RawMessage(`[1]`)},
		{Row: 11, MSISDN: "85510202104"},
		{Row: 12, MSISDN: strings.Repeat("\xff", 100)},
		{Row: 13, MSISDN: "85512345652.7"},
		{Row: 14, MSISDN: "85512348800.0"},
	}
	ok, rejected := checkRows(rows)

	require.Len(t, ok, 3)
	require.Equal(t, "+85512348800", ok[2].msisdn, "a float's zero fraction is no digit")
	require.Equal(t, "+252662345678", ok[0].msisdn)
	require.Equal(t, map[string]any{"name": "A", "n": json.Number("1.50")}, ok[0].metadata)
	require.Equal(t, "+85510202104", ok[1].msisdn)
	require.Equal(t, map[string]any{}, ok[1].metadata)

	require.Equal(t, []calloutsv1.RejectedRowV1{
		{Row: 2, MSISDN: "", Reason: reasonBlank},
		{Row: 3, MSISDN: "abc", Reason: reasonBlank},
		{Row: 4, MSISDN: "25212345", Reason: reasonInvalid},
		{Row: 5, MSISDN: "2.52662E+11", Reason: reasonScientific},
		{Row: 6, MSISDN: "+252 66-(2)-345-678", Reason: "duplicate of row 1 in this file"},
		{Row: 7, MSISDN: "85510202101", Reason: "row is not UTF-8 text"},
		{Row: 8, MSISDN: "85510202101", Reason: reasonMetadataInvalid},
		{Row: 9, MSISDN: "85510202102", Reason: reasonMetadataInvalid},
		{Row: 10, MSISDN: "85510202103", Reason: reasonMetadataInvalid},
		{Row: 12, MSISDN: "\uFFFD", Reason: reasonBlank},
		{Row: 13, MSISDN: "85512345652.7", Reason: reasonDecimal},
	}, rejected)
}

func TestStorableCut(t *testing.T) {
	t.Parallel()

	require.Equal(t, "ab", storableCut("a\x00b", 10))
	require.Equal(t, "ស", storableCut("ស្រី", 4), "cut on a character boundary")
	require.Equal(t, "a\uFFFD", storableCut("a\xff", 10))
}
