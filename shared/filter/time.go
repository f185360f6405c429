package filter

import (
	"strings"
	"time"
)

// timeLayouts are the forms accepted by timestamp filters, tried in order.
// Values without a zone are UTC.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05Z07:00",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05 Z07:00",
	"2006-01-02 15:04:05 -0700",
	"2006-01-02 15:04:05 MST",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	"2006-01-02T15:04",
	"2006-01-02",
	time.RFC1123Z,
	time.RFC1123,
	time.RFC850,
	time.ANSIC,
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"2 Jan 2006 15:04:05 -0700",
	"2 Jan 2006",
}

// ParseTime parses a filter timestamp leniently. ok is false for values it
// cannot read, which filters ignore.
func ParseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	for _, layout := range timeLayouts {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// Timestamp adds the bounds q[<name>_before] (<), _or_before (<=), _after
// (>) and _or_after (>=) for column. A bound at exactly midnight UTC, such
// as a bare date, compares calendar dates (in UTC) instead of instants.
func (b *Builder) Timestamp(q map[string]any, name, column string) {
	ops := []struct{ suffix, op string }{
		{"_before", "<"}, {"_or_before", "<="}, {"_after", ">"}, {"_or_after", ">="},
	}
	for _, o := range ops {
		v, ok := q[name+o.suffix]
		if !ok {
			continue
		}
		t, ok := ParseTime(Text(v))
		if !ok {
			continue
		}
		if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0 {
			b.Where("(" + column + " AT TIME ZONE 'UTC')::date " + o.op + " " +
				b.Arg(t.Format("2006-01-02")) + "::date")
			continue
		}
		b.Where(column + " " + o.op + " " + b.Arg(t))
	}
}
