/*
 * funnel_search.c — ClickHouse's windowFunnel search over one customer's
 * entries (timestamp, step mask), to the letter, modes included, and the
 * earliest-starting chain of the level it reaches (funnel_path).  Plain C
 * over an array: the aggregates of src/funnel.c call it, and so can code
 * that holds a customer's events in another form (see funnel.h).
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
 *
 * The walk (funnel_walk) gives the level and where it stopped; the path
 * (funnel_find_path) is then searched among the entries the walk looked
 * at, with one sorted position list per step so that each step of each
 * candidate chain is a binary search: O(n log n) in all.
 */
#include "journey.h"
#include "funnel.h"

#include <limits.h>

#include "common/int.h"
#include "miscadmin.h"

#define FUNNEL_NONE PG_INT64_MIN	/* no chain at this level */
#define FUNNEL_CHECK_EVERY 4096		/* entries between interrupt checks */

/* ---------------------------------------------------------------------
 * Sorting: introsort (quicksort, heapsort past a depth limit, insertion
 * sort for short runs), in place, checking for interrupts as it goes.
 */

static inline bool
funnel_entry_lt(const FunnelEntry *a, const FunnelEntry *b)
{
	return a->ts < b->ts || (a->ts == b->ts && a->mask < b->mask);
}

static inline void
funnel_entry_swap(FunnelEntry *a, FunnelEntry *b)
{
	FunnelEntry t = *a;

	*a = *b;
	*b = t;
}

static void
funnel_insertion_sort(FunnelEntry *a, int n)
{
	int			i,
				j;

	for (i = 1; i < n; i++)
	{
		FunnelEntry x = a[i];

		for (j = i; j > 0 && funnel_entry_lt(&x, &a[j - 1]); j--)
			a[j] = a[j - 1];
		a[j] = x;
	}
}

static void
funnel_sift_down(FunnelEntry *a, int root, int n)
{
	for (;;)
	{
		int			child = 2 * root + 1;

		if (child >= n)
			return;
		if (child + 1 < n && funnel_entry_lt(&a[child], &a[child + 1]))
			child++;
		if (!funnel_entry_lt(&a[root], &a[child]))
			return;
		funnel_entry_swap(&a[root], &a[child]);
		root = child;
	}
}

static void
funnel_heap_sort(FunnelEntry *a, int n)
{
	int			i;

	for (i = n / 2 - 1; i >= 0; i--)
	{
		if ((i % FUNNEL_CHECK_EVERY) == 0)
			CHECK_FOR_INTERRUPTS();
		funnel_sift_down(a, i, n);
	}
	for (i = n - 1; i > 0; i--)
	{
		if ((i % FUNNEL_CHECK_EVERY) == 0)
			CHECK_FOR_INTERRUPTS();
		funnel_entry_swap(&a[0], &a[i]);
		funnel_sift_down(a, 0, i);
	}
}

/* Sort a[0..n): recurse on the smaller part, loop on the larger. */
static void
funnel_intro_sort(FunnelEntry *a, int n, int depth)
{
	while (n > 16)
	{
		FunnelEntry pivot;
		int			mid = n / 2;
		int			i,
					j;

		CHECK_FOR_INTERRUPTS();
		if (depth-- <= 0)
		{
			funnel_heap_sort(a, n);
			return;
		}
		/* median of three to a[mid], then Hoare's partition around it */
		if (funnel_entry_lt(&a[mid], &a[0]))
			funnel_entry_swap(&a[mid], &a[0]);
		if (funnel_entry_lt(&a[n - 1], &a[mid]))
		{
			funnel_entry_swap(&a[n - 1], &a[mid]);
			if (funnel_entry_lt(&a[mid], &a[0]))
				funnel_entry_swap(&a[mid], &a[0]);
		}
		pivot = a[mid];
		i = -1;
		j = n;
		for (;;)
		{
			do
				i++;
			while (funnel_entry_lt(&a[i], &pivot));
			do
				j--;
			while (funnel_entry_lt(&pivot, &a[j]));
			if (i >= j)
				break;
			funnel_entry_swap(&a[i], &a[j]);
		}
		/* a[0..j] <= pivot <= a[j+1..n) */
		if (j + 1 < n - j - 1)
		{
			funnel_intro_sort(a, j + 1, depth);
			a += j + 1;
			n -= j + 1;
		}
		else
		{
			funnel_intro_sort(a + j + 1, n - j - 1, depth);
			n = j + 1;
		}
	}
	funnel_insertion_sort(a, n);
}

