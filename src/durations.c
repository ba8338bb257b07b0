/*
 * durations.c — the `durations` type: a mergeable summary of many
 * non-negative intervals.
 *
 * Count, sum (128-bit), min and max are exact.  Quantiles come from a
 * log-bucketed histogram (the DDSketch idea): a positive duration of x
 * microseconds falls in bucket i = ceil(log_gamma(x)), which covers
 * (gamma^(i-1), gamma^i]; reporting 2 gamma^i / (gamma + 1) for any value
 * of that bucket is off by at most (gamma - 1) / (gamma + 1) of the value.
 * We build gamma for 0.99% so that rounding in log() at a bucket edge still
 * keeps the stated 1% relative error.  Zero durations have their own count.
 *
 * Buckets are stored densely over the window [offset, offset + nbuckets)
 * of indices that hold values, at most DURATIONS_MAX_BUCKETS wide (8 KB of
 * counts): wide enough for durations spanning a factor of 6e8 (a second to
 * twenty years) at full accuracy.  Beyond that the lowest buckets are
 * folded into the lowest kept one (DDSketch's collapsing store): quantiles
 * that fall there lose the guarantee, min stays exact.
 *
 * The type is also the state of duration_agg() and rollup(), so Citus can
 * ship partial aggregates as text; the transition functions update it in
 * place when called as an aggregate and only reallocate when the window
 * must grow.
 */
#include "journey.h"
#include "durations.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/int.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/tuplestore.h"

#ifndef HAVE_INT128
#error "journey needs a compiler with a 128-bit integer type"
#endif

static double durations_log_gamma;	/* ln(gamma), set on first use */
static int	durations_max_index;	/* bucket of PG_INT64_MAX */

void
durations_init_constants(void)
{
	if (durations_log_gamma == 0.0)
	{
		double		gamma = (1.0 + DURATIONS_BUILD_ACCURACY) / (1.0 - DURATIONS_BUILD_ACCURACY);

		durations_log_gamma = log(gamma);
		durations_max_index = (int) ceil(log((double) PG_INT64_MAX) / durations_log_gamma);
	}
}

/* Bucket of a positive number of microseconds. */
static inline int
durations_bucket_of(int64 usec)
{
	return (int) ceil(log((double) usec) / durations_log_gamma);
}

/* The value reported for any duration in bucket i. */
static inline double
durations_bucket_value(int index)
{
	double		gamma = exp(durations_log_gamma);

	return 2.0 * exp(index * durations_log_gamma) / (gamma + 1.0);
}

static inline int128
durations_sum(const Durations *d)
{
	return (int128) ((uint128) d->sum_hi << 64 | (uint128) d->sum_lo);
}

static inline void
durations_set_sum(Durations *d, int128 sum)
{
	d->sum_hi = (int64) (sum >> 64);
	d->sum_lo = (uint64) sum;
}

static inline int
durations_hi_index(const Durations *d)
{
	return d->offset + d->nbuckets - 1;
}

/* A new value with a zeroed bucket window [lo, hi], in the current context. */
static Durations *
durations_alloc(int lo, int hi)
{
	Durations  *d;
	int			nbuckets = hi - lo + 1;

	Assert(nbuckets >= 1 && nbuckets <= DURATIONS_MAX_BUCKETS);
	d = (Durations *) palloc0(DURATIONS_SIZE(nbuckets));
	SET_VARSIZE(d, DURATIONS_SIZE(nbuckets));
	d->version = DURATIONS_VERSION;
	d->offset = lo;
	d->nbuckets = nbuckets;
	d->min_usec = PG_INT64_MAX;
	d->max_usec = 0;
	return d;
}

static void
durations_count_overflow(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("durations count out of range"),
			 errdetail("A durations value holds at most %lld values.", (long long) PG_INT64_MAX)));
}

/*
 * A copy of d whose window also covers [lo, hi], at most
 * DURATIONS_MAX_BUCKETS wide: when it would be wider, the lowest buckets
 * are folded into the lowest kept one.
 */
static Durations *
durations_widen(const Durations *d, int lo, int hi)
{
	Durations  *result;
	int			i;

	if (d->nbuckets > 0)
	{
		lo = Min(lo, d->offset);
		hi = Max(hi, durations_hi_index(d));
	}
	if (hi - lo + 1 > DURATIONS_MAX_BUCKETS)
		lo = hi - DURATIONS_MAX_BUCKETS + 1;
	result = durations_alloc(lo, hi);
	memcpy(VARDATA(result), VARDATA(d), DURATIONS_HEADER_SIZE - VARHDRSZ);
	result->offset = lo;
	result->nbuckets = hi - lo + 1;
	for (i = 0; i < d->nbuckets; i++)
	{
		int			target = Max(d->offset + i, lo) - lo;

		result->counts[target] += d->counts[i];
	}
	return result;
}

