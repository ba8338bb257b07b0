/*
 * path_tree.c — the path_tree type (format and bound in path_tree.h): its
 * text and binary I/O, the merge behind rollup(path_tree) and
 * path_tree(path_tree), and the readers path_edges and num_paths.
 *
 * In memory a tree keeps, per step, up to PATH_MAX_LABELS label slots in
 * no particular order plus the '(other)' slot, and per transition a
 * (PATH_SLOTS x PATH_SLOTS) matrix of durations sketches (the count of a
 * transition is its sketch's count).  Merging a value maps its labels
 * into the slots: a new label takes a free slot, or the slot of the kept
 * label with the largest key when its own key is smaller (that label,
 * its customers and its transitions, are folded into '(other)'), or
 * goes to '(other)' itself.
 *
 * The roll-up aggregates keep their state as an expanded object in the
 * aggregate context, so a row costs a merge of one small path (no copy
 * of the state); the executor flattens it to the on-disk form when it
 * must (parallel workers, Citus, the result).
 */
#include "journey.h"
#include "path_tree.h"
#include "timeline.h"

#include "catalog/pg_type.h"
#include "common/int.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "port/pg_bswap.h"
#include "utils/builtins.h"
#include "utils/expandeddatum.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"

#define PATH_HEADER_SIZE 4

/* ---------------------------------------------------------------------
 * Keys: which labels a step keeps.
 */

/* 64-bit FNV-1a of the label's bytes: the same on every platform. */
uint64
path_label_key(const char *data, int len)
{
	uint64		h = UINT64CONST(0xcbf29ce484222325);
	int			i;

	for (i = 0; i < len; i++)
	{
		h ^= (uint8) data[i];
		h *= UINT64CONST(0x100000001b3);
	}
	return h;
}

/* Order of keys: the hash, then the bytes (memcmp, shorter first). */
int
path_key_cmp(uint64 ka, const char *a, int alen, uint64 kb, const char *b, int blen)
{
	if (ka != kb)
		return ka < kb ? -1 : 1;
	return journey_label_cmp(a, alen, b, blen);
}

int
path_check_steps(int steps)
{
	if (steps < 1 || steps > PATH_MAX_STEPS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("steps must be between 1 and %d", PATH_MAX_STEPS),
				 errdetail("steps is %d.", steps)));
	return steps;
}

int64
path_check_session_gap(const Interval *gap)
{
	int64		usec = journey_interval_to_usec(gap, "session_gap");

	if (usec < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("session_gap must not be negative")));
	return usec;
}

/* ---------------------------------------------------------------------
 * The tree in memory.
 */

PathTree *
path_tree_create(MemoryContext cxt)
{
	PathTree   *t = MemoryContextAllocZero(cxt, sizeof(PathTree));

	t->cxt = cxt;
	return t;
}

static int
path_level_find(const PathLevel *l, uint64 key, const char *data, int len)
{
	int			i;

	for (i = 0; i < l->nlabels; i++)
		if (l->key[i] == key && l->len[i] == len && memcmp(l->data[i], data, len) == 0)
			return i;
	return -1;
}

/* *dst += *src (sketches of the tree's context); *src becomes NULL. */
static void
path_gaps_move(PathTree *t, Durations **dst, Durations **src)
{
	if (*src == NULL)
		return;
	if (*dst == NULL)
		*dst = *src;
	else
	{
		MemoryContext old = MemoryContextSwitchTo(t->cxt);
		Durations  *merged = durations_merge_into(*dst, *src);

		MemoryContextSwitchTo(old);
		if (merged != *dst)
			pfree(*dst);
		*dst = merged;
		pfree(*src);
	}
	*src = NULL;
}

/* Fold slot w of step lev into '(other)': customers and transitions. */
static void
path_level_evict(PathTree *t, int lev, int w)
{
	PathLevel  *l = &t->level[lev];
	int			s;

	if (pg_add_s64_overflow(l->count[PATH_OTHER], l->count[w], &l->count[PATH_OTHER]))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("path_tree count out of range")));
	l->count[w] = 0;
	if (lev < PATH_MAX_STEPS - 1 && t->gaps[lev] != NULL)
		for (s = 0; s < PATH_SLOTS; s++)
			path_gaps_move(t, &t->gaps[lev][PATH_OTHER][s], &t->gaps[lev][w][s]);
	if (lev > 0 && t->gaps[lev - 1] != NULL)
		for (s = 0; s < PATH_SLOTS; s++)
			path_gaps_move(t, &t->gaps[lev - 1][s][PATH_OTHER], &t->gaps[lev - 1][s][w]);
	pfree(l->data[w]);
	l->data[w] = NULL;
}

/*
 * Make room for a label at step lev: afterwards it has a slot when it is
 * among the PATH_MAX_LABELS smallest keys seen at that step.
 */
