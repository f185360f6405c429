package calloutsv1

import (
	"crypto/sha256"
	"encoding/hex"
)

// TokenBucket is the NATS KV bucket (under the deployment's prefix) that maps
// the SHA-256 of every live access token to its principal. The callouts
// service writes it; the gateway reads it to authenticate requests without a
// database. It holds no token, only hashes.
const TokenBucket = "TOKENS"

// Principal is what a token authenticates as.
type Principal struct {
	// AccountID is the token's resource owner.
	AccountID int64 `json:"account_id"`
	// TokenID is the access token's id.
	TokenID int64 `json:"token_id"`
	// SuperAdmin tells whether the account holds the super_admin permission.
	SuperAdmin bool `json:"super_admin"`
}

// TokenHash returns the hex SHA-256 of a plain token: the key of the token
// bucket and the only form in which tokens are stored.
func TokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Command payloads the gateway sends the callouts service.

// ContactWrite creates, updates or deletes a contact. Absent fields are
// left unchanged on update; a JSON null msisdn is sent as "".
type ContactWrite struct {
	ID                int64          `json:"id,omitempty"`
	MSISDN            *string        `json:"msisdn,omitempty"`
	Metadata          map[string]any `json:"metadata,omitempty"`
	MetadataMergeMode string         `json:"metadata_merge_mode,omitempty"`
}
