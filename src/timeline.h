/*
 * timeline.h — the journey type: one customer's events in time order, as
 * one compact value (src/timeline.c, src/timeline_io.c).
 *
 * On-disk format, version 1 (after the varlena header; "varint" is an
 * unsigned LEB128 of at most 10 bytes, "zigzag" maps signed to unsigned):
 *
 *   uint8   version          1
 *   uint8   flags            bits 0-4: unit_exp (0..18), every timestamp
 *                            is a multiple of 10^unit_exp us; then
 *                            JOURNEY_HAS_AMOUNTS, JOURNEY_SPLIT_LABELS; bit 7
 *                            reserved (0)
 *   varint  nevents
 *   varint  nlabels          <= nevents
 *   uint8   scale            only with JOURNEY_HAS_AMOUNTS: amounts are
 *                            mantissa / 10^scale
 *   nlabels x (varint length, bytes)
 *                            the dictionary, strictly ascending in byte
 *                            order (memcmp, then shorter first); every
 *                            label is used by some event
 *   varint  zigzag(ts0 / 10^unit_exp - JOURNEY_EPOCH / 10^unit_exp)
 *                            the first timestamp, only when nevents > 0
 *   nevents x event:
 *     packed:  varint (delta << lbits) | label      (lbits = bits of nlabels-1)
 *     split:   varint delta, varint label           (JOURNEY_SPLIT_LABELS)
 *              delta = (ts_i - ts_{i-1}) / 10^unit_exp, 0 for the first
 *     amount (only with JOURNEY_HAS_AMOUNTS): varint tag
 *              0: no amount; 1: varint length + the numeric's text;
 *              n >= 2: mantissa = unzigzag(n - 2)
 *
 * Events are sorted by (ts, label in byte order, amount: none first, then
 * by value); equal events are kept.  Amounts are exact: the scale is the
 * largest number of decimals any amount needs (at most JOURNEY_MAX_SCALE);
 * an amount whose mantissa at that scale does not fit in 62 bits is stored
 * as its text.
 */
#ifndef JOURNEY_TIMELINE_H
#define JOURNEY_TIMELINE_H

#include "journey.h"

#include "common/int.h"
#include "datatype/timestamp.h"
#include "utils/numeric.h"

#define JOURNEY_FORMAT_VERSION	1
#define JOURNEY_UNIT_MASK		0x1F
#define JOURNEY_HAS_AMOUNTS		0x20
#define JOURNEY_SPLIT_LABELS	0x40
/* 2024-01-01 00:00:00 UTC in microseconds since 2000-01-01: first
 * timestamps near it take fewer bytes */
#define JOURNEY_EPOCH			INT64CONST(757382400000000)
#define JOURNEY_KNOWN_FLAGS		(JOURNEY_HAS_AMOUNTS | JOURNEY_SPLIT_LABELS)
#define JOURNEY_MAX_SCALE		18
#define JOURNEY_MAX_UNIT_EXP	18

/* amount kinds of a decoded event */
#define JOURNEY_AMOUNT_NONE		0
#define JOURNEY_AMOUNT_SCALED	1	/* mantissa / 10^scale */
#define JOURNEY_AMOUNT_TEXT		2	/* the numeric's text */

/* A label of a journey: bytes in place (not NUL-terminated). */
typedef struct JourneyLabel
{
	const char *data;
	int			len;
} JourneyLabel;

/* One decoded event. */
typedef struct JourneyEvent
{
	int64		ts;				/* TimestampTz, finite */
	int32		label;			/* index into the dictionary */
	int16		amount_kind;	/* JOURNEY_AMOUNT_* */
	int16		pad;
	int64		mantissa;		/* JOURNEY_AMOUNT_SCALED */
	const char *amount_text;	/* JOURNEY_AMOUNT_TEXT: not NUL-terminated */
	int			amount_len;
} JourneyEvent;

/*
 * A reader over a journey value (the C API for analyses).  Usage:
 *
 *   JourneyReader r;
 *   JourneyEvent ev;
 *   journey_reader_init(&r, PG_GETARG_JOURNEY_P(0), JOURNEY_FROM_STATE);
 *   k = journey_label_index(&r, "purchase", 8);     (-1 when absent)
 *   while (journey_reader_next(&r, &ev))
 *       ... ev.ts, ev.label (== k?) ...
 *
 * Every read is bounds-checked; a malformed value raises the origin's
 * error (journey_invalid_value).  The dictionary is read at init (nlabels
 * entries, in byte order; each label's bytes point into the value; the
 * order is trusted, not checked: see journey_reader_init).  Do
 * not copy a reader (labels may point into it); journey_reader_free
 * releases it.
 */
