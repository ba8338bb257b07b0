/*
 * retention.c — retention by condition and by period.
 *
 *   retention(VARIADIC boolean[]) -> int[]
 *       ClickHouse's retention(): r[1] = 1 when some row of the group met
 *       condition 1; r[i] = 1 when r[1] = 1 and some row (any row) met
 *       condition i.  The state is an int8: bits 0..31 the conditions seen,
 *       bits 32..39 the number of conditions.
 *
 *   active_periods(ts, is_active, origin, period, periods [, as_of]) -> varbit
 *       Per customer: bit k (0-based, leftmost first) is set when some
 *       active row has origin + k*period <= ts < origin + (k+1)*period.
 *       With as_of the string holds only the observed periods, those
 *       ending by as_of.  The state (a bytea) carries the parameters and
 *       the bits.
 *
 *   retention_on_or_after(bits), retention_brackets(bits, brackets)
 *       Retention modes, as bit strings to feed retention_agg.
 *
 *   period_lifecycle(active, first_seen, origin, period)
 *       Per customer and period 1..n-1 of such a bit string, the
 *       PostHog-style status: new, returning, resurrecting, dormant.
 *
 *   cohort_retention (type), retention_agg(varbit), retention_matrix(),
 *   retention_share(): across customers, how many were observed and how
 *   many active in each period, as a mergeable concrete value with exact
 *   text input/output.
 *
 * Intervals count a month as 30 days (journey_interval_to_usec).
 */
#include "journey.h"
#include "analysis.h"

#include <limits.h>

#include "catalog/pg_type.h"
#include "common/int.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"
#include "utils/varbit.h"


/* ---------------------------------------------------------------------
 * retention(VARIADIC boolean[])
 * --------------------------------------------------------------------- */

static int
retention_ncond_of(int64 state)
{
	return (int) ((state >> 32) & 0xFF);
}

static void
retention_ncond_differ(int a, int b)
{
	ereport(ERROR,
			(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
			 errmsg("every row of a group must pass the same number of conditions to retention"),
			 errdetail("One row passes %d conditions, another %d.", a, b)));
}

/*
 * ARR_DATA_PTR without its signed/unsigned mix (which -Wsign-compare
 * reports in PostgreSQL's macro).
 */
static char *
retention_array_data(ArrayType *array)
{
	Size		offset = ARR_HASNULL(array) ? (Size) array->dataoffset
		: (Size) ARR_OVERHEAD_NONULLS(ARR_NDIM(array));

	return (char *) array + offset;
}

/* The error for a number of conditions out of range (shared with journeys). */
void
retention_check_nconds(int n, int ndim)
{
	if (ndim > 1 || n < 1 || n > RETENTION_MAX_CONDS)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("retention takes 1 to %d conditions", RETENTION_MAX_CONDS),
				 errdetail("The row passes %d conditions in %d dimensions.", n, ndim)));
}

/*
 * ClickHouse's answer from the conditions some row met (bit i-1 for
 * condition i): r[1] = condition 1 met, r[i] = r[1] and condition i met.
 */
ArrayType *
retention_result(int n, uint64 seen)
{
	Datum		elems[RETENTION_MAX_CONDS];
	bool		first = (seen & 1) != 0;
	int			i;

	for (i = 0; i < n; i++)
		elems[i] = Int32GetDatum(first && (seen & (UINT64CONST(1) << i)) != 0 ? 1 : 0);
	return construct_array(elems, n, INT4OID, 4, true, TYPALIGN_INT);
}

/*
 * Transition: OR the row's conditions into the state.  A NULL array
 * ignores the row; a NULL condition counts as false.
 */
PG_FUNCTION_INFO_V1(retention_transfn);
Datum
retention_transfn(PG_FUNCTION_ARGS)
{
	ArrayType  *conds;
	int			n;
	int64		mask = 0;
	bits8	   *nullmap;
	char	   *data;
	int			i;

	journey_agg_context(fcinfo, "retention");
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_INT64(PG_GETARG_INT64(0));
	}
	conds = PG_GETARG_ARRAYTYPE_P(1);
	n = ARR_NDIM(conds) == 0 ? 0 : ArrayGetNItems(ARR_NDIM(conds), ARR_DIMS(conds));
	retention_check_nconds(n, ARR_NDIM(conds));
	Assert(ARR_ELEMTYPE(conds) == BOOLOID);
	nullmap = ARR_NULLBITMAP(conds);
	data = retention_array_data(conds);
	for (i = 0; i < n; i++)
	{
		if (nullmap != NULL && (nullmap[i / 8] & (1 << (i % 8))) == 0)
			continue;			/* NULL: false, and takes no data space */
		if (*data != 0)
			mask |= INT64CONST(1) << i;
		data++;
	}
	if (!PG_ARGISNULL(0))
	{
		int64		state = PG_GETARG_INT64(0);

		if (retention_ncond_of(state) != n)
			retention_ncond_differ(retention_ncond_of(state), n);
		PG_RETURN_INT64(state | mask);
	}
	PG_RETURN_INT64(((int64) n << 32) | mask);
}

PG_FUNCTION_INFO_V1(retention_combine);
Datum
retention_combine(PG_FUNCTION_ARGS)
{
	int64		a = PG_GETARG_INT64(0);
	int64		b = PG_GETARG_INT64(1);

	if (retention_ncond_of(a) != retention_ncond_of(b))
		retention_ncond_differ(retention_ncond_of(a), retention_ncond_of(b));
	PG_RETURN_INT64(a | b);
}

PG_FUNCTION_INFO_V1(retention_final);
Datum
retention_final(PG_FUNCTION_ARGS)
{
	int64		state;
	int			n;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	state = PG_GETARG_INT64(0);
	n = retention_ncond_of(state);
	if (n < 1 || n > RETENTION_MAX_CONDS || (state >> 40) != 0 ||
		(n < 32 && (state & 0xFFFFFFFF) >> n) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid retention state " INT64_FORMAT, state)));
	PG_RETURN_ARRAYTYPE_P(retention_result(n, (uint64) state & 0xFFFFFFFF));
}

/* ---------------------------------------------------------------------
 * active_periods(ts, is_active, origin, period, periods) -> varbit
 * --------------------------------------------------------------------- */

/* A period as text, e.g. "7 days", for messages; 0 is "unknown". */
static const char *
retention_period_text(int64 usec)
{
	if (usec == 0)
		return "unknown";
	return DatumGetCString(DirectFunctionCall1(interval_out,
											   IntervalPGetDatum(journey_usec_to_interval(usec))));
}

/* A period argument in microseconds; it must be positive. */
static int64
retention_period_usec(Datum period)
{
	int64		usec = journey_interval_to_usec(DatumGetIntervalP(period), "period");

	if (usec <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("period must be positive"),
				 errdetail("The period is %s.", DatumGetCString(DirectFunctionCall1(interval_out, period)))));
	return usec;
}

