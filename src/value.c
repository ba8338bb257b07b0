/*
 * value.c — revenue per period since a customer's origin, and revenue
 * curves and payback per cohort.
 *
 *   value_periods(ts, amount, origin, period, periods [, as_of]) -> numeric[]
 *       Per customer: element k+1 is the exact sum of the amounts of the
 *       rows with origin + k*period <= ts < origin + (k+1)*period; the
 *       array has one element per observed period (all `periods` without
 *       as_of, those ending by as_of with it), as active_periods' bits.
 *       Also over a stored journey (value_periods(j, label, ...)).
 *
 *   cohort_value (type), cohort_value(numeric[]), rollup(cohort_value):
 *       across customers, per period, how many were observed, how many
 *       paid, their revenue and the cumulative revenue (periods 0..k) of
 *       the customers observed in k, all exact; a mergeable concrete value
 *       with exact text input/output.
 *
 *   cohort_value_matrix(cv), payback_period(cv, cost, margin): readers.
 */
#include "journey.h"
#include "analysis.h"
#include "decimal.h"
#include "timeline.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/int.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/numeric.h"
#include "utils/tuplestore.h"

#define VALUE_INTERRUPT_EVERY 0xFFFF

/* ---------------------------------------------------------------------
 * value_periods: the per-customer aggregate
 * --------------------------------------------------------------------- */

/*
 * A numeric amount into *d, exactly, at the numeric's display scale.
 * The fast path reads the numeric's stable on-disk layout (as
 * numeric_to_scaled in src/timeline.c does, numeric_digits) without allocating; NaN,
 * infinities, scales above JDEC_MAX_SCALE and values of more than 32
 * digits go through jdec_from_numeric, which keeps them exact or raises
 * its error.
 */
static void
value_amount(JDecimal *d, Datum num, const char *what)
{
	struct varlena *raw = (struct varlena *) DatumGetPointer(num);
	NumericDigits nd;
	bool		neg;
	int			weight;
	int			dscale;
	const char *digits;
	int			ndigits;
	int			exp10;
	int128		m = 0;
	int			i;

	if ((VARATT_IS_EXTENDED(raw) && !VARATT_IS_SHORT(raw)) ||
		numeric_digits(raw, &nd) != NUMERIC_DIGITS_OK)
	{
		/* compressed, too short, NaN or infinity: its exact path or error */
		jdec_from_numeric(d, num, what);
		return;
	}
	neg = nd.neg;
	weight = nd.weight;
	dscale = nd.dscale;
	digits = nd.digits;
	ndigits = nd.ndigits;
	if (dscale > JDEC_MAX_SCALE || ndigits > 8 || weight > 8 || weight < -8 ||
		4 * (weight + 1) + dscale > 38)
	{
		jdec_from_numeric(d, num, what);
		return;
	}
	/* m = the base-10000 digits as an integer: the value times 10^(4 * (ndigits - 1 - weight)) */
	for (i = 0; i < ndigits; i++)
	{
		uint16		digit;

		memcpy(&digit, digits + 2 * i, sizeof(uint16));
		m = m * 10000 + digit;
	}
	/* bring it to dscale: the digits past dscale are zero */
	exp10 = 4 * (ndigits - 1 - weight) - dscale;
	for (; exp10 > 0; exp10--)
		m /= 10;
	for (; exp10 < 0; exp10++)
		m *= 10;				/* < 10^(4 * (weight + 1) + dscale) <= 10^38 < 2^127 */
	if (neg)
		m = -m;
	d->hi = (int64) (m >> 64);
	d->lo = (uint64) m;
	d->scale = dscale;
	d->unused = 0;
}

/* A JDecimal as a numeric, without a text round trip when it fits in 64 bits. */
static Datum
value_numeric(const JDecimal *d)
{
#if PG_VERSION_NUM >= 140000
	if ((d->hi == 0 && d->lo <= (uint64) PG_INT64_MAX) ||
		(d->hi == -1 && d->lo >= (uint64) PG_INT64_MIN))
		return NumericGetDatum(int64_div_fast_to_numeric((int64) d->lo, d->scale));
#endif
	return jdec_to_numeric(d);
}

/*
 * The state (internal): the parameters of the group and the sums of the
 * periods seen so far, k < used <= observed.  Compact, because a GROUP BY
 * customer holds one per customer: the sums are int64 mantissas at one
 * scale common to the customer (small[k] / 10^scale), with the display
 * scale of each period's sum beside (scales[k], the largest scale of its
 * amounts, as an exact numeric sum shows it); an amount that does not fit
 * (more than 18 digits, a scale above 18, a sum beyond int64) turns the
 * state "wide": JDecimal sums from then on.  The first VP_INLINE periods
 * live in the state's own allocation; more grow into a separate array,
 * so a customer active in the first weeks of a 10000-period range costs a
 * few sums, not 10000.
 */
#define VP_INLINE 16
#define VP_MAX_SMALL_SCALE 18

typedef struct ValuePeriodsState
{
	/* the hot fields, read on every row, in the first 64 bytes */
	ActivePeriodsParams params;
	int32		used;			/* sums[0..used) may be non-zero */
	int16		scale;			/* of the small sums */
	bool		wide;			/* big holds the sums */
	bool		uniform;		/* every amount had scale `scale`: no scales[] */
	uint64		touched;		/* while uniform: bit k, period k had an amount */
	int64	   *small;			/* capacity mantissas at scale */
	uint8	   *scales;			/* capacity display scales, unless uniform */
	JDecimal   *big;			/* capacity sums, when wide */
	int32		capacity;		/* sums allocated */
	int64		inline_small[VP_INLINE];
	uint8		inline_scales[VP_INLINE];
} ValuePeriodsState;