static void
path_level_insert(PathTree *t, int lev, uint64 key, const char *data, int len)
{
	PathLevel  *l = &t->level[lev];
	int			slot;

	if (path_level_find(l, key, data, len) >= 0)
		return;
	if (l->nlabels < PATH_MAX_LABELS)
		slot = l->nlabels++;
	else
	{
		int			w = 0;
		int			i;

		for (i = 1; i < l->nlabels; i++)
			if (path_key_cmp(l->key[i], l->data[i], l->len[i], l->key[w], l->data[w], l->len[w]) > 0)
				w = i;
		if (path_key_cmp(key, data, len, l->key[w], l->data[w], l->len[w]) > 0)
			return;				/* folded into '(other)' */
		path_level_evict(t, lev, w);
		slot = w;
	}
	l->key[slot] = key;
	l->len[slot] = len;
	l->data[slot] = MemoryContextAlloc(t->cxt, Max(len, 1));
	memcpy(l->data[slot], data, len);
	l->count[slot] = 0;
}

/* The slot of a label at step lev, PATH_OTHER when folded. */
static int
path_level_slot(const PathLevel *l, uint64 key, const char *data, int len)
{
	int			s = path_level_find(l, key, data, len);

	return s < 0 ? PATH_OTHER : s;
}

static void
path_count_add(int64 *dst, int64 n)
{
	if (pg_add_s64_overflow(*dst, n, dst))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("path_tree count out of range"),
				 errdetail("A path_tree counts at most %lld customers.", (long long) PG_INT64_MAX)));
}

/* ---------------------------------------------------------------------
 * Reading a value: checks first, then the merge.
 */

typedef struct PathCursor
{
	const uint8 *p;
	const uint8 *end;
	JourneyOrigin origin;
} PathCursor;

#define path_bad(c, ...) journey_invalid_value((c)->origin, "path_tree", __VA_ARGS__)

static void
path_need(PathCursor *c, size_t n)
{
	if ((size_t) (c->end - c->p) < n)
		path_bad(c, "The value is truncated.");
}

static uint8
path_u8(PathCursor *c)
{
	path_need(c, 1);
	return *c->p++;
}

static uint32
path_u16(PathCursor *c)
{
	uint32		v;

	path_need(c, 2);
	v = ((uint32) c->p[0] << 8) | c->p[1];
	c->p += 2;
	return v;
}

static uint32
path_u32(PathCursor *c)
{
	uint32		v;

	path_need(c, 4);
	memcpy(&v, c->p, 4);
	c->p += 4;
	return pg_ntoh32(v);
}

static int64
path_i64(PathCursor *c)
{
	uint64		v;

	path_need(c, 8);
	memcpy(&v, c->p, 8);
	c->p += 8;
	return (int64) pg_ntoh64(v);
}

/* A value's steps, read and checked (labels point into the value). */
typedef struct PathParsed
{
	int			depth;
	struct
	{
		int			nlabels;
		const char *data[PATH_MAX_LABELS];
		int			len[PATH_MAX_LABELS];
		uint64		key[PATH_MAX_LABELS];
		int64		count[PATH_SLOTS];
	}			level[PATH_MAX_STEPS];
	const uint8 *edges;			/* where the transitions start */
} PathParsed;

/*
 * An embedded durations, in its binary (send) form: read here with the
 * value's own checks and origin (not by durations_recv, whose errors
 * would carry the binary input's SQLSTATE), then durations_check.
 */
static Durations *
path_read_sketch(PathCursor *c, int64 n)
{
	uint32		len = path_u32(c);
	const uint8 *end;
	Durations	h;
	Durations  *d;
	int32		used;
	int32		lo = 0,
				hi = -1,
				prev = -1;
	const uint8 *buckets;
	int			i;

	path_need(c, len);
	end = c->p + len;
	memset(&h, 0, sizeof(h));
	h.version = path_u8(c);
	h.flags = path_u8(c);
	h.count = path_i64(c);
	h.zero_count = path_i64(c);
	h.sum_hi = path_i64(c);
	h.sum_lo = (uint64) path_i64(c);
	h.min_usec = path_i64(c);
	h.max_usec = path_i64(c);
	used = (int32) path_u32(c);
	if (h.version != DURATIONS_VERSION)
		path_bad(c, "A transition's durations has format version %d.", h.version);
	if (used < 0 || used > DURATIONS_MAX_BUCKETS || (int64) used * 12 != end - c->p)
		path_bad(c, "A transition's durations has a bad bucket count.");
	buckets = c->p;
	for (i = 0; i < used; i++)
	{
		int32		index = (int32) path_u32(c);
		int64		count = path_i64(c);

		if (index <= prev || count <= 0)
			path_bad(c, "A transition's durations has buckets out of order or empty.");
		if (i == 0)
			lo = index;
		hi = prev = index;
	}
	if (used > 0 && (int64) hi - lo + 1 > DURATIONS_MAX_BUCKETS)
		path_bad(c, "A transition's durations spans too many buckets.");
	d = palloc0(DURATIONS_SIZE(used > 0 ? hi - lo + 1 : 0));
	SET_VARSIZE(d, DURATIONS_SIZE(used > 0 ? hi - lo + 1 : 0));
	memcpy(VARDATA(d), VARDATA(&h), DURATIONS_HEADER_SIZE - VARHDRSZ);
	d->offset = used > 0 ? lo : 0;
	d->nbuckets = used > 0 ? hi - lo + 1 : 0;
	c->p = buckets;
	for (i = 0; i < used; i++)
	{
		int32		index = (int32) path_u32(c);

		d->counts[index - lo] = (uint64) path_i64(c);
	}
	durations_check(d, c->origin);
	if (d->count != n)
		path_bad(c, "A transition's count %lld does not match its durations.", (long long) n);
	return d;
}

