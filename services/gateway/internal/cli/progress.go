package cli

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
)

// lineEvery is how often a meter writes a plain progress line when
// standard error is not a terminal.
const lineEvery = 2 * time.Second

// meter shows how far one step got, on standard error: a progress bar on a
// terminal, a plain line every few seconds otherwise (logs and CI). It is
// safe for concurrent use: uploads report from the HTTP transport.
type meter struct {
	mu    sync.Mutex
	w     io.Writer
	label string
	bytes bool
	bar   *progressbar.ProgressBar
	total int64
	done  int64
	last  time.Time
	shown string
	ended bool
}

// newMeter starts a meter; total is -1 while unknown, and bytes formats
// the numbers as sizes.
func (a *app) newMeter(label string, total int64, bytes bool) *meter {
	m := &meter{w: a.env.Stderr, label: label, bytes: bytes, total: total}
	if a.env.StderrTTY {
		m.bar = progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(a.env.Stderr),
			progressbar.OptionSetDescription(label),
			progressbar.OptionShowBytes(bytes),
			progressbar.OptionShowCount(),
			progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionSetPredictTime(total > 0),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(a.env.Stderr) }),
		)
	}

	return m
}

// Set records that done of total are finished; total is -1 while unknown.
func (m *meter) Set(done, total int64) {
	m.mu.Lock()
	defer m.mu.Unlock()

	if m.ended {
		return
	}

	if total != m.total && m.bar != nil {
		m.bar.ChangeMax64(total)
	}
	m.done, m.total = done, total

	if m.bar != nil {
		_ = m.bar.Set64(min(done, max(total, done)))
		return
	}

	if time.Since(m.last) >= lineEvery {
		m.line()
	}
}

// Done ends the meter with a last line.
func (m *meter) Done() {
	m.mu.Lock()
	defer m.mu.Unlock()

	if m.ended {
		return
	}
	m.ended = true

	if m.bar != nil {
		if m.total < 0 {
			m.bar.ChangeMax64(m.done)
		}
		_ = m.bar.Set64(max(m.done, m.total))
		_ = m.bar.Finish()
		return
	}

	m.line()
}

// line writes one plain progress line, unless it would repeat the last.
func (m *meter) line() {
	m.last = time.Now()

	var text string
	switch {
	case m.total > 0:
		pct := float64(m.done) * 100 / float64(m.total)
		text = fmt.Sprintf("%s: %s of %s (%.0f%%)", m.label, m.format(m.done),
			m.format(m.total), pct)
	case m.done == 0 && m.total < 0:
		text = m.label + ": started"
	default:
		text = fmt.Sprintf("%s: %s", m.label, m.format(m.done))
	}

	if text != m.shown {
		fmt.Fprintln(m.w, text)
		m.shown = text
	}
}

// format writes a count, or a size for byte meters.
func (m *meter) format(n int64) string {
	if !m.bytes {
		return fmt.Sprint(n)
	}

	return formatBytes(n)
}

// formatBytes writes a size in B, kB or MB.
func formatBytes(n int64) string {
	switch {
	case n >= 1_000_000:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	case n >= 1_000:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	}

	return fmt.Sprintf("%d B", n)
}
