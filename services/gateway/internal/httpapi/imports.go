package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"scfm/gateway/internal/params"
)

// importPath is the route that uploads contacts. Its handler reads the
// body itself, as it arrives, so the parameter middleware leaves it alone.
const importPath = "/api/contact_imports"

func (a *API) importRoutes(r chi.Router) {
	r.Post("/contact_imports", a.importContacts)
	r.Get("/contact_imports", a.listUnder(svcCallouts, "contact_import"))
	r.Get("/contact_imports/{id}", a.get(svcCallouts, "contact_import"))
	r.Get("/contact_imports/{contact_import_id}/errors", a.listUnder(svcCallouts, "contact_import_error"))
}

// streamsBody reports whether r's handler reads its body itself.
func streamsBody(r *http.Request) bool {
	return r.Method == http.MethodPost && r.URL.Path == importPath
}

// upload is an opened import file.
type upload struct {
	rows     rowReader
	filename *string
	mode     string
}

// openUpload finds the file in the request and reads up to its first row:
// a CSV body (text/csv), a JSON array (application/json), or the field
// "file" of a multipart form, whose fields before it may set
// metadata_merge_mode. The query string may set metadata_merge_mode and,
// for a bare body, filename.
func openUpload(r *http.Request, body io.Reader) (upload, error) {
	p := paramsOf(r)
	up := upload{mode: scalar(p, "metadata_merge_mode")}
	if name := scalar(p, "filename"); name != "" {
		up.filename = &name
	}

	mediaType, mediaParams, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	asJSON := mediaType == "application/json" || strings.HasSuffix(mediaType, "+json")
	switch {
	case mediaType == "multipart/form-data":
		part, err := filePart(body, mediaParams["boundary"], &up)
		if err != nil {
			return up, err
		}
		partType, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
		name := part.FileName()
		if name != "" {
			up.filename = &name
		}
		body = part
		asJSON = partType == "application/json" || strings.EqualFold(path.Ext(name), ".json")
	case asJSON, mediaType == "text/csv", mediaType == "application/csv":
	default:
		return up, fileError{"is not CSV (text/csv) or a JSON array (application/json)"}
	}

	var err error
	if asJSON {
		up.rows, err = newJSONRows(body)
	} else {
		up.rows, err = newCSVRows(body)
	}
	return up, err
}

// filePart returns the part named "file" of a multipart body, reading the
// merge mode from the fields before it.
func filePart(body io.Reader, boundary string, up *upload) (*multipart.Part, error) {
	if boundary == "" {
		return nil, fileError{"is not in a valid multipart body"}
	}
	mr := multipart.NewReader(body, boundary)
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, fileError{"can't be blank"}
		}
		if err != nil {
			return nil, uploadReadError(err, "is not in a valid multipart body")
		}
		switch part.FormName() {
		case "file":
			return part, nil
		case "metadata_merge_mode":
			v, err := io.ReadAll(io.LimitReader(part, 64))
			if err != nil {
				return nil, uploadReadError(err, "is not in a valid multipart body")
			}
			up.mode = strings.TrimSpace(string(v))
		}
	}
}

// uploadReadError keeps errors about the body's size or transport and
// names any other as a malformed file.
func uploadReadError(err error, msg string) error {
	var body bodyError
	if errors.As(err, &body) {
		return err
	}
	return fileError{msg}
}

func scalar(p map[string]any, key string) string {
	s, ok, err := params.String(p, key)
	if !ok || err != nil {
		return ""
	}
	return strings.TrimSpace(s)
}

// importInfo is what the gateway needs of an import answer.
type importInfo struct {
	ID     int64  `json:"id"`
	Status string `json:"status"`
}

// importLocation is the path of an import.
func importLocation(id int64) string { return importPath + "/" + strconv.FormatInt(id, 10) }

// writeFileError answers a problem of the upload: 413 for a body over the
// import limit, 422 for a malformed file, 400 for a body that could not be
// read.
func (a *API) writeFileError(w http.ResponseWriter, err error) {
	var tooBig *http.MaxBytesError
	var bad fileError
	switch {
	case errors.As(err, &tooBig):
		writeJSON(w, http.StatusRequestEntityTooLarge, string(mustJSON(map[string]any{
			"errors": map[string][]string{"file": {tooLargeText(a.cfg.MaxImportBytes)}},
		})))
	case errors.As(err, &bad):
		invalid(w, "file", bad.msg)
	default:
		writeJSON(w, http.StatusBadRequest, `{"errors":{"file":["could not be read"]}}`)
	}
}

func tooLargeText(limit int64) string {
	return "is larger than " + strconv.FormatInt(limit, 10) + " bytes"
}

// failureText is the error an import keeps when reading its file failed.
func failureText(err error, limit int64) string {
	var tooBig *http.MaxBytesError
	var bad fileError
	switch {
	case errors.As(err, &tooBig):
		return "file " + tooLargeText(limit)
	case errors.As(err, &bad):
		return bad.Error()
	}
	return "upload interrupted"
}

// decodeImport reads the id and status of an import answer.
func decodeImport(body []byte) (importInfo, bool) {
	var info importInfo
	return info, json.Unmarshal(body, &info) == nil && info.ID > 0
}
