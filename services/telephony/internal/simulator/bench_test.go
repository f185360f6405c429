package simulator

import (
	"testing"
)

// BenchmarkCreate measures call creation through twilio-go. The calls then
// play in the background (about 1.3 ms each), with or without webhooks to a
// local receiver competing for the same CPUs.
func BenchmarkCreate(b *testing.B) {
	b.Run("no_webhooks", func(b *testing.B) { benchmarkCreate(b, false) })
	b.Run("with_webhooks", func(b *testing.B) { benchmarkCreate(b, true) })
}

func benchmarkCreate(b *testing.B, webhooks bool) {
	tb := setup(b, Config{TimeScale: 0.001})
	rc := newReceiver(b, testToken)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		client := newAPI(b, tb.srv.URL, testSid, testToken)
		for pb.Next() {
			p := twimlParams("+85512345678")
			if webhooks {
				p = createParams("+85512345678", rc.url("/voice"), rc.url("/status"))
			}
			if _, err := client.CreateCall(p); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "creates/s")
}
