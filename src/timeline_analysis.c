/*
 * timeline_analysis.c — the per-customer analyses over a stored journey:
 * funnel_step, funnel_path, time_to_first_value, lifecycle_stage,
 * lifecycle_status, active_periods, retention and clv_inputs, each a plain
 * function of one journey value with the steps and conditions given as
 * labels.
 *
 * Each one walks the journey's events once (in time order) and feeds the
 * same core as its row aggregate (src/funnel_search.c, src/analysis.h):
 * an event "satisfies" a condition when its label is one of the
 * condition's labels, exactly as a row satisfies `label = ANY(labels)`.
 * The journey's dictionary is matched against the labels once per call
 * (a binary search per label), then every event costs a table lookup.
 * Events that provably cannot change the answer are skipped and the walk
 * stops as soon as the answer is known (after as_of, after the last
 * period, once every retention condition is met, ...).
 *
 * Per call site (fn_extra) the parsed label arrays, the funnel mode and
 * scratch buffers are kept, so a scan over a million journeys makes no
 * catalog lookup and no allocation per event.
 *
 * NULL handling: a NULL journey is a customer without events (funnel
 * level 0, stage prospect, no active period, retention zeros, NULL time
 * to first value and clv_inputs), which is what the row aggregates give
 * for a customer whose rows all drop out.  NULL parameters (window, mode,
 * steps, label arrays, as_of, ...) are errors, as in the aggregates; a
 * NULL element of a label array matches no event (a funnel step must not
 * be NULL).
 */
#include "journey.h"
#include "analysis.h"
#include "funnel.h"
#include "timeline.h"

#include "catalog/pg_type.h"
#include "common/int.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "port/pg_bitutils.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/varbit.h"

#define ANALYSIS_INTERRUPT_EVERY 0xFFFF

/* A text[] argument as last seen at this call site, and its elements. */
typedef struct LabelList
{
	struct varlena *copy;		/* the array, detoasted, in the cache context */
	int			n;
	const char **data;			/* element bytes (into copy); NULL for NULL */
	int		   *len;
	bool		stable;			/* a constant argument: never compared again */
} LabelList;

typedef struct AnalysisCache
{
	MemoryContext mcxt;
	LabelList	lists[2];
	struct varlena *mode_copy;	/* funnel: the mode text as last seen */
	int			modes;
	FunnelOptions *funnel_opts;	/* funnel: its parse, NULL without journey's own options */
	uint64	   *masks;			/* per label of the journey: conditions met */
	int			maxmasks;
	FunnelEntry *entries;		/* funnel: the entries of one journey */
	int64		maxentries;
	Oid		   *stage_oids;		/* lifecycle_stage's labels */
	TupleDesc	tupdesc;		/* lifecycle_status, clv_inputs: the row type */
} AnalysisCache;

static AnalysisCache *
analysis_cache(FunctionCallInfo fcinfo)
{
	AnalysisCache *c = (AnalysisCache *) fcinfo->flinfo->fn_extra;

	if (c == NULL)
	{
		c = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(AnalysisCache));
		c->mcxt = fcinfo->flinfo->fn_mcxt;
		fcinfo->flinfo->fn_extra = c;
	}
	return c;
}

/*
 * The label array in argument argno, parsed once per distinct value: a
 * call site with a constant array parses it on its first call only.  what
 * names the argument in errors; a NULL array is an error.
 */