static const int64 vp_pow10[VP_MAX_SMALL_SCALE + 1] = {
	INT64CONST(1), INT64CONST(10), INT64CONST(100), INT64CONST(1000), INT64CONST(10000),
	INT64CONST(100000), INT64CONST(1000000), INT64CONST(10000000), INT64CONST(100000000),
	INT64CONST(1000000000), INT64CONST(10000000000), INT64CONST(100000000000),
	INT64CONST(1000000000000), INT64CONST(10000000000000), INT64CONST(100000000000000),
	INT64CONST(1000000000000000), INT64CONST(10000000000000000), INT64CONST(100000000000000000),
	INT64CONST(1000000000000000000)
};

/* A new state in cxt (zeroed sums, inline storage). */
static ValuePeriodsState *
vp_create(const ActivePeriodsParams *params, MemoryContext cxt)
{
	ValuePeriodsState *st = MemoryContextAllocZero(cxt, sizeof(ValuePeriodsState));

	st->params = *params;
	st->uniform = true;
	st->capacity = VP_INLINE;
	st->small = st->inline_small;
	st->scales = st->inline_scales;
	return st;
}

/* Period k's sum, exactly, at its display scale. */
static void
vp_get(const ValuePeriodsState *st, int32 k, JDecimal *d)
{
	int64		m;

	if (st->wide)
	{
		*d = st->big[k];
		return;
	}
	if (st->uniform)
	{
		/* every amount had st->scale decimals; a period without any shows 0 */
		m = st->small[k];
		d->scale = (st->touched & (UINT64CONST(1) << k)) != 0 ? st->scale : 0;
	}
	else
	{
		/* every amount of the period had <= scales[k] decimals: exact */
		m = st->small[k] / vp_pow10[st->scale - st->scales[k]];
		d->scale = st->scales[k];
	}
	d->hi = m < 0 ? -1 : 0;
	d->lo = (uint64) m;
	d->unused = 0;
}

/* Leave the uniform mode: the display scale of each period into scales[]. */
static void
vp_disuniform(ValuePeriodsState *st)
{
	int32		j;

	for (j = 0; j < st->capacity; j++)
		st->scales[j] = j < 64 && (st->touched & (UINT64CONST(1) << j)) != 0 ? (uint8) st->scale : 0;
	st->uniform = false;
}

/* Room for period k (k < observed): grow the arrays. */
static void
vp_reserve(ValuePeriodsState *st, int32 k, MemoryContext cxt)
{
	int32		size = Max(k + 1, Min(st->params.observed, 2 * st->capacity));
	int64	   *small = MemoryContextAllocZero(cxt, sizeof(int64) * size);
	uint8	   *scales = MemoryContextAllocZero(cxt, size);

	memcpy(small, st->small, sizeof(int64) * st->capacity);
	memcpy(scales, st->scales, st->capacity);
	if (st->small != st->inline_small)
	{
		pfree(st->small);
		pfree(st->scales);
	}
	st->small = small;
	st->scales = scales;
	if (st->wide)
	{
		JDecimal   *big = MemoryContextAlloc(cxt, sizeof(JDecimal) * size);
		int32		j;

		memcpy(big, st->big, sizeof(JDecimal) * st->capacity);
		for (j = st->capacity; j < size; j++)
			jdec_zero(&big[j]);
		pfree(st->big);
		st->big = big;
	}
	st->capacity = size;
}

/* From small int64 sums to JDecimal ones (they no longer fit). */
static void
vp_widen(ValuePeriodsState *st, MemoryContext cxt)
{
	JDecimal   *big = MemoryContextAlloc(cxt, sizeof(JDecimal) * st->capacity);
	int32		j;

	for (j = 0; j < st->capacity; j++)
	{
		if (j < st->used)
			vp_get(st, j, &big[j]);
		else
			jdec_zero(&big[j]);
	}
	st->big = big;
	st->wide = true;
}

/*
 * *acc += *v: inline when both have the same scale, else jdec_add; exact
 * either way (an overflow of 38 digits is jdec_add's error).
 */
static inline void
value_add(JDecimal *acc, const JDecimal *v)
{
	if (acc->scale == v->scale)
	{
		int128		a = (int128) ((uint128) acc->hi << 64 | (uint128) acc->lo);
		int128		b = (int128) ((uint128) v->hi << 64 | (uint128) v->lo);
		int128		r;

		if (!__builtin_add_overflow(a, b, &r))
		{
			acc->hi = (int64) (r >> 64);
			acc->lo = (uint64) r;
			return;
		}
	}
	jdec_add(acc, v);
}

