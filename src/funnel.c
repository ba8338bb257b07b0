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

#include <ctype.h>

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "common/int.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#define FUNNEL_SERIAL_VERSION 3	/* 2: steps_hash; 3: the mode text (states are never stored) */

/*
 * The state is one chunk: a 32-byte header, the step masks in as few bytes
 * as the step count needs (1 byte up to 8 steps), then the timestamps
 * (8-aligned).  It grows by reallocation (a transition may return a new
 * pointer) to the next power-of-two size, so it fills AllocSet's chunks:
 * 9 events of a funnel of up to 8 steps fit in the first 128 bytes, and a
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
	const FunnelOptions *opts;	/* journey's own options, or NULL (see FunnelCache) */
	uint64		data[FLEXIBLE_ARRAY_MEMBER];	/* masks[cap], then ts[cap] */
} FunnelState;

#define FUNNEL_HEADER_SIZE offsetof(FunnelState, data)
#define FUNNEL_FIRST_SIZE 128	/* a new state, before it grows */

StaticAssertDecl(sizeof(FunnelEntry) == 16, "an entry of the search must cost 16 bytes");
StaticAssertDecl(offsetof(FunnelState, data) == 40, "the state header must stay small");

/*
 * The per-query cache of a transition (fn_extra): the last mode text seen
 * and its flags, and the parsed steps of the label form.  A mode with
 * journey's own options (any_order, exclude, step_windows) is parsed into
 * a FunnelOptions in fn_mcxt that is never freed while the query runs:
 * the states of the groups point to it (no allocation per group), and a
 * new mode text gets a new one.
 */
typedef struct FunnelLabels FunnelLabels;
typedef struct FunnelCache
{
	char	   *mode_text;		/* in fn_mcxt */
	int			mode_len;
	int			mode_cap;
	int			modes;
	const FunnelOptions *opts;	/* with journey's own options: their parse */
	FunnelLabels *labels;		/* label form only */
} FunnelCache;

/* the options a mode text names, flag bit i for element i */
static const char *const funnel_mode_names[] = {
	"strict_deduplication", "strict_order", "strict_increase", "strict_once", "allow_reentry",
	"any_order"
};

/* how a funnel or funnel_path value prints its flags, bit i for element i */
static const char *const funnel_flag_names[] = {
	"strict_deduplication", "strict_order", "strict_increase", "strict_once", "allow_reentry",
	"any_order", "step_windows", "exclusions"
};

#define FUNNEL_MODES_HINT "The mode is a comma-separated list of strict_deduplication, strict_order, strict_increase, strict_once, allow_reentry, or of any_order, exclude=A-B, exclusion=drop|truncate, step_windows={...}."

/* ---------------------------------------------------------------------
 * Options
 */

/* Blanks around an option or value. */
static inline bool
funnel_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void
funnel_bad_option(const char *mode, const char *fmt, const char *arg, const char *hint)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg(fmt, arg),
			 errdetail("The funnel mode is \"%s\".", mode),
			 hint ? errhint("%s", hint) : 0));
}

/* "A-B" (1 <= A < B): the step range of an exclusion; end: after it. */
static void
funnel_parse_range(const char *mode, const char *v, int *from, int *to, const char **end)
{
	char	   *e1;
	char	   *e2;
	long		a,
				b;

	errno = 0;
	a = strtol(v, &e1, 10);
	if (e1 == v || *e1 != '-' || errno != 0 || !isdigit((unsigned char) *v))
		funnel_bad_option(mode, "invalid funnel exclusion \"%s\"", v,
						  "Write exclude=A-B, A and B the steps between which the exclusion applies, e.g. exclude=2-3.");
	b = strtol(e1 + 1, &e2, 10);
	if (e2 == e1 + 1 || errno != 0 || !isdigit((unsigned char) e1[1]))
		funnel_bad_option(mode, "invalid funnel exclusion \"%s\"", v,
						  "Write exclude=A-B, A and B the steps between which the exclusion applies, e.g. exclude=2-3.");
	if (a < 1 || b <= a || b > FUNNEL_MAX_STEPS)
		funnel_bad_option(mode, "funnel exclusion \"%s\" needs steps 1 <= A < B", v, NULL);
	*from = (int) a;
	*to = (int) b;
	*end = e2;
}

