/*
 * sequence.c — sequence_match and sequence_count: ClickHouse's
 * sequenceMatch / sequenceCount over one customer's events, as row
 * aggregates and over a stored journey; and the aggregate state they share
 * with funnel_count (src/funnel_count.c).
 *
 * Pattern syntax (ClickHouse's): (?N) an event meeting condition N; "."
 * one event; ".*" any number of events; (?t<=S), (?t<S), (?t>=S), (?t>S),
 * (?t==S) a time condition in seconds between the event before it and the
 * next one.  Only rows meeting at least one condition are events, as in
 * ClickHouse; they are ordered by (timestamp, condition mask).
 *
 * Semantics.  ClickHouse answers with a backtracking search (exponential,
 * cut off after 10^6 steps with an error) whose result is not simply
 * "some embedding exists": a time condition compares against the event it
 * follows or, after ".*", the first event the star did not skip; the
 * search stops at the first path that consumes the last event; and
 * sequenceCount restarts after each match where the match ended.  We
 * compute exactly what that search returns, without searching: the
 * outcome of the search started at action a and event i depends on (a, i)
 * only (a time condition's base is i or i - 1, fixed by the action before
 * it), so a table of outcomes filled backwards, one action at a time,
 * gives every answer.  Outcomes: the event index where a match ended, the
 * search running out of events at action a (ClickHouse then accepts when
 * every action left can match nothing), or failure.
 *
 * Cost: O(m * n * log n) time (m actions, n events; the log for the time
 * conditions' bounds), O(n) memory, whatever the pattern; interruptible.
 */
#include "journey.h"
#include "sequence.h"
#include "timeline.h"

#include "catalog/pg_type.h"
#include "common/int.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

/* The largest time condition: its microseconds fit in an int64. */
#define SEQUENCE_MAX_SECONDS (PG_INT64_MAX / USECS_PER_SEC)

/* ---------------------------------------------------------------------
 * The pattern
 */

/* The longest pattern, in bytes. */
#define SEQUENCE_MAX_PATTERN 1000000
/* How much of a pattern an error message shows. */
#define SEQUENCE_SHOWN_PATTERN 200

/*
 * Report a malformed pattern at byte offset off (shown 1-based, in
 * characters); a long pattern is shown cut, with "...".
 */
static void
sequence_syntax_error(const char *pattern, int len, int off, const char *detail)
{
	int			shown = len <= SEQUENCE_SHOWN_PATTERN ? len
		: pg_mbcliplen(pattern, len, SEQUENCE_SHOWN_PATTERN);
	char	   *copy = psprintf("%s%s", pnstrdup(pattern, shown), shown < len ? "..." : "");

	ereport(ERROR,
			(errcode(ERRCODE_INVALID_REGULAR_EXPRESSION),
			 errmsg("invalid sequence pattern \"%s\" at position %d",
					copy, pg_mbstrlen_with_len(pattern, off) + 1),
			 errdetail_internal("%s", detail)));
}

/* Read decimal digits at *pos into *value; false when there are none. */
static bool
sequence_read_number(const char *p, int len, int *pos, uint64 *value, bool *overflow)
{
	int			start = *pos;
	uint64		v = 0;

	*overflow = false;
	while (*pos < len && p[*pos] >= '0' && p[*pos] <= '9')
	{
		int			d = p[*pos] - '0';

		if (v > (PG_UINT64_MAX - d) / 10)
			*overflow = true;
		else
			v = v * 10 + d;
		(*pos)++;
	}
	*value = v;
	return *pos > start;
}