#define JOURNEY_READER_INLINE_LABELS 16

typedef struct JourneyReader
{
	const uint8 *pos;
	const uint8 *end;
	JourneyOrigin origin;
	int			flags;
	int			scale;
	int64		unit;			/* 10^unit_exp */
	int64		nevents;
	int64		nread;
	int			nlabels;
	int			lbits;
	JourneyLabel *labels;		/* inline_labels, or palloc'd when more */
	int64		prev_ts;
	int32		prev_label;
	JourneyLabel inline_labels[JOURNEY_READER_INLINE_LABELS];
} JourneyReader;

#define PG_GETARG_JOURNEY_P(n) ((struct varlena *) PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(n)))

extern void journey_reader_init(JourneyReader *r, const struct varlena *value, JourneyOrigin origin);
extern int	journey_label_index(const JourneyReader *r, const char *label, int len);
extern void journey_reader_free(JourneyReader *r);

/* the out-of-line parts of journey_reader_next (src/timeline.c) */
extern void journey_reader_corrupt(const JourneyReader *r, const char *detail) pg_attribute_noreturn();
extern uint64 journey_reader_varint_slow(JourneyReader *r);
extern void journey_reader_amount(JourneyReader *r, JourneyEvent *ev);

/*
 * A varint, inline: up to 9 bytes with a bounds check per byte; a 10th
 * byte (the overflow checks) and every error out of line, where the read
 * restarts from r->pos.  Never reads at or past r->end.
 */
static pg_attribute_always_inline uint64
journey_reader_varint(JourneyReader *r)
{
	const uint8 *p = r->pos;
	const uint8 *end = r->end;
	uint64		v = 0;
	int			shift;

	for (shift = 0; shift < 63 && p < end; shift += 7)
	{
		uint8		byte = *p++;

		v |= (uint64) (byte & 0x7f) << shift;
		if ((byte & 0x80) == 0)
		{
			r->pos = p;
			return v;
		}
	}
	return journey_reader_varint_slow(r);
}

/*
 * The label index of the next event, its timestamp left in r->prev_ts;
 * -1 after the last one.  The common part of journey_reader_next and
 * journey_reader_next_label: every check that keeps a read in bounds or a
 * timestamp finite stays (label index < nlabels, deltas without
 * overflow); a corrupted value raises an error.  The amount (if any) is
 * still to be read, then journey_reader_done.
 */
static pg_attribute_always_inline int32
journey_reader_step(JourneyReader *r)
{
	uint64		delta;
	uint64		label;

	if (r->nread >= r->nevents)
		return -1;
	if (unlikely(r->flags & JOURNEY_SPLIT_LABELS))
	{
		delta = journey_reader_varint(r);
		label = journey_reader_varint(r);
	}
	else
	{
		uint64		packed = journey_reader_varint(r);

		delta = packed >> r->lbits;
		label = packed & ((UINT64CONST(1) << r->lbits) - 1);
	}
	if (unlikely(label >= (uint64) r->nlabels))
		journey_reader_corrupt(r, "A label index is out of range.");
	if (delta > 0)
	{
		/* the room left before END_TIMESTAMP: may exceed PG_INT64_MAX */
		uint64		room = (uint64) (END_TIMESTAMP - 1) - (uint64) r->prev_ts;
		uint64		step = delta;

		if (unlikely(r->nread == 0))
			journey_reader_corrupt(r, "The first event has a time delta.");
		/* prev_ts is finite; so must the next be (no division per event) */
		if (unlikely((r->unit != 1 && pg_mul_u64_overflow(delta, (uint64) r->unit, &step)) ||
					 step > room))
			journey_reader_corrupt(r, "A timestamp is out of range.");
		r->prev_ts = (int64) ((uint64) r->prev_ts + step);
	}
	else if (unlikely((int32) label < r->prev_label) && r->nread > 0)
		journey_reader_corrupt(r, "The events are not in order.");
	r->prev_label = (int32) label;
	return (int32) label;
}

/* An event read: after the last one the value must end exactly. */
static pg_attribute_always_inline void
journey_reader_done(JourneyReader *r)
{
	r->nread++;
	if (unlikely(r->nread == r->nevents) && r->pos != r->end)
		journey_reader_corrupt(r, "The value has bytes left over.");
}

/*
 * The next event of a journey into *ev; false after the last one (then
 * the value must have been read exactly to its end).  Inline: the
 * analyses call it once per event.
 */