void
funnel_sort_entries(FunnelEntry *entries, int n)
{
	int			depth = 0;
	int			m;

	/* rows usually arrive in time order: nothing to do then */
	for (m = 1; m < n; m++)
		if (funnel_entry_lt(&entries[m], &entries[m - 1]))
			break;
	if (m >= n)
		return;
	for (m = n; m > 1; m >>= 1)
		depth += 2;
	funnel_intro_sort(entries, n, depth);
}

/* ---------------------------------------------------------------------
 * The walk
 */

/* Where the walk stopped: entries at or after it were not looked at. */
typedef struct FunnelStop
{
	bool		stopped;
	int64		ts;
	int			step;			/* 0: a row matching no step */
	int			rank;			/* rows with this (ts, step) before it count */
} FunnelStop;

typedef struct FunnelWalk
{
	const FunnelEntry *e;
	int			N;				/* entries */
	int			n;				/* steps */
	int64		W;				/* window, microseconds */
	bool		dedup;
	bool		order;
	bool		inc;
	bool		once;
	bool		reentry;
	int			reached;		/* the level so far */
	FunnelStop	stop;
	/* without strict_once: the chain reaching level k starts/ends at */
	int64		first[FUNNEL_MAX_STEPS + 1];
	int64		last[FUNNEL_MAX_STEPS + 1];
	/* with strict_once: latest start of a chain reaching level k ... */
	int64		pre[FUNNEL_MAX_STEPS + 1];	/* ... at earlier timestamps */
	int64		cur[FUNNEL_MAX_STEPS + 1];	/* ... at this timestamp */
	/* strict_once: scratch for matching rows of one timestamp to steps */
	int		   *owner;
	bool	   *visited;
	int			scratch;
} FunnelWalk;

/* What the gate says about an entry of step k >= 2. */
typedef enum FunnelGate
{
	FUNNEL_GATE_TRY,			/* it may extend a chain of level k-1 */
	FUNNEL_GATE_SKIP,			/* it cannot: look at the next one */
	FUNNEL_GATE_STOP			/* the walk ends here */
} FunnelGate;

/*
 * The step gate, one for both walks: strict_deduplication ends the walk
 * at a step already reached, strict_order at a step whose predecessor is
 * missing (allow_reentry skips it instead), and a step whose predecessor
 * no chain reached cannot extend one.
 */
static inline FunnelGate
funnel_gate(const FunnelWalk *w, int k)
{
	if (w->dedup && w->reached >= k)
		return FUNNEL_GATE_STOP;
	if (w->order && w->reached >= 1 && w->reached < k - 1)
		return w->reentry ? FUNNEL_GATE_SKIP : FUNNEL_GATE_STOP;
	if (w->reached < k - 1)
		return FUNNEL_GATE_SKIP;
	return FUNNEL_GATE_TRY;
}

/* A chain started at `start` may take an entry at ts (window end saturates). */
static inline bool
funnel_in_window(int64 start, int64 window, int64 ts)
{
	int64		limit;

	if (start == FUNNEL_NONE)
		return false;
	if (pg_add_s64_overflow(start, window, &limit))
		return true;
	return ts <= limit;
}

static inline bool
funnel_stop_at(FunnelWalk *w, int64 ts, int step, int rank)
{
	w->stop.stopped = true;
	w->stop.ts = ts;
	w->stop.step = step;
	w->stop.rank = rank;
	return true;
}

static inline void
funnel_reach(FunnelWalk *w, int k)
{
	if (w->reached < k)
		w->reached = k;
}

/*
 * One timestamp's rows e[gi..gj) without strict_once: uni is the union of
 * their masks, dup the steps satisfied by two rows or more.  Returns true
 * when the walk ends.
 */
static bool
funnel_walk_group(FunnelWalk *w, int64 t, uint64 uni, uint64 dup)
{
	int			k;

	for (k = 1; k <= w->n; k++)
	{
		uint64		bit = UINT64CONST(1) << (k - 1);

		if (!(uni & bit))
			continue;
		if (k == 1)
		{
			w->first[1] = w->last[1] = t;
			funnel_reach(w, 1);
			continue;
		}
		switch (funnel_gate(w, k))
		{
			case FUNNEL_GATE_STOP:
				return funnel_stop_at(w, t, k, 0);
			case FUNNEL_GATE_SKIP:
				continue;
			case FUNNEL_GATE_TRY:
				break;
		}
		if (funnel_in_window(w->first[k - 1], w->W, t) &&
			(!w->inc || w->last[k - 1] < t))
		{
			w->first[k] = w->first[k - 1];
			w->last[k] = t;
			funnel_reach(w, k);
			if (k == w->n)
				return funnel_stop_at(w, t, k, INT_MAX);
		}
		if (w->dedup && (dup & bit) && w->reached >= k)
			return funnel_stop_at(w, t, k, 1);
	}
	return false;
}

