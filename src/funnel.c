/*
 * funnel.c — funnel_step() and funnel_path(): per group (usually per
 * customer), ClickHouse's windowFunnel search, to the letter, modes
 * included; funnel_path also reports when each step of the best chain
 * happened.
 *
 * The state keeps one 16-byte entry per row that matters: its timestamp
 * and a 64-bit mask of the steps it satisfies (bit k-1 for step k); rows
 * matching no step are dropped, except under strict_order, where they end
 * the evaluation and are kept as mask 0 (consecutive duplicates folded).
 * A customer with 1M matching events costs 16 MB of state.  Rows arrive in
 * any order; the final function sorts once by (timestamp, mask) and walks
 * the timestamps in order.
 *
 * ClickHouse expands a row into one (timestamp, step) entry per satisfied
 * step (a step-0 entry for a row matching none under strict_order) and
 * walks them sorted by (timestamp, step).  Walking one timestamp's rows
 * step by step reproduces that order exactly; without strict_once, entries
 * with the same (timestamp, step) are interchangeable, so only whether
 * there are two of them matters (strict_deduplication).  Under
 * strict_once a row may fill one step of a chain only: the state of each
 * level is then the latest start among chains of earlier timestamps, and
 * chains within one timestamp are a matching of rows to steps.  Where
 * ClickHouse's answer would depend on the arrival order of rows sharing a
 * timestamp (strict_once with strict_deduplication), rows are taken in
 * ascending mask order, so the result never depends on input order.
 */
#include "journey.h"
#include "funnel.h"

#include <ctype.h>

#include "catalog/pg_type.h"
#include "common/int.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/timestamp.h"

#define FUNNEL_SERIAL_VERSION 1

/* mode options */
#define FM_DEDUP	0x01		/* strict_deduplication */
#define FM_ORDER	0x02		/* strict_order */
#define FM_INCREASE	0x04		/* strict_increase */
#define FM_ONCE		0x08		/* strict_once */
#define FM_REENTRY	0x10		/* allow_reentry */
#define FM_ALL		0x1f

#define FUNNEL_NONE PG_INT64_MIN	/* no chain at this level */
#define FUNNEL_INLINE_ENTRIES 4		/* kept in the state itself: one palloc per group */

typedef struct FunnelEntry
{
	int64		ts;				/* microseconds */
	uint64		mask;			/* bit k-1 set: the row satisfies step k */
} FunnelEntry;

StaticAssertDecl(sizeof(FunnelEntry) == 16, "a kept row must cost 16 bytes");

typedef struct FunnelState
{
	int64		window;			/* microseconds, >= 0 */
	int32		modes;			/* FM_* */
	int32		nsteps;			/* 0 until a row with steps arrives */
	int32		n;				/* entries kept */
	int32		cap;
	int32		mode_len;		/* the last mode argument seen, to check */
	bool		sorted;			/* entries in (ts, mask) order */
	char	   *mode_text;		/* later rows cheaply (not serialized) */
	FunnelEntry *entries;		/* inline_entries until more are needed */
	FunnelEntry inline_entries[FUNNEL_INLINE_ENTRIES];
} FunnelState;

/* 112 bytes: one 128-byte chunk per group in the aggregate's context */
StaticAssertDecl(sizeof(FunnelState) <= 128, "the per-group state must stay small");

/* Where the evaluation stopped: entries at or after it were not looked at. */
typedef struct FunnelStop
{
	bool		stopped;
	int64		ts;
	int			step;			/* 0: a row matching no step */
	int			rank;			/* rows with this (ts, step) before it count */
} FunnelStop;

/* ---------------------------------------------------------------------
 * Options
 */

/*
 * Parse a comma-separated list of windowFunnel options; unknown, repeated
 * or contradictory options are errors naming the option.
 */
