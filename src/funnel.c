/*
 * funnel.c — the funnel_step() and funnel_path() aggregates: per group
 * (usually per customer) they collect the rows that matter and, at the
 * end, run ClickHouse's windowFunnel search over them (src/funnel_search.c);
 * funnel_path also reports when each step of the best chain happened, as
 * a funnel_path value (src/funnel_path.c).
 *
 * The state keeps one 16-byte entry per row that matters: its timestamp
 * and a 64-bit mask of the steps it satisfies (bit k-1 for step k); rows
 * matching no step are dropped, except under strict_order, where they end
 * the evaluation and are kept as mask 0 (consecutive duplicates folded).
 * A customer with 1M matching events costs 16 MB of state.  Rows arrive in
 * any order; the final function sorts once by (timestamp, mask).
 */
#include "journey.h"
#include "funnel.h"

#include "catalog/pg_type.h"
#include "common/int.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#define FUNNEL_SERIAL_VERSION 1
#define FUNNEL_INLINE_ENTRIES 4		/* kept in the state itself: one palloc per group */

typedef struct FunnelState
{
	int64		window;			/* microseconds, > 0 */
	int32		modes;			/* FUNNEL_* mode flags */
	int32		nsteps;			/* 0 until a row with steps arrives */
	int32		n;				/* entries kept */
	int32		cap;
	int32		mode_len;		/* the last mode argument seen, to check */
	bool		sorted;			/* entries in (ts, mask) order */
	char	   *mode_text;		/* later rows cheaply (not serialized) */
	FunnelEntry *entries;		/* inline_entries until more are needed */
	FunnelEntry inline_entries[FUNNEL_INLINE_ENTRIES];
} FunnelState;

StaticAssertDecl(sizeof(FunnelEntry) == 16, "a kept row must cost 16 bytes");
/* 112 bytes: one 128-byte chunk per group in the aggregate's context */
StaticAssertDecl(sizeof(FunnelState) <= 128, "the per-group state must stay small");

static const char *const funnel_mode_names[] = {
	"strict_deduplication", "strict_order", "strict_increase", "strict_once", "allow_reentry"
};

#define FUNNEL_MODES_HINT "The mode is a comma-separated list of strict_deduplication, strict_order, strict_increase, strict_once, allow_reentry."

/* ---------------------------------------------------------------------
 * Options
 */

/*
 * Parse a comma-separated list of windowFunnel options; unknown, repeated
 * or contradictory options are errors naming the option.
 */
int
funnel_parse_modes(text *mode)
{
	char	   *s = text_to_cstring(mode);
	char	   *p = s;
	int			modes = 0;

	while (*p != '\0')
	{
		char	   *start;
		char	   *end;
		int			flag;
		char		save;

		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		start = p;
		while (*p != '\0' && *p != ',')
			p++;
		end = p;
		while (end > start && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n'))
			end--;
		save = *end;
		*end = '\0';
		if (*start == '\0')
		{
			if (save == '\0' && start == s + strspn(s, " \t\n"))
				break;			/* '' or only blanks: the default mode */
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("empty option in funnel mode \"%s\"", text_to_cstring(mode)),
					 errhint(FUNNEL_MODES_HINT)));
		}
		if (strcmp(start, "strict_deduplication") == 0)
			flag = FUNNEL_DEDUP;
		else if (strcmp(start, "strict_order") == 0)
			flag = FUNNEL_ORDER;
		else if (strcmp(start, "strict_increase") == 0)
			flag = FUNNEL_INCREASE;
		else if (strcmp(start, "strict_once") == 0)
			flag = FUNNEL_ONCE;
		else if (strcmp(start, "allow_reentry") == 0)
			flag = FUNNEL_REENTRY;
		else if (strcmp(start, "strict") == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown funnel option \"strict\""),
					 errhint("ClickHouse renamed \"strict\" to \"strict_deduplication\"; use that.")));
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown funnel option \"%s\"", start),
					 errhint(FUNNEL_MODES_HINT)));
		if (modes & flag)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("funnel option \"%s\" is given twice", start)));
		modes |= flag;
		*end = save;
		if (*p == ',')
		{
			p++;
			if (*(p + strspn(p, " \t\n")) == '\0')
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("empty option in funnel mode \"%s\"", text_to_cstring(mode))));
		}
	}
	if ((modes & FUNNEL_REENTRY) && !(modes & FUNNEL_ORDER))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("funnel option \"allow_reentry\" requires \"strict_order\""),
				 errdetail("allow_reentry only changes what strict_order does with an out-of-order step.")));
	pfree(s);
	return modes;
}