void
sequence_compile(const char *p, int len, int nconds, SequenceProgram *prog)
{
	int			pos = 0;
	int			m;
	int			a;
	SequenceAction *acts;

	if (len > SEQUENCE_MAX_PATTERN)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("sequence pattern is too long"),
				 errdetail("A pattern has at most %d bytes; this one has %d.", SEQUENCE_MAX_PATTERN, len)));
	/* every action takes at least one byte, plus the leading .* */
	acts = palloc(sizeof(SequenceAction) * (len + 1));
	acts[0].op = SEQ_STAR;
	acts[0].cond = 0;
	acts[0].usec = 0;
	m = 1;
	while (pos < len)
	{
		SequenceAction *act = &acts[m];
		int			item = pos;

		act->cond = 0;
		act->usec = 0;
		if (pos + 1 < len && p[pos] == '(' && p[pos + 1] == '?')
		{
			uint64		v;
			bool		overflow;
			int			numpos;

			pos += 2;
			if (pos < len && p[pos] == 't')
			{
				pos++;
				if (pos + 1 < len && p[pos] == '<' && p[pos + 1] == '=')
					act->op = SEQ_TIME_LE, pos += 2;
				else if (pos < len && p[pos] == '<')
					act->op = SEQ_TIME_LT, pos += 1;
				else if (pos + 1 < len && p[pos] == '>' && p[pos + 1] == '=')
					act->op = SEQ_TIME_GE, pos += 2;
				else if (pos < len && p[pos] == '>')
					act->op = SEQ_TIME_GT, pos += 1;
				else if (pos + 1 < len && p[pos] == '=' && p[pos + 1] == '=')
					act->op = SEQ_TIME_EQ, pos += 2;
				else
					sequence_syntax_error(p, len, pos,
										  "Expected <, <=, >, >= or == after \"(?t\".");
				numpos = pos;
				if (!sequence_read_number(p, len, &pos, &v, &overflow))
					sequence_syntax_error(p, len, pos, "Expected a number of seconds.");
				if (overflow || v > (uint64) SEQUENCE_MAX_SECONDS)
					sequence_syntax_error(p, len, numpos,
										  psprintf("A time condition is at most " INT64_FORMAT " seconds.",
												   (int64) SEQUENCE_MAX_SECONDS));
				if (acts[m - 1].op != SEQ_EVENT && acts[m - 1].op != SEQ_ANY &&
					acts[m - 1].op != SEQ_STAR)
					sequence_syntax_error(p, len, item,
										  "A time condition must follow (?N), \".\" or \".*\", not another time condition.");
				act->usec = v * USECS_PER_SEC;
			}
			else
			{
				numpos = pos;
				if (!sequence_read_number(p, len, &pos, &v, &overflow))
					sequence_syntax_error(p, len, pos, "Expected a condition number or \"t\" after \"(?\".");
				if (overflow || v < 1 || v > (uint64) nconds)
					sequence_syntax_error(p, len, numpos,
										  psprintf("There is no condition %s: %d %s given.",
												   overflow ? "that large" : psprintf(UINT64_FORMAT, v),
												   nconds, nconds == 1 ? "condition is" : "conditions are"));
				act->op = SEQ_EVENT;
				act->cond = (int) v - 1;
			}
			if (pos >= len || p[pos] != ')')
				sequence_syntax_error(p, len, pos, "Expected \")\".");
			pos++;
		}
		else if (pos + 1 < len && p[pos] == '.' && p[pos + 1] == '*')
		{
			act->op = SEQ_STAR;
			pos += 2;
		}
		else if (p[pos] == '.')
		{
			act->op = SEQ_ANY;
			pos++;
		}
		else
			sequence_syntax_error(p, len, pos,
								  "Expected (?N), (?t<op>seconds), \".\" or \".*\".");
		m++;
	}
	prog->nactions = m;
	prog->actions = acts;
	prog->trailing_ok = palloc(sizeof(bool) * (m + 1));
	prog->trailing_ok[m] = true;
	for (a = m - 1; a >= 0; a--)
	{
		SequenceOp	op = acts[a].op;
		bool		empty = op == SEQ_STAR || op == SEQ_TIME_LE || op == SEQ_TIME_LT ||
			(op == SEQ_TIME_GE && acts[a].usec == 0);

		prog->trailing_ok[a] = empty && prog->trailing_ok[a + 1];
	}
}

/* ---------------------------------------------------------------------
 * The matcher
 */

#define SEQ_FAIL (-1)
#define SEQ_RAN_OUT(a) (-2 - (a))	/* out of events at action a */

/*
 * The first j in [from, n) whose time since base_ts is >= usec (strict:
 * > usec); n if none.  Entries are sorted, so the difference grows with j
 * and never wraps (both are finite timestamps, j's the later).
 */