/* "{w1,w2,...}": the step windows (an empty or NULL element: none). */
static void
funnel_parse_windows(const char *mode, char *v, FunnelOptions *o)
{
	size_t		len = strlen(v);
	char	   *p;

	if (len < 2 || v[0] != '{' || v[len - 1] != '}')
		funnel_bad_option(mode, "invalid funnel step windows \"%s\"", v,
						  "Write step_windows={1 day,2 days,...}, one window per step after the first (empty or NULL for none).");
	v[len - 1] = '\0';
	p = v + 1;
	for (;;)
	{
		char	   *comma = strchr(p, ',');
		char	   *q;
		char	   *qe;

		if (comma != NULL)
			*comma = '\0';
		q = p;
		while (funnel_blank(*q))
			q++;
		qe = q + strlen(q);
		while (qe > q && funnel_blank(qe[-1]))
			*--qe = '\0';
		if (o->nwindows >= FUNNEL_MAX_STEPS - 1)
			funnel_bad_option(mode, "too many funnel step windows in \"%s\"", v, NULL);
		if (*q == '\0' || pg_strcasecmp(q, "null") == 0)
			o->step_window[o->nwindows++] = 0;
		else
		{
			Interval   *iv = DatumGetIntervalP(DirectFunctionCall3(interval_in, CStringGetDatum(q),
																   ObjectIdGetDatum(InvalidOid),
																   Int32GetDatum(-1)));
			int64		us = journey_interval_to_usec(iv, "a funnel step window");

			if (us <= 0)
				funnel_bad_option(mode, "funnel step window \"%s\" must be positive", q, NULL);
			o->step_window[o->nwindows++] = us;
		}
		if (comma == NULL)
			break;
		p = comma + 1;
	}
}