/*
 * Can steps step..b each get a distinct row of rows[0..g), row `skip`
 * excluded?  Kuhn's augmenting paths; owner/visited are scratch of g
 * entries.
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

/* Steps a..b each get a distinct row of rows[0..g) other than `skip`. */
static bool
funnel_match(FunnelWalk *w, const FunnelEntry *rows, int g, int skip, int a, int b)
{
	int			s;

	if (a > b)
		return true;
	if (b - a + 1 > g - 1)
		return false;
	for (s = 0; s < g; s++)
		w->owner[s] = -1;
	for (s = a; s <= b; s++)
	{
		memset(w->visited, 0, g * sizeof(bool));
		if (!funnel_augment(rows, g, skip, s, w->owner, w->visited))
			return false;
	}
	return true;
}

/*
 * strict_once: the latest start of a chain that row r (of this
 * timestamp t, satisfying step k) completes to level k, or FUNNEL_NONE.
 * The chain's steps before k are a chain of earlier timestamps up to some
 * level, then rows of this timestamp other than r for the rest.
 */
static int64
funnel_once_best(FunnelWalk *w, const FunnelEntry *rows, int g, int r, int k, int64 t)
{
	int64		best = FUNNEL_NONE;
	int			lvl;

	if (w->inc)
	{
		/* chains of this timestamp end at t: not strictly before */
		if (funnel_in_window(w->pre[k - 1], w->W, t))
			best = w->pre[k - 1];
		return best;
	}
	if (funnel_match(w, rows, g, r, 1, k - 1))
		return t;				/* the whole chain within this timestamp */
	for (lvl = 1; lvl <= k - 1; lvl++)
	{
		if (!funnel_in_window(w->pre[lvl], w->W, t))
			continue;
		if (w->pre[lvl] > best && funnel_match(w, rows, g, r, lvl + 1, k - 1))
			best = w->pre[lvl];
	}
	return best;
}

/* One timestamp's rows rows[0..g) under strict_once; true: the walk ends. */
static bool
funnel_walk_group_once(FunnelWalk *w, const FunnelEntry *rows, int g, int64 t, uint64 uni)
{
	int			k;

	if (g > w->scratch)
	{
		w->scratch = Max(g, 8);
		w->owner = w->owner ? repalloc(w->owner, w->scratch * sizeof(int)) : palloc(w->scratch * sizeof(int));
		w->visited = w->visited ? repalloc(w->visited, w->scratch * sizeof(bool)) : palloc(w->scratch * sizeof(bool));
	}
	for (k = 1; k <= w->n; k++)
	{
		uint64		bit = UINT64CONST(1) << (k - 1);
		int			rank = 0;
		int			r;
		int64		prev_best = FUNNEL_NONE;

		if (!(uni & bit))
			continue;
		if (k == 1)
		{
			w->cur[1] = t;
			funnel_reach(w, 1);
			continue;
		}
		switch (funnel_gate(w, k))
		{
			case FUNNEL_GATE_STOP:
				return funnel_stop_at(w, t, k, 0);
			case FUNNEL_GATE_SKIP:
				continue;
			case FUNNEL_GATE_TRY:
				break;
		}
		for (r = 0; r < g; r++)
		{
			int64		best;

			if (!(rows[r].mask & bit))
				continue;
			if (rank > 0 && w->dedup && w->reached >= k)
				return funnel_stop_at(w, t, k, rank);
			CHECK_FOR_INTERRUPTS();
			if (rank > 0 && rows[r].mask == rows[r - 1].mask)
				best = prev_best;	/* a row like the one before: same chains */
			else
				best = funnel_once_best(w, rows, g, r, k, t);
			prev_best = best;
			if (best != FUNNEL_NONE)
			{
				if (best > w->cur[k])
					w->cur[k] = best;
				funnel_reach(w, k);
				if (k == w->n)
					return funnel_stop_at(w, t, k, rank + 1);
			}
			rank++;
		}
	}
	/* this timestamp's chains become earlier ones for the next */
	for (k = 1; k <= w->n; k++)
	{
		if (w->cur[k] > w->pre[k])
			w->pre[k] = w->cur[k];
		w->cur[k] = FUNNEL_NONE;
	}
	return false;
}

