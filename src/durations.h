/*
 * durations.h — the durations summary (src/durations.c), for capabilities
 * that keep duration distributions inside their own values (funnels keep
 * one per step).  All values are in microseconds.
 */
#ifndef JOURNEY_DURATIONS_H
#define JOURNEY_DURATIONS_H

#include "journey.h"

#define DURATIONS_VERSION 1
#define DURATIONS_STATED_ACCURACY 0.01
#define DURATIONS_BUILD_ACCURACY 0.0099
#define DURATIONS_MAX_BUCKETS 1024
#define DURATIONS_MAX_HISTOGRAM_BINS 10000

typedef struct Durations
{
	int32		vl_len_;		/* varlena header */
	uint8		version;		/* DURATIONS_VERSION; lets the format evolve */
	uint8		flags;			/* reserved, 0 */
	uint16		nbuckets;		/* width of the bucket window */
	int32		offset;			/* bucket index of counts[0] */
	int64		count;			/* values, zeros included */
	int64		zero_count;		/* values equal to 0 */
	int64		sum_hi;			/* sum of values in microseconds, as */
	uint64		sum_lo;			/* a 128-bit integer hi:lo */
	int64		min_usec;
	int64		max_usec;
	uint64		counts[FLEXIBLE_ARRAY_MEMBER];
} Durations;

#define DURATIONS_HEADER_SIZE offsetof(Durations, counts)
#define DURATIONS_SIZE(nbuckets) (DURATIONS_HEADER_SIZE + sizeof(uint64) * (nbuckets))
#define PG_GETARG_DURATIONS_P(n) ((Durations *) PG_DETOAST_DATUM(PG_GETARG_DATUM(n)))

/* Text and binary I/O, for values that embed durations in their own forms. */
extern Datum durations_in(PG_FUNCTION_ARGS);
extern Datum durations_out(PG_FUNCTION_ARGS);
extern Datum durations_recv(PG_FUNCTION_ARGS);
extern Datum durations_send(PG_FUNCTION_ARGS);

/* Must be called once before the functions below (cheap after the first). */
extern void durations_init_constants(void);

/* A value holding one duration (usec >= 0), in the current context. */
extern Durations *durations_single(int64 usec);

/*
 * Add one duration (usec >= 0) / merge another value.  In place when the
 * buckets fit the window, else a widened copy in the current context is
 * returned: always use the result.
 */
extern Durations *durations_add_usec(Durations *d, int64 usec);
extern Durations *durations_merge_into(Durations *d, const Durations *other);
extern Durations *durations_copy(const Durations *d);

/*
 * Raise an error unless d is a consistent value, with the SQLSTATE of
 * where it came from (journey.h).
 */
extern void durations_check(const Durations *d, JourneyOrigin origin);

/* percentile_disc-ranked quantile within 1%; errors when q is not in [0,1]. */
extern int64 durations_quantile_usec(const Durations *d, double q);

#endif							/* JOURNEY_DURATIONS_H */