void
funnel_parse_options(const char *text, int len, bool labels, FunnelOptions *o)
{
	char	   *mode = pnstrdup(text, len);
	char	   *s = pstrdup(mode);
	char	   *p = s;
	bool		have_behaviour = false;

	memset(o, 0, sizeof(*o));
	while (funnel_blank(*p))
		p++;
	while (*p != '\0')
	{
		char	   *start = p;
		char	   *end;
		char	   *eq;
		int			depth = 0;
		int			flag = 0;
		int			i;
		bool		last;

		/* the option runs to the next comma outside braces */
		while (*p != '\0' && (*p != ',' || depth > 0))
		{
			if (*p == '{')
				depth++;
			else if (*p == '}' && depth > 0)
				depth--;
			p++;
		}
		last = (*p == '\0');
		end = p;
		if (!last)
			p++;
		while (end > start && funnel_blank(end[-1]))
			end--;
		*end = '\0';
		if (*start == '\0')
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("empty option in funnel mode \"%s\"", mode),
					 errhint(FUNNEL_MODES_HINT)));
		while (funnel_blank(*p))
			p++;
		if (!last && *p == '\0')
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("empty option in funnel mode \"%s\"", mode)));

		eq = strchr(start, '=');
		if (eq != NULL)
		{
			char	   *key = start;
			char	   *val = eq + 1;
			char	   *ke = eq;

			while (ke > key && funnel_blank(ke[-1]))
				ke--;
			*ke = '\0';
			while (funnel_blank(*val))
				val++;
			if (strcmp(key, "exclude") == 0)
			{
				FunnelExclusion *x;
				const char *after;

				if (o->nexcl >= FUNNEL_MAX_EXCLUSIONS)
					funnel_bad_option(mode, "a funnel has at most %s exclusions", CppAsString2(FUNNEL_MAX_EXCLUSIONS), NULL);
				x = &o->excl[o->nexcl];
				funnel_parse_range(mode, val, &x->from, &x->to, &after);
				if (labels)
				{
					if (*after != ':' || after[1] == '\0')
						funnel_bad_option(mode, "funnel exclusion \"%s\" names no label", val,
										  "Over labels, write exclude=A-B:label, e.g. exclude=2-3:refund.");
					x->label = after + 1;
					x->label_len = (int) strlen(after + 1);
				}
				else if (*after != '\0')
					funnel_bad_option(mode, "invalid funnel exclusion \"%s\"", val,
									  "With boolean conditions, write exclude=A-B: the exclusion's condition is the argument after the step conditions.");
				o->nexcl++;
				o->modes |= FUNNEL_EXCLUSIONS;
				continue;
			}
			if (strcmp(key, "exclusion") == 0)
			{
				if (have_behaviour)
					funnel_bad_option(mode, "funnel option \"%s\" is given twice", "exclusion", NULL);
				have_behaviour = true;
				if (strcmp(val, "drop") == 0)
					o->truncate = false;
				else if (strcmp(val, "truncate") == 0)
					o->truncate = true;
				else
					funnel_bad_option(mode, "unknown funnel exclusion behaviour \"%s\"", val,
									  "Use exclusion=drop (the customer leaves the funnel) or exclusion=truncate (it counts up to the step before the exclusion).");
				continue;
			}
			if (strcmp(key, "step_windows") == 0)
			{
				if (o->modes & FUNNEL_STEP_WINDOWS)
					funnel_bad_option(mode, "funnel option \"%s\" is given twice", "step_windows", NULL);
				funnel_parse_windows(mode, val, o);
				o->modes |= FUNNEL_STEP_WINDOWS;
				continue;
			}
			*eq = '=';
			funnel_bad_option(mode, "unknown funnel option \"%s\"", start, FUNNEL_MODES_HINT);
		}

		/* funnel_mode_names[i] is the option of flag bit i */
		for (i = 0; i < (int) lengthof(funnel_mode_names); i++)
			if (strcmp(start, funnel_mode_names[i]) == 0)
				flag = 1 << i;
		if (flag == 0 && strcmp(start, "strict") == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown funnel option \"strict\""),
					 errhint("ClickHouse renamed \"strict\" to \"strict_deduplication\"; use that.")));
		if (flag == 0)
			funnel_bad_option(mode, "unknown funnel option \"%s\"", start, FUNNEL_MODES_HINT);
		if (o->modes & flag)
			funnel_bad_option(mode, "funnel option \"%s\" is given twice", start, NULL);
		o->modes |= flag;
	}
	if ((o->modes & FUNNEL_REENTRY) && !(o->modes & FUNNEL_ORDER))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("funnel option \"allow_reentry\" requires \"strict_order\""),
				 errdetail("allow_reentry only changes what strict_order does with an out-of-order step.")));
	if (have_behaviour && o->nexcl == 0)
		funnel_bad_option(mode, "funnel option \"%s\" needs an exclude=A-B option", "exclusion", NULL);
	if ((o->modes & FUNNEL_EXT_MODES) && (o->modes & FUNNEL_CLASSIC_MODES))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("funnel options any_order, exclude and step_windows do not combine with strict_* options"),
				 errdetail("The funnel mode is \"%s\".", mode),
				 errhint("They follow windowFunnel's default mode.")));
	if ((o->modes & FUNNEL_ANY_ORDER) && (o->modes & (FUNNEL_STEP_WINDOWS | FUNNEL_EXCLUSIONS)))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("funnel option any_order does not combine with exclude or step_windows"),
				 errdetail("The funnel mode is \"%s\".", mode),
				 errhint("Steps done in any order have no step between which an exclusion or a step window applies.")));
	o->text = mode;
	o->text_len = len;
	/* s stays: the exclusion labels point into it */
}

void
funnel_check_options(const FunnelOptions *o, int nsteps)
{
	int			x;

	if ((o->modes & FUNNEL_STEP_WINDOWS) && o->nwindows != nsteps - 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a funnel of %d steps takes %d step windows, not %d", nsteps, nsteps - 1, o->nwindows),
				 errhint("step_windows={...} gives the longest time from each step to the next.")));
	for (x = 0; x < o->nexcl; x++)
		if (o->excl[x].to > nsteps)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("funnel exclusion %d-%d is out of range for a funnel of %d steps",
							o->excl[x].from, o->excl[x].to, nsteps)));
	if (nsteps + o->nexcl > FUNNEL_MAX_STEPS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a funnel has at most %d steps and exclusions together", FUNNEL_MAX_STEPS)));
}

bool
funnel_options_equal(const FunnelOptions *a, const FunnelOptions *b)
{
	int			x;

	if (a == b)
		return true;
	if (a == NULL || b == NULL)
		return false;
	if (a->modes != b->modes || a->truncate != b->truncate || a->nexcl != b->nexcl ||
		a->nwindows != b->nwindows ||
		memcmp(a->step_window, b->step_window, sizeof(int64) * a->nwindows) != 0)
		return false;
	for (x = 0; x < a->nexcl; x++)
		if (a->excl[x].from != b->excl[x].from || a->excl[x].to != b->excl[x].to ||
			a->excl[x].label_len != b->excl[x].label_len ||
			(a->excl[x].label_len > 0 && memcmp(a->excl[x].label, b->excl[x].label, a->excl[x].label_len) != 0))
			return false;
	return true;
}

