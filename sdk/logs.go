package sdk

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// LogOptions select which log lines of a pod's container to read. The zero
// value reads the whole current log of the pod's only container.
type LogOptions struct {
	// Container to read; "" is the pod's only container (the server
	// refuses it for a pod with several).
	Container string
	// Follow keeps the stream open and yields new lines as the container
	// writes them, until the container stops, ctx ends or the loop breaks.
	Follow bool
	// Previous reads the log of the previous, terminated instance of the
	// container.
	Previous bool
	// Since returns only lines newer than this duration (rounded up to whole
	// seconds). At most one of Since and SinceTime may be set.
	Since time.Duration
	// SinceTime returns only lines written at or after this time.
	SinceTime time.Time
	// TailLines returns only the last TailLines lines; 0 means all.
	TailLines int64
	// LimitBytes stops the log after this many bytes (the last line may
	// then be cut); 0 means no limit.
	LimitBytes int64
	// Timestamps prefixes each line with the RFC 3339 time the runtime
	// recorded; LogRecords parses it.
	Timestamps bool
}

func (o LogOptions) query() (url.Values, error) {
	q := url.Values{}
	switch {
	case o.Since < 0 || o.TailLines < 0 || o.LimitBytes < 0:
		return nil, fmt.Errorf("negative Since, TailLines or LimitBytes")
	case o.Since > 0 && !o.SinceTime.IsZero():
		return nil, fmt.Errorf("set at most one of Since and SinceTime")
	}
	if o.Container != "" {
		q.Set("container", o.Container)
	}
	if o.Follow {
		q.Set("follow", "true")
	}
	if o.Previous {
		q.Set("previous", "true")
	}
	if o.Since > 0 {
		secs := int64((o.Since + time.Second - 1) / time.Second)
		q.Set("sinceSeconds", strconv.FormatInt(secs, 10))
	}
	if !o.SinceTime.IsZero() {
		q.Set("sinceTime", o.SinceTime.UTC().Format(time.RFC3339))
	}
	if o.TailLines > 0 {
		q.Set("tailLines", strconv.FormatInt(o.TailLines, 10))
	}
	if o.LimitBytes > 0 {
		q.Set("limitBytes", strconv.FormatInt(o.LimitBytes, 10))
	}
	if o.Timestamps {
		q.Set("timestamps", "true")
	}
	return q, nil
}

// Logs streams the log of a container of the named pod line by line,
// without the line ends. The iterator is single-use; the request is made
// when the loop starts and the stream is read as it arrives (with
// opts.Follow it stays open). Breaking out of the loop, or ctx ending,
// closes the stream. Iteration stops at the first error, which is yielded:
// an *APIError for a refused request (unknown pod: ErrNotFound; unknown
// container: ErrBadRequest), or one wrapping ctx.Err() when ctx ended. A
// stream that simply ends (the log was read, or the followed container
// stopped) yields no error.
func (v *PodView[S]) Logs(ctx context.Context, name string, opts LogOptions) iter.Seq2[string, error] {
	return v.logLines(ctx, name, opts)
}

// ErrLogsUnavailable is matched by the error of Logs when the pod exists
// but the server could not provide its log (the node answered 404: the
// container has not started, or its runtime keeps no log). A missing pod
// is ErrNotFound instead.
var ErrLogsUnavailable = errors.New("kube: logs unavailable")

// logLines is the line reader under Logs and LogRecords.
func (v *PodView[S]) logLines(ctx context.Context, name string, opts LogOptions) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		q, err := opts.query()
		if err != nil {
			yield("", &Error{Op: "logs", Err: err})
			return
		}
		p, err := v.object(ctx, name, "log")
		if err != nil {
			yield("", err)
			return
		}
		resp, err := v.client.do(ctx, request{method: http.MethodGet, path: p, query: q, accept: "text/plain, */*", streaming: opts.Follow})
		if err != nil {
			if errors.Is(err, ErrNotFound) {
				if _, gerr := v.Get(ctx, name); gerr == nil {
					// The pod exists: it is its log that cannot be had
					// (not written yet, or the node keeps none). That is
					// not ErrNotFound, which means no such pod.
					err = &Error{Op: "logs of pod " + name, Err: fmt.Errorf("%w: the pod exists but its log could not be read (%v)", ErrLogsUnavailable, err)}
				}
			}
			yield("", err)
			return
		}
		defer resp.Body.Close()
		br := bufio.NewReader(resp.Body)
		for {
			line, err := br.ReadString('\n')
			if line != "" {
				line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
				if !yield(line, nil) {
					return
				}
			}
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				if ctx.Err() != nil {
					err = ctx.Err()
				}
				yield("", &APIError{Method: http.MethodGet, Path: p, Err: fmt.Errorf("read log: %w", err)})
				return
			}
		}
	}
}

// LogRecord is one log line with the time the container runtime recorded
// for it.
type LogRecord struct {
	// Time of the line; zero if the line carried no readable timestamp.
	Time time.Time
	// Text of the line, without the timestamp and the line end.
	Text string
}

// LogRecords is Logs with opts.Timestamps forced on, yielding each line
// with its timestamp parsed.
func (v *PodView[S]) LogRecords(ctx context.Context, name string, opts LogOptions) iter.Seq2[LogRecord, error] {
	opts.Timestamps = true
	return func(yield func(LogRecord, error) bool) {
		for line, err := range v.logLines(ctx, name, opts) {
			if err != nil {
				yield(LogRecord{}, err)
				return
			}
			if !yield(parseLogRecord(line), nil) {
				return
			}
		}
	}
}

// parseLogRecord splits "2006-01-02T15:04:05.999999999Z text".
func parseLogRecord(line string) LogRecord {
	ts, text, ok := strings.Cut(line, " ")
	if !ok {
		ts, text = line, ""
	}
	t, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil {
		return LogRecord{Text: line}
	}
	return LogRecord{Time: t, Text: text}
}
