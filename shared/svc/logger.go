package svc

import (
	"io"
	"log/slog"
)

// NewLogger returns the process logger: JSON for clusters, text for local
// runs. The level was checked by Validate; an unknown one means info.
func NewLogger(w io.Writer, format, level, service string) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: lvl}
	var h slog.Handler = slog.NewJSONHandler(w, opts)
	if format == "text" {
		h = slog.NewTextHandler(w, opts)
	}
	return slog.New(h).With("service", service)
}
