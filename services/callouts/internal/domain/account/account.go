// Package account holds the rules of accounts: their provider settings and
// credentials, and what they may own.
package account

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"

	"scfm/shared/callflow"
	"scfm/shared/filter"
	"scfm/shared/metadata"
	"scfm/shared/reply"
)

// PermissionSuperAdmin is the permission bit of super-admin accounts.
const PermissionSuperAdmin = 1

// Providers a deployment can dial through. "simulator" is the built-in
// Twilio-compatible simulator, for trials, demos and tests.
func providers() []string { return []string{"twilio", "somleng", "simulator"} }

// Messages.
const (
	msgNotIncluded = "is not included in the list"
	msgInvalid     = "is invalid"
	msgPositive    = "must be greater than 0"
)

// State is an account as the write side knows it.
type State struct {
	ID                int64
	Metadata          map[string]any
	Settings          map[string]any
	TwilioAccountSID  *string
	SomlengAccountSID *string
	TwilioAuthToken   *string
	SomlengAuthToken  *string
	Permissions       int
	Version           int64
}

// Write is a create or update of an account. Nil fields are absent and
// leave the state unchanged.
type Write struct {
	ID                int64          `json:"id,omitempty"`
	TwilioAccountSID  *string        `json:"twilio_account_sid,omitempty"`
	TwilioAuthToken   *string        `json:"twilio_auth_token,omitempty"`
	SomlengAccountSID *string        `json:"somleng_account_sid,omitempty"`
	SomlengAuthToken  *string        `json:"somleng_auth_token,omitempty"`
	Metadata          map[string]any `json:"metadata,omitempty"`
	MetadataMergeMode string         `json:"metadata_merge_mode,omitempty"`
	Settings          map[string]any `json:"settings,omitempty"`
}

// Apply returns s changed by w, or the validation errors. Settings are
// replaced wholesale by the known keys of what was sent; unknown keys are
// dropped.
func Apply(s State, w Write, flows callflow.Registry) (State, reply.Errors) {
	errs := reply.Errors{}
	for _, f := range []struct {
		dst **string
		src *string
	}{
		{&s.TwilioAccountSID, w.TwilioAccountSID}, {&s.TwilioAuthToken, w.TwilioAuthToken},
		{&s.SomlengAccountSID, w.SomlengAccountSID}, {&s.SomlengAuthToken, w.SomlengAuthToken},
	} {
		if f.src != nil {
			*f.dst = blankToNil(*f.src)
		}
	}
	if w.Metadata != nil {
		s.Metadata = metadata.Apply(s.Metadata, w.Metadata, w.MetadataMergeMode)
	}
	if w.Settings != nil {
		s.Settings = permittedSettings(w.Settings, flows, errs)
	}
	if len(errs) > 0 {
		return s, errs
	}
	return s, nil
}

// permittedSettings keeps the writable settings keys of sent, checking each.
func permittedSettings(sent map[string]any, flows callflow.Registry, errs reply.Errors) map[string]any {
	out := map[string]any{}
	for key, v := range sent {
		switch key {
		case "platform_provider_name":
			if v != nil && !contains(providers(), v) {
				errs.Add(key, msgNotIncluded)
			}
		case "call_flow_logic":
			if v != nil && !flows.Registered(filter.Text(v)) {
				errs.Add(key, msgNotIncluded)
			}
		case "twilio_api_base_url", "somleng_api_base_url":
			if v != nil && !isHTTPURL(filter.Text(v)) {
				errs.Add(key, msgInvalid)
			}
		case "calls_per_second", "max_concurrent_calls":
			if n, err := strconv.ParseFloat(strings.TrimSpace(filter.Text(v)), 64); err != nil || n <= 0 {
				errs.Add(key, msgPositive)
			}
		default:
			continue
		}
		out[key] = v
	}
	return out
}

func contains(list []string, v any) bool {
	s, ok := v.(string)
	if !ok {
		return false
	}
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

func blankToNil(s string) *string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	return &s
}

// PermissionNames renders a permission bitmask as names.
func PermissionNames(bits int) []string {
	names := []string{}
	if bits&PermissionSuperAdmin != 0 {
		names = append(names, "super_admin")
	}
	return names
}

// Encode renders settings or metadata for storage and events.
func Encode(m map[string]any) json.RawMessage { return metadata.Encode(m) }