static void
retention_check_origin(TimestampTz origin)
{
	if (TIMESTAMP_NOT_FINITE(origin))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("origin must be a finite timestamp")));
}

static const char *
retention_timestamptz_text(TimestampTz ts)
{
	return DatumGetCString(DirectFunctionCall1(timestamptz_out, TimestampTzGetDatum(ts)));
}

/*
 * The parameters of active_periods, read from arguments argno..argno+2
 * (3..5 for the aggregate, 2..4 for journeys) and checked.
 */
void
active_periods_read_params(FunctionCallInfo fcinfo, int argno, ActivePeriodsParams *params)
{
	if (PG_ARGISNULL(argno) || PG_ARGISNULL(argno + 1) || PG_ARGISNULL(argno + 2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("origin, period and periods must not be null")));
	params->origin = PG_GETARG_TIMESTAMPTZ(argno);
	retention_check_origin(params->origin);
	params->period_usec = retention_period_usec(PG_GETARG_DATUM(argno + 1));
	params->periods = PG_GETARG_INT32(argno + 2);
	if (params->periods < 1 || params->periods > RETENTION_MAX_PERIODS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("periods must be between 1 and %d", RETENTION_MAX_PERIODS),
				 errdetail("periods is %d.", params->periods)));
	params->observed = params->periods;
	params->as_of = DT_NOEND;
}

/*
 * The number of observed periods: those that end at or before as_of,
 * origin + (k+1)*period <= as_of, at most periods.  as_of = infinity
 * observes them all, -infinity none.
 */
int32
active_periods_observed(TimestampTz origin, int64 period_usec, int32 periods, TimestampTz as_of)
{
	int64		offset;

	if (TIMESTAMP_IS_NOEND(as_of))
		return periods;
	if (TIMESTAMP_IS_NOBEGIN(as_of) || as_of < origin)
		return 0;
	if (pg_sub_s64_overflow(as_of, origin, &offset) || offset / period_usec >= periods)
		return periods;
	return (int32) (offset / period_usec);
}

/*
 * as_of from argument argno: the instant up to which the data is
 * complete.  Periods ending after it are not observed: the bit string
 * (or value array) stops before them.  NULL is an error.
 */
void
active_periods_read_as_of(FunctionCallInfo fcinfo, int argno, ActivePeriodsParams *params)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("as_of must not be null"),
				 errhint("Leave as_of out, or pass infinity, to observe every period.")));
	params->as_of = PG_GETARG_TIMESTAMPTZ(argno);
	params->observed = active_periods_observed(params->origin, params->period_usec,
											   params->periods, params->as_of);
}

static void
active_periods_periods_differ(int group, int row)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("periods must be the same on every row of a group"),
			 errdetail("The group has %d periods, a row asks for %d.", group, row)));
}

/* Set bit k of bits when ts falls in period k (0 <= k < periods). */
void
active_periods_set(bits8 *bits, const ActivePeriodsParams *params, TimestampTz ts)
{
	int64		offset;

	if (!TIMESTAMP_NOT_FINITE(ts) && ts >= params->origin &&
		!pg_sub_s64_overflow(ts, params->origin, &offset) && offset / params->period_usec < params->periods)
	{
		int			k = (int) (offset / params->period_usec);

		bits[k / BITS_PER_BYTE] |= (bits8) (1 << (BITS_PER_BYTE - 1 - k % BITS_PER_BYTE));
	}
}

/*
 * 0.1.0's transition of active_periods, kept for databases not yet
 * updated (its state, the bit string, cannot tell whether origin or
 * period changed between rows; 0.2.0's active_periods_trans can).
 */
PG_FUNCTION_INFO_V1(active_periods_transfn);
Datum
active_periods_transfn(PG_FUNCTION_ARGS)
{
	VarBit	   *state;
	ActivePeriodsParams params;

	active_periods_read_params(fcinfo, 3, &params);
	if (PG_ARGISNULL(0))
	{
		int			len = VARBITTOTALLEN(params.periods);

		state = (VarBit *) palloc0(len);
		SET_VARSIZE(state, len);
		VARBITLEN(state) = params.periods;
	}
	else
	{
		state = (VarBit *) journey_writable_arg(fcinfo, 0);
		if (VARBITLEN(state) != params.periods)
			active_periods_periods_differ(VARBITLEN(state), params.periods);
	}
	if (!PG_ARGISNULL(1) && !PG_ARGISNULL(2) && PG_GETARG_BOOL(2))
		active_periods_set(VARBITS(state), &params, PG_GETARG_TIMESTAMPTZ(1));
	PG_RETURN_VARBIT_P(state);
}

/* 0.1.0's combine of active_periods: OR two bit strings of the same length. */
PG_FUNCTION_INFO_V1(active_periods_combine);
Datum
active_periods_combine(PG_FUNCTION_ARGS)
{
	VarBit	   *state = (VarBit *) journey_writable_arg(fcinfo, 0);
	VarBit	   *other = PG_GETARG_VARBIT_P(1);
	int			nbytes;
	int			i;

	if (VARBITLEN(state) != VARBITLEN(other))
		active_periods_periods_differ(VARBITLEN(state), VARBITLEN(other));
	nbytes = (int) VARBITBYTES(state);
	for (i = 0; i < nbytes; i++)
		VARBITS(state)[i] |= VARBITS(other)[i];
	PG_RETURN_VARBIT_P(state);
}

/*
 * A bit string of the first n bits of bits (n may be 0), the padding
 * past bit n zero.
 */
VarBit *
retention_bits_prefix(const bits8 *bits, int n)
{
	int			len = VARBITTOTALLEN(n);
	VarBit	   *result = (VarBit *) palloc0(len);

	SET_VARSIZE(result, len);
	VARBITLEN(result) = n;
	memcpy(VARBITS(result), bits, VARBITBYTES(result));
	if (n % BITS_PER_BYTE != 0)
		VARBITS(result)[n / BITS_PER_BYTE] &= (bits8) (0xFF << (BITS_PER_BYTE - n % BITS_PER_BYTE));
	return result;
}

