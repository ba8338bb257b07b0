/*
 * funnel_count.c — repeat conversions: how many times a customer completed
 * a whole funnel (Mixpanel's "totals" counting), as a row aggregate
 * funnel_count(ts, window, [mode,] VARIADIC steps) and over a stored
 * journey funnel_count(j, window, steps [, mode]).
 *
 * Definition: walk the customer's events in (ts, mask) order.  The first
 * conversion is the windowFunnel chain (funnel_step's search, modes
 * included) that completes earliest, i.e. the shortest prefix of the
 * events in which funnel_step reaches the last step; the customer then
 * re-enters the funnel with the events after the one that completed it,
 * and so on.  So chains never share an event, and an event before a
 * completion never counts for the next chain.
 *
 * Cost: each conversion is found by galloping over the prefix length
 * (1, 2, 4, ... events) and a binary search, each probe a funnel_search
 * (linear): O(n log n) for the whole customer.  The state is the
 * (ts, mask) entries of src/sequence.c's SequenceState.
 */
#include "journey.h"
#include "sequence.h"

#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

/* Whether the first len entries reach the last step. */
static inline bool
funnel_count_completes(const FunnelEntry *e, int len, int64 window, int modes, int nsteps)
{
	return funnel_search(e, len, window, modes, nsteps, NULL) == nsteps;
}

/*
 * The number of conversions over entries sorted by (ts, mask) (mask 0
 * entries only under strict_order, as funnel_search takes them).
 */
static int64
funnel_count_entries(const FunnelEntry *e, int n, int64 window, int modes, int nsteps)
{
	int64		count = 0;
	int			p = 0;

	while (p < n)
	{
		int			rem = n - p;
		int64		len = 1;
		int			good = -1;
		int			bad = 0;

		CHECK_FOR_INTERRUPTS();
		for (;;)
		{
			if (len > rem)
				len = rem;
			if (funnel_count_completes(e + p, (int) len, window, modes, nsteps))
			{
				good = (int) len;
				break;
			}
			bad = (int) len;
			if (len == rem)
				break;
			len *= 2;
		}
		if (good < 0)
			break;
		/* the shortest completing prefix is in (bad, good] */
		while (good - bad > 1)
		{
			int			mid = bad + (good - bad) / 2;

			if (funnel_count_completes(e + p, mid, window, modes, nsteps))
				good = mid;
			else
				bad = mid;
		}
		count++;
		p += good;
	}
	return count;
}

/*
 * Transition: (state, ts, window, [mode,] steps).  As funnel_step: a NULL
 * window or mode is an error, and so is one that changes within a group;
 * a NULL or infinite ts, a NULL steps array or step ignores the row.
 */
PG_FUNCTION_INFO_V1(funnel_count_transfn);
Datum
funnel_count_transfn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = journey_agg_context(fcinfo, "funnel_count");
	SequenceState *state = PG_ARGISNULL(0) ? NULL : (SequenceState *) PG_GETARG_POINTER(0);
	bool		has_mode = PG_NARGS() == 5;
	int			steps_arg = has_mode ? 4 : 3;
	uint64		mask;
	int64		ts;

	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("funnel window must not be null")));
	if (has_mode && PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("funnel mode must not be null"),
				 errhint("Use '' for the default mode.")));
	if (state == NULL)
	{
		state = sequence_state_new(aggcontext, SEQUENCE_KIND_FUNNEL);
		state->window = funnel_window_usec(PG_GETARG_INTERVAL_P(2));
		state->modes = has_mode ? funnel_parse_modes(PG_GETARG_TEXT_PP(3)) : 0;
		/* the mode text, to recognize it on the next rows without parsing */
		if (has_mode)
		{
			text	   *mode = PG_GETARG_TEXT_PP(3);

			state->pattern_len = VARSIZE_ANY_EXHDR(mode);
			state->pattern = MemoryContextAlloc(aggcontext, state->pattern_len + 1);
			memcpy(state->pattern, VARDATA_ANY(mode), state->pattern_len);
			state->pattern[state->pattern_len] = '\0';
		}
	}
	else
	{
		if (funnel_window_usec(PG_GETARG_INTERVAL_P(2)) != state->window)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("funnel window must be the same for all rows of a group")));
		if (has_mode)
		{
			text	   *mode = PG_GETARG_TEXT_PP(3);

			if ((state->pattern == NULL ||
				 VARSIZE_ANY_EXHDR(mode) != (Size) state->pattern_len ||
				 memcmp(VARDATA_ANY(mode), state->pattern, state->pattern_len) != 0) &&
				funnel_parse_modes(mode) != state->modes)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("funnel mode must be the same for all rows of a group")));
		}
	}
	if (!sequence_row_mask(fcinfo, state, steps_arg, &mask))
		PG_RETURN_POINTER(state);
	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(state);
	ts = PG_GETARG_INT64(1);
	if (TIMESTAMP_NOT_FINITE(ts))
		PG_RETURN_POINTER(state);
	if (mask != 0 || (state->modes & FUNNEL_ORDER))
		sequence_state_append(state, ts, mask);
	PG_RETURN_POINTER(state);
}

/*
 * Final: the number of conversions, 0 without rows.  Sorting the state in
 * place leaves the same entries.
 */
PG_FUNCTION_INFO_V1(funnel_count_final);
Datum
funnel_count_final(PG_FUNCTION_ARGS)
{
	SequenceState *state = PG_ARGISNULL(0) ? NULL : (SequenceState *) PG_GETARG_POINTER(0);

	if (state == NULL || state->n == 0 || state->nconds == 0)
		PG_RETURN_INT64(0);
	sequence_state_sort(state);
	PG_RETURN_INT64(funnel_count_entries(state->entries, state->n, state->window,
										 state->modes, state->nconds));
}

/*
 * funnel_count(j journey, window, steps text[] [, mode]): step k is an
 * event whose label is steps[k].  A NULL journey has no conversions;
 * NULL parameters are errors.
 */
PG_FUNCTION_INFO_V1(journey_funnel_count);
Datum
journey_funnel_count(PG_FUNCTION_ARGS)
{
	int64		window;
	int			modes = 0;
	int			nsteps;
	ArrayType  *steps;
	FunnelEntry *e;
	int			n;
	int64		count;

	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("funnel window must not be null")));
	window = funnel_window_usec(PG_GETARG_INTERVAL_P(1));
	if (PG_NARGS() > 3)
	{
		if (PG_ARGISNULL(3))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("funnel mode must not be null"),
					 errhint("Use '' for the default mode.")));
		modes = funnel_parse_modes(PG_GETARG_TEXT_PP(3));
	}
	steps = sequence_label_array(fcinfo, 2, "funnel steps", &nsteps);
	e = sequence_journey_entries(fcinfo, steps, nsteps, (modes & FUNNEL_ORDER) != 0, &n);
	count = n == 0 ? 0 : funnel_count_entries(e, n, window, modes, nsteps);
	if (e != NULL)
		pfree(e);
	PG_RETURN_INT64(count);
}
