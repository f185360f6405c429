package calloutsv1

import "time"

// Population event names. A callout population creates participations in
// bulk: one event per step of up to PopulationEventRows participations, on
// the stream of the batch operation that populates, instead of one
// callout_participation.created per row.
const (
	AggregateCalloutPopulation = "callout_population"
	ParticipationsPopulated    = "callout_population.participations_created"
	// PopulationEventRows caps the participations one event carries, so an
	// event stays far below the event size limit.
	PopulationEventRows = 5000
)

// ParticipationsPopulatedV1 records participations a callout population
// created. Every one starts at aggregate version 1 of its own
// callout_participation stream, with no call flow logic of its own and
// empty metadata; later changes to one arrive as callout_participation
// events at version 2 and up.
type ParticipationsPopulatedV1 struct {
	BatchOperationID int64                      `json:"batch_operation_id"`
	AccountID        int64                      `json:"account_id"`
	CalloutID        int64                      `json:"callout_id"`
	Participations   []PopulatedParticipationV1 `json:"participations"`
	CreatedAt        time.Time                  `json:"created_at"`
}

// PopulatedParticipationV1 is one participation of a population event.
type PopulatedParticipationV1 struct {
	ID        int64  `json:"id"`
	ContactID int64  `json:"contact_id"`
	MSISDN    string `json:"msisdn"`
}
