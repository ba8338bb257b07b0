/*
 * next_event.c — what a customer did next: next_event (the label of the
 * k-th event after, or before, the first base event) and path_agg (the
 * customer's path from the first start event), as row aggregates and over
 * a stored journey.
 *
 * Both forms feed the same walks (next_walk_feed here, path_walk_feed in
 * path_tree.h) with the events in journey order: by timestamp, events at
 * the same microsecond by label in byte order (memcmp, shorter first:
 * the stored journey's order, whatever the collation).  The row forms
 * also order, among events equal in timestamp and label, the base (or
 * start) events first; a journey's base is a label, so its equal events
 * are all base or all not, and both forms give the same answer.
 *
 * The row aggregates keep every event of the group (timestamp, a label
 * id, the base flag: 16 bytes, labels stored once) and sort them once at
 * the end; they are per-customer aggregates with an internal state,
 * serialize, deserialize and combine.
 */
#include "journey.h"
#include "path_tree.h"
#include "timeline.h"

#include "common/hashfn.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#define PATH_INTERRUPT_EVERY 0xFFFF

/* ---------------------------------------------------------------------
 * The walks.
 */

void
path_walk_init(PathWalk *w, int steps, int64 session_gap)
{
	memset(w, 0, sizeof(*w));
	w->steps = steps;
	w->session_gap = session_gap;
}

typedef struct NextWalk
{
	int64		k;
	bool		backward;
	int32	   *ring;			/* backward: the last k labels */
	int64		seen;			/* backward: events before the base */
	int64		after;			/* forward: events after the base */
	bool		found;
	int32		result;			/* -1: none */
} NextWalk;

/*
 * Feed the next event in journey order; true once the answer is known
 * (w->result, -1 when there is none).
 */
static inline bool
next_walk_feed(NextWalk *w, int32 label, bool base)
{
	if (!w->backward)
	{
		if (!w->found)
		{
			w->found = base;
			return false;
		}
		if (++w->after == w->k)
		{
			w->result = label;
			return true;
		}
		return false;
	}
	if (base)
	{
		if (w->seen >= w->k)
			w->result = w->ring[(w->seen - w->k) % w->k];
		w->found = true;
		return true;
	}
	w->ring[w->seen % w->k] = label;
	w->seen++;
	return false;
}

/*
 * Set up a walk over nevents events: false when no answer is possible
 * (backward, fewer events than k).  The ring is palloc'd.
 */
static bool
next_walk_init(NextWalk *w, int64 k, bool backward, int64 nevents)
{
	memset(w, 0, sizeof(*w));
	w->k = k;
	w->backward = backward;
	w->result = -1;
	if (k > nevents)
		return false;
	if (backward)
		w->ring = palloc(sizeof(int32) * k);
	return true;
}

/* The direction argument: false forward, true backward. */
static bool
next_event_direction(text *dir)
{
	const char *s = VARDATA_ANY(dir);
	int			len = VARSIZE_ANY_EXHDR(dir);

	if (len == 7 && pg_strncasecmp(s, "forward", 7) == 0)
		return false;
	if (len == 8 && pg_strncasecmp(s, "backward", 8) == 0)
		return true;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid next_event direction: \"%s\"", text_to_cstring(dir)),
			 errhint("The direction is 'forward' or 'backward'.")));
	return false;				/* not reached */
}

static void
next_event_params(FunctionCallInfo fcinfo, int dirarg, int karg, bool *backward, int64 *k)
{
	*backward = false;
	*k = 1;
	if (PG_NARGS() > dirarg)
	{
		if (PG_ARGISNULL(dirarg))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("next_event direction must not be null")));
		*backward = next_event_direction(PG_GETARG_TEXT_PP(dirarg));
	}
	if (PG_NARGS() > karg)
	{
		if (PG_ARGISNULL(karg))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("next_event k must not be null")));
		*k = PG_GETARG_INT32(karg);
		if (*k < 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("next_event k must be at least 1"),
					 errdetail("k is %lld.", (long long) *k)));
	}
}

