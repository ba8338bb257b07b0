/*
 * timeline_io.c — text and binary input/output of the journey type.
 *
 * Text: {"2026-01-05 10:00:00+00" signup, "2026-01-06 08:30:00.25+00" purchase 19.90}
 *   one event per element: a quoted timestamp with an explicit UTC offset
 *   (output always in UTC, "+00", microseconds when not zero, " BC" for
 *   years before 1), a label (bare when it is made of ASCII letters,
 *   digits and _ . : / @ -, otherwise in double quotes with \" and \\),
 *   then optionally an amount (a plain or exponent decimal number).
 *   Events are in (time, label bytes, amount: none first) order; '{}' is
 *   the journey without events.
 *
 * Binary: uint8 version 1, int32 nlabels, nlabels x (int32 length, text),
 *   int32 nevents, nevents x (int64 ts, int32 label index, uint8 has
 *   amount, [int32 length, numeric in its binary form]); labels strictly
 *   ascending in byte order and each used, events in the same order as in
 *   text.
 *
 * Both inputs check everything and accept the same values; the result is
 * built by the same code as journey_agg.
 */
#include "timeline.h"

#include "port/pg_bswap.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/datetime.h"

/* ---------- timestamps ---------- */

void
journey_format_ts(int64 ts, char *buf)
{
	struct pg_tm tm;
	fsec_t		fsec;
	int			year;
	char	   *p = buf;

	if (timestamp2tm(ts, NULL, &tm, &fsec, NULL, NULL) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	year = tm.tm_year > 0 ? tm.tm_year : -(tm.tm_year - 1);
	p += sprintf(p, "%04d-%02d-%02d %02d:%02d:%02d", year, tm.tm_mon, tm.tm_mday,
				 tm.tm_hour, tm.tm_min, tm.tm_sec);
	if (fsec != 0)
	{
		int			digits = 6;
		int			f = fsec;

		while (f % 10 == 0)
		{
			f /= 10;
			digits--;
		}
		p += sprintf(p, ".%0*d", digits, f);
	}
	p += sprintf(p, "+00");
	if (tm.tm_year <= 0)
		sprintf(p, " BC");
}

static int
read_digits(const char **s, const char *end, int min, int max, int *value)
{
	int			n = 0;
	int			v = 0;

	while (*s < end && n < max && **s >= '0' && **s <= '9')
	{
		v = v * 10 + (**s - '0');
		(*s)++;
		n++;
	}
	if (n < min)
		return -1;
	*value = v;
	return n;
}

/*
 * Parse "YYYY-MM-DD HH:MM:SS[.ffffff]{Z|+HH[:MM[:SS]]}[ BC]" (s to end,
 * not NUL-terminated); false if it is not one or is out of range.
 */
static bool
parse_ts(const char *s, const char *end, int64 *result)
{
	struct pg_tm tm;
	int			year,
				mon,
				day,
				hour,
				min,
				sec;
	int			fsec = 0;
	int			tz = 0;
	int			n;
	int			oh = 0,
				om = 0,
				os = 0;
	int			sign;
	bool		bc = false;
	Timestamp	ts;

	if (read_digits(&s, end, 1, 9, &year) < 0 || s >= end || *s++ != '-' ||
		read_digits(&s, end, 2, 2, &mon) < 0 || s >= end || *s++ != '-' ||
		read_digits(&s, end, 2, 2, &day) < 0 || s >= end || (*s != ' ' && *s != 'T'))
		return false;
	s++;
	if (read_digits(&s, end, 2, 2, &hour) < 0 || s >= end || *s++ != ':' ||
		read_digits(&s, end, 2, 2, &min) < 0 || s >= end || *s++ != ':' ||
		read_digits(&s, end, 2, 2, &sec) < 0)
		return false;
	if (s < end && *s == '.')
	{
		s++;
		n = read_digits(&s, end, 1, 6, &fsec);
		if (n < 0 || (s < end && *s >= '0' && *s <= '9'))
			return false;
		while (n++ < 6)
			fsec *= 10;
	}
	if (s >= end)
		return false;
	if (*s == 'Z')
	{
		s++;
		sign = 1;
	}
	else if (*s == '+' || *s == '-')
	{
		sign = *s++ == '+' ? 1 : -1;
		if (read_digits(&s, end, 2, 2, &oh) < 0)
			return false;
		if (s < end && *s == ':')
		{
			s++;
			if (read_digits(&s, end, 2, 2, &om) < 0)
				return false;
			if (s < end && *s == ':')
			{
				s++;
				if (read_digits(&s, end, 2, 2, &os) < 0)
					return false;
			}
		}
		else if (s < end && *s >= '0' && *s <= '9')
		{
			if (read_digits(&s, end, 2, 2, &om) < 0)
				return false;
		}
	}
	else
		return false;
	if (end - s == 3 && memcmp(s, " BC", 3) == 0)
	{
		bc = true;
		s += 3;
	}
	if (s != end)
		return false;
	if (year < 1 || mon < 1 || mon > 12 || day < 1 || hour > 23 || min > 59 || sec > 59 ||
		oh > 15 || om > 59 || os > 59)
		return false;
	tm.tm_year = bc ? -(year - 1) : year;
	if (day > day_tab[isleap(tm.tm_year)][mon - 1])
		return false;
	tm.tm_mon = mon;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec;
	/* PostgreSQL's tz is seconds west of UTC */
	tz = -sign * (oh * 3600 + om * 60 + os);
	if (tm2timestamp(&tm, fsec, &tz, &ts) != 0 || !IS_VALID_TIMESTAMP(ts))
		return false;
	*result = ts;
	return true;
}

/* ---------- text ---------- */

static bool
label_is_bare(const char *s, int len)
{
	int			i;

	if (len == 0)
		return false;
	for (i = 0; i < len; i++)
	{
		char		c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			  c == '_' || c == '.' || c == ':' || c == '/' || c == '@' || c == '-'))
			return false;
	}
	return true;
}