static pg_attribute_always_inline bool
journey_reader_next(JourneyReader *r, JourneyEvent *ev)
{
	int32		label = journey_reader_step(r);

	if (label < 0)
		return false;
	ev->ts = r->prev_ts;
	ev->label = label;
	ev->amount_kind = JOURNEY_AMOUNT_NONE;
	ev->mantissa = 0;
	ev->amount_text = NULL;
	ev->amount_len = 0;
	if (r->flags & JOURNEY_HAS_AMOUNTS)
		journey_reader_amount(r, ev);
	journey_reader_done(r);
	return true;
}

/*
 * The next event's label index (its timestamp in r->prev_ts), -1 after
 * the last one: journey_reader_next for an analysis that needs no
 * amount.  An amount is skipped inline when it is a one-byte tag (none,
 * or a small mantissa: no check to make), else read and checked as
 * journey_reader_next reads it.
 */
static pg_attribute_always_inline int32
journey_reader_next_label(JourneyReader *r)
{
	int32		label = journey_reader_step(r);

	if (label < 0)
		return -1;
	if (r->flags & JOURNEY_HAS_AMOUNTS)
	{
		if (likely(r->pos < r->end && *r->pos < 0x80 && *r->pos != 1))
			r->pos++;
		else
		{
			JourneyEvent ev;

			journey_reader_amount(r, &ev);
		}
	}
	journey_reader_done(r);
	return label;
}


/*
 * The events of a journey being built (by journey_agg, text/binary input,
 * merge): an unsorted multiset of events with a dictionary of labels (ids
 * in order of first appearance).  Amounts are kept as a mantissa at their
 * own minimal scale, or as a numeric.
 */
typedef struct JourneyBuildEvent
{
	int64		ts;
	int32		label;			/* label id */
	int32		amount;			/* index into amounts, -1: none */
} JourneyBuildEvent;

typedef struct JourneyBuildAmount
{
	int64		mantissa;		/* SCALED: value * 10^scale; TEXT: index into bigs */
	int16		scale;
	int16		kind;			/* JOURNEY_AMOUNT_SCALED / JOURNEY_AMOUNT_TEXT */
} JourneyBuildAmount;

typedef struct JourneyBuildLabel
{
	uint64		prefix;			/* the first 8 bytes, zero-padded */
	uint32		off;			/* in the arena */
	int32		len;
} JourneyBuildLabel;

/* what few groups need: amounts, big amounts, a hash of many labels */
typedef struct JourneyBuilderExtra
{
	JourneyBuildAmount *amounts;
	int64		namounts;
	int64		maxamounts;
	Numeric    *bigs;			/* amounts that do not fit a mantissa */
	int64		nbigs;
	int64		maxbigs;
	int32	   *hash;			/* open addressing, label id + 1, 0 empty */
	uint32	   *hash_code;		/* per label id */
	int			hash_size;
	int			max_codes;
} JourneyBuilderExtra;

typedef struct JourneyBuilder
{
	/* touched by every row */
	JourneyBuildEvent *events;
	int64		nevents;
	int64		maxevents;
	JourneyBuildLabel *labels;
	int32		nlabels;
	int32		maxlabels;
	char	   *arena;			/* label bytes */
	uint32		arena_len;
	uint32		arena_max;
	JourneyBuilderExtra *x;		/* NULL until needed */
	JourneyNames *dict;			/* not NULL: label ids are those of journey_agg's
								 * dictionary of the query (its groups share
								 * it), labels and arena unused */
	MemoryContext cxt;
	bool		sorted;
} JourneyBuilder;

extern JourneyBuilder *journey_builder_create(MemoryContext cxt);
extern int32 journey_builder_label(JourneyBuilder *b, const char *data, int len);
extern void journey_builder_add(JourneyBuilder *b, int64 ts, int32 label, Numeric amount);
extern void journey_builder_add_scaled(JourneyBuilder *b, int64 ts, int32 label, int64 mantissa, int scale);
extern void journey_builder_add_journey(JourneyBuilder *b, const struct varlena *value, JourneyOrigin origin);
extern void journey_builder_add_numeric_text(JourneyBuilder *b, int64 ts, int32 label, const char *text, int len);
extern struct varlena *journey_builder_finish(JourneyBuilder *b);

/* NaN or an infinity */
extern bool journey_numeric_is_special(Numeric num);

/* A numeric from a mantissa and scale, and from its stored text. */
extern Numeric journey_amount_numeric(const JourneyEvent *ev, int scale);

/* Format a TimestampTz as UTC ISO text with microseconds into buf (>= 48). */
extern void journey_format_ts(int64 ts, char *buf);

#endif							/* JOURNEY_TIMELINE_H */