const char *
funnel_modes_text(int modes)
{
	StringInfoData buf;
	int			i;

	if (modes == 0)
		return "default";
	initStringInfo(&buf);
	for (i = 0; i < (int) lengthof(funnel_mode_names); i++)
		if (modes & (1 << i))
			appendStringInfo(&buf, "%s%s", buf.len > 0 ? "," : "", funnel_mode_names[i]);
	return buf.data;
}

bool
funnel_modes_from_text(const char *s, int *modes)
{
	int			m = 0;

	if (strcmp(s, "default") == 0)
	{
		*modes = 0;
		return true;
	}
	while (*s != '\0')
	{
		size_t		len = strcspn(s, ",");
		int			i;
		int			flag = 0;

		for (i = 0; i < (int) lengthof(funnel_mode_names); i++)
			if (strlen(funnel_mode_names[i]) == len && strncmp(s, funnel_mode_names[i], len) == 0)
				flag = 1 << i;
		/* canonical: each option once, in the order of funnel_mode_names */
		if (flag == 0 || flag <= m)
			return false;
		m |= flag;
		s += len;
		if (*s == ',')
		{
			s++;
			if (*s == '\0')
				return false;
		}
	}
	if (m == 0 || !FUNNEL_MODES_VALID(m))
		return false;
	*modes = m;
	return true;
}

char *
funnel_window_text(int64 window_us)
{
	return DatumGetCString(DirectFunctionCall1(interval_out,
											   IntervalPGetDatum(journey_usec_to_interval(window_us))));
}

void
funnel_params_conflict(int64 window_a, int modes_a, int64 window_b, int modes_b)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("cannot combine funnels built with different windows or modes"),
			 errdetail("One was built with window %s and mode %s, the other with window %s and mode %s.",
					   funnel_window_text(window_a), funnel_modes_text(modes_a),
					   funnel_window_text(window_b), funnel_modes_text(modes_b)),
			 errhint("Build every part with the same window and mode.")));
}

/* ---------------------------------------------------------------------
 * State
 */

/*
 * The data of a boolean array (ARR_DATA_PTR, computed with the types
 * -Wsign-compare wants).
 */
static inline bool *
funnel_array_bools(ArrayType *a)
{
	Size		offset = ARR_HASNULL(a) ? (Size) a->dataoffset : ARR_OVERHEAD_NONULLS(ARR_NDIM(a));

	return (bool *) ((char *) a + offset);
}


static void
funnel_grow(FunnelState *state, MemoryContext aggcontext, int32 need)
{
	int64		newcap = state->cap;

	if (need <= state->cap)
		return;
	while (newcap < need)
		newcap = newcap < 8 ? 8 : newcap * 2;
	if ((Size) newcap * sizeof(FunnelEntry) > MaxAllocSize)
	{
		newcap = MaxAllocSize / sizeof(FunnelEntry);
		if (newcap < need)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many funnel events in one group"),
					 errdetail("One group can keep at most %d events matching a step.", (int) newcap)));
	}
	if (state->entries == NULL || state->entries == state->inline_entries)
	{
		FunnelEntry *entries = MemoryContextAlloc(aggcontext, newcap * sizeof(FunnelEntry));

		if (state->n > 0)
			memcpy(entries, state->entries, state->n * sizeof(FunnelEntry));
		state->entries = entries;
	}
	else
		state->entries = repalloc(state->entries, newcap * sizeof(FunnelEntry));
	state->cap = (int32) newcap;
}

static inline int
funnel_entry_cmp(const FunnelEntry *a, const FunnelEntry *b)
{
	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	if (a->mask != b->mask)
		return a->mask < b->mask ? -1 : 1;
	return 0;
}

