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
#include "common/hashfn.h"
#include "common/int.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#define FUNNEL_SERIAL_VERSION 2	/* 2: steps_hash (states are never stored) */

/*
 * The state is one chunk: a 32-byte header, the step masks in as few bytes
 * as the step count needs (1 byte up to 8 steps), then the timestamps
 * (8-aligned).  It grows by reallocation (a transition may return a new
 * pointer) to the next power-of-two size, so it fills AllocSet's chunks:
 * 10 events of a funnel of up to 8 steps fit in the first 128 bytes, and a
 * row touches its group's state in one or two cache lines.
 */
typedef struct FunnelState
{
	int64		window;			/* microseconds, > 0 */
	uint64		steps_hash;		/* label form: the steps' fingerprint; else 0 */
	int32		modes;			/* FUNNEL_* mode flags */
	int32		nsteps;			/* 0 until a row with steps arrives */
	int32		n;				/* entries kept */
	int32		cap;			/* room for entries (0 while nsteps is 0) */
	uint64		data[FLEXIBLE_ARRAY_MEMBER];	/* masks[cap], then ts[cap] */
} FunnelState;

#define FUNNEL_HEADER_SIZE offsetof(FunnelState, data)
#define FUNNEL_FIRST_SIZE 128	/* a new state, before it grows */

StaticAssertDecl(sizeof(FunnelEntry) == 16, "an entry of the search must cost 16 bytes");
StaticAssertDecl(offsetof(FunnelState, data) == 32, "the state header must stay small");

/*
 * The per-query cache of a transition (fn_extra): the last mode text seen
 * and its flags, and the parsed steps of the label form.
 */
typedef struct FunnelLabels FunnelLabels;
typedef struct FunnelCache
{
	char	   *mode_text;		/* in fn_mcxt */
	int			mode_len;
	int			mode_cap;
	int			modes;
	FunnelLabels *labels;		/* label form only */
} FunnelCache;

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
		int			i;
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
		/* funnel_mode_names[i] is the option of flag bit i */
		flag = 0;
		for (i = 0; i < (int) lengthof(funnel_mode_names); i++)
			if (strcmp(start, funnel_mode_names[i]) == 0)
				flag = 1 << i;
		if (flag != 0)
			;
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


/* Bytes per step mask for a funnel of nsteps steps. */
static inline int
funnel_mask_bytes(int nsteps)
{
	return nsteps <= 8 ? 1 : nsteps <= 16 ? 2 : nsteps <= 32 ? 4 : 8;
}

static inline uint8 *
funnel_masks(FunnelState *state)
{
	return (uint8 *) state->data;
}

/* Where the timestamps start in a state with room for cap entries. */
static inline Size
funnel_ts_offset(int nsteps, int64 cap)
{
	return TYPEALIGN(sizeof(int64), (Size) cap * funnel_mask_bytes(nsteps));
}

static inline int64 *
funnel_ts(FunnelState *state)
{
	return (int64 *) ((char *) state->data + funnel_ts_offset(state->nsteps, state->cap));
}

/* The most entries a state of `size` bytes holds. */
static int64
funnel_cap_for(Size size, int nsteps)
{
	int64		cap = (int64) ((size - FUNNEL_HEADER_SIZE) / (sizeof(int64) + funnel_mask_bytes(nsteps)));

	while (cap > 0 && FUNNEL_HEADER_SIZE + funnel_ts_offset(nsteps, cap) + sizeof(int64) * (Size) cap > size)
		cap--;
	return cap;
}

static inline uint64
funnel_mask_get(FunnelState *state, int i)
{
	uint8	   *m = funnel_masks(state);

	switch (funnel_mask_bytes(state->nsteps))
	{
		case 1:
			return m[i];
		case 2:
			return ((uint16 *) m)[i];
		case 4:
			return ((uint32 *) m)[i];
		default:
			return ((uint64 *) m)[i];
	}
}

static inline void
funnel_mask_set(FunnelState *state, int i, uint64 mask)
{
	uint8	   *m = funnel_masks(state);

	switch (funnel_mask_bytes(state->nsteps))
	{
		case 1:
			m[i] = (uint8) mask;
			break;
		case 2:
			((uint16 *) m)[i] = (uint16) mask;
			break;
		case 4:
			((uint32 *) m)[i] = (uint32) mask;
			break;
		default:
			((uint64 *) m)[i] = mask;
			break;
	}
}

/*
 * Fix a new state's step count (it has no entries yet, and is still its
 * first FUNNEL_FIRST_SIZE bytes): the room for entries follows.
 */
