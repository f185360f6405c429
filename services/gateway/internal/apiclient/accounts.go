package apiclient

import (
	"context"
	"net/http"
	"strconv"
)

// Account is the part of an account the command-line tool uses.
type Account struct {
	ID          int64          `json:"id"`
	Metadata    map[string]any `json:"metadata"`
	Settings    map[string]any `json:"settings"`
	Permissions []string       `json:"permissions"`
}

// AccessToken is a new access token; Token is shown only on creation.
type AccessToken struct {
	ID    int64  `json:"id"`
	Token string `json:"token"`
}

// OwnAccount fetches the caller's account.
func (c *Client) OwnAccount(ctx context.Context) (Account, error) {
	var out Account
	err := c.call(ctx, Request{Path: "/api/account"}, &out)

	return out, err
}

// UpdateOwnSettings replaces the caller's account settings.
func (c *Client) UpdateOwnSettings(ctx context.Context, settings map[string]any) error {
	return c.call(ctx, Request{
		Method: http.MethodPatch, Path: "/api/account",
		JSON: map[string]any{"settings": settings},
	}, nil)
}

// CreateAccount creates an account (super admin only).
func (c *Client) CreateAccount(
	ctx context.Context, metadata, settings map[string]any,
) (Account, error) {
	var out Account
	err := c.call(ctx, Request{
		Method: http.MethodPost, Path: "/api/accounts",
		JSON: map[string]any{"metadata": metadata, "settings": settings},
	}, &out)

	return out, err
}

// CreateAccessToken creates a token for an account (super admin only, or
// the caller's own account when accountID is 0).
func (c *Client) CreateAccessToken(ctx context.Context, accountID int64) (AccessToken, error) {
	body := map[string]any{}
	if accountID > 0 {
		body["account_id"] = strconv.FormatInt(accountID, 10)
	}

	var out AccessToken
	err := c.call(ctx, Request{Method: http.MethodPost, Path: "/api/access_tokens", JSON: body},
		&out)

	return out, err
}