/* Add amount to period k's sum (k < observed). */
static void
value_periods_add(ValuePeriodsState *st, int32 k, const JDecimal *amount, MemoryContext cxt)
{
	if (k >= st->capacity)
		vp_reserve(st, k, cxt);
	if (k >= st->used)
		st->used = k + 1;
	if (!st->wide)
	{
		int			s = amount->scale;
		int64		m = (int64) amount->lo;

		/* the common case: an int64 amount of the scale of all before it */
		if (st->uniform && k < 64 &&
			((amount->hi == 0 && amount->lo <= (uint64) PG_INT64_MAX) ||
			 (amount->hi == -1 && amount->lo >= (uint64) PG_INT64_MIN)) && s <= VP_MAX_SMALL_SCALE)
		{
			int64		sum;

			if (st->touched == 0)
				st->scale = (int16) s;	/* every sum is 0 so far */
			if (s == st->scale && !pg_add_s64_overflow(st->small[k], m, &sum))
			{
				st->small[k] = sum;
				st->touched |= UINT64CONST(1) << k;
				return;
			}
		}
		if (st->uniform)
			vp_disuniform(st);
		if (((amount->hi == 0 && amount->lo <= (uint64) PG_INT64_MAX) ||
			 (amount->hi == -1 && amount->lo >= (uint64) PG_INT64_MIN)) && s <= VP_MAX_SMALL_SCALE)
		{
			bool		fits = true;
			int64		sum;

			if (s > st->scale)
			{
				/* a finer amount: every sum to its scale first */
				int64		f = vp_pow10[s - st->scale];
				int64		scaled;
				int32		j;

				for (j = 0; j < st->used && fits; j++)
					fits = !pg_mul_s64_overflow(st->small[j], f, &scaled);
				if (fits)
				{
					for (j = 0; j < st->used; j++)
						st->small[j] *= f;
					st->scale = (int16) s;
				}
			}
			else if (s < st->scale)
				fits = !pg_mul_s64_overflow(m, vp_pow10[st->scale - s], &m);
			if (fits && !pg_add_s64_overflow(st->small[k], m, &sum))
			{
				st->small[k] = sum;
				if (s > st->scales[k])
					st->scales[k] = (uint8) s;
				return;
			}
		}
		vp_widen(st, cxt);
	}
	value_add(&st->big[k], amount);
}

/* The period of ts among the observed ones, or -1. */
static inline int32
value_periods_index(const ActivePeriodsParams *params, TimestampTz ts)
{
	int64		offset;

	if (TIMESTAMP_NOT_FINITE(ts) || ts < params->origin ||
		pg_sub_s64_overflow(ts, params->origin, &offset) || offset / params->period_usec >= params->observed)
		return -1;
	return (int32) (offset / params->period_usec);
}

static Datum
value_periods_step(FunctionCallInfo fcinfo, ActivePeriodsParams *params)
{
	MemoryContext cxt = journey_agg_context(fcinfo, "value_periods");
	ValuePeriodsState *st;
	int32		k;

	if (PG_ARGISNULL(0))
		st = vp_create(params, cxt);
	else
	{
		st = (ValuePeriodsState *) PG_GETARG_POINTER(0);
		active_periods_check_same(&st->params, params);
	}
	if (!PG_ARGISNULL(1) && !PG_ARGISNULL(2) &&
		(k = value_periods_index(params, PG_GETARG_TIMESTAMPTZ(1))) >= 0)
	{
		JDecimal	amount;

		value_amount(&amount, PG_GETARG_DATUM(2), "amount");
		value_periods_add(st, k, &amount, cxt);
	}
	PG_RETURN_POINTER(st);
}

/*
 * Transition of value_periods(ts, amount, origin, period, periods):
 * arguments (state, ts, amount, origin, period, periods).  The
 * parameters are checked as active_periods' (NULL or differing from the
 * group's first row: an error); a NULL or infinite ts, a NULL amount, a
 * ts before origin or in no observed period leave the sums as they are
 * (the customer still gets an array, of zeros).  NaN and infinite
 * amounts are errors; sums are exact (an overflow is an error).
 */
PG_FUNCTION_INFO_V1(value_periods_trans);
Datum
value_periods_trans(PG_FUNCTION_ARGS)
{
	ActivePeriodsParams params;

	active_periods_read_params(fcinfo, 3, &params);
	return value_periods_step(fcinfo, &params);
}

/* The same with argument 6, as_of. */
PG_FUNCTION_INFO_V1(value_periods_trans_as_of);
Datum
value_periods_trans_as_of(PG_FUNCTION_ARGS)
{
	ActivePeriodsParams params;

	active_periods_read_params(fcinfo, 3, &params);
	active_periods_read_as_of(fcinfo, 6, &params);
	return value_periods_step(fcinfo, &params);
}

PG_FUNCTION_INFO_V1(value_periods_combine);
Datum
value_periods_combine(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = journey_agg_context(fcinfo, "value_periods");
	ValuePeriodsState *st;
	ValuePeriodsState *other;
	int32		k;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_POINTER(PG_GETARG_POINTER(0));
	}
	other = (ValuePeriodsState *) PG_GETARG_POINTER(1);
	if (PG_ARGISNULL(0))
		st = vp_create(&other->params, cxt);
	else
	{
		st = (ValuePeriodsState *) PG_GETARG_POINTER(0);
		active_periods_check_same(&st->params, &other->params);
	}
	/* every sum, zeros too: a zero's scale (0.00) is part of the answer */
	for (k = 0; k < other->used; k++)
	{
		JDecimal	sum;

		vp_get(other, k, &sum);
		value_periods_add(st, k, &sum, cxt);
	}
	PG_RETURN_POINTER(st);
}

/*
 * Serialized state: origin, period_usec, periods, as_of (int8 each but
 * periods int4), used (int4), then used sums (jdec_send).
 */