/* Bucket slot for index in d's window, or -1 when outside. */
static inline int
durations_slot(const Durations *d, int index)
{
	int			slot = index - d->offset;

	return (slot >= 0 && slot < d->nbuckets) ? slot : -1;
}

/*
 * Add one duration to d, in place when its bucket is in the window;
 * otherwise returns a widened copy (allocated in the current context).
 */
Durations *
durations_add_usec(Durations *d, int64 usec)
{
	int128		sum;

	if (usec > 0)
	{
		int			index = durations_bucket_of(usec);
		int			slot = durations_slot(d, index);

		if (slot < 0)
		{
			if (d->nbuckets > 0 && index < d->offset &&
				durations_hi_index(d) - index + 1 > DURATIONS_MAX_BUCKETS)
				index = durations_hi_index(d) - DURATIONS_MAX_BUCKETS + 1;	/* fold */
			if (d->nbuckets > 0)
				slot = durations_slot(d, index);
			if (slot < 0)
			{
				d = durations_widen(d, index, index);
				slot = durations_slot(d, Max(index, d->offset));
			}
		}
		d->counts[slot]++;
	}
	else
		d->zero_count++;

	if (pg_add_s64_overflow(d->count, 1, &d->count))
		durations_count_overflow();
	sum = durations_sum(d) + usec;
	durations_set_sum(d, sum);
	d->min_usec = Min(d->min_usec, usec);
	d->max_usec = Max(d->max_usec, usec);
	return d;
}

/* A value holding just one duration, in the current context. */
Durations *
durations_single(int64 usec)
{
	Durations  *d;

	if (usec > 0)
	{
		int			index = durations_bucket_of(usec);

		d = durations_alloc(index, index);
	}
	else
	{
		d = durations_alloc(0, 0);
		d->nbuckets = 0;
		SET_VARSIZE(d, DURATIONS_SIZE(0));
	}
	return durations_add_usec(d, usec);
}

/*
 * Merge other into d: in place when other's buckets fit d's window,
 * otherwise into a widened copy.
 */
Durations *
durations_merge_into(Durations *d, const Durations *other)
{
	int			i;
	int128		sum;

	if (other->nbuckets > 0)
	{
		int			lo = other->offset;
		int			hi = durations_hi_index(other);

		if (d->nbuckets == 0 || lo < d->offset || hi > durations_hi_index(d))
			d = durations_widen(d, lo, hi);
		for (i = 0; i < other->nbuckets; i++)
		{
			int			slot = Max(other->offset + i, d->offset) - d->offset;

			if (pg_add_u64_overflow(d->counts[slot], other->counts[i], &d->counts[slot]))
				durations_count_overflow();
		}
	}
	if (pg_add_s64_overflow(d->count, other->count, &d->count) ||
		pg_add_s64_overflow(d->zero_count, other->zero_count, &d->zero_count))
		durations_count_overflow();
	sum = durations_sum(d) + durations_sum(other);
	durations_set_sum(d, sum);
	d->min_usec = Min(d->min_usec, other->min_usec);
	d->max_usec = Max(d->max_usec, other->max_usec);
	return d;
}

Durations *
durations_copy(const Durations *d)
{
	Durations  *copy = palloc(VARSIZE(d));

	memcpy(copy, d, VARSIZE(d));
	return copy;
}

/*
 * Reject any value a hostile or corrupted input could carry: wrong
 * version, window out of range, counts that do not add up, min/max/sum
 * inconsistent with the buckets.  `origin` says which input it came from,
 * and so the SQLSTATE.
 */