static int
sequence_first_at_least(const FunnelEntry *e, int n, int from, int64 base_ts, uint64 usec, bool strict)
{
	int			lo = from;
	int			hi = n;

	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;
		uint64		d = (uint64) e[mid].ts - (uint64) base_ts;

		if (strict ? d > usec : d >= usec)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/*
 * The outcome of the search started at action 0 from every event i, in
 * row0[0..n] (see the file comment): >= 0 a match ending before that
 * event index, SEQ_FAIL, or SEQ_RAN_OUT(a).  Palloc'd.
 */
static int32 *
sequence_outcomes(const SequenceProgram *prog, const FunnelEntry *e, int n)
{
	int			m = prog->nactions;
	Size		bytes = sizeof(int32) * ((Size) n + 1);
	int32	   *next = MemoryContextAllocHuge(CurrentMemoryContext, bytes);
	int32	   *cur = MemoryContextAllocHuge(CurrentMemoryContext, bytes);
	int32	   *nf = MemoryContextAllocHuge(CurrentMemoryContext, bytes);
	int			a;
	int			i;

	/* past the last action: a match, ending where it is */
	for (i = 0; i <= n; i++)
		next[i] = i;
	for (a = m - 1; a >= 0; a--)
	{
		const SequenceAction *act = &prog->actions[a];
		int32	   *t;

		CHECK_FOR_INTERRUPTS();
		/* nf[i]: the first j >= i (j < n) from which action a + 1 does not fail */
		nf[n] = n;
		for (i = n - 1; i >= 0; i--)
			nf[i] = next[i] != SEQ_FAIL ? i : nf[i + 1];
		cur[n] = SEQ_RAN_OUT(a);
		switch (act->op)
		{
			case SEQ_EVENT:
				{
					uint64		bit = UINT64CONST(1) << act->cond;

					for (i = 0; i < n; i++)
						cur[i] = (e[i].mask & bit) ? next[i + 1] : SEQ_FAIL;
					break;
				}
			case SEQ_ANY:
				for (i = 0; i < n; i++)
					cur[i] = next[i + 1];
				break;
			case SEQ_STAR:
				/* skip 0, 1, ... events until action a + 1 does not fail */
				for (i = 0; i < n; i++)
					cur[i] = nf[i] < n ? next[nf[i]] : SEQ_FAIL;
				break;
			default:
				{
					/*
					 * A time condition: its base is the event the action
					 * before consumed (i - 1), or after .* the event it
					 * stopped at (i).  Then, the base fixed, the events from
					 * i on that satisfy the condition are tried in order.
					 */
					bool		after_star = prog->actions[a - 1].op == SEQ_STAR;

					for (i = 0; i < n; i++)
					{
						int			b = after_star ? i : i - 1;
						int64		bts;
						int			lo = i;
						int			hi = n;
						int			j;

						if (b < 0)
						{
							cur[i] = SEQ_FAIL;	/* not reachable */
							continue;
						}
						bts = e[b].ts;
						switch (act->op)
						{
							case SEQ_TIME_LE:
								hi = sequence_first_at_least(e, n, i, bts, act->usec, true);
								break;
							case SEQ_TIME_LT:
								hi = sequence_first_at_least(e, n, i, bts, act->usec, false);
								break;
							case SEQ_TIME_GE:
								lo = sequence_first_at_least(e, n, i, bts, act->usec, false);
								break;
							case SEQ_TIME_GT:
								lo = sequence_first_at_least(e, n, i, bts, act->usec, true);
								break;
							case SEQ_TIME_EQ:
								lo = sequence_first_at_least(e, n, i, bts, act->usec, false);
								hi = sequence_first_at_least(e, n, lo, bts, act->usec, true);
								break;
							default:
								elog(ERROR, "unexpected sequence action %d", (int) act->op);
						}
						j = lo < hi ? nf[lo] : n;
						cur[i] = j < hi ? next[j] : SEQ_FAIL;
					}
					break;
				}
		}
		t = next;
		next = cur;
		cur = t;
	}
	pfree(cur);
	pfree(nf);
	return next;
}

/* Whether ClickHouse accepts a search that ended with outcome r. */
static inline bool
sequence_accepts(const SequenceProgram *prog, int32 r)
{
	if (r >= 0)
		return true;
	if (r == SEQ_FAIL)
		return prog->trailing_ok[0];
	return prog->trailing_ok[-2 - r];
}

bool
sequence_match_entries(const SequenceProgram *prog, const FunnelEntry *e, int n)
{
	int32	   *out = sequence_outcomes(prog, e, n);
	bool		result = sequence_accepts(prog, out[0]);

	pfree(out);
	return result;
}

int64
sequence_count_entries(const SequenceProgram *prog, const FunnelEntry *e, int n)
{
	int32	   *out = sequence_outcomes(prog, e, n);
	int64		count = 0;
	int			p = 0;

	/* as sequenceCount: match again from where the last match ended */
	while (p < n)
	{
		int32		r = out[p];

		if (!sequence_accepts(prog, r))
			break;
		count++;
		if (r >= 0)
			p = r > p ? r : p + 1;
		else
			p = n;
	}
	pfree(out);
	return count;
}

/* ---------------------------------------------------------------------
 * The aggregate state (shared with funnel_count)
 */

SequenceState *
sequence_state_new(MemoryContext cxt, int kind)
{
	SequenceState *state = MemoryContextAllocZero(cxt, sizeof(SequenceState));

	state->cxt = cxt;
	state->kind = kind;
	return state;
}

void
sequence_state_append(SequenceState *state, int64 ts, uint64 mask)
{
	if (unlikely(state->n == state->cap))
	{
		int64		newcap = state->cap == 0 ? 8 : (int64) state->cap * 2;

		if (newcap > PG_INT32_MAX)
			newcap = PG_INT32_MAX;
		if (state->n >= newcap)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many events in one group"),
					 errdetail("A group takes at most %d events.", PG_INT32_MAX)));
		state->entries = state->entries == NULL
			? MemoryContextAllocHuge(state->cxt, sizeof(FunnelEntry) * newcap)
			: repalloc_huge(state->entries, sizeof(FunnelEntry) * newcap);
		state->cap = (int32) newcap;
	}
	state->entries[state->n].ts = ts;
	state->entries[state->n].mask = mask;
	state->n++;
}