static int
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
					 errhint("The mode is a comma-separated list of strict_deduplication, strict_order, strict_increase, strict_once, allow_reentry.")));
		}
		if (strcmp(start, "strict_deduplication") == 0)
			flag = FM_DEDUP;
		else if (strcmp(start, "strict_order") == 0)
			flag = FM_ORDER;
		else if (strcmp(start, "strict_increase") == 0)
			flag = FM_INCREASE;
		else if (strcmp(start, "strict_once") == 0)
			flag = FM_ONCE;
		else if (strcmp(start, "allow_reentry") == 0)
			flag = FM_REENTRY;
		else if (strcmp(start, "strict") == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown funnel option \"strict\""),
					 errhint("ClickHouse renamed \"strict\" to \"strict_deduplication\"; use that.")));
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown funnel option \"%s\"", start),
					 errhint("The mode is a comma-separated list of strict_deduplication, strict_order, strict_increase, strict_once, allow_reentry.")));
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
	if ((modes & FM_REENTRY) && !(modes & FM_ORDER))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("funnel option \"allow_reentry\" requires \"strict_order\""),
				 errdetail("allow_reentry only changes what strict_order does with an out-of-order step.")));
	pfree(s);
	return modes;
}

/* ---------------------------------------------------------------------
 * State
 */

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

static int
funnel_entry_qsort_cmp(const void *a, const void *b)
{
	return funnel_entry_cmp((const FunnelEntry *) a, (const FunnelEntry *) b);
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

static void
funnel_sort(FunnelState *state)
{
	if (!state->sorted)
	{
		if (state->n <= 16)
		{
			/* a customer's few events: insertion sort beats qsort's calls */
			int			i,
						j;

			for (i = 1; i < state->n; i++)
			{
				FunnelEntry x = state->entries[i];

				for (j = i; j > 0 && funnel_entry_cmp(&state->entries[j - 1], &x) > 0; j--)
					state->entries[j] = state->entries[j - 1];
				state->entries[j] = x;
			}
		}
		else
			qsort(state->entries, state->n, sizeof(FunnelEntry), funnel_entry_qsort_cmp);
		state->sorted = true;
	}
}

static int64
funnel_window_usec(Interval *window)
{
	int64		usec = journey_interval_to_usec(window, "the funnel window");

	if (usec < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("funnel window must not be negative")));
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

			if (state->mode_text == NULL || VARSIZE_ANY_EXHDR(mode) != state->mode_len ||
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
	if (mask != 0 || (state->modes & FM_ORDER))
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
	conds = (bool *) ARR_DATA_PTR(steps);
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
	if (mask != 0 || (state->modes & FM_ORDER))
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

static void
funnel_corrupt(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid serialized state for funnel_step"),
			 errdetail("%s", detail)));
}

