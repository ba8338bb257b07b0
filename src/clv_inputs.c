/*
 * clv_inputs.c — clv_inputs(ts, amount, observation_end, period): a
 * customer's transactions summarized into the BG/NBD / Gamma-Gamma inputs
 * (frequency, recency, t, monetary), as the `lifetimes` library's
 * summary_data_from_transaction_data defines them, with periods anchored
 * on the customer's first purchase:
 *
 *   period index of a purchase = floor((ts - first purchase) / period)
 *   frequency = number of distinct period indices - 1 (repeat periods)
 *   recency   = largest period index (0 without repeat purchases)
 *   t         = floor((observation_end - first purchase) / period)
 *   monetary  = sum of the amounts outside period 0 / frequency (0 if none)
 *
 * Purchases in the same period are one purchase with the amounts summed.
 * Rows after observation_end are ignored; rows with a NULL ts or amount
 * are ignored.  The state (internal, per customer) keeps each row's
 * timestamp and exact amount; the final function sorts them once.
 */
#include "journey.h"
#include "analysis.h"
#include "decimal.h"

#include "access/htup_details.h"
#include "common/int.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/numeric.h"

#define CLV_INPUTS_VERSION 1

typedef struct ClvTxn
{
	int64		ts;
	JDecimal	amount;
} ClvTxn;

typedef struct ClvInputsState
{
	TimestampTz obs_end;
	int64		period;			/* microseconds, > 0 */
	int32		n;
	int32		cap;
	ClvTxn	   *rows;
} ClvInputsState;

#define CLV_INPUTS_MAX_ROWS ((int32) (MaxAllocSize / sizeof(ClvTxn)))

static ClvInputsState *
clv_inputs_new(MemoryContext cxt, TimestampTz obs_end, int64 period)
{
	ClvInputsState *s = MemoryContextAllocZero(cxt, sizeof(ClvInputsState));

	s->obs_end = obs_end;
	s->period = period;
	return s;
}

static void
clv_inputs_push(MemoryContext cxt, ClvInputsState *s, int64 ts, const JDecimal *amount)
{
	if (s->n >= s->cap)
	{
		int32		newcap = s->cap == 0 ? 8 : (s->cap >= CLV_INPUTS_MAX_ROWS / 2 ? CLV_INPUTS_MAX_ROWS : s->cap * 2);

		if (s->n >= CLV_INPUTS_MAX_ROWS)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("clv_inputs holds at most %d transactions per customer", CLV_INPUTS_MAX_ROWS)));
		s->rows = s->rows == NULL ?
			MemoryContextAlloc(cxt, sizeof(ClvTxn) * newcap) :
			repalloc(s->rows, sizeof(ClvTxn) * newcap);
		s->cap = newcap;
	}
	s->rows[s->n].ts = ts;
	s->rows[s->n].amount = *amount;
	s->n++;
}

static void
clv_inputs_mismatch(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("clv_inputs needs the same observation_end and period on every row of a customer"),
			 errhint("Pass constants, e.g. clv_inputs(ts, amount, '1997-09-30', '1 day').")));
}

/*
 * observation_end and period from arguments argno and argno+1: NULL or an
 * infinite observation_end is an error, and so is a period that is not
 * positive (read only when period is not NULL).  Shared with journeys.
 */
void
clv_inputs_read_params(FunctionCallInfo fcinfo, int argno, TimestampTz *obs_end, int64 *period)
{
	if (PG_ARGISNULL(argno) || PG_ARGISNULL(argno + 1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("observation_end and period of clv_inputs must not be NULL")));
	*obs_end = PG_GETARG_TIMESTAMPTZ(argno);
	if (TIMESTAMP_NOT_FINITE(*obs_end))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("observation_end must be finite")));
	if (period == NULL)
		return;
	*period = journey_interval_to_usec(PG_GETARG_INTERVAL_P(argno + 1), "period");
	if (*period <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("period must be positive"),
				 errhint("Use e.g. '1 day' or '7 days'.")));
}

/*
 * Transition: one transaction.  A NULL observation_end or period is an
 * error; a NULL ts or amount, or a ts after observation_end, skips the row.
 */