/* The data of a boolean array (ARR_DATA_PTR with the types -Wsign-compare wants). */
static inline bool *
sequence_array_bools(ArrayType *a)
{
	Size		offset = ARR_HASNULL(a) ? (Size) a->dataoffset : ARR_OVERHEAD_NONULLS(ARR_NDIM(a));

	return (bool *) ((char *) a + offset);
}

/* The errors for a condition (or step) count out of 1..SEQUENCE_MAX_CONDS. */
static void
sequence_check_nconds(int n, int kind)
{
	bool		funnel = kind == SEQUENCE_KIND_FUNNEL;

	if (n < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 funnel ? errmsg("a funnel needs at least one step")
				 : errmsg("a sequence pattern needs at least one condition")));
	if (n > SEQUENCE_MAX_CONDS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 funnel ? errmsg("a funnel has at most %d steps", SEQUENCE_MAX_CONDS)
				 : errmsg("a sequence pattern takes at most %d conditions", SEQUENCE_MAX_CONDS),
				 errdetail("%d were given.", n)));
}

bool
sequence_row_mask(FunctionCallInfo fcinfo, SequenceState *state, int argno, uint64 *mask)
{
	const char *what = state->kind == SEQUENCE_KIND_FUNNEL ? "funnel steps" : "sequence conditions";
	ArrayType  *arr;
	int			n;
	bool	   *vals;
	bits8	   *nulls;
	int			i;
	int			k = 0;

	*mask = 0;
	if (PG_ARGISNULL(argno))
		return false;
	arr = PG_GETARG_ARRAYTYPE_P(argno);
	if (ARR_ELEMTYPE(arr) != BOOLOID)
		elog(ERROR, "%s must be a boolean array", what);
	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s must be a one-dimensional array", what)));
	n = ARR_NDIM(arr) == 0 ? 0 : ARR_DIMS(arr)[0];
	if (unlikely(n != state->nconds))
	{
		sequence_check_nconds(n, state->kind);
		if (state->nconds != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the number of %s must be the same for all rows of a group", what)));
		state->nconds = n;
	}
	vals = sequence_array_bools(arr);
	nulls = ARR_NULLBITMAP(arr);
	for (i = 0; i < n; i++)
	{
		if (nulls != NULL && !(nulls[i / 8] & (1 << (i % 8))))
			return false;		/* a NULL condition ignores the row */
		if (vals[k++])
			*mask |= UINT64CONST(1) << i;
	}
	return true;
}

void
sequence_state_sort(SequenceState *state)
{
	funnel_sort_entries(state->entries, state->n);
}

static void
sequence_params_differ(const char *fname, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s %s must be the same for all rows of a group", fname, what)));
}

static const char *
sequence_state_fname(const SequenceState *state)
{
	return state->kind == SEQUENCE_KIND_PATTERN ? "sequence" : "funnel_count";
}

PG_FUNCTION_INFO_V1(sequence_combine);
Datum
sequence_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = journey_agg_context(fcinfo, "sequence_combine");
	SequenceState *state = PG_ARGISNULL(0) ? NULL : (SequenceState *) PG_GETARG_POINTER(0);
	SequenceState *other = PG_ARGISNULL(1) ? NULL : (SequenceState *) PG_GETARG_POINTER(1);
	int			i;

	if (other == NULL)
	{
		if (state == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(state);
	}
	if (state == NULL)
	{
		state = sequence_state_new(aggcontext, other->kind);
		state->nconds = other->nconds;
		state->window = other->window;
		state->modes = other->modes;
		if (other->pattern != NULL)
		{
			state->pattern = MemoryContextAlloc(aggcontext, other->pattern_len + 1);
			memcpy(state->pattern, other->pattern, other->pattern_len + 1);
			state->pattern_len = other->pattern_len;
		}
	}
	else
	{
		const char *fname = sequence_state_fname(state);

		if (state->kind != other->kind)
			elog(ERROR, "cannot combine states of different kinds");
		if (state->nconds != other->nconds && state->nconds != 0 && other->nconds != 0)
			sequence_params_differ(fname, "condition count");
		if (state->nconds == 0)
			state->nconds = other->nconds;
		if (state->kind == SEQUENCE_KIND_PATTERN &&
			(state->pattern_len != other->pattern_len ||
			 memcmp(state->pattern, other->pattern, state->pattern_len) != 0))
			sequence_params_differ(fname, "pattern");
		if (state->kind == SEQUENCE_KIND_FUNNEL &&
			(state->window != other->window || state->modes != other->modes))
			sequence_params_differ(fname, "window and mode");
	}
	for (i = 0; i < other->n; i++)
		sequence_state_append(state, other->entries[i].ts, other->entries[i].mask);
	PG_RETURN_POINTER(state);
}

#define SEQUENCE_SERIAL_VERSION 1

/*
 * Serialized state: version, kind, nconds, then the pattern (length,
 * bytes) or the window and modes, then the count and (ts, mask) per entry.
 */
PG_FUNCTION_INFO_V1(sequence_serialize);
Datum
sequence_serialize(PG_FUNCTION_ARGS)
{
	SequenceState *state = (SequenceState *) PG_GETARG_POINTER(0);
	StringInfoData buf;
	int			params = state->kind == SEQUENCE_KIND_PATTERN ? 4 + state->pattern_len : 8 + 4;
	int			i;

	journey_agg_context(fcinfo, "sequence_serialize");
	pq_begintypsend(&buf);
	enlargeStringInfo(&buf, 1 + 1 + 4 + params + 4 + 16 * state->n);
	pq_sendbyte(&buf, SEQUENCE_SERIAL_VERSION);
	pq_sendbyte(&buf, state->kind);
	pq_sendint32(&buf, state->nconds);
	if (state->kind == SEQUENCE_KIND_PATTERN)
	{
		pq_sendint32(&buf, state->pattern_len);
		pq_sendbytes(&buf, state->pattern, state->pattern_len);
	}
	else
	{
		pq_sendint64(&buf, state->window);
		pq_sendint32(&buf, state->modes);
	}
	pq_sendint32(&buf, state->n);
	for (i = 0; i < state->n; i++)
	{
		pq_sendint64(&buf, state->entries[i].ts);
		pq_sendint64(&buf, (int64) state->entries[i].mask);
	}
	Assert(buf.len == VARHDRSZ + 1 + 1 + 4 + params + 4 + 16 * state->n);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* A state from sequence_serialize: everything checked (XX001 when bad). */
PG_FUNCTION_INFO_V1(sequence_deserialize);
Datum
sequence_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *data = PG_GETARG_BYTEA_PP(0);
	MemoryContext aggcontext = journey_agg_context(fcinfo, "sequence_deserialize");
	const char *what = "sequence state";
	StringInfoData buf;
	SequenceState *state;
	int			version;
	int			kind;
	int32		nconds;
	int32		n;
	int			i;

	journey_bytea_reader(&buf, data);
	version = journey_recv_uint8(&buf, what);
	if (version != SEQUENCE_SERIAL_VERSION)
		journey_unsupported_version(JOURNEY_FROM_STATE, version, what);
	kind = journey_recv_uint8(&buf, what);
	if (kind != SEQUENCE_KIND_PATTERN && kind != SEQUENCE_KIND_FUNNEL)
		journey_invalid_value(JOURNEY_FROM_STATE, what, "The state kind %d is unknown.", kind);
	state = sequence_state_new(aggcontext, kind);
	nconds = journey_recv_int32(&buf, what);
	if (nconds < 0 || nconds > SEQUENCE_MAX_CONDS)
		journey_invalid_value(JOURNEY_FROM_STATE, what, "The condition count is out of range.");
	state->nconds = nconds;
	if (kind == SEQUENCE_KIND_PATTERN)
	{
		int32		len = journey_recv_int32(&buf, what);

		if (len < 0 || len > buf.len - buf.cursor)
			journey_invalid_value(JOURNEY_FROM_STATE, what, "The pattern length is out of range.");
		state->pattern = MemoryContextAlloc(aggcontext, len + 1);
		memcpy(state->pattern, buf.data + buf.cursor, len);
		state->pattern[len] = '\0';
		state->pattern_len = len;
		buf.cursor += len;
	}
	else
	{
		state->window = journey_recv_int64(&buf, what);
		state->modes = journey_recv_int32(&buf, what);
		if (state->window <= 0)
			journey_invalid_value(JOURNEY_FROM_STATE, what, "The window is not positive.");
		if (!FUNNEL_MODES_VALID(state->modes))
			journey_invalid_value(JOURNEY_FROM_STATE, what, "The mode flags are invalid.");
	}
	n = journey_recv_int32(&buf, what);
	if (n < 0 || (int64) n * 16 != buf.len - buf.cursor)
		journey_invalid_value(JOURNEY_FROM_STATE, what, "The entry count does not match the state's length.");
	if (n > 0 && nconds == 0)
		journey_invalid_value(JOURNEY_FROM_STATE, what, "Entries without a condition count.");
	for (i = 0; i < n; i++)
	{
		int64		ts = journey_recv_int64(&buf, what);
		uint64		mask = (uint64) journey_recv_int64(&buf, what);

		if (!IS_VALID_TIMESTAMP(ts))
			journey_invalid_value(JOURNEY_FROM_STATE, what, "An entry's timestamp is out of range.");
		if (nconds < 64 && (mask >> nconds) != 0)
			journey_invalid_value(JOURNEY_FROM_STATE, what, "An entry names a condition beyond the condition count.");
		if (mask == 0 && !(kind == SEQUENCE_KIND_FUNNEL && (state->modes & FUNNEL_ORDER)))
			journey_invalid_value(JOURNEY_FROM_STATE, what, "An entry meets no condition.");
		sequence_state_append(state, ts, mask);
	}
	journey_recv_done(&buf, what);
	PG_RETURN_POINTER(state);
}

/* ---------------------------------------------------------------------
 * sequence_match / sequence_count over rows
 */

/*
 * Transition of sequence_match and sequence_count: (state, ts, pattern,
 * conds).  A NULL or infinite ts, a NULL array or a NULL condition ignores
 * the row; rows meeting no condition are not events; a NULL pattern is an
 * error, and so is a pattern that changes within a group.
 */
PG_FUNCTION_INFO_V1(sequence_transfn);
Datum
sequence_transfn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = journey_agg_context(fcinfo, "sequence_match");
	SequenceState *state = PG_ARGISNULL(0) ? NULL : (SequenceState *) PG_GETARG_POINTER(0);
	text	   *pattern;
	const char *pdata;
	int			plen;
	uint64		mask;
	int64		ts;

	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("sequence pattern must not be null")));
	pattern = PG_GETARG_TEXT_PP(2);
	pdata = VARDATA_ANY(pattern);
	plen = VARSIZE_ANY_EXHDR(pattern);
	if (state == NULL)
	{
		state = sequence_state_new(aggcontext, SEQUENCE_KIND_PATTERN);
		state->pattern = MemoryContextAlloc(aggcontext, plen + 1);
		memcpy(state->pattern, pdata, plen);
		state->pattern[plen] = '\0';
		state->pattern_len = plen;
	}
	else if (plen != state->pattern_len || memcmp(pdata, state->pattern, plen) != 0)
		sequence_params_differ("sequence", "pattern");
	if (!sequence_row_mask(fcinfo, state, 3, &mask))
		PG_RETURN_POINTER(state);
	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(state);
	ts = PG_GETARG_INT64(1);
	if (TIMESTAMP_NOT_FINITE(ts) || mask == 0)
		PG_RETURN_POINTER(state);
	sequence_state_append(state, ts, mask);
	PG_RETURN_POINTER(state);
}

