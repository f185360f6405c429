package telephonyv1

import "slices"

// RequestParams lists the provider request parameters a call may carry
// (the snake_case names of Twilio's "create call" arguments). Phone calls
// and the batch operations that create them accept these keys only.
func RequestParams() []string {
	return []string{
		"to", "from", "url", "application_sid", "method", "fallback_url", "fallback_method",
		"status_callback", "status_callback_event", "status_callback_method", "send_digits",
		"if_machine", "timeout", "record", "recording_channels", "recording_status_callback",
		"recording_status_callback_method", "sip_auth_username", "sip_auth_password",
		"machine_detection", "machine_detection_timeout",
	}
}

// CheckRequestParams returns the error message for params, "" when they are
// acceptable: present, not empty, and only known keys.
func CheckRequestParams(params map[string]any) string {
	if len(params) == 0 {
		return "can't be blank"
	}
	known := RequestParams()
	for k := range params {
		if !slices.Contains(known, k) {
			return "is not included in the list"
		}
	}
	return ""
}
