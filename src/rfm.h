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

#define RFM_MIN_BINS 2
#define RFM_MAX_BINS 9
#define RFM_DEFAULT_BINS 5

/*
 * An rfm value is the uint32 r << 24 | f << 16 | m << 8 | bins, so that
 * comparing the integers orders by recency, then frequency, then monetary
 * score, then bins.  Zero is never a valid value (the window function uses
 * it for "no score").
 */
#define RFM_PACK(r, f, m, bins) \
	((uint32) (r) << 24 | (uint32) (f) << 16 | (uint32) (m) << 8 | (uint32) (bins))
#define RFM_R(v)	((int) (((v) >> 24) & 0xFF))
#define RFM_F(v)	((int) (((v) >> 16) & 0xFF))
#define RFM_M(v)	((int) (((v) >> 8) & 0xFF))
#define RFM_BINS(v)	((int) ((v) & 0xFF))

#define PG_GETARG_RFM(n)	DatumGetUInt32(PG_GETARG_DATUM(n))
#define PG_RETURN_RFM(v)	return UInt32GetDatum(v)

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