PG_FUNCTION_INFO_V1(clv_inputs_add);
Datum
clv_inputs_add(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = journey_agg_context(fcinfo, "clv_inputs");
	ClvInputsState *s = PG_ARGISNULL(0) ? NULL : (ClvInputsState *) PG_GETARG_POINTER(0);
	TimestampTz obs_end;
	int64		period;
	TimestampTz ts;
	JDecimal	amount;

	clv_inputs_read_params(fcinfo, 3, &obs_end, s == NULL ? &period : NULL);
	if (s == NULL)
		s = clv_inputs_new(cxt, obs_end, period);
	else if (s->obs_end != obs_end ||
			 s->period != journey_interval_to_usec(PG_GETARG_INTERVAL_P(4), "period"))
		clv_inputs_mismatch();

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_POINTER(s);
	ts = PG_GETARG_TIMESTAMPTZ(1);
	if (TIMESTAMP_NOT_FINITE(ts))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("transaction timestamps must be finite")));
	if (ts > obs_end)
		PG_RETURN_POINTER(s);
	jdec_from_numeric(&amount, PG_GETARG_DATUM(2), "amount");
	clv_inputs_push(cxt, s, ts, &amount);
	PG_RETURN_POINTER(s);
}

/* combine: append the other customer-part's rows (not strict: internal state) */
PG_FUNCTION_INFO_V1(clv_inputs_combine);
Datum
clv_inputs_combine(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = journey_agg_context(fcinfo, "clv_inputs_combine");
	ClvInputsState *a = PG_ARGISNULL(0) ? NULL : (ClvInputsState *) PG_GETARG_POINTER(0);
	ClvInputsState *b = PG_ARGISNULL(1) ? NULL : (ClvInputsState *) PG_GETARG_POINTER(1);
	int			i;

	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	if (a == NULL)
		a = clv_inputs_new(cxt, b->obs_end, b->period);
	else if (a->obs_end != b->obs_end || a->period != b->period)
		clv_inputs_mismatch();
	for (i = 0; i < b->n; i++)
		clv_inputs_push(cxt, a, b->rows[i].ts, &b->rows[i].amount);
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(clv_inputs_serialize);
Datum
clv_inputs_serialize(PG_FUNCTION_ARGS)
{
	ClvInputsState *s = (ClvInputsState *) PG_GETARG_POINTER(0);
	StringInfoData buf;
	int			i;

	journey_agg_context(fcinfo, "clv_inputs_serialize");
	pq_begintypsend(&buf);
	pq_sendbyte(&buf, CLV_INPUTS_VERSION);
	pq_sendint64(&buf, s->obs_end);
	pq_sendint64(&buf, s->period);
	pq_sendint32(&buf, s->n);
	for (i = 0; i < s->n; i++)
	{
		pq_sendint64(&buf, s->rows[i].ts);
		jdec_send(&buf, &s->rows[i].amount);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

static void
clv_inputs_bad_state(const char *detail)
{
	journey_invalid_value(JOURNEY_FROM_STATE, "clv_inputs", "%s", detail);
}

PG_FUNCTION_INFO_V1(clv_inputs_deserialize);
Datum
clv_inputs_deserialize(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = journey_agg_context(fcinfo, "clv_inputs_deserialize");
	bytea	   *bytes = PG_GETARG_BYTEA_PP(0);
	StringInfoData buf;
	ClvInputsState *s;
	int			version;
	TimestampTz obs_end;
	int64		period;
	int32		n,
				i;

	journey_bytea_reader(&buf, bytes);
	version = journey_recv_uint8(&buf, "clv_inputs state");
	if (version != CLV_INPUTS_VERSION)
		journey_unsupported_version(JOURNEY_FROM_STATE, version, "clv_inputs state");
	obs_end = journey_recv_int64(&buf, "clv_inputs state");
	period = journey_recv_int64(&buf, "clv_inputs state");
	n = journey_recv_int32(&buf, "clv_inputs state");
	if (TIMESTAMP_NOT_FINITE(obs_end) || period <= 0)
		clv_inputs_bad_state("observation_end must be finite and period positive.");
	if (n < 0 || n > CLV_INPUTS_MAX_ROWS ||
		(Size) n * (8 + JDEC_BINARY_SIZE) != (Size) (buf.len - buf.cursor))
		clv_inputs_bad_state(psprintf("The row count %d does not match the state's length.", n));
	s = clv_inputs_new(cxt, obs_end, period);
	for (i = 0; i < n; i++)
	{
		JDecimal	amount;
		int64		ts = journey_recv_int64(&buf, "clv_inputs state");

		jdec_recv(&buf, &amount, "clv_inputs state", JOURNEY_FROM_STATE);
		if (TIMESTAMP_NOT_FINITE(ts) || ts > obs_end)
			clv_inputs_bad_state("A transaction lies after observation_end.");
		clv_inputs_push(cxt, s, ts, &amount);
	}
	journey_recv_done(&buf, "clv_inputs state");
	PG_RETURN_POINTER(s);
}

static int
clv_txn_cmp(const void *pa, const void *pb)
{
	int64		a = ((const ClvTxn *) pa)->ts,
				b = ((const ClvTxn *) pb)->ts;

	return a < b ? -1 : a > b;
}

/* ---------------------------------------------------------------------
 * The computation over a customer's purchases in time order, shared by
 * the aggregate's final function and clv_inputs(journey, ...).
 */
void
clv_accum_init(ClvAccum *acc, TimestampTz obs_end, int64 period)
{
	acc->obs_end = obs_end;
	acc->period = period;
	acc->first = 0;
	acc->last_k = -1;
	acc->periods = 0;
	jdec_zero(&acc->total);
	jdec_zero(&acc->first_period);
}

/* One purchase, at or after the previous one and at or before obs_end. */
void
clv_accum_add(ClvAccum *acc, int64 ts, const JDecimal *amount)
{
	int64		span,
				k;

	if (acc->periods == 0)
		acc->first = ts;
	if (pg_sub_s64_overflow(ts, acc->first, &span))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamps too far apart")));
	k = span / acc->period;
	if (k != acc->last_k)
	{
		acc->periods++;
		acc->last_k = k;
	}
	jdec_add(&acc->total, amount);
	if (k == 0)
		jdec_add(&acc->first_period, amount);
}

/*
 * The row (frequency, recency, t, monetary) of tupdesc (blessed) into
 * *result; false when there was no purchase (the answer is NULL).
 */
bool
clv_accum_result(const ClvAccum *acc, TupleDesc tupdesc, Datum *result)
{
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};
	int64		span;

	if (acc->periods == 0)
		return false;
	if (pg_sub_s64_overflow(acc->obs_end, acc->first, &span))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamps too far apart")));
	values[0] = Int32GetDatum(acc->periods - 1);
	values[1] = Float8GetDatum((double) acc->last_k);
	values[2] = Float8GetDatum((double) (span / acc->period));
	if (acc->periods > 1)
	{
		JDecimal	repeat_total = acc->total;
		Datum		repeat;

		jdec_sub(&repeat_total, &acc->first_period);
		repeat = DirectFunctionCall2(numeric_div, jdec_to_numeric(&repeat_total),
									 NumericGetDatum(int64_to_numeric(acc->periods - 1)));
		values[3] = DirectFunctionCall1(numeric_trim_scale, repeat);
	}
	else
		values[3] = NumericGetDatum(int64_to_numeric(0));
	*result = HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls));
	return true;
}

/*
 * Final: the composite (frequency, recency, t, monetary); NULL when the
 * customer has no purchase up to observation_end.  Sorts the rows in
 * place (their order carries no meaning).
 */
PG_FUNCTION_INFO_V1(clv_inputs_final);
Datum
clv_inputs_final(PG_FUNCTION_ARGS)
{
	ClvInputsState *s = PG_ARGISNULL(0) ? NULL : (ClvInputsState *) PG_GETARG_POINTER(0);
	TupleDesc	tupdesc;
	ClvAccum	acc;
	Datum		result;
	int			i;

	journey_agg_context(fcinfo, "clv_inputs");
	if (s == NULL || s->n == 0)
		PG_RETURN_NULL();
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "clv_inputs must return a composite type");
	tupdesc = BlessTupleDesc(tupdesc);

	qsort(s->rows, s->n, sizeof(ClvTxn), clv_txn_cmp);
	clv_accum_init(&acc, s->obs_end, s->period);
	for (i = 0; i < s->n; i++)
		clv_accum_add(&acc, s->rows[i].ts, &s->rows[i].amount);
	if (!clv_accum_result(&acc, tupdesc, &result))
		PG_RETURN_NULL();
	PG_RETURN_DATUM(result);
}
