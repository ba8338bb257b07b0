/*
 * touch.c — touchpoints: did the message work?
 *
 *   touch_outcomes(ts, touch, touch_event, is_target, window [, value [, model]])
 *       a per-customer aggregate: the customer's message instances (one
 *       per 'sent' row of a touch), which of them were opened, clicked and
 *       converted under the attribution model, and the conversions no
 *       instance got; a `touch_outcomes` value;
 *   touch_report(touch_outcomes), rollup(touch_report)
 *       the roll-up across customers, a `touch_report` value (the state
 *       itself: Citus ships it as text), with a durations summary of the
 *       time to convert per touch;
 *   touch_report_rows(...), touch_report_totals(...)
 *       the readers, over either type.
 *
 * Semantics (the README section "Touchpoints" says it for users):
 *   - an instance of touch T is a 'sent' row of T at time s; the 'opened'
 *     and 'clicked' rows of T at or after s and before T's next send
 *     belong to it (sends of T at the same time: to the last of them); an
 *     open or click with no earlier send of T is an orphan;
 *   - a conversion at t goes, by model, to every instance with
 *     s <= t <= s + window ('sent'), to those of them opened (or clicked)
 *     at or before t ('opened'), or to the latest of them ('last_touch';
 *     equal send times: the smallest touch name in byte order; equal touch
 *     too: the last send, the one the opens at that time belong to);
 *   - an instance is converted by its first conversion (time to convert =
 *     t - s) and sums the values of all conversions it gets as revenue.
 *
 * Both value types share one flat layout (TouchFlat): a header with the
 * model, window and customer-level totals, one TouchEntry per touch in
 * byte order of the names, the names, then per touch either its times to
 * convert (touch_outcomes: int64 microseconds, ascending) or a durations
 * summary of them (touch_report).  TouchSet is the same content as
 * pointers, for building, I/O and merging.
 */
#include "journey.h"
#include "decimal.h"
#include "durations.h"

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "common/int.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/tuplestore.h"

#define TOUCH_VERSION 1
#define TOUCH_SERIAL_VERSION 1	/* the per-customer aggregate state (never stored) */

/* attribution models */
#define TOUCH_MODEL_SENT 1
#define TOUCH_MODEL_OPENED 2
#define TOUCH_MODEL_LAST 3

static const char *const touch_model_names[] = {NULL, "sent", "opened", "last_touch"};

#define TOUCH_MODEL_HINT "The model is 'sent', 'opened' or 'last_touch'."

/* message events */
#define TOUCH_SEND 0
#define TOUCH_OPEN 1
#define TOUCH_CLICK 2

/* the most touches one value may hold (names and entries stay far below 1 GB) */
#define TOUCH_MAX_TOUCHES 1000000
/* the most distinct touch names one query's aggregate numbers (codes are number * 4 + event) */
#define TOUCH_DICT_MAX (1 << 28)

typedef struct TouchEntry
{
	int64		sent;			/* instances */
	int64		opened;			/* instances opened or clicked */
	int64		clicked;		/* instances clicked */
	int64		converted;		/* instances with an attributed conversion */
	int64		orphans;		/* opens and clicks with no earlier send */
	JDecimal	revenue;		/* values of the conversions attributed */
	uint32		name_off;		/* from the start of the value */
	uint32		name_len;
	uint32		data_off;		/* times to convert / durations; 0: none */
	uint32		unused;			/* zero */
} TouchEntry;

typedef struct TouchFlat
{
	int32		vl_len_;		/* varlena header */
	uint8		version;		/* TOUCH_VERSION */
	uint8		model;			/* TOUCH_MODEL_* */
	uint16		flags;			/* reserved, zero */
	int32		ntouches;
	int64		window;			/* microseconds, > 0 */
	int64		customers;		/* touch_report: customers; touch_outcomes: 1 */
	int64		conversions;	/* target rows counted */
	int64		unattributed;	/* ... that no instance got */
	JDecimal	revenue;		/* values of all conversions */
	JDecimal	unattributed_revenue;	/* ... of the unattributed ones */
	TouchEntry	entries[FLEXIBLE_ARRAY_MEMBER];
} TouchFlat;

/* One touch, as pointers (into a TouchFlat or elsewhere). */
typedef struct TouchRow
{
	const char *name;
	int			name_len;
	int64		sent;
	int64		opened;
	int64		clicked;
	int64		converted;
	int64		orphans;
	JDecimal	revenue;
	const int64 *ttc;			/* touch_outcomes: converted times, ascending */
	const Durations *dur;		/* touch_report: their summary, NULL if none */
} TouchRow;

typedef struct TouchSet
{
	bool		report;			/* touch_report (else touch_outcomes) */
	int			model;
	int64		window;
	int64		customers;
	int64		conversions;
	int64		unattributed;
	JDecimal	revenue;
	JDecimal	unattributed_revenue;
	int			ntouches;
	TouchRow   *rows;
} TouchSet;

#define PG_GETARG_TOUCH_P(n) ((TouchFlat *) PG_DETOAST_DATUM(PG_GETARG_DATUM(n)))

static inline const char *
touch_type_name(bool report)
{
	return report ? "touch_report" : "touch_outcomes";
}

static void
touch_count_add(int64 *acc, int64 v)
{
	if (pg_add_s64_overflow(*acc, v, acc))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("touch count out of range")));
}

/* ---------------------------------------------------------------------
 * Flat values
 * ---------------------------------------------------------------------
 */