void
durations_check(const Durations *d, JourneyOrigin origin)
{
	const char *problem = NULL;
	uint64		bucket_total = 0;
	int			first_used = -1,
				last_used = -1;
	int			i;
	int128		sum = durations_sum(d);

	durations_init_constants();
	if (d->version != DURATIONS_VERSION)
		journey_unsupported_version(origin, d->version, "durations");
	if (d->flags != 0)
		problem = "unknown flags";
	else if (d->nbuckets > DURATIONS_MAX_BUCKETS)
		problem = "too many buckets";
	else if (d->nbuckets > 0 && (d->offset < 0 || durations_hi_index(d) > durations_max_index))
		problem = "bucket index out of range";
	else if (d->count <= 0)
		problem = "n is not positive (a durations value holds at least one value)";
	else if (d->zero_count < 0 || d->zero_count > d->count)
		problem = "zero count out of range";
	else if (d->min_usec < 0 || d->min_usec > d->max_usec)
		problem = "min and max are inconsistent";
	else if ((d->zero_count > 0) != (d->min_usec == 0))
		problem = "min is inconsistent with the zero count";
	else if ((d->zero_count < d->count) != (d->max_usec > 0))
		problem = "max is inconsistent with the zero count";
	else if (sum < (int128) d->min_usec * d->count || sum > (int128) d->max_usec * d->count)
		problem = "sum is inconsistent with min, max and count";

	for (i = 0; problem == NULL && i < d->nbuckets; i++)
	{
		if (d->counts[i] == 0)
			continue;
		if (first_used < 0)
			first_used = d->offset + i;
		last_used = d->offset + i;
		if (pg_add_u64_overflow(bucket_total, d->counts[i], &bucket_total))
			problem = "bucket counts overflow";
	}
	if (problem == NULL && bucket_total != (uint64) (d->count - d->zero_count))
		problem = "bucket counts do not add up to the count";
	if (problem == NULL && d->max_usec > 0)
	{
		/* one bucket of slack: another platform's log() may round differently */
		if (abs(last_used - durations_bucket_of(d->max_usec)) > 1)
			problem = "max is not in the highest bucket";
		else if (d->min_usec > 0 && first_used < durations_bucket_of(d->min_usec) - 1)
			problem = "a bucket lies below min";
	}
	if (problem != NULL)
		journey_invalid_value(origin, "durations", "The value is inconsistent: %s.", problem);
}

/*
 * Text form, all integers in microseconds, buckets as index:count of the
 * non-empty ones:
 *   v1 n=3 zeros=0 sum_us=7200000000 min_us=1800000000 max_us=3600000000 buckets=1076:1,1111:2
 */
PG_FUNCTION_INFO_V1(durations_out);
Datum
durations_out(PG_FUNCTION_ARGS)
{
	Durations  *d = PG_GETARG_DURATIONS_P(0);
	StringInfoData buf;
	int128		sum = durations_sum(d);
	char		sumtext[64];
	char	   *p = sumtext + sizeof(sumtext) - 1;
	uint128		magnitude = sum < 0 ? -(uint128) sum : (uint128) sum;
	bool		first = true;
	int			i;

	*p = '\0';
	do
	{
		*--p = '0' + (int) (magnitude % 10);
		magnitude /= 10;
	} while (magnitude > 0);
	if (sum < 0)
		*--p = '-';

	initStringInfo(&buf);
	appendStringInfo(&buf, "v%d n=%lld zeros=%lld sum_us=%s min_us=%lld max_us=%lld buckets=",
					 d->version, (long long) d->count, (long long) d->zero_count, p,
					 (long long) d->min_usec, (long long) d->max_usec);
	for (i = 0; i < d->nbuckets; i++)
	{
		if (d->counts[i] == 0)
			continue;
		appendStringInfo(&buf, "%s%d:%llu", first ? "" : ",", d->offset + i,
						 (unsigned long long) d->counts[i]);
		first = false;
	}
	PG_RETURN_CSTRING(buf.data);
}

static void
durations_syntax_error(const char *input, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type durations: \"%s\"", input),
			 errdetail("%s", detail),
			 errhint("Durations values are made by duration_agg(interval); their text form looks like "
					 "\"v1 n=1 zeros=0 sum_us=60000000 min_us=60000000 max_us=60000000 buckets=906:1\".")));
}

/* Parse "name=<integer>" at *pos; advances past it and one space. */
static int128
durations_parse_field(const char *input, const char **pos, const char *name, bool last)
{
	size_t		len = strlen(name);
	const char *p = *pos;
	bool		negative = false;
	int128		value = 0;
	int			digits = 0;

	if (strncmp(p, name, len) != 0 || p[len] != '=')
		durations_syntax_error(input, psprintf("Expected field \"%s=\".", name));
	p += len + 1;
	if (*p == '-')
	{
		negative = true;
		p++;
	}
	while (*p >= '0' && *p <= '9')
	{
		/* the largest valid field, a sum, is below 2^126 */
		if (value > (((int128) 1 << 126) - 9) / 10)
			durations_syntax_error(input, psprintf("Field \"%s\" is out of range.", name));
		value = value * 10 + (*p++ - '0');
		digits++;
	}
	if (digits == 0)
		durations_syntax_error(input, psprintf("Field \"%s\" needs an integer.", name));
	if (!last)
	{
		if (*p != ' ')
			durations_syntax_error(input, psprintf("Expected a space after field \"%s\".", name));
		p++;
	}
	*pos = p;
	return negative ? -value : value;
}

