package provider

import (
	"encoding/json"
	"strconv"
	"strings"

	api "github.com/twilio/twilio-go/rest/api/v2010"

	"scfm/shared/filter"
)

// CreateParams turns a call's request parameters (snake_case keys, as
// stored) into twilio-go's create parameters, with To forced to msisdn.
func CreateParams(sid, msisdn string, p map[string]any) *api.CreateCallParams {
	c := &api.CreateCallParams{}
	c.SetPathAccountSid(sid)
	text := func(k string) (string, bool) {
		v, ok := p[k]
		if !ok || v == nil {
			return "", false
		}
		return filter.Text(v), true
	}
	setters := map[string]func(string) *api.CreateCallParams{
		"from": c.SetFrom, "url": c.SetUrl, "application_sid": c.SetApplicationSid,
		"method": c.SetMethod, "fallback_url": c.SetFallbackUrl, "fallback_method": c.SetFallbackMethod,
		"status_callback": c.SetStatusCallback, "status_callback_method": c.SetStatusCallbackMethod,
		"send_digits": c.SetSendDigits, "recording_channels": c.SetRecordingChannels,
		"recording_status_callback":        c.SetRecordingStatusCallback,
		"recording_status_callback_method": c.SetRecordingStatusCallbackMethod,
		"sip_auth_username":                c.SetSipAuthUsername, "sip_auth_password": c.SetSipAuthPassword,
		"machine_detection": c.SetMachineDetection,
	}
	for k, set := range setters {
		if v, ok := text(k); ok {
			set(v)
		}
	}
	for k, set := range map[string]func(int) *api.CreateCallParams{
		"timeout": c.SetTimeout, "machine_detection_timeout": c.SetMachineDetectionTimeout,
	} {
		if v, ok := text(k); ok {
			if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
				set(n)
			}
		}
	}
	if v, ok := text("record"); ok {
		c.SetRecord(!filter.Falsy(v))
	}
	switch ev := p["status_callback_event"].(type) {
	case []any:
		events := make([]string, 0, len(ev))
		for _, e := range ev {
			events = append(events, filter.Text(e))
		}
		c.SetStatusCallbackEvent(events)
	case nil:
	default:
		c.SetStatusCallbackEvent(strings.Fields(strings.ReplaceAll(filter.Text(ev), ",", " ")))
	}
	c.SetTo(msisdn)
	return c
}

// Properties returns a call resource as the API stores it: snake_case keys,
// nulls dropped, price always present as a number (0 when absent).
func Properties(call *api.ApiV2010Call) map[string]any {
	out := map[string]any{}
	raw, err := json.Marshal(call)
	if err == nil {
		var m map[string]any
		if json.Unmarshal(raw, &m) == nil {
			for k, v := range m {
				if v != nil {
					out[k] = v
				}
			}
		}
	}
	price := 0.0
	if call != nil && call.Price != nil {
		if f, err := strconv.ParseFloat(*call.Price, 64); err == nil {
			price = f
		}
	}
	out["price"] = price
	return out
}