static void
funnel_set_nsteps(FunnelState *state, int nsteps)
{
	Assert(state->nsteps == 0 && state->n == 0);
	state->nsteps = nsteps;
	state->cap = (int32) funnel_cap_for(FUNNEL_FIRST_SIZE, nsteps);
}

/*
 * Room for `need` entries: the state, reallocated to the next power-of-two
 * size that holds them, masks moved behind the new room for timestamps
 * (the caller uses the returned pointer).  state is in aggcontext.
 */
static pg_noinline FunnelState *
funnel_grow(FunnelState *state, int32 need)
{
	Size		per = sizeof(int64) + funnel_mask_bytes(state->nsteps);
	Size		size = FUNNEL_FIRST_SIZE;
	int64		newcap;
	Size		old_ts;

	Assert(state->nsteps > 0);
	if (need <= state->cap)
		return state;
	while (FUNNEL_HEADER_SIZE + per * (Size) need + sizeof(int64) > size && size < MaxAllocSize)
		size *= 2;
	size = Min(size, MaxAllocSize);
	newcap = funnel_cap_for(size, state->nsteps);
	if (newcap < need)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many funnel events in one group"),
				 errdetail("One group can keep at most %d events matching a step.", (int) newcap)));
	old_ts = funnel_ts_offset(state->nsteps, state->cap);
	state = repalloc(state, size);
	state->cap = (int32) newcap;
	/* the masks stay; the timestamps move behind the larger mask array */
	memmove(funnel_ts(state), (char *) state->data + old_ts, (Size) state->n * sizeof(int64));
	return state;
}

/*
 * Keep a row; returns the state (moved when it grew).  Nothing else of the
 * state is read: whether the entries are sorted is seen at final time.
 */
static inline FunnelState *
funnel_append(FunnelState *state, int64 ts, uint64 mask)
{
	/* a row matching no step right after another at the same time adds nothing */
	if (mask == 0 && state->n > 0 && funnel_ts(state)[state->n - 1] == ts &&
		funnel_mask_get(state, state->n - 1) == 0)
		return state;
	if (unlikely(state->n == state->cap))
		state = funnel_grow(state, state->n + 1);
	funnel_ts(state)[state->n] = ts;
	funnel_mask_set(state, state->n, mask);
	state->n++;
	return state;
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

/* A new state in aggcontext: no steps yet. */
static FunnelState *
funnel_new_state(MemoryContext aggcontext)
{
	return MemoryContextAllocZero(aggcontext, FUNNEL_FIRST_SIZE);
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
		funnel_set_nsteps(state, nsteps);
	}
}

static FunnelCache *
funnel_cache(FunctionCallInfo fcinfo)
{
	if (fcinfo->flinfo->fn_extra == NULL)
		fcinfo->flinfo->fn_extra = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(FunnelCache));
	return (FunnelCache *) fcinfo->flinfo->fn_extra;
}

/* The flags of a mode argument, parsed once for as long as it is the same text. */
static int
funnel_cached_modes(FunctionCallInfo fcinfo, text *mode)
{
	FunnelCache *cache = funnel_cache(fcinfo);
	int			len = VARSIZE_ANY_EXHDR(mode);

	if (likely(cache->mode_text != NULL && len == cache->mode_len &&
			   memcmp(VARDATA_ANY(mode), cache->mode_text, len) == 0))
		return cache->modes;
	cache->modes = funnel_parse_modes(mode);
	if (cache->mode_text == NULL || len > cache->mode_cap)
	{
		if (cache->mode_text != NULL)
			pfree(cache->mode_text);
		cache->mode_cap = Max(len, 32);
		cache->mode_text = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, cache->mode_cap);
	}
	memcpy(cache->mode_text, VARDATA_ANY(mode), len);
	cache->mode_len = len;
	return cache->modes;
}

/*
 * The part of a transition shared by all overloads: state, window and mode
 * checks (mode_arg: the mode's argument number, or -1 for none).  Returns
 * the state.
 */