static int64
durations_field_int64(const char *input, int128 value, const char *name)
{
	if (value < PG_INT64_MIN || value > PG_INT64_MAX)
		durations_syntax_error(input, psprintf("Field \"%s\" is out of range.", name));
	return (int64) value;
}

PG_FUNCTION_INFO_V1(durations_in);
Datum
durations_in(PG_FUNCTION_ARGS)
{
	const char *input = PG_GETARG_CSTRING(0);
	const char *p = input;
	Durations	header;
	Durations  *d;
	int			lo = -1,
				hi = -1,
				prev = -1;
	int128		sum;
	const char *buckets;

	durations_init_constants();
	memset(&header, 0, sizeof(header));
	if (p[0] == 'v' && p[1] >= '0' && p[1] <= '9' && (p[1] != '1' || p[2] != ' '))
	{
		char	   *end;
		long		version = strtol(p + 1, &end, 10);

		if (*end == ' ' && version != DURATIONS_VERSION && version >= 0 && version < INT_MAX)
			journey_unsupported_version(JOURNEY_FROM_TEXT, (int) version, "durations");
	}
	if (p[0] != 'v' || p[1] != '1' || p[2] != ' ')
		durations_syntax_error(input, "A durations value starts with its format version \"v1\".");
	header.version = DURATIONS_VERSION;
	p += 3;
	header.count = durations_field_int64(input, durations_parse_field(input, &p, "n", false), "n");
	header.zero_count = durations_field_int64(input, durations_parse_field(input, &p, "zeros", false), "zeros");
	sum = durations_parse_field(input, &p, "sum_us", false);
	header.min_usec = durations_field_int64(input, durations_parse_field(input, &p, "min_us", false), "min_us");
	header.max_usec = durations_field_int64(input, durations_parse_field(input, &p, "max_us", false), "max_us");
	if (strncmp(p, "buckets=", 8) != 0)
		durations_syntax_error(input, "Expected field \"buckets=\".");
	p += 8;
	buckets = p;

	/* first pass: check the bucket list and find its window */
	while (*p != '\0')
	{
		long		index;
		char	   *end;

		if (!(*p >= '0' && *p <= '9'))
			durations_syntax_error(input, "Buckets are a comma-separated list of index:count.");
		errno = 0;
		index = strtol(p, &end, 10);
		if (errno != 0 || index > durations_max_index || *end != ':')
			durations_syntax_error(input, "Buckets are a comma-separated list of index:count with index in range.");
		if (index <= prev)
			durations_syntax_error(input, "Bucket indexes must be strictly increasing.");
		prev = (int) index;
		if (lo < 0)
			lo = (int) index;
		hi = (int) index;
		p = end + 1;
		if (!(*p >= '1' && *p <= '9'))
			durations_syntax_error(input, "A bucket count is a positive integer.");
		errno = 0;
		(void) strtoull(p, &end, 10);
		if (errno != 0)
			durations_syntax_error(input, "A bucket count is out of range.");
		p = end;
		if (*p == ',')
			p++;
		else if (*p != '\0')
			durations_syntax_error(input, "Buckets are a comma-separated list of index:count.");
	}
	if (lo >= 0 && hi - lo + 1 > DURATIONS_MAX_BUCKETS)
		durations_syntax_error(input, psprintf("Buckets span more than %d indexes.", DURATIONS_MAX_BUCKETS));

	if (lo >= 0)
		d = durations_alloc(lo, hi);
	else
	{
		d = durations_alloc(0, 0);
		d->nbuckets = 0;
		SET_VARSIZE(d, DURATIONS_SIZE(0));
	}
	d->count = header.count;
	d->zero_count = header.zero_count;
	d->min_usec = header.min_usec;
	d->max_usec = header.max_usec;
	durations_set_sum(d, sum);

	/* second pass: fill the counts */
	p = buckets;
	while (*p != '\0')
	{
		char	   *end;
		long		index = strtol(p, &end, 10);

		p = end + 1;
		d->counts[index - lo] = strtoull(p, &end, 10);
		p = (*end == ',') ? end + 1 : end;
	}
	durations_check(d, JOURNEY_FROM_TEXT);
	PG_RETURN_POINTER(d);
}

/*
 * Binary form: version, flags, count, zero count, sum hi, sum lo, min,
 * max, the number of non-empty buckets, then (index int4, count int8) each.
 */