/*
 * The state of active_periods (0.2.0): its parameters and the bits, as a
 * bytea, so that a row or a partial state with other parameters is an
 * error instead of bits counted against another origin or period.
 */
#define ACTIVE_PERIODS_STATE_VERSION 1

typedef struct ActivePeriodsState
{
	int32		vl_len_;
	uint8		version;
	uint8		flags;			/* reserved, 0 */
	int16		unused;
	int32		periods;
	int32		observed;		/* periods ending by as_of, <= periods */
	int64		origin;
	int64		period_usec;
	int64		as_of;			/* DT_NOEND when not given */
	bits8		bits[FLEXIBLE_ARRAY_MEMBER];	/* periods bits, leftmost = 0 */
} ActivePeriodsState;

#define ACTIVE_PERIODS_STATE_SIZE(periods) \
	(offsetof(ActivePeriodsState, bits) + ((Size) (periods) + BITS_PER_BYTE - 1) / BITS_PER_BYTE)

/*
 * The state argument argno, checked: the functions can be called from SQL
 * with any bytea, so a bad state is invalid binary input (22P03), not a
 * corrupted one.  Writable when `writable`.
 */
static ActivePeriodsState *
active_periods_state_arg(FunctionCallInfo fcinfo, int argno, bool writable)
{
	ActivePeriodsState *st = writable
		? (ActivePeriodsState *) journey_writable_arg(fcinfo, argno)
		: (ActivePeriodsState *) PG_DETOAST_DATUM(PG_GETARG_DATUM(argno));

	if (VARSIZE(st) < offsetof(ActivePeriodsState, bits))
		journey_invalid_value(JOURNEY_FROM_BINARY, "active_periods state", "The state is truncated.");
	if (st->version != ACTIVE_PERIODS_STATE_VERSION)
		journey_unsupported_version(JOURNEY_FROM_BINARY, st->version, "active_periods state");
	if (st->flags != 0 || st->unused != 0 || st->periods < 1 || st->periods > RETENTION_MAX_PERIODS ||
		VARSIZE(st) != ACTIVE_PERIODS_STATE_SIZE(st->periods) ||
		TIMESTAMP_NOT_FINITE(st->origin) || st->period_usec <= 0 ||
		st->observed != active_periods_observed(st->origin, st->period_usec, st->periods, st->as_of))
		journey_invalid_value(JOURNEY_FROM_BINARY, "active_periods state",
							  "The parameters do not match the state's length or are out of range.");
	/* the bits past the last period must be zero, as in any bit varying */
	if (st->periods % BITS_PER_BYTE != 0 &&
		(st->bits[(st->periods - 1) / BITS_PER_BYTE] & (0xFF >> (st->periods % BITS_PER_BYTE))) != 0)
		journey_invalid_value(JOURNEY_FROM_BINARY, "active_periods state",
							  "The padding bits after period %d are not zero.", st->periods);
	return st;
}

/* Raise the error for a row or part whose parameters differ from the group's. */
void
active_periods_check_same(const ActivePeriodsParams *st, const ActivePeriodsParams *params)
{
	if (st->periods != params->periods)
		active_periods_periods_differ(st->periods, params->periods);
	if (st->period_usec != params->period_usec)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("period must be the same on every row of a group"),
				 errdetail("The group has a period of %s, a row %s.",
						   retention_period_text(st->period_usec),
						   retention_period_text(params->period_usec))));
	if (st->origin != params->origin)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("origin must be the same on every row of a group"),
				 errdetail("The group has origin %s, a row %s.",
						   retention_timestamptz_text(st->origin), retention_timestamptz_text(params->origin)),
				 errhint("Group by the column that gives the origin, e.g. GROUP BY customer_id, signed_up_at.")));
	if (st->as_of != params->as_of)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("as_of must be the same on every row of a group"),
				 errdetail("The group has as_of %s, a row %s.",
						   retention_timestamptz_text(st->as_of), retention_timestamptz_text(params->as_of))));
}

static void
active_periods_check_params(const ActivePeriodsState *st, const ActivePeriodsParams *params)
{
	ActivePeriodsParams group = {st->origin, st->period_usec, st->periods, st->observed, st->as_of};

	active_periods_check_same(&group, params);
}

/*
 * Transition of active_periods: arguments (state, ts, is_active, origin,
 * period, periods).  NULL origin, period or periods is an error, and so
 * is one that differs from the group's first row; a NULL or infinite ts,
 * a false or NULL is_active, a ts before origin or past the last period
 * leave the bits as they are (but the customer has a bit string, all
 * zeros, so cohort sizes count them).
 */
static Datum active_periods_step(FunctionCallInfo fcinfo, const ActivePeriodsParams *params);

PG_FUNCTION_INFO_V1(active_periods_trans);
Datum
active_periods_trans(PG_FUNCTION_ARGS)
{
	ActivePeriodsParams params;

	active_periods_read_params(fcinfo, 3, &params);
	return active_periods_step(fcinfo, &params);
}

/*
 * Transition of active_periods(..., as_of): the same with argument 6,
 * as_of, which must be the same on every row too.
 */
PG_FUNCTION_INFO_V1(active_periods_trans_as_of);
Datum
active_periods_trans_as_of(PG_FUNCTION_ARGS)
{
	ActivePeriodsParams params;

	active_periods_read_params(fcinfo, 3, &params);
	active_periods_read_as_of(fcinfo, 6, &params);
	return active_periods_step(fcinfo, &params);
}

static Datum
active_periods_step(FunctionCallInfo fcinfo, const ActivePeriodsParams *pp)
{
	ActivePeriodsState *st;
	ActivePeriodsParams params = *pp;

	if (PG_ARGISNULL(0))
	{
		Size		len = ACTIVE_PERIODS_STATE_SIZE(params.periods);

		st = (ActivePeriodsState *) palloc0(len);
		SET_VARSIZE(st, len);
		st->version = ACTIVE_PERIODS_STATE_VERSION;
		st->periods = params.periods;
		st->origin = params.origin;
		st->period_usec = params.period_usec;
		st->observed = params.observed;
		st->as_of = params.as_of;
	}
	else
	{
		st = active_periods_state_arg(fcinfo, 0, true);
		active_periods_check_params(st, &params);
	}
	if (!PG_ARGISNULL(1) && !PG_ARGISNULL(2) && PG_GETARG_BOOL(2))
		active_periods_set(st->bits, &params, PG_GETARG_TIMESTAMPTZ(1));
	PG_RETURN_BYTEA_P((bytea *) st);
}

