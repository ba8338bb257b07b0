/*
 * funnel.h — what the funnel files share: the funnel_path type (one
 * customer's best chain, src/funnel.c) read by the funnel report
 * aggregate (src/funnel_report.c).
 */
#ifndef JOURNEY_FUNNEL_H
#define JOURNEY_FUNNEL_H

#include "journey.h"

/*
 * The most steps a funnel may have: one row of the aggregate state is an
 * int64 timestamp plus a 64-bit step mask (16 bytes), so 64 steps fit and
 * mask 0 marks a row matching no step (kept only under strict_order).
 */
#define FUNNEL_MAX_STEPS 64
#define FUNNEL_PATH_VERSION 1

/* One customer's best chain: the time each reached step happened. */
typedef struct FunnelPath
{
	int32		vl_len_;		/* varlena header */
	uint8		version;		/* FUNNEL_PATH_VERSION */
	uint8		flags;			/* reserved, 0 */
	uint8		nsteps;			/* steps of the funnel, 1..FUNNEL_MAX_STEPS */
	uint8		reached;		/* steps reached, 0..nsteps */
	int32		reserved;		/* 0 */
	int64		at[FLEXIBLE_ARRAY_MEMBER];	/* reached timestamps, microseconds */
} FunnelPath;

#define FUNNEL_PATH_SIZE(reached) (offsetof(FunnelPath, at) + sizeof(int64) * (reached))
#define PG_GETARG_FUNNEL_PATH_P(n) ((FunnelPath *) PG_DETOAST_DATUM(PG_GETARG_DATUM(n)))

#endif							/* JOURNEY_FUNNEL_H */
