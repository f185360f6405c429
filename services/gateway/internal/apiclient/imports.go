package apiclient

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Contact import statuses.
const (
	ImportRunning   = "running"
	ImportCompleted = "completed"
	ImportFailed    = "failed"
)

// ContactImport is a bulk contact import as the API shows it.
type ContactImport struct {
	ID         int64      `json:"id"`
	AccountID  int64      `json:"account_id"`
	Status     string     `json:"status"`
	Filename   *string    `json:"filename"`
	Rows       int64      `json:"rows"`
	Created    int64      `json:"created"`
	Updated    int64      `json:"updated"`
	Rejected   int64      `json:"rejected"`
	Error      *string    `json:"error"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	FinishedAt *time.Time `json:"finished_at"`
}

// ImportError is one rejected row of an import.
type ImportError struct {
	Row    int64  `json:"row"`
	MSISDN string `json:"msisdn"`
	Reason string `json:"reason"`
}

// ImportContacts uploads a CSV file as multipart field "file". The server
// reads the rows while they arrive, so progress, when not nil, is told how
// many bytes of the file have been sent so far out of its size.
func (c *Client) ImportContacts(
	ctx context.Context, file string, progress func(sent, size int64),
) (ContactImport, error) {
	info, err := os.Stat(file)
	if err != nil {
		return ContactImport{}, err
	}
	if !info.Mode().IsRegular() {
		return ContactImport{}, fmt.Errorf("%s is not a regular file", file)
	}

	head, tail, contentType, err := multipartFrame(filepath.Base(file))
	if err != nil {
		return ContactImport{}, err
	}

	size := info.Size()
	open := func() (io.ReadCloser, error) {
		f, err := os.Open(file)
		if err != nil {
			return nil, err
		}

		counted := &countingReader{r: f, total: size, report: progress}
		body := io.MultiReader(bytes.NewReader(head), counted, bytes.NewReader(tail))

		return readCloser{Reader: body, Closer: f}, nil
	}

	var out ContactImport
	err = c.call(ctx, Request{
		Method: http.MethodPost, Path: "/api/contact_imports", Body: open,
		ContentType: contentType, ContentLength: int64(len(head)) + size + int64(len(tail)),
	}, &out)

	return out, err
}

// ContactImport fetches an import.
func (c *Client) ContactImport(ctx context.Context, id int64) (ContactImport, error) {
	var out ContactImport
	err := c.call(ctx, Request{Path: ImportPath(id)}, &out)

	return out, err
}

// ImportPath returns the path of a contact import.
func ImportPath(id int64) string {
	return "/api/contact_imports/" + strconv.FormatInt(id, 10)
}

// multipartFrame returns what goes before and after the file in a
// multipart body with one part, and the body's content type, so that the
// body's length is known before the file is read.
func multipartFrame(filename string) (head, tail []byte, contentType string, err error) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)

	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename="%s"`,
		strings.NewReplacer(`"`, "%22", "\r", "", "\n", "").Replace(filename)))
	h.Set("Content-Type", "text/csv")
	if _, err := w.CreatePart(h); err != nil {
		return nil, nil, "", fmt.Errorf("build upload: %w", err)
	}

	tail = []byte("\r\n--" + w.Boundary() + "--\r\n")

	return buf.Bytes(), tail, w.FormDataContentType(), nil
}

// countingReader reports how much of a file has been read.
type countingReader struct {
	r      io.Reader
	read   int64
	total  int64
	report func(sent, size int64)
}

// Read implements io.Reader.
func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.read += int64(n)
	if c.report != nil && n > 0 {
		c.report(c.read, c.total)
	}

	return n, err
}

// readCloser joins a reader with the closer of what it reads from.
type readCloser struct {
	io.Reader
	io.Closer
}