PG_FUNCTION_INFO_V1(durations_send);
Datum
durations_send(PG_FUNCTION_ARGS)
{
	Durations  *d = PG_GETARG_DURATIONS_P(0);
	StringInfoData buf;
	int			used = 0;
	int			i;

	for (i = 0; i < d->nbuckets; i++)
		used += d->counts[i] != 0;
	pq_begintypsend(&buf);
	pq_sendbyte(&buf, d->version);
	pq_sendbyte(&buf, d->flags);
	pq_sendint64(&buf, d->count);
	pq_sendint64(&buf, d->zero_count);
	pq_sendint64(&buf, d->sum_hi);
	pq_sendint64(&buf, (int64) d->sum_lo);
	pq_sendint64(&buf, d->min_usec);
	pq_sendint64(&buf, d->max_usec);
	pq_sendint32(&buf, used);
	for (i = 0; i < d->nbuckets; i++)
	{
		if (d->counts[i] == 0)
			continue;
		pq_sendint32(&buf, d->offset + i);
		pq_sendint64(&buf, (int64) d->counts[i]);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(durations_recv);
Datum
durations_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	Durations	header;
	Durations  *d;
	int			used;
	int			i;
	int			start_cursor;
	int			lo = 0,
				hi = 0,
				prev = -1;

	durations_init_constants();
	memset(&header, 0, sizeof(header));
	header.version = journey_recv_uint8(buf, "durations");
	header.flags = journey_recv_uint8(buf, "durations");
	if (header.version != DURATIONS_VERSION)
		journey_unsupported_version(JOURNEY_FROM_BINARY, header.version, "durations");
	header.count = journey_recv_int64(buf, "durations");
	header.zero_count = journey_recv_int64(buf, "durations");
	header.sum_hi = journey_recv_int64(buf, "durations");
	header.sum_lo = (uint64) journey_recv_int64(buf, "durations");
	header.min_usec = journey_recv_int64(buf, "durations");
	header.max_usec = journey_recv_int64(buf, "durations");
	used = journey_recv_int32(buf, "durations");
	if (used < 0 || used > DURATIONS_MAX_BUCKETS || (int64) used * 12 != buf->len - buf->cursor)
		journey_invalid_value(JOURNEY_FROM_BINARY, "durations",
							  "The bucket count %d does not match the value's length.", used);

	/* first pass: indexes strictly increasing, in range, within one window */
	start_cursor = buf->cursor;
	for (i = 0; i < used; i++)
	{
		int32		index = journey_recv_int32(buf, "durations");
		int64		count = journey_recv_int64(buf, "durations");

		if (index <= prev || index > durations_max_index || count <= 0)
			journey_invalid_value(JOURNEY_FROM_BINARY, "durations",
								  "Bucket %d is out of order, out of range or empty.", i + 1);
		if (i == 0)
			lo = index;
		hi = prev = index;
	}
	if (used > 0 && hi - lo + 1 > DURATIONS_MAX_BUCKETS)
		journey_invalid_value(JOURNEY_FROM_BINARY, "durations",
							  "Buckets span more than %d indexes.", DURATIONS_MAX_BUCKETS);
	d = durations_alloc(lo, hi);
	if (used == 0)
	{
		d->nbuckets = 0;
		SET_VARSIZE(d, DURATIONS_SIZE(0));
	}
	memcpy(VARDATA(d), VARDATA(&header), DURATIONS_HEADER_SIZE - VARHDRSZ);
	d->offset = lo;
	d->nbuckets = used > 0 ? hi - lo + 1 : 0;
	buf->cursor = start_cursor;
	for (i = 0; i < used; i++)
	{
		int32		index = journey_recv_int32(buf, "durations");

		d->counts[index - lo] = (uint64) journey_recv_int64(buf, "durations");
	}
	journey_recv_done(buf, "durations");
	durations_check(d, JOURNEY_FROM_BINARY);
	PG_RETURN_POINTER(d);
}

/*
 * duration_agg's transition: add one interval.  NULLs are skipped;
 * negative intervals are an error (a duration cannot be negative, and a
 * silently dropped one would bias every quantile).
 */
PG_FUNCTION_INFO_V1(durations_add);
Datum
durations_add(PG_FUNCTION_ARGS)
{
	Durations  *state;
	int64		usec;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	durations_init_constants();
	usec = journey_interval_to_usec(PG_GETARG_INTERVAL_P(1), "duration");
	if (usec < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("durations cannot hold a negative interval"),
				 errdetail("The interval is %s.",
						   DatumGetCString(DirectFunctionCall1(interval_out, PG_GETARG_DATUM(1)))),
				 errhint("Leave negative intervals out, e.g. with FILTER (WHERE d >= interval '0').")));

	/* a new value is made in the current context; the executor copies it */
	if (PG_ARGISNULL(0))
		PG_RETURN_POINTER(durations_single(usec));
	state = (Durations *) journey_writable_arg(fcinfo, 0);
	PG_RETURN_POINTER(durations_add_usec(state, usec));
}