PG_FUNCTION_INFO_V1(value_periods_serialize);
Datum
value_periods_serialize(PG_FUNCTION_ARGS)
{
	ValuePeriodsState *st = (ValuePeriodsState *) PG_GETARG_POINTER(0);
	StringInfoData buf;
	int32		k;

	journey_agg_context(fcinfo, "value_periods");
	pq_begintypsend(&buf);
	pq_sendint64(&buf, st->params.origin);
	pq_sendint64(&buf, st->params.period_usec);
	pq_sendint32(&buf, st->params.periods);
	pq_sendint64(&buf, st->params.as_of);
	pq_sendint32(&buf, st->used);
	for (k = 0; k < st->used; k++)
	{
		JDecimal	sum;

		vp_get(st, k, &sum);
		jdec_send(&buf, &sum);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(value_periods_deserialize);
Datum
value_periods_deserialize(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = journey_agg_context(fcinfo, "value_periods");
	const char *what = "value_periods state";
	StringInfoData buf;
	ActivePeriodsParams params;
	ValuePeriodsState *st;
	int32		used;
	int32		k;

	journey_bytea_reader(&buf, PG_GETARG_BYTEA_PP(0));
	params.origin = journey_recv_int64(&buf, what);
	params.period_usec = journey_recv_int64(&buf, what);
	params.periods = journey_recv_int32(&buf, what);
	params.as_of = journey_recv_int64(&buf, what);
	used = journey_recv_int32(&buf, what);
	if (TIMESTAMP_NOT_FINITE(params.origin) || params.period_usec <= 0 ||
		params.periods < 1 || params.periods > RETENTION_MAX_PERIODS)
		journey_invalid_value(JOURNEY_FROM_STATE, what, "The parameters are out of range.");
	params.observed = active_periods_observed(params.origin, params.period_usec, params.periods, params.as_of);
	if (used < 0 || used > params.observed ||
		(int64) used * JDEC_BINARY_SIZE != buf.len - buf.cursor)
		journey_invalid_value(JOURNEY_FROM_STATE, what, "The number of sums does not match the state's length.");
	st = vp_create(&params, cxt);
	for (k = 0; k < used; k++)
	{
		JDecimal	sum;

		jdec_recv(&buf, &sum, what, JOURNEY_FROM_STATE);
		value_periods_add(st, k, &sum, cxt);
	}
	journey_recv_done(&buf, what);
	PG_RETURN_POINTER(st);
}

/* The array of the observed periods' sums (zeros past used). */
static ArrayType *
value_periods_array(const ValuePeriodsState *st)
{
	int32		n = st->params.observed;
	Datum	   *elems = palloc(sizeof(Datum) * Max(n, 1));
	Datum		zero = NumericGetDatum(int64_to_numeric(0));
	int32		k;

	for (k = 0; k < n; k++)
	{
		JDecimal	sum;

		if (k >= st->used)
		{
			elems[k] = zero;
			continue;
		}
		vp_get(st, k, &sum);
		elems[k] = value_numeric(&sum);
	}
	return construct_array(elems, n, NUMERICOID, -1, false, TYPALIGN_INT);
}

PG_FUNCTION_INFO_V1(value_periods_final);
Datum
value_periods_final(PG_FUNCTION_ARGS)
{
	ValuePeriodsState *st;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = (ValuePeriodsState *) PG_GETARG_POINTER(0);
	PG_RETURN_ARRAYTYPE_P(value_periods_array(st));
}

/*
 * value_periods(j, label, origin, period, periods [, as_of]): the same
 * over a stored journey, from the amounts of its events of that label
 * (events without an amount add nothing, as NULL amount rows).  A NULL
 * journey or label is a customer without such events: zeros.
 */
PG_FUNCTION_INFO_V1(journey_value_periods);
Datum
journey_value_periods(PG_FUNCTION_ARGS)
{
	ActivePeriodsParams params;
	ValuePeriodsState *st;

	active_periods_read_params(fcinfo, 2, &params);
	if (PG_NARGS() > 5)
		active_periods_read_as_of(fcinfo, 5, &params);
	st = vp_create(&params, CurrentMemoryContext);
	if (!PG_ARGISNULL(0) && !PG_ARGISNULL(1) && params.observed > 0)
	{
		text	   *label = PG_GETARG_TEXT_PP(1);
		JourneyReader r;
		JourneyEvent ev;
		int			want;

		journey_reader_init(&r, PG_GETARG_JOURNEY_P(0), JOURNEY_FROM_STATE);
		want = journey_label_index(&r, VARDATA_ANY(label), (int) VARSIZE_ANY_EXHDR(label));
		if (want >= 0)
		{
			while (journey_reader_next(&r, &ev))
			{
				JDecimal	amount;
				int32		k;

				if ((r.nread & VALUE_INTERRUPT_EVERY) == 0)
					CHECK_FOR_INTERRUPTS();
				if (ev.label != want || ev.amount_kind == JOURNEY_AMOUNT_NONE)
					continue;
				k = value_periods_index(&params, ev.ts);
				if (k < 0)
				{
					if (ev.ts >= params.origin)
						break;	/* past the last observed period */
					continue;
				}
				if (ev.amount_kind == JOURNEY_AMOUNT_SCALED)
				{
					/* mantissa / 10^scale, exactly (scale <= 18 < JDEC_MAX_SCALE) */
					amount.hi = ev.mantissa < 0 ? -1 : 0;
					amount.lo = (uint64) ev.mantissa;
					amount.scale = r.scale;
					amount.unused = 0;
				}
				else
					jdec_from_numeric(&amount, NumericGetDatum(journey_amount_numeric(&ev, r.scale)), "amount");
				value_periods_add(st, k, &amount, CurrentMemoryContext);
			}
		}
		journey_reader_free(&r);
	}
	PG_RETURN_ARRAYTYPE_P(value_periods_array(st));
}

/* ---------------------------------------------------------------------
 * cohort_value: revenue per period across customers
 * --------------------------------------------------------------------- */

/*
 * Layout (format version 1): the header, then per period observed[],
 * paying[] (int8 each), revenue[] and cumulative[] (JDecimal each).
 *   observed[k]   customers whose array reaches period k (customers >=
 *                 observed[0] >= observed[1] >= ...)
 *   paying[k]     of those, customers whose amount in k is > 0
 *   revenue[k]    the sum of their amounts in k
 *   cumulative[k] the sum, over the customers observed in k, of their
 *                 amounts in periods 0..k
 */
#define COHORT_VALUE_VERSION 1
#define COHORT_VALUE_PER_PERIOD (2 * sizeof(int64) + 2 * sizeof(JDecimal))

typedef struct CohortValue
{
	int32		vl_len_;
	uint8		version;
	uint8		flags;			/* reserved, 0 */
	int16		unused;
	int32		periods;		/* 0..RETENTION_MAX_PERIODS */
	int32		unused2;
	int64		customers;
	int64		data[FLEXIBLE_ARRAY_MEMBER];
} CohortValue;

#define CV_SIZE(n) (offsetof(CohortValue, data) + COHORT_VALUE_PER_PERIOD * (Size) (n))
#define CV_OBSERVED(v) ((v)->data)
#define CV_PAYING(v) ((v)->data + (v)->periods)
#define CV_REVENUE(v) ((JDecimal *) ((v)->data + 2 * (v)->periods))
#define CV_CUMULATIVE(v) (CV_REVENUE(v) + (v)->periods)

/*
 * A stored value, its layout checked (sizes only: the counts are checked
 * by validate on input, and readers never use them as sizes).
 */
static CohortValue *
cohort_value_check(struct varlena *raw)
{
	CohortValue *v = (CohortValue *) raw;

	if (VARSIZE(v) < offsetof(CohortValue, data))
		journey_invalid_value(JOURNEY_FROM_STATE, "cohort_value", "The value is truncated.");
	if (v->version != COHORT_VALUE_VERSION)
		journey_unsupported_version(JOURNEY_FROM_STATE, v->version, "cohort_value");
	if (v->periods < 0 || v->periods > RETENTION_MAX_PERIODS || VARSIZE(v) != CV_SIZE(v->periods))
		journey_invalid_value(JOURNEY_FROM_STATE, "cohort_value",
							  "The number of periods does not match the value's length.");
	return v;
}

#define PG_GETARG_COHORT_VALUE_P(n) cohort_value_check(PG_DETOAST_DATUM(PG_GETARG_DATUM(n)))

static CohortValue *
cohort_value_alloc(int32 periods)
{
	CohortValue *v = palloc0(CV_SIZE(periods));
	int32		k;

	SET_VARSIZE(v, CV_SIZE(periods));
	v->version = COHORT_VALUE_VERSION;
	v->periods = periods;
	for (k = 0; k < periods; k++)
	{
		jdec_zero(&CV_REVENUE(v)[k]);
		jdec_zero(&CV_CUMULATIVE(v)[k]);
	}
	return v;
}

/* v with at least n periods: v, or a copy where nobody is observed past v's. */
static CohortValue *
cohort_value_grow(CohortValue *v, int32 n)
{
	CohortValue *result;

	if (v->periods >= n)
		return v;
	result = cohort_value_alloc(n);
	result->customers = v->customers;
	memcpy(CV_OBSERVED(result), CV_OBSERVED(v), sizeof(int64) * v->periods);
	memcpy(CV_PAYING(result), CV_PAYING(v), sizeof(int64) * v->periods);
	memcpy(CV_REVENUE(result), CV_REVENUE(v), sizeof(JDecimal) * v->periods);
	memcpy(CV_CUMULATIVE(result), CV_CUMULATIVE(v), sizeof(JDecimal) * v->periods);
	return result;
}

static void
cohort_value_validate(const CohortValue *v, JourneyOrigin origin)
{
	const char *what = "cohort_value";
	int32		k;

	if (v->version != COHORT_VALUE_VERSION)
		journey_unsupported_version(origin, v->version, what);
	if (v->flags != 0 || v->unused != 0 || v->unused2 != 0)
		journey_invalid_value(origin, what, "The reserved flags are not zero.");
	if (v->periods < 0 || v->periods > RETENTION_MAX_PERIODS || VARSIZE(v) != CV_SIZE(v->periods))
		journey_invalid_value(origin, what, "The number of periods does not match the value's length.");
	if (v->customers < 0)
		journey_invalid_value(origin, what, "The number of customers is negative.");
	for (k = 0; k < v->periods; k++)
	{
		int64		bound = k == 0 ? v->customers : CV_OBSERVED(v)[k - 1];

		if (CV_OBSERVED(v)[k] < 0 || CV_OBSERVED(v)[k] > bound)
			journey_invalid_value(origin, what,
								  "An observed count is negative or exceeds the previous period's (or the number of customers).");
		if (CV_PAYING(v)[k] < 0 || CV_PAYING(v)[k] > CV_OBSERVED(v)[k])
			journey_invalid_value(origin, what,
								  "A paying count is negative or exceeds the customers observed in its period.");
		if (!jdec_valid(&CV_REVENUE(v)[k]) || !jdec_valid(&CV_CUMULATIVE(v)[k]))
			journey_invalid_value(origin, what, "A sum has a scale out of range.");
		if (CV_OBSERVED(v)[k] == 0 &&
			(!jdec_is_zero(&CV_REVENUE(v)[k]) || !jdec_is_zero(&CV_CUMULATIVE(v)[k])))
			journey_invalid_value(origin, what, "A period nobody was observed in has revenue.");
	}
}

/*
 * Text form: customers=3 observed=3,2 paying=2,1 revenue=30.00,5
 * cumulative=30.00,25.00 (empty lists for 0 periods).
 */
PG_FUNCTION_INFO_V1(cohort_value_out);
Datum
cohort_value_out(PG_FUNCTION_ARGS)
{
	CohortValue *v = PG_GETARG_COHORT_VALUE_P(0);
	StringInfoData buf;
	int32		k;

	initStringInfo(&buf);
	appendStringInfo(&buf, "customers=" INT64_FORMAT " observed=", v->customers);
	for (k = 0; k < v->periods; k++)
		appendStringInfo(&buf, k == 0 ? INT64_FORMAT : "," INT64_FORMAT, CV_OBSERVED(v)[k]);
	appendStringInfoString(&buf, " paying=");
	for (k = 0; k < v->periods; k++)
		appendStringInfo(&buf, k == 0 ? INT64_FORMAT : "," INT64_FORMAT, CV_PAYING(v)[k]);
	appendStringInfoString(&buf, " revenue=");
	for (k = 0; k < v->periods; k++)
	{
		if (k > 0)
			appendStringInfoChar(&buf, ',');
		jdec_append(&buf, &CV_REVENUE(v)[k]);
	}
	appendStringInfoString(&buf, " cumulative=");
	for (k = 0; k < v->periods; k++)
	{
		if (k > 0)
			appendStringInfoChar(&buf, ',');
		jdec_append(&buf, &CV_CUMULATIVE(v)[k]);
	}
	PG_RETURN_CSTRING(buf.data);
}

static void
cohort_value_syntax(const char *input, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type cohort_value: \"%s\"", input),
			 errdetail("%s", detail),
			 errhint("The form is customers=N observed=O0,... paying=P0,... revenue=R0,... cumulative=C0,...")));
}