/*
 * Parse a comma-separated list of windowFunnel options only (the flags
 * funnel_search takes); unknown, repeated or contradictory options are
 * errors naming the option, journey's own options an error (0A000).
 */
int
funnel_parse_modes(text *mode)
{
	FunnelOptions o;

	funnel_parse_options(VARDATA_ANY(mode), VARSIZE_ANY_EXHDR(mode), false, &o);
	if (o.modes & FUNNEL_EXT_MODES)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("funnel options any_order, exclude and step_windows are not supported here"),
				 errdetail("The funnel mode is \"%s\".", text_to_cstring(mode))));
	return o.modes;
}

const char *
funnel_modes_text(int modes)
{
	StringInfoData buf;
	int			i;

	if (modes == 0)
		return "default";
	initStringInfo(&buf);
	for (i = 0; i < (int) lengthof(funnel_flag_names); i++)
		if (modes & (1 << i))
			appendStringInfo(&buf, "%s%s", buf.len > 0 ? "," : "", funnel_flag_names[i]);
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

		for (i = 0; i < (int) lengthof(funnel_flag_names); i++)
			if (strlen(funnel_flag_names[i]) == len && strncmp(s, funnel_flag_names[i], len) == 0)
				flag = 1 << i;
		/* canonical: each option once, in the order of funnel_flag_names */
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

/* The exclusions of a state (their conditions are the last mask bits). */
static inline int
funnel_state_nexcl(const FunnelState *state)
{
	return state->opts == NULL ? 0 : state->opts->nexcl;
}

/* A new state in aggcontext: no steps yet. */
static FunnelState *
funnel_new_state(MemoryContext aggcontext)
{
	return MemoryContextAllocZero(aggcontext, FUNNEL_FIRST_SIZE);
}

/*
 * The number of conditions a row gives (steps, then exclusions): the same
 * for every row of a group.
 */
static void
funnel_check_nsteps(FunnelState *state, int nsteps)
{
	int			nexcl = funnel_state_nexcl(state);

	if (nsteps - nexcl < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a funnel needs at least one step"),
				 nexcl > 0 ? errdetail("The mode names %d exclusions; their conditions follow the step conditions.", nexcl) : 0));
	if (state->opts != NULL && nsteps <= FUNNEL_MAX_STEPS)
		funnel_check_options(state->opts, nsteps - nexcl);
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

/*
 * The flags of a mode argument, parsed once for as long as it is the same
 * text; cache->opts is set to its options when it has journey's own.
 */
static int
funnel_cached_modes(FunctionCallInfo fcinfo, text *mode, bool labels)
{
	FunnelCache *cache = funnel_cache(fcinfo);
	int			len = VARSIZE_ANY_EXHDR(mode);
	MemoryContext old;
	FunnelOptions *o;

	if (likely(cache->mode_text != NULL && len == cache->mode_len &&
			   memcmp(VARDATA_ANY(mode), cache->mode_text, len) == 0))
		return cache->modes;
	old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
	o = palloc(sizeof(FunnelOptions));
	funnel_parse_options(VARDATA_ANY(mode), len, labels, o);
	MemoryContextSwitchTo(old);
	cache->modes = o->modes;
	if (o->modes & FUNNEL_EXT_MODES)
		cache->opts = o;
	else
	{
		cache->opts = NULL;
		pfree(o);
	}
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
funnel_trans_begin(FunctionCallInfo fcinfo, MemoryContext aggcontext, int mode_arg, bool labels)
{
	FunnelState *state = PG_ARGISNULL(0) ? NULL : (FunnelState *) PG_GETARG_POINTER(0);
	int64		window;
	int			modes = 0;
	const FunnelOptions *opts = NULL;

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
		modes = funnel_cached_modes(fcinfo, PG_GETARG_TEXT_PP(mode_arg), labels);
		opts = funnel_cache(fcinfo)->opts;
	}
	window = funnel_window_usec(PG_GETARG_INTERVAL_P(2));

	if (state == NULL)
	{
		state = funnel_new_state(aggcontext);
		state->window = window;
		state->modes = modes;
		state->opts = opts;
	}
	else
	{
		if (window != state->window)
			funnel_params_differ("window");
		if (modes != state->modes)
			funnel_params_differ("mode");
		if (unlikely(opts != state->opts) && !funnel_options_equal(opts, state->opts))
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
	FunnelState *state = funnel_trans_begin(fcinfo, aggcontext, has_mode ? 3 : -1, false);
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
	FunnelState *state = funnel_trans_begin(fcinfo, aggcontext, has_mode ? 3 : -1, false);
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
	const FunnelOptions *opts;	/* the exclusions it was built with */
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
funnel_labels_build(FunnelLabels *fl, ArrayType *input, const FunnelOptions *opts)
{
	int			nexcl = opts == NULL ? 0 : opts->nexcl;
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
	if (opts != NULL)
		funnel_check_options(opts, nelems);
	fl->nsteps = nelems;
	fl->nlabels = 0;
	fl->label = palloc((nelems + nexcl) * sizeof(char *));
	fl->len = palloc((nelems + nexcl) * sizeof(int32));
	fl->mask = palloc((nelems + nexcl) * sizeof(uint64));
	for (i = 0; i < nelems + nexcl; i++)
	{
		text	   *t;
		const char *s;
		int			len;

		if (i >= nelems)
		{
			/* an exclusion's label: bit nsteps + x */
			s = opts->excl[i - nelems].label;
			len = opts->excl[i - nelems].label_len;
		}
		else if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("funnel step labels must not be null"),
					 errdetail("Step %d is null.", i + 1)));
		else
		{
			t = DatumGetTextPP(elems[i]);
			s = VARDATA_ANY(t);
			len = VARSIZE_ANY_EXHDR(t);
		}
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
	fl->opts = opts;
	if (fl->hash == 0)
		fl->hash = 1;			/* 0 marks the boolean form */
	fl->array_size = VARSIZE(steps);
	fl->array = (char *) steps;
	MemoryContextSwitchTo(old);
}

/* The parsed form of this row's steps array: cached across rows. */
static FunnelLabels *
funnel_labels_get(FunctionCallInfo fcinfo, ArrayType *steps, const FunnelOptions *opts)
{
	FunnelCache *cache = funnel_cache(fcinfo);
	FunnelLabels *fl = cache->labels;

	if (likely(fl != NULL && fl->array != NULL && fl->opts == opts && fl->array_size == VARSIZE(steps) &&
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
	funnel_labels_build(fl, steps, opts);
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
	FunnelState *state = funnel_trans_begin(fcinfo, aggcontext, PG_NARGS() == 6 ? 5 : -1, true);
	FunnelLabels *fl;
	text	   *label;
	uint64		mask;
	int64		ts;

	if (PG_ARGISNULL(4))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("funnel steps must not be null")));
	fl = funnel_labels_get(fcinfo, PG_GETARG_ARRAYTYPE_P(4), state->opts);
	if (unlikely(state->steps_hash != fl->hash))
	{
		if (state->steps_hash != 0)
			funnel_params_differ("steps");
		state->steps_hash = fl->hash;
		funnel_set_nsteps(state, fl->nsteps + funnel_state_nexcl(state));
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
		state->opts = other->opts;
	}
	else
	{
		if (state->window != other->window)
			funnel_params_differ("window");
		if (state->modes != other->modes || !funnel_options_equal(state->opts, other->opts))
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
 * count, the mode text when it has journey's own options (int4 length,
 * -1 for none, then its bytes), then (ts int8, mask int8) per entry.
 */
PG_FUNCTION_INFO_V1(funnel_serialize);
Datum
funnel_serialize(PG_FUNCTION_ARGS)
{
	FunnelState *state = (FunnelState *) PG_GETARG_POINTER(0);
	StringInfoData buf;
	int			i;
	int			textlen = state->opts == NULL ? 0 : state->opts->text_len;

	journey_agg_context(fcinfo, "funnel_serialize");
	pq_begintypsend(&buf);
	enlargeStringInfo(&buf, 1 + 8 + 8 + 4 + 4 + 4 + 4 + textlen + 16 * state->n);
	pq_sendbyte(&buf, FUNNEL_SERIAL_VERSION);
	pq_sendint64(&buf, state->window);
	pq_sendint64(&buf, (int64) state->steps_hash);
	pq_sendint32(&buf, state->modes);
	pq_sendint32(&buf, state->nsteps);
	pq_sendint32(&buf, state->n);
	pq_sendint32(&buf, state->opts == NULL ? -1 : textlen);
	if (state->opts != NULL)
		pq_sendbytes(&buf, state->opts->text, textlen);
	for (i = 0; i < state->n; i++)
	{
		pq_sendint64(&buf, funnel_ts(state)[i]);
		pq_sendint64(&buf, (int64) funnel_mask_get(state, i));
	}
	Assert(buf.len == VARHDRSZ + 1 + 8 + 8 + 4 + 4 + 4 + 4 + (state->opts ? textlen : 0) + 16 * state->n);
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
	int32		textlen;
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
	textlen = journey_recv_int32(&buf, what);
	if (textlen >= 0)
	{
		FunnelCache *cache = funnel_cache(fcinfo);
		text	   *mode;

		if (textlen > buf.len - buf.cursor)
			journey_invalid_value(JOURNEY_FROM_STATE, what, "The mode text is truncated.");
		mode = (text *) palloc(VARHDRSZ + textlen);
		SET_VARSIZE(mode, VARHDRSZ + textlen);
		memcpy(VARDATA(mode), buf.data + buf.cursor, textlen);
		buf.cursor += textlen;
		if (funnel_cached_modes(fcinfo, mode, state->steps_hash != 0) != state->modes ||
			cache->opts == NULL)
			journey_invalid_value(JOURNEY_FROM_STATE, what, "The mode text does not match the mode flags.");
		state->opts = cache->opts;
	}
	else if (textlen != -1 || (state->modes & FUNNEL_EXT_MODES))
		journey_invalid_value(JOURNEY_FROM_STATE, what, "The mode text is missing.");
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

/*
 * The search over a state's entries; at: NULL or nsteps slots.  *dropped:
 * an exclusion dropped the customer (exclusion=drop).
 */
static int
funnel_state_search(FunnelState *state, int64 *at, bool *dropped)
{
	FunnelEntry local[64];
	FunnelEntry *e;
	int			level;

	*dropped = false;
	if (state->nsteps == 0 || state->n == 0)
		return 0;
	e = state->n <= (int) lengthof(local) ? local : palloc(state->n * sizeof(FunnelEntry));
	funnel_state_entries(state, e);
	if (state->opts != NULL)
		level = funnel_search_ext(e, state->n, state->window, state->opts,
								  state->nsteps - state->opts->nexcl, at, dropped);
	else
		level = funnel_search(e, state->n, state->window, state->modes, state->nsteps, at);
	if (e != local)
		pfree(e);
	return level;
}

/*
 * funnel_step's final function: the level reached, 0 without step 1;
 * NULL for a customer an exclusion dropped (exclusion=drop).
 */
PG_FUNCTION_INFO_V1(funnel_step_final);
Datum
funnel_step_final(PG_FUNCTION_ARGS)
{
	bool		dropped;
	int			level;

	if (PG_ARGISNULL(0))
		PG_RETURN_INT32(0);
	level = funnel_state_search((FunnelState *) PG_GETARG_POINTER(0), NULL, &dropped);
	if (dropped)
		PG_RETURN_NULL();
	PG_RETURN_INT32(level);
}

/* The customer's path, or NULL when an exclusion dropped it. */
static FunnelPath *
funnel_path_build(FunnelState *state, bool from_timestamp)
{
	int64		at[FUNNEL_MAX_STEPS];
	bool		dropped;
	int			depth = funnel_state_search(state, at, &dropped);
	FunnelPath *path;
	int			k;

	if (dropped)
		return NULL;
	path = funnel_path_make_ext(state->nsteps - funnel_state_nexcl(state), depth,
								state->window, state->modes,
								(state->modes & FUNNEL_STEP_WINDOWS) ? state->opts->step_window : NULL);

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

	FunnelPath *path;

	if (state == NULL || state->nsteps == 0)
		PG_RETURN_NULL();
	path = funnel_path_build(state, false);
	if (path == NULL)
		PG_RETURN_NULL();
	PG_RETURN_POINTER(path);
}

/* For timestamp input: the reported times are converted as ts::timestamptz is. */
PG_FUNCTION_INFO_V1(funnel_path_final_ts);
Datum
funnel_path_final_ts(PG_FUNCTION_ARGS)
{
	FunnelState *state = PG_ARGISNULL(0) ? NULL : (FunnelState *) PG_GETARG_POINTER(0);

	FunnelPath *path;

	if (state == NULL || state->nsteps == 0)
		PG_RETURN_NULL();
	path = funnel_path_build(state, true);
	if (path == NULL)
		PG_RETURN_NULL();
	PG_RETURN_POINTER(path);
}
