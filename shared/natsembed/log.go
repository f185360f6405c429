package natsembed

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
)

// logAdapter passes the server's log calls to slog and remembers the last
// fatal message, which is how the server reports a failed start.
type logAdapter struct {
	log *slog.Logger

	mu        sync.Mutex
	lastFatal string
}

// newLogAdapter wraps log; a nil log discards everything.
func newLogAdapter(log *slog.Logger) *logAdapter {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}

	return &logAdapter{log: log.With("component", "nats_server")}
}

// debugEnabled reports whether the server should emit debug lines at all.
func (l *logAdapter) debugEnabled() bool {
	return l.log.Enabled(context.Background(), slog.LevelDebug)
}

// fatal returns the last fatal message, or "" if there was none.
func (l *logAdapter) fatal() string {
	l.mu.Lock()
	defer l.mu.Unlock()

	return l.lastFatal
}

// Noticef logs at debug level: the server's notices are start-up banners
// and routine lifecycle lines, which the embedding program reports itself.
func (l *logAdapter) Noticef(format string, v ...any) {
	l.log.Debug(fmt.Sprintf(format, v...))
}

// Warnf logs at warn level.
func (l *logAdapter) Warnf(format string, v ...any) {
	l.log.Warn(fmt.Sprintf(format, v...))
}

// Fatalf logs at error level and records the message. Unlike the server's
// own logger it never exits the process.
func (l *logAdapter) Fatalf(format string, v ...any) {
	msg := fmt.Sprintf(format, v...)

	l.mu.Lock()
	l.lastFatal = msg
	l.mu.Unlock()

	l.log.Error(msg)
}

// Errorf logs at error level.
func (l *logAdapter) Errorf(format string, v ...any) {
	l.log.Error(fmt.Sprintf(format, v...))
}

// Debugf logs at debug level.
func (l *logAdapter) Debugf(format string, v ...any) {
	l.log.Debug(fmt.Sprintf(format, v...))
}

// Tracef logs at debug level; tracing is never switched on.
func (l *logAdapter) Tracef(format string, v ...any) {
	l.log.Debug(fmt.Sprintf(format, v...))
}
