/*
 * retention.c — retention by condition and by period.
 *
 *   retention(VARIADIC boolean[]) -> int[]
 *       ClickHouse's retention(): r[1] = 1 when some row of the group met
 *       condition 1; r[i] = 1 when r[1] = 1 and some row (any row) met
 *       condition i.  The state is an int8: bits 0..31 the conditions seen,
 *       bits 32..39 the number of conditions.
 *
 *   active_periods(ts, is_active, origin, period, periods) -> varbit
 *       Per customer: bit k (0-based, leftmost first) is set when some
 *       active row has origin + k*period <= ts < origin + (k+1)*period.
 *       The state is the bit string itself, merged with bitor().
 *
 *   period_lifecycle(active, first_seen, origin, period)
 *       Per customer and period 1..n-1 of such a bit string, the
 *       PostHog-style status: new, returning, resurrecting, dormant.
 *
 *   cohort_retention (type), retention_agg(varbit), retention_matrix(),
 *   retention_share(): across customers, how many were active in each
 *   period, as a mergeable concrete value with exact text input/output.
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
	int64		origin;
	int64		period_usec;
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
		TIMESTAMP_NOT_FINITE(st->origin) || st->period_usec <= 0)
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
static void
active_periods_check_params(const ActivePeriodsState *st, const ActivePeriodsParams *params)
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
}

/*
 * Transition of active_periods: arguments (state, ts, is_active, origin,
 * period, periods).  NULL origin, period or periods is an error, and so
 * is one that differs from the group's first row; a NULL or infinite ts,
 * a false or NULL is_active, a ts before origin or past the last period
 * leave the bits as they are (but the customer has a bit string, all
 * zeros, so cohort sizes count them).
 */
