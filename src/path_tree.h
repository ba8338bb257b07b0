/*
 * path_tree.h — paths: next_event and path trees (src/next_event.c,
 * src/path_tree.c).
 *
 * A path_tree holds, for the customers rolled into it, what a Sankey chart
 * draws: per step d (1 = the start event, up to PATH_MAX_STEPS) how many
 * customers' paths had which label at step d, and per transition d -> d+1
 * how many went from which label to which, with the distribution of the
 * time between the two steps (a durations sketch per transition).
 *
 * Bounded: at each step at most PATH_MAX_LABELS labels are kept, the
 * others are folded into one '(other)' label with exact totals.  Which
 * labels are kept is a function of the labels alone, not of their counts:
 * the PATH_MAX_LABELS with the smallest key (path_label_key: a 64-bit
 * FNV-1a hash of the bytes, then the bytes).  That makes the fold exact
 * and independent of how customers are split and merged: a label kept in
 * the whole is kept in every part it appears in (a subset has fewer
 * smaller keys), so its counts are exact, and merging parts gives the
 * value built at once.
 *
 * On-disk format, version 1 (after the varlena header); the binary (send)
 * form is the same bytes, the text form is them in hex.  Integers big-endian:
 *
 *   uint8   version          1
 *   uint8   flags            0 (reserved)
 *   uint8   depth            steps present, 0..PATH_MAX_STEPS
 *   uint8   reserved         0
 *   per step d = 1..depth:
 *     uint8   nlabels        0..PATH_MAX_LABELS
 *     nlabels x (uint32 length, bytes)   strictly ascending by key
 *     (nlabels + 1) x int64  customers at step d per label, then '(other)'
 *   per transition d = 1..depth-1:
 *     uint16  nedges         0..(PATH_MAX_LABELS + 1)^2
 *     nedges x:
 *       uint8 from, uint8 to label slots (PATH_OTHER = '(other)'), strictly
 *       ascending by (from, to)
 *       int64 n              customers (> 0): the sketch's count
 *       n = 1: int64 the gap in microseconds
 *       n > 1: uint32 length, the durations binary (send) form
 *
 * At most 32,324,636 bytes: 10 steps of 16 labels of 1024 bytes, 9
 * transitions of 17 x 17 edges with a full sketch each (12,350 bytes).
 *
 * Every count is checked against the others (customers into a label at
 * step d+1 = the sum of its incoming transitions, out of a label at most
 * its customers, '(other)' only when PATH_MAX_LABELS labels are kept).
 */
#ifndef JOURNEY_PATH_TREE_H
#define JOURNEY_PATH_TREE_H

#include "journey.h"
#include "durations.h"

#define PATH_TREE_VERSION	1
#define PATH_MAX_STEPS		10
#define PATH_MAX_LABELS		16
#define PATH_OTHER			PATH_MAX_LABELS /* the '(other)' slot */
#define PATH_SLOTS			(PATH_MAX_LABELS + 1)
#define PATH_MAX_LABEL_LEN	1024		/* longer labels are an error */

/* A path tree in memory (the state of rollup, and what readers read). */
typedef struct PathLevel
{
	int			nlabels;		/* slots 0..nlabels-1 in use, in no order */
	uint64		key[PATH_MAX_LABELS];
	char	   *data[PATH_MAX_LABELS];	/* in the tree's context */
	int			len[PATH_MAX_LABELS];
	int64		count[PATH_SLOTS];	/* customers at this step per slot */
} PathLevel;

typedef struct PathTree
{
	MemoryContext cxt;			/* labels and sketches live here */
	int			depth;
	PathLevel	level[PATH_MAX_STEPS];
	/*
	 * gaps[d][from][to]: transition step d+1 -> d+2 (0-based d), or NULL;
	 * gaps[d] itself is NULL until the transition has an edge
	 */
	Durations  *(*gaps[PATH_MAX_STEPS - 1])[PATH_SLOTS];
} PathTree;

/* One customer's path, as the walk finds it (label ids of the caller). */
typedef struct PathWalk
{
	int			steps;			/* wanted, 1..PATH_MAX_STEPS */
	int64		session_gap;	/* usec; < 0: none */
	int			n;				/* steps found */
	int32		label[PATH_MAX_STEPS];
	int64		at[PATH_MAX_STEPS]; /* first event of each step */
	int64		last_ts;		/* the path's latest event */
	bool		done;
} PathWalk;

extern uint64 path_label_key(const char *data, int len);
extern int	path_key_cmp(uint64 ka, const char *a, int alen, uint64 kb, const char *b, int blen);

/* path_walk: see next_event.c */
extern void path_walk_init(PathWalk *w, int steps, int64 session_gap);

/*
 * Feed the next event in journey order; returns true once the path is
 * complete (later events cannot change it).
 */
static inline bool
path_walk_feed(PathWalk *w, int64 ts, int32 label, bool start)
{
	if (w->n == 0)
	{
		if (!start)
			return false;
		w->label[0] = label;
		w->at[0] = ts;
		w->last_ts = ts;
		w->n = 1;
		if (w->steps == 1)
			w->done = true;
		return w->done;
	}
	if (w->session_gap >= 0 && (uint64) ts - (uint64) w->last_ts > (uint64) w->session_gap)
	{
		w->done = true;			/* a session gap ends the path */
		return true;
	}
	w->last_ts = ts;
	if (label == w->label[w->n - 1])
		return false;			/* a repeat, folded */
	w->label[w->n] = label;
	w->at[w->n] = ts;
	w->n++;
	if (w->n == w->steps)
		w->done = true;
	return w->done;
}

/* The path found as a path_tree value (NULL when it has no step). */
extern struct varlena *path_tree_from_walk(const PathWalk *w, const char *const *data, const int *len);

/* In memory: an empty tree in a new child of parent; merge a value in. */
extern PathTree *path_tree_create(MemoryContext parent);
extern void path_tree_merge_value(PathTree *t, const struct varlena *value, JourneyOrigin origin);
extern struct varlena *path_tree_flatten(const PathTree *t);

/* steps, session_gap arguments checked as every form checks them */
extern int	path_check_steps(int steps);
extern int64 path_check_session_gap(const Interval *gap);

#endif							/* JOURNEY_PATH_TREE_H */
