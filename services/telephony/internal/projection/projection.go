// Package projection keeps the telephony service's phone_calls table in
// step with its event log; commands apply each event in the transaction
// that records it.
package projection

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"scfm/shared/contract/telephonyv1"
	"scfm/shared/eventstore"
)

// Apply writes the effect of e on the read tables in tx.
func Apply(ctx context.Context, tx pgx.Tx, e eventstore.Event) error {
	var err error
	switch e.Type {
	case telephonyv1.PhoneCallCreated:
		err = applyCreated(ctx, tx, e)
	case telephonyv1.PhoneCallUpdated:
		err = applyUpdated(ctx, tx, e)
	case telephonyv1.PhoneCallStatusChanged:
		err = applyStatus(ctx, tx, e)
	case telephonyv1.PhoneCallDeleted:
		_, err = tx.Exec(ctx, `DELETE FROM phone_calls WHERE id = $1::bigint`, e.StreamID)
	case telephonyv1.RemoteEventCreated:
		err = applyRemoteEvent(ctx, tx, e)
	case telephonyv1.RemoteEventUpdated:
		var d telephonyv1.RemoteEventUpdatedV1
		if err = json.Unmarshal(e.Data, &d); err == nil {
			_, err = tx.Exec(
				ctx,
				`UPDATE remote_phone_call_events SET metadata = $2, updated_at = $3, version = $4
				WHERE id = $1`,
				d.ID,
				d.Metadata,
				d.UpdatedAt,
				e.Version,
			)
		}
	}
	if err != nil {
		return fmt.Errorf("project %s %s: %w", e.Type, e.StreamID, err)
	}
	return nil
}

func applyCreated(ctx context.Context, tx pgx.Tx, e eventstore.Event) error {
	var d telephonyv1.PhoneCallCreatedV1
	if err := json.Unmarshal(e.Data, &d); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO phone_calls (id, account_id, callout_participation_id, callout_id, contact_id,
			create_batch_operation_id, status, msisdn, call_flow_logic, metadata, remote_request_params,
			created_at, updated_at, version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13)`,
		d.ID, d.AccountID, d.CalloutParticipationID, d.CalloutID, d.ContactID, d.CreateBatchOperationID,
		d.Status, d.MSISDN, d.CallFlowLogic, d.Metadata, d.RemoteRequestParams, d.CreatedAt, e.Version)
	return err
}

func applyUpdated(ctx context.Context, tx pgx.Tx, e eventstore.Event) error {
	var d telephonyv1.PhoneCallUpdatedV1
	if err := json.Unmarshal(e.Data, &d); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `
		UPDATE phone_calls SET msisdn = $2, call_flow_logic = $3, metadata = $4,
			remote_request_params = $5, updated_at = $6, version = $7
		WHERE id = $1`,
		d.ID, d.MSISDN, d.CallFlowLogic, d.Metadata, d.RemoteRequestParams, d.UpdatedAt, e.Version)
	return err
}

// StatusDetail is the part of status events kept off the public stream:
// the provider's raw answers (shown by the API) and the batch operation that
// queued or fetched the call.
type StatusDetail struct {
	RemoteResponse      json.RawMessage `json:"remote_response,omitempty"`
	RemoteQueueResponse json.RawMessage `json:"remote_queue_response,omitempty"`
	QueueBatchID        *int64          `json:"queue_batch_operation_id,omitempty"`
	FetchBatchID        *int64          `json:"queue_remote_fetch_batch_operation_id,omitempty"`
}

func applyStatus(ctx context.Context, tx pgx.Tx, e eventstore.Event) error {
	var d telephonyv1.PhoneCallStatusChangedV1
	if err := json.Unmarshal(e.Data, &d); err != nil {
		return err
	}
	var x StatusDetail
	if len(e.Private) > 0 {
		if err := json.Unmarshal(e.Private, &x); err != nil {
			return err
		}
	}
	_, err := tx.Exec(ctx, `
		UPDATE phone_calls SET status = $2, remote_call_id = $3, remote_status = $4,
			remote_direction = $5, remote_error_message = $6, remotely_queued_at = $7,
			remote_response = coalesce($8, remote_response),
			remote_queue_response = coalesce($9, remote_queue_response),
			queue_batch_operation_id = coalesce($10, queue_batch_operation_id),
			queue_remote_fetch_batch_operation_id = coalesce($11, queue_remote_fetch_batch_operation_id),
			updated_at = $12, version = $13
		WHERE id = $1`,
		d.ID, d.Status, d.RemoteCallID, d.RemoteStatus, d.RemoteDirection, d.RemoteErrorMessage,
		d.RemotelyQueuedAt, nilIfEmpty(x.RemoteResponse), nilIfEmpty(x.RemoteQueueResponse),
		x.QueueBatchID, x.FetchBatchID, d.ChangedAt, e.Version)
	return err
}

func nilIfEmpty(b json.RawMessage) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

func applyRemoteEvent(ctx context.Context, tx pgx.Tx, e eventstore.Event) error {
	var d telephonyv1.RemoteEventCreatedV1
	if err := json.Unmarshal(e.Data, &d); err != nil {
		return err
	}
	var p struct {
		Details   json.RawMessage `json:"details"`
		DedupeKey string          `json:"dedupe_key"`
	}
	if err := json.Unmarshal(e.Private, &p); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO remote_phone_call_events (id, account_id, phone_call_id, contact_id, callout_id,
			callout_participation_id, details, remote_call_id, remote_direction, call_flow_logic,
			dedupe_key, created_at, updated_at, version)
		SELECT $1, $2, $3, pc.contact_id, pc.callout_id, pc.callout_participation_id, $4, $5, $6, $7,
			$8, $9, $9, $10
		FROM (SELECT 1) one LEFT JOIN phone_calls pc ON pc.id = $3`,
		d.ID, d.AccountID, d.PhoneCallID, p.Details, d.RemoteCallID, d.RemoteDirection, d.CallFlowLogic,
		p.DedupeKey, d.CreatedAt, e.Version)
	return err
}
