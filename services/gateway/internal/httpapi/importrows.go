package httpapi

import "scfm/shared/contract/calloutsv1"

// Reasons the file reader rejects a row by itself. The callouts service
// checks the numbers and the rest.
const (
	problemTooLarge          = "metadata is too large"
	problemNotUTF8           = "row is not UTF-8 text"
	problemNotObject         = "row is not a JSON object"
	problemInvalidNumber     = "msisdn is an invalid number"
	problemMetadataNotObject = "metadata is not a JSON object"
)

// Bounds of what one chunk command carries.
const (
	// maxNumberBytes bounds the number as written; no phone number comes
	// near it, however it is spelled.
	maxNumberBytes = 256
	// chunkBytes bounds a chunk's rows, well below the NATS message limit.
	chunkBytes = 512 << 10
)

// fileError is a problem with the uploaded file as a whole, answered 422
// on the field "file".
type fileError struct{ msg string }

func (e fileError) Error() string { return "file " + e.msg }

// rowReader yields the data rows of an uploaded file in order; io.EOF ends
// them.
type rowReader interface {
	next() (calloutsv1.ImportRow, error)
}

// readChunk reads the next rows of the file, up to the rows and bytes of a
// chunk. At the end of the file it returns the last rows with io.EOF.
func readChunk(rows rowReader) ([]calloutsv1.ImportRow, error) {
	var out []calloutsv1.ImportRow
	size := 0
	for len(out) < calloutsv1.ImportChunkRows && size < chunkBytes {
		r, err := rows.next()
		if err != nil {
			return out, err
		}
		r = bounded(r)
		size += len(r.MSISDN) + len(r.Metadata) + 64
		out = append(out, r)
	}
	return out, nil
}

// bounded rejects a row whose number or metadata is too long to send,
// keeping only the start of the number.
func bounded(r calloutsv1.ImportRow) calloutsv1.ImportRow {
	if len(r.MSISDN) > maxNumberBytes {
		r.MSISDN = r.MSISDN[:maxNumberBytes]
		if r.Problem == "" {
			r.Problem = problemInvalidNumber
		}
	}
	if len(r.Metadata) > calloutsv1.MaxImportMetadataBytes {
		r.Metadata = nil
		if r.Problem == "" {
			r.Problem = problemTooLarge
		}
	}
	if r.Problem != "" {
		r.Metadata = nil
	}
	return r
}

// The readers of both formats.
var (
	_ rowReader = (*csvRows)(nil)
	_ rowReader = (*jsonRows)(nil)
)