/*
 * Read the edge at c: its slots and count; its gap in *usec (n = 1) or
 * its sketch in *sketch (n > 1, when sketch is not NULL: else skipped
 * after the check).
 */
static void
path_read_edge(PathCursor *c, int *from, int *to, int64 *n, int64 *usec, Durations **sketch)
{
	*from = path_u8(c);
	*to = path_u8(c);
	*n = path_i64(c);
	*usec = 0;
	if (*n <= 0)
		path_bad(c, "A transition has %lld customers.", (long long) *n);
	if (*n == 1)
	{
		*usec = path_i64(c);
		if (*usec < 0)
			path_bad(c, "A transition has a negative gap.");
	}
	else
	{
		Durations  *d = path_read_sketch(c, *n);

		if (sketch != NULL)
			*sketch = d;
		else
			pfree(d);
	}
}

static void
path_parse(const struct varlena *value, JourneyOrigin origin, PathParsed *pp)
{
	PathCursor	cur;
	PathCursor *c = &cur;
	int			version;
	int			d;

	c->p = (const uint8 *) VARDATA_ANY(value);
	c->end = c->p + VARSIZE_ANY_EXHDR(value);
	c->origin = origin;
	path_need(c, PATH_HEADER_SIZE);
	version = c->p[0];
	if (version != PATH_TREE_VERSION)
		journey_unsupported_version(origin, version, "path_tree");
	if (c->p[1] != 0 || c->p[3] != 0)
		path_bad(c, "Reserved bits are set.");
	pp->depth = c->p[2];
	if (pp->depth > PATH_MAX_STEPS)
		path_bad(c, "The value has %d steps (at most %d).", pp->depth, PATH_MAX_STEPS);
	c->p += PATH_HEADER_SIZE;

	for (d = 0; d < pp->depth; d++)
	{
		int			nl = path_u8(c);
		int			i;
		int64		total = 0;

		if (nl > PATH_MAX_LABELS)
			path_bad(c, "Step %d has %d labels (at most %d).", d + 1, nl, PATH_MAX_LABELS);
		memset(pp->level[d].count, 0, sizeof(pp->level[d].count));
		pp->level[d].nlabels = nl;
		for (i = 0; i < nl; i++)
		{
			uint32		len = path_u32(c);

			if (len > PATH_MAX_LABEL_LEN)
				path_bad(c, "A label is longer than %d bytes.", PATH_MAX_LABEL_LEN);
			path_need(c, len);
			if (memchr(c->p, '\0', len) != NULL ||
				!pg_verifymbstr((const char *) c->p, (int) len, true))
				path_bad(c, "A label is not valid text in the database encoding.");
			pp->level[d].data[i] = (const char *) c->p;
			pp->level[d].len[i] = (int) len;
			pp->level[d].key[i] = path_label_key((const char *) c->p, (int) len);
			c->p += len;
			if (i > 0 &&
				path_key_cmp(pp->level[d].key[i - 1], pp->level[d].data[i - 1], pp->level[d].len[i - 1],
							 pp->level[d].key[i], pp->level[d].data[i], pp->level[d].len[i]) >= 0)
				path_bad(c, "The labels of step %d are not in key order.", d + 1);
		}
		for (i = 0; i <= nl; i++)
		{
			int			slot = i == nl ? PATH_OTHER : i;
			int64		n = path_i64(c);

			if (n < 0 || (n == 0 && slot != PATH_OTHER))
				path_bad(c, "A label of step %d has %lld customers.", d + 1, (long long) n);
			if (slot == PATH_OTHER && n > 0 && nl < PATH_MAX_LABELS)
				path_bad(c, "Step %d folds labels into (other) with fewer than %d labels kept.",
						 d + 1, PATH_MAX_LABELS);
			pp->level[d].count[slot] = n;
			if (pg_add_s64_overflow(total, n, &total))
				path_bad(c, "The customers of step %d overflow.", d + 1);
		}
		if (total == 0)
			path_bad(c, "Step %d has no customer.", d + 1);
	}

	/* transitions: counts consistent with the steps' */
	pp->edges = c->p;
	for (d = 0; d + 1 < pp->depth; d++)
	{
		int64		out[PATH_SLOTS];
		int64		in[PATH_SLOTS];
		int			nedges = (int) path_u16(c);
		int			prev = -1;
		int			i;

		memset(out, 0, sizeof(out));
		memset(in, 0, sizeof(in));
		if (nedges > PATH_SLOTS * PATH_SLOTS)
			path_bad(c, "Transition %d has %d edges.", d + 1, nedges);
		for (i = 0; i < nedges; i++)
		{
			int			from,
						to;
			int64		n,
						usec;

			CHECK_FOR_INTERRUPTS();
			path_read_edge(c, &from, &to, &n, &usec, NULL);
			if ((from >= pp->level[d].nlabels && from != PATH_OTHER) ||
				(to >= pp->level[d + 1].nlabels && to != PATH_OTHER) ||
				from * PATH_SLOTS + to <= prev)
				path_bad(c, "An edge of transition %d is out of range or out of order.", d + 1);
			prev = from * PATH_SLOTS + to;
			if (pg_add_s64_overflow(out[from], n, &out[from]) || out[from] > pp->level[d].count[from])
				path_bad(c, "More customers leave a label of step %d than reach it.", d + 1);
			if (pg_add_s64_overflow(in[to], n, &in[to]))
				path_bad(c, "The customers of step %d overflow.", d + 2);
		}
		for (i = 0; i < PATH_SLOTS; i++)
			if (in[i] != pp->level[d + 1].count[i])
				path_bad(c, "The customers of step %d do not match the transitions into it.", d + 2);
	}
	if (c->p != c->end)
		path_bad(c, "The value has %d bytes left over.", (int) (c->end - c->p));
}

