package msisdn

import "testing"

func FuzzNormalize(f *testing.F) {
	for _, test := range normalizeCases {
		f.Add(test.raw)
	}
	f.Add("+252662345678")
	f.Add("+(0)(0)(0)1")
	f.Add("0x1")
	f.Add("1 ext 00000")

	f.Fuzz(func(t *testing.T, raw string) {
		once := Normalize(raw)

		if twice := Normalize(once); twice != once {
			t.Fatalf("Normalize(%q) = %q, but Normalize(%q) = %q", raw, once, once, twice)
		}
		if Valid(raw) && once != raw {
			t.Fatalf("valid %q normalised to %q", raw, once)
		}
		if Valid(once) != (len(once) > 0 && once[0] == '+') {
			t.Fatalf("Normalize(%q) = %q, Valid = %v", raw, once, Valid(once))
		}
	})
}
