/*
 * unit_economics.h — the `unit_economics` type: exact sums over acquired
 * units (src/unit_economics.c).  Its money sums are JDecimals (decimal.h).
 */
#ifndef JOURNEY_UNIT_ECONOMICS_H
#define JOURNEY_UNIT_ECONOMICS_H

#include "journey.h"
#include "decimal.h"

/*
 * Fixed-size varlena; version 1 is the only format so far.  Counts are
 * non-negative and consistent (see ue_inconsistency in unit_economics.c).
 */
#define UE_VERSION 1

typedef struct UnitEconomics
{
	int32		vl_len_;
	uint8		version;
	uint8		unused[3];
	int64		units;			/* rows aggregated (acquired units) */
	int64		buyers;			/* units with purchases > 0 */
	int64		purchases;		/* sum of purchases */
	int64		acq_units;		/* units whose acquisition cost is known */
	int64		acq_buyers;		/* ... of which buyers */
	JDecimal	revenue;
	JDecimal	cost;
	JDecimal	acq_cost;		/* sum of the known acquisition costs */
} UnitEconomics;

#endif							/* JOURNEY_UNIT_ECONOMICS_H */