/* A non-negative decimal int64 at *pos, digits only. */
static int64
cohort_value_count(const char *input, const char **pos)
{
	const char *p = *pos;
	int64		value = 0;

	if (*p < '0' || *p > '9')
		cohort_value_syntax(input, "A count is missing.");
	while (*p >= '0' && *p <= '9')
	{
		if (pg_mul_s64_overflow(value, 10, &value) || pg_add_s64_overflow(value, *p - '0', &value))
			cohort_value_syntax(input, "A count is out of range.");
		p++;
	}
	*pos = p;
	return value;
}

/* "key=" at *pos: skip it, or a syntax error. */
static void
cohort_value_key(const char *input, const char **pos, const char *key)
{
	size_t		len = strlen(key);

	if (strncmp(*pos, key, len) != 0)
	{
		char		detail[64];

		snprintf(detail, sizeof(detail), "\"%s\" is missing.", key);
		cohort_value_syntax(input, detail);
	}
	*pos += len;
}

/*
 * A comma-separated list at *pos, possibly empty (then *pos is at a space
 * or the end): counts into ints, or decimals into decs; returns how many.
 */
static int32
cohort_value_list(const char *input, const char **pos, int64 *ints, JDecimal *decs)
{
	const char *p = *pos;
	int32		n = 0;

	if (*p != '\0' && *p != ' ')
		for (;;)
		{
			if (n == RETENTION_MAX_PERIODS)
				cohort_value_syntax(input, "There are too many periods.");
			if (ints != NULL)
				ints[n] = cohort_value_count(input, &p);
			else if (!jdec_parse(&decs[n], p, &p))
				cohort_value_syntax(input, "A sum is malformed or has more than 38 digits or 20 decimals.");
			n++;
			if (*p == '\0' || *p == ' ')
				break;
			if (*p != ',')
				cohort_value_syntax(input, "Values must be separated by commas.");
			p++;
		}
	*pos = p;
	return n;
}

