package httpapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"scfm/shared/contract/calloutsv1"
	"scfm/shared/filter"
	"scfm/shared/natsbus"
	"scfm/shared/reply"
)

// Pacing of an import upload.
const (
	// importIdle is how long the upload may go without a byte arriving,
	// and the answer without being written, before the connection is cut.
	// It replaces the server's whole-request timeouts, which no large
	// upload could meet.
	importIdle = time.Minute
	// chunkAttempts bounds the sends of one chunk while the callouts
	// service does not answer; the chunk's id makes a repeat harmless.
	chunkAttempts = 3
	// finishTimeout bounds recording the end of an import whose client
	// went away.
	finishTimeout = 10 * time.Second
)

// readResult is one chunk read ahead from the upload.
type readResult struct {
	rows []calloutsv1.ImportRow
	err  error
}

// importContacts streams an upload into an import: it reads the file a
// chunk at a time, sends each chunk to the callouts service while it
// reads the next, and answers the finished import. Memory stays bounded
// by two chunks whatever the size of the file.
//
// Nothing is created when the file is unusable from the start (no msisdn
// column, empty, malformed before its first chunk ends). A file that turns
// out malformed later, or too large, fails the import with the chunks
// before applied. A repeat with the same Idempotency-Key gets the import
// the first request created: finished, it is answered as it is; still
// running (the first attempt met a 503), the upload resumes and the chunks
// already applied are skipped.
func (a *API) importContacts(w http.ResponseWriter, r *http.Request) {
	started := time.Now()
	if r.ContentLength > a.cfg.MaxImportBytes {
		a.writeFileError(w, &http.MaxBytesError{Limit: a.cfg.MaxImportBytes})
		return
	}
	body := &deadlineReader{
		r:  http.MaxBytesReader(w, r.Body, a.cfg.MaxImportBytes),
		rc: http.NewResponseController(w),
	}
	body.extend()

	up, err := openUpload(r, body)
	if err != nil {
		a.writeFileError(w, err)
		return
	}
	first, readErr := readChunk(up.rows)
	if readErr != nil && !errors.Is(readErr, io.EOF) {
		a.writeFileError(w, readErr)
		return
	}

	imp, current, ok := a.startImport(w, r, up)
	if !ok {
		return
	}
	if imp.Status != calloutsv1.ImportRunning {
		writeReply(w, reply.Reply{
			Status: http.StatusCreated, Location: importLocation(imp.ID), Body: current,
		})
		return
	}

	// Read ahead one chunk while the previous one is applied. The reader
	// stops before the handler returns: the body is the handler's only.
	ahead := make(chan readResult, 1)
	if readErr == nil {
		done, finished := make(chan struct{}), make(chan struct{})
		go func() {
			defer close(finished)
			readAhead(up.rows, ahead, done)
		}()
		defer func() {
			close(done)
			body.stop()
			<-finished
		}()
	}

	rows, chunk := first, 1
	for {
		if len(rows) > 0 {
			if !a.sendChunk(w, r, imp.ID, chunk, rows) {
				return
			}
			chunk++
		}
		if readErr != nil {
			break
		}
		next := <-ahead
		rows, readErr = next.rows, next.err
	}

	// The file ended, or reading it failed: record the end.
	failure := ""
	if !errors.Is(readErr, io.EOF) {
		failure = failureText(readErr, a.cfg.MaxImportBytes)
	}
	rep, err := a.finishImport(r, imp.ID, failure)
	body.extend()
	a.log.Info("contact import ended", "request_id", requestID(r), "import_id", imp.ID,
		"chunks", chunk-1, "failure", failure, "duration", time.Since(started))
	switch {
	case err != nil || rep.Status != http.StatusCreated || failure == "":
		a.answer(w, r, rep, err, "command contact_import.finish")
	default:
		// The rows before the problem are in: the answer names the
		// failed import that holds them, so the client can find it.
		var bad fileError
		if errors.As(readErr, &bad) && chunk > 1 {
			readErr = fileError{fmt.Sprintf("%s; the rows before it were imported "+
				"(contact import %d, failed)", bad.msg, imp.ID)}
		}
		a.writeFileError(w, readErr)
	}
}

// readAhead reads chunks into ahead until the file ends or fails, or the
// handler is done.
func readAhead(rows rowReader, ahead chan<- readResult, done <-chan struct{}) {
	for {
		chunk, err := readChunk(rows)
		select {
		case ahead <- readResult{chunk, err}:
		case <-done:
			return
		}
		if err != nil {
			return
		}
	}
}