/* The flat value of a set, in the current context. */
static TouchFlat *
touch_flatten(const TouchSet *set)
{
	Size		size = offsetof(TouchFlat, entries);
	Size		names;
	TouchFlat  *f;
	int			i;

	size = add_size(size, mul_size(sizeof(TouchEntry), set->ntouches));
	names = size;
	for (i = 0; i < set->ntouches; i++)
		size = add_size(size, set->rows[i].name_len);
	for (i = 0; i < set->ntouches; i++)
	{
		const TouchRow *r = &set->rows[i];

		if (set->report ? r->dur != NULL : r->converted > 0)
			size = add_size(MAXALIGN(size), set->report ? VARSIZE(r->dur) : mul_size(sizeof(int64), r->converted));
	}
	size = MAXALIGN(size);
	if (size > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s value is too large", touch_type_name(set->report))));
	f = palloc0(size);
	SET_VARSIZE(f, size);
	f->version = TOUCH_VERSION;
	f->model = (uint8) set->model;
	f->ntouches = set->ntouches;
	f->window = set->window;
	f->customers = set->customers;
	f->conversions = set->conversions;
	f->unattributed = set->unattributed;
	f->revenue = set->revenue;
	f->unattributed_revenue = set->unattributed_revenue;
	size = names;
	for (i = 0; i < set->ntouches; i++)
	{
		const TouchRow *r = &set->rows[i];
		TouchEntry *e = &f->entries[i];

		e->sent = r->sent;
		e->opened = r->opened;
		e->clicked = r->clicked;
		e->converted = r->converted;
		e->orphans = r->orphans;
		e->revenue = r->revenue;
		e->name_off = (uint32) size;
		e->name_len = (uint32) r->name_len;
		memcpy((char *) f + size, r->name, r->name_len);
		size += r->name_len;
	}
	for (i = 0; i < set->ntouches; i++)
	{
		const TouchRow *r = &set->rows[i];
		TouchEntry *e = &f->entries[i];
		Size		len;

		if (set->report ? r->dur == NULL : r->converted == 0)
			continue;
		size = MAXALIGN(size);
		len = set->report ? VARSIZE(r->dur) : sizeof(int64) * (Size) r->converted;
		e->data_off = (uint32) size;
		memcpy((char *) f + size, set->report ? (const void *) r->dur : (const void *) r->ttc, len);
		size += len;
	}
	return f;
}

static void
touch_corrupted(bool report, const char *detail)
{
	journey_invalid_value(JOURNEY_FROM_STATE, touch_type_name(report), "%s", detail);
}

/*
 * The set a flat value holds, pointing into it.  The offsets are checked
 * against the value's size (stored bytes that no input function checked
 * must not make us read out of bounds); the content was checked when the
 * value was made.
 */
static void
touch_view(const TouchFlat *f, bool report, TouchSet *set)
{
	Size		size = VARSIZE(f);
	int			i;

	if (size < offsetof(TouchFlat, entries) || f->version != TOUCH_VERSION)
	{
		if (size >= offsetof(TouchFlat, entries))
			journey_unsupported_version(JOURNEY_FROM_STATE, f->version, touch_type_name(report));
		touch_corrupted(report, "The value is truncated.");
	}
	if (f->ntouches < 0 || f->ntouches > TOUCH_MAX_TOUCHES ||
		offsetof(TouchFlat, entries) + sizeof(TouchEntry) * (Size) f->ntouches > size)
		touch_corrupted(report, "The touch count does not fit the value.");
	set->report = report;
	set->model = f->model;
	set->window = f->window;
	set->customers = f->customers;
	set->conversions = f->conversions;
	set->unattributed = f->unattributed;
	set->revenue = f->revenue;
	set->unattributed_revenue = f->unattributed_revenue;
	set->ntouches = f->ntouches;
	set->rows = palloc(sizeof(TouchRow) * (f->ntouches + 1));
	for (i = 0; i < f->ntouches; i++)
	{
		const TouchEntry *e = &f->entries[i];
		TouchRow   *r = &set->rows[i];

		if ((Size) e->name_off + e->name_len > size ||
			(!report && (e->converted < 0 || e->converted > (int64) (size / sizeof(int64)))))
			touch_corrupted(report, "A touch lies out of bounds.");
		r->name = (const char *) f + e->name_off;
		r->name_len = (int) e->name_len;
		r->sent = e->sent;
		r->opened = e->opened;
		r->clicked = e->clicked;
		r->converted = e->converted;
		r->orphans = e->orphans;
		r->revenue = e->revenue;
		r->ttc = NULL;
		r->dur = NULL;
		if (e->data_off == 0)
			continue;
		if (report)
		{
			if ((Size) e->data_off + DURATIONS_HEADER_SIZE > size ||
				(Size) e->data_off + VARSIZE((const char *) f + e->data_off) > size)
				touch_corrupted(report, "A durations summary lies out of bounds.");
			r->dur = (const Durations *) ((const char *) f + e->data_off);
		}
		else
		{
			if ((Size) e->data_off + sizeof(int64) * (Size) e->converted > size)
				touch_corrupted(report, "The times to convert lie out of bounds.");
			r->ttc = (const int64 *) ((const char *) f + e->data_off);
		}
	}
}

/*
 * Why a set is not a value any aggregate makes, or NULL.  The same checks
 * for text input, binary input and deserialized states.
 */
static const char *
touch_inconsistency(const TouchSet *set)
{
	int64		attributed;
	int64		converted_sum = 0;
	int			i;

	if (set->model < TOUCH_MODEL_SENT || set->model > TOUCH_MODEL_LAST)
		return "The attribution model is unknown.";
	if (set->window <= 0)
		return "The window is not positive.";
	if (set->report ? set->customers < 0 : set->customers != 1)
		return set->report ? "The customer count is negative." : "A touch_outcomes value describes one customer.";
	if (set->conversions < 0 || set->unattributed < 0 || set->unattributed > set->conversions)
		return "The conversion counts are out of range.";
	if (!jdec_valid(&set->revenue) || !jdec_valid(&set->unattributed_revenue))
		return "A decimal scale is out of range.";
	if (set->unattributed == 0 && !jdec_is_zero(&set->unattributed_revenue))
		return "There is unattributed revenue but no unattributed conversion.";
	if (set->conversions == 0 && !jdec_is_zero(&set->revenue))
		return "There is revenue but no conversion.";
	if (set->report && set->customers == 0 && (set->conversions != 0 || set->ntouches != 0))
		return "A report of no customers holds nothing.";
	if (set->ntouches < 0 || set->ntouches > TOUCH_MAX_TOUCHES)
		return "The touch count is out of range.";
	attributed = set->conversions - set->unattributed;
	for (i = 0; i < set->ntouches; i++)
	{
		const TouchRow *r = &set->rows[i];
		int64		k;

		if (i > 0 && journey_label_cmp(set->rows[i - 1].name, set->rows[i - 1].name_len, r->name, r->name_len) >= 0)
			return "The touches are not in strictly increasing byte order of their names.";
		if (memchr(r->name, '\0', r->name_len) != NULL)
			return "A touch name holds a zero byte.";
		if (r->sent < 0 || r->opened < 0 || r->clicked < 0 || r->converted < 0 || r->orphans < 0)
			return "A count is negative.";
		if (r->opened > r->sent || r->clicked > r->opened || r->converted > r->sent)
			return "Opened, clicked and converted instances are instances sent, and clicked ones are opened.";
		if (r->sent == 0 && r->orphans == 0)
			return "A touch with neither instances nor orphans.";
		if (!jdec_valid(&r->revenue))
			return "A decimal scale is out of range.";
		if (r->converted == 0 && !jdec_is_zero(&r->revenue))
			return "A touch with revenue has no converted instance.";
		if (r->converted > 0 && attributed == 0)
			return "A touch has converted instances but no conversion was attributed.";
		if (set->model == TOUCH_MODEL_OPENED && r->converted > r->opened)
			return "Under the opened model, only opened instances convert.";
		if (set->model == TOUCH_MODEL_LAST)
		{
			/* each converted instance has a conversion of its own */
			if (pg_add_s64_overflow(converted_sum, r->converted, &converted_sum) || converted_sum > attributed)
				return "Under last_touch, a conversion goes to one instance.";
		}
		if (set->report)
		{
			if ((r->dur != NULL) != (r->converted > 0) ||
				(r->dur != NULL && r->dur->count != r->converted))
				return "The times to convert do not match the converted instances.";
			if (r->dur != NULL && r->dur->max_usec > set->window)
				return "A time to convert exceeds the window.";
		}
		else
			for (k = 0; k < r->converted; k++)
			{
				if (r->ttc[k] < 0 || r->ttc[k] > set->window)
					return "A time to convert is outside the window.";
				if (k > 0 && r->ttc[k] < r->ttc[k - 1])
					return "The times to convert are not in ascending order.";
			}
	}
	return NULL;
}

static void
touch_validate(const TouchSet *set, JourneyOrigin origin)
{
	const char *why = touch_inconsistency(set);

	if (why != NULL)
		journey_invalid_value(origin, touch_type_name(set->report), "%s", why);
}

/* ---------------------------------------------------------------------
 * Text form
 *
 *   v1 model=sent window_us=604800000000 [customers=2 ]conversions=3
 *   unattributed=1 revenue=30.00 unattributed_revenue=5.00
 *   {"welcome_a" sent=2 opened=1 clicked=0 converted=1 orphans=0 revenue=25.00 ttc_us=3600000000}
 *
 * (one line; customers= only in touch_report).  Names are in double quotes
 * with \ and " escaped by a backslash.  A touch with converted instances
 * ends with ttc_us=<microseconds, comma-separated, ascending> in
 * touch_outcomes, with ttc=<durations text form> in touch_report.  The
 * window and times are integers of microseconds, so the text reads back
 * exactly whatever the IntervalStyle.
 * ---------------------------------------------------------------------
 */

static void
touch_out_common(StringInfo buf, const TouchSet *set)
{
	int			i;

	appendStringInfo(buf, "v%d model=%s window_us=" INT64_FORMAT, TOUCH_VERSION,
					 touch_model_names[set->model], set->window);
	if (set->report)
		appendStringInfo(buf, " customers=" INT64_FORMAT, set->customers);
	appendStringInfo(buf, " conversions=" INT64_FORMAT " unattributed=" INT64_FORMAT " revenue=",
					 set->conversions, set->unattributed);
	jdec_append(buf, &set->revenue);
	appendStringInfoString(buf, " unattributed_revenue=");
	jdec_append(buf, &set->unattributed_revenue);
	for (i = 0; i < set->ntouches; i++)
	{
		const TouchRow *r = &set->rows[i];
		int			k;

		appendStringInfoString(buf, " {\"");
		for (k = 0; k < r->name_len; k++)
		{
			if (r->name[k] == '"' || r->name[k] == '\\')
				appendStringInfoChar(buf, '\\');
			appendStringInfoChar(buf, r->name[k]);
		}
		appendStringInfo(buf, "\" sent=" INT64_FORMAT " opened=" INT64_FORMAT " clicked=" INT64_FORMAT
						 " converted=" INT64_FORMAT " orphans=" INT64_FORMAT " revenue=",
						 r->sent, r->opened, r->clicked, r->converted, r->orphans);
		jdec_append(buf, &r->revenue);
		if (set->report && r->dur != NULL)
			appendStringInfo(buf, " ttc=%s",
							 DatumGetCString(DirectFunctionCall1(durations_out, PointerGetDatum(r->dur))));
		else if (!set->report && r->converted > 0)
		{
			appendStringInfoString(buf, " ttc_us=");
			for (k = 0; k < r->converted; k++)
				appendStringInfo(buf, "%s" INT64_FORMAT, k > 0 ? "," : "", r->ttc[k]);
		}
		appendStringInfoChar(buf, '}');
	}
}

typedef struct TouchParser
{
	const char *input;
	const char *p;
	bool		report;
} TouchParser;

static void touch_syntax(TouchParser *tp, const char *detail) pg_attribute_noreturn();

static void
touch_syntax(TouchParser *tp, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type %s: \"%s\"", touch_type_name(tp->report), tp->input),
			 errdetail("%s", detail),
			 errhint("%s values are made by the %s aggregate; their text form starts like \"v1 model=sent window_us=604800000000 %sconversions=0\".",
					 touch_type_name(tp->report), touch_type_name(tp->report),
					 tp->report ? "customers=1 " : "")));
	pg_unreachable();
}

/* the literal text lit at the cursor */
static void
touch_expect(TouchParser *tp, const char *lit)
{
	size_t		len = strlen(lit);

	if (strncmp(tp->p, lit, len) != 0)
		touch_syntax(tp, psprintf("Expected \"%s\".", lit));
	tp->p += len;
}