static inline void
funnel_append(FunnelState *state, MemoryContext aggcontext, int64 ts, uint64 mask)
{
	if (state->n > 0)
	{
		FunnelEntry *last = &state->entries[state->n - 1];

		/* a row matching no step right after another at the same time adds nothing */
		if (mask == 0 && last->mask == 0 && last->ts == ts)
			return;
		if (state->sorted && (last->ts > ts || (last->ts == ts && last->mask > mask)))
			state->sorted = false;
	}
	if (state->n == state->cap)
		funnel_grow(state, aggcontext, state->n + 1);
	state->entries[state->n].ts = ts;
	state->entries[state->n].mask = mask;
	state->n++;
}

/* Sort the state's entries once, for the search. */
static void
funnel_sort(FunnelState *state)
{
	if (!state->sorted)
	{
		funnel_sort_entries(state->entries, state->n);
		state->sorted = true;
	}
}

/*
 * The window in microseconds: positive.  A zero window is what a client
 * sends when its interval type lost the value (JDBC's PGInterval parses
 * "1 week" as zero), so it is an error rather than a funnel of ties.
 */
int64
funnel_window_usec(Interval *window)
{
	int64		usec = journey_interval_to_usec(window, "the funnel window");

	if (usec <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("funnel window must be positive"),
				 errdetail("The window is %s.",
						   DatumGetCString(DirectFunctionCall1(interval_out, IntervalPGetDatum(window)))),
				 errhint("Give a window of at least one microsecond, such as '7 days'. "
						 "A client that sends the window as an interval object may send zero: "
						 "JDBC's PGInterval parses \"1 week\" as zero (see the README section \"Clients\").")));
	return usec;
}

static void
funnel_params_differ(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("funnel %s must be the same for all rows of a group", what)));
}

/*
 * The transition of funnel_step and funnel_path, timestamptz and timestamp
 * alike: (state, ts, window, [mode,] steps).  A NULL or infinite ts, a NULL
 * steps array or a NULL step condition ignores the row; a NULL window or
 * mode is an error.
 */
static FunnelState *
funnel_new_state(MemoryContext aggcontext)
{
	FunnelState *state = MemoryContextAllocZero(aggcontext, sizeof(FunnelState));

	state->entries = state->inline_entries;
	state->cap = FUNNEL_INLINE_ENTRIES;
	state->sorted = true;
	return state;
}

/* The number of steps a row gives: the same for every row of a group. */
static void
funnel_check_nsteps(FunnelState *state, int nsteps)
{
	if (nsteps < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a funnel needs at least one step")));
	if (nsteps != state->nsteps)
	{
		if (nsteps > FUNNEL_MAX_STEPS)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("a funnel has at most %d steps", FUNNEL_MAX_STEPS),
					 errdetail("%d step conditions were given.", nsteps)));
		if (state->nsteps != 0)
			funnel_params_differ("step count");
		state->nsteps = nsteps;
	}
}

static void
funnel_remember_mode(FunnelState *state, MemoryContext aggcontext, text *mode)
{
	int			len = VARSIZE_ANY_EXHDR(mode);

	if (state->mode_text == NULL || len > state->mode_len)
	{
		if (state->mode_text != NULL)
			pfree(state->mode_text);
		state->mode_text = MemoryContextAlloc(aggcontext, len + 1);
	}
	memcpy(state->mode_text, VARDATA_ANY(mode), len);
	state->mode_len = len;
}

/*
 * The part of a transition shared by all overloads: state, window and mode
 * checks.  Returns the state.
 */
static FunnelState *
funnel_trans_begin(FunctionCallInfo fcinfo, MemoryContext aggcontext, bool has_mode)
{
	FunnelState *state = PG_ARGISNULL(0) ? NULL : (FunnelState *) PG_GETARG_POINTER(0);
	Interval   *window;

	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("funnel window must not be null")));
	if (has_mode && PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("funnel mode must not be null"),
				 errhint("Use '' for the default mode.")));
	window = PG_GETARG_INTERVAL_P(2);

	if (state == NULL)
	{
		state = funnel_new_state(aggcontext);
		state->window = funnel_window_usec(window);
		if (has_mode)
		{
			state->modes = funnel_parse_modes(PG_GETARG_TEXT_PP(3));
			funnel_remember_mode(state, aggcontext, PG_GETARG_TEXT_PP(3));
		}
	}
	else
	{
		if (funnel_window_usec(window) != state->window)
			funnel_params_differ("window");
		if (has_mode)
		{
			text	   *mode = PG_GETARG_TEXT_PP(3);

			if (state->mode_text == NULL || (int) VARSIZE_ANY_EXHDR(mode) != state->mode_len ||
				memcmp(VARDATA_ANY(mode), state->mode_text, state->mode_len) != 0)
			{
				if (funnel_parse_modes(mode) != state->modes)
					funnel_params_differ("mode");
				funnel_remember_mode(state, aggcontext, mode);
			}
		}
	}
	return state;
}