PG_FUNCTION_INFO_V1(active_periods_trans);
Datum
active_periods_trans(PG_FUNCTION_ARGS)
{
	ActivePeriodsState *st;
	ActivePeriodsParams params;

	active_periods_read_params(fcinfo, 3, &params);
	if (PG_ARGISNULL(0))
	{
		Size		len = ACTIVE_PERIODS_STATE_SIZE(params.periods);

		st = (ActivePeriodsState *) palloc0(len);
		SET_VARSIZE(st, len);
		st->version = ACTIVE_PERIODS_STATE_VERSION;
		st->periods = params.periods;
		st->origin = params.origin;
		st->period_usec = params.period_usec;
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
	ActivePeriodsParams params = {other->origin, other->period_usec, other->periods};
	Size		nbytes = ACTIVE_PERIODS_STATE_SIZE(st->periods) - offsetof(ActivePeriodsState, bits);
	Size		i;

	active_periods_check_params(st, &params);
	for (i = 0; i < nbytes; i++)
		st->bits[i] |= other->bits[i];
	PG_RETURN_BYTEA_P((bytea *) st);
}

/* Final function of active_periods: the bit string. */
PG_FUNCTION_INFO_V1(active_periods_final);
Datum
active_periods_final(PG_FUNCTION_ARGS)
{
	ActivePeriodsState *st = active_periods_state_arg(fcinfo, 0, false);
	int			len = VARBITTOTALLEN(st->periods);
	VarBit	   *result = (VarBit *) palloc0(len);

	SET_VARSIZE(result, len);
	VARBITLEN(result) = st->periods;
	memcpy(VARBITS(result), st->bits, VARBITBYTES(result));
	PG_RETURN_VARBIT_P(result);
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
 * cohort_retention: customers, and customers active per period
 * --------------------------------------------------------------------- */

/*
 * Format versions.  Version 1 (0.1.0) had no period; version 2 adds the
 * length of a period in microseconds, 0 when unknown: a 0.1.0 value, or
 * one built by retention_agg(bits) without a period.  Version 1 values
 * (raw bytes on disk, binary input) are converted on read; their text
 * form is version 2's with the period left out.
 */
#define COHORT_RETENTION_VERSION 2
#define COHORT_RETENTION_VERSION_1 1

typedef struct CohortRetention
{
	int32		vl_len_;
	uint8		version;
	uint8		flags;			/* reserved, 0 */
	int16		unused;
	int32		periods;		/* 1..RETENTION_MAX_PERIODS */
	int32		unused2;
	int64		period_usec;	/* length of a period, 0 = unknown */
	int64		customers;
	int64		active[FLEXIBLE_ARRAY_MEMBER];	/* 0 <= active[k] <= customers */
} CohortRetention;

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

#define COHORT_RETENTION_SIZE(n) (offsetof(CohortRetention, active) + sizeof(int64) * (n))
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

/*
 * A stored value in the current layout: the value itself, or a version 1
 * value (0.1.0) converted into a new one with an unknown period.
 */
static CohortRetention *
cohort_retention_upgrade(struct varlena *raw)
{
	CohortRetention *r = (CohortRetention *) raw;
	const CohortRetentionV1 *old;
	CohortRetention *result;

	if (r->version == COHORT_RETENTION_VERSION)
		return r;
	if (r->version != COHORT_RETENTION_VERSION_1)
		journey_unsupported_version(JOURNEY_FROM_STATE, r->version, "cohort_retention");
	old = (const CohortRetentionV1 *) raw;
	if (old->periods < 1 || old->periods > RETENTION_MAX_PERIODS ||
		VARSIZE(old) != COHORT_RETENTION_V1_SIZE(old->periods))
		journey_invalid_value(JOURNEY_FROM_STATE, "cohort_retention",
							  "The number of periods does not match the value's length.");
	result = cohort_retention_alloc(old->periods);
	result->flags = old->flags;
	result->customers = old->customers;
	memcpy(result->active, old->active, sizeof(int64) * old->periods);
	return result;
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
	if (r->periods < 1 || r->periods > RETENTION_MAX_PERIODS ||
		VARSIZE(r) != COHORT_RETENTION_SIZE(r->periods))
		journey_invalid_value(origin, "cohort_retention",
							  "The number of periods does not match the value's length.");
	if (r->period_usec < 0)
		journey_invalid_value(origin, "cohort_retention", "The period is negative.");
	if (r->customers < 0)
		journey_invalid_value(origin, "cohort_retention", "The number of customers is negative.");
	for (k = 0; k < r->periods; k++)
		if (r->active[k] < 0 || r->active[k] > r->customers)
			journey_invalid_value(origin, "cohort_retention",
								  "An active count is negative or exceeds the number of customers.");
}

/*
 * Text form: customers=3 active=3,1,0 period_us=604800000000, the period
 * left out when unknown (which is 0.1.0's form).
 */
PG_FUNCTION_INFO_V1(cohort_retention_out);
Datum
cohort_retention_out(PG_FUNCTION_ARGS)
{
	CohortRetention *r = PG_GETARG_COHORT_RETENTION_P(0);
	StringInfoData buf;
	int			k;

	initStringInfo(&buf);
	appendStringInfo(&buf, "customers=" INT64_FORMAT " active=", r->customers);
	for (k = 0; k < r->periods; k++)
		appendStringInfo(&buf, k == 0 ? INT64_FORMAT : "," INT64_FORMAT, r->active[k]);
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
			 errhint("The form is customers=N active=A0,A1,... with an optional period_us=P at the end.")));
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

PG_FUNCTION_INFO_V1(cohort_retention_in);
Datum
cohort_retention_in(PG_FUNCTION_ARGS)
{
	const char *input = PG_GETARG_CSTRING(0);
	const char *p = input;
	int64		customers;
	int64		period_usec = 0;
	int64	   *counts = palloc(sizeof(int64) * RETENTION_MAX_PERIODS);
	int			n = 0;
	CohortRetention *r;

	if (strncmp(p, "customers=", 10) != 0)
		cohort_retention_syntax(input, "It must start with \"customers=\".");
	p += 10;
	customers = cohort_retention_number(input, &p);
	if (strncmp(p, " active=", 8) != 0)
		cohort_retention_syntax(input, "\" active=\" must follow the number of customers.");
	p += 8;
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
	if (*p == ' ')
	{
		if (strncmp(p, " period_us=", 11) != 0)
			cohort_retention_syntax(input, "Only \" period_us=\" may follow the counts.");
		p += 11;
		period_usec = cohort_retention_number(input, &p);
		if (period_usec == 0)
			cohort_retention_syntax(input, "The period must be positive (leave it out when unknown).");
		if (*p != '\0')
			cohort_retention_syntax(input, "Unexpected characters after the period.");
	}
	r = cohort_retention_alloc(n);
	r->customers = customers;
	r->period_usec = period_usec;
	memcpy(r->active, counts, sizeof(int64) * n);
	cohort_retention_validate(r, JOURNEY_FROM_TEXT);
	PG_RETURN_POINTER(r);
}

/*
 * Binary form: version (2), flags, periods, period in microseconds (0 =
 * unknown), customers, the active counts.  Version 1 (0.1.0) has no
 * period and is read as unknown.
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
	for (k = 0; k < r->periods; k++)
		pq_sendint64(&buf, r->active[k]);
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
	if (version != COHORT_RETENTION_VERSION && version != COHORT_RETENTION_VERSION_1)
		journey_unsupported_version(JOURNEY_FROM_BINARY, version, what);
	flags = journey_recv_uint8(buf, what);
	periods = journey_recv_int32(buf, what);
	if (version == COHORT_RETENTION_VERSION)
		period_usec = journey_recv_int64(buf, what);
	if (flags != 0)
		journey_invalid_value(JOURNEY_FROM_BINARY, what, "The reserved flags are not zero.");
	if (periods < 1 || periods > RETENTION_MAX_PERIODS ||
		(int64) (periods + 1) * 8 != buf->len - buf->cursor)
		journey_invalid_value(JOURNEY_FROM_BINARY, what,
							  "The number of periods does not match the value's length.");
	r = cohort_retention_alloc(periods);
	r->period_usec = period_usec;
	r->customers = journey_recv_int64(buf, what);
	for (k = 0; k < periods; k++)
		r->active[k] = journey_recv_int64(buf, what);
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

/* Count one customer's bit string into r (in place). */
static CohortRetention *
cohort_retention_count(FunctionCallInfo fcinfo, int64 period_usec)
{
	CohortRetention *r;
	VarBit	   *bits = PG_GETARG_VARBIT_P(1);
	int			n = VARBITLEN(bits);
	int			k;

	if (n < 1 || n > RETENTION_MAX_PERIODS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a bit string of retention_agg must have 1 to %d bits", RETENTION_MAX_PERIODS),
				 errdetail("It has %d.", n)));
	if (PG_ARGISNULL(0))
	{
		r = cohort_retention_alloc(n);
		r->period_usec = period_usec;
	}
	else
	{
		r = cohort_retention_writable_arg(fcinfo, 0);
		if (r->periods != n)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("every bit string of retention_agg must have the same length"),
					 errdetail("The value has %d periods, the bit string %d bits.", r->periods, n)));
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
		if (retention_bit(bits, k))
			r->active[k]++;
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
 * Merge: rollup's transition and retention_agg's combine function.  Both
 * values must have the same number of periods, and the same period when
 * both know it; a value whose period is unknown (0.1.0, or retention_agg
 * without a period) merges with any, and the result keeps the known
 * period.  So a rollup fails exactly when its known periods differ,
 * whatever the order of its inputs.
 */
