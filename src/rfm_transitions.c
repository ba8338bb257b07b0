/*
 * rfm_transitions.c — how customers moved between RFM segments: the
 * rfm_transitions aggregate (before rfm, after rfm [, map jsonb]), its
 * concrete mergeable state type, and the reader rfm_transition_rows.
 *
 * A value counts customers per (from segment, to segment) pair, with a
 * NULL segment for a customer who had no score on that side (new, or
 * gone) or whose score no rule of the map matches.  Pairs are kept sorted
 * (NULL first, then by the bytes of the name), so that the text form does
 * not depend on the order rows come in nor on how they are split.
 *
 * Layout: a header, `capacity` entries (from, to: offsets into the name
 * pool or -1 for NULL; count), then the name pool: NUL-terminated names,
 * each stored once.  Text form:
 *   v1 "At Risk">"Lost"*3,null>"New Customers"*2
 * names in double quotes with \" and \\ escaped; binary form: version,
 * number of pairs, then per pair from and to (a byte 0 for NULL, or 1 and
 * a length-prefixed name) and the count.
 */
#include "journey.h"
#include "rfm.h"

#include "common/int.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#define RFM_TRANSITIONS_VERSION 1
#define RFM_TRANSITIONS_MAX_NAME 1000	/* bytes of a segment name */
#define RFM_TRANSITIONS_MAX_PAIRS 100000

typedef struct RfmTransEntry
{
	int32		from;			/* offset of the name in the pool, -1: NULL */
	int32		to;
	int64		count;
} RfmTransEntry;

typedef struct RfmTransitions
{
	int32		vl_len_;
	uint8		version;
	uint8		flags;			/* reserved, 0 */
	uint16		unused;
	int32		nentries;
	int32		capacity;		/* room for entries */
	int32		pool_len;		/* bytes of the pool in use */
	int32		pool_capacity;
	int32		unused2;
	RfmTransEntry entries[FLEXIBLE_ARRAY_MEMBER];	/* then the pool */
} RfmTransitions;

#define RFM_TRANS_HEADER_SIZE offsetof(RfmTransitions, entries)
#define RFM_TRANS_SIZE(capacity, pool) \
	(RFM_TRANS_HEADER_SIZE + sizeof(RfmTransEntry) * (Size) (capacity) + (Size) (pool))
#define RFM_TRANS_POOL(t) ((char *) &(t)->entries[(t)->capacity])
#define PG_GETARG_RFM_TRANSITIONS_P(n) rfm_transitions_detoast(PG_GETARG_DATUM(n))

/* A name of t, or NULL. */
static inline const char *
rfm_trans_name(const RfmTransitions *t, int32 offset)
{
	return offset < 0 ? NULL : RFM_TRANS_POOL(t) + offset;
}