static LabelList *
analysis_labels(FunctionCallInfo fcinfo, AnalysisCache *c, int slot, int argno, const char *what)
{
	LabelList  *l = &c->lists[slot];
	struct varlena *raw;
	ArrayType  *arr;
	MemoryContext old;
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	int			i;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", what)));
	if (l->copy != NULL && l->stable)
		return l;
	raw = PG_DETOAST_DATUM(PG_GETARG_DATUM(argno));
	if (l->copy != NULL && VARSIZE(l->copy) == VARSIZE(raw) &&
		memcmp(l->copy, raw, VARSIZE(raw)) == 0)
		return l;

	arr = (ArrayType *) raw;
	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s must be a one-dimensional array", what)));
	if (ARR_ELEMTYPE(arr) != TEXTOID)
		elog(ERROR, "%s must be a text array", what);

	if (l->copy != NULL)
	{
		pfree(l->copy);
		pfree(l->data);
		pfree(l->len);
		l->copy = NULL;
	}
	old = MemoryContextSwitchTo(c->mcxt);
	l->copy = palloc(VARSIZE(raw));
	memcpy(l->copy, raw, VARSIZE(raw));
	deconstruct_array((ArrayType *) l->copy, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	l->data = palloc(sizeof(char *) * Max(n, 1));
	l->len = palloc(sizeof(int) * Max(n, 1));
	MemoryContextSwitchTo(old);
	for (i = 0; i < n; i++)
	{
		l->data[i] = nulls[i] ? NULL : VARDATA_ANY(DatumGetPointer(elems[i]));
		l->len[i] = nulls[i] ? 0 : (int) VARSIZE_ANY_EXHDR(DatumGetPointer(elems[i]));
	}
	l->n = n;
	/* a Const or external Param keeps its value for the FmgrInfo's life */
	l->stable = get_fn_expr_arg_stable(fcinfo->flinfo, argno);
	pfree(elems);
	pfree(nulls);
	return l;
}

/* The per-label masks of a journey, zeroed (room for r->nlabels). */
static uint64 *
analysis_masks(AnalysisCache *c, const JourneyReader *r)
{
	if (r->nlabels > c->maxmasks)
	{
		int			newmax = Max(r->nlabels, 2 * c->maxmasks);

		if (c->masks != NULL)
			pfree(c->masks);
		c->masks = MemoryContextAllocHuge(c->mcxt, sizeof(uint64) * (Size) newmax);
		c->maxmasks = newmax;
	}
	if (r->nlabels > 0)
		memset(c->masks, 0, sizeof(uint64) * r->nlabels);
	return c->masks;
}

/*
 * Mark in masks the journey's labels that are elements of l: element k
 * sets bit k when per_element, else bit `bit`.  Returns the bits set.
 */
static uint64
analysis_match(const JourneyReader *r, uint64 *masks, const LabelList *l, bool per_element, int bit)
{
	uint64		all = 0;
	int			k;

	for (k = 0; k < l->n; k++)
	{
		int			idx;
		uint64		b = UINT64CONST(1) << (per_element ? k : bit);

		if (l->data[k] == NULL)
			continue;
		idx = journey_label_index(r, l->data[k], l->len[k]);
		if (idx >= 0)
		{
			masks[idx] |= b;
			all |= b;
		}
	}
	return all;
}

/*
 * analysis_match(r, masks, steps, true, 0) for a small dictionary, in one
 * pass over it (no lookup call per step): masks[i] gets bit k for every
 * step k whose label is label i, the first such i only as
 * journey_label_index finds it.  Sets masks[0..nlabels) and returns the
 * bits set.
 */
static uint64
analysis_match_steps(const JourneyReader *r, uint64 *masks, const LabelList *l)
{
	uint64		all = 0;
	int			i;
	int			k;

	Assert(r->nlabels <= JOURNEY_READER_INLINE_LABELS);
	for (i = 0; i < r->nlabels; i++)
	{
		const char *d = r->labels[i].data;
		int			len = r->labels[i].len;
		uint64		m = 0;

		for (k = 0; k < l->n; k++)
		{
			const char *sd = l->data[k];
			uint64		b = UINT64CONST(1) << k;

			if (l->len[k] != len || sd == NULL || (all & b))
				continue;
			if (len > 0 && (sd[0] != d[0] || memcmp(sd, d, len) != 0))
				continue;
			m |= b;
		}
		masks[i] = m;
		all |= m;
	}
	return all;
}

/* ---------------------------------------------------------------------
 * funnel_step(j, window, steps [, mode]), funnel_path(j, window, steps [, mode])
 */

/*
 * The mode argument (argno), parsed once per distinct text; c->funnel_opts
 * is its parse when it has journey's own options (the exclusions name
 * labels: exclude=A-B:label).
 */
static int
analysis_funnel_modes(FunctionCallInfo fcinfo, AnalysisCache *c, int argno)
{
	text	   *mode;

	if (PG_NARGS() <= argno)
	{
		c->funnel_opts = NULL;
		return 0;
	}
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("funnel mode must not be null"),
				 errhint("Use '' for the default mode.")));
	mode = (text *) PG_DETOAST_DATUM(PG_GETARG_DATUM(argno));
	if (c->mode_copy == NULL || VARSIZE(c->mode_copy) != VARSIZE(mode) ||
		memcmp(c->mode_copy, mode, VARSIZE(mode)) != 0)
	{
		MemoryContext old = MemoryContextSwitchTo(c->mcxt);
		FunnelOptions *o = palloc(sizeof(FunnelOptions));

		funnel_parse_options(VARDATA_ANY(mode), VARSIZE_ANY_EXHDR(mode), true, o);
		MemoryContextSwitchTo(old);
		if (c->mode_copy != NULL)
			pfree(c->mode_copy);
		c->mode_copy = MemoryContextAlloc(c->mcxt, VARSIZE(mode));
		memcpy(c->mode_copy, mode, VARSIZE(mode));
		c->modes = o->modes;
		/* the previous parse is left to the cache context: a few bytes per distinct mode */
		c->funnel_opts = (o->modes & FUNNEL_EXT_MODES) ? o : NULL;
	}
	return c->modes;
}

