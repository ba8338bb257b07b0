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

#define RETENTION_MAX_CONDS 32
#define RETENTION_MAX_PERIODS 10000

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
			 errmsg("retention: every row of a group must pass the same number of conditions"),
			 errdetail("One row passes %d conditions, another %d.", a, b)));
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
	if (ARR_NDIM(conds) > 1 || n < 1 || n > RETENTION_MAX_CONDS)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("retention takes 1 to %d conditions", RETENTION_MAX_CONDS),
				 errdetail("The row passes %d conditions in %d dimensions.", n, ARR_NDIM(conds))));
	Assert(ARR_ELEMTYPE(conds) == BOOLOID);
	nullmap = ARR_NULLBITMAP(conds);
	data = ARR_DATA_PTR(conds);
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
	Datum		elems[RETENTION_MAX_CONDS];
	bool		first;
	int			i;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	state = PG_GETARG_INT64(0);
	n = retention_ncond_of(state);
	if (n < 1 || n > RETENTION_MAX_CONDS || (state >> 40) != 0 ||
		(n < 32 && (state & 0xFFFFFFFF) >> n) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid retention state " INT64_FORMAT, state)));
	first = (state & 1) != 0;
	for (i = 0; i < n; i++)
		elems[i] = Int32GetDatum(first && (state & (INT64CONST(1) << i)) != 0 ? 1 : 0);
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, n, INT4OID, 4, true, TYPALIGN_INT));
}

/* ---------------------------------------------------------------------
 * active_periods(ts, is_active, origin, period, periods) -> varbit
 * --------------------------------------------------------------------- */

static int64
retention_period_usec(Datum period, const char *fname)
{
	int64		usec = journey_interval_to_usec(DatumGetIntervalP(period), "period");

	if (usec <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: period must be positive", fname),
				 errdetail("period is %s.", DatumGetCString(DirectFunctionCall1(interval_out, period)))));
	return usec;
}

static void
retention_check_origin(TimestampTz origin, const char *fname)
{
	if (TIMESTAMP_NOT_FINITE(origin))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: origin must be a finite timestamp", fname)));
}

/*
 * Transition of active_periods: arguments (state, ts, is_active, origin,
 * period, periods).  NULL origin, period or periods is an error; a NULL
 * or infinite ts, a false or NULL is_active, a ts before origin or past
 * the last period leave the bits as they are (but the customer has a bit
 * string, all zeros, so cohort sizes count them).
 */
PG_FUNCTION_INFO_V1(active_periods_transfn);
Datum
active_periods_transfn(PG_FUNCTION_ARGS)
{
	VarBit	   *state;
	TimestampTz origin;
	int64		period;
	int32		periods;
	bool		in_aggregate = AggCheckCallContext(fcinfo, NULL);

	if (PG_ARGISNULL(3) || PG_ARGISNULL(4) || PG_ARGISNULL(5))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("active_periods: origin, period and periods must not be null")));
	origin = PG_GETARG_TIMESTAMPTZ(3);
	retention_check_origin(origin, "active_periods");
	period = retention_period_usec(PG_GETARG_DATUM(4), "active_periods");
	periods = PG_GETARG_INT32(5);
	if (periods < 1 || periods > RETENTION_MAX_PERIODS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("active_periods: periods must be between 1 and %d", RETENTION_MAX_PERIODS),
				 errdetail("periods is %d.", periods)));

	if (PG_ARGISNULL(0))
	{
		int			len = VARBITTOTALLEN(periods);

		state = (VarBit *) palloc0(len);
		SET_VARSIZE(state, len);
		VARBITLEN(state) = periods;
	}
	else
	{
		state = PG_GETARG_VARBIT_P(0);
		if (VARBITLEN(state) != periods)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("active_periods: periods must be the same on every row of a group"),
					 errdetail("The group has %d periods, the row asks for %d.", VARBITLEN(state), periods)));
		/* a copy unless we own the state (aggregate, not a toasted copy) */
		if (!in_aggregate || (Pointer) state != DatumGetPointer(PG_GETARG_DATUM(0)))
		{
			VarBit	   *copy = (VarBit *) palloc(VARSIZE(state));

			memcpy(copy, state, VARSIZE(state));
			state = copy;
		}
	}

	if (!PG_ARGISNULL(1) && !PG_ARGISNULL(2) && PG_GETARG_BOOL(2))
	{
		TimestampTz ts = PG_GETARG_TIMESTAMPTZ(1);
		int64		offset;

		if (!TIMESTAMP_NOT_FINITE(ts) && ts >= origin &&
			!pg_sub_s64_overflow(ts, origin, &offset) && offset / period < periods)
		{
			int			k = (int) (offset / period);

			VARBITS(state)[k / BITS_PER_BYTE] |= (bits8) (1 << (BITS_PER_BYTE - 1 - k % BITS_PER_BYTE));
		}
	}
	PG_RETURN_VARBIT_P(state);
}