static void
path_params(FunctionCallInfo fcinfo, int stepsarg, int gaparg, int *steps, int64 *gap)
{
	if (PG_ARGISNULL(stepsarg))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("steps must not be null")));
	*steps = path_check_steps(PG_GETARG_INT32(stepsarg));
	*gap = -1;
	if (PG_NARGS() > gaparg)
	{
		if (PG_ARGISNULL(gaparg))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("session_gap must not be null")));
		*gap = path_check_session_gap(PG_GETARG_INTERVAL_P(gaparg));
	}
}

/* ---------------------------------------------------------------------
 * The row aggregates' state: the group's events.
 */

typedef struct PathRowEvent
{
	int64		ts;
	int32		label;
	int32		base;			/* 1: base / start event */
} PathRowEvent;

/*
 * The events and labels of a typical customer fit in the state's one
 * 512-byte chunk (PATH_ROWS_INLINE_*); more move to arrays of their own.
 * Labels are looked up by a scan while there are few, by a hash table
 * after.
 */
#define PATH_ROWS_INLINE_EVENTS 10
#define PATH_ROWS_INLINE_LABELS 8
#define PATH_ROWS_INLINE_ARENA	96
#define PATH_ROWS_SCAN_LABELS	8

typedef struct PathRows
{
	MemoryContext cxt;
	PathRowEvent *ev;			/* inline_ev or palloc'd */
	char	   *arena;			/* label bytes: inline_arena or palloc'd */
	uint64	   *prefix;			/* per label id: its first 8 bytes, zero-padded */
	uint32	   *off;			/* per label id: inline_off or palloc'd */
	int32	   *len;
	uint32	   *code;			/* per label id, once hashed */
	int32	   *hash;			/* open addressing: label id + 1, 0 empty */
	int64		n;
	int64		max;
	int64		k;				/* parameters, set by the first row */
	int64		gap;
	uint32		arena_len;
	uint32		arena_max;
	int32		nlabels;
	int32		maxlabels;
	int32		hash_size;
	int16		steps;
	bool		backward;
	PathRowEvent inline_ev[PATH_ROWS_INLINE_EVENTS];
	uint64		inline_prefix[PATH_ROWS_INLINE_LABELS];
	uint32		inline_off[PATH_ROWS_INLINE_LABELS];
	int32		inline_len[PATH_ROWS_INLINE_LABELS];
	char		inline_arena[PATH_ROWS_INLINE_ARENA];
} PathRows;

static PathRows *
path_rows_create(MemoryContext cxt)
{
	PathRows   *s = MemoryContextAlloc(cxt, sizeof(PathRows));

	memset(s, 0, offsetof(PathRows, inline_ev));
	s->cxt = cxt;
	s->ev = s->inline_ev;
	s->max = PATH_ROWS_INLINE_EVENTS;
	s->arena = s->inline_arena;
	s->arena_max = PATH_ROWS_INLINE_ARENA;
	s->prefix = s->inline_prefix;
	s->off = s->inline_off;
	s->len = s->inline_len;
	s->maxlabels = PATH_ROWS_INLINE_LABELS;
	return s;
}

/* (Re)build the hash table with room for size entries (a power of 2). */
static void
path_rows_rehash(PathRows *s, int size)
{
	int			i;

	if (s->hash != NULL)
		pfree(s->hash);
	s->hash = MemoryContextAllocZero(s->cxt, sizeof(int32) * size);
	s->hash_size = size;
	for (i = 0; i < s->nlabels; i++)
	{
		uint32		h = s->code[i] & (size - 1);

		while (s->hash[h] != 0)
			h = (h + 1) & (size - 1);
		s->hash[h] = i + 1;
	}
}