/*
 * One timestamp's steps (uni: the union of its events' masks) in the
 * default mode's walk, as funnel_walk_group walks them without options:
 * step 1 (re)starts a chain at t; step k >= 2 extends the chain reaching
 * level k-1 (its start first[k-1]: set once reached >= k-1) when t is
 * within the window of that start, steps in ascending order so that one
 * timestamp may take several steps.  Returns the level reached.
 */
static pg_attribute_always_inline int
funnel_default_group(int64 *first, int reached, int nsteps, int64 window, int64 t, uint64 uni)
{
	int			k;

	if (uni & 1)
	{
		first[1] = t;
		if (reached < 1)
			reached = 1;
	}
	for (k = 2; k <= nsteps && k - 1 <= reached; k++)
	{
		/* events are in time order: t >= first[k-1], exact in uint64 */
		if ((uni & (UINT64CONST(1) << (k - 1))) &&
			(uint64) t - (uint64) first[k - 1] <= (uint64) window)
		{
			first[k] = first[k - 1];
			if (reached < k)
				reached = k;
			if (k == nsteps)
				break;
		}
	}
	return reached;
}

/*
 * journey_reader_varint on a local position *pp (r's position is written
 * only for the slow path, which restarts from the varint's first byte).
 * With 8 bytes left, a varint of up to 8 bytes is taken from one
 * little-endian word, without a branch per byte; else byte by byte with
 * the reader's checks.
 */
static pg_attribute_always_inline uint64
analysis_varint(JourneyReader *r, const uint8 **pp, const uint8 *end)
{
	const uint8 *p = *pp;
	uint64		v = 0;
	int			shift;

#ifndef WORDS_BIGENDIAN
	if (likely(end - p >= 8))
	{
		uint64		w;
		uint64		stop;

		memcpy(&w, p, sizeof(w));
		stop = ~w & UINT64CONST(0x8080808080808080);
		if (likely(stop != 0))
		{
			int			last = pg_rightmost_one_pos64(stop);	/* 7, 15, ..., 63 */

			/* the bytes up to the last one, their 7-bit groups packed */
			w &= (UINT64CONST(2) << last) - 1;
			w &= UINT64CONST(0x7f7f7f7f7f7f7f7f);
			w = (w & UINT64CONST(0x007f007f007f007f)) |
				((w & UINT64CONST(0x7f007f007f007f00)) >> 1);
			w = (w & UINT64CONST(0x00003fff00003fff)) |
				((w & UINT64CONST(0x3fff00003fff0000)) >> 2);
			w = (w & UINT64CONST(0x000000000fffffff)) |
				((w & UINT64CONST(0x0fffffff00000000)) >> 4);
			*pp = p + (last >> 3) + 1;
			return w;
		}
	}
#endif
	for (shift = 0; shift < 63 && p < end; shift += 7)
	{
		uint8		byte = *p++;

		v |= (uint64) (byte & 0x7f) << shift;
		if ((byte & 0x80) == 0)
		{
			*pp = p;
			return v;
		}
	}
	/* a 10th byte or an error */
	r->pos = *pp;
	v = journey_reader_varint_slow(r);
	*pp = r->pos;
	return v;
}

/*
 * funnel_step in the default mode (no option), the common case: the
 * windowFunnel walk made while decoding the events, with no entry array
 * and no sort.  The same level as funnel_search's default walk over the
 * entries: that walk looks at each timestamp's union of masks only
 * (events of no step add nothing), and stops once the level is nsteps,
 * as this one does (the rest of the value is then not read).
 *
 * The decoding is journey_reader_next_label's, every check kept, with
 * the reader's position, timestamp and counters in locals (the reader
 * is written back before anything out of line that reads it): the
 * packed form only, the split one goes through journey_reader_next_label.
 */