/* an integer (optionally negative: the checks say what is wrong with it) */
static int64
touch_parse_int64(TouchParser *tp, const char *what)
{
	char	   *end;
	int64		v;

	if (!((*tp->p >= '0' && *tp->p <= '9') || (*tp->p == '-' && tp->p[1] >= '0' && tp->p[1] <= '9')))
		touch_syntax(tp, psprintf("The value of %s is not an integer.", what));
	errno = 0;
	v = strtoi64(tp->p, &end, 10);
	if (errno != 0)
		touch_syntax(tp, psprintf("The value of %s is out of range.", what));
	tp->p = end;
	return v;
}

static int64
touch_parse_field(TouchParser *tp, const char *lit, const char *what)
{
	touch_expect(tp, lit);
	return touch_parse_int64(tp, what);
}

static void
touch_parse_decimal(TouchParser *tp, const char *lit, const char *what, JDecimal *d)
{
	touch_expect(tp, lit);
	if (!jdec_parse(d, tp->p, &tp->p))
		touch_syntax(tp, psprintf("The value of %s is not an exact decimal of at most 38 digits and %d decimals.",
								  what, JDEC_MAX_SCALE));
}

static void
touch_in_common(TouchParser *tp, TouchSet *set)
{
	int			model = 0;
	int			cap = 8;
	int			m;
	size_t		digits;

	memset(set, 0, sizeof(TouchSet));
	set->report = tp->report;
	if (strncmp(tp->p, "v1 model=", 9) != 0)
	{
		if (tp->p[0] == 'v' && (digits = strspn(tp->p + 1, "0123456789")) >= 1 && digits <= 3 &&
			strncmp(tp->p + 1 + digits, " model=", 7) == 0)
			journey_unsupported_version(JOURNEY_FROM_TEXT, atoi(tp->p + 1), touch_type_name(tp->report));
		touch_syntax(tp, "The value starts with \"v1 model=\".");
	}
	tp->p += 9;
	for (m = TOUCH_MODEL_SENT; m <= TOUCH_MODEL_LAST; m++)
	{
		size_t		len = strlen(touch_model_names[m]);

		if (strncmp(tp->p, touch_model_names[m], len) == 0 && tp->p[len] == ' ')
		{
			model = m;
			tp->p += len;
		}
	}
	if (model == 0)
		touch_syntax(tp, "The model is sent, opened or last_touch.");
	set->model = model;
	set->window = touch_parse_field(tp, " window_us=", "window_us");
	set->customers = tp->report ? touch_parse_field(tp, " customers=", "customers") : 1;
	set->conversions = touch_parse_field(tp, " conversions=", "conversions");
	set->unattributed = touch_parse_field(tp, " unattributed=", "unattributed");
	touch_parse_decimal(tp, " revenue=", "revenue", &set->revenue);
	touch_parse_decimal(tp, " unattributed_revenue=", "unattributed_revenue", &set->unattributed_revenue);
	set->rows = palloc(sizeof(TouchRow) * cap);
	while (*tp->p != '\0')
	{
		TouchRow   *r;
		StringInfoData name;

		if (set->ntouches == TOUCH_MAX_TOUCHES)
			touch_syntax(tp, psprintf("A value holds at most %d touches.", TOUCH_MAX_TOUCHES));
		if (set->ntouches == cap)
		{
			cap *= 2;
			set->rows = repalloc(set->rows, sizeof(TouchRow) * cap);
		}
		r = &set->rows[set->ntouches++];
		memset(r, 0, sizeof(TouchRow));
		touch_expect(tp, " {\"");
		initStringInfo(&name);
		while (*tp->p != '"')
		{
			if (*tp->p == '\\')
				tp->p++;
			if (*tp->p == '\0')
				touch_syntax(tp, "A touch name does not end.");
			appendStringInfoChar(&name, *tp->p++);
		}
		tp->p++;
		r->name = name.data;
		r->name_len = name.len;
		r->sent = touch_parse_field(tp, " sent=", "sent");
		r->opened = touch_parse_field(tp, " opened=", "opened");
		r->clicked = touch_parse_field(tp, " clicked=", "clicked");
		r->converted = touch_parse_field(tp, " converted=", "converted");
		r->orphans = touch_parse_field(tp, " orphans=", "orphans");
		touch_parse_decimal(tp, " revenue=", "revenue", &r->revenue);
		if (r->converted < 0 || r->converted > r->sent)
			touch_syntax(tp, "A touch converts at most the instances it sent.");
		if (r->converted > 0 && tp->report)
		{
			const char *close;

			touch_expect(tp, " ttc=");
			close = strchr(tp->p, '}');
			if (close == NULL)
				touch_syntax(tp, "A touch ends with \"}\".");
			r->dur = (const Durations *) DatumGetPointer(DirectFunctionCall1(durations_in,
																		   CStringGetDatum(pnstrdup(tp->p, close - tp->p))));
			tp->p = close;
		}
		else if (r->converted > 0)
		{
			int64	   *ttc;
			int64		k;

			if (r->converted > (int64) strlen(tp->p))
				touch_syntax(tp, "There is one time to convert per converted instance.");
			ttc = palloc(sizeof(int64) * r->converted);
			touch_expect(tp, " ttc_us=");
			for (k = 0; k < r->converted; k++)
			{
				if (k > 0)
					touch_expect(tp, ",");
				ttc[k] = touch_parse_int64(tp, "ttc_us");
			}
			r->ttc = ttc;
		}
		touch_expect(tp, "}");
	}
}

static Datum
touch_in_datum(const char *input, bool report)
{
	TouchParser tp = {input, input, report};
	TouchSet	set;

	durations_init_constants();
	touch_in_common(&tp, &set);
	touch_validate(&set, JOURNEY_FROM_TEXT);
	return PointerGetDatum(touch_flatten(&set));
}

static Datum
touch_out_datum(TouchFlat *f, bool report)
{
	TouchSet	set;
	StringInfoData buf;

	touch_view(f, report, &set);
	initStringInfo(&buf);
	touch_out_common(&buf, &set);
	return CStringGetDatum(buf.data);
}

PG_FUNCTION_INFO_V1(touch_outcomes_in);
Datum
touch_outcomes_in(PG_FUNCTION_ARGS)
{
	return touch_in_datum(PG_GETARG_CSTRING(0), false);
}

PG_FUNCTION_INFO_V1(touch_outcomes_out);
Datum
touch_outcomes_out(PG_FUNCTION_ARGS)
{
	return touch_out_datum(PG_GETARG_TOUCH_P(0), false);
}

PG_FUNCTION_INFO_V1(touch_report_in);
Datum
touch_report_in(PG_FUNCTION_ARGS)
{
	return touch_in_datum(PG_GETARG_CSTRING(0), true);
}

PG_FUNCTION_INFO_V1(touch_report_out);
Datum
touch_report_out(PG_FUNCTION_ARGS)
{
	return touch_out_datum(PG_GETARG_TOUCH_P(0), true);
}

/* ---------------------------------------------------------------------
 * Binary form: version, model (bytes), window, [customers,] conversions,
 * unattributed (int8), revenue, unattributed revenue (decimal.h), the
 * touch count (int4), then per touch: the name (int4 length, bytes in the
 * database encoding), sent, opened, clicked, converted, orphans (int8),
 * revenue, then touch_outcomes: converted times to convert (int8
 * microseconds); touch_report: when converted > 0, the durations binary
 * form preceded by its length (int4).
 * ---------------------------------------------------------------------
 */

static bytea *
touch_send_common(const TouchSet *set)
{
	StringInfoData buf;
	int			i;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, TOUCH_VERSION);
	pq_sendbyte(&buf, (uint8) set->model);
	pq_sendint64(&buf, set->window);
	if (set->report)
		pq_sendint64(&buf, set->customers);
	pq_sendint64(&buf, set->conversions);
	pq_sendint64(&buf, set->unattributed);
	jdec_send(&buf, &set->revenue);
	jdec_send(&buf, &set->unattributed_revenue);
	pq_sendint32(&buf, set->ntouches);
	for (i = 0; i < set->ntouches; i++)
	{
		const TouchRow *r = &set->rows[i];
		int64		k;

		pq_sendint32(&buf, r->name_len);
		pq_sendbytes(&buf, r->name, r->name_len);
		pq_sendint64(&buf, r->sent);
		pq_sendint64(&buf, r->opened);
		pq_sendint64(&buf, r->clicked);
		pq_sendint64(&buf, r->converted);
		pq_sendint64(&buf, r->orphans);
		jdec_send(&buf, &r->revenue);
		if (set->report && r->dur != NULL)
		{
			bytea	   *bin = DatumGetByteaPP(DirectFunctionCall1(durations_send, PointerGetDatum(r->dur)));

			pq_sendint32(&buf, VARSIZE_ANY_EXHDR(bin));
			pq_sendbytes(&buf, VARDATA_ANY(bin), VARSIZE_ANY_EXHDR(bin));
		}
		else if (!set->report)
			for (k = 0; k < r->converted; k++)
				pq_sendint64(&buf, r->ttc[k]);
	}
	return pq_endtypsend(&buf);
}