static void
path_rows_grow_labels(PathRows *s)
{
	int			newmax = 2 * s->maxlabels;

	if (newmax > PG_INT32_MAX / 2)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many distinct labels in one group")));
	if (s->off == s->inline_off)
	{
		s->prefix = MemoryContextAlloc(s->cxt, sizeof(uint64) * newmax);
		s->off = MemoryContextAlloc(s->cxt, sizeof(uint32) * newmax);
		s->len = MemoryContextAlloc(s->cxt, sizeof(int32) * newmax);
		memcpy(s->prefix, s->inline_prefix, sizeof(s->inline_prefix));
		memcpy(s->off, s->inline_off, sizeof(s->inline_off));
		memcpy(s->len, s->inline_len, sizeof(s->inline_len));
	}
	else
	{
		s->prefix = repalloc_huge(s->prefix, sizeof(uint64) * newmax);
		s->off = repalloc_huge(s->off, sizeof(uint32) * newmax);
		s->len = repalloc_huge(s->len, sizeof(int32) * newmax);
	}
	if (s->code != NULL)
		s->code = repalloc_huge(s->code, sizeof(uint32) * newmax);
	s->maxlabels = newmax;
}

/* The first 8 bytes of a label, zero-padded. */
static inline uint64
path_label_prefix(const char *data, int len)
{
	uint64		p = 0;

	memcpy(&p, data, Min(len, 8));
	return p;
}

/* Label id's bytes equal (data, len), whose prefix is p? */
static inline bool
path_rows_label_eq(const PathRows *s, int32 id, uint64 p, const char *data, int len)
{
	return s->prefix[id] == p && s->len[id] == len &&
		(len <= 8 || memcmp(s->arena + s->off[id] + 8, data + 8, len - 8) == 0);
}

/* The id of a label, added when new. */
static int32
path_rows_label(PathRows *s, const char *data, int len)
{
	uint64		p = path_label_prefix(data, len);
	uint32		code = 0;
	uint32		h;
	int32		id;

	if (s->hash == NULL)
	{
		for (id = 0; id < s->nlabels; id++)
			if (path_rows_label_eq(s, id, p, data, len))
				return id;
	}
	else
	{
		code = hash_bytes((const unsigned char *) data, len);
		for (h = code & (s->hash_size - 1); s->hash[h] != 0; h = (h + 1) & (s->hash_size - 1))
		{
			id = s->hash[h] - 1;
			if (s->code[id] == code && path_rows_label_eq(s, id, p, data, len))
				return id;
		}
	}
	if (s->nlabels == s->maxlabels)
		path_rows_grow_labels(s);
	if ((uint64) s->arena_len + len > s->arena_max)
	{
		uint64		newmax = Max(2 * (uint64) s->arena_max, (uint64) s->arena_len + len);

		if (newmax > PG_UINT32_MAX || newmax > MaxAllocHugeSize)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many distinct labels in one group")));
		if (s->arena == s->inline_arena)
		{
			s->arena = MemoryContextAllocHuge(s->cxt, newmax);
			memcpy(s->arena, s->inline_arena, s->arena_len);
		}
		else
			s->arena = repalloc_huge(s->arena, newmax);
		s->arena_max = (uint32) newmax;
	}
	id = s->nlabels++;
	memcpy(s->arena + s->arena_len, data, len);
	s->prefix[id] = p;
	s->off[id] = s->arena_len;
	s->len[id] = len;
	s->arena_len += len;
	if (s->hash != NULL)
	{
		s->code[id] = code;
		if (2 * s->nlabels > s->hash_size)
			path_rows_rehash(s, 2 * s->hash_size);
		else
		{
			for (h = code & (s->hash_size - 1); s->hash[h] != 0; h = (h + 1) & (s->hash_size - 1))
				;
			s->hash[h] = id + 1;
		}
	}
	else if (s->nlabels > PATH_ROWS_SCAN_LABELS)
	{
		int			i;

		s->code = MemoryContextAlloc(s->cxt, sizeof(uint32) * s->maxlabels);
		for (i = 0; i < s->nlabels; i++)
			s->code[i] = hash_bytes((const unsigned char *) s->arena + s->off[i], s->len[i]);
		path_rows_rehash(s, 64);
	}
	return id;
}