PG_FUNCTION_INFO_V1(funnel_deserialize);
Datum
funnel_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *data = PG_GETARG_BYTEA_PP(0);
	MemoryContext aggcontext = journey_agg_context(fcinfo, "funnel_deserialize");
	const char *what = "funnel_step state";
	StringInfoData buf;
	FunnelState *state;
	int32		n;
	int			i;

	buf.data = VARDATA_ANY(data);
	buf.len = VARSIZE_ANY_EXHDR(data);
	buf.maxlen = buf.len;
	buf.cursor = 0;

	if (journey_recv_uint8(&buf, what) != FUNNEL_SERIAL_VERSION)
		funnel_corrupt("Unsupported state version.");
	state = funnel_new_state(aggcontext);
	state->window = journey_recv_int64(&buf, what);
	state->modes = journey_recv_int32(&buf, what);
	state->nsteps = journey_recv_int32(&buf, what);
	n = journey_recv_int32(&buf, what);
	if (state->window < 0)
		funnel_corrupt("The window is negative.");
	if ((state->modes & ~FM_ALL) != 0 ||
		((state->modes & FM_REENTRY) && !(state->modes & FM_ORDER)))
		funnel_corrupt("The mode flags are invalid.");
	if (state->nsteps < 0 || state->nsteps > FUNNEL_MAX_STEPS)
		funnel_corrupt("The step count is out of range.");
	if (n < 0 || (int64) n * 16 != buf.len - buf.cursor)
		funnel_corrupt("The entry count does not match the state's length.");
	if (n > 0 && state->nsteps == 0)
		funnel_corrupt("Entries without a step count.");
	state->sorted = true;
	if (n > 0)
		funnel_grow(state, aggcontext, n);
	for (i = 0; i < n; i++)
	{
		int64		ts = journey_recv_int64(&buf, what);
		uint64		mask = (uint64) journey_recv_int64(&buf, what);

		if (!IS_VALID_TIMESTAMP(ts))
			funnel_corrupt("An entry's timestamp is out of range.");
		if (state->nsteps < 64 && (mask >> state->nsteps) != 0)
			funnel_corrupt("An entry names a step beyond the step count.");
		if (mask == 0 && !(state->modes & FM_ORDER))
			funnel_corrupt("An entry matches no step outside strict_order.");
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
 * Evaluation
 */

static inline bool
funnel_in_window(int64 first, int64 window, int64 ts)
{
	int64		limit;

	if (pg_add_s64_overflow(first, window, &limit))
		return true;
	return ts <= limit;
}

/*
 * Can steps a..b (1-based) each get a distinct row of rows[0..g), row
 * `skip` excluded?  Kuhn's augmenting paths; owner/visited are scratch of
 * g entries.
 */
static bool
funnel_augment(const FunnelEntry *rows, int g, int skip, int step, int *owner, bool *visited)
{
	int			r;

	for (r = 0; r < g; r++)
	{
		if (r == skip || visited[r] || !(rows[r].mask & (UINT64CONST(1) << (step - 1))))
			continue;
		visited[r] = true;
		if (owner[r] < 0 || funnel_augment(rows, g, skip, owner[r], owner, visited))
		{
			owner[r] = step;
			return true;
		}
	}
	return false;
}

static bool
funnel_match(const FunnelEntry *rows, int g, int skip, int a, int b, int *owner, bool *visited)
{
	int			s;

	if (a > b)
		return true;
	if (b - a + 1 > g - 1)
		return false;
	for (s = 0; s < g; s++)
		owner[s] = -1;
	for (s = a; s <= b; s++)
	{
		memset(visited, 0, g * sizeof(bool));
		if (!funnel_augment(rows, g, skip, s, owner, visited))
			return false;
	}
	return true;
}

#define FUNNEL_STOP(t, k, r) \
	do { stop->stopped = true; stop->ts = (t); stop->step = (k); stop->rank = (r); return reached; } while (0)

/*
 * The windowFunnel walk over the sorted entries: returns the level reached
 * and where the walk stopped.
 */
static int
funnel_evaluate(FunnelState *state, FunnelStop *stop)
{
	const FunnelEntry *e = state->entries;
	int			N = state->n;
	int			n = state->nsteps;
	int64		W = state->window;
	bool		dedup = (state->modes & FM_DEDUP) != 0;
	bool		order = (state->modes & FM_ORDER) != 0;
	bool		inc = (state->modes & FM_INCREASE) != 0;
	bool		once = (state->modes & FM_ONCE) != 0;
	bool		reentry = (state->modes & FM_REENTRY) != 0;
	int64		first[FUNNEL_MAX_STEPS + 1];
	int64		last[FUNNEL_MAX_STEPS + 1];
	int64		pre[FUNNEL_MAX_STEPS + 1];
	int64		newfirst[FUNNEL_MAX_STEPS + 1];
	int		   *owner = NULL;
	bool	   *visited = NULL;
	int			scratch = 0;
	int			reached = 0;
	int			i = 0;
	int			k;

	stop->stopped = false;
	if (n == 0)
		return 0;
	funnel_sort(state);
	for (k = 0; k <= n; k++)
		pre[k] = newfirst[k] = FUNNEL_NONE;

	while (i < N)
	{
		int64		t = e[i].ts;
		int			gi = i;
		int			gj = i;
		uint64		uni = 0;
		uint64		dup = 0;

		while (gj < N && e[gj].ts == t)
		{
			dup |= uni & e[gj].mask;
			uni |= e[gj].mask;
			gj++;
		}
		i = gj;
		if ((gi & 0x3ff) == 0)
			CHECK_FOR_INTERRUPTS();

		/* step-0 entries sort first at their timestamp */
		if (e[gi].mask == 0)
		{
			if (order && reached >= 1)
				FUNNEL_STOP(t, 0, 0);
			gi++;
		}

		if (!once)
		{
			for (k = 1; k <= n; k++)
			{
				if (!(uni & (UINT64CONST(1) << (k - 1))))
					continue;
				if (k == 1)
				{
					first[1] = last[1] = t;
					if (reached < 1)
						reached = 1;
					continue;
				}
				if (dedup && reached >= k)
					FUNNEL_STOP(t, k, 0);
				if (order && reached >= 1 && reached < k - 1)
				{
					if (reentry)
						continue;
					FUNNEL_STOP(t, k, 0);
				}
				if (reached >= k - 1 &&
					funnel_in_window(first[k - 1], W, t) &&
					(!inc || last[k - 1] < t))
				{
					first[k] = first[k - 1];
					last[k] = t;
					if (reached < k)
						reached = k;
					if (k == n)
						FUNNEL_STOP(t, k, INT_MAX);
				}
				if (dedup && (dup & (UINT64CONST(1) << (k - 1))) && reached >= k)
					FUNNEL_STOP(t, k, 1);
			}
		}
		else
		{
			const FunnelEntry *rows = e + gi;
			int			g = gj - gi;

			if (g > scratch)
			{
				scratch = Max(g, 8);
				owner = owner ? repalloc(owner, scratch * sizeof(int)) : palloc(scratch * sizeof(int));
				visited = visited ? repalloc(visited, scratch * sizeof(bool)) : palloc(scratch * sizeof(bool));
			}
			for (k = 1; k <= n; k++)
			{
				uint64		bit = UINT64CONST(1) << (k - 1);
				int			rank = 0;
				int			r;
				int64		prev_best = FUNNEL_NONE;

				if (!(uni & bit))
					continue;
				if (k == 1)
				{
					newfirst[1] = t;
					if (reached < 1)
						reached = 1;
					continue;
				}
				if (dedup && reached >= k)
					FUNNEL_STOP(t, k, 0);
				if (order && reached >= 1 && reached < k - 1)
				{
					if (reentry)
						continue;
					FUNNEL_STOP(t, k, 0);
				}
				if (reached < k - 1)
					continue;
				for (r = 0; r < g; r++)
				{
					int64		best = FUNNEL_NONE;
					int			lvl;

					if (!(rows[r].mask & bit))
						continue;
					if (rank > 0 && dedup && reached >= k)
						FUNNEL_STOP(t, k, rank);
					CHECK_FOR_INTERRUPTS();
					if (rank > 0 && rows[r].mask == rows[r - 1].mask)
						best = prev_best;	/* a row like the one before: same chains */
					else if (inc)
					{
						/* chains of this timestamp end at t: not strictly before */
						if (pre[k - 1] != FUNNEL_NONE && funnel_in_window(pre[k - 1], W, t))
							best = pre[k - 1];
					}
					else if (funnel_match(rows, g, r, 1, k - 1, owner, visited))
						best = t;	/* the whole chain within this timestamp */
					else
					{
						for (lvl = 1; lvl <= k - 1; lvl++)
						{
							if (pre[lvl] == FUNNEL_NONE || !funnel_in_window(pre[lvl], W, t))
								continue;
							if (pre[lvl] > best &&
								funnel_match(rows, g, r, lvl + 1, k - 1, owner, visited))
								best = pre[lvl];
						}
					}
					prev_best = best;
					if (best != FUNNEL_NONE)
					{
						if (best > newfirst[k])
							newfirst[k] = best;
						if (reached < k)
							reached = k;
						if (k == n)
							FUNNEL_STOP(t, k, rank + 1);
					}
					rank++;
				}
			}
			for (k = 1; k <= n; k++)
			{
				if (newfirst[k] > pre[k])
					pre[k] = newfirst[k];
				newfirst[k] = FUNNEL_NONE;
			}
		}
	}
	return reached;
}

/*
 * Entry idx may fill step k of a reported chain: the walk looked at it
 * before it stopped.
 */
static bool
funnel_usable(const FunnelState *state, const FunnelStop *stop, int idx, int k)
{
	const FunnelEntry *e = state->entries;
	uint64		bit = UINT64CONST(1) << (k - 1);
	int			rank = 0;
	int			j;

	if (!stop->stopped || e[idx].ts < stop->ts)
		return true;
	if (e[idx].ts > stop->ts || k > stop->step)
		return false;
	if (k < stop->step)
		return true;
	for (j = idx - 1; j >= 0 && e[j].ts == e[idx].ts; j--)
		if (e[j].mask & bit)
			rank++;
	return rank < stop->rank;
}

typedef struct FunnelSearch
{
	const FunnelState *state;
	const FunnelStop *stop;
	int			depth;
	int64		limit;			/* start + window, saturated */
	bool		once;
	bool		inc;
	int			chain[FUNNEL_MAX_STEPS];	/* entry index per step */
} FunnelSearch;

/*
 * Fill steps k..depth after step k-1 (entry chain[k-2]).  Each step takes
 * the earliest timestamp it can: a later one never helps the steps after
 * it.  Under strict_once each row of that timestamp is tried in turn (a
 * row may be needed by a later step of the same timestamp): exponential
 * only in the number of rows sharing one timestamp.
 */
static bool
funnel_search_from(FunnelSearch *s, int k)
{
	const FunnelEntry *e = s->state->entries;
	int			N = s->state->n;
	uint64		bit;
	int			prev;
	int			p;
	int64		tmin = 0;
	bool		found = false;

	if (k > s->depth)
		return true;
	check_stack_depth();
	CHECK_FOR_INTERRUPTS();
	bit = UINT64CONST(1) << (k - 1);
	prev = s->chain[k - 2];
	/* first candidate position: the previous step's timestamp (or after it) */
	p = prev;
	if (s->inc)
		while (p < N && e[p].ts == e[prev].ts)
			p++;
	else
		while (p > 0 && e[p - 1].ts == e[prev].ts)
			p--;
	for (; p < N && e[p].ts <= s->limit; p++)
	{
		int			j;
		bool		used = false;

		if (found && e[p].ts != tmin)
			break;
		if (!(e[p].mask & bit) || !funnel_usable(s->state, s->stop, p, k))
			continue;
		if (s->once)
		{
			for (j = 0; j < k - 1; j++)
				if (s->chain[j] == p)
					used = true;
			if (used)
				continue;
		}
		if (!found)
		{
			found = true;
			tmin = e[p].ts;
		}
		s->chain[k - 1] = p;
		if (funnel_search_from(s, k + 1))
			return true;
		if (!s->once)
			return false;
	}
	return false;
}

/*
 * The earliest-starting chain reaching `depth` among the entries the walk
 * looked at; each later step at its earliest possible time.  Fills at[].
 */
static void
funnel_find_path(FunnelState *state, const FunnelStop *stop, int depth, int64 *at)
{
	FunnelSearch s;
	const FunnelEntry *e = state->entries;
	int			p;
	int64		last_start = FUNNEL_NONE;

	s.state = state;
	s.stop = stop;
	s.depth = depth;
	s.once = (state->modes & FM_ONCE) != 0;
	s.inc = (state->modes & FM_INCREASE) != 0;
	for (p = 0; p < state->n; p++)
	{
		int			k;

		if (!(e[p].mask & 1) || !funnel_usable(state, stop, p, 1))
			continue;
		/* without strict_once, another start at the same time fares alike */
		if (e[p].ts == last_start && !s.once)
			continue;
		last_start = e[p].ts;
		if (pg_add_s64_overflow(e[p].ts, state->window, &s.limit))
			s.limit = PG_INT64_MAX;
		s.chain[0] = p;
		if (funnel_search_from(&s, 2))
		{
			for (k = 0; k < depth; k++)
				at[k] = e[s.chain[k]].ts;
			return;
		}
	}
	elog(ERROR, "funnel_path: no chain of the reached depth %d", depth);
}

/* funnel_step's final function: the level reached, 0 without step 1. */
PG_FUNCTION_INFO_V1(funnel_step_final);
Datum
funnel_step_final(PG_FUNCTION_ARGS)
{
	FunnelStop	stop;

	if (PG_ARGISNULL(0))
		PG_RETURN_INT32(0);
	PG_RETURN_INT32(funnel_evaluate((FunnelState *) PG_GETARG_POINTER(0), &stop));
}

static FunnelPath *
funnel_path_build(FunnelState *state, bool from_timestamp)
{
	FunnelStop	stop;
	int			depth = 0;
	FunnelPath *path;
	int			k;

	if (state != NULL)
		depth = funnel_evaluate(state, &stop);
	path = palloc0(FUNNEL_PATH_SIZE(depth));
	SET_VARSIZE(path, FUNNEL_PATH_SIZE(depth));
	path->version = FUNNEL_PATH_VERSION;
	path->nsteps = state != NULL ? state->nsteps : 0;
	path->reached = depth;
	if (depth > 0)
		funnel_find_path(state, &stop, depth, path->at);
	if (from_timestamp)
	{
		for (k = 0; k < depth; k++)
		{
			int			overflow = 0;

			path->at[k] = timestamp2timestamptz_opt_overflow(path->at[k], &overflow);
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

/* ---------------------------------------------------------------------
 * The funnel_path type
 */

static void
funnel_path_validate(const FunnelPath *path, const char *origin)
{
	const char *problem = NULL;
	int			k;

	if (path->version != FUNNEL_PATH_VERSION)
		problem = "Unsupported version.";
	else if (path->flags != 0 || path->reserved != 0)
		problem = "Unknown flags.";
	else if (path->nsteps < 1 || path->nsteps > FUNNEL_MAX_STEPS)
		problem = "The step count is out of range.";
	else if (path->reached > path->nsteps)
		problem = "More steps reached than the funnel has.";
	else if (VARSIZE(path) != FUNNEL_PATH_SIZE(path->reached))
		problem = "The length does not match the steps reached.";
	for (k = 0; problem == NULL && k < path->reached; k++)
	{
		if (!IS_VALID_TIMESTAMP(path->at[k]))
			problem = "A step time is not a finite timestamp.";
		else if (k > 0 && path->at[k] < path->at[k - 1])
			problem = "Step times must not decrease.";
	}
	if (problem != NULL)
		ereport(ERROR,
				(errcode(strcmp(origin, "text") == 0 ? ERRCODE_INVALID_TEXT_REPRESENTATION
						 : ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid %s value for type funnel_path", origin),
				 errdetail("%s", problem)));
}

/*
 * Text form: "reached/steps [time of step 1, time of step 2, ...]", the
 * times as timestamptz prints them, e.g.
 *   2/4 [2026-01-05 10:00:00+00, 2026-01-06 11:30:00+00]
 */
PG_FUNCTION_INFO_V1(funnel_path_out);
Datum
funnel_path_out(PG_FUNCTION_ARGS)
{
	FunnelPath *path = PG_GETARG_FUNNEL_PATH_P(0);
	StringInfoData buf;
	int			k;

	initStringInfo(&buf);
	appendStringInfo(&buf, "%d/%d [", path->reached, path->nsteps);
	for (k = 0; k < path->reached; k++)
	{
		char	   *s = DatumGetCString(DirectFunctionCall1(timestamptz_out,
															TimestampTzGetDatum(path->at[k])));

		appendStringInfo(&buf, "%s%s", k > 0 ? ", " : "", s);
	}
	appendStringInfoChar(&buf, ']');
	PG_RETURN_CSTRING(buf.data);
}

static void
funnel_path_syntax(const char *input, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type funnel_path: \"%s\"", input),
			 errdetail("%s", detail),
			 errhint("A funnel_path looks like \"2/4 [2026-01-05 10:00:00+00, 2026-01-06 11:30:00+00]\".")));
}

PG_FUNCTION_INFO_V1(funnel_path_in);
Datum
funnel_path_in(PG_FUNCTION_ARGS)
{
	const char *input = PG_GETARG_CSTRING(0);
	char	   *copy = pstrdup(input);
	char	   *p = copy;
	char	   *end;
	long		reached,
				nsteps;
	FunnelPath *path;
	int			k = 0;
	size_t		len;

	errno = 0;
	reached = strtol(p, &end, 10);
	if (end == p || !isdigit((unsigned char) *p) || errno != 0 || *end != '/')
		funnel_path_syntax(input, "It starts with the steps reached, a slash and the steps of the funnel.");
	p = end + 1;
	nsteps = strtol(p, &end, 10);
	if (end == p || !isdigit((unsigned char) *p) || errno != 0 || strncmp(end, " [", 2) != 0)
		funnel_path_syntax(input, "It starts with the steps reached, a slash and the steps of the funnel.");
	if (nsteps < 1 || nsteps > FUNNEL_MAX_STEPS || reached < 0 || reached > nsteps)
		funnel_path_syntax(input, psprintf("A funnel has 1 to %d steps, of which 0 to all are reached.", FUNNEL_MAX_STEPS));
	p = end + 2;
	len = strlen(p);
	if (len == 0 || p[len - 1] != ']')
		funnel_path_syntax(input, "The step times end with \"]\".");
	p[len - 1] = '\0';

	path = palloc0(FUNNEL_PATH_SIZE(reached));
	SET_VARSIZE(path, FUNNEL_PATH_SIZE(reached));
	path->version = FUNNEL_PATH_VERSION;
	path->nsteps = (uint8) nsteps;
	path->reached = (uint8) reached;
	while (*p != '\0')
	{
		char	   *comma = strchr(p, ',');

		if (comma != NULL)
			*comma = '\0';
		while (*p == ' ')
			p++;
		if (*p == '\0')
			funnel_path_syntax(input, "A step time is empty.");
		if (k >= reached)
			funnel_path_syntax(input, "There are more step times than steps reached.");
		path->at[k++] = DatumGetTimestampTz(DirectFunctionCall3(timestamptz_in, CStringGetDatum(p),
																ObjectIdGetDatum(InvalidOid),
																Int32GetDatum(-1)));
		if (comma == NULL)
			break;
		p = comma + 1;
		if (*p == '\0')
			funnel_path_syntax(input, "A step time is empty.");
	}
	if (k != reached)
		funnel_path_syntax(input, "There must be one time per step reached.");
	funnel_path_validate(path, "text");
	PG_RETURN_POINTER(path);
}

/* Binary form: version, steps, reached, then one int8 per reached step. */
PG_FUNCTION_INFO_V1(funnel_path_send);
Datum
funnel_path_send(PG_FUNCTION_ARGS)
{
	FunnelPath *path = PG_GETARG_FUNNEL_PATH_P(0);
	StringInfoData buf;
	int			k;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, path->version);
	pq_sendbyte(&buf, path->nsteps);
	pq_sendbyte(&buf, path->reached);
	for (k = 0; k < path->reached; k++)
		pq_sendint64(&buf, path->at[k]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(funnel_path_recv);
Datum
funnel_path_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			version = journey_recv_uint8(buf, "funnel_path");
	int			nsteps = journey_recv_uint8(buf, "funnel_path");
	int			reached = journey_recv_uint8(buf, "funnel_path");
	FunnelPath *path;
	int			k;

	if (version != FUNNEL_PATH_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary value for type funnel_path"),
				 errdetail("Unsupported format version %d.", version)));
	if (reached > nsteps || (int64) reached * 8 != buf->len - buf->cursor)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary value for type funnel_path"),
				 errdetail("The steps reached do not match the value's length.")));
	path = palloc0(FUNNEL_PATH_SIZE(reached));
	SET_VARSIZE(path, FUNNEL_PATH_SIZE(reached));
	path->version = version;
	path->nsteps = nsteps;
	path->reached = reached;
	for (k = 0; k < reached; k++)
		path->at[k] = journey_recv_int64(buf, "funnel_path");
	journey_recv_done(buf, "funnel_path");
	funnel_path_validate(path, "binary");
	PG_RETURN_POINTER(path);
}