static Datum
touch_recv_datum(StringInfo buf, bool report)
{
	const char *tn = touch_type_name(report);
	TouchSet	set;
	int			version;
	int32		n;
	int			i;

	durations_init_constants();
	memset(&set, 0, sizeof(set));
	set.report = report;
	version = journey_recv_uint8(buf, tn);
	if (version != TOUCH_VERSION)
		journey_unsupported_version(JOURNEY_FROM_BINARY, version, tn);
	set.model = journey_recv_uint8(buf, tn);
	set.window = journey_recv_int64(buf, tn);
	set.customers = report ? journey_recv_int64(buf, tn) : 1;
	set.conversions = journey_recv_int64(buf, tn);
	set.unattributed = journey_recv_int64(buf, tn);
	jdec_recv(buf, &set.revenue, tn, JOURNEY_FROM_BINARY);
	jdec_recv(buf, &set.unattributed_revenue, tn, JOURNEY_FROM_BINARY);
	n = journey_recv_int32(buf, tn);
	/* every touch takes at least 4 + 5 * 8 + JDEC_BINARY_SIZE bytes */
	if (n < 0 || n > TOUCH_MAX_TOUCHES || (int64) n * (44 + JDEC_BINARY_SIZE) > buf->len - buf->cursor)
		journey_invalid_value(JOURNEY_FROM_BINARY, tn, "The touch count %d does not fit the value.", n);
	set.ntouches = n;
	set.rows = palloc0(sizeof(TouchRow) * (n + 1));
	for (i = 0; i < n; i++)
	{
		TouchRow   *r = &set.rows[i];
		int32		len = journey_recv_int32(buf, tn);
		char	   *name;

		if (len < 0 || len > buf->len - buf->cursor)
			journey_invalid_value(JOURNEY_FROM_BINARY, tn, "The value is truncated.");
		name = palloc(len + 1);
		memcpy(name, buf->data + buf->cursor, len);
		name[len] = '\0';
		buf->cursor += len;
		if (memchr(name, '\0', len) != NULL)
			journey_invalid_value(JOURNEY_FROM_BINARY, tn, "A touch name holds a zero byte.");
		pg_verifymbstr(name, len, false);
		r->name = name;
		r->name_len = len;
		r->sent = journey_recv_int64(buf, tn);
		r->opened = journey_recv_int64(buf, tn);
		r->clicked = journey_recv_int64(buf, tn);
		r->converted = journey_recv_int64(buf, tn);
		r->orphans = journey_recv_int64(buf, tn);
		jdec_recv(buf, &r->revenue, tn, JOURNEY_FROM_BINARY);
		if (r->converted < 0 || r->converted > r->sent)
			journey_invalid_value(JOURNEY_FROM_BINARY, tn, "A touch converts at most the instances it sent.");
		if (report && r->converted > 0)
		{
			int32		dlen = journey_recv_int32(buf, tn);
			StringInfoData sub;

			if (dlen <= 0 || dlen > buf->len - buf->cursor)
				journey_invalid_value(JOURNEY_FROM_BINARY, tn, "The value is truncated.");
			sub.data = buf->data + buf->cursor;
			sub.len = dlen;
			sub.maxlen = dlen;
			sub.cursor = 0;
			r->dur = (const Durations *) DatumGetPointer(DirectFunctionCall1(durations_recv, PointerGetDatum(&sub)));
			buf->cursor += dlen;
		}
		else if (r->converted > 0)
		{
			int64	   *ttc;
			int64		k;

			if (r->converted > (buf->len - buf->cursor) / 8)
				journey_invalid_value(JOURNEY_FROM_BINARY, tn, "The value is truncated.");
			ttc = palloc(sizeof(int64) * r->converted);
			for (k = 0; k < r->converted; k++)
				ttc[k] = journey_recv_int64(buf, tn);
			r->ttc = ttc;
		}
	}
	journey_recv_done(buf, tn);
	touch_validate(&set, JOURNEY_FROM_BINARY);
	return PointerGetDatum(touch_flatten(&set));
}

PG_FUNCTION_INFO_V1(touch_outcomes_send);
Datum
touch_outcomes_send(PG_FUNCTION_ARGS)
{
	TouchSet	set;

	touch_view(PG_GETARG_TOUCH_P(0), false, &set);
	PG_RETURN_BYTEA_P(touch_send_common(&set));
}

PG_FUNCTION_INFO_V1(touch_outcomes_recv);
Datum
touch_outcomes_recv(PG_FUNCTION_ARGS)
{
	return touch_recv_datum((StringInfo) PG_GETARG_POINTER(0), false);
}

PG_FUNCTION_INFO_V1(touch_report_send);
Datum
touch_report_send(PG_FUNCTION_ARGS)
{
	TouchSet	set;

	touch_view(PG_GETARG_TOUCH_P(0), true, &set);
	PG_RETURN_BYTEA_P(touch_send_common(&set));
}

PG_FUNCTION_INFO_V1(touch_report_recv);
Datum
touch_report_recv(PG_FUNCTION_ARGS)
{
	return touch_recv_datum((StringInfo) PG_GETARG_POINTER(0), true);
}

/* ---------------------------------------------------------------------
 * The per-customer aggregate: touch_outcomes(ts, touch, touch_event,
 * is_target, window [, value [, model]])
 *
 * Touch names are numbered once per query in a dictionary (TouchDict,
 * kept in the transition's fn_extra, so a name costs no memory per
 * customer and is looked up in a few hot cache lines).  A group's state
 * is one chunk: a header and 16-byte events (time, code) that grows by
 * reallocation to the next power of two, so a row touches its group's
 * state in one or two cache lines.  A message event's code is touch
 * number * 4 + event; a conversion's code is TOUCH_CONV, or TOUCH_CONV_VALUE
 * followed by one more slot holding the value's 128-bit mantissa (the
 * scale is in the first slot).  The final function sorts and attributes
 * once.
 * ---------------------------------------------------------------------
 */

#define TOUCH_CONV (-1)
#define TOUCH_CONV_VALUE (-2)
#define TOUCH_FIRST_SIZE 128	/* a new state, before it grows */

/* the query's touch names (journey_names_*) */
typedef JourneyNames TouchDict;

typedef struct TouchEvent
{
	int64		ts;				/* a value slot: the mantissa's high half */
	int32		code;			/* a value slot: the low half's low 32 bits */
	int32		extra;			/* conversion with value: the scale; else 0 */
} TouchEvent;

typedef struct TouchState
{
	TouchDict  *dict;			/* numbers the codes' touches */
	int64		window;
	int32		model;
	int32		n;				/* slots used */
	int32		cap;			/* slots allocated */
	int32		unused;
	TouchEvent	ev[FLEXIBLE_ARRAY_MEMBER];
} TouchState;

StaticAssertDecl(sizeof(TouchEvent) == 16, "a touch event must cost 16 bytes");

static int
touch_int32_cmp(const void *a, const void *b)
{
	int32		x = *(const int32 *) a;
	int32		y = *(const int32 *) b;

	return x < y ? -1 : x > y ? 1 : 0;
}

/* The query's dictionary of a support function (in its fn_extra). */
static TouchDict *
touch_dict_of(FunctionCallInfo fcinfo)
{
	if (fcinfo->flinfo->fn_extra == NULL)
		fcinfo->flinfo->fn_extra = journey_names_create(fcinfo->flinfo->fn_mcxt);
	return (TouchDict *) fcinfo->flinfo->fn_extra;
}

/* The number of a touch name, added if new. */
static int32
touch_dict_number(TouchDict *d, const char *name, int len)
{
	int32		i = journey_names_id(d, name, len, TOUCH_DICT_MAX);

	if (i < 0)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many distinct touches in one touch_outcomes query"),
				 errdetail("At most %d distinct touch names are supported.", TOUCH_DICT_MAX)));
	return i;
}

static TouchState *
touch_state_new(MemoryContext cxt, TouchDict *dict, int64 window, int model)
{
	TouchState *st = MemoryContextAllocZero(cxt, TOUCH_FIRST_SIZE);

	st->dict = dict;
	st->window = window;
	st->model = model;
	st->cap = (int32) ((TOUCH_FIRST_SIZE - offsetof(TouchState, ev)) / sizeof(TouchEvent));
	return st;
}

/* Room for `more` slots: the state, reallocated when it must grow (use the result). */
static pg_noinline TouchState *
touch_state_grow(TouchState *st, int32 more)
{
	Size		size = TOUCH_FIRST_SIZE;
	int64		need = (int64) st->n + more;

	while (offsetof(TouchState, ev) + sizeof(TouchEvent) * (Size) need > size && size < MaxAllocSize)
		size *= 2;
	size = Min(size, MaxAllocSize);
	if (offsetof(TouchState, ev) + sizeof(TouchEvent) * (Size) need > size)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many events in one group of touch_outcomes"),
				 errdetail("One group can keep at most %d message events and conversions.",
						   (int) ((MaxAllocSize - offsetof(TouchState, ev)) / sizeof(TouchEvent)))));
	st = repalloc(st, size);
	st->cap = (int32) ((size - offsetof(TouchState, ev)) / sizeof(TouchEvent));
	return st;
}

static inline TouchState *
touch_add_msg(TouchState *st, int64 ts, int32 touch, int event)
{
	if (unlikely(st->n == st->cap))
		st = touch_state_grow(st, 1);
	st->ev[st->n].ts = ts;
	st->ev[st->n].code = touch * 4 + event;
	st->ev[st->n].extra = 0;
	st->n++;
	return st;
}