/*
 * The windowFunnel walk over the sorted entries: sets w->reached and
 * w->stop (where the walk stopped).
 */
static void
funnel_walk(FunnelWalk *w)
{
	const FunnelEntry *e = w->e;
	int			i = 0;
	int			k;
	int			next_check = 0;

	w->reached = 0;
	w->stop.stopped = false;
	for (k = 0; k <= w->n; k++)
		w->first[k] = w->last[k] = w->pre[k] = w->cur[k] = FUNNEL_NONE;

	while (i < w->N)
	{
		int64		t = e[i].ts;
		int			gi = i;
		uint64		uni = 0;
		uint64		dup = 0;

		/* the rows of timestamp t: e[gi..i) */
		for (; i < w->N && e[i].ts == t; i++)
		{
			if (i >= next_check)
			{
				CHECK_FOR_INTERRUPTS();
				next_check = i + FUNNEL_CHECK_EVERY;
			}
			dup |= uni & e[i].mask;
			uni |= e[i].mask;
		}

		/* step-0 entries sort first at their timestamp */
		if (e[gi].mask == 0)
		{
			if (w->order && w->reached >= 1)
			{
				funnel_stop_at(w, t, 0, 0);
				return;
			}
			gi++;
		}
		if (w->once ? funnel_walk_group_once(w, e + gi, i - gi, t, uni)
			: funnel_walk_group(w, t, uni, dup))
			return;
	}
}

/* ---------------------------------------------------------------------
 * The path: the earliest-starting chain reaching the level
 */

typedef struct FunnelPathSearch
{
	const FunnelEntry *e;
	int			N;
	int			depth;			/* the level to reach */
	bool		once;
	bool		inc;
	int64		limit;			/* start + window, saturated */
	/* per step k (1..depth): the entries of step k the walk looked at */
	int		   *list[FUNNEL_MAX_STEPS + 1];
	int			len[FUNNEL_MAX_STEPS + 1];
	int			chain[FUNNEL_MAX_STEPS];	/* entry index per step */
} FunnelPathSearch;

/*
 * Entry idx may fill step k of a reported chain: the walk looked at it
 * before it stopped.  rank: the entries of step k before idx at its
 * timestamp.  In each step's list the usable entries come first.
 */
static inline bool
funnel_usable(const FunnelStop *stop, int64 ts, int k, int rank)
{
	if (!stop->stopped || ts < stop->ts)
		return true;
	if (ts > stop->ts || k > stop->step)
		return false;
	if (k < stop->step)
		return true;
	return rank < stop->rank;
}

/* Build s->list/len: the usable entries of each step 1..depth, in order. */
static void
funnel_build_lists(FunnelPathSearch *s, const FunnelStop *stop)
{
	const FunnelEntry *e = s->e;
	int			rank[FUNNEL_MAX_STEPS + 1];
	int			k;
	int			i;
	int64		group_ts = 0;

	for (k = 1; k <= s->depth; k++)
	{
		s->len[k] = 0;
		rank[k] = 0;
	}
	/* count, then fill, each list in index order */
	for (i = 0; i < s->N; i++)
	{
		if ((i % FUNNEL_CHECK_EVERY) == 0)
			CHECK_FOR_INTERRUPTS();
		if (i == 0 || e[i].ts != group_ts)
		{
			group_ts = e[i].ts;
			for (k = 1; k <= s->depth; k++)
				rank[k] = 0;
		}
		for (k = 1; k <= s->depth; k++)
		{
			if (!(e[i].mask & (UINT64CONST(1) << (k - 1))))
				continue;
			if (funnel_usable(stop, e[i].ts, k, rank[k]))
				s->len[k]++;
			rank[k]++;
		}
	}
	for (k = 1; k <= s->depth; k++)
	{
		s->list[k] = palloc(Max(s->len[k], 1) * sizeof(int));
		s->len[k] = 0;
	}
	for (i = 0; i < s->N; i++)
	{
		if ((i % FUNNEL_CHECK_EVERY) == 0)
			CHECK_FOR_INTERRUPTS();
		if (i == 0 || e[i].ts != group_ts)
		{
			group_ts = e[i].ts;
			for (k = 1; k <= s->depth; k++)
				rank[k] = 0;
		}
		for (k = 1; k <= s->depth; k++)
		{
			if (!(e[i].mask & (UINT64CONST(1) << (k - 1))))
				continue;
			if (funnel_usable(stop, e[i].ts, k, rank[k]))
				s->list[k][s->len[k]++] = i;
			rank[k]++;
		}
	}
}