/*
 * Merge two durations: rollup's transition and the combine function of
 * both aggregates (strict: the executor handles a NULL side).  Modifies
 * the first argument in place only when called as an aggregate.
 */
PG_FUNCTION_INFO_V1(durations_merge);
Datum
durations_merge(PG_FUNCTION_ARGS)
{
	Durations  *state = (Durations *) journey_writable_arg(fcinfo, 0);
	Durations  *other = PG_GETARG_DURATIONS_P(1);

	durations_init_constants();
	PG_RETURN_POINTER(durations_merge_into(state, other));
}

PG_FUNCTION_INFO_V1(durations_num_vals);
Datum
durations_num_vals(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(PG_GETARG_DURATIONS_P(0)->count);
}

PG_FUNCTION_INFO_V1(durations_min_val);
Datum
durations_min_val(PG_FUNCTION_ARGS)
{
	PG_RETURN_INTERVAL_P(journey_usec_to_interval(PG_GETARG_DURATIONS_P(0)->min_usec));
}

PG_FUNCTION_INFO_V1(durations_max_val);
Datum
durations_max_val(PG_FUNCTION_ARGS)
{
	PG_RETURN_INTERVAL_P(journey_usec_to_interval(PG_GETARG_DURATIONS_P(0)->max_usec));
}

/* Exact mean, rounded half away from zero to the microsecond. */
PG_FUNCTION_INFO_V1(durations_mean);
Datum
durations_mean(PG_FUNCTION_ARGS)
{
	Durations  *d = PG_GETARG_DURATIONS_P(0);
	int128		sum = durations_sum(d);
	int128		mean = (sum + d->count / 2) / d->count;

	PG_RETURN_INTERVAL_P(journey_usec_to_interval((int64) mean));
}

static void
durations_check_fraction(double q)
{
	if (isnan(q) || q < 0.0 || q > 1.0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("quantile %g is not between 0 and 1", q),
				 errhint("Ask for 0.5 for the median, 0.9 for the 90th percentile.")));
}

/*
 * percentile_disc's rank ceil(q * n) for 0 <= q <= 1 and 1 <= n < 2^63,
 * computed as percentile_disc does (the product in double precision) but
 * converted to an integer with clamping into [0, n]: near n = 2^63 the
 * double product (and (double) n itself) can reach 2^63, which does not
 * fit in an int64.
 */
static int64
durations_rank(double q, int64 n)
{
	double		rank = ceil(q * (double) n);

	if (!(rank > 0.0))
		return 0;
	if (rank >= (double) n)
		return n;
	/* here 0 < rank < (double) n <= 2^63: the conversion is exact */
	return Min((int64) rank, n);
}

/*
 * The q-quantile with percentile_disc's rank (the value at position
 * ceil(q * n) of the sorted values, the first for q = 0), within 1%:
 * exact at q = 0 and 1 and for zero durations, otherwise the reported
 * value of the bucket holding that rank, clamped to [min, max].
 */
int64
durations_quantile_usec(const Durations *d, double q)
{
	int64		rank;
	uint64		seen;
	int			i;

	durations_check_fraction(q);
	rank = durations_rank(q, d->count);
	if (rank <= 1)
		return d->min_usec;
	if (rank >= d->count)
		return d->max_usec;
	if (rank <= d->zero_count)
		return 0;
	seen = (uint64) d->zero_count;
	for (i = 0; i < d->nbuckets; i++)
	{
		seen += d->counts[i];
		if (seen >= (uint64) rank)
		{
			double		value = durations_bucket_value(d->offset + i);
			int64		usec;

			if (value >= (double) d->max_usec)
				return d->max_usec;
			usec = (int64) llround(value);
			return Max(usec, d->min_usec);
		}
	}
	return d->max_usec;			/* not reached on a valid value */
}

static void
durations_null_argument(const char *argument)
{
	ereport(ERROR,
			(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
			 errmsg("%s must not be null", argument)));
}

/* A NULL summary gives NULL; a NULL fraction is an error. */
PG_FUNCTION_INFO_V1(durations_quantile);
Datum
durations_quantile(PG_FUNCTION_ARGS)
{
	Durations  *d;

	if (PG_ARGISNULL(1))
		durations_null_argument("fraction");
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	d = PG_GETARG_DURATIONS_P(0);
	durations_init_constants();
	PG_RETURN_INTERVAL_P(journey_usec_to_interval(durations_quantile_usec(d, PG_GETARG_FLOAT8(1))));
}

