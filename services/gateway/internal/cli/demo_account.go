package cli

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"scfm/gateway/internal/apiclient"
)

// tokenWait bounds the wait until the API accepts a new token, which it
// learns about asynchronously.
const tokenWait = 15 * time.Second

// demoAccount returns a client for the account the demo runs in, set to
// dial through the simulator, and whether the account is new. With a
// super-admin token and without --own-account it is a new account.
func (a *app) demoAccount(
	ctx context.Context, c *apiclient.Client, opts demoOptions,
) (*apiclient.Client, bool, error) {
	settings := map[string]any{
		"platform_provider_name": "simulator",
		"calls_per_second":       opts.callsPerSec,
		"max_concurrent_calls":   opts.maxConcurrent,
	}

	if !opts.ownAccount {
		acc, err := c.CreateAccount(ctx, map[string]any{
			"name": "SCFM demo " + time.Now().UTC().Format(time.DateTime),
		}, settings)

		var refused *apiclient.APIError
		switch {
		case errors.As(err, &refused) && refused.Status == http.StatusUnauthorized:
			fmt.Fprintln(a.env.Stderr, "the token is no super admin's: using its own account")
		case err != nil:
			return nil, false, err
		default:
			own, err := a.newAccountClient(ctx, c, acc.ID)
			return own, true, err
		}
	}

	return c, false, a.useSimulator(ctx, c, settings)
}

// newAccountClient creates a token for a new account and waits until the
// API accepts it.
func (a *app) newAccountClient(
	ctx context.Context, c *apiclient.Client, accountID int64,
) (*apiclient.Client, error) {
	token, err := c.CreateAccessToken(ctx, accountID)
	if err != nil {
		return nil, err
	}

	own := c.WithToken(token.Token)
	deadline := time.Now().Add(tokenWait)
	for {
		_, err := own.OwnAccount(ctx)

		var refused *apiclient.APIError
		if !errors.As(err, &refused) || refused.Status != http.StatusUnauthorized {
			if err == nil {
				fmt.Fprintf(a.env.Stderr, "account %d created; its token: %s\n", accountID,
					token.Token)
			}

			return own, err
		}

		if time.Now().After(deadline) {
			return nil, fmt.Errorf("the API still refuses the new token of account %d after %s",
				accountID, tokenWait)
		}

		if err := apiclient.Sleep(ctx, 50*time.Millisecond); err != nil {
			return nil, err
		}
	}
}

// useSimulator points the caller's own account at the simulator, keeping
// its other settings. An account that dials through a real provider is
// left alone: the demo would call real people.
func (a *app) useSimulator(
	ctx context.Context, c *apiclient.Client, settings map[string]any,
) error {
	acc, err := c.OwnAccount(ctx)
	if err != nil {
		return err
	}

	provider, _ := acc.Settings["platform_provider_name"].(string)
	if provider != "" && provider != "simulator" {
		return fmt.Errorf("account %d dials through %s: the demo runs only against the simulator",
			acc.ID, provider)
	}

	merged := map[string]any{}
	for k, v := range acc.Settings {
		merged[k] = v
	}
	for k, v := range settings {
		merged[k] = v
	}

	if err := c.UpdateOwnSettings(ctx, merged); err != nil {
		return err
	}

	fmt.Fprintf(a.env.Stderr, "account %d dials through the simulator\n", acc.ID)

	return nil
}