/*
 * Overloads with the step conditions as separate arguments (up to 8 steps:
 * no array built per row): (state, ts, window, [mode,] c1, c2, ...).
 */
static Datum
funnel_transfn_args_common(FunctionCallInfo fcinfo, bool has_mode)
{
	MemoryContext aggcontext = journey_agg_context(fcinfo, "funnel_step");
	FunnelState *state = funnel_trans_begin(fcinfo, aggcontext, has_mode);
	int			first = has_mode ? 4 : 3;
	int			nsteps = PG_NARGS() - first;
	uint64		mask = 0;
	int64		ts;
	int			i;

	if (unlikely(nsteps != state->nsteps || nsteps < 1))
		funnel_check_nsteps(state, nsteps);
	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(state);
	ts = PG_GETARG_INT64(1);
	if (TIMESTAMP_NOT_FINITE(ts))
		PG_RETURN_POINTER(state);
	for (i = 0; i < nsteps; i++)
	{
		if (PG_ARGISNULL(first + i))
			PG_RETURN_POINTER(state);	/* a NULL condition ignores the row */
		if (PG_GETARG_BOOL(first + i))
			mask |= UINT64CONST(1) << i;
	}
	if (mask != 0 || (state->modes & FUNNEL_ORDER))
		funnel_append(state, aggcontext, ts, mask);
	PG_RETURN_POINTER(state);
}

PG_FUNCTION_INFO_V1(funnel_transfn_args);
Datum
funnel_transfn_args(PG_FUNCTION_ARGS)
{
	return funnel_transfn_args_common(fcinfo, false);
}

PG_FUNCTION_INFO_V1(funnel_transfn_args_mode);
Datum
funnel_transfn_args_mode(PG_FUNCTION_ARGS)
{
	return funnel_transfn_args_common(fcinfo, true);
}

PG_FUNCTION_INFO_V1(funnel_transfn);
Datum
funnel_transfn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = journey_agg_context(fcinfo, "funnel_step");
	bool		has_mode = PG_NARGS() == 5;
	int			steps_arg = has_mode ? 4 : 3;
	FunnelState *state = funnel_trans_begin(fcinfo, aggcontext, has_mode);
	ArrayType  *steps;
	int			nsteps;
	bool	   *conds;
	bits8	   *nulls;
	uint64		mask = 0;
	int64		ts;
	int			i;

	if (PG_ARGISNULL(steps_arg))
		PG_RETURN_POINTER(state);
	steps = PG_GETARG_ARRAYTYPE_P(steps_arg);
	if (ARR_ELEMTYPE(steps) != BOOLOID)
		elog(ERROR, "funnel steps must be a boolean array");
	nsteps = ARR_NDIM(steps) == 0 ? 0 : ArrayGetNItems(ARR_NDIM(steps), ARR_DIMS(steps));
	if (ARR_NDIM(steps) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("funnel steps must be a one-dimensional array")));
	if (unlikely(nsteps != state->nsteps || nsteps < 1))
		funnel_check_nsteps(state, nsteps);
	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(state);
	ts = PG_GETARG_INT64(1);
	if (TIMESTAMP_NOT_FINITE(ts))
		PG_RETURN_POINTER(state);
	conds = funnel_array_bools(steps);
	nulls = ARR_NULLBITMAP(steps);
	if (nulls == NULL)
	{
		for (i = 0; i < nsteps; i++)
			if (conds[i])
				mask |= UINT64CONST(1) << i;
	}
	else
	{
		int			k = 0;

		for (i = 0; i < nsteps; i++)
		{
			if (!(nulls[i / 8] & (1 << (i % 8))))
				PG_RETURN_POINTER(state);	/* a NULL condition ignores the row */
			if (conds[k++])
				mask |= UINT64CONST(1) << i;
		}
	}
	if (mask != 0 || (state->modes & FUNNEL_ORDER))
		funnel_append(state, aggcontext, ts, mask);
	PG_RETURN_POINTER(state);
}