/* Combine of active_periods: OR two states of the same parameters. */
PG_FUNCTION_INFO_V1(active_periods_merge);
Datum
active_periods_merge(PG_FUNCTION_ARGS)
{
	ActivePeriodsState *st = active_periods_state_arg(fcinfo, 0, true);
	ActivePeriodsState *other = active_periods_state_arg(fcinfo, 1, false);
	ActivePeriodsParams params = {other->origin, other->period_usec, other->periods,
	other->observed, other->as_of};
	Size		nbytes = ACTIVE_PERIODS_STATE_SIZE(st->periods) - offsetof(ActivePeriodsState, bits);
	Size		i;

	active_periods_check_params(st, &params);
	for (i = 0; i < nbytes; i++)
		st->bits[i] |= other->bits[i];
	PG_RETURN_BYTEA_P((bytea *) st);
}

/*
 * Final function of active_periods: the bit string of the observed
 * periods (all of them without as_of).
 */
PG_FUNCTION_INFO_V1(active_periods_final);
Datum
active_periods_final(PG_FUNCTION_ARGS)
{
	ActivePeriodsState *st = active_periods_state_arg(fcinfo, 0, false);

	PG_RETURN_VARBIT_P(retention_bits_prefix(st->bits, st->observed));
}

static bool
retention_bit(const VarBit *bits, int k)
{
	return (VARBITS(bits)[k / BITS_PER_BYTE] & (1 << (BITS_PER_BYTE - 1 - k % BITS_PER_BYTE))) != 0;
}

static TimestampTz
retention_period_start(TimestampTz origin, int64 period, int k)
{
	int64		offset;
	TimestampTz start;

	if (pg_mul_s64_overflow(period, k, &offset) || pg_add_s64_overflow(origin, offset, &start) ||
		TIMESTAMP_NOT_FINITE(start) || !IS_VALID_TIMESTAMP(start))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range"),
				 errdetail("Period %d starts after the last valid timestamp.", k)));
	return start;
}

/*
 * period_lifecycle(active varbit, first_seen timestamptz, origin
 * timestamptz, period interval) -> (period_start, status).  For each
 * period k = 1..n-1 of the bit string (period 0 is the look-back), the
 * customer's status as PostHog's lifecycle chart defines it:
 *   new           active in k, and first_seen falls in period k
 *   returning     active in k and in k-1 (and not new)
 *   resurrecting  active in k, not in k-1 (and not new)
 *   dormant       not active in k, active in k-1
 * and no row when the customer is inactive in both.  A NULL active gives
 * no rows; a NULL first_seen makes the customer never new.
 */
PG_FUNCTION_INFO_V1(period_lifecycle);
Datum
period_lifecycle(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	VarBit	   *bits;
	TimestampTz origin;
	int64		period;
	int			n;
	int			k;
	bool		has_first = !PG_ARGISNULL(1);
	int64		first_period = -1;

	if (PG_ARGISNULL(2) || PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("origin and period must not be null")));
	origin = PG_GETARG_TIMESTAMPTZ(2);
	retention_check_origin(origin);
	period = retention_period_usec(PG_GETARG_DATUM(3));
	journey_init_srf(fcinfo);
	if (PG_ARGISNULL(0))
		return (Datum) 0;
	bits = PG_GETARG_VARBIT_P(0);
	n = VARBITLEN(bits);
	if (has_first)
	{
		TimestampTz first = PG_GETARG_TIMESTAMPTZ(1);
		int64		offset;

		if (!TIMESTAMP_NOT_FINITE(first) && first >= origin &&
			!pg_sub_s64_overflow(first, origin, &offset))
			first_period = offset / period;
	}
	for (k = 1; k < n; k++)
	{
		bool		cur = retention_bit(bits, k);
		bool		prev = retention_bit(bits, k - 1);
		const char *status;
		Datum		values[2];
		bool		nulls[2] = {false, false};

		if (cur && first_period == k)
			status = "new";
		else if (cur && prev)
			status = "returning";
		else if (cur)
			status = "resurrecting";
		else if (prev)
			status = "dormant";
		else
			continue;
		values[0] = TimestampTzGetDatum(retention_period_start(origin, period, k));
		values[1] = CStringGetTextDatum(status);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* ---------------------------------------------------------------------
 * Retention modes over a customer's bit string
 * --------------------------------------------------------------------- */

static VarBit *
retention_bits_alloc(int n)
{
	int			len = VARBITTOTALLEN(n);
	VarBit	   *result = (VarBit *) palloc0(len);

	SET_VARSIZE(result, len);
	VARBITLEN(result) = n;
	return result;
}

static void
retention_bit_set(VarBit *bits, int k)
{
	VARBITS(bits)[k / BITS_PER_BYTE] |= (bits8) (1 << (BITS_PER_BYTE - 1 - k % BITS_PER_BYTE));
}

/*
 * retention_on_or_after(active) -> bit varying: bit k set when some bit
 * >= k of active is set (Mixpanel's "on or after"); same length.
 */
PG_FUNCTION_INFO_V1(retention_on_or_after);
Datum
retention_on_or_after(PG_FUNCTION_ARGS)
{
	VarBit	   *bits = PG_GETARG_VARBIT_P(0);
	int			n = VARBITLEN(bits);
	VarBit	   *result = retention_bits_alloc(n);
	int			last = n - 1;
	int			k;

	while (last >= 0 && !retention_bit(bits, last))
		last--;
	for (k = 0; k <= last; k++)
		retention_bit_set(result, k);
	PG_RETURN_VARBIT_P(result);
}

/*
 * retention_brackets(active, brackets int[]) -> bit varying: bit j set
 * when some period of bracket j, [brackets[j], brackets[j+1]), is set in
 * active.  Only the brackets whose every period is observed (ends within
 * the bit string) are in the result, so a customer observed for fewer
 * periods gets a shorter string, as from active_periods(..., as_of).
 * brackets: at least 2 bounds, no NULL, strictly increasing, in
 * 0..10000.
 */
PG_FUNCTION_INFO_V1(retention_brackets);
Datum
retention_brackets(PG_FUNCTION_ARGS)
{
	VarBit	   *bits = PG_GETARG_VARBIT_P(0);
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(1);
	int			n = VARBITLEN(bits);
	int			nb;
	int32	   *b;
	int			full;
	VarBit	   *result;
	int			j;

	nb = ARR_NDIM(arr) == 0 ? 0 : ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr));
	if (ARR_NDIM(arr) > 1 || nb < 2 || ARR_HASNULL(arr))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("brackets must be a one-dimensional array of at least 2 bounds without NULL"),
				 errhint("Bounds '{1,2,4,8,31}' make the brackets [1,2), [2,4), [4,8) and [8,31).")));
	b = (int32 *) retention_array_data(arr);
	for (j = 0; j < nb; j++)
		if (b[j] < 0 || b[j] > RETENTION_MAX_PERIODS || (j > 0 && b[j] <= b[j - 1]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("brackets must be strictly increasing periods between 0 and %d",
							RETENTION_MAX_PERIODS),
					 errdetail("Bound %d is %d.", j + 1, b[j])));
	full = 0;
	while (full < nb - 1 && b[full + 1] <= n)
		full++;
	result = retention_bits_alloc(full);
	for (j = 0; j < full; j++)
	{
		int			k;

		for (k = b[j]; k < b[j + 1]; k++)
			if (retention_bit(bits, k))
			{
				retention_bit_set(result, j);
				break;
			}
	}
	PG_RETURN_VARBIT_P(result);
}

