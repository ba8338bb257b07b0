/*
 * sequence.h — pattern matching over one customer's events (ClickHouse's
 * sequenceMatch / sequenceCount, src/sequence.c) and repeat conversions
 * (funnel_count, src/funnel_count.c): what the two share.
 *
 * Both collect a customer's rows as (timestamp, condition mask) entries,
 * FunnelEntry of src/funnel.h, in one aggregate state (SequenceState) with
 * the parameters that must be the same for every row of a group: the
 * pattern (sequence_*) or the window and mode (funnel_count).
 */
#ifndef JOURNEY_SEQUENCE_H
#define JOURNEY_SEQUENCE_H

#include "journey.h"
#include "funnel.h"

#include "utils/array.h"

/* The most conditions a pattern may name: one bit each of a mask. */
#define SEQUENCE_MAX_CONDS 64

/* ---------------------------------------------------------------------
 * Patterns (src/sequence.c)
 */

typedef enum SequenceOp
{
	SEQ_EVENT,					/* (?k): an event meeting condition k */
	SEQ_ANY,					/* .: any event */
	SEQ_STAR,					/* .*: any number of events */
	SEQ_TIME_LE,				/* (?t<=s) */
	SEQ_TIME_LT,				/* (?t<s) */
	SEQ_TIME_GE,				/* (?t>=s) */
	SEQ_TIME_GT,				/* (?t>s) */
	SEQ_TIME_EQ					/* (?t==s) */
} SequenceOp;

typedef struct SequenceAction
{
	SequenceOp	op;
	int			cond;			/* SEQ_EVENT: bit index, 0-based */
	uint64		usec;			/* SEQ_TIME_*: the seconds, in microseconds */
} SequenceAction;

/* A compiled pattern: an implicit leading .* then the pattern's items. */
typedef struct SequenceProgram
{
	int			nactions;
	SequenceAction *actions;
	bool	   *trailing_ok;	/* per action: it and all after may match nothing */
} SequenceProgram;

/*
 * Compile a pattern for nconds conditions (1..SEQUENCE_MAX_CONDS); a
 * malformed pattern is an error (2201B) naming the 1-based character
 * position where it fails.  Palloc'd in the current context.
 */
extern void sequence_compile(const char *pattern, int len, int nconds, SequenceProgram *prog);

/*
 * Match / count over entries sorted by (ts, mask) with mask != 0, as
 * ClickHouse's sequenceMatch / sequenceCount answer for the same events
 * in that order.  O(nactions * n * log n) time, O(n) memory; checks for
 * interrupts.
 */
extern bool sequence_match_entries(const SequenceProgram *prog, const FunnelEntry *e, int n);
extern int64 sequence_count_entries(const SequenceProgram *prog, const FunnelEntry *e, int n);

/* ---------------------------------------------------------------------
 * The aggregate state (src/sequence.c)
 */

typedef struct SequenceState
{
	MemoryContext cxt;			/* the aggregate context */
	int32		kind;			/* SEQUENCE_KIND_* */
	int32		nconds;			/* 0 until the first row with an array */
	/* SEQUENCE_KIND_PATTERN */
	char	   *pattern;		/* NUL-terminated copy */
	int32		pattern_len;
	/* SEQUENCE_KIND_FUNNEL */
	int64		window;
	int32		modes;
	/* the entries, unsorted */
	int32		n;
	int32		cap;
	FunnelEntry *entries;
} SequenceState;

#define SEQUENCE_KIND_PATTERN 1
#define SEQUENCE_KIND_FUNNEL 2

extern SequenceState *sequence_state_new(MemoryContext cxt, int kind);
extern void sequence_state_append(SequenceState *state, int64 ts, uint64 mask);

/*
 * The boolean array argument argno as a condition mask, with its length
 * checked against (and recorded in) the state; false when the row is to
 * be ignored (a NULL array or element).
 */
extern bool sequence_row_mask(FunctionCallInfo fcinfo, SequenceState *state, int argno, uint64 *mask);

/* The state's entries sorted by (ts, mask), in place. */
extern void sequence_state_sort(SequenceState *state);

/*
 * For the journey forms: the condition mask of each label of a journey
 * being read (masks has r->nlabels slots): bit k set when the label
 * equals labels[k].  Returns the union of the masks.
 */
struct JourneyReader;
extern uint64 sequence_label_masks(const struct JourneyReader *r, ArrayType *labels, int nlabels,
								   uint64 *masks);

/*
 * The events of the journey in argument 0 (NULL: none) as entries for
 * conditions given as labels, sorted by (ts, mask); events of no label are
 * left out unless keep_unmatched.  Palloc'd; *n gets the count.
 */
extern FunnelEntry *sequence_journey_entries(FunctionCallInfo fcinfo, ArrayType *labels, int nlabels,
											 bool keep_unmatched, int *n);

/*
 * A text[] argument as its elements (NULL element or array: an error
 * naming what), checked for 1..SEQUENCE_MAX_CONDS elements.
 */
extern ArrayType *sequence_label_array(FunctionCallInfo fcinfo, int argno, const char *what, int *n);

#endif							/* JOURNEY_SEQUENCE_H */
