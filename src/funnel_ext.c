/*
 * funnel_ext.c — the funnel search with journey's own options (0.2.0):
 * any_order (an onboarding checklist), per-step windows and exclusions.
 * Plain C over one customer's sorted (timestamp, mask) entries, as
 * funnel_search (src/funnel_search.c); funnel.h states the contract.
 *
 * Chains.  A chain reaching level k is k entries t1 <= t2 <= ... <= tk,
 * entry j satisfying step j (one row may fill several steps, as in
 * windowFunnel's default mode), with tk <= t1 + window and, when step
 * windows are given, t(j+1) - tj <= step_window[j].  An exclusion
 * (from A, to B) hits a chain when one of its events x lies strictly
 * between tA and tj for a step j of the chain with A < j <= B: the chain
 * may then count up to the last step before x only.  An exclusion at the
 * same timestamp as a step is not between them.
 *
 *   truncate: the level is the longest chain no exclusion hits;
 *   drop:     the same level, unless a chain that ignores exclusions goes
 *             further: then the customer is dropped (the exclusion cut its
 *             progress short).
 *
 * The search is a dynamic programme over the entries in time order: per
 * level, the chains that may still be extended, each summed up by (time
 * of its last step, time of its first step, per exclusion the time of the
 * next exclusion event after its step A).  Later is better in every
 * component, so dominated chains are dropped; chains whose window (or
 * step window) has closed are dropped as time moves on.  Memory: scratch
 * in the current context, freed before returning.
 */
#include "journey.h"
#include "funnel.h"

#include "common/int.h"
#include "miscadmin.h"
#include "port/pg_bitutils.h"

#define EXT_NONE PG_INT64_MAX	/* no exclusion event ahead */

typedef struct ExtChain
{
	int64		last;			/* time of the chain's last step */
	int64		first;			/* time of step 1 */
	int32		parent;			/* the chain one step shorter, -1 for step 1 */
	int32		pad;
	int64		next_x[FLEXIBLE_ARRAY_MEMBER];	/* per exclusion: see above */
} ExtChain;

typedef struct ExtSearch
{
	const FunnelEntry *e;
	int			N;
	int			nsteps;
	int64		W;
	const FunnelOptions *o;
	bool		use_excl;
	/* the exclusion events, per exclusion, in time order */
	int64	   *xs[FUNNEL_MAX_EXCLUSIONS];
	int			nxs[FUNNEL_MAX_EXCLUSIONS];
	/* all chains ever kept (parents stay valid) */
	char	   *arena;
	Size		chain_size;
	int			nchains;
	int			capchains;
	/* per level: indexes of the chains that may still be extended */
	int		   *live[FUNNEL_MAX_STEPS + 1];
	int			nlive[FUNNEL_MAX_STEPS + 1];
	int			caplive[FUNNEL_MAX_STEPS + 1];
	/* per level: the first chain kept at that level (the earliest end) */
	int			first_at[FUNNEL_MAX_STEPS + 1];
} ExtSearch;

static inline ExtChain *
ext_chain(ExtSearch *s, int i)
{
	return (ExtChain *) (s->arena + (Size) i * s->chain_size);
}

static inline int64
ext_add_sat(int64 a, int64 b)
{
	int64		r;

	if (pg_add_s64_overflow(a, b, &r))
		return PG_INT64_MAX;
	return r;
}

