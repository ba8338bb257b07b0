/*
 * analysis.h — the cores of the per-customer analyses, shared by the row
 * aggregates (src/ttfv.c, src/lifecycle.c, src/retention.c,
 * src/clv_inputs.c) and their forms over stored journeys
 * (src/timeline_analysis.c), so that both compute with one function.
 *
 * Each core is a small state fed with events (in any order for ttfv,
 * lifecycle, retention and active_periods; in time order for clv_inputs)
 * and a function that turns it into the answer.  The windowFunnel search
 * is shared the same way through src/funnel.h.
 */
#ifndef JOURNEY_ANALYSIS_H
#define JOURNEY_ANALYSIS_H

#include "journey.h"
#include "decimal.h"

#include "access/tupdesc.h"
#include "utils/array.h"
#include "utils/timestamp.h"
#include "utils/varbit.h"

/* ---------------------------------------------------------------------
 * time_to_first_value (src/ttfv.c)
 */
#define TTFV_NONE PG_INT64_MAX	/* no start / no value event yet */

typedef struct TtfvState
{
	int64		first_start;	/* earliest start, TTFV_NONE if none */
	int64		first_value;	/* earliest value event >= first_start */
	int32		npending;		/* value events < first_start ... */
	int32		maxpending;
	int64	   *pending;		/* ... kept in case an earlier start comes */
} TtfvState;

extern void ttfv_state_init(TtfvState *state);
extern void ttfv_add_start(TtfvState *state, int64 ts);
/* a value event; one before the first start so far is kept in cxt */
extern void ttfv_add_value(TtfvState *state, int64 ts, MemoryContext cxt);
/* the answer: the interval, or NULL (no start, or no value event after it) */
extern Interval *ttfv_state_result(const TtfvState *state);

/* ---------------------------------------------------------------------
 * lifecycle_stage / lifecycle_status (src/lifecycle.c)
 */
typedef struct LifecycleState
{
	int64		as_of;
	int64		dormant;		/* d in microseconds, > 0 */
	int64		churned;		/* c in microseconds, > d */
	int64		window_start;	/* as_of - d, clamped at INT64_MIN */
	int64		activation;		/* min activation <= as_of, or LC_NONE_MIN */
	int64		last_use;		/* max use <= as_of, or LC_NONE_MAX */
	int64		before_window;	/* max use <= window_start, or LC_NONE_MAX */
	int64		window_first;	/* min use in the window, or LC_NONE_MIN */
} LifecycleState;

/*
 * Read and check as_of, dormant_after and churned_after from arguments
 * argno..argno+2 (NULL or invalid: the aggregates' errors), and start a
 * state with them.
 */
extern void lifecycle_state_init(FunctionCallInfo fcinfo, int argno, LifecycleState *state);
/* an activation / a use at ts (finite); events after as_of count for nothing */
extern void lifecycle_add_activation(LifecycleState *state, int64 ts);
extern void lifecycle_add_use(LifecycleState *state, int64 ts);

/*
 * The answers: lifecycle_stage's enum value and lifecycle_status's row.
 * oids: lifecycle_stage_oids() of the calling function, cached by the
 * caller; tupdesc: the blessed descriptor of lifecycle_status.
 */
extern Oid *lifecycle_stage_oids(FunctionCallInfo fcinfo, MemoryContext cxt);
extern Datum lifecycle_stage_datum(const LifecycleState *state, const Oid *oids);
extern Datum lifecycle_status_datum(const LifecycleState *state, const Oid *oids, TupleDesc tupdesc);

/* ---------------------------------------------------------------------
 * retention and active_periods (src/retention.c)
 */
#define RETENTION_MAX_CONDS 32
#define RETENTION_MAX_PERIODS 10000

/* the error for a number of conditions out of 1..RETENTION_MAX_CONDS */
extern void retention_check_nconds(int n, int ndim);
/* ClickHouse's answer from the conditions met by some event (bit i-1: i) */
extern ArrayType *retention_result(int n, uint64 seen);

typedef struct ActivePeriodsParams
{
	TimestampTz origin;
	int64		period_usec;
	int32		periods;
	int32		observed;		/* periods ending at or before as_of (<= periods) */
	TimestampTz as_of;			/* DT_NOEND when not given */
} ActivePeriodsParams;

/*
 * origin, period, periods from arguments argno..argno+2, checked (as_of
 * infinity: every period observed)
 */
extern void active_periods_read_params(FunctionCallInfo fcinfo, int argno, ActivePeriodsParams *params);
/* the error when a row's parameters (params) differ from the group's */
extern void active_periods_check_same(const ActivePeriodsParams *group, const ActivePeriodsParams *params);
/* as_of from argument argno (NULL: an error) and the periods it observes */
extern void active_periods_read_as_of(FunctionCallInfo fcinfo, int argno, ActivePeriodsParams *params);
/* the number of periods k < periods with origin + (k+1)*period <= as_of */
extern int32 active_periods_observed(TimestampTz origin, int64 period_usec, int32 periods, TimestampTz as_of);
/* set bit k of bits when ts falls in period k (0 <= k < periods) */
extern void active_periods_set(bits8 *bits, const ActivePeriodsParams *params, TimestampTz ts);
/* a bit string of the first n (>= 0) bits of bits */
extern VarBit *retention_bits_prefix(const bits8 *bits, int n);

/* ---------------------------------------------------------------------
 * clv_inputs (src/clv_inputs.c)
 */

/* observation_end and period from arguments argno, argno+1, checked */
extern void clv_inputs_read_params(FunctionCallInfo fcinfo, int argno, TimestampTz *obs_end, int64 *period);

/* One customer's purchases, fed in time order (ts <= observation_end). */
typedef struct ClvAccum
{
	TimestampTz obs_end;
	int64		period;			/* microseconds, > 0 */
	int64		first;			/* the first purchase */
	int64		last_k;			/* period index of the last, -1: none yet */
	int32		periods;		/* distinct period indices */
	JDecimal	total;
	JDecimal	first_period;	/* amounts in period 0 */
} ClvAccum;

extern void clv_accum_init(ClvAccum *acc, TimestampTz obs_end, int64 period);
extern void clv_accum_add(ClvAccum *acc, int64 ts, const JDecimal *amount);
/* (frequency, recency, t, monetary) as a row of tupdesc; NULL without a purchase */
extern bool clv_accum_result(const ClvAccum *acc, TupleDesc tupdesc, Datum *result);

#endif							/* JOURNEY_ANALYSIS_H */