static void
path_rows_add(PathRows *s, int64 ts, int32 label, bool base)
{
	if (s->n == s->max)
	{
		int64		newmax = 2 * s->max;

		if ((Size) newmax * sizeof(PathRowEvent) > MaxAllocHugeSize)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many events in one group")));
		if (s->ev == s->inline_ev)
		{
			s->ev = MemoryContextAllocHuge(s->cxt, sizeof(PathRowEvent) * newmax);
			memcpy(s->ev, s->inline_ev, sizeof(s->inline_ev));
		}
		else
			s->ev = repalloc_huge(s->ev, sizeof(PathRowEvent) * newmax);
		s->max = newmax;
	}
	s->ev[s->n].ts = ts;
	s->ev[s->n].label = label;
	s->ev[s->n].base = base ? 1 : 0;
	s->n++;
}

/*
 * The transition common to both aggregates: the state (created on the
 * first row, with the parameters read by params), the row's event added
 * unless ts or label is NULL or ts infinite.  A NULL base is false.
 */
static PathRows *
path_rows_transition(FunctionCallInfo fcinfo, const char *fname, bool next_event)
{
	MemoryContext aggcxt = journey_agg_context(fcinfo, fname);
	PathRows   *s = PG_ARGISNULL(0) ? NULL : (PathRows *) PG_GETARG_POINTER(0);
	bool		backward = false;
	int64		k = 0;
	int			steps = 0;
	int64		gap = -1;
	text	   *label;
	TimestampTz ts;

	/* parameters: checked on every row, they must not change in a group */
	if (next_event)
		next_event_params(fcinfo, 4, 5, &backward, &k);
	else
		path_params(fcinfo, 4, 5, &steps, &gap);
	if (s == NULL)
	{
		s = path_rows_create(aggcxt);
		s->backward = backward;
		s->k = k;
		s->steps = steps;
		s->gap = gap;
	}
	else if (s->backward != backward || s->k != k || s->steps != steps || s->gap != gap)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s parameters must be the same for every row of a group", fname)));
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		return s;
	ts = PG_GETARG_TIMESTAMPTZ(1);
	if (TIMESTAMP_NOT_FINITE(ts))
		return s;
	label = PG_GETARG_TEXT_PP(2);
	path_rows_add(s, ts, path_rows_label(s, VARDATA_ANY(label), (int) VARSIZE_ANY_EXHDR(label)),
				  !PG_ARGISNULL(3) && PG_GETARG_BOOL(3));
	return s;
}

PG_FUNCTION_INFO_V1(next_event_trans);
Datum
next_event_trans(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(path_rows_transition(fcinfo, "next_event", true));
}

PG_FUNCTION_INFO_V1(path_agg_trans);
Datum
path_agg_trans(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(path_rows_transition(fcinfo, "path_agg", false));
}

/* journey order of events: ts, label in byte order, base first */
static int
path_row_cmp(const void *a, const void *b, void *arg)
{
	const PathRowEvent *x = (const PathRowEvent *) a;
	const PathRowEvent *y = (const PathRowEvent *) b;
	const int32 *rank = (const int32 *) arg;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	if (x->label != y->label)
		return rank[x->label] < rank[y->label] ? -1 : 1;
	return y->base - x->base;
}

static int
path_label_rank_cmp(const void *a, const void *b, void *arg)
{
	const PathRows *s = (const PathRows *) arg;
	int32		x = *(const int32 *) a;
	int32		y = *(const int32 *) b;

	return journey_label_cmp(s->arena + s->off[x], s->len[x], s->arena + s->off[y], s->len[y]);
}