/* Merge another group part: same parameters, entries appended. */
PG_FUNCTION_INFO_V1(funnel_combine);
Datum
funnel_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = journey_agg_context(fcinfo, "funnel_combine");
	FunnelState *state = PG_ARGISNULL(0) ? NULL : (FunnelState *) PG_GETARG_POINTER(0);
	FunnelState *other = PG_ARGISNULL(1) ? NULL : (FunnelState *) PG_GETARG_POINTER(1);

	if (other == NULL)
	{
		if (state == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(state);
	}
	if (state == NULL)
	{
		state = funnel_new_state(aggcontext);
		state->window = other->window;
		state->modes = other->modes;
		state->nsteps = other->nsteps;
	}
	else
	{
		if (state->window != other->window)
			funnel_params_differ("window");
		if (state->modes != other->modes)
			funnel_params_differ("mode");
		if (state->nsteps != other->nsteps && state->nsteps != 0 && other->nsteps != 0)
			funnel_params_differ("step count");
		if (state->nsteps == 0)
			state->nsteps = other->nsteps;
	}
	if (other->n > 0)
	{
		funnel_grow(state, aggcontext, state->n + other->n);
		if (state->n > 0 && other->n > 0 &&
			funnel_entry_cmp(&state->entries[state->n - 1], &other->entries[0]) > 0)
			state->sorted = false;
		memcpy(state->entries + state->n, other->entries, other->n * sizeof(FunnelEntry));
		state->n += other->n;
		state->sorted = state->sorted && other->sorted;
	}
	PG_RETURN_POINTER(state);
}

/*
 * Serialized state: version, window, modes, nsteps, count, then
 * (ts int8, mask int8) per entry.
 */
PG_FUNCTION_INFO_V1(funnel_serialize);
Datum
funnel_serialize(PG_FUNCTION_ARGS)
{
	FunnelState *state = (FunnelState *) PG_GETARG_POINTER(0);
	StringInfoData buf;
	int			i;

	journey_agg_context(fcinfo, "funnel_serialize");
	pq_begintypsend(&buf);
	enlargeStringInfo(&buf, 1 + 8 + 4 + 4 + 4 + 16 * state->n);
	pq_sendbyte(&buf, FUNNEL_SERIAL_VERSION);
	pq_sendint64(&buf, state->window);
	pq_sendint32(&buf, state->modes);
	pq_sendint32(&buf, state->nsteps);
	pq_sendint32(&buf, state->n);
	for (i = 0; i < state->n; i++)
	{
		pq_sendint64(&buf, state->entries[i].ts);
		pq_sendint64(&buf, (int64) state->entries[i].mask);
	}
	Assert(buf.len == VARHDRSZ + 1 + 8 + 4 + 4 + 4 + 16 * state->n);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/*
 * A state from funnel_serialize (parallel workers): everything checked,
 * a bad one is XX001 (data corrupted).
 */
PG_FUNCTION_INFO_V1(funnel_deserialize);
Datum
funnel_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *data = PG_GETARG_BYTEA_PP(0);
	MemoryContext aggcontext = journey_agg_context(fcinfo, "funnel_deserialize");
	const char *what = "funnel_step state";
	StringInfoData buf;
	FunnelState *state;
	int			version;
	int32		n;
	int			i;

	journey_bytea_reader(&buf, data);
	version = journey_recv_uint8(&buf, what);
	if (version != FUNNEL_SERIAL_VERSION)
		journey_invalid_value(JOURNEY_FROM_STATE, what, "Unsupported state version %d.", version);
	state = funnel_new_state(aggcontext);
	state->window = journey_recv_int64(&buf, what);
	state->modes = journey_recv_int32(&buf, what);
	state->nsteps = journey_recv_int32(&buf, what);
	n = journey_recv_int32(&buf, what);
	if (state->window <= 0)
		journey_invalid_value(JOURNEY_FROM_STATE, what, "The window is not positive.");
	if (!FUNNEL_MODES_VALID(state->modes))
		journey_invalid_value(JOURNEY_FROM_STATE, what, "The mode flags are invalid.");
	if (state->nsteps < 0 || state->nsteps > FUNNEL_MAX_STEPS)
		journey_invalid_value(JOURNEY_FROM_STATE, what, "The step count is out of range.");
	if (n < 0 || (int64) n * 16 != buf.len - buf.cursor)
		journey_invalid_value(JOURNEY_FROM_STATE, what, "The entry count does not match the state's length.");
	if (n > 0 && state->nsteps == 0)
		journey_invalid_value(JOURNEY_FROM_STATE, what, "Entries without a step count.");
	state->sorted = true;
	if (n > 0)
		funnel_grow(state, aggcontext, n);
	for (i = 0; i < n; i++)
	{
		int64		ts = journey_recv_int64(&buf, what);
		uint64		mask = (uint64) journey_recv_int64(&buf, what);

		if (!IS_VALID_TIMESTAMP(ts))
			journey_invalid_value(JOURNEY_FROM_STATE, what, "An entry's timestamp is out of range.");
		if (state->nsteps < 64 && (mask >> state->nsteps) != 0)
			journey_invalid_value(JOURNEY_FROM_STATE, what, "An entry names a step beyond the step count.");
		if (mask == 0 && !(state->modes & FUNNEL_ORDER))
			journey_invalid_value(JOURNEY_FROM_STATE, what, "An entry matches no step outside strict_order.");
		state->entries[i].ts = ts;
		state->entries[i].mask = mask;
		if (i > 0 && funnel_entry_cmp(&state->entries[i - 1], &state->entries[i]) > 0)
			state->sorted = false;
	}
	state->n = n;
	journey_recv_done(&buf, what);
	PG_RETURN_POINTER(state);
}