PG_FUNCTION_INFO_V1(cohort_value_in);
Datum
cohort_value_in(PG_FUNCTION_ARGS)
{
	const char *input = PG_GETARG_CSTRING(0);
	const char *p = input;
	int64		customers;
	int64	   *observed = palloc(sizeof(int64) * RETENTION_MAX_PERIODS);
	int64	   *paying = palloc(sizeof(int64) * RETENTION_MAX_PERIODS);
	JDecimal   *revenue = palloc(sizeof(JDecimal) * RETENTION_MAX_PERIODS);
	JDecimal   *cumulative = palloc(sizeof(JDecimal) * RETENTION_MAX_PERIODS);
	int32		n;
	CohortValue *v;

	cohort_value_key(input, &p, "customers=");
	customers = cohort_value_count(input, &p);
	cohort_value_key(input, &p, " observed=");
	n = cohort_value_list(input, &p, observed, NULL);
	cohort_value_key(input, &p, " paying=");
	if (cohort_value_list(input, &p, paying, NULL) != n)
		cohort_value_syntax(input, "Every list must have one value per period.");
	cohort_value_key(input, &p, " revenue=");
	if (cohort_value_list(input, &p, NULL, revenue) != n)
		cohort_value_syntax(input, "Every list must have one value per period.");
	cohort_value_key(input, &p, " cumulative=");
	if (cohort_value_list(input, &p, NULL, cumulative) != n)
		cohort_value_syntax(input, "Every list must have one value per period.");
	if (*p != '\0')
		cohort_value_syntax(input, "Unexpected characters after the cumulative sums.");
	v = cohort_value_alloc(n);
	v->customers = customers;
	memcpy(CV_OBSERVED(v), observed, sizeof(int64) * n);
	memcpy(CV_PAYING(v), paying, sizeof(int64) * n);
	memcpy(CV_REVENUE(v), revenue, sizeof(JDecimal) * n);
	memcpy(CV_CUMULATIVE(v), cumulative, sizeof(JDecimal) * n);
	cohort_value_validate(v, JOURNEY_FROM_TEXT);
	PG_RETURN_POINTER(v);
}