PG_FUNCTION_INFO_V1(journey_out);
Datum
journey_out(PG_FUNCTION_ARGS)
{
	JourneyReader r;
	JourneyEvent ev;
	StringInfoData out;
	char		buf[64];

	journey_reader_init(&r, PG_GETARG_JOURNEY_P(0), JOURNEY_FROM_STATE);
	initStringInfo(&out);
	appendStringInfoChar(&out, '{');
	while (journey_reader_next(&r, &ev))
	{
		const JourneyLabel *l = &r.labels[ev.label];

		if (r.nread > 1)
			appendStringInfoString(&out, ", ");
		journey_format_ts(ev.ts, buf);
		appendStringInfo(&out, "\"%s\" ", buf);
		if (label_is_bare(l->data, l->len))
			appendBinaryStringInfo(&out, l->data, l->len);
		else
		{
			int			i;

			appendStringInfoChar(&out, '"');
			for (i = 0; i < l->len; i++)
			{
				if (l->data[i] == '"' || l->data[i] == '\\')
					appendStringInfoChar(&out, '\\');
				appendStringInfoChar(&out, l->data[i]);
			}
			appendStringInfoChar(&out, '"');
		}
		if (ev.amount_kind != JOURNEY_AMOUNT_NONE)
		{
			appendStringInfoChar(&out, ' ');
			appendStringInfoString(&out,
								   DatumGetCString(DirectFunctionCall1(numeric_out,
																	   NumericGetDatum(journey_amount_numeric(&ev, r.scale)))));
		}
	}
	appendStringInfoChar(&out, '}');
	PG_RETURN_CSTRING(out.data);
}

typedef struct TextEvent
{
	int64		ts;
	char	   *label;
	int			label_len;
	Numeric		amount;			/* NULL: none */
} TextEvent;

#define text_error(input, ...) \
	journey_invalid_value(JOURNEY_FROM_TEXT, "journey", __VA_ARGS__)

static inline const char *
skip_space(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' || *p == '\v')
		p++;
	return p;
}

/* event order: time, label bytes, amount (none first) */
static int
text_event_cmp(const TextEvent *a, const TextEvent *b)
{
	int			c;

	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	c = journey_label_cmp(a->label, a->label_len, b->label, b->label_len);
	if (c != 0)
		return c;
	if (a->amount == NULL || b->amount == NULL)
		return (a->amount != NULL) - (b->amount != NULL);
	return DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(a->amount),
											 NumericGetDatum(b->amount)));
}