/* Order of names: NULL first, then by bytes. */
static inline int
rfm_trans_name_cmp(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

static inline int
rfm_trans_pair_cmp(const char *af, const char *at, const char *bf, const char *bt)
{
	int			c = rfm_trans_name_cmp(af, bf);

	return c != 0 ? c : rfm_trans_name_cmp(at, bt);
}

static RfmTransitions *
rfm_trans_alloc(int capacity, int pool_capacity)
{
	RfmTransitions *t = palloc0(RFM_TRANS_SIZE(capacity, pool_capacity));

	SET_VARSIZE(t, RFM_TRANS_SIZE(capacity, pool_capacity));
	t->version = RFM_TRANSITIONS_VERSION;
	t->capacity = capacity;
	t->pool_capacity = pool_capacity;
	return t;
}

/* The offset of name in t's pool, or -1 when absent or NULL. */
static int32
rfm_trans_find(const RfmTransitions *t, const char *name)
{
	const char *pool = RFM_TRANS_POOL(t);
	int32		off = 0;

	if (name == NULL)
		return -1;
	while (off < t->pool_len)
	{
		if (strcmp(pool + off, name) == 0)
			return off;
		off += (int32) strlen(pool + off) + 1;
	}
	return -1;
}

/* The pool bytes name needs in t: 0 when NULL or already there. */
static Size
rfm_trans_name_room(const RfmTransitions *t, const char *name)
{
	if (name == NULL || rfm_trans_find(t, name) >= 0)
		return 0;
	return strlen(name) + 1;
}

/*
 * The offset of name in t's pool, appending it when absent (the pool must
 * have room: see rfm_trans_room).  -1 for NULL.
 */
static int32
rfm_trans_intern(RfmTransitions *t, const char *name)
{
	char	   *pool = RFM_TRANS_POOL(t);
	int32		off = rfm_trans_find(t, name);
	Size		len;

	if (name == NULL || off >= 0)
		return off;
	len = strlen(name) + 1;
	Assert(t->pool_len + len <= (Size) t->pool_capacity);
	memcpy(pool + t->pool_len, name, len);
	off = t->pool_len;
	t->pool_len += (int32) len;
	return off;
}

/*
 * t with room for one more entry and `extra` more pool bytes: t itself, or
 * a larger copy in the current memory context.
 */
static RfmTransitions *
rfm_trans_room(RfmTransitions *t, Size extra)
{
	RfmTransitions *bigger;
	int			capacity = t->capacity,
				pool_capacity = t->pool_capacity;

	if (t->nentries < t->capacity && t->pool_len + extra <= (Size) t->pool_capacity)
		return t;
	if (t->nentries >= RFM_TRANSITIONS_MAX_PAIRS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("rfm_transitions holds at most %d segment pairs", RFM_TRANSITIONS_MAX_PAIRS)));
	if (t->nentries >= capacity)
		capacity = Max(capacity * 2, 16);
	while (t->pool_len + extra > (Size) pool_capacity)
		pool_capacity = Max(pool_capacity * 2, 256);
	bigger = rfm_trans_alloc(capacity, pool_capacity);
	bigger->nentries = t->nentries;
	bigger->pool_len = t->pool_len;
	memcpy(bigger->entries, t->entries, sizeof(RfmTransEntry) * t->nentries);
	memcpy(RFM_TRANS_POOL(bigger), RFM_TRANS_POOL(t), t->pool_len);
	return bigger;
}

/* Index of the first entry of t not below (from, to). */
static int
rfm_trans_lower_bound(const RfmTransitions *t, const char *from, const char *to)
{
	int			lo = 0,
				hi = t->nentries;

	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (rfm_trans_pair_cmp(rfm_trans_name(t, t->entries[mid].from), rfm_trans_name(t, t->entries[mid].to),
							   from, to) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void
rfm_trans_count_overflow(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("rfm_transitions customer count out of range")));
}

/* The customers of a checked value (their sum fits: rfm_trans_check). */
static int64
rfm_trans_total(const RfmTransitions *t)
{
	int64		total = 0;
	int			i;

	for (i = 0; i < t->nentries; i++)
		total += t->entries[i].count;
	return total;
}

/*
 * Add count customers to the pair (from, to); in place when there is
 * room, otherwise returns a larger copy in the current memory context.
 */
static RfmTransitions *
rfm_trans_add(RfmTransitions *t, const char *from, const char *to, int64 count)
{
	int			pos = rfm_trans_lower_bound(t, from, to);
	RfmTransEntry *e;

	if (pos < t->nentries &&
		rfm_trans_pair_cmp(rfm_trans_name(t, t->entries[pos].from), rfm_trans_name(t, t->entries[pos].to),
						   from, to) == 0)
	{
		if (pg_add_s64_overflow(t->entries[pos].count, count, &t->entries[pos].count))
			rfm_trans_count_overflow();
		return t;
	}
	t = rfm_trans_room(t, rfm_trans_name_room(t, from) +
					   (to != NULL && (from == NULL || strcmp(from, to) != 0) ? rfm_trans_name_room(t, to) : 0));
	e = &t->entries[pos];
	memmove(e + 1, e, sizeof(RfmTransEntry) * (t->nentries - pos));
	e->from = rfm_trans_intern(t, from);
	e->to = rfm_trans_intern(t, to);
	e->count = count;
	t->nentries++;
	return t;
}

/* A compact copy of t (no spare room), in the current memory context. */
static RfmTransitions *
rfm_trans_compact(const RfmTransitions *t)
{
	RfmTransitions *c;
	int			i;

	c = rfm_trans_alloc(t->nentries, t->pool_len);
	for (i = 0; i < t->nentries; i++)
	{
		c = rfm_trans_add(c, rfm_trans_name(t, t->entries[i].from), rfm_trans_name(t, t->entries[i].to),
						  t->entries[i].count);
		Assert(c->capacity == t->nentries);
	}
	return c;
}

/*
 * Check a value's header and that its entries are consistent (offsets in
 * the pool, names NUL-terminated and valid, pairs strictly increasing,
 * counts positive): for stored values and states, whose bytes we did not
 * make in this call.
 */