// startImport creates the import (or finds the one an earlier request
// with the same Idempotency-Key created) and returns where it stands now.
// When it returns false it has answered the request.
func (a *API) startImport(w http.ResponseWriter, r *http.Request, up upload) (importInfo, []byte, bool) {
	payload := calloutsv1.ContactImportStart{Filename: up.filename, MetadataMergeMode: up.mode}
	c := call(r, commandID(r, principalOf(r).AccountID))
	rep, err := a.bus.Command(r.Context(), svcCallouts, "contact_import", "create", c, mustJSON(payload))
	if err != nil || rep.Status != http.StatusCreated {
		a.answer(w, r, rep, err, "command contact_import.create")
		return importInfo{}, nil, false
	}
	created, ok := decodeImport(rep.Body)
	if !ok {
		a.answer(w, r, reply.Unavailable(), nil, "command contact_import.create")
		return importInfo{}, nil, false
	}

	// A repeat gets the create's first answer, which says nothing of what
	// happened to the import since.
	rep, err = a.bus.Query(r.Context(), svcCallouts, "contact_import", "get", call(r, ""),
		mustJSON(filter.Request{ID: created.ID}))
	if err != nil || rep.Status != http.StatusOK {
		a.answer(w, r, rep, err, "query contact_import.get")
		return importInfo{}, nil, false
	}
	imp, ok := decodeImport(rep.Body)
	return imp, rep.Body, ok
}

// sendChunk sends chunk n of an import, again while the callouts service
// does not answer. When it returns false it has answered the request; the
// import stays running if the service is unavailable, so a repeat with
// the same Idempotency-Key can resume it.
func (a *API) sendChunk(
	w http.ResponseWriter, r *http.Request, importID int64, n int, rows []calloutsv1.ImportRow,
) bool {
	payload := mustJSON(calloutsv1.ContactImportChunk{ImportID: importID, Chunk: n, Rows: rows})
	c := call(r, calloutsv1.ContactImportChunkID(importID, n))
	var rep reply.Reply
	var err error
	for attempt := range chunkAttempts {
		rep, err = a.bus.Command(r.Context(), svcCallouts, "contact_import", "chunk", c, payload)
		retry := errors.Is(err, natsbus.ErrTimeout) ||
			(err == nil && rep.Status == http.StatusServiceUnavailable)
		if !retry || attempt == chunkAttempts-1 {
			break
		}
		select {
		case <-r.Context().Done():
		case <-time.After(time.Duration(attempt+1) * 500 * time.Millisecond):
		}
	}
	switch {
	case errors.Is(err, context.Canceled):
		// The client went away: the import ends here.
		_, _ = a.finishImport(r, importID, "upload interrupted")
		return false
	case err != nil || rep.Status != http.StatusOK:
		a.answer(w, r, rep, err, "command contact_import.chunk")
		return false
	}
	return true
}

// finishImport records the end of an import, even when the client has gone.
func (a *API) finishImport(r *http.Request, importID int64, failure string) (reply.Reply, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), finishTimeout)
	defer cancel()
	payload := mustJSON(calloutsv1.ContactImportFinish{ImportID: importID, Error: failure})
	return a.bus.Command(ctx, svcCallouts, "contact_import", "finish",
		call(r, calloutsv1.ContactImportFinishID(importID)), payload)
}

// deadlineReader moves the connection's read and write deadlines forward
// while the upload makes progress, and marks errors of the body itself
// (a client gone, a broken transfer) so that they are not taken for a
// malformed file.
type deadlineReader struct {
	r       io.Reader
	rc      *http.ResponseController
	ended   atomic.Bool // the body was read to its end
	mu      sync.Mutex  // orders extend and stop
	last    time.Time
	stopped bool
}

func (d *deadlineReader) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	if n > 0 {
		d.extend()
	}
	if err != nil {
		d.ended.Store(true)
		if !errors.Is(err, io.EOF) {
			err = bodyError{err}
		}
	}
	return n, err
}

// extend gives the connection importIdle from now. Writers that cannot
// set deadlines (tests) are left as they are.
func (d *deadlineReader) extend() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.stopped || time.Since(d.last) < time.Second {
		return
	}
	d.last = time.Now()
	_ = d.rc.SetReadDeadline(d.last.Add(importIdle))
	_ = d.rc.SetWriteDeadline(d.last.Add(importIdle))
}

// stop ends a read in progress, and every later one, at once. A body read
// to its end is left alone: the server is already reading the
// connection's next request, which a past deadline would cancel.
func (d *deadlineReader) stop() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.stopped = true
	if !d.ended.Load() {
		_ = d.rc.SetReadDeadline(time.Now())
	}
}

// bodyError is a failure to read the request body.
type bodyError struct{ err error }

func (e bodyError) Error() string { return "read body: " + e.err.Error() }
func (e bodyError) Unwrap() error { return e.err }
