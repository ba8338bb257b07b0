/*
 * ttfv.c — time_to_first_value(): per group (usually per customer), the
 * time from the earliest start event to the earliest value event at or
 * after it.
 *
 * Rows arrive in any order, so the earliest start is known only at the
 * end.  The state keeps the earliest start seen so far, the earliest value
 * event at or after it, and the value events seen before it (they count if
 * a still earlier start turns up).  When events arrive in time order, as
 * they mostly do, that list stays empty and the state is constant-size;
 * otherwise it holds only that group's value events.
 */
#include "journey.h"
#include "analysis.h"

#include "common/int.h"
#include "libpq/pqformat.h"

#define TTFV_SERIAL_VERSION 1

void
ttfv_state_init(TtfvState *state)
{
	memset(state, 0, sizeof(TtfvState));
	state->first_start = TTFV_NONE;
	state->first_value = TTFV_NONE;
}

static TtfvState *
ttfv_new_state(MemoryContext aggcontext)
{
	TtfvState  *state = MemoryContextAlloc(aggcontext, sizeof(TtfvState));

	ttfv_state_init(state);
	return state;
}

/* A start event: the earliest counts (also from journeys, src/timeline_analysis.c). */
void
ttfv_add_start(TtfvState *state, int64 ts)
{
	int			kept = 0;
	int			i;

	if (ts >= state->first_start)
		return;
	state->first_start = ts;
	/* value events the new start reaches move out of the pending list */
	for (i = 0; i < state->npending; i++)
	{
		int64		value = state->pending[i];

		if (value >= ts)
			state->first_value = Min(state->first_value, value);
		else
			state->pending[kept++] = value;
	}
	state->npending = kept;
}

/* A value event: the earliest at or after the earliest start counts. */
void
ttfv_add_value(TtfvState *state, int64 ts, MemoryContext aggcontext)
{
	if (ts >= state->first_start)
	{
		state->first_value = Min(state->first_value, ts);
		return;
	}
	if (state->npending == state->maxpending)
	{
		int			newmax = state->maxpending == 0 ? 8 : state->maxpending * 2;

		if ((Size) newmax * sizeof(int64) > MaxAllocSize)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many value events before the first start in one group of time_to_first_value"),
					 errhint("Leave out value events that cannot count, e.g. with FILTER.")));
		state->pending = state->pending == NULL
			? MemoryContextAlloc(aggcontext, newmax * sizeof(int64))
			: repalloc(state->pending, newmax * sizeof(int64));
		state->maxpending = newmax;
	}
	state->pending[state->npending++] = ts;
}

static inline TtfvState *
ttfv_state_arg(FunctionCallInfo fcinfo, MemoryContext aggcontext)
{
	return PG_ARGISNULL(0) ? ttfv_new_state(aggcontext) : (TtfvState *) PG_GETARG_POINTER(0);
}

/*
 * time_to_first_value(ts, is_start, is_value): rows with a NULL or
 * infinite ts are ignored, a NULL condition counts as false.  Also serves
 * timestamp (the same int64 microseconds).
 */
PG_FUNCTION_INFO_V1(ttfv_transfn);
Datum
ttfv_transfn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = journey_agg_context(fcinfo, "time_to_first_value");
	TtfvState  *state = ttfv_state_arg(fcinfo, aggcontext);

	if (!PG_ARGISNULL(1) && !TIMESTAMP_NOT_FINITE(PG_GETARG_INT64(1)))
	{
		int64		ts = PG_GETARG_INT64(1);

		if (!PG_ARGISNULL(2) && PG_GETARG_BOOL(2))
			ttfv_add_start(state, ts);
		if (!PG_ARGISNULL(3) && PG_GETARG_BOOL(3))
			ttfv_add_value(state, ts, aggcontext);
	}
	PG_RETURN_POINTER(state);
}

/*
 * time_to_first_value(ts, start_at, is_value): the start is a column; the
 * earliest finite start_at of the group counts, from any row.  A row is
 * a value event when its ts is finite and is_value is true.
 */
PG_FUNCTION_INFO_V1(ttfv_start_at_transfn);
Datum
ttfv_start_at_transfn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = journey_agg_context(fcinfo, "time_to_first_value");
	TtfvState  *state = ttfv_state_arg(fcinfo, aggcontext);

	if (!PG_ARGISNULL(2) && !TIMESTAMP_NOT_FINITE(PG_GETARG_INT64(2)))
		ttfv_add_start(state, PG_GETARG_INT64(2));
	if (!PG_ARGISNULL(1) && !TIMESTAMP_NOT_FINITE(PG_GETARG_INT64(1)) &&
		!PG_ARGISNULL(3) && PG_GETARG_BOOL(3))
		ttfv_add_value(state, PG_GETARG_INT64(1), aggcontext);
	PG_RETURN_POINTER(state);
}