/* Sort the events in journey order (once, at the end). */
static void
path_rows_sort(PathRows *s)
{
	int32		small_ids[PATH_ROWS_SCAN_LABELS];
	int32		small_rank[PATH_ROWS_SCAN_LABELS];
	int32	   *ids = small_ids;
	int32	   *rank = small_rank;
	int32		i;
	int64		j;
	bool		sorted = true;

	if (s->nlabels > PATH_ROWS_SCAN_LABELS)
	{
		ids = palloc(sizeof(int32) * s->nlabels);
		rank = palloc(sizeof(int32) * s->nlabels);
	}
	for (i = 0; i < s->nlabels; i++)
		ids[i] = i;
	if (s->nlabels <= PATH_ROWS_SCAN_LABELS)
	{
		for (i = 1; i < s->nlabels; i++)
		{
			int32		x = ids[i];
			int32		k = i;

			for (; k > 0 && path_label_rank_cmp(&ids[k - 1], &x, s) > 0; k--)
				ids[k] = ids[k - 1];
			ids[k] = x;
		}
	}
	else
		qsort_arg(ids, s->nlabels, sizeof(int32), path_label_rank_cmp, s);
	for (i = 0; i < s->nlabels; i++)
		rank[ids[i]] = i;
	for (j = 1; j < s->n && sorted; j++)
		sorted = path_row_cmp(&s->ev[j - 1], &s->ev[j], rank) <= 0;
	if (!sorted && s->n <= 32)
	{
		for (j = 1; j < s->n; j++)
		{
			PathRowEvent x = s->ev[j];
			int64		k = j;

			for (; k > 0 && path_row_cmp(&s->ev[k - 1], &x, rank) > 0; k--)
				s->ev[k] = s->ev[k - 1];
			s->ev[k] = x;
		}
	}
	else if (!sorted)
		qsort_arg(s->ev, s->n, sizeof(PathRowEvent), path_row_cmp, rank);
	if (ids != small_ids)
	{
		pfree(ids);
		pfree(rank);
	}
}

PG_FUNCTION_INFO_V1(next_event_final);
Datum
next_event_final(PG_FUNCTION_ARGS)
{
	PathRows   *s = PG_ARGISNULL(0) ? NULL : (PathRows *) PG_GETARG_POINTER(0);
	NextWalk	w;
	int64		i;

	if (s == NULL || s->n == 0 || s->k < 1 || !next_walk_init(&w, s->k, s->backward, s->n))
		PG_RETURN_NULL();
	path_rows_sort(s);
	for (i = 0; i < s->n; i++)
	{
		if ((i & PATH_INTERRUPT_EVERY) == 0)
			CHECK_FOR_INTERRUPTS();
		if (next_walk_feed(&w, s->ev[i].label, s->ev[i].base != 0))
			break;
	}
	if (w.result < 0)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text_with_len(s->arena + s->off[w.result], s->len[w.result]));
}

PG_FUNCTION_INFO_V1(path_agg_final);
Datum
path_agg_final(PG_FUNCTION_ARGS)
{
	PathRows   *s = PG_ARGISNULL(0) ? NULL : (PathRows *) PG_GETARG_POINTER(0);
	PathWalk	w;
	const char **data;
	int64		i;
	struct varlena *result;

	if (s == NULL || s->n == 0)
		PG_RETURN_NULL();
	path_rows_sort(s);
	path_walk_init(&w, path_check_steps(s->steps), s->gap);
	for (i = 0; i < s->n; i++)
	{
		if ((i & PATH_INTERRUPT_EVERY) == 0)
			CHECK_FOR_INTERRUPTS();
		if (path_walk_feed(&w, s->ev[i].ts, s->ev[i].label, s->ev[i].base != 0))
			break;
	}
	if (w.n == 0)
		PG_RETURN_NULL();
	data = palloc(sizeof(char *) * s->nlabels);
	for (i = 0; i < s->nlabels; i++)
		data[i] = s->arena + s->off[i];
	result = path_tree_from_walk(&w, data, s->len);
	PG_RETURN_POINTER(result);
}

/*
 * Serialize: the parameters, the labels (length, bytes), the events (ts,
 * label id, base).  Deserialize checks every id and length.
 */
