package stack

import (
	"bytes"
	"io"
	"strings"
	"sync"
)

// tailLines is how many recent log lines each service keeps for error
// reports.
const tailLines = 40

// logSink writes the services' output, one whole line at a time, to one
// writer, so lines of different services never interleave mid-line.
type logSink struct {
	mu  sync.Mutex
	out io.Writer
}

// write writes one prefixed line.
func (s *logSink) write(prefix string, line []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()

	_, _ = s.out.Write(append([]byte(prefix), append(line, '\n')...))
}

// logTail keeps the last lines a service wrote.
type logTail struct {
	mu    sync.Mutex
	lines []string
}

// add records a line, dropping the oldest beyond tailLines.
func (t *logTail) add(line string) {
	t.mu.Lock()
	defer t.mu.Unlock()

	t.lines = append(t.lines, line)
	if len(t.lines) > tailLines {
		t.lines = t.lines[len(t.lines)-tailLines:]
	}
}

// String returns the recorded lines.
func (t *logTail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()

	return strings.Join(t.lines, "\n")
}

// lineWriter is the io.Writer given to a child process for one of its
// streams. It splits the stream into lines and passes each to the sink with
// the service's prefix and to the tail.
type lineWriter struct {
	prefix string
	sink   *logSink
	tail   *logTail
	buf    []byte
}

// Write implements io.Writer.
func (w *lineWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			break
		}

		w.emit(w.buf[:i])
		w.buf = w.buf[i+1:]
	}

	return len(p), nil
}

// flush emits a final line that had no newline.
func (w *lineWriter) flush() {
	if len(w.buf) > 0 {
		w.emit(w.buf)
		w.buf = nil
	}
}

// emit passes one line on.
func (w *lineWriter) emit(line []byte) {
	line = bytes.TrimRight(line, "\r")
	w.sink.write(w.prefix, line)
	w.tail.add(string(line))
}