/* Check a value (for input functions). */
static void
path_tree_check(const struct varlena *value, JourneyOrigin origin)
{
	PathParsed	pp;

	path_parse(value, origin, &pp);
}

void
path_tree_merge_value(PathTree *t, const struct varlena *value, JourneyOrigin origin)
{
	PathParsed	pp;
	PathCursor	cur;
	int			map[PATH_MAX_STEPS][PATH_SLOTS];
	int			d,
				i;

	path_parse(value, origin, &pp);
	/* the labels first (evictions move what the tree has), then the map */
	for (d = 0; d < pp.depth; d++)
	{
		for (i = 0; i < pp.level[d].nlabels; i++)
			path_level_insert(t, d, pp.level[d].key[i], pp.level[d].data[i], pp.level[d].len[i]);
		for (i = 0; i < pp.level[d].nlabels; i++)
			map[d][i] = path_level_slot(&t->level[d], pp.level[d].key[i], pp.level[d].data[i], pp.level[d].len[i]);
		map[d][PATH_OTHER] = PATH_OTHER;
		for (i = 0; i < PATH_SLOTS; i++)
			if (i < pp.level[d].nlabels || i == PATH_OTHER)
				path_count_add(&t->level[d].count[map[d][i]], pp.level[d].count[i]);
	}
	t->depth = Max(t->depth, pp.depth);

	cur.p = pp.edges;
	cur.end = (const uint8 *) VARDATA_ANY(value) + VARSIZE_ANY_EXHDR(value);
	cur.origin = origin;
	for (d = 0; d + 1 < pp.depth; d++)
	{
		int			nedges = (int) path_u16(&cur);

		for (i = 0; i < nedges; i++)
		{
			int			from,
						to;
			int64		n,
						usec;
			Durations  *sketch = NULL;
			Durations **slot;
			MemoryContext old;

			path_read_edge(&cur, &from, &to, &n, &usec, &sketch);
			if (t->gaps[d] == NULL)
				t->gaps[d] = MemoryContextAllocZero(t->cxt, sizeof(Durations *[PATH_SLOTS][PATH_SLOTS]));
			slot = &t->gaps[d][map[d][from]][map[d + 1][to]];
			old = MemoryContextSwitchTo(t->cxt);
			if (sketch == NULL)
			{
				if (*slot == NULL)
					*slot = durations_single(usec);
				else
				{
					Durations  *grown = durations_add_usec(*slot, usec);

					if (grown != *slot)
						pfree(*slot);
					*slot = grown;
				}
				MemoryContextSwitchTo(old);
			}
			else
			{
				MemoryContextSwitchTo(old);
				if (*slot == NULL)
				{
					old = MemoryContextSwitchTo(t->cxt);
					*slot = durations_copy(sketch);
					MemoryContextSwitchTo(old);
					pfree(sketch);
				}
				else
					path_gaps_move(t, slot, &sketch);
			}
		}
	}
}

/* ---------------------------------------------------------------------
 * Writing a value.
 */

static void
path_put_u32(StringInfo buf, uint32 v)
{
	uint32		n = pg_hton32(v);

	appendBinaryStringInfo(buf, (char *) &n, 4);
}

static void
path_put_i64(StringInfo buf, int64 v)
{
	uint64		n = pg_hton64((uint64) v);

	appendBinaryStringInfo(buf, (char *) &n, 8);
}