static inline TouchState *
touch_add_conv(TouchState *st, int64 ts, const JDecimal *value)
{
	bool		has_value = !jdec_is_zero(value) || value->scale != 0;

	if (unlikely(st->n + (has_value ? 2 : 1) > st->cap))
		st = touch_state_grow(st, 2);
	st->ev[st->n].ts = ts;
	st->ev[st->n].code = has_value ? TOUCH_CONV_VALUE : TOUCH_CONV;
	st->ev[st->n].extra = has_value ? value->scale : 0;
	st->n++;
	if (has_value)
	{
		st->ev[st->n].ts = value->hi;
		st->ev[st->n].code = (int32) (uint32) value->lo;
		st->ev[st->n].extra = (int32) (uint32) (value->lo >> 32);
		st->n++;
	}
	return st;
}

/* The value of the conversion in slot i (a TOUCH_CONV or TOUCH_CONV_VALUE slot). */
static inline void
touch_conv_value(const TouchState *st, int32 i, JDecimal *v)
{
	jdec_zero(v);
	if (st->ev[i].code == TOUCH_CONV_VALUE)
	{
		v->scale = st->ev[i].extra;
		v->hi = st->ev[i + 1].ts;
		v->lo = (uint64) (uint32) st->ev[i + 1].code | ((uint64) (uint32) st->ev[i + 1].extra << 32);
	}
}

/* The attribution model named by a text, or an error naming it. */
static int
touch_parse_model(text *t)
{
	const char *s = VARDATA_ANY(t);
	int			len = VARSIZE_ANY_EXHDR(t);
	int			m;

	for (m = TOUCH_MODEL_SENT; m <= TOUCH_MODEL_LAST; m++)
		if ((int) strlen(touch_model_names[m]) == len && memcmp(s, touch_model_names[m], len) == 0)
			return m;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown attribution model \"%s\"", text_to_cstring(t)),
			 errhint(TOUCH_MODEL_HINT)));
	return 0;
}

static pg_noinline void
touch_bad_event(text *t)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid touch event \"%s\"", text_to_cstring(t)),
			 errdetail("A row with a touch is a message event."),
			 errhint("The touch event is 'sent', 'opened' or 'clicked'; give a NULL touch for rows that are not message events.")));
}

static inline int
touch_parse_event(text *t)
{
	const char *s = VARDATA_ANY(t);
	int			len = VARSIZE_ANY_EXHDR(t);

	if (len == 4 && memcmp(s, "sent", 4) == 0)
		return TOUCH_SEND;
	if (len == 6 && memcmp(s, "opened", 6) == 0)
		return TOUCH_OPEN;
	if (len == 7 && memcmp(s, "clicked", 7) == 0)
		return TOUCH_CLICK;
	touch_bad_event(t);
	return -1;
}

static void
touch_params_differ(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("touch_outcomes %s must be the same for all rows of a group", what)));
}

static int64
touch_window_usec(Interval *window)
{
	int64		usec = journey_interval_to_usec(window, "the attribution window");

	if (usec <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("attribution window must be positive"),
				 errdetail("The window is %s.",
						   DatumGetCString(DirectFunctionCall1(interval_out, IntervalPGetDatum(window)))),
				 errhint("Give a window of at least one microsecond, such as '7 days'. "
						 "A client that sends the window as an interval object may send zero (see the README section \"Clients\").")));
	return usec;
}

/*
 * (state, ts, touch, touch_event, is_target, window [, value [, model]]),
 * timestamptz and timestamp alike (only differences of times are kept).
 */
PG_FUNCTION_INFO_V1(touch_outcomes_transfn);
Datum
touch_outcomes_transfn(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = journey_agg_context(fcinfo, "touch_outcomes");
	TouchState *st = PG_ARGISNULL(0) ? NULL : (TouchState *) PG_GETARG_POINTER(0);
	int			nargs = PG_NARGS();
	int64		window;
	int			model = TOUCH_MODEL_SENT;
	int			event = -1;
	int64		ts;

	if (PG_ARGISNULL(5))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("attribution window must not be null")));
	if (nargs > 7)
	{
		if (PG_ARGISNULL(7))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("attribution model must not be null"),
					 errhint(TOUCH_MODEL_HINT)));
		model = touch_parse_model(PG_GETARG_TEXT_PP(7));
	}
	if (st == NULL)
	{
		window = touch_window_usec(PG_GETARG_INTERVAL_P(5));
		st = touch_state_new(cxt, touch_dict_of(fcinfo), window, model);
	}
	else
	{
		Interval   *w = PG_GETARG_INTERVAL_P(5);

		window = journey_interval_to_usec(w, "the attribution window");
		if (window != st->window)
		{
			(void) touch_window_usec(w);	/* an error when not positive */
			touch_params_differ("window");
		}
		if (model != st->model)
			touch_params_differ("model");
	}
	/* a message row: its event is checked even when the row does not count */
	if (!PG_ARGISNULL(2) && !PG_ARGISNULL(3))
		event = touch_parse_event(PG_GETARG_TEXT_PP(3));
	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(st);
	ts = PG_GETARG_INT64(1);
	if (TIMESTAMP_NOT_FINITE(ts))
		PG_RETURN_POINTER(st);
	if (event >= 0)
	{
		text	   *touch = PG_GETARG_TEXT_PP(2);

		st = touch_add_msg(st, ts, touch_dict_number(st->dict, VARDATA_ANY(touch), VARSIZE_ANY_EXHDR(touch)), event);
	}
	if (!PG_ARGISNULL(4) && PG_GETARG_BOOL(4))
	{
		JDecimal	value;

		jdec_zero(&value);
		if (nargs > 6 && !PG_ARGISNULL(6))
			jdec_from_numeric(&value, PG_GETARG_DATUM(6), "conversion value");
		st = touch_add_conv(st, ts, &value);
	}
	PG_RETURN_POINTER(st);
}

/*
 * The touch numbers a state uses, ascending and distinct (palloc'd; their
 * count in *n): a group's few touches, whatever the size of the query's
 * dictionary.
 */
static int32 *
touch_state_touches(const TouchState *st, int32 *n)
{
	int32	   *ids = palloc(sizeof(int32) * (st->n + 1));
	int32		k = 0,
				i;

	for (i = 0; i < st->n; i++)
	{
		int32		code = st->ev[i].code;

		if (code >= 0)
			ids[k++] = code / 4;
		else if (code == TOUCH_CONV_VALUE)
			i++;
	}
	if (k > 1)
		qsort(ids, k, sizeof(int32), touch_int32_cmp);
	*n = 0;
	for (i = 0; i < k; i++)
		if (*n == 0 || ids[*n - 1] != ids[i])
			ids[(*n)++] = ids[i];
	return ids;
}