static int
analysis_funnel_default(JourneyReader *r, const uint64 *masks, int nsteps, int64 window)
{
	int64		first[FUNNEL_MAX_STEPS + 1];
	int			reached = 0;
	int64		t = 0;
	uint64		uni = 0;
	const uint8 *p = r->pos;
	const uint8 *end = r->end;
	int64		nread = r->nread;
	const int64 nevents = r->nevents;
	int64		ts = r->prev_ts;
	int32		prev_label = r->prev_label;
	const int	lbits = r->lbits;
	const uint64 lmask = (UINT64CONST(1) << lbits) - 1;
	const uint64 nlabels = (uint64) r->nlabels;
	const uint64 unit = (uint64) r->unit;
	const bool	amounts = (r->flags & JOURNEY_HAS_AMOUNTS) != 0;

	if (unlikely(r->flags & JOURNEY_SPLIT_LABELS))
	{
		int32		label;

		while ((label = journey_reader_next_label(r)) >= 0)
		{
			uint64		mask = masks[label];

			if (unlikely((r->nread & ANALYSIS_INTERRUPT_EVERY) == 0))
				CHECK_FOR_INTERRUPTS();
			if (mask == 0)
				continue;
			if (r->prev_ts != t && uni != 0)
			{
				reached = funnel_default_group(first, reached, nsteps, window, t, uni);
				if (reached == nsteps)
					return reached;
				uni = 0;
			}
			t = r->prev_ts;
			uni |= mask;
		}
		if (uni != 0)
			reached = funnel_default_group(first, reached, nsteps, window, t, uni);
		return reached;
	}

	while (nread < nevents)
	{
		uint64		packed;
		uint64		delta;
		uint64		label;
		uint64		mask;
		r->nread = nread;
		packed = analysis_varint(r, &p, end);
		delta = packed >> lbits;
		label = packed & lmask;
		if (unlikely(label >= nlabels))
			journey_reader_corrupt(r, "A label index is out of range.");
		if (delta > 0)
		{
			uint64		room = (uint64) (END_TIMESTAMP - 1) - (uint64) ts;
			uint64		step = delta;

			if (unlikely(nread == 0))
				journey_reader_corrupt(r, "The first event has a time delta.");
			if (unlikely((unit != 1 && pg_mul_u64_overflow(delta, unit, &step)) ||
						 step > room))
				journey_reader_corrupt(r, "A timestamp is out of range.");
			ts = (int64) ((uint64) ts + step);
		}
		else if (unlikely((int32) label < prev_label) && nread > 0)
			journey_reader_corrupt(r, "The events are not in order.");
		prev_label = (int32) label;
		if (amounts)
		{
			/*
			 * A tag other than 1 (no amount, or a mantissa) needs no check
			 * but the varint's; a text amount as the reader reads it.
			 */
			const uint8 *tag = p;

			if (analysis_varint(r, &p, end) == 1)
			{
				JourneyEvent ev;

				r->pos = tag;
				journey_reader_amount(r, &ev);
				p = r->pos;
			}
		}
		nread++;
		if (unlikely(nread == nevents) && p != end)
		{
			r->nread = nread;
			journey_reader_corrupt(r, "The value has bytes left over.");
		}
		if (unlikely((nread & ANALYSIS_INTERRUPT_EVERY) == 0))
			CHECK_FOR_INTERRUPTS();

		mask = masks[label];
		if (mask == 0)
			continue;
		if (ts != t && uni != 0)
		{
			reached = funnel_default_group(first, reached, nsteps, window, t, uni);
			if (reached == nsteps)
				return reached;
			uni = 0;
		}
		t = ts;
		uni |= mask;
	}
	if (uni != 0)
		reached = funnel_default_group(first, reached, nsteps, window, t, uni);
	return reached;
}

/*
 * The windowFunnel search over a journey: the level reached, and at[] as
 * funnel_search fills it (at may be NULL).  Parameters are checked as the
 * aggregates check them, before the journey is looked at.
 */