/* The first exclusion-x event strictly after t, or EXT_NONE. */
static int64
ext_next_x(const ExtSearch *s, int x, int64 t)
{
	const int64 *a = s->xs[x];
	int			lo = 0;
	int			hi = s->nxs[x];

	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (a[mid] <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->nxs[x] ? a[lo] : EXT_NONE;
}

/* A new chain slot in the arena (its index). */
static int
ext_new_chain(ExtSearch *s)
{
	if (s->nchains == s->capchains)
	{
		int			newcap = Max(64, 2 * s->capchains);

		if ((Size) newcap * s->chain_size >= MaxAllocHugeSize)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many funnel chains in one group")));
		s->arena = s->arena == NULL
			? MemoryContextAllocHuge(CurrentMemoryContext, (Size) newcap * s->chain_size)
			: repalloc_huge(s->arena, (Size) newcap * s->chain_size);
		s->capchains = newcap;
	}
	return s->nchains++;
}

/* a is at least as good as b for extending from level k */
static inline bool
ext_dominates(const ExtSearch *s, const ExtChain *a, const ExtChain *b, int k)
{
	int			x;

	if (a->first < b->first)
		return false;
	/* the last step's time matters only under a step window from level k */
	if (k < s->nsteps && s->o->step_window[k - 1] > 0 && a->last < b->last)
		return false;
	if (s->use_excl)
		for (x = 0; x < s->o->nexcl; x++)
			if (a->next_x[x] < b->next_x[x])
				return false;
	return true;
}

/*
 * Keep the candidate chain c (already in the arena, index ci) at level k
 * unless a live chain is as good; live chains it beats go.
 */
static void
ext_keep(ExtSearch *s, int k, int ci)
{
	ExtChain   *c = ext_chain(s, ci);
	int			i,
				j;

	if (s->first_at[k] < 0)
		s->first_at[k] = ci;
	if (k == s->nsteps)
		return;					/* nothing extends the last step */
	for (i = 0; i < s->nlive[k]; i++)
		if (ext_dominates(s, ext_chain(s, s->live[k][i]), c, k))
			return;
	for (i = 0, j = 0; i < s->nlive[k]; i++)
		if (!ext_dominates(s, c, ext_chain(s, s->live[k][i]), k))
			s->live[k][j++] = s->live[k][i];
	s->nlive[k] = j;
	if (s->nlive[k] == s->caplive[k])
	{
		s->caplive[k] = Max(8, 2 * s->caplive[k]);
		s->live[k] = s->live[k] == NULL ? palloc(s->caplive[k] * sizeof(int))
			: repalloc(s->live[k], s->caplive[k] * sizeof(int));
	}
	s->live[k][s->nlive[k]++] = ci;
}

/* Forget the chains of level k that no entry at t or later can extend. */
static void
ext_expire(ExtSearch *s, int k, int64 t)
{
	int64		sw = k < s->nsteps ? s->o->step_window[k - 1] : 0;
	int			i,
				j;

	for (i = 0, j = 0; i < s->nlive[k]; i++)
	{
		ExtChain   *c = ext_chain(s, s->live[k][i]);

		if (t > ext_add_sat(c->first, s->W))
			continue;
		if (sw > 0 && t > ext_add_sat(c->last, sw))
			continue;
		s->live[k][j++] = s->live[k][i];
	}
	s->nlive[k] = j;
}

/* Extend the live chains of level k-1 with an entry of step k at t. */
static void
ext_extend(ExtSearch *s, int k, int64 t)
{
	const FunnelOptions *o = s->o;
	int64		sw = s->o->step_window[k - 2];
	int			n = s->nlive[k - 1];
	int			i,
				x;

	for (i = 0; i < n; i++)
	{
		ExtChain   *p = ext_chain(s, s->live[k - 1][i]);
		ExtChain   *c;
		int			pi = s->live[k - 1][i];
		int			ci;
		bool		ok = true;

		if (t > ext_add_sat(p->first, s->W))
			continue;
		if (sw > 0 && t > ext_add_sat(p->last, sw))
			continue;
		if (s->use_excl)
			for (x = 0; x < o->nexcl; x++)
				if (o->excl[x].from < k && k <= o->excl[x].to && p->next_x[x] < t)
					ok = false;
		if (!ok)
			continue;
		ci = ext_new_chain(s);
		c = ext_chain(s, ci);
		p = ext_chain(s, pi);	/* the arena may have moved */
		c->last = t;
		c->first = p->first;
		c->parent = pi;
		c->pad = 0;
		if (s->use_excl)
			for (x = 0; x < o->nexcl; x++)
			{
				if (o->excl[x].from == k)
					c->next_x[x] = ext_next_x(s, x, t);
				else if (o->excl[x].to == k)
					c->next_x[x] = EXT_NONE;
				else
					c->next_x[x] = p->next_x[x];
			}
		ext_keep(s, k, ci);
		/* the live list of k-1 is not changed by ext_keep(k) */
	}
}

/* One run of the programme: the level reached (at: the reported chain). */
static int
ext_run(ExtSearch *s, int64 *at)
{
	const FunnelEntry *e = s->e;
	uint64		stepbits = s->nsteps >= 64 ? ~UINT64CONST(0) : (UINT64CONST(1) << s->nsteps) - 1;
	int			level = 0;
	int			i = 0;
	int			next_check = 0;
	int			k;

	s->nchains = 0;
	for (k = 0; k <= s->nsteps; k++)
	{
		s->nlive[k] = 0;
		s->first_at[k] = -1;
	}
	while (i < s->N)
	{
		int64		t = e[i].ts;
		uint64		uni = 0;

		if (i >= next_check)
		{
			CHECK_FOR_INTERRUPTS();
			next_check = i + 1024;
		}
		for (; i < s->N && e[i].ts == t; i++)
			uni |= e[i].mask;
		uni &= stepbits;
		if (uni == 0)
			continue;
		for (k = 1; k < s->nsteps; k++)
			ext_expire(s, k, t);
		for (k = 1; k <= s->nsteps; k++)
		{
			if (!(uni & (UINT64CONST(1) << (k - 1))))
				continue;
			if (k == 1)
			{
				int			ci = ext_new_chain(s);
				ExtChain   *c = ext_chain(s, ci);
				int			x;

				c->last = c->first = t;
				c->parent = -1;
				c->pad = 0;
				if (s->use_excl)
					for (x = 0; x < s->o->nexcl; x++)
						c->next_x[x] = s->o->excl[x].from == 1 ? ext_next_x(s, x, t) : EXT_NONE;
				ext_keep(s, 1, ci);
			}
			else
				ext_extend(s, k, t);
			if (s->first_at[k] >= 0 && level < k)
				level = k;
		}
		if (level == s->nsteps && at == NULL)
			break;
	}
	if (at != NULL && level > 0)
	{
		int			ci = s->first_at[level];

		for (k = level; k >= 1; k--)
		{
			ExtChain   *c = ext_chain(s, ci);

			at[k - 1] = c->last;
			ci = c->parent;
		}
	}
	return level;
}

/*
 * any_order: the most distinct steps done within one window, the window
 * starting at a step entry; the earliest such window for the path.
 */
static int
ext_any_order(const FunnelEntry *e, int N, int64 W, int nsteps, int64 *at)
{
	int			count[FUNNEL_MAX_STEPS] = {0};
	uint64		stepbits = nsteps >= 64 ? ~UINT64CONST(0) : (UINT64CONST(1) << nsteps) - 1;
	int			distinct = 0;
	int			best = 0;
	int64		best_start = 0;
	int			i = 0;
	int			j = 0;

	while (i < N)
	{
		int64		start = e[i].ts;
		int64		end = ext_add_sat(start, W);

		CHECK_FOR_INTERRUPTS();
		if (j < i)
			j = i;
		for (; j < N && e[j].ts <= end; j++)
		{
			uint64		m = e[j].mask & stepbits;

			while (m != 0)
			{
				int			b = pg_rightmost_one_pos64(m);

				if (count[b]++ == 0)
					distinct++;
				m &= m - 1;
			}
		}
		if (distinct > best)
		{
			best = distinct;
			best_start = start;
		}
		/* the entries at start leave the window */
		for (; i < N && e[i].ts == start; i++)
		{
			uint64		m = e[i].mask & stepbits;

			while (m != 0)
			{
				int			b = pg_rightmost_one_pos64(m);

				if (--count[b] == 0)
					distinct--;
				m &= m - 1;
			}
		}
		if (best == nsteps && at == NULL)
			break;
	}
	if (at != NULL && best > 0)
	{
		int64		end = ext_add_sat(best_start, W);
		uint64		seen = 0;
		int			got = 0;

		for (i = 0; i < N && got < best; i++)
		{
			uint64		m;

			if (e[i].ts < best_start)
				continue;
			if (e[i].ts > end)
				break;
			m = e[i].mask & stepbits & ~seen;
			seen |= m;
			/* each newly done step at this time: one more step reached */
			for (; m != 0 && got < best; m &= m - 1)
				at[got++] = e[i].ts;
		}
	}
	return best;
}

int
funnel_search_ext(const FunnelEntry *entries, int n, int64 window_us,
				  const FunnelOptions *opts, int nsteps, int64 *at, bool *dropped)
{
	ExtSearch	s;
	int			level;
	int			x;
	int			i;

	*dropped = false;
	Assert(nsteps >= 1 && nsteps + opts->nexcl <= FUNNEL_MAX_STEPS);
	if (opts->modes & FUNNEL_ANY_ORDER)
		return ext_any_order(entries, n, window_us, nsteps, at);

	memset(&s, 0, sizeof(s));
	s.e = entries;
	s.N = n;
	s.nsteps = nsteps;
	s.W = window_us;
	s.o = opts;
	s.chain_size = MAXALIGN(offsetof(ExtChain, next_x) + sizeof(int64) * opts->nexcl);
	for (x = 0; x < opts->nexcl; x++)
	{
		uint64		bit = UINT64CONST(1) << (nsteps + x);

		s.xs[x] = palloc(sizeof(int64) * Max(n, 1));
		for (i = 0; i < n; i++)
			if ((entries[i].mask & bit) &&
				(s.nxs[x] == 0 || s.xs[x][s.nxs[x] - 1] != entries[i].ts))
				s.xs[x][s.nxs[x]++] = entries[i].ts;
	}
	s.use_excl = opts->nexcl > 0;
	level = ext_run(&s, at);
	if (opts->nexcl > 0 && !opts->truncate && level < nsteps)
	{
		/* drop: does a chain that ignores the exclusions go further? */
		s.use_excl = false;
		if (ext_run(&s, NULL) > level)
			*dropped = true;
	}
	for (x = 0; x < opts->nexcl; x++)
		pfree(s.xs[x]);
	for (i = 0; i <= nsteps; i++)
		if (s.live[i] != NULL)
			pfree(s.live[i]);
	if (s.arena != NULL)
		pfree(s.arena);
	return level;
}