/* The state's pattern compiled, its entries sorted. */
static void
sequence_state_program(SequenceState *state, SequenceProgram *prog)
{
	/* a group whose arrays were all NULL: check the pattern for any count */
	sequence_compile(state->pattern, state->pattern_len,
					 state->nconds > 0 ? state->nconds : SEQUENCE_MAX_CONDS, prog);
	sequence_state_sort(state);
}

/*
 * Final functions.  The state is sorted in place, which leaves the same
 * entries (FINALFUNC_MODIFY = READ_ONLY holds for the answer).  No rows at
 * all: false / 0, as ClickHouse answers.
 */
PG_FUNCTION_INFO_V1(sequence_match_final);
Datum
sequence_match_final(PG_FUNCTION_ARGS)
{
	SequenceState *state = PG_ARGISNULL(0) ? NULL : (SequenceState *) PG_GETARG_POINTER(0);
	SequenceProgram prog;

	if (state == NULL)
		PG_RETURN_BOOL(false);
	sequence_state_program(state, &prog);
	PG_RETURN_BOOL(sequence_match_entries(&prog, state->entries, state->n));
}

PG_FUNCTION_INFO_V1(sequence_count_final);
Datum
sequence_count_final(PG_FUNCTION_ARGS)
{
	SequenceState *state = PG_ARGISNULL(0) ? NULL : (SequenceState *) PG_GETARG_POINTER(0);
	SequenceProgram prog;

	if (state == NULL)
		PG_RETURN_INT64(0);
	sequence_state_program(state, &prog);
	PG_RETURN_INT64(sequence_count_entries(&prog, state->entries, state->n));
}