/* The slots of a step in key order, '(other)' not included. */
static int
path_level_order(const PathLevel *l, int *order)
{
	int			n = 0;
	int			i,
				j;

	for (i = 0; i < l->nlabels; i++)
	{
		if (l->count[i] == 0)
			continue;
		for (j = n; j > 0 && path_key_cmp(l->key[order[j - 1]], l->data[order[j - 1]], l->len[order[j - 1]],
										  l->key[i], l->data[i], l->len[i]) > 0; j--)
			order[j] = order[j - 1];
		order[j] = i;
		n++;
	}
	return n;
}

struct varlena *
path_tree_flatten(const PathTree *t)
{
	StringInfoData buf;
	int			order[PATH_MAX_STEPS][PATH_SLOTS];
	int			rank[PATH_MAX_STEPS][PATH_SLOTS];
	int			n[PATH_MAX_STEPS];
	int			d,
				i,
				a,
				b;
	struct varlena *result;

	initStringInfo(&buf);
	appendStringInfoSpaces(&buf, VARHDRSZ);
	appendStringInfoChar(&buf, PATH_TREE_VERSION);
	appendStringInfoChar(&buf, 0);
	appendStringInfoChar(&buf, (char) t->depth);
	appendStringInfoChar(&buf, 0);
	for (d = 0; d < t->depth; d++)
	{
		const PathLevel *l = &t->level[d];

		n[d] = path_level_order(l, order[d]);
		for (i = 0; i < PATH_SLOTS; i++)
			rank[d][i] = -1;
		for (i = 0; i < n[d]; i++)
			rank[d][order[d][i]] = i;
		rank[d][PATH_OTHER] = PATH_OTHER;
		order[d][n[d]] = PATH_OTHER;
		appendStringInfoChar(&buf, (char) n[d]);
		for (i = 0; i < n[d]; i++)
		{
			path_put_u32(&buf, (uint32) l->len[order[d][i]]);
			appendBinaryStringInfo(&buf, l->data[order[d][i]], l->len[order[d][i]]);
		}
		for (i = 0; i <= n[d]; i++)
			path_put_i64(&buf, l->count[order[d][i]]);
	}
	for (d = 0; d + 1 < t->depth; d++)
	{
		int			count = 0;
		int			at = buf.len;

		appendStringInfoChar(&buf, 0);
		appendStringInfoChar(&buf, 0);
		for (a = 0; a <= n[d]; a++)
			for (b = 0; b <= n[d + 1]; b++)
			{
				const Durations *g = t->gaps[d] == NULL ? NULL : t->gaps[d][order[d][a]][order[d + 1][b]];

				if (g == NULL)
					continue;
				appendStringInfoChar(&buf, (char) rank[d][order[d][a]]);
				appendStringInfoChar(&buf, (char) rank[d + 1][order[d + 1][b]]);
				path_put_i64(&buf, g->count);
				if (g->count == 1)
					path_put_i64(&buf, g->sum_lo);
				else
				{
					bytea	   *sent = DatumGetByteaPP(DirectFunctionCall1(durations_send, PointerGetDatum(g)));

					path_put_u32(&buf, VARSIZE_ANY_EXHDR(sent));
					appendBinaryStringInfo(&buf, VARDATA_ANY(sent), VARSIZE_ANY_EXHDR(sent));
					pfree(sent);
				}
				count++;
			}
		buf.data[at] = (char) (count >> 8);
		buf.data[at + 1] = (char) count;
	}
	result = (struct varlena *) buf.data;
	SET_VARSIZE(result, buf.len);
	return result;
}

/*
 * One customer's path as a value: step k has label k with one customer,
 * transition k holds its gap.  A label longer than PATH_MAX_LABEL_LEN is
 * an error (it bounds the value's size).
 */
static inline uint8 *
path_write_u32(uint8 *p, uint32 v)
{
	v = pg_hton32(v);
	memcpy(p, &v, 4);
	return p + 4;
}

static inline uint8 *
path_write_i64(uint8 *p, int64 v)
{
	uint64		n = pg_hton64((uint64) v);

	memcpy(p, &n, 8);
	return p + 8;
}

struct varlena *
path_tree_from_walk(const PathWalk *w, const char *const *data, const int *len)
{
	struct varlena *result;
	Size		size = VARHDRSZ + PATH_HEADER_SIZE;
	uint8	   *p;
	int			k;

	if (w->n == 0)
		return NULL;
	for (k = 0; k < w->n; k++)
	{
		int			l = len[w->label[k]];

		if (l > PATH_MAX_LABEL_LEN)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("path label is too long"),
					 errdetail("A label of a path is %d bytes; a path_tree takes labels of at most %d bytes.",
							   l, PATH_MAX_LABEL_LEN)));
		size += 1 + 4 + l + 16;
	}
	size += (Size) (w->n - 1) * (2 + 2 + 16);
	result = palloc(size);
	SET_VARSIZE(result, size);
	p = (uint8 *) VARDATA(result);
	*p++ = PATH_TREE_VERSION;
	*p++ = 0;
	*p++ = (uint8) w->n;
	*p++ = 0;
	for (k = 0; k < w->n; k++)
	{
		int			l = len[w->label[k]];

		*p++ = 1;
		p = path_write_u32(p, (uint32) l);
		memcpy(p, data[w->label[k]], l);
		p += l;
		p = path_write_i64(p, 1);
		p = path_write_i64(p, 0);
	}
	for (k = 0; k + 1 < w->n; k++)
	{
		*p++ = 0;
		*p++ = 1;
		*p++ = 0;
		*p++ = 0;
		p = path_write_i64(p, 1);
		p = path_write_i64(p, w->at[k + 1] - w->at[k]);
	}
	Assert((Size) (p - (uint8 *) result) == size);
	return result;
}