/* Merge: the other state's start and its value events that still matter. */
PG_FUNCTION_INFO_V1(ttfv_combine);
Datum
ttfv_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = journey_agg_context(fcinfo, "time_to_first_value");
	TtfvState  *state;
	TtfvState  *other;
	int			i;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_POINTER(PG_GETARG_POINTER(0));
	}
	state = ttfv_state_arg(fcinfo, aggcontext);
	other = (TtfvState *) PG_GETARG_POINTER(1);
	if (other->first_start != TTFV_NONE)
		ttfv_add_start(state, other->first_start);
	if (other->first_value != TTFV_NONE)
		ttfv_add_value(state, other->first_value, aggcontext);
	for (i = 0; i < other->npending; i++)
		ttfv_add_value(state, other->pending[i], aggcontext);
	PG_RETURN_POINTER(state);
}

PG_FUNCTION_INFO_V1(ttfv_serialize);
Datum
ttfv_serialize(PG_FUNCTION_ARGS)
{
	TtfvState  *state = (TtfvState *) PG_GETARG_POINTER(0);
	StringInfoData buf;
	int			i;

	journey_agg_context(fcinfo, "ttfv_serialize");
	pq_begintypsend(&buf);
	pq_sendbyte(&buf, TTFV_SERIAL_VERSION);
	pq_sendint64(&buf, state->first_start);
	pq_sendint64(&buf, state->first_value);
	pq_sendint32(&buf, state->npending);
	for (i = 0; i < state->npending; i++)
		pq_sendint64(&buf, state->pending[i]);
	Assert(buf.len == VARHDRSZ + 1 + 8 + 8 + 4 + 8 * state->npending);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

static void
ttfv_corrupt(const char *detail)
{
	journey_invalid_value(JOURNEY_FROM_STATE, "time_to_first_value state", "%s", detail);
}

PG_FUNCTION_INFO_V1(ttfv_deserialize);
Datum
ttfv_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *data = PG_GETARG_BYTEA_PP(0);
	MemoryContext aggcontext = journey_agg_context(fcinfo, "ttfv_deserialize");
	StringInfoData buf;
	TtfvState  *state;
	int32		npending;
	int			version;
	int			i;

	journey_bytea_reader(&buf, data);
	version = journey_recv_uint8(&buf, "time_to_first_value state");
	if (version != TTFV_SERIAL_VERSION)
		journey_unsupported_version(JOURNEY_FROM_STATE, version, "time_to_first_value state");
	state = ttfv_new_state(aggcontext);
	state->first_start = journey_recv_int64(&buf, "time_to_first_value state");
	state->first_value = journey_recv_int64(&buf, "time_to_first_value state");
	npending = journey_recv_int32(&buf, "time_to_first_value state");
	if (npending < 0 || (int64) npending * 8 != buf.len - buf.cursor)
		ttfv_corrupt("The pending value count does not match the state's length.");
	if (state->first_value != TTFV_NONE &&
		(state->first_start == TTFV_NONE || state->first_value < state->first_start))
		ttfv_corrupt("The first value event precedes the first start.");
	if (npending > 0)
	{
		state->pending = MemoryContextAlloc(aggcontext, npending * sizeof(int64));
		state->maxpending = npending;
	}
	for (i = 0; i < npending; i++)
	{
		int64		value = journey_recv_int64(&buf, "time_to_first_value state");

		if (value >= state->first_start)
			ttfv_corrupt("A pending value event is not before the first start.");
		state->pending[state->npending++] = value;
	}
	journey_recv_done(&buf, "time_to_first_value state");
	PG_RETURN_POINTER(state);
}

/* The answer of a state, or NULL when it has none (shared with journeys). */
Interval *
ttfv_state_result(const TtfvState *state)
{
	int64		usec;

	if (state->first_start == TTFV_NONE || state->first_value == TTFV_NONE)
		return NULL;
	if (pg_sub_s64_overflow(state->first_value, state->first_start, &usec))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("interval out of range")));
	return journey_usec_to_interval(usec);
}

PG_FUNCTION_INFO_V1(ttfv_final);
Datum
ttfv_final(PG_FUNCTION_ARGS)
{
	Interval   *result;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	result = ttfv_state_result((TtfvState *) PG_GETARG_POINTER(0));
	if (result == NULL)
		PG_RETURN_NULL();
	PG_RETURN_INTERVAL_P(result);
}