/* ---------------------------------------------------------------------
 * Over a stored journey: conditions are labels
 */

ArrayType *
sequence_label_array(FunctionCallInfo fcinfo, int argno, const char *what, int *n)
{
	ArrayType  *arr;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", what)));
	arr = PG_GETARG_ARRAYTYPE_P(argno);
	if (ARR_ELEMTYPE(arr) != TEXTOID)
		elog(ERROR, "%s must be a text array", what);
	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s must be a one-dimensional array", what)));
	*n = ARR_NDIM(arr) == 0 ? 0 : ARR_DIMS(arr)[0];
	if (*n < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must name at least one label", what)));
	if (*n > SEQUENCE_MAX_CONDS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s may name at most %d labels", what, SEQUENCE_MAX_CONDS),
				 errdetail("%d labels were given.", *n)));
	if (array_contains_nulls(arr))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not contain nulls", what)));
	return arr;
}

uint64
sequence_label_masks(const JourneyReader *r, ArrayType *labels, int nlabels, uint64 *masks)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	int			k;
	uint64		all = 0;

	memset(masks, 0, sizeof(uint64) * Max(r->nlabels, 1));
	deconstruct_array(labels, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	Assert(n == nlabels);
	for (k = 0; k < n; k++)
	{
		text	   *t = DatumGetTextPP(elems[k]);
		int			idx = journey_label_index(r, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));

		if (idx >= 0)
		{
			masks[idx] |= UINT64CONST(1) << k;
			all |= UINT64CONST(1) << k;
		}
	}
	pfree(elems);
	pfree(nulls);
	return all;
}