static int
analysis_funnel(FunctionCallInfo fcinfo, int *nsteps_out, int64 *window_out, int *modes_out, int64 *at,
				bool *dropped)
{
	const FunnelOptions *opts;
	int			nexcl;
	AnalysisCache *c = analysis_cache(fcinfo);
	LabelList  *steps;
	int64		window;
	int			modes;
	int			nsteps;
	JourneyReader r;
	JourneyEvent ev;
	uint64	   *masks;
	uint64		small_masks[JOURNEY_READER_INLINE_LABELS];
	uint64		matched;
	FunnelEntry *e;
	int64		n = 0;
	bool		sorted = true;
	int			level;
	int			k;

	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("funnel window must not be null")));
	window = funnel_window_usec(PG_GETARG_INTERVAL_P(1));
	modes = analysis_funnel_modes(fcinfo, c, 3);
	steps = analysis_labels(fcinfo, c, 0, 2, "funnel steps");
	nsteps = steps->n;
	if (nsteps < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a funnel needs at least one step")));
	if (nsteps > FUNNEL_MAX_STEPS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a funnel has at most %d steps", FUNNEL_MAX_STEPS),
				 errdetail("%d step labels were given.", nsteps)));
	for (k = 0; k < nsteps; k++)
		if (steps->data[k] == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("funnel steps must not contain nulls"),
					 errdetail("Step %d is null.", k + 1)));
	opts = c->funnel_opts;
	nexcl = opts == NULL ? 0 : opts->nexcl;
	if (opts != NULL)
		funnel_check_options(opts, nsteps);
	*nsteps_out = nsteps;
	*window_out = window;
	*modes_out = modes;
	*dropped = false;
	if (PG_ARGISNULL(0))
		return 0;

	journey_reader_init(&r, PG_GETARG_JOURNEY_P(0), JOURNEY_FROM_STATE);
	if (r.nlabels <= JOURNEY_READER_INLINE_LABELS)
	{
		masks = small_masks;
		matched = analysis_match_steps(&r, masks, steps);
	}
	else
	{
		masks = analysis_masks(c, &r);
		matched = analysis_match(&r, masks, steps, true, 0);
	}
	for (k = 0; k < nexcl; k++)
	{
		/* an exclusion's label: bit nsteps + k */
		int			idx = journey_label_index(&r, opts->excl[k].label, opts->excl[k].label_len);

		if (idx >= 0)
			masks[idx] |= UINT64CONST(1) << (nsteps + k);
	}
	if ((modes & FUNNEL_ANY_ORDER) ? matched == 0 : (matched & 1) == 0)
	{
		/* no event is step 1 (any_order: no event is a step): level 0 */
		journey_reader_free(&r);
		return 0;
	}
	if (modes == 0 && at == NULL)
	{
		/*
		 * Without options a step-1 event reaches level 1, and no chain
		 * gets past a step no event is: the level is within [1, reach],
		 * reach the steps 1, 2, ... present.  Steps past reach cannot
		 * matter; with reach 1 the answer needs no event.
		 */
		int			reach = ~matched == 0 ? 64 : pg_rightmost_one_pos64(~matched);

		if (reach > nsteps)
			reach = nsteps;
		if (reach > 1 && reach < nsteps)
		{
			uint64		keep = (UINT64CONST(1) << reach) - 1;

			for (k = 0; k < r.nlabels; k++)
				masks[k] &= keep;
		}
		level = reach == 1 ? 1 : analysis_funnel_default(&r, masks, reach, window);
		journey_reader_free(&r);
		return level;
	}
	e = c->entries;
	while ((ev.label = journey_reader_next_label(&r)) >= 0)
	{
		uint64		mask = masks[ev.label];

		ev.ts = r.prev_ts;
		if ((r.nread & ANALYSIS_INTERRUPT_EVERY) == 0)
			CHECK_FOR_INTERRUPTS();
		if (mask == 0)
		{
			/* an event of no step ends a chain under strict_order only */
			if (!(modes & FUNNEL_ORDER))
				continue;
			if (n > 0 && e[n - 1].mask == 0 && e[n - 1].ts == ev.ts)
				continue;
		}
		if (n == c->maxentries)
		{
			int64		newmax = Max(64, 2 * c->maxentries);

			newmax = Min(newmax, (int64) (MaxAllocHugeSize / sizeof(FunnelEntry)));
			if (n >= PG_INT32_MAX || newmax <= n)
				ereport(ERROR,
						(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						 errmsg("too many funnel events in one journey"),
						 errdetail("A funnel over a journey takes at most %d events.", PG_INT32_MAX)));
			newmax = Min(newmax, (int64) PG_INT32_MAX);
			c->entries = c->entries == NULL
				? MemoryContextAllocHuge(c->mcxt, sizeof(FunnelEntry) * newmax)
				: repalloc_huge(c->entries, sizeof(FunnelEntry) * newmax);
			c->maxentries = newmax;
			e = c->entries;
		}
		/* events are in time order; within a timestamp masks may not be */
		if (n > 0 && e[n - 1].ts == ev.ts && e[n - 1].mask > mask)
			sorted = false;
		e[n].ts = ev.ts;
		e[n].mask = mask;
		n++;
	}
	journey_reader_free(&r);
	if (!sorted)
		funnel_sort_entries(e, (int) n);
	if (opts != NULL)
		level = funnel_search_ext(e, (int) n, window, opts, nsteps, at, dropped);
	else
		level = funnel_search(e, (int) n, window, modes, nsteps, at);
	return level;
}

PG_FUNCTION_INFO_V1(journey_funnel_step);
Datum
journey_funnel_step(PG_FUNCTION_ARGS)
{
	int			nsteps;
	int64		window;
	int			modes;
	bool		dropped;
	int			level = analysis_funnel(fcinfo, &nsteps, &window, &modes, NULL, &dropped);

	if (dropped)
		PG_RETURN_NULL();		/* exclusion=drop */
	PG_RETURN_INT32(level);
}