/*
 * Binary form: version (1), flags, periods (int4), customers (int8),
 * observed and paying (int8 each), revenue and cumulative (jdec_send).
 */
PG_FUNCTION_INFO_V1(cohort_value_send);
Datum
cohort_value_send(PG_FUNCTION_ARGS)
{
	CohortValue *v = PG_GETARG_COHORT_VALUE_P(0);
	StringInfoData buf;
	int32		k;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, v->version);
	pq_sendbyte(&buf, v->flags);
	pq_sendint32(&buf, v->periods);
	pq_sendint64(&buf, v->customers);
	for (k = 0; k < 2 * v->periods; k++)
		pq_sendint64(&buf, v->data[k]);
	for (k = 0; k < v->periods; k++)
		jdec_send(&buf, &CV_REVENUE(v)[k]);
	for (k = 0; k < v->periods; k++)
		jdec_send(&buf, &CV_CUMULATIVE(v)[k]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(cohort_value_recv);
Datum
cohort_value_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	const char *what = "cohort_value";
	int			version;
	int			flags;
	int32		periods;
	CohortValue *v;
	int32		k;

	version = journey_recv_uint8(buf, what);
	if (version != COHORT_VALUE_VERSION)
		journey_unsupported_version(JOURNEY_FROM_BINARY, version, what);
	flags = journey_recv_uint8(buf, what);
	periods = journey_recv_int32(buf, what);
	if (flags != 0)
		journey_invalid_value(JOURNEY_FROM_BINARY, what, "The reserved flags are not zero.");
	if (periods < 0 || periods > RETENTION_MAX_PERIODS ||
		8 + (int64) periods * (16 + 2 * JDEC_BINARY_SIZE) != buf->len - buf->cursor)
		journey_invalid_value(JOURNEY_FROM_BINARY, what,
							  "The number of periods does not match the value's length.");
	v = cohort_value_alloc(periods);
	v->customers = journey_recv_int64(buf, what);
	for (k = 0; k < 2 * periods; k++)
		v->data[k] = journey_recv_int64(buf, what);
	for (k = 0; k < periods; k++)
		jdec_recv(buf, &CV_REVENUE(v)[k], what, JOURNEY_FROM_BINARY);
	for (k = 0; k < periods; k++)
		jdec_recv(buf, &CV_CUMULATIVE(v)[k], what, JOURNEY_FROM_BINARY);
	journey_recv_done(buf, what);
	cohort_value_validate(v, JOURNEY_FROM_BINARY);
	PG_RETURN_POINTER(v);
}

/*
 * Writable state argument argno: checked, in place in an aggregate (a
 * copy otherwise), grown to n periods.
 */
static CohortValue *
cohort_value_writable_arg(FunctionCallInfo fcinfo, int argno, int32 n)
{
	return cohort_value_grow(cohort_value_check(journey_writable_arg(fcinfo, argno)), n);
}

static void
cohort_value_add_customers(CohortValue *v, int64 n)
{
	if (pg_add_s64_overflow(v->customers, n, &v->customers))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("cohort_value customer count out of range")));
}

/*
 * cohort_value(values numeric[])'s transition: count one customer's
 * value_periods array (one element per observed period).  A NULL array
 * is skipped; a NULL, NaN or infinite element, or an array of more than
 * one dimension or 10000 elements, is an error.
 */
PG_FUNCTION_INFO_V1(cohort_value_add);
Datum
cohort_value_add(PG_FUNCTION_ARGS)
{
	ArrayType  *arr;
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	CohortValue *v;
	JDecimal	running;
	int32		k;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	arr = PG_GETARG_ARRAYTYPE_P(1);
	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("the values of cohort_value must be a one-dimensional array")));
	deconstruct_array(arr, NUMERICOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	if (n > RETENTION_MAX_PERIODS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the values of cohort_value must have at most %d periods", RETENTION_MAX_PERIODS),
				 errdetail("The array has %d elements.", n)));
	v = PG_ARGISNULL(0) ? cohort_value_alloc(n) : cohort_value_writable_arg(fcinfo, 0, n);
	cohort_value_add_customers(v, 1);
	jdec_zero(&running);
	for (k = 0; k < n; k++)
	{
		JDecimal	amount;

		if (nulls[k])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("the values of cohort_value must not contain NULL"),
					 errdetail("Element %d is NULL.", k + 1),
					 errhint("Use 0 for a period without revenue, as value_periods does.")));
		value_amount(&amount, elems[k], "a value of cohort_value");
		CV_OBSERVED(v)[k]++;
		if (!jdec_is_zero(&amount))
		{
			if (amount.hi >= 0)
				CV_PAYING(v)[k]++;
			jdec_add(&CV_REVENUE(v)[k], &amount);
			jdec_add(&running, &amount);
		}
		jdec_add(&CV_CUMULATIVE(v)[k], &running);
	}
	PG_RETURN_POINTER(v);
}