/* The position of touch number t in ids (as made by touch_state_touches). */
static inline int32
touch_position(const int32 *ids, int32 n, int32 t)
{
	int32		lo = 0,
				hi = n - 1;

	while (lo < hi)
	{
		int32		mid = lo + (hi - lo) / 2;

		if (ids[mid] < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	Assert(lo < n && ids[lo] == t);
	return lo;
}

/* Add b's events to a (a created in cxt when NULL); returns a (moved when it grew). */
static TouchState *
touch_state_absorb(MemoryContext cxt, TouchState *a, const TouchState *b)
{
	int32	   *ids = NULL;
	int32	   *map = NULL;
	int32		nids = 0;
	int32		i;

	if (a == NULL)
		a = touch_state_new(cxt, b->dict, b->window, b->model);
	else if (a->window != b->window)
		touch_params_differ("window");
	else if (a->model != b->model)
		touch_params_differ("model");
	if (a->dict != b->dict)
	{
		/* b's touches renumbered in a's dictionary */
		ids = touch_state_touches(b, &nids);
		map = palloc(sizeof(int32) * (nids + 1));
		for (i = 0; i < nids; i++)
			map[i] = touch_dict_number(a->dict, b->dict->names[ids[i]].data, b->dict->names[ids[i]].len);
	}
	if (a->n + b->n > a->cap)
		a = touch_state_grow(a, b->n);
	for (i = 0; i < b->n; i++)
	{
		TouchEvent	e = b->ev[i];

		if (e.code >= 0 && map != NULL)
			e.code = map[touch_position(ids, nids, e.code / 4)] * 4 + e.code % 4;
		a->ev[a->n++] = e;
		if (e.code == TOUCH_CONV_VALUE)
			a->ev[a->n++] = b->ev[++i];
	}
	return a;
}

PG_FUNCTION_INFO_V1(touch_outcomes_combine);
Datum
touch_outcomes_combine(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = journey_agg_context(fcinfo, "touch_outcomes_combine");
	TouchState *a = PG_ARGISNULL(0) ? NULL : (TouchState *) PG_GETARG_POINTER(0);

	if (PG_ARGISNULL(1))
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	PG_RETURN_POINTER(touch_state_absorb(cxt, a, (TouchState *) PG_GETARG_POINTER(1)));
}

/*
 * Serialized: version, model, window, the names of the touches the state
 * uses (count, then length and bytes each), then the slots (count, then
 * time, code with touches renumbered in that list, extra).
 */
PG_FUNCTION_INFO_V1(touch_outcomes_serialize);
Datum
touch_outcomes_serialize(PG_FUNCTION_ARGS)
{
	TouchState *st = (TouchState *) PG_GETARG_POINTER(0);
	int32		nids;
	int32	   *ids = touch_state_touches(st, &nids);
	StringInfoData buf;
	int32		i;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, TOUCH_SERIAL_VERSION);
	pq_sendbyte(&buf, (uint8) st->model);
	pq_sendint64(&buf, st->window);
	pq_sendint32(&buf, nids);
	for (i = 0; i < nids; i++)
	{
		pq_sendint32(&buf, st->dict->names[ids[i]].len);
		pq_sendbytes(&buf, st->dict->names[ids[i]].data, st->dict->names[ids[i]].len);
	}
	pq_sendint32(&buf, st->n);
	for (i = 0; i < st->n; i++)
	{
		int32		code = st->ev[i].code;

		pq_sendint64(&buf, st->ev[i].ts);
		pq_sendint32(&buf, code >= 0 ? touch_position(ids, nids, code / 4) * 4 + code % 4 : code);
		pq_sendint32(&buf, st->ev[i].extra);
		if (code == TOUCH_CONV_VALUE && i + 1 < st->n)
		{
			i++;
			pq_sendint64(&buf, st->ev[i].ts);
			pq_sendint32(&buf, st->ev[i].code);
			pq_sendint32(&buf, st->ev[i].extra);
		}
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

static void
touch_state_corrupted(const char *detail)
{
	journey_invalid_value(JOURNEY_FROM_STATE, "touch_outcomes state", "%s", detail);
}

PG_FUNCTION_INFO_V1(touch_outcomes_deserialize);
Datum
touch_outcomes_deserialize(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = journey_agg_context(fcinfo, "touch_outcomes_deserialize");
	StringInfoData buf;
	const char *tn = "touch_outcomes state";
	TouchDict  *dict = touch_dict_of(fcinfo);
	TouchState *st;
	int32	   *map;
	int			version;
	int			model;
	int64		window;
	int32		nnames;
	int32		n;
	int32		i;

	journey_bytea_reader(&buf, PG_GETARG_BYTEA_PP(0));
	version = journey_recv_uint8(&buf, tn);
	if (version != TOUCH_SERIAL_VERSION)
		journey_unsupported_version(JOURNEY_FROM_STATE, version, tn);
	model = journey_recv_uint8(&buf, tn);
	window = journey_recv_int64(&buf, tn);
	if (model < TOUCH_MODEL_SENT || model > TOUCH_MODEL_LAST || window <= 0)
		touch_state_corrupted("The model or window is out of range.");
	nnames = journey_recv_int32(&buf, tn);
	if (nnames < 0 || nnames > TOUCH_MAX_TOUCHES || nnames > (buf.len - buf.cursor) / 4)
		touch_state_corrupted("The touch count is out of range.");
	map = palloc(sizeof(int32) * (nnames + 1));
	for (i = 0; i < nnames; i++)
	{
		int32		len = journey_recv_int32(&buf, tn);

		if (len < 0 || len > buf.len - buf.cursor)
			touch_state_corrupted("The value is truncated.");
		map[i] = touch_dict_number(dict, buf.data + buf.cursor, len);
		buf.cursor += len;
	}
	n = journey_recv_int32(&buf, tn);
	if (n < 0 || n > (buf.len - buf.cursor) / 16)
		touch_state_corrupted("The event count is out of range.");
	st = touch_state_new(cxt, dict, window, model);
	if (n > st->cap)
		st = touch_state_grow(st, n);
	for (i = 0; i < n; i++)
	{
		TouchEvent *e = &st->ev[st->n++];

		e->ts = journey_recv_int64(&buf, tn);
		e->code = journey_recv_int32(&buf, tn);
		e->extra = journey_recv_int32(&buf, tn);
		if (e->code >= 0)
		{
			if (e->code / 4 >= nnames || e->code % 4 > TOUCH_CLICK || e->extra != 0 || TIMESTAMP_NOT_FINITE(e->ts))
				touch_state_corrupted("A message event is out of range.");
			e->code = map[e->code / 4] * 4 + e->code % 4;
		}
		else if (e->code == TOUCH_CONV || e->code == TOUCH_CONV_VALUE)
		{
			if (TIMESTAMP_NOT_FINITE(e->ts) ||
				(e->code == TOUCH_CONV ? e->extra != 0 : (e->extra < 0 || e->extra > JDEC_MAX_SCALE || i + 1 >= n)))
				touch_state_corrupted("A conversion is out of range.");
			if (e->code == TOUCH_CONV_VALUE)
			{
				e = &st->ev[st->n++];
				e->ts = journey_recv_int64(&buf, tn);
				e->code = journey_recv_int32(&buf, tn);
				e->extra = journey_recv_int32(&buf, tn);
				i++;
			}
		}
		else
			touch_state_corrupted("An event code is out of range.");
	}
	journey_recv_done(&buf, tn);
	PG_RETURN_POINTER(st);
}

/* ---------------------------------------------------------------------
 * Attribution (the final function)
 * ---------------------------------------------------------------------
 */

typedef struct TouchMsg
{
	int64		ts;
	int32		touch;			/* rank of the name among the group's, in byte order */
	int32		event;			/* TOUCH_SEND, TOUCH_OPEN, TOUCH_CLICK */
} TouchMsg;

typedef struct TouchConv
{
	int64		ts;
	JDecimal	value;
} TouchConv;

typedef struct TouchInstance
{
	int64		sent_at;
	int64		opened_at;		/* PG_INT64_MAX: not opened */
	int64		ttc;			/* time to its first conversion; -1: none */
	JDecimal	revenue;
	int32		touch;			/* rank of the name in byte order */
	int32		seq;			/* order among the touch's instances */
	bool		clicked;
} TouchInstance;

static const TouchDict *touch_sort_dict;

static int
touch_name_number_cmp(const void *a, const void *b)
{
	int32		i = *(const int32 *) a;
	int32		j = *(const int32 *) b;

	return journey_label_cmp(touch_sort_dict->names[i].data, touch_sort_dict->names[i].len,
							 touch_sort_dict->names[j].data, touch_sort_dict->names[j].len);
}

/* by touch, time, then sends before opens and clicks */
static int
touch_msg_cmp(const void *a, const void *b)
{
	const TouchMsg *x = a;
	const TouchMsg *y = b;

	if (x->touch != y->touch)
		return x->touch < y->touch ? -1 : 1;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	if ((x->event == TOUCH_SEND) != (y->event == TOUCH_SEND))
		return x->event == TOUCH_SEND ? -1 : 1;
	return 0;
}

static int
touch_conv_cmp(const void *a, const void *b)
{
	const TouchConv *x = a;
	const TouchConv *y = b;

	return x->ts < y->ts ? -1 : x->ts > y->ts ? 1 : 0;
}

/*
 * By send time; equal times: the touch with the larger name first and,
 * for one touch, the earlier send first.  So the last instance sent at or
 * before a time is last_touch's choice.
 */
static int
touch_instance_cmp(const void *a, const void *b)
{
	const TouchInstance *x = *(TouchInstance *const *) a;
	const TouchInstance *y = *(TouchInstance *const *) b;

	if (x->sent_at != y->sent_at)
		return x->sent_at < y->sent_at ? -1 : 1;
	if (x->touch != y->touch)
		return x->touch > y->touch ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq ? 1 : 0;
}

static int
touch_int64_cmp(const void *a, const void *b)
{
	int64		x = *(const int64 *) a;
	int64		y = *(const int64 *) b;

	return x < y ? -1 : x > y ? 1 : 0;
}

/* One conversion at t with value v to an instance. */
static inline void
touch_credit(TouchInstance *inst, int64 t, const JDecimal *v)
{
	if (inst->ttc < 0)
		inst->ttc = t - inst->sent_at;
	jdec_add(&inst->revenue, v);
}

/* The customer's outcomes: a touch_outcomes set (the state is not changed). */
static void
touch_attribute(const TouchState *st, TouchSet *set)
{
	const TouchDict *dict = st->dict;
	TouchMsg   *msgs;
	TouchConv  *convs;
	int32	   *used;			/* the group's touch numbers, ascending */
	int32	   *by_name;		/* the same, in byte order of the names */
	int32	   *rank;			/* rank[k]: byte-order rank of used[k] */
	TouchInstance *inst;
	TouchInstance **by_time;
	int64	   *ttc;
	char	   *scratch;
	int32		nm = 0,
				nc = 0,
				nused = 0,
				ninst = 0;
	int32		i,
				lo,
				hi,
				c;

	/* one scratch block for the arrays below (st->n bounds each count) */
	for (i = 0; i < st->n; i++)
		nm += st->ev[i].code >= 0;
	nc = st->n - nm;
	scratch = MemoryContextAllocHuge(CurrentMemoryContext, MAXALIGN(sizeof(TouchMsg) * (nm + 1)) + MAXALIGN(sizeof(TouchConv) * (nc + 1)) +
					 3 * MAXALIGN(sizeof(int32) * (nm + 1)) + MAXALIGN(sizeof(TouchInstance) * (nm + 1)) +
					 MAXALIGN(sizeof(TouchInstance *) * (nm + 1)) + MAXALIGN(sizeof(int64) * (nm + 1)));
	msgs = (TouchMsg *) scratch;
	scratch += MAXALIGN(sizeof(TouchMsg) * (nm + 1));
	convs = (TouchConv *) scratch;
	scratch += MAXALIGN(sizeof(TouchConv) * (nc + 1));
	used = (int32 *) scratch;
	scratch += MAXALIGN(sizeof(int32) * (nm + 1));
	by_name = (int32 *) scratch;
	scratch += MAXALIGN(sizeof(int32) * (nm + 1));
	rank = (int32 *) scratch;
	scratch += MAXALIGN(sizeof(int32) * (nm + 1));
	inst = (TouchInstance *) scratch;
	scratch += MAXALIGN(sizeof(TouchInstance) * (nm + 1));
	by_time = (TouchInstance **) scratch;
	scratch += MAXALIGN(sizeof(TouchInstance *) * (nm + 1));
	ttc = (int64 *) scratch;
	nm = nc = 0;

	/* split the slots into message events and conversions */
	for (i = 0; i < st->n; i++)
	{
		int32		code = st->ev[i].code;

		if (code >= 0)
		{
			msgs[nm].ts = st->ev[i].ts;
			msgs[nm].touch = code / 4;
			msgs[nm].event = code % 4;
			nm++;
		}
		else
		{
			convs[nc].ts = st->ev[i].ts;
			touch_conv_value(st, i, &convs[nc].value);
			nc++;
			if (code == TOUCH_CONV_VALUE)
				i++;
		}
	}

	/* the group's touches, ranked in byte order of their names */
	for (i = 0; i < nm; i++)
		used[i] = msgs[i].touch;
	qsort(used, nm, sizeof(int32), touch_int32_cmp);
	for (i = 0; i < nm; i++)
		if (nused == 0 || used[nused - 1] != used[i])
			used[nused++] = used[i];
	memcpy(by_name, used, sizeof(int32) * nused);
	touch_sort_dict = dict;
	qsort(by_name, nused, sizeof(int32), touch_name_number_cmp);
	for (i = 0; i < nused; i++)
	{
		int32	   *at = bsearch(&by_name[i], used, nused, sizeof(int32), touch_int32_cmp);

		rank[at - used] = i;
	}
	for (i = 0; i < nm; i++)
	{
		int32	   *at = bsearch(&msgs[i].touch, used, nused, sizeof(int32), touch_int32_cmp);

		msgs[i].touch = rank[at - used];
	}

	memset(set, 0, sizeof(TouchSet));
	set->model = st->model;
	set->window = st->window;
	set->customers = 1;
	jdec_zero(&set->revenue);
	jdec_zero(&set->unattributed_revenue);
	set->ntouches = nused;
	set->rows = palloc0(sizeof(TouchRow) * (nused + 1));
	for (i = 0; i < nused; i++)
	{
		set->rows[i].name = dict->names[by_name[i]].data;
		set->rows[i].name_len = dict->names[by_name[i]].len;
		jdec_zero(&set->rows[i].revenue);
	}

	/* instances, and the opens and clicks that belong to them */
	qsort(msgs, nm, sizeof(TouchMsg), touch_msg_cmp);
	for (i = 0; i < nm; i++)
	{
		const TouchMsg *m = &msgs[i];
		TouchInstance *cur = ninst > 0 && inst[ninst - 1].touch == m->touch ? &inst[ninst - 1] : NULL;

		if (m->event == TOUCH_SEND)
		{
			TouchInstance *n = &inst[ninst++];

			n->sent_at = m->ts;
			n->opened_at = PG_INT64_MAX;
			n->ttc = -1;
			jdec_zero(&n->revenue);
			n->touch = m->touch;
			n->seq = cur == NULL ? 0 : cur->seq + 1;
			n->clicked = false;
		}
		else if (cur == NULL)
			set->rows[m->touch].orphans++;
		else
		{
			cur->opened_at = Min(cur->opened_at, m->ts);
			if (m->event == TOUCH_CLICK)
				cur->clicked = true;
		}
	}

	/* each conversion, in time order, to the instances sent within the window before it */
	for (i = 0; i < ninst; i++)
		by_time[i] = &inst[i];
	if (ninst > 1)
		qsort(by_time, ninst, sizeof(TouchInstance *), touch_instance_cmp);
	if (nc > 1)
		qsort(convs, nc, sizeof(TouchConv), touch_conv_cmp);
	lo = hi = 0;
	for (c = 0; c < nc; c++)
	{
		int64		t = convs[c].ts;
		const JDecimal *v = &convs[c].value;
		bool		credited = false;

		CHECK_FOR_INTERRUPTS();
		while (hi < ninst && by_time[hi]->sent_at <= t)
			hi++;
		/* t - s fits in uint64 for any two timestamps, t >= s */
		while (lo < hi && (uint64) t - (uint64) by_time[lo]->sent_at > (uint64) st->window)
			lo++;
		touch_count_add(&set->conversions, 1);
		jdec_add(&set->revenue, v);
		if (st->model == TOUCH_MODEL_LAST)
		{
			if (lo < hi)
			{
				touch_credit(by_time[hi - 1], t, v);
				credited = true;
			}
		}
		else
			for (i = lo; i < hi; i++)
			{
				if (st->model == TOUCH_MODEL_OPENED && by_time[i]->opened_at > t)
					continue;
				touch_credit(by_time[i], t, v);
				credited = true;
			}
		if (!credited)
		{
			touch_count_add(&set->unattributed, 1);
			jdec_add(&set->unattributed_revenue, v);
		}
	}

	/* per touch; times to convert grouped by touch (inst is in touch order), ascending */
	c = 0;
	for (i = 0; i < ninst; i++)
	{
		TouchRow   *r = &set->rows[inst[i].touch];

		r->sent++;
		if (inst[i].opened_at != PG_INT64_MAX)
			r->opened++;
		if (inst[i].clicked)
			r->clicked++;
		jdec_add(&r->revenue, &inst[i].revenue);
		if (inst[i].ttc < 0)
			continue;
		r->converted++;
		if (r->ttc == NULL)
			r->ttc = &ttc[c];
		ttc[c++] = inst[i].ttc;
	}
	for (i = 0; i < set->ntouches; i++)
		if (set->rows[i].converted > 1)
			qsort((void *) set->rows[i].ttc, set->rows[i].converted, sizeof(int64), touch_int64_cmp);
}

PG_FUNCTION_INFO_V1(touch_outcomes_final);
Datum
touch_outcomes_final(PG_FUNCTION_ARGS)
{
	TouchSet	set;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	touch_attribute((const TouchState *) PG_GETARG_POINTER(0), &set);
	PG_RETURN_POINTER(touch_flatten(&set));
}

/* ---------------------------------------------------------------------
 * The roll-up: touch_report(touch_outcomes), rollup(touch_report)
 * ---------------------------------------------------------------------
 */

static char *
touch_window_text(int64 usec)
{
	return DatumGetCString(DirectFunctionCall1(interval_out, IntervalPGetDatum(journey_usec_to_interval(usec))));
}

static void
touch_params_conflict(const TouchSet *a, const TouchSet *b)
{
	if (a->model != b->model || a->window != b->window)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine touch outcomes built with different models or windows"),
				 errdetail("One was built with model %s and window %s, the other with model %s and window %s.",
						   touch_model_names[a->model], touch_window_text(a->window),
						   touch_model_names[b->model], touch_window_text(b->window)),
				 errhint("Build every part with the same model and window.")));
}

/* A durations summary of n ascending times (n > 0), in the current context. */
static Durations *
touch_ttc_durations(const int64 *ttc, int64 n)
{
	Durations  *d = durations_single(ttc[n - 1]);
	int64		k;

	for (k = n - 2; k >= 0; k--)
		d = durations_add_usec(d, ttc[k]);
	return d;
}

/*
 * Add b (a report, or one customer's outcomes) to the report a: in place
 * when b brings no new touch and no durations summary must grow, else a
 * new report in the current context.  Returns the result.
 */
static TouchFlat *
touch_report_absorb(TouchFlat *a, const TouchSet *b)
{
	TouchSet	as;
	const Durations **grown = NULL;
	int		   *match = palloc(sizeof(int) * (b->ntouches + 1));
	bool		fits = true;
	int			i,
				j;

	durations_init_constants();
	touch_view(a, true, &as);
	touch_params_conflict(&as, b);
	/* both lists are in name order: one merge walk */
	for (i = 0, j = 0; i < b->ntouches; i++)
	{
		int			cmp = 1;

		while (j < as.ntouches &&
			   (cmp = journey_label_cmp(as.rows[j].name, as.rows[j].name_len, b->rows[i].name, b->rows[i].name_len)) < 0)
			j++;
		match[i] = (j < as.ntouches && cmp == 0) ? j : -1;
		if (match[i] < 0)
			fits = false;
	}
	touch_count_add(&a->customers, b->customers);
	touch_count_add(&a->conversions, b->conversions);
	touch_count_add(&a->unattributed, b->unattributed);
	jdec_add(&a->revenue, &b->revenue);
	jdec_add(&a->unattributed_revenue, &b->unattributed_revenue);
	if (fits)
	{
		for (i = 0; i < b->ntouches; i++)
		{
			TouchEntry *e = &a->entries[match[i]];
			const TouchRow *r = &b->rows[i];
			Durations  *d;

			touch_count_add(&e->sent, r->sent);
			touch_count_add(&e->opened, r->opened);
			touch_count_add(&e->clicked, r->clicked);
			touch_count_add(&e->converted, r->converted);
			touch_count_add(&e->orphans, r->orphans);
			jdec_add(&e->revenue, &r->revenue);
			if (r->converted == 0)
				continue;
			d = (Durations *) (grown != NULL && grown[match[i]] != NULL ? grown[match[i]] : as.rows[match[i]].dur);
			if (d == NULL)
				d = b->report ? durations_copy(r->dur) : touch_ttc_durations(r->ttc, r->converted);
			else if (b->report)
				d = durations_merge_into(d, r->dur);
			else
			{
				int64		k;

				for (k = 0; k < r->converted; k++)
					d = durations_add_usec(d, r->ttc[k]);
			}
			if (d != as.rows[match[i]].dur)
			{
				if (grown == NULL)
					grown = palloc0(sizeof(Durations *) * (as.ntouches + 1));
				grown[match[i]] = d;
			}
		}
		if (grown == NULL)
			return a;
		/* rebuild with the grown summaries and the counts just updated in a */
		touch_view(a, true, &as);
		for (j = 0; j < as.ntouches; j++)
			if (grown[j] != NULL)
				as.rows[j].dur = grown[j];
		return touch_flatten(&as);
	}
	else
	{
		/* a union of the touches; a's totals are already updated */
		TouchSet	u = as;
		int			n = 0;

		touch_view(a, true, &as);
		u = as;
		u.rows = palloc(sizeof(TouchRow) * (as.ntouches + b->ntouches + 1));
		for (i = 0, j = 0; i < as.ntouches || j < b->ntouches;)
		{
			int			cmp = i >= as.ntouches ? 1 : j >= b->ntouches ? -1 :
				journey_label_cmp(as.rows[i].name, as.rows[i].name_len, b->rows[j].name, b->rows[j].name_len);
			TouchRow   *out = &u.rows[n++];

			if (cmp < 0)
			{
				*out = as.rows[i++];
				continue;
			}
			if (cmp > 0)
			{
				const TouchRow *r = &b->rows[j++];

				*out = *r;
				out->ttc = NULL;
				out->dur = r->converted == 0 ? NULL :
					b->report ? r->dur : touch_ttc_durations(r->ttc, r->converted);
				continue;
			}
			/* in both */
			{
				const TouchRow *r = &b->rows[j++];
				Durations  *d = as.rows[i].dur == NULL ? NULL : durations_copy(as.rows[i].dur);

				*out = as.rows[i++];
				touch_count_add(&out->sent, r->sent);
				touch_count_add(&out->opened, r->opened);
				touch_count_add(&out->clicked, r->clicked);
				touch_count_add(&out->converted, r->converted);
				touch_count_add(&out->orphans, r->orphans);
				jdec_add(&out->revenue, &r->revenue);
				if (r->converted > 0)
				{
					if (d == NULL)
						d = b->report ? durations_copy(r->dur) : touch_ttc_durations(r->ttc, r->converted);
					else if (b->report)
						d = durations_merge_into(d, r->dur);
					else
					{
						int64		k;

						for (k = 0; k < r->converted; k++)
							d = durations_add_usec(d, r->ttc[k]);
					}
				}
				out->dur = d;
			}
		}
		u.ntouches = n;
		if (n > TOUCH_MAX_TOUCHES)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("a touch_report holds at most %d touches", TOUCH_MAX_TOUCHES)));
		return touch_flatten(&u);
	}
}