static FunnelState *
funnel_trans_begin(FunctionCallInfo fcinfo, MemoryContext aggcontext, int mode_arg)
{
	FunnelState *state = PG_ARGISNULL(0) ? NULL : (FunnelState *) PG_GETARG_POINTER(0);
	int64		window;
	int			modes = 0;

	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("funnel window must not be null")));
	if (mode_arg >= 0)
	{
		if (PG_ARGISNULL(mode_arg))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("funnel mode must not be null"),
					 errhint("Use '' for the default mode.")));
		modes = funnel_cached_modes(fcinfo, PG_GETARG_TEXT_PP(mode_arg));
	}
	window = funnel_window_usec(PG_GETARG_INTERVAL_P(2));

	if (state == NULL)
	{
		state = funnel_new_state(aggcontext);
		state->window = window;
		state->modes = modes;
	}
	else
	{
		if (window != state->window)
			funnel_params_differ("window");
		if (modes != state->modes)
			funnel_params_differ("mode");
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
	FunnelState *state = funnel_trans_begin(fcinfo, aggcontext, has_mode ? 3 : -1);
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
		state = funnel_append(state, ts, mask);
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
	FunnelState *state = funnel_trans_begin(fcinfo, aggcontext, has_mode ? 3 : -1);
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
		state = funnel_append(state, ts, mask);
	PG_RETURN_POINTER(state);
}

/* ---------------------------------------------------------------------
 * The label form: funnel_step(ts, window, label, steps text[] [, mode])
 *
 * Step k matches the rows whose label equals steps[k] byte for byte (what
 * label = steps[k] is under a deterministic collation), compared in C: no
 * boolean expression per step per row.  The steps array is parsed once
 * into a FunnelLabels (cached in fn_extra, rebuilt only when a row brings
 * another array) whose fingerprint the state keeps, so that rows and
 * partial states of one group with other steps are an error.
 */

#define FUNNEL_LABELS_LINEAR 8	/* up to this many distinct labels: a linear scan */

struct FunnelLabels
{
	MemoryContext cxt;			/* holds everything below; reset on rebuild */
	int32		nsteps;
	int32		nlabels;		/* distinct labels */
	uint64		hash;			/* fingerprint of the steps array */
	Size		array_size;		/* the steps array (a copy), to recognize it */
	char	   *array;
	const char **label;			/* per distinct label: its bytes, */
	int32	   *len;			/* its length, */
	uint64	   *mask;			/* and the steps it names */
	uint32		table_mask;		/* open addressing over the labels when */
	int32	   *table;			/* there are many: index + 1, 0 = empty */
};

static inline uint32
funnel_label_hash(const char *s, int len)
{
	return (uint32) hash_bytes((const unsigned char *) s, len);
}

/*
 * Parse a steps array into fl (its context freshly reset): a copy of the
 * array, and the labels pointing into it.
 */
static void
funnel_labels_build(FunnelLabels *fl, ArrayType *input)
{
	MemoryContext old = MemoryContextSwitchTo(fl->cxt);
	ArrayType  *steps;
	Datum	   *elems;
	bool	   *nulls;
	int			nelems;
	int			i,
				j;

	/* fl->array is set last: a steps array that fails here is never cached */
	steps = (ArrayType *) palloc(VARSIZE(input));
	memcpy(steps, input, VARSIZE(input));
	if (ARR_ELEMTYPE(steps) != TEXTOID)
		elog(ERROR, "funnel steps must be a text array");
	if (ARR_NDIM(steps) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("funnel steps must be a one-dimensional array")));
	deconstruct_array(steps, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &nelems);
	if (nelems < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a funnel needs at least one step")));
	if (nelems > FUNNEL_MAX_STEPS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a funnel has at most %d steps", FUNNEL_MAX_STEPS),
				 errdetail("%d step labels were given.", nelems)));
	fl->nsteps = nelems;
	fl->nlabels = 0;
	fl->label = palloc(nelems * sizeof(char *));
	fl->len = palloc(nelems * sizeof(int32));
	fl->mask = palloc(nelems * sizeof(uint64));
	for (i = 0; i < nelems; i++)
	{
		text	   *t;
		const char *s;
		int			len;

		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("funnel step labels must not be null"),
					 errdetail("Step %d is null.", i + 1)));
		t = DatumGetTextPP(elems[i]);
		s = VARDATA_ANY(t);
		len = VARSIZE_ANY_EXHDR(t);
		for (j = 0; j < fl->nlabels; j++)
			if (fl->len[j] == len && memcmp(fl->label[j], s, len) == 0)
				break;
		if (j == fl->nlabels)
		{
			fl->label[j] = s;
			fl->len[j] = len;
			fl->mask[j] = 0;
			fl->nlabels++;
		}
		/* a label named by several steps: a row with it satisfies them all */
		fl->mask[j] |= UINT64CONST(1) << i;
	}
	fl->table = NULL;
	fl->table_mask = 0;
	if (fl->nlabels > FUNNEL_LABELS_LINEAR)
	{
		uint32		size = 16;

		while (size < 2 * (uint32) fl->nlabels)
			size *= 2;
		fl->table = palloc0(size * sizeof(int32));
		fl->table_mask = size - 1;
		for (j = 0; j < fl->nlabels; j++)
		{
			uint32		h = funnel_label_hash(fl->label[j], fl->len[j]) & fl->table_mask;

			while (fl->table[h] != 0)
				h = (h + 1) & fl->table_mask;
			fl->table[h] = j + 1;
		}
	}
	fl->hash = hash_bytes_extended((const unsigned char *) steps, (int) VARSIZE(steps), 0);
	if (fl->hash == 0)
		fl->hash = 1;			/* 0 marks the boolean form */
	fl->array_size = VARSIZE(steps);
	fl->array = (char *) steps;
	MemoryContextSwitchTo(old);
}