/* Several quantiles at once; a NULL array or element is an error. */
PG_FUNCTION_INFO_V1(durations_quantiles);
Datum
durations_quantiles(PG_FUNCTION_ARGS)
{
	Durations  *d;
	ArrayType  *fractions;
	Datum	   *values;
	bool	   *nulls;
	int			n;
	int			i;
	int			dims[1];
	int			lbs[1] = {1};

	if (PG_ARGISNULL(1))
		durations_null_argument("the array of fractions");
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	d = PG_GETARG_DURATIONS_P(0);
	fractions = PG_GETARG_ARRAYTYPE_P(1);
	durations_init_constants();
	if (ARR_NDIM(fractions) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("quantiles takes a one-dimensional array of fractions")));
	deconstruct_array(fractions, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
					  &values, &nulls, &n);
	for (i = 0; i < n; i++)
	{
		if (nulls[i])
			durations_null_argument("a fraction");
		values[i] = IntervalPGetDatum(journey_usec_to_interval(
										durations_quantile_usec(d, DatumGetFloat8(values[i]))));
	}
	dims[0] = n;
	if (n == 0)
		PG_RETURN_ARRAYTYPE_P(construct_empty_array(INTERVALOID));
	PG_RETURN_ARRAYTYPE_P(construct_md_array(values, nulls, 1, dims, lbs, INTERVALOID,
											 sizeof(Interval), false, TYPALIGN_DOUBLE));
}

/* A number of microseconds as float8 seconds (the _seconds columns). */
static inline Datum
durations_seconds_datum(int64 usec)
{
	return Float8GetDatum((double) usec / 1e6);
}

/*
 * The value a bucket's count is placed at in a histogram: its reported
 * value, clamped to [min, max] and to the nearest microsecond.
 */
static inline int64
durations_bucket_usec(const Durations *d, int i)
{
	double		value = durations_bucket_value(d->offset + i);

	return value >= (double) d->max_usec ? d->max_usec : Max((int64) llround(value), d->min_usec);
}

/*
 * The bin edges of a log-scale histogram, edges[0..nbins] (returns the
 * number of bins, at most `nbins`): from lo, the smallest positive value,
 * to max, at equal ratios, rounded to microseconds, equal edges merged.
 * When the value has zeros the first edge is 0 (zeros and the smallest
 * values share the first bin).
 */
static int
durations_log_edges(const Durations *d, int nbins, int64 *edges)
{
	int64		lo = d->min_usec;
	int			out = 0,
				i;
	double		ratio;

	if (lo == 0)
	{
		/* the smallest positive value: the lowest non-empty bucket */
		lo = d->max_usec;
		for (i = 0; i < d->nbuckets; i++)
			if (d->counts[i] != 0)
			{
				lo = Max(durations_bucket_usec(d, i), 1);
				break;
			}
	}
	ratio = log((double) d->max_usec / (double) lo);
	edges[out++] = d->min_usec;
	for (i = 1; i <= nbins; i++)
	{
		int64		e;

		if (i == nbins)
			e = d->max_usec;
		else
		{
			double		x = (double) lo * exp(ratio * i / nbins);

			e = x >= (double) d->max_usec ? d->max_usec : (int64) llround(x);
		}
		if (d->min_usec == 0 && i == 1 && e <= lo && lo < d->max_usec)
			e = lo + 1;			/* zeros and lo in the first bin, apart from the rest */
		if (e > edges[out - 1])
			edges[out++] = e;
	}
	if (out == 1)
		edges[out++] = d->max_usec; /* all values equal: one bin [v, v] */
	return out - 1;
}

/*
 * histogram(d, bins [, scale]): `bins` bins from min to max (lower bound
 * inclusive, upper exclusive, the last one inclusive), every bin returned
 * even when empty so a chart's axis stays regular.  scale 'linear' (the
 * default) makes them equal-width; 'log' makes their edges grow by equal
 * ratios from the smallest positive value to the largest, so that a
 * long-tailed distribution spreads over its bins (zeros fall in the first
 * bin, which then starts at 0).  A value is counted in the bin holding its
 * bucket's reported value, so a count may move to a neighbouring bin when a
 * value lies within 1% of a bin edge.  No bin is narrower than a
 * microsecond (fewer bins then); when all values are equal there is one.
 *
 * Rows: lower, lower_seconds, upper, upper_seconds, count, or under the
 * 0.1.0 declaration (two arguments, three columns) lower, upper, count.
 */