/* An empty report of b's model and window (customers 0). */
static TouchFlat *
touch_report_empty(const TouchSet *b)
{
	TouchSet	e;

	memset(&e, 0, sizeof(e));
	e.report = true;
	e.model = b->model;
	e.window = b->window;
	jdec_zero(&e.revenue);
	jdec_zero(&e.unattributed_revenue);
	return touch_flatten(&e);
}

/* touch_report(touch_outcomes)'s transition: one customer; NULL is skipped. */
PG_FUNCTION_INFO_V1(touch_report_add);
Datum
touch_report_add(PG_FUNCTION_ARGS)
{
	TouchFlat  *a;
	TouchSet	b;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	touch_view(PG_GETARG_TOUCH_P(1), false, &b);
	a = PG_ARGISNULL(0) ? touch_report_empty(&b) : (TouchFlat *) journey_writable_arg(fcinfo, 0);
	PG_RETURN_POINTER(touch_report_absorb(a, &b));
}

/* Merge two reports: rollup's transition and the combine function. */
PG_FUNCTION_INFO_V1(touch_report_merge);
Datum
touch_report_merge(PG_FUNCTION_ARGS)
{
	TouchFlat  *a;
	TouchSet	b;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	touch_view(PG_GETARG_TOUCH_P(1), true, &b);
	a = PG_ARGISNULL(0) ? touch_report_empty(&b) : (TouchFlat *) journey_writable_arg(fcinfo, 0);
	PG_RETURN_POINTER(touch_report_absorb(a, &b));
}