/* ---------------------------------------------------------------------
 * funnel_path accessors
 */

static void
funnel_path_check_step(const FunnelPath *path, int32 step, const char *what)
{
	if (step < 1 || step > path->nsteps)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s %d is out of range for a funnel of %d steps", what, step, path->nsteps),
				 errhint("Steps are numbered from 1.")));
}

PG_FUNCTION_INFO_V1(funnel_path_steps);
Datum
funnel_path_steps(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(PG_GETARG_FUNNEL_PATH_P(0)->reached);
}

PG_FUNCTION_INFO_V1(funnel_path_total_steps);
Datum
funnel_path_total_steps(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(PG_GETARG_FUNNEL_PATH_P(0)->nsteps);
}

PG_FUNCTION_INFO_V1(funnel_path_reached_at);
Datum
funnel_path_reached_at(PG_FUNCTION_ARGS)
{
	FunnelPath *path = PG_GETARG_FUNNEL_PATH_P(0);
	int32		step = PG_GETARG_INT32(1);

	funnel_path_check_step(path, step, "step");
	if (step > path->reached)
		PG_RETURN_NULL();
	PG_RETURN_TIMESTAMPTZ(path->at[step - 1]);
}

PG_FUNCTION_INFO_V1(funnel_path_time_to_step);
Datum
funnel_path_time_to_step(PG_FUNCTION_ARGS)
{
	FunnelPath *path = PG_GETARG_FUNNEL_PATH_P(0);
	int32		step = PG_GETARG_INT32(1);

	funnel_path_check_step(path, step, "step");
	if (step > path->reached)
		PG_RETURN_NULL();
	PG_RETURN_INTERVAL_P(journey_usec_to_interval(path->at[step - 1] - path->at[0]));
}

PG_FUNCTION_INFO_V1(funnel_path_time_between);
Datum
funnel_path_time_between(PG_FUNCTION_ARGS)
{
	FunnelPath *path = PG_GETARG_FUNNEL_PATH_P(0);
	int32		from_step = PG_GETARG_INT32(1);
	int32		to_step = PG_GETARG_INT32(2);

	funnel_path_check_step(path, from_step, "from_step");
	funnel_path_check_step(path, to_step, "to_step");
	if (from_step > to_step)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("from_step %d is after to_step %d", from_step, to_step)));
	if (to_step > path->reached)
		PG_RETURN_NULL();
	PG_RETURN_INTERVAL_P(journey_usec_to_interval(path->at[to_step - 1] - path->at[from_step - 1]));
}