/*
 * The numeric of an amount's text, already checked to be a decimal number;
 * numeric_in's own error (a value beyond numeric's range) becomes the
 * journey's.
 */
static Numeric
text_amount(const char *input, const char *s, int64 n)
{
	MemoryContext cxt = CurrentMemoryContext;
	volatile Numeric result = NULL;
	volatile bool failed = false;

	PG_TRY();
	{
		result = DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(s),
													 ObjectIdGetDatum(InvalidOid),
													 Int32GetDatum(-1)));
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		/* only numeric's data errors become ours; anything else goes on */
		if (ERRCODE_TO_CATEGORY(edata->sqlerrcode) != ERRCODE_DATA_EXCEPTION)
			PG_RE_THROW();
		FreeErrorData(edata);
		FlushErrorState();
		failed = true;
	}
	PG_END_TRY();
	if (failed)
		text_error(input, "Event %lld has an amount beyond the range of numeric.", (long long) n);
	return result;
}

PG_FUNCTION_INFO_V1(journey_in);
Datum
journey_in(PG_FUNCTION_ARGS)
{
	const char *input = PG_GETARG_CSTRING(0);
	const char *p = skip_space(input);
	JourneyBuilder *b = journey_builder_create(CurrentMemoryContext);
	TextEvent	prev = {0};
	TextEvent	cur;
	int64		n = 0;

	if (*p != '{')
		text_error(input, "A journey starts with \"{\".");
	p = skip_space(p + 1);
	if (*p == '}')
		p++;
	else
	{
		for (;;)
		{
			const char *start;
			StringInfoData label;
			int32		id;

			n++;
			/* the timestamp */
			if (*p != '"')
				text_error(input, "Event %lld does not start with a quoted timestamp.", (long long) n);
			start = ++p;
			while (*p != '"' && *p != '\0')
				p++;
			if (*p != '"')
				text_error(input, "Event %lld has an unterminated timestamp.", (long long) n);
			if (!parse_ts(start, p, &cur.ts))
				text_error(input, "Event %lld has an invalid or out-of-range timestamp \"%.*s\" (expected YYYY-MM-DD HH:MM:SS[.ffffff]+HH[:MM] [BC]).",
						   (long long) n, (int) Min(p - start, 64), start);
			p++;
			if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
				text_error(input, "Event %lld has no label after its timestamp.", (long long) n);
			p = skip_space(p);
			/* the label */
			initStringInfo(&label);
			if (*p == '"')
			{
				p++;
				while (*p != '"')
				{
					if (*p == '\0')
						text_error(input, "Event %lld has an unterminated label.", (long long) n);
					if (*p == '\\')
					{
						p++;
						if (*p != '"' && *p != '\\')
							text_error(input, "Event %lld has an invalid escape in its label (only \\\" and \\\\ are allowed).", (long long) n);
					}
					appendStringInfoChar(&label, *p++);
				}
				p++;
			}
			else
			{
				start = p;
				while (label_is_bare(p, 1))
					p++;
				if (p == start)
					text_error(input, "Event %lld has no label.", (long long) n);
				appendBinaryStringInfo(&label, start, (int) (p - start));
			}
			cur.label = label.data;
			cur.label_len = label.len;
			cur.amount = NULL;
			/* the amount */
			start = p;
			p = skip_space(p);
			if (*p != ',' && *p != '}')
			{
				const char *num = p;
				char	   *s;
				bool		digits = false;

				if (*p == '\0')
					text_error(input, "The journey has no closing \"}\".");
				if (p == start)
					text_error(input, "Event %lld has no space between its label and amount.", (long long) n);
				if (*p == '+' || *p == '-')
					p++;
				while (*p >= '0' && *p <= '9')
					p++, digits = true;
				if (*p == '.')
				{
					p++;
					while (*p >= '0' && *p <= '9')
						p++, digits = true;
				}
				if (digits && (*p == 'e' || *p == 'E'))
				{
					const char *e = ++p;

					if (*p == '+' || *p == '-')
						p++;
					while (*p >= '0' && *p <= '9')
						p++;
					if (p == e || !(p[-1] >= '0' && p[-1] <= '9'))
						digits = false;
				}
				if (!digits || (*p != ',' && *p != '}' && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r'))
					text_error(input, "Event %lld has an invalid amount (expected a decimal number).", (long long) n);
				s = pnstrdup(num, p - num);
				cur.amount = text_amount(input, s, n);
				p = skip_space(p);
			}
			if (n > 1 && text_event_cmp(&prev, &cur) > 0)
				text_error(input, "Event %lld is out of order: events are sorted by time, then label, then amount.", (long long) n);
			id = journey_builder_label(b, cur.label, cur.label_len);
			journey_builder_add(b, cur.ts, id, cur.amount);
			if (n > 1)
				pfree(prev.label);
			prev = cur;
			if (*p == ',')
			{
				p = skip_space(p + 1);
				continue;
			}
			if (*p == '}')
			{
				p++;
				break;
			}
			text_error(input, "Event %lld is not followed by \",\" or \"}\".", (long long) n);
		}
	}
	p = skip_space(p);
	if (*p != '\0')
		text_error(input, "Junk after the closing \"}\".");
	PG_RETURN_POINTER(journey_builder_finish(b));
}

/* ---------- binary ---------- */

PG_FUNCTION_INFO_V1(journey_send);
Datum
journey_send(PG_FUNCTION_ARGS)
{
	JourneyReader r;
	JourneyEvent ev;
	StringInfoData buf;
	int			i;

	journey_reader_init(&r, PG_GETARG_JOURNEY_P(0), JOURNEY_FROM_STATE);
	pq_begintypsend(&buf);
	pq_sendbyte(&buf, JOURNEY_FORMAT_VERSION);
	pq_sendint32(&buf, r.nlabels);
	for (i = 0; i < r.nlabels; i++)
	{
		/* the label in the client encoding, after its length */
		char	   *conv = pg_server_to_client(r.labels[i].data, r.labels[i].len);
		int			len = conv == r.labels[i].data ? r.labels[i].len : (int) strlen(conv);

		pq_sendint32(&buf, len);
		pq_sendbytes(&buf, conv, len);
	}
	pq_sendint32(&buf, (int32) r.nevents);
	while (journey_reader_next(&r, &ev))
	{
		pq_sendint64(&buf, ev.ts);
		pq_sendint32(&buf, ev.label);
		if (ev.amount_kind == JOURNEY_AMOUNT_NONE)
			pq_sendbyte(&buf, 0);
		else
		{
			bytea	   *num = DatumGetByteaPP(DirectFunctionCall1(numeric_send,
																  NumericGetDatum(journey_amount_numeric(&ev, r.scale))));

			pq_sendbyte(&buf, 1);
			pq_sendint32(&buf, (int32) VARSIZE_ANY_EXHDR(num));
			pq_sendbytes(&buf, VARDATA_ANY(num), (int) VARSIZE_ANY_EXHDR(num));
		}
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

#define binary_error(...) \
	journey_invalid_value(JOURNEY_FROM_BINARY, "journey", __VA_ARGS__)

PG_FUNCTION_INFO_V1(journey_recv);
Datum
journey_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	JourneyBuilder *b = journey_builder_create(CurrentMemoryContext);
	int			version;
	int32		nlabels;
	int32		nevents;
	char	  **labels;
	int		   *label_len;
	int32	   *ids;
	bool	   *used;
	int32		i;
	int64		prev_ts = 0;
	int32		prev_label = 0;
	Numeric		prev_amount = NULL;

	version = journey_recv_uint8(buf, "journey");
	if (version != JOURNEY_FORMAT_VERSION)
		journey_unsupported_version(JOURNEY_FROM_BINARY, version, "journey");
	nlabels = journey_recv_int32(buf, "journey");
	/* each label takes at least its 4-byte length */
	if (nlabels < 0 || nlabels > (buf->len - buf->cursor) / 4)
		binary_error("The label count %d does not fit the value.", nlabels);
	labels = (char **) palloc(sizeof(char *) * Max(nlabels, 1));
	label_len = (int *) palloc(sizeof(int) * Max(nlabels, 1));
	ids = (int32 *) palloc(sizeof(int32) * Max(nlabels, 1));
	used = (bool *) palloc0(sizeof(bool) * Max(nlabels, 1));
	for (i = 0; i < nlabels; i++)
	{
		int32		len = journey_recv_int32(buf, "journey");
		int			nbytes;

		if (len < 0 || len > buf->len - buf->cursor)
			binary_error("Label %d has an invalid length %d.", i + 1, len);
		labels[i] = pq_getmsgtext(buf, len, &nbytes);
		label_len[i] = nbytes;
		if (i > 0 && journey_label_cmp(labels[i - 1], label_len[i - 1], labels[i], label_len[i]) >= 0)
			binary_error("The labels are not distinct and in ascending byte order (label %d).", i + 1);
	}
	nevents = journey_recv_int32(buf, "journey");
	/* each event takes at least 13 bytes */
	if (nevents < 0 || nevents > (buf->len - buf->cursor) / 13)
		binary_error("The event count %d does not fit the value.", nevents);
	if (nlabels > nevents)
		binary_error("The journey has more labels (%d) than events (%d).", nlabels, nevents);
	for (i = 0; i < nlabels; i++)
		ids[i] = journey_builder_label(b, labels[i], label_len[i]);
	for (i = 0; i < nevents; i++)
	{
		int64		ts = journey_recv_int64(buf, "journey");
		int32		label = journey_recv_int32(buf, "journey");
		int			has_amount = journey_recv_uint8(buf, "journey");
		Numeric		amount = NULL;
		int			c;

		if (!IS_VALID_TIMESTAMP(ts))
			binary_error("Event %d has an infinite or out-of-range timestamp.", i + 1);
		if (label < 0 || label >= nlabels)
			binary_error("Event %d has label index %d out of range.", i + 1, label);
		if (has_amount > 1)
			binary_error("Event %d has an invalid amount flag %d.", i + 1, has_amount);
		if (has_amount)
		{
			int32		len = journey_recv_int32(buf, "journey");
			uint16		ndigits = 0;
			StringInfoData sub;

			if (len < 0 || len > buf->len - buf->cursor)
				binary_error("Event %d has an invalid amount length %d.", i + 1, len);
			/* numeric's binary form: ndigits, weight, sign, dscale, digits */
			if (len >= 2)
				memcpy(&ndigits, buf->data + buf->cursor, sizeof(uint16));
			if (len < 8 || len != 8 + 2 * (int) pg_ntoh16(ndigits))
				binary_error("Event %d has an amount of %d bytes that is not a numeric.", i + 1, len);
			sub.data = buf->data + buf->cursor;
			sub.len = len;
			sub.maxlen = len;
			sub.cursor = 0;
			amount = DatumGetNumeric(DirectFunctionCall3(numeric_recv, PointerGetDatum(&sub),
														 ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
			if (sub.cursor != len)
				binary_error("Event %d has %d bytes left over in its amount.", i + 1, len - sub.cursor);
			buf->cursor += len;
			if (journey_numeric_is_special(amount))
				binary_error("Event %d has a NaN or infinite amount.", i + 1);
		}
		if (i > 0)
		{
			c = ts < prev_ts ? -1 : (ts > prev_ts ? 1 : 0);
			if (c == 0)
				c = label < prev_label ? -1 : (label > prev_label ? 1 : 0);
			if (c == 0 && (amount == NULL || prev_amount == NULL))
				c = (amount != NULL) - (prev_amount != NULL);
			else if (c == 0)
				c = DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(amount),
													  NumericGetDatum(prev_amount)));
			if (c < 0)
				binary_error("Event %d is out of order: events are sorted by time, then label, then amount.", i + 1);
		}
		used[label] = true;
		journey_builder_add(b, ts, ids[label], amount);
		prev_ts = ts;
		prev_label = label;
		prev_amount = amount;
	}
	for (i = 0; i < nlabels; i++)
		if (!used[i])
			binary_error("Label %d is not used by any event.", i + 1);
	journey_recv_done(buf, "journey");
	PG_RETURN_POINTER(journey_builder_finish(b));
}