/* ---------------------------------------------------------------------
 * cohort_retention: customers, and per period how many were observed and
 * how many active
 * --------------------------------------------------------------------- */

/*
 * Format versions.  Version 1 (0.1.0) had no period; version 2 added the
 * length of a period in microseconds (0 when unknown: a 0.1.0 value, or
 * one built by retention_agg(bits) without a period); version 3 adds,
 * per period, how many customers were observed in it (their bit string
 * reaches it), and allows 0 periods (a cohort none of whose customers
 * completed a period yet).  Version 1 and 2 values (raw bytes on disk,
 * binary input) are converted on read with every customer observed in
 * every period; the text form of such a value is the same as before.
 */
#define COHORT_RETENTION_VERSION 3
#define COHORT_RETENTION_VERSION_2 2
#define COHORT_RETENTION_VERSION_1 1

typedef struct CohortRetention
{
	int32		vl_len_;
	uint8		version;
	uint8		flags;			/* reserved, 0 */
	int16		unused;
	int32		periods;		/* 0..RETENTION_MAX_PERIODS */
	int32		unused2;
	int64		period_usec;	/* length of a period, 0 = unknown */
	int64		customers;
	/*
	 * active[periods], then observed[periods]: customers >= observed[0] >=
	 * observed[1] >= ..., 0 <= active[k] <= observed[k]
	 */
	int64		counts[FLEXIBLE_ARRAY_MEMBER];
} CohortRetention;

#define CR_ACTIVE(r) ((r)->counts)
#define CR_OBSERVED(r) ((r)->counts + (r)->periods)

/* Version 2's layout: active counts only (every customer observed). */
typedef CohortRetention CohortRetentionV2;

/* Version 1's layout: no period. */
typedef struct CohortRetentionV1
{
	int32		vl_len_;
	uint8		version;
	uint8		flags;
	int16		unused;
	int32		periods;
	int64		customers;
	int64		active[FLEXIBLE_ARRAY_MEMBER];
} CohortRetentionV1;

#define COHORT_RETENTION_SIZE(n) (offsetof(CohortRetention, counts) + 2 * sizeof(int64) * (n))
#define COHORT_RETENTION_V2_SIZE(n) (offsetof(CohortRetention, counts) + sizeof(int64) * (n))
#define COHORT_RETENTION_V1_SIZE(n) (offsetof(CohortRetentionV1, active) + sizeof(int64) * (n))
#define PG_GETARG_COHORT_RETENTION_P(n) cohort_retention_upgrade(PG_DETOAST_DATUM(PG_GETARG_DATUM(n)))

static CohortRetention *
cohort_retention_alloc(int periods)
{
	CohortRetention *r = palloc0(COHORT_RETENTION_SIZE(periods));

	SET_VARSIZE(r, COHORT_RETENTION_SIZE(periods));
	r->version = COHORT_RETENTION_VERSION;
	r->periods = periods;
	return r;
}

/* An old value's counts into a new one: every customer observed throughout. */
static CohortRetention *
cohort_retention_from_old(int periods, int64 period_usec, int64 customers, const int64 *active)
{
	CohortRetention *result = cohort_retention_alloc(periods);
	int			k;

	result->period_usec = period_usec;
	result->customers = customers;
	memcpy(CR_ACTIVE(result), active, sizeof(int64) * periods);
	for (k = 0; k < periods; k++)
		CR_OBSERVED(result)[k] = customers;
	return result;
}

/*
 * A stored value in the current layout: the value itself, or a version 1
 * (0.1.0) or 2 value converted into a new one.  The converted value is
 * checked by the readers' invariants only where they need it (counts
 * are compared, never used as sizes).
 */
static CohortRetention *
cohort_retention_upgrade(struct varlena *raw)
{
	CohortRetention *r = (CohortRetention *) raw;

	if (VARSIZE(r) < offsetof(CohortRetentionV1, active))
		journey_invalid_value(JOURNEY_FROM_STATE, "cohort_retention", "The value is truncated.");
	if (r->version == COHORT_RETENTION_VERSION)
	{
		if (VARSIZE(r) < offsetof(CohortRetention, counts) ||
			r->periods < 0 || r->periods > RETENTION_MAX_PERIODS ||
			VARSIZE(r) != COHORT_RETENTION_SIZE(r->periods))
			journey_invalid_value(JOURNEY_FROM_STATE, "cohort_retention",
								  "The number of periods does not match the value's length.");
		return r;
	}
	if (r->version == COHORT_RETENTION_VERSION_2)
	{
		const CohortRetentionV2 *old = (const CohortRetentionV2 *) raw;

		if (VARSIZE(old) < offsetof(CohortRetention, counts) ||
			old->periods < 1 || old->periods > RETENTION_MAX_PERIODS ||
			VARSIZE(old) != COHORT_RETENTION_V2_SIZE(old->periods))
			journey_invalid_value(JOURNEY_FROM_STATE, "cohort_retention",
								  "The number of periods does not match the value's length.");
		return cohort_retention_from_old(old->periods, old->period_usec, old->customers, old->counts);
	}
	if (r->version == COHORT_RETENTION_VERSION_1)
	{
		const CohortRetentionV1 *old = (const CohortRetentionV1 *) raw;

		if (old->periods < 1 || old->periods > RETENTION_MAX_PERIODS ||
			VARSIZE(old) != COHORT_RETENTION_V1_SIZE(old->periods))
			journey_invalid_value(JOURNEY_FROM_STATE, "cohort_retention",
								  "The number of periods does not match the value's length.");
		return cohort_retention_from_old(old->periods, 0, old->customers, old->active);
	}
	journey_unsupported_version(JOURNEY_FROM_STATE, r->version, "cohort_retention");
	return NULL;				/* keep the compiler quiet */
}

