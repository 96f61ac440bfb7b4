package state

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"time"
)

// LogRecord is one debug-log record of a model.
type LogRecord struct {
	// Time is when the record was made.
	Time time.Time `json:"t"`
	// Entity is the tag of the agent that logged it, e.g. "unit-app-0".
	Entity string `json:"e"`
	// Level is TRACE, DEBUG, INFO, WARNING, ERROR or CRITICAL.
	Level string `json:"l"`
	// Module is the logger name, e.g. "unit.app/0.juju-log".
	Module string `json:"m"`
	// Message is the text.
	Message string `json:"x"`
}

// LogWriter appends records to a model's debug-log file. It is safe for
// concurrent use within one process; each record is one write to a file
// opened with O_APPEND.
type LogWriter struct {
	mu   sync.Mutex
	path string
}

// NewLogWriter returns a writer for the log file at path.
func NewLogWriter(path string) *LogWriter { return &LogWriter{path: path} }

// Write appends one record.
func (w *LogWriter) Write(rec LogRecord) error {
	data, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	data = append(data, '\n')
	w.mu.Lock()
	defer w.mu.Unlock()
	f, err := os.OpenFile(w.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// LogReader reads a model's debug-log file, possibly while it grows.
type LogReader struct {
	path   string
	offset int64
}

// NewLogReader returns a reader positioned at the start of the log.
func NewLogReader(path string) *LogReader { return &LogReader{path: path} }

// Next returns the records appended since the last call. A missing file
// yields no records.
func (r *LogReader) Next() ([]LogRecord, error) {
	f, err := os.Open(r.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if _, err := f.Seek(r.offset, 0); err != nil {
		return nil, err
	}
	var recs []LogRecord
	br := bufio.NewReaderSize(f, 64*1024)
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 && line[len(line)-1] == '\n' {
			r.offset += int64(len(line))
			var rec LogRecord
			if jerr := json.Unmarshal(line, &rec); jerr == nil {
				recs = append(recs, rec)
			}
			continue
		}
		if err != nil {
			// A partial last line is left for the next call.
			return recs, nil
		}
	}
}

// String renders a record for error messages.
func (rec LogRecord) String() string {
	return fmt.Sprintf("%s %s %s %s %s", rec.Entity, rec.Time.Format(time.RFC3339), rec.Level, rec.Module, rec.Message)
}