PG_FUNCTION_INFO_V1(cohort_retention_merge);
Datum
cohort_retention_merge(PG_FUNCTION_ARGS)
{
	CohortRetention *r = cohort_retention_writable_arg(fcinfo, 0);
	CohortRetention *other = PG_GETARG_COHORT_RETENTION_P(1);
	int			k;

	if (r->periods != other->periods)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot merge cohort_retention values with different numbers of periods"),
				 errdetail("One has %d periods, the other %d.", r->periods, other->periods)));
	if (r->period_usec != 0 && other->period_usec != 0 && r->period_usec != other->period_usec)
		cohort_retention_periods_differ(r->period_usec, other->period_usec);
	if (r->period_usec == 0)
		r->period_usec = other->period_usec;
	if (pg_add_s64_overflow(r->customers, other->customers, &r->customers))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("cohort_retention customer count out of range")));
	for (k = 0; k < r->periods; k++)
		r->active[k] += other->active[k];	/* <= customers: no overflow */
	PG_RETURN_POINTER(r);
}

/* retention_matrix(r) -> (period, customers, active, share) per period. */
PG_FUNCTION_INFO_V1(cohort_retention_matrix);
Datum
cohort_retention_matrix(PG_FUNCTION_ARGS)
{
	CohortRetention *r = PG_GETARG_COHORT_RETENTION_P(0);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			k;

	journey_init_srf(fcinfo);
	for (k = 0; k < r->periods; k++)
	{
		Datum		values[4];
		bool		nulls[4] = {false, false, false, r->customers == 0};

		values[0] = Int32GetDatum(k);
		values[1] = Int64GetDatum(r->customers);
		values[2] = Int64GetDatum(r->active[k]);
		values[3] = Float8GetDatum(r->customers == 0 ? 0.0 : (double) r->active[k] / (double) r->customers);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* retention_share(r, k): active[k] / customers; NULL past the last period. */
PG_FUNCTION_INFO_V1(cohort_retention_share);
Datum
cohort_retention_share(PG_FUNCTION_ARGS)
{
	CohortRetention *r = PG_GETARG_COHORT_RETENTION_P(0);
	int32		k = PG_GETARG_INT32(1);

	if (k < 0 || k >= r->periods || r->customers == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8((double) r->active[k] / (double) r->customers);
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
