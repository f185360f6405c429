package msisdn

import "testing"

func BenchmarkNormalize(b *testing.B) {
	benchmarks := []struct {
		name string
		raw  string
	}{
		{name: "formatted", raw: "+252 66-(2)-345-678"},
		{name: "normalized", raw: "+252662345678"},
		{name: "no_plus", raw: "252662345678"},
		{name: "extension", raw: "+1 202-555-0123 ext. 42"},
		{name: "national_prefix", raw: "+44 020 7946 0958"},
		{name: "invalid", raw: "25212345"},
	}
	for _, bm := range benchmarks {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = Normalize(bm.raw)
			}
		})
	}
}

func BenchmarkValid(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = Valid("+252662345678")
	}
}