PG_FUNCTION_INFO_V1(journey_funnel_path);
Datum
journey_funnel_path(PG_FUNCTION_ARGS)
{
	int64		at[FUNNEL_MAX_STEPS];
	int			nsteps;
	int64		window;
	int			modes;
	bool		dropped;
	int			level = analysis_funnel(fcinfo, &nsteps, &window, &modes, at, &dropped);
	FunnelPath *path;
	int			k;

	if (dropped)
		PG_RETURN_NULL();		/* exclusion=drop */
	path = funnel_path_make_ext(nsteps, level, window, modes,
								(modes & FUNNEL_STEP_WINDOWS) ? analysis_cache(fcinfo)->funnel_opts->step_window : NULL);

	for (k = 0; k < level; k++)
		path->at[k] = at[k];
	PG_RETURN_POINTER(path);
}

/* ---------------------------------------------------------------------
 * time_to_first_value(j, start_label, value_label)
 * time_to_first_value(j, start_at, value_label)
 * Strict: a NULL journey, label or start_at gives NULL (no start or no
 * value event), as in the aggregates.
 */

PG_FUNCTION_INFO_V1(journey_ttfv);
Datum
journey_ttfv(PG_FUNCTION_ARGS)
{
	text	   *start_label = PG_GETARG_TEXT_PP(1);
	text	   *value_label = PG_GETARG_TEXT_PP(2);
	JourneyReader r;
	JourneyEvent ev;
	TtfvState	state;
	int			ks,
				kv;
	bool		started = false;
	int64		before = PG_INT64_MIN;	/* the last value event before any start */
	Interval   *result;

	journey_reader_init(&r, PG_GETARG_JOURNEY_P(0), JOURNEY_FROM_STATE);
	ks = journey_label_index(&r, VARDATA_ANY(start_label), (int) VARSIZE_ANY_EXHDR(start_label));
	kv = journey_label_index(&r, VARDATA_ANY(value_label), (int) VARSIZE_ANY_EXHDR(value_label));
	ttfv_state_init(&state);
	if (ks >= 0 && kv >= 0)
	{
		while ((ev.label = journey_reader_next_label(&r)) >= 0)
		{
			ev.ts = r.prev_ts;
			if ((r.nread & ANALYSIS_INTERRUPT_EVERY) == 0)
				CHECK_FOR_INTERRUPTS();
			if (ev.label == ks && !started)
			{
				/* the first start in time order is the earliest */
				ttfv_add_start(&state, ev.ts);
				started = true;
				/* a value event at the same instant, listed before it */
				if (before == ev.ts)
				{
					ttfv_add_value(&state, ev.ts, CurrentMemoryContext);
					break;
				}
			}
			if (ev.label == kv)
			{
				if (started)
				{
					/* the first value event at or after the start */
					ttfv_add_value(&state, ev.ts, CurrentMemoryContext);
					break;
				}
				/* earlier than any start: counts only at the start's instant */
				before = ev.ts;
			}
		}
	}
	journey_reader_free(&r);
	result = ttfv_state_result(&state);
	if (result == NULL)
		PG_RETURN_NULL();
	PG_RETURN_INTERVAL_P(result);
}

PG_FUNCTION_INFO_V1(journey_ttfv_start_at);
Datum
journey_ttfv_start_at(PG_FUNCTION_ARGS)
{
	TimestampTz start_at = PG_GETARG_TIMESTAMPTZ(1);
	text	   *value_label = PG_GETARG_TEXT_PP(2);
	JourneyReader r;
	JourneyEvent ev;
	TtfvState	state;
	int			kv;
	Interval   *result;

	ttfv_state_init(&state);
	/* an infinite start_at is ignored, as by the aggregate: no start */
	if (TIMESTAMP_NOT_FINITE(start_at))
		PG_RETURN_NULL();
	ttfv_add_start(&state, start_at);
	journey_reader_init(&r, PG_GETARG_JOURNEY_P(0), JOURNEY_FROM_STATE);
	kv = journey_label_index(&r, VARDATA_ANY(value_label), (int) VARSIZE_ANY_EXHDR(value_label));
	if (kv >= 0)
	{
		while ((ev.label = journey_reader_next_label(&r)) >= 0)
		{
			ev.ts = r.prev_ts;
			if ((r.nread & ANALYSIS_INTERRUPT_EVERY) == 0)
				CHECK_FOR_INTERRUPTS();
			/* value events before start_at cannot count */
			if (ev.label == kv && ev.ts >= start_at)
			{
				ttfv_add_value(&state, ev.ts, CurrentMemoryContext);
				break;
			}
		}
	}
	journey_reader_free(&r);
	result = ttfv_state_result(&state);
	if (result == NULL)
		PG_RETURN_NULL();
	PG_RETURN_INTERVAL_P(result);
}