PG_FUNCTION_INFO_V1(path_rows_serialize);
Datum
path_rows_serialize(PG_FUNCTION_ARGS)
{
	PathRows   *s = (PathRows *) PG_GETARG_POINTER(0);
	StringInfoData buf;
	int64		i;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, s->backward ? 1 : 0);
	pq_sendint64(&buf, s->k);
	pq_sendint32(&buf, s->steps);
	pq_sendint64(&buf, s->gap);
	pq_sendint32(&buf, s->nlabels);
	for (i = 0; i < s->nlabels; i++)
	{
		pq_sendint32(&buf, s->len[i]);
		pq_sendbytes(&buf, s->arena + s->off[i], s->len[i]);
	}
	pq_sendint64(&buf, s->n);
	for (i = 0; i < s->n; i++)
	{
		pq_sendint64(&buf, s->ev[i].ts);
		pq_sendint32(&buf, s->ev[i].label);
		pq_sendbyte(&buf, s->ev[i].base);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(path_rows_deserialize);
Datum
path_rows_deserialize(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt = journey_agg_context(fcinfo, "path_rows_deserialize");
	StringInfoData buf;
	PathRows   *s = path_rows_create(aggcxt);
	int32		nlabels;
	int32		steps;
	int64		n;
	int64		i;
	const char *what = "path state";

	journey_bytea_reader(&buf, PG_GETARG_BYTEA_PP(0));
	s->backward = journey_recv_uint8(&buf, what) != 0;
	s->k = journey_recv_int64(&buf, what);
	steps = journey_recv_int32(&buf, what);
	if (steps < 0 || steps > PATH_MAX_STEPS)
		journey_invalid_value(JOURNEY_FROM_STATE, what, "The state's parameters are out of range.");
	s->steps = (int16) steps;
	s->gap = journey_recv_int64(&buf, what);
	if (s->k < 0 || s->gap < -1)
		journey_invalid_value(JOURNEY_FROM_STATE, what, "The state's parameters are out of range.");
	nlabels = journey_recv_int32(&buf, what);
	if (nlabels < 0)
		journey_invalid_value(JOURNEY_FROM_STATE, what, "The state has %d labels.", nlabels);
	for (i = 0; i < nlabels; i++)
	{
		int32		len = journey_recv_int32(&buf, what);

		if (len < 0 || len > buf.len - buf.cursor)
			journey_invalid_value(JOURNEY_FROM_STATE, what, "A label is truncated.");
		if (path_rows_label(s, buf.data + buf.cursor, len) != i)
			journey_invalid_value(JOURNEY_FROM_STATE, what, "A label is listed twice.");
		buf.cursor += len;
	}
	n = journey_recv_int64(&buf, what);
	if (n < 0 || n > (buf.len - buf.cursor) / 13)
		journey_invalid_value(JOURNEY_FROM_STATE, what, "The state's event count is out of range.");
	for (i = 0; i < n; i++)
	{
		int64		ts = journey_recv_int64(&buf, what);
		int32		label = journey_recv_int32(&buf, what);
		int			base = journey_recv_uint8(&buf, what);

		if (label < 0 || label >= s->nlabels || base > 1)
			journey_invalid_value(JOURNEY_FROM_STATE, what, "An event is out of range.");
		path_rows_add(s, ts, label, base != 0);
	}
	journey_recv_done(&buf, what);
	PG_RETURN_POINTER(s);
}

/* Combine: the events of both groups, labels remapped into the first. */
PG_FUNCTION_INFO_V1(path_rows_combine);
Datum
path_rows_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt = journey_agg_context(fcinfo, "path_rows_combine");
	PathRows   *a = PG_ARGISNULL(0) ? NULL : (PathRows *) PG_GETARG_POINTER(0);
	PathRows   *b = PG_ARGISNULL(1) ? NULL : (PathRows *) PG_GETARG_POINTER(1);
	int32	   *map;
	int64		i;

	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	if (a == NULL)
	{
		a = path_rows_create(aggcxt);
		a->backward = b->backward;
		a->k = b->k;
		a->steps = b->steps;
		a->gap = b->gap;
	}
	else if (a->backward != b->backward || a->k != b->k || a->steps != b->steps || a->gap != b->gap)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("path aggregate parameters must be the same for every row of a group")));
	map = palloc(sizeof(int32) * Max(b->nlabels, 1));
	for (i = 0; i < b->nlabels; i++)
		map[i] = path_rows_label(a, b->arena + b->off[i], b->len[i]);
	for (i = 0; i < b->n; i++)
		path_rows_add(a, b->ev[i].ts, map[b->ev[i].label], b->ev[i].base != 0);
	pfree(map);
	PG_RETURN_POINTER(a);
}