/* Check every invariant; origin says where the value came from. */
static void
cohort_retention_validate(const CohortRetention *r, JourneyOrigin origin)
{
	int			k;

	if (r->version != COHORT_RETENTION_VERSION)
		journey_unsupported_version(origin, r->version, "cohort_retention");
	if (r->flags != 0 || r->unused != 0 || r->unused2 != 0)
		journey_invalid_value(origin, "cohort_retention", "The reserved flags are not zero.");
	if (r->periods < 0 || r->periods > RETENTION_MAX_PERIODS ||
		VARSIZE(r) != COHORT_RETENTION_SIZE(r->periods))
		journey_invalid_value(origin, "cohort_retention",
							  "The number of periods does not match the value's length.");
	if (r->period_usec < 0)
		journey_invalid_value(origin, "cohort_retention", "The period is negative.");
	if (r->customers < 0)
		journey_invalid_value(origin, "cohort_retention", "The number of customers is negative.");
	for (k = 0; k < r->periods; k++)
	{
		int64		bound = k == 0 ? r->customers : CR_OBSERVED(r)[k - 1];

		if (CR_OBSERVED(r)[k] < 0 || CR_OBSERVED(r)[k] > bound)
			journey_invalid_value(origin, "cohort_retention",
								  "An observed count is negative or exceeds the previous period's (or the number of customers).");
		if (CR_ACTIVE(r)[k] < 0 || CR_ACTIVE(r)[k] > CR_OBSERVED(r)[k])
			journey_invalid_value(origin, "cohort_retention",
								  "An active count is negative or exceeds the customers observed in its period.");
	}
}

/* Is every customer observed in every period (the forms before as_of)? */
static bool
cohort_retention_fully_observed(const CohortRetention *r)
{
	int			k;

	for (k = 0; k < r->periods; k++)
		if (CR_OBSERVED(r)[k] != r->customers)
			return false;
	return true;
}

static void
cohort_retention_append_list(StringInfo buf, const int64 *counts, int n)
{
	int			k;

	for (k = 0; k < n; k++)
		appendStringInfo(buf, k == 0 ? INT64_FORMAT : "," INT64_FORMAT, counts[k]);
}

/*
 * Text form: customers=3 active=3,1,0 observed=3,3,2
 * period_us=604800000000.  observed is left out when every customer was
 * observed in every period, the period when unknown (so values without
 * as_of print as in 0.2.0 and 0.1.0); 0 periods print "active=".
 */
PG_FUNCTION_INFO_V1(cohort_retention_out);
Datum
cohort_retention_out(PG_FUNCTION_ARGS)
{
	CohortRetention *r = PG_GETARG_COHORT_RETENTION_P(0);
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfo(&buf, "customers=" INT64_FORMAT " active=", r->customers);
	cohort_retention_append_list(&buf, CR_ACTIVE(r), r->periods);
	if (!cohort_retention_fully_observed(r))
	{
		appendStringInfoString(&buf, " observed=");
		cohort_retention_append_list(&buf, CR_OBSERVED(r), r->periods);
	}
	if (r->period_usec != 0)
		appendStringInfo(&buf, " period_us=" INT64_FORMAT, r->period_usec);
	PG_RETURN_CSTRING(buf.data);
}

static void
cohort_retention_syntax(const char *input, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type cohort_retention: \"%s\"", input),
			 errdetail("%s", detail),
			 errhint("The form is customers=N active=A0,A1,... with optional observed=O0,O1,... and period_us=P after it.")));
}

/* A non-negative decimal int64 at *pos, digits only. */
static int64
cohort_retention_number(const char *input, const char **pos)
{
	const char *p = *pos;
	int64		value = 0;

	if (*p < '0' || *p > '9')
		cohort_retention_syntax(input, "A count is missing.");
	while (*p >= '0' && *p <= '9')
	{
		if (pg_mul_s64_overflow(value, 10, &value) || pg_add_s64_overflow(value, *p - '0', &value))
			cohort_retention_syntax(input, "A count is out of range.");
		p++;
	}
	*pos = p;
	return value;
}

/*
 * A comma-separated list of counts at *pos, possibly empty (then *pos is
 * at the end or at a space), into counts; returns how many.
 */
static int
cohort_retention_list(const char *input, const char **pos, int64 *counts)
{
	const char *p = *pos;
	int			n = 0;

	if (*p != '\0' && *p != ' ')
		for (;;)
		{
			if (n == RETENTION_MAX_PERIODS)
				cohort_retention_syntax(input, "There are too many periods.");
			counts[n++] = cohort_retention_number(input, &p);
			if (*p == '\0' || *p == ' ')
				break;
			if (*p != ',')
				cohort_retention_syntax(input, "Counts must be separated by commas.");
			p++;
		}
	*pos = p;
	return n;
}

PG_FUNCTION_INFO_V1(cohort_retention_in);
Datum
cohort_retention_in(PG_FUNCTION_ARGS)
{
	const char *input = PG_GETARG_CSTRING(0);
	const char *p = input;
	int64		customers;
	int64		period_usec = 0;
	int64	   *active = palloc(sizeof(int64) * RETENTION_MAX_PERIODS);
	int64	   *observed = NULL;
	int			n;
	CohortRetention *r;
	int			k;

	if (strncmp(p, "customers=", 10) != 0)
		cohort_retention_syntax(input, "It must start with \"customers=\".");
	p += 10;
	customers = cohort_retention_number(input, &p);
	if (strncmp(p, " active=", 8) != 0)
		cohort_retention_syntax(input, "\" active=\" must follow the number of customers.");
	p += 8;
	n = cohort_retention_list(input, &p, active);
	if (strncmp(p, " observed=", 10) == 0)
	{
		p += 10;
		observed = palloc(sizeof(int64) * RETENTION_MAX_PERIODS);
		if (cohort_retention_list(input, &p, observed) != n)
			cohort_retention_syntax(input, "There must be as many observed counts as active counts.");
	}
	if (strncmp(p, " period_us=", 11) == 0)
	{
		p += 11;
		period_usec = cohort_retention_number(input, &p);
		if (period_usec == 0)
			cohort_retention_syntax(input, "The period must be positive (leave it out when unknown).");
	}
	if (*p != '\0')
		cohort_retention_syntax(input, *p == ' '
								? "Only \" observed=\" and then \" period_us=\" may follow the counts."
								: "Unexpected characters after the counts.");
	r = cohort_retention_alloc(n);
	r->customers = customers;
	r->period_usec = period_usec;
	memcpy(CR_ACTIVE(r), active, sizeof(int64) * n);
	for (k = 0; k < n; k++)
		CR_OBSERVED(r)[k] = observed != NULL ? observed[k] : customers;
	cohort_retention_validate(r, JOURNEY_FROM_TEXT);
	PG_RETURN_POINTER(r);
}