static void
rfm_trans_check(const RfmTransitions *t, JourneyOrigin origin)
{
	const char *pool;
	int			i;
	int64		total = 0;

	if (VARSIZE(t) < RFM_TRANS_HEADER_SIZE)
		journey_invalid_value(origin, "rfm_transitions", "The value is truncated.");
	if (t->version != RFM_TRANSITIONS_VERSION)
		journey_unsupported_version(origin, t->version, "rfm_transitions");
	if (t->nentries < 0 || t->capacity < t->nentries || t->capacity > RFM_TRANSITIONS_MAX_PAIRS ||
		t->pool_len < 0 || t->pool_capacity < t->pool_len ||
		VARSIZE(t) != RFM_TRANS_SIZE(t->capacity, t->pool_capacity))
		journey_invalid_value(origin, "rfm_transitions", "The header does not match the size of the value.");
	pool = RFM_TRANS_POOL(t);
	if (t->pool_len > 0 && pool[t->pool_len - 1] != '\0')
		journey_invalid_value(origin, "rfm_transitions", "A segment name is not terminated.");
	for (i = 0; i < t->nentries; i++)
	{
		const RfmTransEntry *e = &t->entries[i];

		if (e->from < -1 || e->from >= t->pool_len || e->to < -1 || e->to >= t->pool_len)
			journey_invalid_value(origin, "rfm_transitions", "Pair %d names a segment outside the value.", i + 1);
		if (e->from < 0 && e->to < 0)
			journey_invalid_value(origin, "rfm_transitions", "Pair %d has no segment on either side.", i + 1);
		if (e->count < 1)
			journey_invalid_value(origin, "rfm_transitions", "Pair %d has a count that is not positive.", i + 1);
		if (pg_add_s64_overflow(total, e->count, &total))
			journey_invalid_value(origin, "rfm_transitions", "The counts overflow.");
		if (i > 0 && rfm_trans_pair_cmp(rfm_trans_name(t, e[-1].from), rfm_trans_name(t, e[-1].to),
										rfm_trans_name(t, e->from), rfm_trans_name(t, e->to)) >= 0)
			journey_invalid_value(origin, "rfm_transitions", "The pairs are not in increasing order.");
	}
}

/*
 * A value argument, detoasted and checked: a corrupted stored value is an
 * error, never an out-of-bounds read.
 */
static RfmTransitions *
rfm_transitions_detoast(Datum datum)
{
	RfmTransitions *t = (RfmTransitions *) PG_DETOAST_DATUM(datum);

	rfm_trans_check(t, JOURNEY_FROM_STATE);
	return t;
}

/* A segment name read from text or binary: non-empty, bounded, valid. */
static void
rfm_trans_check_name(const char *name, Size len, JourneyOrigin origin)
{
	if (len == 0 || len > RFM_TRANSITIONS_MAX_NAME)
		journey_invalid_value(origin, "rfm_transitions", "A segment name has %zu bytes; it must have 1 to %d.",
							  len, RFM_TRANSITIONS_MAX_NAME);
	if (memchr(name, '\0', len) != NULL || !pg_verifymbstr(name, (int) len, true))
		journey_invalid_value(origin, "rfm_transitions", "A segment name is not valid text.");
}

/* ---------------------------------------------------------------------
 * Text and binary I/O
 * ---------------------------------------------------------------------
 */

static void
rfm_trans_append_name(StringInfo buf, const char *name)
{
	const char *p;

	if (name == NULL)
	{
		appendStringInfoString(buf, "null");
		return;
	}
	appendStringInfoChar(buf, '"');
	for (p = name; *p; p++)
	{
		if (*p == '"' || *p == '\\')
			appendStringInfoChar(buf, '\\');
		appendStringInfoChar(buf, *p);
	}
	appendStringInfoChar(buf, '"');
}

PG_FUNCTION_INFO_V1(rfm_transitions_out);
Datum
rfm_transitions_out(PG_FUNCTION_ARGS)
{
	RfmTransitions *t = PG_GETARG_RFM_TRANSITIONS_P(0);
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	appendStringInfo(&buf, "v%d", t->version);
	for (i = 0; i < t->nentries; i++)
	{
		appendStringInfoChar(&buf, i == 0 ? ' ' : ',');
		rfm_trans_append_name(&buf, rfm_trans_name(t, t->entries[i].from));
		appendStringInfoChar(&buf, '>');
		rfm_trans_append_name(&buf, rfm_trans_name(t, t->entries[i].to));
		appendStringInfo(&buf, "*%lld", (long long) t->entries[i].count);
	}
	PG_RETURN_CSTRING(buf.data);
}

