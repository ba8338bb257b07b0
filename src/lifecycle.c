/*
 * lifecycle.c — lifecycle_stage() and lifecycle_status(): per group
 * (usually per customer), where the customer stands as of a given instant.
 *
 * Definitions (A = earliest activation at or before as_of; a use counts
 * when A <= ts <= as_of; L = the last such use; d = dormant_after,
 * c = churned_after; the "active window" is (as_of - d, as_of]):
 *
 *   prospect          no activation at or before as_of
 *   activated_unused  activated, no use at or after the activation
 *   active            L in the active window (as_of - L < d)
 *   resurrected       active, and the first use in the active window came
 *                     more than d after the use before it (a gap longer
 *                     than d: the customer had been dormant)
 *   dormant           d <= as_of - L < c
 *   churned           as_of - L >= c
 *
 * Rows arrive in any order and the activation that counts is known only at
 * the end, yet the state is constant-size: because the window and as_of
 * are fixed per group, the stage needs only A, the last use overall, the
 * last use at or before the window start and the first use inside the
 * window (the latter two count only when they are >= A, decided at the
 * end; a use inside the window is >= A whenever a use before the window
 * is).  Intervals count a month as 30 days (journey_interval_to_usec).
 */
#include "journey.h"
#include "analysis.h"

#include "access/htup_details.h"
#include "catalog/pg_enum.h"
#include "catalog/pg_type.h"
#include "common/int.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#define LIFECYCLE_SERIAL_VERSION 1
#define LC_NONE_MIN PG_INT64_MAX	/* no value yet, for minima */
#define LC_NONE_MAX PG_INT64_MIN	/* no value yet, for maxima */

typedef enum LifecycleStage
{
	LC_PROSPECT,
	LC_ACTIVATED_UNUSED,
	LC_ACTIVE,
	LC_RESURRECTED,
	LC_DORMANT,
	LC_CHURNED,
	LC_NSTAGES
} LifecycleStage;

static const char *const lifecycle_labels[LC_NSTAGES] = {
	"prospect", "activated_unused", "active", "resurrected", "dormant", "churned"
};

/* The stage, and the instants lifecycle_status reports. */
typedef struct LifecycleResult
{
	LifecycleStage stage;
	bool		has_since;
	int64		since;
} LifecycleResult;

static int64
lifecycle_sub_clamped(int64 a, int64 b)
{
	int64		r;

	if (pg_sub_s64_overflow(a, b, &r))
		return b > 0 ? PG_INT64_MIN : PG_INT64_MAX;
	return r;
}

/*
 * Read and check as_of, dormant_after and churned_after (arguments
 * argno..argno+2: 4..6 for the aggregates, 3..5 for journeys).
 */
static void
lifecycle_read_params(FunctionCallInfo fcinfo, int argno, int64 *as_of, int64 *dormant, int64 *churned)
{
	if (PG_ARGISNULL(argno) || PG_ARGISNULL(argno + 1) || PG_ARGISNULL(argno + 2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("as_of, dormant_after and churned_after must not be null")));
	*as_of = PG_GETARG_TIMESTAMPTZ(argno);
	if (TIMESTAMP_NOT_FINITE(*as_of))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("as_of must be a finite timestamp")));
	*dormant = journey_interval_to_usec(PG_GETARG_INTERVAL_P(argno + 1), "dormant_after");
	*churned = journey_interval_to_usec(PG_GETARG_INTERVAL_P(argno + 2), "churned_after");
	if (*dormant <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dormant_after must be positive"),
				 errdetail("dormant_after is %s.",
						   DatumGetCString(DirectFunctionCall1(interval_out, PG_GETARG_DATUM(argno + 1))))));
	if (*churned <= *dormant)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("churned_after must be longer than dormant_after"),
				 errdetail("dormant_after is %s, churned_after is %s.",
						   DatumGetCString(DirectFunctionCall1(interval_out, PG_GETARG_DATUM(argno + 1))),
						   DatumGetCString(DirectFunctionCall1(interval_out, PG_GETARG_DATUM(argno + 2)))),
				 errhint("A month counts as 30 days.")));
}

static const char *
lifecycle_usec_text(int64 usec)
{
	return DatumGetCString(DirectFunctionCall1(interval_out,
											   IntervalPGetDatum(journey_usec_to_interval(usec))));
}

/*
 * Raise the error for a row (or partial state) whose parameters differ
 * from the group's, naming the first that differs and both its values.
 */
