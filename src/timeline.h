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
 * entries, in byte order; each label's bytes point into the value).  Do
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
extern bool journey_reader_next(JourneyReader *r, JourneyEvent *ev);
extern int	journey_label_index(const JourneyReader *r, const char *label, int len);
extern void journey_reader_free(JourneyReader *r);

/* Byte-order comparison of two labels (the dictionary and tie order). */
extern int	journey_label_cmp(const char *a, int alen, const char *b, int blen);

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