/*
 * Binary form: version (3), flags, periods, period in microseconds (0 =
 * unknown), customers, the active counts, the observed counts.  Version
 * 2 has no observed counts, version 1 (0.1.0) no period either; both
 * are read with every customer observed.
 */
PG_FUNCTION_INFO_V1(cohort_retention_send);
Datum
cohort_retention_send(PG_FUNCTION_ARGS)
{
	CohortRetention *r = PG_GETARG_COHORT_RETENTION_P(0);
	StringInfoData buf;
	int			k;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, r->version);
	pq_sendbyte(&buf, r->flags);
	pq_sendint32(&buf, r->periods);
	pq_sendint64(&buf, r->period_usec);
	pq_sendint64(&buf, r->customers);
	for (k = 0; k < 2 * r->periods; k++)
		pq_sendint64(&buf, r->counts[k]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(cohort_retention_recv);
Datum
cohort_retention_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	const char *what = "cohort_retention";
	int			version;
	int			flags;
	int32		periods;
	int64		period_usec = 0;
	CohortRetention *r;
	int			k;

	version = journey_recv_uint8(buf, what);
	if (version != COHORT_RETENTION_VERSION && version != COHORT_RETENTION_VERSION_2 &&
		version != COHORT_RETENTION_VERSION_1)
		journey_unsupported_version(JOURNEY_FROM_BINARY, version, what);
	flags = journey_recv_uint8(buf, what);
	periods = journey_recv_int32(buf, what);
	if (version != COHORT_RETENTION_VERSION_1)
		period_usec = journey_recv_int64(buf, what);
	if (flags != 0)
		journey_invalid_value(JOURNEY_FROM_BINARY, what, "The reserved flags are not zero.");
	if (periods < (version == COHORT_RETENTION_VERSION ? 0 : 1) || periods > RETENTION_MAX_PERIODS ||
		(int64) ((version == COHORT_RETENTION_VERSION ? 2 : 1) * (int64) periods + 1) * 8 != buf->len - buf->cursor)
		journey_invalid_value(JOURNEY_FROM_BINARY, what,
							  "The number of periods does not match the value's length.");
	r = cohort_retention_alloc(periods);
	r->period_usec = period_usec;
	r->customers = journey_recv_int64(buf, what);
	for (k = 0; k < periods; k++)
		CR_ACTIVE(r)[k] = journey_recv_int64(buf, what);
	for (k = 0; k < periods; k++)
		CR_OBSERVED(r)[k] = version == COHORT_RETENTION_VERSION ? journey_recv_int64(buf, what) : r->customers;
	journey_recv_done(buf, what);
	cohort_retention_validate(r, JOURNEY_FROM_BINARY);
	PG_RETURN_POINTER(r);
}

/*
 * The state argument of a transition or merge function in the current
 * layout, safe to update in place (journey_writable_arg).
 */
static CohortRetention *
cohort_retention_writable_arg(FunctionCallInfo fcinfo, int argno)
{
	return cohort_retention_upgrade(journey_writable_arg(fcinfo, argno));
}

/*
 * r with at least n periods: r itself, or a new value whose periods past
 * r's have nobody observed (so nobody active) yet.
 */
static CohortRetention *
cohort_retention_grow(CohortRetention *r, int n)
{
	CohortRetention *result;

	if (r->periods >= n)
		return r;
	result = cohort_retention_alloc(n);
	result->flags = r->flags;
	result->period_usec = r->period_usec;
	result->customers = r->customers;
	memcpy(CR_ACTIVE(result), CR_ACTIVE(r), sizeof(int64) * r->periods);
	memcpy(CR_OBSERVED(result), CR_OBSERVED(r), sizeof(int64) * r->periods);
	return result;
}

static void
cohort_retention_periods_differ(int64 a, int64 b)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("cannot merge cohort_retention values with different periods"),
			 errdetail("One has a period of %s, the other of %s.",
					   retention_period_text(a), retention_period_text(b)),
			 errhint("Roll up cohorts built with the same period (daily with daily, weekly with weekly).")));
}

/*
 * Count one customer's bit string into r (in place, or grown): the
 * customer is observed in the periods their bit string has, so a shorter
 * string (active_periods(..., as_of) of a later signup) counts in fewer
 * periods' observed customers.
 */
static CohortRetention *
cohort_retention_count(FunctionCallInfo fcinfo, int64 period_usec)
{
	CohortRetention *r;
	VarBit	   *bits = PG_GETARG_VARBIT_P(1);
	int			n = VARBITLEN(bits);
	int			k;

	if (n < 0 || n > RETENTION_MAX_PERIODS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a bit string of retention_agg must have at most %d bits", RETENTION_MAX_PERIODS),
				 errdetail("It has %d.", n)));
	if (PG_ARGISNULL(0))
	{
		r = cohort_retention_alloc(n);
		r->period_usec = period_usec;
	}
	else
	{
		r = cohort_retention_grow(cohort_retention_writable_arg(fcinfo, 0), n);
		if (r->period_usec != period_usec)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("period must be the same on every row of retention_agg"),
					 errdetail("The group has a period of %s, a row %s.",
							   retention_period_text(r->period_usec),
							   retention_period_text(period_usec))));
	}
	if (r->customers == PG_INT64_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("cohort_retention customer count out of range")));
	r->customers++;
	for (k = 0; k < n; k++)
	{
		CR_OBSERVED(r)[k]++;
		if (retention_bit(bits, k))
			CR_ACTIVE(r)[k]++;
	}
	return r;
}

/*
 * retention_agg(bits)'s transition: count one customer's bit string; the
 * period stays unknown.  A NULL bit string is skipped.
 */
PG_FUNCTION_INFO_V1(cohort_retention_add);
Datum
cohort_retention_add(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	PG_RETURN_POINTER(cohort_retention_count(fcinfo, 0));
}