static void
lifecycle_check_params(const LifecycleState *state, int64 as_of, int64 dormant, int64 churned)
{
	const char *name;
	const char *group_value;
	const char *row_value;

	if (as_of != state->as_of)
	{
		name = "as_of";
		group_value = DatumGetCString(DirectFunctionCall1(timestamptz_out, TimestampTzGetDatum(state->as_of)));
		row_value = DatumGetCString(DirectFunctionCall1(timestamptz_out, TimestampTzGetDatum(as_of)));
	}
	else if (dormant != state->dormant)
	{
		name = "dormant_after";
		group_value = lifecycle_usec_text(state->dormant);
		row_value = lifecycle_usec_text(dormant);
	}
	else if (churned != state->churned)
	{
		name = "churned_after";
		group_value = lifecycle_usec_text(state->churned);
		row_value = lifecycle_usec_text(churned);
	}
	else
		return;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("as_of, dormant_after and churned_after must be the same on every row of a group"),
			 errdetail("The group has %s %s, a row %s.", name, group_value, row_value),
			 errhint("Pass constants, or columns that are constant per customer.")));
}

/* A state for the parameters in arguments argno..argno+2, no events yet. */
void
lifecycle_state_init(FunctionCallInfo fcinfo, int argno, LifecycleState *state)
{
	int64		as_of,
				dormant,
				churned;

	lifecycle_read_params(fcinfo, argno, &as_of, &dormant, &churned);
	state->as_of = as_of;
	state->dormant = dormant;
	state->churned = churned;
	state->window_start = lifecycle_sub_clamped(as_of, dormant);
	state->activation = LC_NONE_MIN;
	state->last_use = LC_NONE_MAX;
	state->before_window = LC_NONE_MAX;
	state->window_first = LC_NONE_MIN;
}

/* An activation at ts (finite); after as_of it counts for nothing. */
void
lifecycle_add_activation(LifecycleState *state, int64 ts)
{
	if (ts <= state->as_of && ts < state->activation)
		state->activation = ts;
}

/* A use at ts (finite); after as_of it counts for nothing. */
void
lifecycle_add_use(LifecycleState *state, int64 ts)
{
	if (ts > state->as_of)
		return;
	if (ts > state->last_use)
		state->last_use = ts;
	if (ts <= state->window_start)
	{
		if (ts > state->before_window)
			state->before_window = ts;
	}
	else if (ts < state->window_first)
		state->window_first = ts;
}

/*
 * lifecycle_stage(ts, is_activation, is_use, as_of, dormant_after,
 * churned_after): rows with a NULL or infinite ts, or after as_of, count
 * for nothing (but the customer is still there: a prospect); a NULL
 * condition counts as false.  NULL or invalid parameters are an error.
 */
PG_FUNCTION_INFO_V1(lifecycle_transfn);
Datum
lifecycle_transfn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = journey_agg_context(fcinfo, "lifecycle_stage");
	LifecycleState *state;
	int64		as_of,
				dormant,
				churned;
	int64		ts;

	if (PG_ARGISNULL(0))
	{
		state = MemoryContextAlloc(aggcontext, sizeof(LifecycleState));
		lifecycle_state_init(fcinfo, 4, state);
	}
	else
	{
		state = (LifecycleState *) PG_GETARG_POINTER(0);
		/* cheap check that the parameters did not change */
		if (PG_ARGISNULL(4) || PG_ARGISNULL(5) || PG_ARGISNULL(6))
			lifecycle_read_params(fcinfo, 4, &as_of, &dormant, &churned);	/* raises */
		lifecycle_check_params(state, PG_GETARG_TIMESTAMPTZ(4),
							   journey_interval_to_usec(PG_GETARG_INTERVAL_P(5), "dormant_after"),
							   journey_interval_to_usec(PG_GETARG_INTERVAL_P(6), "churned_after"));
	}

	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(state);
	ts = PG_GETARG_TIMESTAMPTZ(1);
	if (TIMESTAMP_NOT_FINITE(ts) || ts > state->as_of)
		PG_RETURN_POINTER(state);
	if (!PG_ARGISNULL(2) && PG_GETARG_BOOL(2))
		lifecycle_add_activation(state, ts);
	if (!PG_ARGISNULL(3) && PG_GETARG_BOOL(3))
		lifecycle_add_use(state, ts);
	PG_RETURN_POINTER(state);
}

