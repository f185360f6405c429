package flow

import (
	"testing"

	"github.com/stretchr/testify/require"

	"scfm/shared/callflow"
)

func TestRender(t *testing.T) {
	t.Parallel()

	hello, err := Render(callflow.HelloWorld, nil)
	require.NoError(t, err)
	require.Equal(t, `<?xml version="1.0" encoding="UTF-8"?><Response><Say>Thanks for trying our documentation.`+
		` Enjoy!</Say><Play>http://demo.twilio.com/docs/classic.mp3</Play></Response>`, hello)

	play, err := Render(callflow.PlayMessage, []byte(`{"audio_url":"https://x/a.mp3?a=1&b=2"}`))
	require.NoError(t, err)
	require.Contains(t, play, `<Play>https://x/a.mp3?a=1&amp;b=2</Play><Hangup/>`)

	say, err := Render(callflow.PlayMessage, []byte(`{"message":"Flood <warning>"}`))
	require.NoError(t, err)
	require.Contains(t, say, `<Say>Flood &lt;warning&gt;</Say>`)
}

func TestResolve(t *testing.T) {
	t.Parallel()

	flows := callflow.NewRegistry(nil)
	play, bogus := callflow.PlayMessage, "Nope"
	require.Equal(t, callflow.HelloWorld, Resolve(flows))
	require.Equal(t, callflow.PlayMessage, Resolve(flows, nil, &play))
	require.Equal(t, callflow.HelloWorld, Resolve(flows, &bogus, &play), "an unregistered first choice falls back")
}