/* Combine of active_periods: OR two bit strings of the same length. */
PG_FUNCTION_INFO_V1(active_periods_combine);
Datum
active_periods_combine(PG_FUNCTION_ARGS)
{
	VarBit	   *state = PG_GETARG_VARBIT_P(0);
	VarBit	   *other = PG_GETARG_VARBIT_P(1);
	int			i;

	if (VARBITLEN(state) != VARBITLEN(other))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("active_periods: periods must be the same on every row of a group"),
				 errdetail("One part has %d periods, another %d.", VARBITLEN(state), VARBITLEN(other))));
	if (!AggCheckCallContext(fcinfo, NULL) || (Pointer) state != DatumGetPointer(PG_GETARG_DATUM(0)))
	{
		VarBit	   *copy = (VarBit *) palloc(VARSIZE(state));

		memcpy(copy, state, VARSIZE(state));
		state = copy;
	}
	for (i = 0; i < VARBITBYTES(state); i++)
		VARBITS(state)[i] |= VARBITS(other)[i];
	PG_RETURN_VARBIT_P(state);
}

static bool
retention_bit(const VarBit *bits, int k)
{
	return (VARBITS(bits)[k / BITS_PER_BYTE] & (1 << (BITS_PER_BYTE - 1 - k % BITS_PER_BYTE))) != 0;
}

static TimestampTz
retention_period_start(TimestampTz origin, int64 period, int k, const char *fname)
{
	int64		offset;
	TimestampTz start;

	if (pg_mul_s64_overflow(period, k, &offset) || pg_add_s64_overflow(origin, offset, &start) ||
		TIMESTAMP_NOT_FINITE(start) || !IS_VALID_TIMESTAMP(start))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("%s: timestamp out of range", fname),
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
				 errmsg("period_lifecycle: origin and period must not be null")));
	origin = PG_GETARG_TIMESTAMPTZ(2);
	retention_check_origin(origin, "period_lifecycle");
	period = retention_period_usec(PG_GETARG_DATUM(3), "period_lifecycle");
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
		values[0] = TimestampTzGetDatum(retention_period_start(origin, period, k, "period_lifecycle"));
		values[1] = CStringGetTextDatum(status);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* ---------------------------------------------------------------------
 * cohort_retention: customers, and customers active per period
 * --------------------------------------------------------------------- */

#define COHORT_RETENTION_VERSION 1

typedef struct CohortRetention
{
	int32		vl_len_;
	uint8		version;
	uint8		flags;			/* reserved, 0 */
	int16		unused;
	int32		periods;		/* 1..RETENTION_MAX_PERIODS */
	int64		customers;
	int64		active[FLEXIBLE_ARRAY_MEMBER];	/* 0 <= active[k] <= customers */
} CohortRetention;

#define COHORT_RETENTION_SIZE(n) (offsetof(CohortRetention, active) + sizeof(int64) * (n))
#define PG_GETARG_COHORT_RETENTION_P(n) ((CohortRetention *) PG_DETOAST_DATUM(PG_GETARG_DATUM(n)))

static CohortRetention *
cohort_retention_alloc(int periods)
{
	CohortRetention *r = palloc0(COHORT_RETENTION_SIZE(periods));

	SET_VARSIZE(r, COHORT_RETENTION_SIZE(periods));
	r->version = COHORT_RETENTION_VERSION;
	r->periods = periods;
	return r;
}

static CohortRetention *
cohort_retention_copy(const CohortRetention *r)
{
	CohortRetention *copy = palloc(VARSIZE(r));

	memcpy(copy, r, VARSIZE(r));
	return copy;
}