/*
 * The entries of the journey in argument 0 (NULL: none) for conditions
 * given as labels, sorted by (ts, mask); events of no label are left out
 * unless keep_unmatched.  *n gets the count.  Palloc'd.
 */
FunnelEntry *
sequence_journey_entries(FunctionCallInfo fcinfo, ArrayType *labels, int nlabels,
						 bool keep_unmatched, int *n_out)
{
	JourneyReader r;
	uint64		small[JOURNEY_READER_INLINE_LABELS];
	uint64	   *masks;
	FunnelEntry *e = NULL;
	int64		n = 0;
	int64		cap = 0;
	int32		label;

	*n_out = 0;
	if (PG_ARGISNULL(0))
		return NULL;
	journey_reader_init(&r, PG_GETARG_JOURNEY_P(0), JOURNEY_FROM_STATE);
	masks = r.nlabels <= JOURNEY_READER_INLINE_LABELS ? small : palloc(sizeof(uint64) * r.nlabels);
	sequence_label_masks(&r, labels, nlabels, masks);
	while ((label = journey_reader_next_label(&r)) >= 0)
	{
		uint64		mask = masks[label];

		if ((r.nread & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
		if (mask == 0 && !keep_unmatched)
			continue;
		if (n == cap)
		{
			cap = cap == 0 ? Min(r.nevents, 64) : 2 * cap;
			if (cap > PG_INT32_MAX)
				cap = PG_INT32_MAX;
			if (n >= cap)
				ereport(ERROR,
						(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						 errmsg("too many events in one journey"),
						 errdetail("A journey analysis takes at most %d events.", PG_INT32_MAX)));
			e = e == NULL ? MemoryContextAllocHuge(CurrentMemoryContext, sizeof(FunnelEntry) * cap)
				: repalloc_huge(e, sizeof(FunnelEntry) * cap);
		}
		e[n].ts = r.prev_ts;
		e[n].mask = mask;
		n++;
	}
	journey_reader_free(&r);
	funnel_sort_entries(e, (int) n);
	*n_out = (int) n;
	return e;
}

/* The compiled pattern of argument 1, cached per call site. */
typedef struct SequenceCache
{
	char	   *pattern;
	int			len;
	int			nconds;
	SequenceProgram prog;
} SequenceCache;

static const SequenceProgram *
sequence_cached_program(FunctionCallInfo fcinfo, int nconds)
{
	SequenceCache *c = (SequenceCache *) fcinfo->flinfo->fn_extra;
	text	   *pattern;
	const char *p;
	int			len;
	MemoryContext old;
	SequenceProgram prog;
	char	   *copy;

	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("sequence pattern must not be null")));
	pattern = PG_GETARG_TEXT_PP(1);
	p = VARDATA_ANY(pattern);
	len = VARSIZE_ANY_EXHDR(pattern);
	if (c != NULL && c->nconds == nconds && c->len == len && memcmp(c->pattern, p, len) == 0)
		return &c->prog;
	if (c == NULL)
	{
		c = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(SequenceCache));
		c->len = -1;
		fcinfo->flinfo->fn_extra = c;
	}
	/* compile first: an error leaves the cache as it was */
	old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
	sequence_compile(p, len, nconds, &prog);
	copy = pnstrdup(p, len);
	MemoryContextSwitchTo(old);
	if (c->pattern != NULL)
	{
		pfree(c->pattern);
		pfree(c->prog.actions);
		pfree(c->prog.trailing_ok);
	}
	c->prog = prog;
	c->pattern = copy;
	c->len = len;
	c->nconds = nconds;
	return &c->prog;
}