/* The parsed form of this row's steps array: cached across rows. */
static FunnelLabels *
funnel_labels_get(FunctionCallInfo fcinfo, ArrayType *steps)
{
	FunnelCache *cache = funnel_cache(fcinfo);
	FunnelLabels *fl = cache->labels;

	if (likely(fl != NULL && fl->array != NULL && fl->array_size == VARSIZE(steps) &&
			   memcmp(fl->array, steps, fl->array_size) == 0))
		return fl;
	if (fl == NULL)
	{
		fl = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(FunnelLabels));
		fl->cxt = AllocSetContextCreate(fcinfo->flinfo->fn_mcxt, "funnel step labels",
										ALLOCSET_SMALL_SIZES);
		cache->labels = fl;
	}
	else
	{
		MemoryContextReset(fl->cxt);
		fl->array = NULL;
	}
	funnel_labels_build(fl, steps);
	return fl;
}

/* The steps a label names (0: none). */
static inline uint64
funnel_labels_match(const FunnelLabels *fl, const char *s, int len)
{
	int			j;

	if (fl->table == NULL)
	{
		for (j = 0; j < fl->nlabels; j++)
			if (fl->len[j] == len && memcmp(fl->label[j], s, len) == 0)
				return fl->mask[j];
		return 0;
	}
	else
	{
		uint32		h = funnel_label_hash(s, len) & fl->table_mask;

		while (fl->table[h] != 0)
		{
			j = fl->table[h] - 1;
			if (fl->len[j] == len && memcmp(fl->label[j], s, len) == 0)
				return fl->mask[j];
			h = (h + 1) & fl->table_mask;
		}
		return 0;
	}
}

/*
 * (state, ts, window, label, steps [, mode]).  A NULL or infinite ts or a
 * NULL label ignores the row (as a NULL condition does); a label matching
 * no step is a row matching no step.  A NULL window, mode, steps array or
 * step label is an error.
 */
PG_FUNCTION_INFO_V1(funnel_transfn_labels);
Datum
funnel_transfn_labels(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = journey_agg_context(fcinfo, "funnel_step");
	FunnelState *state = funnel_trans_begin(fcinfo, aggcontext, PG_NARGS() == 6 ? 5 : -1);
	FunnelLabels *fl;
	text	   *label;
	uint64		mask;
	int64		ts;

	if (PG_ARGISNULL(4))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("funnel steps must not be null")));
	fl = funnel_labels_get(fcinfo, PG_GETARG_ARRAYTYPE_P(4));
	if (unlikely(state->steps_hash != fl->hash))
	{
		if (state->steps_hash != 0)
			funnel_params_differ("steps");
		state->steps_hash = fl->hash;
		funnel_set_nsteps(state, fl->nsteps);
	}
	if (PG_ARGISNULL(1) || PG_ARGISNULL(3))
		PG_RETURN_POINTER(state);
	ts = PG_GETARG_INT64(1);
	if (TIMESTAMP_NOT_FINITE(ts))
		PG_RETURN_POINTER(state);
	label = PG_GETARG_TEXT_PP(3);
	mask = funnel_labels_match(fl, VARDATA_ANY(label), VARSIZE_ANY_EXHDR(label));
	if (mask != 0 || (state->modes & FUNNEL_ORDER))
		state = funnel_append(state, ts, mask);
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
	}
	else
	{
		if (state->window != other->window)
			funnel_params_differ("window");
		if (state->modes != other->modes)
			funnel_params_differ("mode");
		if (state->nsteps != other->nsteps && state->nsteps != 0 && other->nsteps != 0)
			funnel_params_differ("step count");
		if (state->steps_hash != other->steps_hash && state->steps_hash != 0 && other->steps_hash != 0)
			funnel_params_differ("steps");
	}
	if (state->steps_hash == 0)
		state->steps_hash = other->steps_hash;
	if (state->nsteps == 0 && other->nsteps != 0)
		funnel_set_nsteps(state, other->nsteps);
	if (other->n > 0)
	{
		int			mb = funnel_mask_bytes(state->nsteps);

		if ((int64) state->n + other->n > PG_INT32_MAX)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many funnel events in one group")));
		state = funnel_grow(state, state->n + other->n);
		memcpy(&funnel_ts(state)[state->n], funnel_ts(other), other->n * sizeof(int64));
		memcpy(funnel_masks(state) + (Size) state->n * mb, funnel_masks(other), (Size) other->n * mb);
		state->n += other->n;
	}
	PG_RETURN_POINTER(state);
}