/* Check every invariant; origin names the input path in the message. */
static void
cohort_retention_validate(const CohortRetention *r, const char *origin)
{
	int			k;
	const char *problem = NULL;

	if (r->version != COHORT_RETENTION_VERSION || r->flags != 0 || r->unused != 0)
		problem = "Unsupported format version or flags.";
	else if (r->periods < 1 || r->periods > RETENTION_MAX_PERIODS ||
			 VARSIZE(r) != COHORT_RETENTION_SIZE(r->periods))
		problem = "The number of periods does not match the value's length.";
	else if (r->customers < 0)
		problem = "The number of customers is negative.";
	else
		for (k = 0; k < r->periods; k++)
			if (r->active[k] < 0 || r->active[k] > r->customers)
			{
				problem = "An active count is negative or exceeds the number of customers.";
				break;
			}
	if (problem)
		ereport(ERROR,
				(errcode(strcmp(origin, "text") == 0 ? ERRCODE_INVALID_TEXT_REPRESENTATION
						 : ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid %s value for type cohort_retention", origin),
				 errdetail("%s", problem)));
}

/* Text form: customers=3 active=3,1,0 */
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
	PG_RETURN_CSTRING(buf.data);
}

static void
cohort_retention_syntax(const char *input, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type cohort_retention: \"%s\"", input),
			 errdetail("%s", detail),
			 errhint("The form is customers=N active=A0,A1,...")));
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
		if (*p == '\0')
			break;
		if (*p != ',')
			cohort_retention_syntax(input, "Counts must be separated by commas.");
		p++;
	}
	r = cohort_retention_alloc(n);
	r->customers = customers;
	memcpy(r->active, counts, sizeof(int64) * n);
	cohort_retention_validate(r, "text");
	PG_RETURN_POINTER(r);
}

/* Binary form: version, flags, periods, customers, the active counts. */
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
	CohortRetention *r;
	int			k;

	version = journey_recv_uint8(buf, what);
	flags = journey_recv_uint8(buf, what);
	periods = journey_recv_int32(buf, what);
	if (version != COHORT_RETENTION_VERSION || flags != 0 ||
		periods < 1 || periods > RETENTION_MAX_PERIODS ||
		(int64) (periods + 1) * 8 != buf->len - buf->cursor)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary value for type cohort_retention"),
				 errdetail("The version, flags or number of periods do not match the value.")));
	r = cohort_retention_alloc(periods);
	r->customers = journey_recv_int64(buf, what);
	for (k = 0; k < periods; k++)
		r->active[k] = journey_recv_int64(buf, what);
	journey_recv_done(buf, what);
	cohort_retention_validate(r, "binary");
	PG_RETURN_POINTER(r);
}

/*
 * retention_agg's transition: count one customer's bit string.  A NULL
 * bit string is skipped.  Updates the state in place when called as an
 * aggregate on a state it owns.
 */
PG_FUNCTION_INFO_V1(cohort_retention_add);
Datum
cohort_retention_add(PG_FUNCTION_ARGS)
{
	CohortRetention *r;
	VarBit	   *bits;
	int			n;
	int			k;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	bits = PG_GETARG_VARBIT_P(1);
	n = VARBITLEN(bits);
	if (n < 1 || n > RETENTION_MAX_PERIODS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("retention_agg: a bit string must have 1 to %d bits", RETENTION_MAX_PERIODS),
				 errdetail("It has %d.", n)));
	if (PG_ARGISNULL(0))
		r = cohort_retention_alloc(n);
	else
	{
		r = PG_GETARG_COHORT_RETENTION_P(0);
		if (!AggCheckCallContext(fcinfo, NULL) || (Pointer) r != DatumGetPointer(PG_GETARG_DATUM(0)))
			r = cohort_retention_copy(r);
		if (r->periods != n)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("retention_agg: every bit string must have the same length"),
					 errdetail("The value has %d periods, the bit string %d bits.", r->periods, n)));
	}
	if (r->customers == PG_INT64_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("retention_agg: too many customers")));
	r->customers++;
	for (k = 0; k < n; k++)
		if (retention_bit(bits, k))
			r->active[k]++;
	PG_RETURN_POINTER(r);
}

/* Merge: rollup's transition and retention_agg's combine function. */
PG_FUNCTION_INFO_V1(cohort_retention_merge);
Datum
cohort_retention_merge(PG_FUNCTION_ARGS)
{
	CohortRetention *r = PG_GETARG_COHORT_RETENTION_P(0);
	CohortRetention *other = PG_GETARG_COHORT_RETENTION_P(1);
	int			k;

	if (r->periods != other->periods)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot merge cohort_retention values with different numbers of periods"),
				 errdetail("One has %d periods, the other %d.", r->periods, other->periods)));
	if (!AggCheckCallContext(fcinfo, NULL) || (Pointer) r != DatumGetPointer(PG_GETARG_DATUM(0)))
		r = cohort_retention_copy(r);
	if (pg_add_s64_overflow(r->customers, other->customers, &r->customers))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("cohort_retention: too many customers")));
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
