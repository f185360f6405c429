package apiclient

import (
	"context"
	"errors"
	"io"
	"time"
)

// uploadIdle bounds how long an upload may go without progress: the server
// reads the body as it processes the rows and answers soon after the last
// one, so a longer silence means it is stuck or gone. Uploads have no
// overall timeout, since a large file takes as long as it takes.
const uploadIdle = 2 * time.Minute

// errStalled ends an upload that made no progress for a while.
var errStalled = errors.New("the upload made no progress for too long")

// watchdog cancels an upload's context when its body has not been read
// for idle, counting from the start and, after the last byte, until the
// answer.
type watchdog struct {
	timer *time.Timer
	idle  time.Duration
}

// watch returns a context that ends with errStalled once the reader it
// wraps is idle for idle, the wrapped reader, and a stop function.
func watch(
	ctx context.Context, idle time.Duration, body io.Reader,
) (context.Context, io.Reader, func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	w := &watchdog{idle: idle}
	w.timer = time.AfterFunc(idle, func() { cancel(errStalled) })

	stop := func() {
		w.timer.Stop()
		cancel(nil)
	}
	return ctx, &watchedReader{r: body, w: w}, stop
}

type watchedReader struct {
	r io.Reader
	w *watchdog
}

func (r *watchedReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if n > 0 || errors.Is(err, io.EOF) {
		r.w.timer.Reset(r.w.idle)
	}
	return n, err
}

// Close closes the wrapped reader when it can be closed, so the file under
// an upload is released.
func (r *watchedReader) Close() error {
	if c, ok := r.r.(io.Closer); ok {
		return c.Close()
	}
	return nil
}
