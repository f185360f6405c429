// Package flow renders the TwiML of call flow logics: what a call says and
// does once the callee answers.
package flow

import (
	"encoding/json"
	"fmt"

	"github.com/twilio/twilio-go/twiml"

	"scfm/shared/callflow"
	"scfm/shared/filter"
)

// Resolve returns the call flow logic a callback runs: the first of
// candidates (the call's own, its participation's, its callout's, its
// account's) that is set, or HelloWorld when none is set or the one found
// is not registered.
func Resolve(flows callflow.Registry, candidates ...*string) string {
	for _, c := range candidates {
		if c != nil && *c != "" {
			if flows.Registered(*c) {
				return *c
			}
			break
		}
	}
	return callflow.HelloWorld
}

// Render returns the TwiML of logic for a call of a callout whose metadata
// is calloutMetadata (used by PlayMessage: "audio_url" is played, else
// "message" is said, then the call hangs up).
func Render(logic string, calloutMetadata []byte) (string, error) {
	var elems []twiml.Element
	switch logic {
	case callflow.PlayMessage:
		var md map[string]any
		_ = json.Unmarshal(calloutMetadata, &md)
		if u := filter.Text(md["audio_url"]); u != "" {
			elems = append(elems, &twiml.VoicePlay{Url: u})
		} else if m := filter.Text(md["message"]); m != "" {
			elems = append(elems, &twiml.VoiceSay{Message: m, Language: filter.Text(md["language"])})
		} else {
			elems = append(elems, &twiml.VoiceSay{Message: "This call has no message. Goodbye."})
		}
		elems = append(elems, &twiml.VoiceHangup{})
	default:
		elems = []twiml.Element{
			&twiml.VoiceSay{Message: "Thanks for trying our documentation. Enjoy!"},
			&twiml.VoicePlay{Url: "http://demo.twilio.com/docs/classic.mp3"},
		}
	}
	out, err := twiml.Voice(elems)
	if err != nil {
		return "", fmt.Errorf("render %s: %w", logic, err)
	}
	return out, nil
}