/* ---------------------------------------------------------------------
 * lifecycle_stage(j, activation_labels, use_labels, as_of, dormant_after,
 * churned_after) and lifecycle_status(...)
 */

static void
analysis_lifecycle(FunctionCallInfo fcinfo, AnalysisCache *c, LifecycleState *state)
{
	LabelList  *act;
	LabelList  *use;
	JourneyReader r;
	JourneyEvent ev;
	uint64	   *masks;

	lifecycle_state_init(fcinfo, 3, state);
	act = analysis_labels(fcinfo, c, 0, 1, "activation_labels");
	use = analysis_labels(fcinfo, c, 1, 2, "use_labels");
	if (c->stage_oids == NULL)
		c->stage_oids = lifecycle_stage_oids(fcinfo, c->mcxt);
	if (PG_ARGISNULL(0))
		return;
	journey_reader_init(&r, PG_GETARG_JOURNEY_P(0), JOURNEY_FROM_STATE);
	masks = analysis_masks(c, &r);
	if ((analysis_match(&r, masks, act, false, 0) | analysis_match(&r, masks, use, false, 1)) != 0)
	{
		while ((ev.label = journey_reader_next_label(&r)) >= 0)
		{
			uint64		mask = masks[ev.label];

			ev.ts = r.prev_ts;
			if ((r.nread & ANALYSIS_INTERRUPT_EVERY) == 0)
				CHECK_FOR_INTERRUPTS();
			if (ev.ts > state->as_of)
				break;			/* later events count for nothing */
			if (mask & 1)
				lifecycle_add_activation(state, ev.ts);
			if (mask & 2)
				lifecycle_add_use(state, ev.ts);
		}
	}
	journey_reader_free(&r);
}

PG_FUNCTION_INFO_V1(journey_lifecycle_stage);
Datum
journey_lifecycle_stage(PG_FUNCTION_ARGS)
{
	AnalysisCache *c = analysis_cache(fcinfo);
	LifecycleState state;

	analysis_lifecycle(fcinfo, c, &state);
	PG_RETURN_DATUM(lifecycle_stage_datum(&state, c->stage_oids));
}

/* The row type of the function, blessed and kept for the call site. */
static TupleDesc
analysis_tupdesc(FunctionCallInfo fcinfo, AnalysisCache *c)
{
	if (c->tupdesc == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(c->mcxt);
		TupleDesc	tupdesc;

		if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
			elog(ERROR, "return type must be a row type");
		c->tupdesc = BlessTupleDesc(tupdesc);
		MemoryContextSwitchTo(old);
	}
	return c->tupdesc;
}

PG_FUNCTION_INFO_V1(journey_lifecycle_status);
Datum
journey_lifecycle_status(PG_FUNCTION_ARGS)
{
	AnalysisCache *c = analysis_cache(fcinfo);
	LifecycleState state;

	analysis_lifecycle(fcinfo, c, &state);
	PG_RETURN_DATUM(lifecycle_status_datum(&state, c->stage_oids, analysis_tupdesc(fcinfo, c)));
}

/* ---------------------------------------------------------------------
 * active_periods(j, active_labels, origin, period, periods [, as_of])
 *
 * With as_of, the bit string stops before the first period that ends
 * after as_of, as in the row aggregate.
 */

PG_FUNCTION_INFO_V1(journey_active_periods);
Datum
journey_active_periods(PG_FUNCTION_ARGS)
{
	AnalysisCache *c = analysis_cache(fcinfo);
	ActivePeriodsParams params;
	LabelList  *active;
	VarBit	   *result;
	int			len;
	int64		span,
				end = 0;
	bool		bounded;

	active_periods_read_params(fcinfo, 2, &params);
	if (PG_NARGS() > 5)
		active_periods_read_as_of(fcinfo, 5, &params);
	active = analysis_labels(fcinfo, c, 0, 1, "active_labels");
	len = VARBITTOTALLEN(params.observed);
	result = (VarBit *) palloc0(len);
	SET_VARSIZE(result, len);
	VARBITLEN(result) = params.observed;
	params.periods = params.observed;	/* set no bit past the last observed period */
	/* the end of the last period, when it is a timestamp */
	bounded = !pg_mul_s64_overflow(params.period_usec, params.periods, &span) &&
		!pg_add_s64_overflow(params.origin, span, &end);

	if (!PG_ARGISNULL(0))
	{
		JourneyReader r;
		JourneyEvent ev;
		uint64	   *masks;

		journey_reader_init(&r, PG_GETARG_JOURNEY_P(0), JOURNEY_FROM_STATE);
		masks = analysis_masks(c, &r);
		if (analysis_match(&r, masks, active, false, 0) != 0)
		{
			while ((ev.label = journey_reader_next_label(&r)) >= 0)
			{
				ev.ts = r.prev_ts;
				if ((r.nread & ANALYSIS_INTERRUPT_EVERY) == 0)
					CHECK_FOR_INTERRUPTS();
				if (bounded && ev.ts >= end)
					break;		/* past the last period */
				if (masks[ev.label] != 0)
					active_periods_set(VARBITS(result), &params, ev.ts);
			}
		}
		journey_reader_free(&r);
	}
	PG_RETURN_VARBIT_P(result);
}