/* ---------------------------------------------------------------------
 * Over a stored journey.
 */

/*
 * next_event(j, base_label [, direction [, k]]): a NULL journey or base
 * label gives NULL (no base event); NULL direction or k is an error.
 */
PG_FUNCTION_INFO_V1(journey_next_event);
Datum
journey_next_event(PG_FUNCTION_ARGS)
{
	bool		backward;
	int64		k;
	text	   *base_label;
	JourneyReader r;
	NextWalk	w;
	int32		base;
	int32		label;
	text	   *result = NULL;

	next_event_params(fcinfo, 2, 3, &backward, &k);
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	base_label = PG_GETARG_TEXT_PP(1);
	journey_reader_init(&r, PG_GETARG_JOURNEY_P(0), JOURNEY_FROM_STATE);
	base = journey_label_index(&r, VARDATA_ANY(base_label), (int) VARSIZE_ANY_EXHDR(base_label));
	if (base >= 0 && next_walk_init(&w, k, backward, r.nevents))
	{
		while ((label = journey_reader_next_label(&r)) >= 0)
		{
			if ((r.nread & PATH_INTERRUPT_EVERY) == 0)
				CHECK_FOR_INTERRUPTS();
			if (next_walk_feed(&w, label, label == base))
				break;
		}
		if (w.result >= 0)
			result = cstring_to_text_with_len(r.labels[w.result].data, r.labels[w.result].len);
	}
	journey_reader_free(&r);
	if (result == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(result);
}

/*
 * path_agg(j, start_label, steps [, session_gap]): a NULL journey or
 * start label gives NULL (no path); NULL steps or session_gap is an
 * error.
 */
PG_FUNCTION_INFO_V1(journey_path_agg);
Datum
journey_path_agg(PG_FUNCTION_ARGS)
{
	int			steps;
	int64		gap;
	text	   *start_label;
	JourneyReader r;
	PathWalk	w;
	int32		start;
	int32		label;
	struct varlena *result = NULL;

	path_params(fcinfo, 2, 3, &steps, &gap);
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	start_label = PG_GETARG_TEXT_PP(1);
	journey_reader_init(&r, PG_GETARG_JOURNEY_P(0), JOURNEY_FROM_STATE);
	start = journey_label_index(&r, VARDATA_ANY(start_label), (int) VARSIZE_ANY_EXHDR(start_label));
	path_walk_init(&w, steps, gap);
	if (start >= 0)
	{
		while ((label = journey_reader_next_label(&r)) >= 0)
		{
			if ((r.nread & PATH_INTERRUPT_EVERY) == 0)
				CHECK_FOR_INTERRUPTS();
			if (path_walk_feed(&w, r.prev_ts, label, label == start))
				break;
		}
		if (w.n > 0)
		{
			const char **data = palloc(sizeof(char *) * r.nlabels);
			int		   *len = palloc(sizeof(int) * r.nlabels);
			int			i;

			for (i = 0; i < r.nlabels; i++)
			{
				data[i] = r.labels[i].data;
				len[i] = r.labels[i].len;
			}
			result = path_tree_from_walk(&w, data, len);
		}
	}
	journey_reader_free(&r);
	if (result == NULL)
		PG_RETURN_NULL();
	PG_RETURN_POINTER(result);
}

StaticAssertDecl(sizeof(PathRows) <= 512, "a PathRows fits a 512-byte chunk");