/* ---------------------------------------------------------------------
 * Readers
 * ---------------------------------------------------------------------
 */

static inline Datum
touch_ratio(int64 num, int64 den, bool *isnull)
{
	*isnull = den == 0;
	return Float8GetDatum(den == 0 ? 0.0 : (double) num / (double) den);
}

/*
 * touch_report_rows: one row per touch in byte order of the names (the
 * columns are the SQL declaration's, built from its tuple descriptor).
 * Over a touch_outcomes value, the figures of that one customer (the same
 * as touch_report_rows(touch_report(value))).
 */
static Datum
touch_rows_common(FunctionCallInfo fcinfo, bool report)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TouchSet	set;
	int			natts;
	int			i;

	durations_init_constants();
	touch_view(PG_GETARG_TOUCH_P(0), report, &set);
	journey_init_srf(fcinfo);
	natts = rsinfo->setDesc->natts;
	for (i = 0; i < set.ntouches; i++)
	{
		const TouchRow *r = &set.rows[i];
		const Durations *d = report ? r->dur : (r->converted > 0 ? touch_ttc_durations(r->ttc, r->converted) : NULL);
		Datum		values[16];
		bool		nulls[16] = {0};
		int			q;

		values[0] = PointerGetDatum(cstring_to_text_with_len(r->name, r->name_len));
		values[1] = Int64GetDatum(r->sent);
		values[2] = Int64GetDatum(r->opened);
		values[3] = Int64GetDatum(r->clicked);
		values[4] = Int64GetDatum(r->converted);
		values[5] = touch_ratio(r->opened, r->sent, &nulls[5]);
		values[6] = touch_ratio(r->clicked, r->sent, &nulls[6]);
		values[7] = touch_ratio(r->converted, r->sent, &nulls[7]);
		values[8] = jdec_to_numeric(&r->revenue);
		for (q = 0; q < 2; q++)
		{
			int			col = 9 + 2 * q;

			if (d == NULL)
			{
				nulls[col] = nulls[col + 1] = true;
				continue;
			}
			else
			{
				int64		usec = durations_quantile_usec(d, q == 0 ? 0.5 : 0.9);

				values[col] = IntervalPGetDatum(journey_usec_to_interval(usec));
				values[col + 1] = Float8GetDatum((double) usec / 1e6);
			}
		}
		values[13] = Int64GetDatum(r->orphans);
		Assert(natts <= 14);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	(void) natts;
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(touch_report_rows);
Datum
touch_report_rows(PG_FUNCTION_ARGS)
{
	return touch_rows_common(fcinfo, true);
}

PG_FUNCTION_INFO_V1(touch_outcomes_rows);
Datum
touch_outcomes_rows(PG_FUNCTION_ARGS)
{
	return touch_rows_common(fcinfo, false);
}

/*
 * touch_report_totals: one row of customer-level figures: customers,
 * conversions, revenue, the conversions no instance got and their
 * revenue, the model and the window.
 */
static Datum
touch_totals_common(FunctionCallInfo fcinfo, bool report)
{
	TupleDesc	tupdesc;
	TouchSet	set;
	Datum		values[9];
	bool		nulls[9] = {0};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	tupdesc = BlessTupleDesc(tupdesc);
	touch_view(PG_GETARG_TOUCH_P(0), report, &set);
	values[0] = Int64GetDatum(set.customers);
	values[1] = Int64GetDatum(set.conversions);
	values[2] = jdec_to_numeric(&set.revenue);
	values[3] = Int64GetDatum(set.unattributed);
	values[4] = jdec_to_numeric(&set.unattributed_revenue);
	values[5] = PointerGetDatum(cstring_to_text(touch_model_names[set.model]));
	values[6] = IntervalPGetDatum(journey_usec_to_interval(set.window));
	values[7] = Float8GetDatum((double) set.window / 1e6);
	Assert(tupdesc->natts <= 8);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

PG_FUNCTION_INFO_V1(touch_report_totals);
Datum
touch_report_totals(PG_FUNCTION_ARGS)
{
	return touch_totals_common(fcinfo, true);
}

PG_FUNCTION_INFO_V1(touch_outcomes_totals);
Datum
touch_outcomes_totals(PG_FUNCTION_ARGS)
{
	return touch_totals_common(fcinfo, false);
}