/*
 * retention_agg(bits, period)'s transition: the same, and the value
 * records the period (the one given to active_periods), so that rollup
 * refuses to merge cohorts of different periods.  A NULL period is an
 * error, a period that changes between rows too.
 */
PG_FUNCTION_INFO_V1(cohort_retention_add_period);
Datum
cohort_retention_add_period(PG_FUNCTION_ARGS)
{
	int64		period_usec;

	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("period must not be null")));
	period_usec = retention_period_usec(PG_GETARG_DATUM(2));
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	PG_RETURN_POINTER(cohort_retention_count(fcinfo, period_usec));
}

/*
 * Merge: rollup's transition and retention_agg's combine function.  The
 * result has the larger number of periods (the other value's customers
 * were observed in none of the extra ones); both values must have the
 * same period when both know it; a value whose period is unknown (0.1.0,
 * or retention_agg without a period) merges with any, and the result
 * keeps the known period.  So a rollup fails exactly when its known
 * periods differ, whatever the order of its inputs.
 */
PG_FUNCTION_INFO_V1(cohort_retention_merge);
Datum
cohort_retention_merge(PG_FUNCTION_ARGS)
{
	CohortRetention *other = PG_GETARG_COHORT_RETENTION_P(1);
	CohortRetention *r = cohort_retention_grow(cohort_retention_writable_arg(fcinfo, 0), other->periods);
	int			k;

	if (r->period_usec != 0 && other->period_usec != 0 && r->period_usec != other->period_usec)
		cohort_retention_periods_differ(r->period_usec, other->period_usec);
	if (r->period_usec == 0)
		r->period_usec = other->period_usec;
	if (pg_add_s64_overflow(r->customers, other->customers, &r->customers))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("cohort_retention customer count out of range")));
	for (k = 0; k < other->periods; k++)
	{
		/* <= customers: no overflow */
		CR_ACTIVE(r)[k] += CR_ACTIVE(other)[k];
		CR_OBSERVED(r)[k] += CR_OBSERVED(other)[k];
	}
	PG_RETURN_POINTER(r);
}

/*
 * retention_matrix(r [, cohort_start]) -> one row per period.  The row
 * is built from the declared result type, by column name, so the
 * function serves both 0.1.0's declaration (period, customers, active,
 * share) and 0.2.0's (period, period_start, customers, observed, active,
 * share).  share = active / observed, NULL when nobody was observed;
 * period_start = cohort_start + period * k, NULL when either is unknown.
 */
enum
{
	RM_PERIOD, RM_PERIOD_START, RM_CUSTOMERS, RM_OBSERVED, RM_ACTIVE, RM_SHARE
};

PG_FUNCTION_INFO_V1(cohort_retention_matrix);
Datum
cohort_retention_matrix(PG_FUNCTION_ARGS)
{
	static const char *const names[] = {"period", "period_start", "customers", "observed", "active", "share"};
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	CohortRetention *r;
	TupleDesc	desc;
	int			natts;
	int		   *column;
	Datum	   *values;
	bool	   *nulls;
	bool		has_start = PG_NARGS() > 1 && !PG_ARGISNULL(1);
	TimestampTz cohort_start = has_start ? PG_GETARG_TIMESTAMPTZ(1) : 0;
	int			i;
	int			k;

	journey_init_srf(fcinfo);
	if (PG_ARGISNULL(0))
		return (Datum) 0;
	r = PG_GETARG_COHORT_RETENTION_P(0);
	desc = rsinfo->setDesc;
	natts = desc->natts;
	column = palloc(sizeof(int) * natts);
	values = palloc(sizeof(Datum) * natts);
	nulls = palloc(sizeof(bool) * natts);
	for (i = 0; i < natts; i++)
	{
		const char *name = NameStr(TupleDescAttr(desc, i)->attname);

		for (column[i] = 0; column[i] < (int) lengthof(names); column[i]++)
			if (strcmp(name, names[column[i]]) == 0)
				break;
		if (column[i] == (int) lengthof(names))
			elog(ERROR, "unexpected column \"%s\" in the result of retention_matrix", name);
	}
	has_start = has_start && !TIMESTAMP_NOT_FINITE(cohort_start) && r->period_usec != 0;
	for (k = 0; k < r->periods; k++)
	{
		int64		observed = CR_OBSERVED(r)[k];

		for (i = 0; i < natts; i++)
		{
			nulls[i] = false;
			switch (column[i])
			{
				case RM_PERIOD:
					values[i] = Int32GetDatum(k);
					break;
				case RM_PERIOD_START:
					nulls[i] = !has_start;
					if (has_start)
						values[i] = TimestampTzGetDatum(retention_period_start(cohort_start, r->period_usec, k));
					break;
				case RM_CUSTOMERS:
					values[i] = Int64GetDatum(r->customers);
					break;
				case RM_OBSERVED:
					values[i] = Int64GetDatum(observed);
					break;
				case RM_ACTIVE:
					values[i] = Int64GetDatum(CR_ACTIVE(r)[k]);
					break;
				case RM_SHARE:
					nulls[i] = observed == 0;
					values[i] = Float8GetDatum(observed == 0 ? 0.0 : (double) CR_ACTIVE(r)[k] / (double) observed);
					break;
			}
		}
		tuplestore_putvalues(rsinfo->setResult, desc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * retention_share(r, k): active[k] / observed[k] (observed = customers
 * without as_of); NULL past the last period or when nobody was observed.
 */
PG_FUNCTION_INFO_V1(cohort_retention_share);
Datum
cohort_retention_share(PG_FUNCTION_ARGS)
{
	CohortRetention *r = PG_GETARG_COHORT_RETENTION_P(0);
	int32		k = PG_GETARG_INT32(1);

	if (k < 0 || k >= r->periods || CR_OBSERVED(r)[k] == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8((double) CR_ACTIVE(r)[k] / (double) CR_OBSERVED(r)[k]);
}

PG_FUNCTION_INFO_V1(cohort_retention_customers);
Datum
cohort_retention_customers(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(PG_GETARG_COHORT_RETENTION_P(0)->customers);
}

/* cohort_period(r): the period of a cohort_retention, NULL when unknown. */
PG_FUNCTION_INFO_V1(cohort_retention_period);
Datum
cohort_retention_period(PG_FUNCTION_ARGS)
{
	CohortRetention *r = PG_GETARG_COHORT_RETENTION_P(0);

	if (r->period_usec == 0)
		PG_RETURN_NULL();
	PG_RETURN_INTERVAL_P(journey_usec_to_interval(r->period_usec));
}