/* ---------------------------------------------------------------------
 * Text and binary I/O: the text form is the binary form in hex.
 */

static const char path_hex[] = "0123456789abcdef";

static int
path_hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

PG_FUNCTION_INFO_V1(path_tree_in);
Datum
path_tree_in(PG_FUNCTION_ARGS)
{
	const char *input = PG_GETARG_CSTRING(0);
	size_t		len = strlen(input);
	struct varlena *result;
	uint8	   *p;
	size_t		i;

	if (len % 2 != 0 || len / 2 > MaxAllocSize - VARHDRSZ)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type path_tree"),
				 errdetail("The text form of a path_tree is an even number of hex digits."),
				 errhint("path_tree values are made by path_agg and rollup; read them with path_edges.")));
	result = palloc(VARHDRSZ + len / 2);
	SET_VARSIZE(result, VARHDRSZ + len / 2);
	p = (uint8 *) VARDATA(result);
	for (i = 0; i < len; i += 2)
	{
		int			hi = path_hex_value(input[i]);
		int			lo = path_hex_value(input[i + 1]);

		if (hi < 0 || lo < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid input syntax for type path_tree"),
					 errdetail("Character %d is not a hex digit.", (int) (hi < 0 ? i + 1 : i + 2)),
					 errhint("path_tree values are made by path_agg and rollup; read them with path_edges.")));
		p[i / 2] = (uint8) (hi << 4 | lo);
	}
	path_tree_check(result, JOURNEY_FROM_TEXT);
	PG_RETURN_POINTER(result);
}

PG_FUNCTION_INFO_V1(path_tree_out);
Datum
path_tree_out(PG_FUNCTION_ARGS)
{
	struct varlena *value = PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(0));
	const uint8 *p = (const uint8 *) VARDATA_ANY(value);
	size_t		len = VARSIZE_ANY_EXHDR(value);
	char	   *out = palloc(2 * len + 1);
	size_t		i;

	for (i = 0; i < len; i++)
	{
		out[2 * i] = path_hex[p[i] >> 4];
		out[2 * i + 1] = path_hex[p[i] & 15];
	}
	out[2 * len] = '\0';
	PG_RETURN_CSTRING(out);
}

PG_FUNCTION_INFO_V1(path_tree_recv);
Datum
path_tree_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			len = buf->len - buf->cursor;
	struct varlena *result = palloc(VARHDRSZ + len);

	SET_VARSIZE(result, VARHDRSZ + len);
	memcpy(VARDATA(result), buf->data + buf->cursor, len);
	buf->cursor = buf->len;
	path_tree_check(result, JOURNEY_FROM_BINARY);
	PG_RETURN_POINTER(result);
}

PG_FUNCTION_INFO_V1(path_tree_send);
Datum
path_tree_send(PG_FUNCTION_ARGS)
{
	struct varlena *value = PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(0));
	bytea	   *result = palloc(VARHDRSZ + VARSIZE_ANY_EXHDR(value));

	SET_VARSIZE(result, VARHDRSZ + VARSIZE_ANY_EXHDR(value));
	memcpy(VARDATA(result), VARDATA_ANY(value), VARSIZE_ANY_EXHDR(value));
	PG_RETURN_BYTEA_P(result);
}

/* ---------------------------------------------------------------------
 * The roll-up state: an expanded object holding a PathTree.
 */

typedef struct PathTreeExpanded
{
	ExpandedObjectHeader hdr;
	PathTree   *tree;
	struct varlena *flat;		/* the flattened form, NULL when stale */
} PathTreeExpanded;

static Size
path_expanded_flat_size(ExpandedObjectHeader *eohptr)
{
	PathTreeExpanded *e = (PathTreeExpanded *) eohptr;

	if (e->flat == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(e->hdr.eoh_context);

		e->flat = path_tree_flatten(e->tree);
		MemoryContextSwitchTo(old);
	}
	return VARSIZE(e->flat);
}

static void
path_expanded_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size)
{
	PathTreeExpanded *e = (PathTreeExpanded *) eohptr;

	(void) path_expanded_flat_size(eohptr);
	Assert(allocated_size == VARSIZE(e->flat));
	memcpy(result, e->flat, VARSIZE(e->flat));
}

static const ExpandedObjectMethods path_expanded_methods = {
	path_expanded_flat_size,
	path_expanded_flatten_into
};

/*
 * Merge two path trees: the transition and combine function of rollup
 * and path_tree (strict: the executor keeps the first non-NULL value),
 * and a plain function.  In an aggregate the state becomes an expanded
 * object in a child of the aggregate context, merged into in place.
 */
