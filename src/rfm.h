/*
 * rfm.h — the `rfm` value (three scores and the number of bins, packed in
 * 4 bytes, passed by value) and the sortable 64-bit keys that both scoring
 * forms (the window function and the model) rank on.
 */
#ifndef JOURNEY_RFM_H
#define JOURNEY_RFM_H

#include "postgres.h"

#include <math.h>

#include "datatype/timestamp.h"
#include "utils/array.h"

#define RFM_MIN_BINS 2
#define RFM_MAX_BINS 9
#define RFM_DEFAULT_BINS 5

/*
 * An rfm value is a uint32 in one of two layouts (one canonical layout per
 * value, so that equality and hashing work on the integer):
 *
 *   one scale for all three dimensions (the 0.1.0 layout, unchanged):
 *       r << 24 | f << 16 | m << 8 | bins            (bins 2..9)
 *   a scale per dimension, used only when the three scales differ:
 *       (rbins << 4 | r) << 24 | (fbins << 4 | f) << 16 | (mbins << 4 | m) << 8
 *                                                    (low byte 0)
 *
 * The low byte is the layout word: 2..9 for one scale, 0 for three.
 * Values never change layout on disk: a 0.1.0 value is a one-scale value.
 * Zero is never a valid value.  The order (rfm_cmp) is by recency,
 * frequency, monetary score, then the recency, frequency and monetary
 * scales: on one-scale values the order of the packed integers, as in
 * 0.1.0, so that indexes built by 0.1.0 stay valid.
 */
#define RFM_PACK(r, f, m, bins) \
	((uint32) (r) << 24 | (uint32) (f) << 16 | (uint32) (m) << 8 | (uint32) (bins))
#define RFM_PACK_SCALES(r, f, m, rb, fb, mb) \
	((uint32) ((rb) << 4 | (r)) << 24 | (uint32) ((fb) << 4 | (f)) << 16 | (uint32) ((mb) << 4 | (m)) << 8)
#define RFM_ONE_SCALE(v)	(((v) & 0xFF) != 0)
#define RFM_R(v)	((int) (((v) >> 24) & 0x0F))
#define RFM_F(v)	((int) (((v) >> 16) & 0x0F))
#define RFM_M(v)	((int) (((v) >> 8) & 0x0F))
/* the common scale of a one-scale value, 0 when the scales differ */
#define RFM_BINS(v)	((int) ((v) & 0xFF))
/* the scale of dimension d (0 recency, 1 frequency, 2 monetary) */
#define RFM_DIM_BINS(v, d) \
	(RFM_ONE_SCALE(v) ? RFM_BINS(v) : (int) (((v) >> (28 - 8 * (d))) & 0x0F))

/* The canonical value of scores r, f, m on scales rb, fb, mb (all valid). */
static inline uint32
rfm_pack(int r, int f, int m, int rb, int fb, int mb)
{
	if (rb == fb && fb == mb)
		return RFM_PACK(r, f, m, rb);
	return RFM_PACK_SCALES(r, f, m, rb, fb, mb);
}

#define PG_GETARG_RFM(n)	DatumGetUInt32(PG_GETARG_DATUM(n))
#define PG_RETURN_RFM(v)	return UInt32GetDatum(v)

/*
 * The three scales of a bins integer[] argument ('{5,3,4}': recency,
 * frequency, monetary), each checked to be 2..9; a NULL array or element
 * is an error.
 */
extern void rfm_scales_of_array(ArrayType *bins, bool isnull, int *scales);

/*
 * The segment of v under the map argument map_argno of fcinfo (a jsonb,
 * parsed once and cached in fn_extra), or under the default map when
 * map_argno < 0.  NULL when no rule of a user map matches.  The map
 * argument must not be NULL (checked).
 */
extern const char *rfm_segment_of(FunctionCallInfo fcinfo, int map_argno, uint32 v);

/* Raise the error for a bins argument outside 2..9 (or NULL). */
extern void rfm_check_bins(int64 bins, bool isnull);

/*
 * Sortable keys: unsigned 64-bit integers whose order is the order of the
 * values.  Timestamps: the microseconds with the sign bit flipped (so
 * ±infinity sort at the ends).  Doubles: PostgreSQL's float8 order (-0 =
 * +0, NaN above +Infinity and equal to itself): the IEEE bits with the
 * sign bit flipped for positives and all bits flipped for negatives.
 */
static inline uint64
rfm_key_timestamp(TimestampTz ts)
{
	return (uint64) ts ^ UINT64CONST(0x8000000000000000);
}

static inline TimestampTz
rfm_timestamp_of_key(uint64 key)
{
	return (TimestampTz) (key ^ UINT64CONST(0x8000000000000000));
}

static inline uint64
rfm_key_double(double x)
{
	union
	{
		double		d;
		uint64		u;
	}			v;

	if (isnan(x))
		return UINT64CONST(0xFFF8000000000000);
	if (x == 0.0)
		x = 0.0;				/* -0 counts as +0 */
	v.d = x;
	return (v.u & UINT64CONST(0x8000000000000000)) ? ~v.u : v.u | UINT64CONST(0x8000000000000000);
}

static inline double
rfm_double_of_key(uint64 key)
{
	union
	{
		double		d;
		uint64		u;
	}			v;

	v.u = (key & UINT64CONST(0x8000000000000000)) ? key & ~UINT64CONST(0x8000000000000000) : ~key;
	return v.d;
}

#define RFM_KEY_NEG_INF	UINT64CONST(0x000FFFFFFFFFFFFF)	/* key of -Infinity */
#define RFM_KEY_POS_INF	UINT64CONST(0xFFF0000000000000)	/* key of +Infinity */
#define RFM_KEY_NAN		UINT64CONST(0xFFF8000000000000)	/* key of NaN */

/*
 * Score of a value on one dimension: 1 + floor(bins * below / n), clipped
 * to 1..bins, where below is the number of population values strictly
 * below it and n the population size.
 */
static inline int
rfm_score_of_rank(uint64 below, uint64 n, int bins)
{
	uint64		s = 1 + ((uint128) bins * below) / n;

	return s > (uint64) bins ? bins : (int) s;
}

#endif							/* JOURNEY_RFM_H */