/* ---------------------------------------------------------------------
 * Final functions
 */

/* The search over a state's entries; at: NULL or nsteps slots. */
static int
funnel_state_search(FunnelState *state, int64 *at)
{
	if (state->nsteps == 0)
		return 0;
	funnel_sort(state);
	return funnel_search(state->entries, state->n, state->window, state->modes,
						 state->nsteps, at);
}

/* funnel_step's final function: the level reached, 0 without step 1. */
PG_FUNCTION_INFO_V1(funnel_step_final);
Datum
funnel_step_final(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_INT32(0);
	PG_RETURN_INT32(funnel_state_search((FunnelState *) PG_GETARG_POINTER(0), NULL));
}

static FunnelPath *
funnel_path_build(FunnelState *state, bool from_timestamp)
{
	int64		at[FUNNEL_MAX_STEPS];
	int			depth = funnel_state_search(state, at);
	FunnelPath *path = funnel_path_make(state->nsteps, depth, true, state->window, state->modes);
	int			k;

	for (k = 0; k < depth; k++)
	{
		path->at[k] = at[k];
		if (from_timestamp)
		{
			int			overflow = 0;

			path->at[k] = timestamp2timestamptz_opt_overflow(at[k], &overflow);
			if (overflow != 0)
				ereport(ERROR,
						(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
						 errmsg("timestamp out of range")));
		}
	}
	return path;
}

/*
 * funnel_path's final functions.  A group without rows (or whose steps
 * arrays are all NULL) gives NULL: the number of steps is unknown.
 */
PG_FUNCTION_INFO_V1(funnel_path_final);
Datum
funnel_path_final(PG_FUNCTION_ARGS)
{
	FunnelState *state = PG_ARGISNULL(0) ? NULL : (FunnelState *) PG_GETARG_POINTER(0);

	if (state == NULL || state->nsteps == 0)
		PG_RETURN_NULL();
	PG_RETURN_POINTER(funnel_path_build(state, false));
}

/* For timestamp input: the reported times are converted as ts::timestamptz is. */
PG_FUNCTION_INFO_V1(funnel_path_final_ts);
Datum
funnel_path_final_ts(PG_FUNCTION_ARGS)
{
	FunnelState *state = PG_ARGISNULL(0) ? NULL : (FunnelState *) PG_GETARG_POINTER(0);

	if (state == NULL || state->nsteps == 0)
		PG_RETURN_NULL();
	PG_RETURN_POINTER(funnel_path_build(state, true));
}