PG_FUNCTION_INFO_V1(path_tree_merge);
Datum
path_tree_merge(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	Datum		state = PG_GETARG_DATUM(0);
	PathTreeExpanded *e;

	durations_init_constants();
	if (!AggCheckCallContext(fcinfo, &aggcxt))
	{
		PathTree   *t = path_tree_create(CurrentMemoryContext);

		path_tree_merge_value(t, (struct varlena *) PG_DETOAST_DATUM(state), JOURNEY_FROM_STATE);
		path_tree_merge_value(t, (struct varlena *) PG_DETOAST_DATUM(PG_GETARG_DATUM(1)), JOURNEY_FROM_STATE);
		PG_RETURN_POINTER(path_tree_flatten(t));
	}
	if (VARATT_IS_EXTERNAL_EXPANDED_RW(DatumGetPointer(state)) &&
		DatumGetEOHP(state)->eoh_methods == &path_expanded_methods)
		e = (PathTreeExpanded *) DatumGetEOHP(state);
	else
	{
		MemoryContext cxt = AllocSetContextCreate(aggcxt, "path_tree", ALLOCSET_SMALL_SIZES);

		e = MemoryContextAllocZero(cxt, sizeof(PathTreeExpanded));
		EOH_init_header(&e->hdr, &path_expanded_methods, cxt);
		e->tree = path_tree_create(cxt);
		path_tree_merge_value(e->tree, (struct varlena *) PG_DETOAST_DATUM(state), JOURNEY_FROM_STATE);
	}
	if (e->flat != NULL)
	{
		pfree(e->flat);
		e->flat = NULL;
	}
	path_tree_merge_value(e->tree, (struct varlena *) PG_DETOAST_DATUM(PG_GETARG_DATUM(1)), JOURNEY_FROM_STATE);
	PG_RETURN_DATUM(EOHPGetRWDatum(&e->hdr));
}

/* ---------------------------------------------------------------------
 * Readers.
 */

static PathTree *
path_tree_read(Datum value)
{
	PathTree   *t = path_tree_create(CurrentMemoryContext);

	durations_init_constants();
	path_tree_merge_value(t, (struct varlena *) PG_DETOAST_DATUM(value), JOURNEY_FROM_STATE);
	return t;
}

PG_FUNCTION_INFO_V1(path_tree_num_paths);
Datum
path_tree_num_paths(PG_FUNCTION_ARGS)
{
	PathTree   *t = path_tree_read(PG_GETARG_DATUM(0));
	int64		n = 0;
	int			i;

	if (t->depth > 0)
		for (i = 0; i < PATH_SLOTS; i++)
			n += t->level[0].count[i];
	PG_RETURN_INT64(n);
}

PG_FUNCTION_INFO_V1(path_tree_depth);
Datum
path_tree_depth(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(path_tree_read(PG_GETARG_DATUM(0))->depth);
}

/*
 * The labels a reader shows at one step: the `top` with the most
 * customers (ties by label in byte order), the rest as '(other)'.
 * show[slot] = display index (0..nshown-1) or PATH_OTHER.
 */
typedef struct PathShown
{
	int			n;
	int			slot[PATH_SLOTS];	/* display index -> slot */
	int			show[PATH_SLOTS];	/* slot -> display index or PATH_OTHER */
	int64		customers[PATH_SLOTS];	/* per display index; [PATH_OTHER] */
} PathShown;

static void
path_shown(const PathLevel *l, int top, PathShown *s)
{
	int			order[PATH_SLOTS];
	int			n = 0;
	int			i,
				j;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < l->nlabels; i++)
	{
		if (l->count[i] == 0)
			continue;
		for (j = n; j > 0; j--)
		{
			int			o = order[j - 1];

			if (l->count[o] > l->count[i] ||
				(l->count[o] == l->count[i] &&
				 journey_label_cmp(l->data[o], l->len[o], l->data[i], l->len[i]) < 0))
				break;
			order[j] = o;
		}
		order[j] = i;
		n++;
	}
	for (i = 0; i < PATH_SLOTS; i++)
		s->show[i] = PATH_OTHER;
	s->n = Min(n, top);
	for (i = 0; i < s->n; i++)
	{
		s->slot[i] = order[i];
		s->show[order[i]] = i;
	}
	for (i = 0; i < PATH_SLOTS; i++)
		if (i < l->nlabels || i == PATH_OTHER)
			s->customers[s->show[i]] += l->count[i];
}

static Datum
path_shown_label(const PathLevel *l, const PathShown *s, int idx)
{
	if (idx == PATH_OTHER)
		return CStringGetTextDatum("(other)");
	return PointerGetDatum(cstring_to_text_with_len(l->data[s->slot[idx]], l->len[s->slot[idx]]));
}

/*
 * path_edges(tree, top): one row per transition shown, for a Sankey
 * chart: depth d is the move from step d to step d+1; at every step the
 * `top` labels with the most customers are shown, the others as
 * '(other)'.  share = customers / the customers at from_label at step d.
 */