PG_FUNCTION_INFO_V1(durations_histogram);
Datum
durations_histogram(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Durations  *d;
	int32		nbins;
	int64	   *bin_counts;
	int64	   *edges = NULL;
	bool		log_scale = false;
	bool		with_seconds;
	int128		range;
	int			i;

	if (PG_ARGISNULL(1))
		durations_null_argument("the number of bins");
	nbins = PG_GETARG_INT32(1);
	if (PG_NARGS() > 2)
	{
		char	   *scale;

		if (PG_ARGISNULL(2))
			durations_null_argument("scale");
		scale = text_to_cstring(PG_GETARG_TEXT_PP(2));
		if (strcmp(scale, "log") == 0)
			log_scale = true;
		else if (strcmp(scale, "linear") != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown histogram scale \"%s\"", scale),
					 errhint("The scale is 'linear' (equal-width bins) or 'log' (bins growing by equal ratios).")));
	}
	journey_init_srf(fcinfo);
	with_seconds = rsinfo->setDesc->natts >= 5;
	if (nbins < 1 || nbins > DURATIONS_MAX_HISTOGRAM_BINS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("histogram needs between 1 and %d bins, not %d", DURATIONS_MAX_HISTOGRAM_BINS, nbins)));
	if (PG_ARGISNULL(0))
		return (Datum) 0;		/* no values, no rows */
	d = PG_GETARG_DURATIONS_P(0);
	durations_init_constants();
	range = (int128) d->max_usec - d->min_usec;
	if (log_scale && range > 0)
	{
		edges = palloc(sizeof(int64) * (nbins + 1));
		nbins = durations_log_edges(d, nbins, edges);
	}
	else if (range < nbins)
		nbins = Max((int) range, 1);	/* no bin narrower than a microsecond */
	bin_counts = palloc0(sizeof(int64) * nbins);
	bin_counts[0] += d->zero_count;
	for (i = 0; i < d->nbuckets; i++)
	{
		int64		usec;
		int			bin = 0;

		if (d->counts[i] == 0)
			continue;
		usec = durations_bucket_usec(d, i);
		if (edges != NULL)
		{
			/* the last bin whose lower edge is <= usec */
			int			lo = 0,
						hi = nbins - 1;

			while (lo < hi)
			{
				int			mid = lo + (hi - lo + 1) / 2;

				if (edges[mid] <= usec)
					lo = mid;
				else
					hi = mid - 1;
			}
			bin = lo;
		}
		else if (range > 0)
			bin = (int) Min(((int128) usec - d->min_usec) * nbins / range, nbins - 1);
		bin_counts[bin] += (int64) d->counts[i];
	}
	for (i = 0; i < nbins; i++)
	{
		Datum		row[5];
		bool		nulls[5] = {false, false, false, false, false};
		int64		lower,
					upper;
		int			col = 0;

		if (edges != NULL)
		{
			lower = edges[i];
			upper = edges[i + 1];
		}
		else
		{
			lower = d->min_usec + (int64) (range * i / nbins);
			upper = d->min_usec + (int64) (range * (i + 1) / nbins);
		}
		row[col++] = IntervalPGetDatum(journey_usec_to_interval(lower));
		if (with_seconds)
			row[col++] = durations_seconds_datum(lower);
		row[col++] = IntervalPGetDatum(journey_usec_to_interval(upper));
		if (with_seconds)
			row[col++] = durations_seconds_datum(upper);
		row[col++] = Int64GetDatum(bin_counts[i]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, row, nulls);
	}
	return (Datum) 0;
}

/*
 * quantile_rows(d, fractions): quantiles as rows for charts: fraction,
 * quantile (interval), quantile_seconds (float8), in the order of the
 * array.  A NULL summary gives no rows; a NULL array or fraction is an
 * error.
 */
PG_FUNCTION_INFO_V1(durations_quantile_rows);
Datum
durations_quantile_rows(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Durations  *d;
	ArrayType  *fractions;
	Datum	   *values;
	bool	   *nulls;
	int			n,
				i;

	if (PG_ARGISNULL(1))
		durations_null_argument("the array of fractions");
	fractions = PG_GETARG_ARRAYTYPE_P(1);
	if (ARR_NDIM(fractions) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("quantile_rows takes a one-dimensional array of fractions")));
	deconstruct_array(fractions, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
					  &values, &nulls, &n);
	for (i = 0; i < n; i++)
		if (nulls[i])
			durations_null_argument("a fraction");
	journey_init_srf(fcinfo);
	if (PG_ARGISNULL(0))
		return (Datum) 0;
	d = PG_GETARG_DURATIONS_P(0);
	durations_init_constants();
	for (i = 0; i < n; i++)
	{
		int64		usec = durations_quantile_usec(d, DatumGetFloat8(values[i]));
		Datum		row[3];
		bool		rnulls[3] = {false, false, false};

		row[0] = values[i];
		row[1] = IntervalPGetDatum(journey_usec_to_interval(usec));
		row[2] = durations_seconds_datum(usec);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, row, rnulls);
	}
	return (Datum) 0;
}