/* The first position in list[0..len) holding an entry index >= idx. */
static int
funnel_list_lower(const int *list, int len, int idx)
{
	int			lo = 0;
	int			hi = len;

	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (list[mid] < idx)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The first entry index whose timestamp is >= ts (after: > ts). */
static int
funnel_ts_bound(const FunnelEntry *e, int N, int64 ts, bool after)
{
	int			lo = 0;
	int			hi = N;

	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (e[mid].ts < ts || (after && e[mid].ts == ts))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Fill steps k..depth after step k-1 (entry chain[k-2]).  Each step takes
 * the earliest timestamp it can (at the previous step's timestamp or
 * after it; strictly after under strict_increase): a later one never
 * helps the steps after it.  Under strict_once each row of that timestamp
 * is tried in turn (a row may be needed by a later step of the same
 * timestamp): exponential only in the number of rows sharing one
 * timestamp.
 */
static bool
funnel_search_from(FunnelPathSearch *s, int k)
{
	const FunnelEntry *e = s->e;
	const int  *list;
	int			prev;
	int			from;
	int			j;
	int64		tmin = 0;
	bool		found = false;

	if (k > s->depth)
		return true;
	check_stack_depth();
	CHECK_FOR_INTERRUPTS();
	list = s->list[k];
	prev = s->chain[k - 2];
	from = funnel_ts_bound(e, s->N, e[prev].ts, s->inc);
	for (j = funnel_list_lower(list, s->len[k], from);
		 j < s->len[k] && e[list[j]].ts <= s->limit; j++)
	{
		int			p = list[j];

		if (found && e[p].ts != tmin)
			break;
		if (s->once)
		{
			bool		used = false;
			int			q;

			for (q = 0; q < k - 1; q++)
				if (s->chain[q] == p)
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
funnel_find_path(const FunnelWalk *w, int depth, int64 *at)
{
	FunnelPathSearch s;
	int64		last_start = FUNNEL_NONE;
	int			j;
	int			k;

	s.e = w->e;
	s.N = w->N;
	s.depth = depth;
	s.once = w->once;
	s.inc = w->inc;
	funnel_build_lists(&s, &w->stop);
	for (j = 0; j < s.len[1]; j++)
	{
		int			p = s.list[1][j];

		/* without strict_once, another start at the same time fares alike */
		if (s.e[p].ts == last_start && !s.once)
			continue;
		last_start = s.e[p].ts;
		if (pg_add_s64_overflow(s.e[p].ts, w->W, &s.limit))
			s.limit = PG_INT64_MAX;
		s.chain[0] = p;
		if (funnel_search_from(&s, 2))
		{
			for (k = 0; k < depth; k++)
				at[k] = s.e[s.chain[k]].ts;
			for (k = 1; k <= depth; k++)
				pfree(s.list[k]);
			return;
		}
	}
	elog(ERROR, "no funnel chain of the reached depth %d", depth);
}

int
funnel_search(const FunnelEntry *entries, int n, int64 window_us, int modes,
			  int nsteps, int64 *at)
{
	FunnelWalk	w;

	Assert(nsteps >= 1 && nsteps <= FUNNEL_MAX_STEPS);
	Assert(window_us > 0 && FUNNEL_MODES_VALID(modes));
	/* not memset: the per-level arrays (2 kB) are set up to nsteps by the walk */
	w.owner = NULL;
	w.visited = NULL;
	w.scratch = 0;
	w.e = entries;
	w.N = n;
	w.n = nsteps;
	w.W = window_us;
	w.dedup = (modes & FUNNEL_DEDUP) != 0;
	w.order = (modes & FUNNEL_ORDER) != 0;
	w.inc = (modes & FUNNEL_INCREASE) != 0;
	w.once = (modes & FUNNEL_ONCE) != 0;
	w.reentry = (modes & FUNNEL_REENTRY) != 0;
	funnel_walk(&w);
	if (w.owner != NULL)
		pfree(w.owner);
	if (w.visited != NULL)
		pfree(w.visited);
	if (at != NULL && w.reached > 0)
		funnel_find_path(&w, w.reached, at);
	return w.reached;
}