/*
 * Serialized state: version, window, steps fingerprint, modes, nsteps,
 * count, then (ts int8, mask int8) per entry.
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
	enlargeStringInfo(&buf, 1 + 8 + 8 + 4 + 4 + 4 + 16 * state->n);
	pq_sendbyte(&buf, FUNNEL_SERIAL_VERSION);
	pq_sendint64(&buf, state->window);
	pq_sendint64(&buf, (int64) state->steps_hash);
	pq_sendint32(&buf, state->modes);
	pq_sendint32(&buf, state->nsteps);
	pq_sendint32(&buf, state->n);
	for (i = 0; i < state->n; i++)
	{
		pq_sendint64(&buf, funnel_ts(state)[i]);
		pq_sendint64(&buf, (int64) funnel_mask_get(state, i));
	}
	Assert(buf.len == VARHDRSZ + 1 + 8 + 8 + 4 + 4 + 4 + 16 * state->n);
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
	int32		nsteps;
	int32		n;
	int			i;

	journey_bytea_reader(&buf, data);
	version = journey_recv_uint8(&buf, what);
	if (version != FUNNEL_SERIAL_VERSION)
		journey_invalid_value(JOURNEY_FROM_STATE, what, "Unsupported state version %d.", version);
	state = funnel_new_state(aggcontext);
	state->window = journey_recv_int64(&buf, what);
	state->steps_hash = (uint64) journey_recv_int64(&buf, what);
	state->modes = journey_recv_int32(&buf, what);
	nsteps = journey_recv_int32(&buf, what);
	n = journey_recv_int32(&buf, what);
	if (state->window <= 0)
		journey_invalid_value(JOURNEY_FROM_STATE, what, "The window is not positive.");
	if (!FUNNEL_MODES_VALID(state->modes))
		journey_invalid_value(JOURNEY_FROM_STATE, what, "The mode flags are invalid.");
	if (nsteps < 0 || nsteps > FUNNEL_MAX_STEPS)
		journey_invalid_value(JOURNEY_FROM_STATE, what, "The step count is out of range.");
	if (n < 0 || (int64) n * 16 != buf.len - buf.cursor)
		journey_invalid_value(JOURNEY_FROM_STATE, what, "The entry count does not match the state's length.");
	if (n > 0 && nsteps == 0)
		journey_invalid_value(JOURNEY_FROM_STATE, what, "Entries without a step count.");
	if (nsteps > 0)
		funnel_set_nsteps(state, nsteps);
	if (n > 0)
		state = funnel_grow(state, n);
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
		funnel_ts(state)[i] = ts;
		funnel_mask_set(state, i, mask);
	}
	state->n = n;
	journey_recv_done(&buf, what);
	PG_RETURN_POINTER(state);
}

/* ---------------------------------------------------------------------
 * Final functions
 */

/*
 * The state's entries as the search takes them, into e[0..n), sorted
 * unless the rows came in order.  (Not inlined: the caller's stack buffer
 * is then seen as written.)
 */
static pg_noinline void
funnel_state_entries(FunnelState *state, FunnelEntry *e)
{
	const int64 *ts = funnel_ts(state);
	int			n = state->n;
	int			i;

	for (i = 0; i < n; i++)
	{
		e[i].ts = ts[i];
		e[i].mask = funnel_mask_get(state, i);
	}
	funnel_sort_entries(e, n);
}

/* The search over a state's entries; at: NULL or nsteps slots. */
static int
funnel_state_search(FunnelState *state, int64 *at)
{
	FunnelEntry local[64];
	FunnelEntry *e;
	int			level;

	if (state->nsteps == 0 || state->n == 0)
		return 0;
	e = state->n <= (int) lengthof(local) ? local : palloc(state->n * sizeof(FunnelEntry));
	funnel_state_entries(state, e);
	level = funnel_search(e, state->n, state->window, state->modes, state->nsteps, at);
	if (e != local)
		pfree(e);
	return level;
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