PG_FUNCTION_INFO_V1(lifecycle_combine);
Datum
lifecycle_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = journey_agg_context(fcinfo, "lifecycle_stage");
	LifecycleState *state;
	LifecycleState *other;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_POINTER(PG_GETARG_POINTER(0));
	}
	other = (LifecycleState *) PG_GETARG_POINTER(1);
	if (PG_ARGISNULL(0))
	{
		state = MemoryContextAlloc(aggcontext, sizeof(LifecycleState));
		memcpy(state, other, sizeof(LifecycleState));
		PG_RETURN_POINTER(state);
	}
	state = (LifecycleState *) PG_GETARG_POINTER(0);
	lifecycle_check_params(state, other->as_of, other->dormant, other->churned);
	state->activation = Min(state->activation, other->activation);
	state->last_use = Max(state->last_use, other->last_use);
	state->before_window = Max(state->before_window, other->before_window);
	state->window_first = Min(state->window_first, other->window_first);
	PG_RETURN_POINTER(state);
}

PG_FUNCTION_INFO_V1(lifecycle_serialize);
Datum
lifecycle_serialize(PG_FUNCTION_ARGS)
{
	LifecycleState *state = (LifecycleState *) PG_GETARG_POINTER(0);
	StringInfoData buf;

	journey_agg_context(fcinfo, "lifecycle_serialize");
	pq_begintypsend(&buf);
	pq_sendbyte(&buf, LIFECYCLE_SERIAL_VERSION);
	pq_sendint64(&buf, state->as_of);
	pq_sendint64(&buf, state->dormant);
	pq_sendint64(&buf, state->churned);
	pq_sendint64(&buf, state->activation);
	pq_sendint64(&buf, state->last_use);
	pq_sendint64(&buf, state->before_window);
	pq_sendint64(&buf, state->window_first);
	Assert(buf.len == VARHDRSZ + 1 + 7 * 8);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

static void
lifecycle_corrupt(const char *detail)
{
	journey_invalid_value(JOURNEY_FROM_STATE, "lifecycle_stage state", "%s", detail);
}

PG_FUNCTION_INFO_V1(lifecycle_deserialize);
Datum
lifecycle_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *data = PG_GETARG_BYTEA_PP(0);
	MemoryContext aggcontext = journey_agg_context(fcinfo, "lifecycle_deserialize");
	const char *what = "lifecycle_stage state";
	StringInfoData buf;
	LifecycleState s;
	LifecycleState *state;

	int			version;

	journey_bytea_reader(&buf, data);
	version = journey_recv_uint8(&buf, what);
	if (version != LIFECYCLE_SERIAL_VERSION)
		journey_unsupported_version(JOURNEY_FROM_STATE, version, what);
	s.as_of = journey_recv_int64(&buf, what);
	s.dormant = journey_recv_int64(&buf, what);
	s.churned = journey_recv_int64(&buf, what);
	s.activation = journey_recv_int64(&buf, what);
	s.last_use = journey_recv_int64(&buf, what);
	s.before_window = journey_recv_int64(&buf, what);
	s.window_first = journey_recv_int64(&buf, what);
	journey_recv_done(&buf, what);

	if (TIMESTAMP_NOT_FINITE(s.as_of) || s.dormant <= 0 || s.churned <= s.dormant)
		lifecycle_corrupt("The parameters are invalid.");
	s.window_start = lifecycle_sub_clamped(s.as_of, s.dormant);
	if (s.activation != LC_NONE_MIN && (s.activation > s.as_of || TIMESTAMP_NOT_FINITE(s.activation)))
		lifecycle_corrupt("The activation is after as_of.");
	if (s.last_use != LC_NONE_MAX && (s.last_use > s.as_of || TIMESTAMP_NOT_FINITE(s.last_use)))
		lifecycle_corrupt("The last use is after as_of.");
	if (s.last_use > s.window_start)
	{
		/* a use in the window: the first one is there, not after the last */
		if (s.window_first <= s.window_start || s.window_first > s.last_use)
			lifecycle_corrupt("The first use in the window is inconsistent.");
		if (s.before_window != LC_NONE_MAX &&
			(s.before_window > s.window_start || TIMESTAMP_NOT_FINITE(s.before_window)))
			lifecycle_corrupt("The last use before the window is inconsistent.");
	}
	else if (s.window_first != LC_NONE_MIN || s.before_window != s.last_use)
		lifecycle_corrupt("The uses are inconsistent with the window.");

	state = MemoryContextAlloc(aggcontext, sizeof(LifecycleState));
	memcpy(state, &s, sizeof(LifecycleState));
	PG_RETURN_POINTER(state);
}