/* ---------------------------------------------------------------------
 * retention(j, VARIADIC labels)
 */

PG_FUNCTION_INFO_V1(journey_retention);
Datum
journey_retention(PG_FUNCTION_ARGS)
{
	AnalysisCache *c = analysis_cache(fcinfo);
	LabelList  *conds;
	uint64		seen = 0;

	conds = analysis_labels(fcinfo, c, 0, 1, "retention labels");
	retention_check_nconds(conds->n, conds->n == 0 ? 0 : 1);
	if (!PG_ARGISNULL(0))
	{
		JourneyReader r;
		JourneyEvent ev;
		uint64	   *masks;
		uint64		all;

		journey_reader_init(&r, PG_GETARG_JOURNEY_P(0), JOURNEY_FROM_STATE);
		masks = analysis_masks(c, &r);
		all = analysis_match(&r, masks, conds, true, 0);
		/* only condition 1 met would leave zeros anyway; none: zeros */
		if (all & 1)
		{
			while ((ev.label = journey_reader_next_label(&r)) >= 0)
			{
				ev.ts = r.prev_ts;
				if ((r.nread & ANALYSIS_INTERRUPT_EVERY) == 0)
					CHECK_FOR_INTERRUPTS();
				seen |= masks[ev.label];
				if (seen == all)
					break;		/* every condition some event meets */
			}
		}
		journey_reader_free(&r);
	}
	PG_RETURN_ARRAYTYPE_P(retention_result(conds->n, seen));
}

/* ---------------------------------------------------------------------
 * clv_inputs(j, purchase_label, observation_end, period)
 */

PG_FUNCTION_INFO_V1(journey_clv_inputs);
Datum
journey_clv_inputs(PG_FUNCTION_ARGS)
{
	AnalysisCache *c = analysis_cache(fcinfo);
	TimestampTz obs_end;
	int64		period;
	ClvAccum	acc;
	JourneyReader r;
	JourneyEvent ev;
	text	   *label;
	int			k;
	Datum		result;

	clv_inputs_read_params(fcinfo, 2, &obs_end, &period);
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();		/* no purchase */
	label = PG_GETARG_TEXT_PP(1);
	clv_accum_init(&acc, obs_end, period);
	journey_reader_init(&r, PG_GETARG_JOURNEY_P(0), JOURNEY_FROM_STATE);
	k = journey_label_index(&r, VARDATA_ANY(label), (int) VARSIZE_ANY_EXHDR(label));
	if (k >= 0)
	{
		while (journey_reader_next(&r, &ev))
		{
			JDecimal	amount;

			if ((r.nread & ANALYSIS_INTERRUPT_EVERY) == 0)
				CHECK_FOR_INTERRUPTS();
			if (ev.ts > obs_end)
				break;			/* after observation_end: ignored */
			/* a purchase without an amount is skipped, as a NULL amount row */
			if (ev.label != k || ev.amount_kind == JOURNEY_AMOUNT_NONE)
				continue;
			if (ev.amount_kind == JOURNEY_AMOUNT_SCALED)
			{
				/* mantissa / 10^scale, exactly (scale <= 18 < JDEC_MAX_SCALE) */
				amount.hi = ev.mantissa < 0 ? -1 : 0;
				amount.lo = (uint64) ev.mantissa;
				amount.scale = r.scale;
				amount.unused = 0;
			}
			else
				jdec_from_numeric(&amount, NumericGetDatum(journey_amount_numeric(&ev, r.scale)), "amount");
			clv_accum_add(&acc, ev.ts, &amount);
		}
	}
	journey_reader_free(&r);
	if (!clv_accum_result(&acc, analysis_tupdesc(fcinfo, c), &result))
		PG_RETURN_NULL();
	PG_RETURN_DATUM(result);
}