static void
rfm_trans_syntax_error(const char *input, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type rfm_transitions: \"%s\"", input),
			 errdetail("%s", detail),
			 errhint("rfm_transitions values are made by the rfm_transitions aggregate; their text form looks like "
					 "'v1 \"At Risk\">\"Lost\"*3,null>\"New Customers\"*2'.")));
}

/* A quoted name or null at *pos; returns NULL for null, advancing past it. */
static char *
rfm_trans_parse_name(const char *input, const char **pos)
{
	const char *p = *pos;
	StringInfoData name;

	if (strncmp(p, "null", 4) == 0)
	{
		*pos = p + 4;
		return NULL;
	}
	if (*p != '"')
		rfm_trans_syntax_error(input, "Expected a segment name in double quotes, or null.");
	p++;
	initStringInfo(&name);
	while (*p != '"')
	{
		if (*p == '\0')
			rfm_trans_syntax_error(input, "A segment name has no closing quote.");
		if (*p == '\\')
		{
			p++;
			if (*p != '"' && *p != '\\')
				rfm_trans_syntax_error(input, "In a segment name, a backslash escapes only '\"' or '\\'.");
		}
		appendStringInfoChar(&name, *p++);
	}
	rfm_trans_check_name(name.data, name.len, JOURNEY_FROM_TEXT);
	*pos = p + 1;
	return name.data;
}

PG_FUNCTION_INFO_V1(rfm_transitions_in);
Datum
rfm_transitions_in(PG_FUNCTION_ARGS)
{
	const char *input = PG_GETARG_CSTRING(0);
	const char *p = input;
	RfmTransitions *t = rfm_trans_alloc(16, 256);
	char	   *end;
	long long	version;
	int			n = 0;
	char	   *prev_from = NULL,
			   *prev_to = NULL;

	if (*p != 'v')
		rfm_trans_syntax_error(input, "Expected \"v\" and the format version.");
	errno = 0;
	version = strtoll(p + 1, &end, 10);
	if (end == p + 1 || errno == ERANGE || (*end != ' ' && *end != '\0'))
		rfm_trans_syntax_error(input, "Expected \"v\" and the format version.");
	if (version != RFM_TRANSITIONS_VERSION)
		journey_unsupported_version(JOURNEY_FROM_TEXT, version, "rfm_transitions");
	p = end;
	while (*p != '\0')
	{
		char	   *from,
				   *to;
		long long	count;

		if (*p != (n == 0 ? ' ' : ','))
			rfm_trans_syntax_error(input, n == 0 ? "Expected a space after the version." : "Expected ',' between pairs.");
		p++;
		from = rfm_trans_parse_name(input, &p);
		if (*p++ != '>')
			rfm_trans_syntax_error(input, "Expected '>' between the two segments of a pair.");
		to = rfm_trans_parse_name(input, &p);
		if (*p++ != '*')
			rfm_trans_syntax_error(input, "Expected '*' and a count after a pair.");
		if (!(*p >= '0' && *p <= '9'))
			rfm_trans_syntax_error(input, "Expected a count after '*'.");
		errno = 0;
		count = strtoll(p, &end, 10);
		if (errno == ERANGE)
			rfm_trans_syntax_error(input, "A count is out of range.");
		p = end;
		if (from == NULL && to == NULL)
			journey_invalid_value(JOURNEY_FROM_TEXT, "rfm_transitions", "Pair %d has no segment on either side.", n + 1);
		if (count < 1)
			journey_invalid_value(JOURNEY_FROM_TEXT, "rfm_transitions", "Pair %d has a count that is not positive.", n + 1);
		if (n > 0 && rfm_trans_pair_cmp(prev_from, prev_to, from, to) >= 0)
			journey_invalid_value(JOURNEY_FROM_TEXT, "rfm_transitions", "The pairs are not in increasing order.");
		if (n >= RFM_TRANSITIONS_MAX_PAIRS)
			journey_invalid_value(JOURNEY_FROM_TEXT, "rfm_transitions", "A value holds at most %d pairs.",
								  RFM_TRANSITIONS_MAX_PAIRS);
		t = rfm_trans_add(t, from, to, (int64) count);
		prev_from = from;
		prev_to = to;
		n++;
	}
	rfm_trans_check(t, JOURNEY_FROM_TEXT);	/* the total may overflow */
	PG_RETURN_POINTER(rfm_trans_compact(t));
}

