package command

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"scfm/shared/commands"
	tel "scfm/shared/contract/telephonyv1"
	"scfm/shared/eventstore"
	"scfm/shared/metadata"
)

// call is a phone call as the write side knows it.
type call struct {
	id, accountID, version int64
	participationID        *int64
	status, number         string
	flow, inherited        *string
	md, params             map[string]any
	remoteID, remoteStatus *string
	remoteDirection        *string
	remoteError            *string
	remotelyQueuedAt       *time.Time
	// calloutMD is the metadata of the call's callout, which its call flow
	// may read (nil when the call has no callout).
	calloutMD []byte
}

// loadCallSQL reads and locks a call by id ($1), of account $2 (any
// account when 0).
const loadCallSQL = `
	SELECT pc.callout_participation_id, pc.status, pc.msisdn, pc.call_flow_logic,
		coalesce(kp.call_flow_logic, kk.call_flow_logic, ka.settings->>'call_flow_logic'),
		pc.metadata::text, pc.remote_request_params::text, pc.remote_call_id, pc.remote_status,
		pc.remote_direction, pc.remote_error_message, pc.remotely_queued_at, pc.version, pc.account_id,
		kk.metadata::text
	FROM phone_calls pc
	LEFT JOIN known_participations kp ON kp.id = pc.callout_participation_id
	LEFT JOIN known_callouts kk ON kk.id = pc.callout_id
	LEFT JOIN known_accounts ka ON ka.id = pc.account_id
	WHERE pc.id = $1 AND ($2 = 0 OR pc.account_id = $2) FOR UPDATE OF pc`

// loadCall reads and locks a call of account (any account when 0).
func loadCall(ctx context.Context, tx pgx.Tx, account, id int64) (call, bool, error) {
	return scanCall(tx.QueryRow(ctx, loadCallSQL, id, account), account, id)
}

// scanCall reads the row of loadCallSQL for call id of account.
func scanCall(row pgx.Row, account, id int64) (call, bool, error) {
	c := call{id: id, accountID: account}
	var md, params []byte
	err := row.Scan(
		&c.participationID, &c.status, &c.number, &c.flow, &c.inherited, &md, &params, &c.remoteID,
		&c.remoteStatus, &c.remoteDirection, &c.remoteError, &c.remotelyQueuedAt, &c.version, &c.accountID,
		&c.calloutMD)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, false, nil
	}
	if err != nil {
		return c, false, fmt.Errorf("load phone call %d: %w", id, err)
	}
	if c.md, err = metadata.Decode(md); err != nil {
		return c, false, err
	}
	c.params, err = metadata.Decode(params)
	return c, err == nil, err
}

// statusEvent records the call's move to next, keeping what is known of
// the provider's side.
func (c call) statusEvent(next string, at time.Time, rec *commands.Recorder) eventstore.Event {
	return eventstore.New(tel.AggregatePhoneCall, strconv.FormatInt(c.id, 10), c.version+1,
		tel.PhoneCallStatusChanged, tel.PhoneCallStatusChangedV1{
			ID: c.id, AccountID: c.accountID, CalloutParticipationID: c.participationID,
			Status: next, PreviousStatus: c.status, RemoteCallID: c.remoteID, RemoteStatus: c.remoteStatus,
			RemoteDirection: c.remoteDirection, RemoteErrorMessage: c.remoteError,
			RemotelyQueuedAt: c.remotelyQueuedAt, ChangedAt: at,
		}, rec.Metadata())
}
