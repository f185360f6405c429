package calloutsv1

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/google/uuid"
)

// Contact import event names. An import upserts contacts in bulk: its rows
// arrive in chunks, and each chunk records a few events on the import's own
// stream instead of one contact event per row.
const (
	AggregateContactImport    = "contact_import"
	ContactImportCreated      = "contact_import.created"
	ContactsImported          = "contact_import.contacts_imported"
	ContactImportRowsRejected = "contact_import.rows_rejected"
	ContactImportFinished     = "contact_import.finished"
)

// Import statuses.
const (
	ImportRunning   = "running"
	ImportCompleted = "completed"
	ImportFailed    = "failed"
)

// Import actions on one contact.
const (
	ImportActionCreated = "created"
	ImportActionUpdated = "updated"
)

// Import limits, shared by the gateway that reads files and the service
// that applies them.
const (
	// ImportChunkRows caps the rows of one chunk command.
	ImportChunkRows = 2000
	// MaxImportMetadataBytes caps a contact's metadata, as JSON, after an
	// import row is merged into it. It keeps every row far below the event
	// and message size limits, however the rows of a chunk are packed.
	MaxImportMetadataBytes = 64 << 10
)

// ContactImportCreatedV1 records a new import; it is running until its
// finished event.
type ContactImportCreatedV1 struct {
	ID                int64     `json:"id"`
	AccountID         int64     `json:"account_id"`
	Filename          *string   `json:"filename"`
	MetadataMergeMode string    `json:"metadata_merge_mode"`
	CreatedAt         time.Time `json:"created_at"`
}

// ContactsImportedV1 records contacts one chunk of an import created or
// updated. Each contact carries its state after the import in full and its
// new aggregate version: a created contact starts at version 1 of its own
// contact stream, an updated one moves one past its previous version, and
// later changes to it arrive as contact events above that version.
type ContactsImportedV1 struct {
	ImportID   int64               `json:"import_id"`
	AccountID  int64               `json:"account_id"`
	Chunk      int                 `json:"chunk"`
	Contacts   []ImportedContactV1 `json:"contacts"`
	ImportedAt time.Time           `json:"imported_at"`
}

// ImportedContactV1 is one contact of a ContactsImportedV1 event.
type ImportedContactV1 struct {
	ID       int64           `json:"id"`
	Row      int64           `json:"row"`
	Action   string          `json:"action"`
	MSISDN   string          `json:"msisdn"`
	Metadata json.RawMessage `json:"metadata"`
	Version  int64           `json:"version"`
}

// ContactImportRowsRejectedV1 records rows of one chunk that changed
// nothing, each with the reason.
type ContactImportRowsRejectedV1 struct {
	ImportID   int64           `json:"import_id"`
	AccountID  int64           `json:"account_id"`
	Chunk      int             `json:"chunk"`
	Rows       []RejectedRowV1 `json:"rows"`
	RejectedAt time.Time       `json:"rejected_at"`
}

// RejectedRowV1 is one rejected row: its number (1 is the first data row),
// the number as written in the file (cut to a few dozen characters) and
// why it was rejected.
type RejectedRowV1 struct {
	Row    int64  `json:"row"`
	MSISDN string `json:"msisdn"`
	Reason string `json:"reason"`
}

// ContactImportFinishedV1 records the end of an import with its totals.
type ContactImportFinishedV1 struct {
	ID         int64     `json:"id"`
	AccountID  int64     `json:"account_id"`
	Status     string    `json:"status"`
	Error      *string   `json:"error"`
	Rows       int64     `json:"rows"`
	Created    int64     `json:"created"`
	Updated    int64     `json:"updated"`
	Rejected   int64     `json:"rejected"`
	FinishedAt time.Time `json:"finished_at"`
}

// Command payloads of an import, which the gateway sends while it reads
// the uploaded file.

// ContactImportStart opens an import in the caller's account.
type ContactImportStart struct {
	Filename          *string `json:"filename,omitempty"`
	MetadataMergeMode string  `json:"metadata_merge_mode,omitempty"`
}

// ContactImportChunk carries the next rows of an import, in file order.
// Chunks are numbered from 1 and sent one after another.
type ContactImportChunk struct {
	ImportID int64       `json:"import_id"`
	Chunk    int         `json:"chunk"`
	Rows     []ImportRow `json:"rows"`
}

// ImportRow is one data row as the file gave it.
type ImportRow struct {
	// Row is the row's number, 1 for the first data row.
	Row int64 `json:"row"`
	// MSISDN is the number as written.
	MSISDN string `json:"msisdn"`
	// Metadata is a JSON object, absent when the row has none.
	Metadata json.RawMessage `json:"metadata,omitempty"`
	// Problem, when set, is why the reader already rejects the row.
	Problem string `json:"problem,omitempty"`
}

// ContactImportChunkResult is the answer to a chunk: what it did.
type ContactImportChunkResult struct {
	Rows     int64 `json:"rows"`
	Created  int64 `json:"created"`
	Updated  int64 `json:"updated"`
	Rejected int64 `json:"rejected"`
}

// ContactImportFinish ends an import: completed, or failed with Error.
type ContactImportFinish struct {
	ImportID int64  `json:"import_id"`
	Error    string `json:"error,omitempty"`
}

// importNamespace scopes the command ids of import steps.
var importNamespace = uuid.MustParse("8d0f6a52-3c1e-4b7a-9e25-71c4d2b8f0a3")

// ContactImportChunkID is the command id of chunk n of an import. It is the
// same every time the chunk is sent, so a chunk sent again after a timeout
// or a crash gets the first answer instead of being applied twice.
func ContactImportChunkID(importID int64, n int) string {
	return uuid.NewSHA1(importNamespace,
		[]byte(strconv.FormatInt(importID, 10)+"/chunk/"+strconv.Itoa(n))).String()
}

// ContactImportFinishID is the command id that finishes an import.
func ContactImportFinishID(importID int64) string {
	return uuid.NewSHA1(importNamespace, []byte(strconv.FormatInt(importID, 10)+"/finish")).String()
}