/*
 * Merge: rollup's transition and cohort_value's combine.  The result
 * has the larger number of periods (the other value's customers were
 * observed in none of the extra ones).
 */
PG_FUNCTION_INFO_V1(cohort_value_merge);
Datum
cohort_value_merge(PG_FUNCTION_ARGS)
{
	CohortValue *other = PG_GETARG_COHORT_VALUE_P(1);
	CohortValue *v = cohort_value_writable_arg(fcinfo, 0, other->periods);
	int32		k;

	cohort_value_add_customers(v, other->customers);
	for (k = 0; k < other->periods; k++)
	{
		/* counts <= customers: no overflow */
		CV_OBSERVED(v)[k] += CV_OBSERVED(other)[k];
		CV_PAYING(v)[k] += CV_PAYING(other)[k];
		jdec_add(&CV_REVENUE(v)[k], &CV_REVENUE(other)[k]);
		jdec_add(&CV_CUMULATIVE(v)[k], &CV_CUMULATIVE(other)[k]);
	}
	PG_RETURN_POINTER(v);
}

PG_FUNCTION_INFO_V1(cohort_value_customers);
Datum
cohort_value_customers(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(PG_GETARG_COHORT_VALUE_P(0)->customers);
}

static Datum
cohort_value_per_customer(const JDecimal *sum, int64 observed)
{
	return DirectFunctionCall2(numeric_div, value_numeric(sum),
							   NumericGetDatum(int64_to_numeric(observed)));
}

/*
 * cohort_value_matrix(cv) -> (period, observed, paying, revenue,
 * revenue_per_customer, cumulative_per_customer): one row per period;
 * the per-customer figures divide by the customers observed in the
 * period (NULL when none was).
 */
PG_FUNCTION_INFO_V1(cohort_value_matrix);
Datum
cohort_value_matrix(PG_FUNCTION_ARGS)
{
	CohortValue *v = PG_GETARG_COHORT_VALUE_P(0);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int32		k;

	journey_init_srf(fcinfo);
	for (k = 0; k < v->periods; k++)
	{
		int64		observed = CV_OBSERVED(v)[k];
		Datum		values[6];
		bool		nulls[6] = {false, false, false, false, observed == 0, observed == 0};

		values[0] = Int32GetDatum(k);
		values[1] = Int64GetDatum(observed);
		values[2] = Int64GetDatum(CV_PAYING(v)[k]);
		values[3] = value_numeric(&CV_REVENUE(v)[k]);
		if (observed > 0)
		{
			values[4] = cohort_value_per_customer(&CV_REVENUE(v)[k], observed);
			values[5] = cohort_value_per_customer(&CV_CUMULATIVE(v)[k], observed);
		}
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * payback_period(cv, acquisition_cost, margin) -> int: the first period
 * k whose cumulative revenue per customer (observed in k) times margin
 * covers acquisition_cost, i.e. cumulative[k] * margin >= cost *
 * observed[k], compared exactly in numeric; NULL when no observed period
 * does yet.  A NULL cv gives NULL; a NULL, negative or non-finite cost
 * and a NULL, non-positive or non-finite margin are errors.
 */
PG_FUNCTION_INFO_V1(cohort_value_payback);
Datum
cohort_value_payback(PG_FUNCTION_ARGS)
{
	CohortValue *v;
	Datum		cost;
	float8		margin;
	Datum		margin_num;
	int32		k;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("acquisition_cost and margin must not be null")));
	cost = PG_GETARG_DATUM(1);
	margin = PG_GETARG_FLOAT8(2);
	if (numeric_is_nan(DatumGetNumeric(cost)) || numeric_is_inf(DatumGetNumeric(cost)) ||
		DatumGetBool(DirectFunctionCall2(numeric_lt, cost, NumericGetDatum(int64_to_numeric(0)))))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("acquisition_cost must be a finite number, zero or more")));
	if (!(margin > 0) || isinf(margin))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("margin must be a positive finite number"),
				 errdetail("margin is %g.", margin),
				 errhint("Give the share of revenue kept as margin, e.g. 0.3 for 30%%.")));
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	v = PG_GETARG_COHORT_VALUE_P(0);
	margin_num = DirectFunctionCall1(float8_numeric, Float8GetDatum(margin));
	for (k = 0; k < v->periods; k++)
	{
		int64		observed = CV_OBSERVED(v)[k];
		Datum		earned;
		Datum		needed;

		if (observed == 0)
			break;				/* nobody observed from here on */
		earned = DirectFunctionCall2(numeric_mul, jdec_to_numeric(&CV_CUMULATIVE(v)[k]), margin_num);
		needed = DirectFunctionCall2(numeric_mul, cost, NumericGetDatum(int64_to_numeric(observed)));
		if (DatumGetBool(DirectFunctionCall2(numeric_ge, earned, needed)))
			PG_RETURN_INT32(k);
	}
	PG_RETURN_NULL();
}