PG_FUNCTION_INFO_V1(path_tree_edges);
Datum
path_tree_edges(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	PathTree   *t;
	int			top;
	int			d;

	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("top must not be null")));
	top = PG_GETARG_INT32(1);
	if (top < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("top must be at least 1"),
				 errdetail("top is %d.", top)));
	journey_init_srf(fcinfo);
	if (PG_ARGISNULL(0))
		return (Datum) 0;
	t = path_tree_read(PG_GETARG_DATUM(0));

	for (d = 0; d + 1 < t->depth; d++)
	{
		PathShown	from,
					to;
		Durations  *agg[PATH_SLOTS][PATH_SLOTS];
		int			a,
					b,
					i;

		memset(agg, 0, sizeof(agg));
		path_shown(&t->level[d], top, &from);
		path_shown(&t->level[d + 1], top, &to);
		for (a = 0; a < PATH_SLOTS; a++)
			for (b = 0; b < PATH_SLOTS; b++)
			{
				const Durations *g = t->gaps[d] == NULL ? NULL : t->gaps[d][a][b];
				Durations **dst;

				if (g == NULL)
					continue;
				dst = &agg[from.show[a]][to.show[b]];
				*dst = *dst == NULL ? durations_copy(g) : durations_merge_into(*dst, g);
			}
		/* from labels in display order, '(other)' last */
		for (i = 0; i <= from.n; i++)
		{
			int			fa = i == from.n ? PATH_OTHER : i;
			int			order[PATH_SLOTS];
			int			n = 0;
			int			j,
						k;

			/* its transitions by customers, then display order; '(other)' last */
			for (b = 0; b < PATH_OTHER; b++)
			{
				if (agg[fa][b] == NULL)
					continue;
				for (j = n; j > 0 && agg[fa][order[j - 1]]->count < agg[fa][b]->count; j--)
					order[j] = order[j - 1];
				order[j] = b;
				n++;
			}
			if (agg[fa][PATH_OTHER] != NULL)
				order[n++] = PATH_OTHER;
			for (k = 0; k < n; k++)
			{
				Datum		values[8];
				bool		nulls[8];
				Durations  *g = agg[fa][order[k]];
				int64		median = durations_quantile_usec(g, 0.5);
				int			natts = rsinfo->setDesc->natts;

				memset(nulls, 0, sizeof(nulls));
				values[0] = Int32GetDatum(d + 1);
				values[1] = path_shown_label(&t->level[d], &from, fa);
				values[2] = path_shown_label(&t->level[d + 1], &to, order[k]);
				values[3] = Int64GetDatum(g->count);
				values[4] = Float8GetDatum((double) g->count / (double) from.customers[fa]);
				values[5] = IntervalPGetDatum(journey_usec_to_interval(median));
				values[6] = Float8GetDatum((double) median / 1e6);
				Assert(natts <= 7);
				tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
				(void) natts;
			}
		}
	}
	return (Datum) 0;
}

/*
 * path_nodes(tree, top): one row per label shown at each step (the `top`
 * with the most customers, the others as '(other)'): its customers, their
 * share of all paths, and how many paths end there.
 */
PG_FUNCTION_INFO_V1(path_tree_nodes);
Datum
path_tree_nodes(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	PathTree   *t;
	int			top;
	int			d;
	int64		paths = 0;

	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("top must not be null")));
	top = PG_GETARG_INT32(1);
	if (top < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("top must be at least 1"),
				 errdetail("top is %d.", top)));
	journey_init_srf(fcinfo);
	if (PG_ARGISNULL(0))
		return (Datum) 0;
	t = path_tree_read(PG_GETARG_DATUM(0));
	for (d = 0; d < PATH_SLOTS && t->depth > 0; d++)
		paths += t->level[0].count[d];

	for (d = 0; d < t->depth; d++)
	{
		PathShown	s;
		int64		out[PATH_SLOTS];
		int			a,
					b,
					i;

		path_shown(&t->level[d], top, &s);
		memset(out, 0, sizeof(out));
		if (d + 1 < t->depth && t->gaps[d] != NULL)
			for (a = 0; a < PATH_SLOTS; a++)
				for (b = 0; b < PATH_SLOTS; b++)
					if (t->gaps[d][a][b] != NULL)
						out[s.show[a]] += t->gaps[d][a][b]->count;
		for (i = 0; i <= s.n; i++)
		{
			int			idx = i == s.n ? PATH_OTHER : i;
			Datum		values[5];
			bool		nulls[5];

			if (s.customers[idx] == 0)
				continue;
			memset(nulls, 0, sizeof(nulls));
			values[0] = Int32GetDatum(d + 1);
			values[1] = path_shown_label(&t->level[d], &s, idx);
			values[2] = Int64GetDatum(s.customers[idx]);
			values[3] = Float8GetDatum((double) s.customers[idx] / (double) paths);
			values[4] = Int64GetDatum(s.customers[idx] - out[idx]);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	}
	return (Datum) 0;
}