static void
rfm_trans_send_name(StringInfo buf, const char *name)
{
	if (name == NULL)
	{
		pq_sendbyte(buf, 0);
		return;
	}
	pq_sendbyte(buf, 1);
	pq_sendint32(buf, (int32) strlen(name));
	pq_sendbytes(buf, name, (int) strlen(name));
}

PG_FUNCTION_INFO_V1(rfm_transitions_send);
Datum
rfm_transitions_send(PG_FUNCTION_ARGS)
{
	RfmTransitions *t = PG_GETARG_RFM_TRANSITIONS_P(0);
	StringInfoData buf;
	int			i;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, t->version);
	pq_sendint32(&buf, t->nentries);
	for (i = 0; i < t->nentries; i++)
	{
		rfm_trans_send_name(&buf, rfm_trans_name(t, t->entries[i].from));
		rfm_trans_send_name(&buf, rfm_trans_name(t, t->entries[i].to));
		pq_sendint64(&buf, t->entries[i].count);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

static char *
rfm_trans_recv_name(StringInfo buf)
{
	int			present = journey_recv_uint8(buf, "rfm_transitions");
	int32		len;
	char	   *name;

	if (present == 0)
		return NULL;
	if (present != 1)
		journey_invalid_value(JOURNEY_FROM_BINARY, "rfm_transitions", "A segment flag is %d; it must be 0 or 1.", present);
	len = journey_recv_int32(buf, "rfm_transitions");
	if (len < 1 || len > RFM_TRANSITIONS_MAX_NAME)
		journey_invalid_value(JOURNEY_FROM_BINARY, "rfm_transitions", "A segment name has %d bytes; it must have 1 to %d.",
							  len, RFM_TRANSITIONS_MAX_NAME);
	if (len > buf->len - buf->cursor)
		journey_invalid_value(JOURNEY_FROM_BINARY, "rfm_transitions", "The value is truncated.");
	name = palloc(len + 1);
	memcpy(name, buf->data + buf->cursor, len);
	name[len] = '\0';
	buf->cursor += len;
	rfm_trans_check_name(name, len, JOURNEY_FROM_BINARY);
	return name;
}

PG_FUNCTION_INFO_V1(rfm_transitions_recv);
Datum
rfm_transitions_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			version = journey_recv_uint8(buf, "rfm_transitions");
	int32		n;
	RfmTransitions *t;
	int			i;
	char	   *prev_from = NULL,
			   *prev_to = NULL;

	if (version != RFM_TRANSITIONS_VERSION)
		journey_unsupported_version(JOURNEY_FROM_BINARY, version, "rfm_transitions");
	n = journey_recv_int32(buf, "rfm_transitions");
	if (n < 0 || n > RFM_TRANSITIONS_MAX_PAIRS)
		journey_invalid_value(JOURNEY_FROM_BINARY, "rfm_transitions", "The value claims %d pairs; it must have 0 to %d.",
							  n, RFM_TRANSITIONS_MAX_PAIRS);
	t = rfm_trans_alloc(16, 256);
	for (i = 0; i < n; i++)
	{
		char	   *from = rfm_trans_recv_name(buf);
		char	   *to = rfm_trans_recv_name(buf);
		int64		count = journey_recv_int64(buf, "rfm_transitions");

		if (from == NULL && to == NULL)
			journey_invalid_value(JOURNEY_FROM_BINARY, "rfm_transitions", "Pair %d has no segment on either side.", i + 1);
		if (count < 1)
			journey_invalid_value(JOURNEY_FROM_BINARY, "rfm_transitions", "Pair %d has a count that is not positive.", i + 1);
		if (i > 0 && rfm_trans_pair_cmp(prev_from, prev_to, from, to) >= 0)
			journey_invalid_value(JOURNEY_FROM_BINARY, "rfm_transitions", "The pairs are not in increasing order.");
		t = rfm_trans_add(t, from, to, count);
		prev_from = from;
		prev_to = to;
	}
	journey_recv_done(buf, "rfm_transitions");
	rfm_trans_check(t, JOURNEY_FROM_BINARY);
	PG_RETURN_POINTER(rfm_trans_compact(t));
}