/* The definitions at the top of the file. */
static LifecycleResult
lifecycle_evaluate(const LifecycleState *s)
{
	LifecycleResult r = {LC_PROSPECT, false, 0};

	if (s->activation == LC_NONE_MIN)
		return r;
	if (s->last_use == LC_NONE_MAX || s->last_use < s->activation)
	{
		r.stage = LC_ACTIVATED_UNUSED;
		r.has_since = true;
		r.since = s->activation;
		return r;
	}
	if (s->last_use > s->window_start)
	{
		r.stage = LC_ACTIVE;
		if (s->before_window != LC_NONE_MAX && s->before_window >= s->activation &&
			lifecycle_sub_clamped(s->window_first, s->before_window) > s->dormant)
		{
			r.stage = LC_RESURRECTED;
			r.has_since = true;
			r.since = s->window_first;
		}
		return r;
	}
	/* as_of - last_use >= d here, and last_use + d <= as_of cannot overflow */
	r.has_since = true;
	if (lifecycle_sub_clamped(s->as_of, s->last_use) < s->churned)
	{
		r.stage = LC_DORMANT;
		r.since = s->last_use + s->dormant;
	}
	else
	{
		r.stage = LC_CHURNED;
		r.since = s->last_use + s->churned;
	}
	return r;
}

/*
 * The OIDs of the labels of lifecycle_stage, in the schema of the calling
 * function (the extension's schema), allocated in cxt: callers look them
 * up once per call site.
 */
Oid *
lifecycle_stage_oids(FunctionCallInfo fcinfo, MemoryContext cxt)
{
	Oid		   *oids;
	Oid			nsp;
	Oid			typoid;
	int			i;

	nsp = get_func_namespace(fcinfo->flinfo->fn_oid);
	typoid = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
							 CStringGetDatum("lifecycle_stage"), ObjectIdGetDatum(nsp));
	if (!OidIsValid(typoid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("type lifecycle_stage does not exist in the schema of journey")));
	oids = MemoryContextAlloc(cxt, sizeof(Oid) * LC_NSTAGES);
	for (i = 0; i < LC_NSTAGES; i++)
	{
		oids[i] = GetSysCacheOid2(ENUMTYPOIDNAME, Anum_pg_enum_oid,
								  ObjectIdGetDatum(typoid), CStringGetDatum(lifecycle_labels[i]));
		if (!OidIsValid(oids[i]))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("label %s of type lifecycle_stage does not exist", lifecycle_labels[i])));
	}
	return oids;
}

/* The stage labels' OIDs, cached in fn_extra (the final functions). */
static Oid *
lifecycle_label_oids(FunctionCallInfo fcinfo)
{
	if (fcinfo->flinfo->fn_extra == NULL)
		fcinfo->flinfo->fn_extra = lifecycle_stage_oids(fcinfo, fcinfo->flinfo->fn_mcxt);
	return (Oid *) fcinfo->flinfo->fn_extra;
}

/* lifecycle_stage's answer for a state (shared with journeys). */
Datum
lifecycle_stage_datum(const LifecycleState *state, const Oid *oids)
{
	return ObjectIdGetDatum(oids[lifecycle_evaluate(state).stage]);
}

/* lifecycle_status's answer, (stage, since, activated_at, last_use_at). */
Datum
lifecycle_status_datum(const LifecycleState *s, const Oid *oids, TupleDesc tupdesc)
{
	LifecycleResult r = lifecycle_evaluate(s);
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};

	values[0] = ObjectIdGetDatum(oids[r.stage]);
	values[1] = TimestampTzGetDatum(r.since);
	nulls[1] = !r.has_since;
	values[2] = TimestampTzGetDatum(s->activation);
	nulls[2] = s->activation == LC_NONE_MIN;
	values[3] = TimestampTzGetDatum(s->last_use);
	nulls[3] = nulls[2] || s->last_use == LC_NONE_MAX || s->last_use < s->activation;
	return HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls));
}

PG_FUNCTION_INFO_V1(lifecycle_stage_final);
Datum
lifecycle_stage_final(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	PG_RETURN_DATUM(lifecycle_stage_datum((LifecycleState *) PG_GETARG_POINTER(0),
										  lifecycle_label_oids(fcinfo)));
}

/* lifecycle_status: (stage, since, activated_at, last_use_at) */
PG_FUNCTION_INFO_V1(lifecycle_status_final);
Datum
lifecycle_status_final(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	tupdesc = BlessTupleDesc(tupdesc);
	PG_RETURN_DATUM(lifecycle_status_datum((LifecycleState *) PG_GETARG_POINTER(0),
										   lifecycle_label_oids(fcinfo), tupdesc));
}
