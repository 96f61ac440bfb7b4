package statusview

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/juju/gnuflag"
	"gopkg.in/yaml.v2"

	"github.com/canonical/jujutest/internal/local/state"
)

// Version is the Juju version the local backend reports.
const Version = "3.6.11"

// usageError is a flag or argument error: exit code 2, as Juju's.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }

// Main runs "status" with args (after the command name) against the data
// directory chosen by environ, writes Juju's output and errors, and returns
// the exit code: 0, 1 for a failure, 2 for bad flags or arguments.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer, environ []string) int {
	getenv := func(k string) string {
		for i := len(environ) - 1; i >= 0; i-- {
			if v, ok := strings.CutPrefix(environ[i], k+"="); ok {
				return v
			}
		}
		return ""
	}
	err := run(ctx, args, stdout, getenv)
	var ue *usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, gnuflag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "ERROR %s\n", err)
		return 2
	}
	fmt.Fprintf(stderr, "ERROR %s\n", err)
	return 1
}

// run is the status command.
func run(ctx context.Context, args []string, stdout io.Writer, getenv func(string) string) error {
	fs := gnuflag.NewFlagSetWithFlagKnownAs("status", gnuflag.ContinueOnError, "option")
	fs.SetOutput(io.Discard)
	var ignored, help bool
	var ignoredS, model, format, outPath string
	for _, name := range []string{"debug", "verbose", "quiet", "show-log", "no-browser-login", "B"} {
		fs.BoolVar(&ignored, name, false, "")
	}
	fs.StringVar(&ignoredS, "logging-config", "", "")
	fs.BoolVar(&help, "help", false, "")
	fs.BoolVar(&help, "h", false, "")
	fs.StringVar(&model, "m", "", "Model to operate in")
	fs.StringVar(&model, "model", "", "")
	var utc, color, noColor, relations, integrations, storage bool
	var retryCount int
	var retryDelay, watch time.Duration
	fs.BoolVar(&utc, "utc", false, "Display timestamps in the UTC timezone")
	fs.BoolVar(&color, "color", false, "Use ANSI color codes in tabular output")
	fs.BoolVar(&noColor, "no-color", false, "Disable ANSI color codes in tabular output")
	fs.BoolVar(&relations, "relations", false, "Show relations section in tabular output")
	fs.BoolVar(&integrations, "integrations", false, "Same as --relations")
	fs.BoolVar(&storage, "storage", false, "Show storage section in tabular output")
	fs.IntVar(&retryCount, "retry-count", 3, "Number of times to retry API failures")
	fs.DurationVar(&retryDelay, "retry-delay", 100*time.Millisecond, "Time to wait between retry attempts")
	fs.DurationVar(&watch, "watch", 0, "Watch the status every period of time")
	fs.StringVar(&format, "format", "tabular", "Specify output format")
	fs.StringVar(&outPath, "o", "", "Specify an output file")
	fs.StringVar(&outPath, "output", "", "")
	if err := fs.Parse(true, args); err != nil {
		return &usageError{err}
	}
	if help {
		fmt.Fprint(stdout, "Usage: juju status [options] [<selector> [...]]\n\nThe local backend (juju-local) implements this command as Juju 3.6 does.\n")
		return gnuflag.ErrHelp
	}
	switch format {
	case "tabular", "json", "yaml", "line", "oneline", "short", "summary":
	default:
		return &usageError{fmt.Errorf("invalid value %q for option --format: unknown format %q", format, format)}
	}
	if color && noColor {
		return &usageError{errors.New("cannot mix --no-color and --color")}
	}
	if !utc {
		if v := getenv("JUJU_STATUS_ISO_TIME"); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return &usageError{fmt.Errorf("invalid JUJU_STATUS_ISO_TIME env var, expected true|false: %w", err)}
			}
			utc = b
		}
	}
	dir, err := state.DefaultDir(getenv)
	if err != nil {
		return err
	}
	store, err := state.Open(dir)
	if err != nil {
		return err
	}
	st, err := store.Read(ctx)
	if err != nil {
		return err
	}
	m, err := st.FindModel(model)
	if err != nil {
		return err
	}
	status := buildStatus(m, timeFormatter{iso: utc}, time.Now(), fs.Args())

	w := stdout
	var f *os.File
	if outPath != "" {
		if f, err = os.Create(outPath); err != nil {
			return err
		}
		w = f
	}
	if format == "json" || format == "yaml" {
		status.Storage = &fmtStorage{}
	}
	switch format {
	case "json":
		data, err := json.Marshal(status)
		if err != nil {
			return err
		}
		_, err = w.Write(append(data, '\n'))
		if err != nil {
			return err
		}
	case "yaml":
		data, err := yaml.Marshal(status)
		if err != nil {
			return err
		}
		if _, err := w.Write(data); err != nil {
			return err
		}
	case "tabular":
		writeTabularStatus(w, status, relations || integrations)
	default:
		writeShortStatus(w, status)
	}
	if f != nil {
		return f.Close()
	}
	return nil
}