/* ---------------------------------------------------------------------
 * The aggregate and the reader
 * ---------------------------------------------------------------------
 */

/*
 * Transition of rfm_transitions(before, after [, map]): the customer's
 * segment before and after (default map, or the map argument 3), NULL for
 * a NULL score.  A row with both scores NULL is skipped; a NULL map is an
 * error.  Updates the state in place when called as an aggregate.
 */
PG_FUNCTION_INFO_V1(rfm_transitions_add);
Datum
rfm_transitions_add(PG_FUNCTION_ARGS)
{
	int			map_argno = PG_NARGS() > 3 ? 3 : -1;
	const char *from = NULL,
			   *to = NULL;
	RfmTransitions *t;

	if (map_argno >= 0 && PG_ARGISNULL(map_argno))
		(void) rfm_segment_of(fcinfo, map_argno, RFM_PACK(1, 1, 1, RFM_DEFAULT_BINS));	/* the error */
	if (PG_ARGISNULL(1) && PG_ARGISNULL(2))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	if (!PG_ARGISNULL(1))
		from = rfm_segment_of(fcinfo, map_argno, PG_GETARG_RFM(1));
	if (!PG_ARGISNULL(2))
		to = rfm_segment_of(fcinfo, map_argno, PG_GETARG_RFM(2));
	if (from == NULL && to == NULL)
	{
		/* no rule of the map matched on either side: not counted */
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	if (PG_ARGISNULL(0))
		t = rfm_trans_alloc(16, 256);	/* the executor copies it */
	else
	{
		t = (RfmTransitions *) journey_writable_arg(fcinfo, 0);
		if (!AggCheckCallContext(fcinfo, NULL))
		{
			/* a value passed by hand */
			int64		total;

			rfm_trans_check(t, JOURNEY_FROM_STATE);
			if (pg_add_s64_overflow(rfm_trans_total(t), 1, &total))
				rfm_trans_count_overflow();
		}
	}
	PG_RETURN_POINTER(rfm_trans_add(t, from, to, 1));
}

/* Merge two values: the combine function and rollup's transition. */
PG_FUNCTION_INFO_V1(rfm_transitions_merge);
Datum
rfm_transitions_merge(PG_FUNCTION_ARGS)
{
	RfmTransitions *a = PG_GETARG_RFM_TRANSITIONS_P(0);
	RfmTransitions *b = PG_GETARG_RFM_TRANSITIONS_P(1);
	RfmTransitions *result = rfm_trans_alloc(a->nentries + b->nentries, a->pool_len + b->pool_len);
	int64		total;
	int			i;

	if (pg_add_s64_overflow(rfm_trans_total(a), rfm_trans_total(b), &total))
		rfm_trans_count_overflow();

	for (i = 0; i < a->nentries; i++)
		result = rfm_trans_add(result, rfm_trans_name(a, a->entries[i].from), rfm_trans_name(a, a->entries[i].to),
							   a->entries[i].count);
	for (i = 0; i < b->nentries; i++)
		result = rfm_trans_add(result, rfm_trans_name(b, b->entries[i].from), rfm_trans_name(b, b->entries[i].to),
							   b->entries[i].count);
	PG_RETURN_POINTER(result);
}

/* The final function: a compact copy. */
PG_FUNCTION_INFO_V1(rfm_transitions_final);
Datum
rfm_transitions_final(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	PG_RETURN_POINTER(rfm_trans_compact(PG_GETARG_RFM_TRANSITIONS_P(0)));
}

/*
 * rfm_transition_rows(t): one row per (from_segment, to_segment) pair
 * with its customers, NULL segments first, then by name.
 */
PG_FUNCTION_INFO_V1(rfm_transition_rows);
Datum
rfm_transition_rows(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	RfmTransitions *t = PG_GETARG_RFM_TRANSITIONS_P(0);
	int			i;

	journey_init_srf(fcinfo);
	for (i = 0; i < t->nentries; i++)
	{
		const char *from = rfm_trans_name(t, t->entries[i].from);
		const char *to = rfm_trans_name(t, t->entries[i].to);
		Datum		values[3];
		bool		nulls[3] = {from == NULL, to == NULL, false};

		values[0] = from ? CStringGetTextDatum(from) : (Datum) 0;
		values[1] = to ? CStringGetTextDatum(to) : (Datum) 0;
		values[2] = Int64GetDatum(t->entries[i].count);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