/*
 * sequence_match(j journey, pattern, VARIADIC labels) and sequence_count:
 * condition k is an event whose label is labels[k].  A NULL journey is a
 * customer without events; a NULL pattern or label is an error.
 */
static const SequenceProgram *
journey_sequence_setup(FunctionCallInfo fcinfo, FunnelEntry **e, int *n)
{
	int			nconds;
	ArrayType  *labels = sequence_label_array(fcinfo, 2, "sequence labels", &nconds);
	const SequenceProgram *prog = sequence_cached_program(fcinfo, nconds);

	*e = sequence_journey_entries(fcinfo, labels, nconds, false, n);
	return prog;
}

PG_FUNCTION_INFO_V1(journey_sequence_match);
Datum
journey_sequence_match(PG_FUNCTION_ARGS)
{
	FunnelEntry *e;
	int			n;
	const SequenceProgram *prog = journey_sequence_setup(fcinfo, &e, &n);

	PG_RETURN_BOOL(sequence_match_entries(prog, e, n));
}

PG_FUNCTION_INFO_V1(journey_sequence_count);
Datum
journey_sequence_count(PG_FUNCTION_ARGS)
{
	FunnelEntry *e;
	int			n;
	const SequenceProgram *prog = journey_sequence_setup(fcinfo, &e, &n);

	PG_RETURN_INT64(sequence_count_entries(prog, e, n));
}
