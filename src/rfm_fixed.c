/*
 * rfm_fixed.c — RFM scores against fixed cut points (rfm_score_fixed):
 * the business's own thresholds ("bought within 30 days = R5") instead of
 * the population's quantiles.
 *
 * n cuts make n + 1 scores (so 1 to 8 cuts per dimension, scales 2..9).
 * Frequency and monetary cuts are strictly increasing and a value scores
 * 1 + the number of cuts <= it.  Recency cuts are ages as_of -
 * last_purchase, strictly decreasing, and an age scores 1 + the number of
 * cuts >= it: '{60 days,30 days,14 days,7 days}' gives 5 to whoever
 * bought within the last 7 days.  Comparisons are PostgreSQL's own
 * (interval_cmp, float8 order with NaN highest), so a CASE expression over
 * the same cuts gives the same scores.
 */
#include "journey.h"
#include "rfm.h"

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

static const char *const rfm_fixed_arg_names[3] = {"recency_cuts", "frequency_cuts", "monetary_cuts"};

static void
rfm_fixed_cuts_error(int d, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid %s", rfm_fixed_arg_names[d]),
			 errdetail("%s", detail),
			 errhint("Give 1 to %d cuts per dimension (n cuts make n + 1 scores): recency cuts are ages, "
					 "strictly decreasing, e.g. '{60 days,30 days,14 days,7 days}'; frequency and monetary "
					 "cuts strictly increasing, e.g. '{2,5,10,20}'.", RFM_MAX_BINS - 1)));
}

/*
 * The cuts of argument argno (dimension d) as Datums, checked: not NULL,
 * one-dimensional, 1..8 elements, no NULL, strictly monotone.
 */
static Datum *
rfm_fixed_cuts(FunctionCallInfo fcinfo, int argno, int d, int *ncuts)
{
	ArrayType  *cuts;
	Oid			elemtype = d == 0 ? INTERVALOID : FLOAT8OID;
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Datum	   *values;
	bool	   *nulls;
	int			n,
				i;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", rfm_fixed_arg_names[d])));
	cuts = PG_GETARG_ARRAYTYPE_P(argno);
	if (ARR_NDIM(cuts) > 1)
		rfm_fixed_cuts_error(d, "The array must be one-dimensional.");
	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	deconstruct_array(cuts, elemtype, typlen, typbyval, typalign, &values, &nulls, &n);
	if (n < 1 || n > RFM_MAX_BINS - 1)
		rfm_fixed_cuts_error(d, psprintf("The array has %d cuts.", n));
	for (i = 0; i < n; i++)
	{
		if (nulls[i])
			rfm_fixed_cuts_error(d, psprintf("Cut %d is null.", i + 1));
		if (i == 0)
			continue;
		if (d == 0 ? DatumGetInt32(DirectFunctionCall2(interval_cmp, values[i - 1], values[i])) <= 0
			: float8_cmp_internal(DatumGetFloat8(values[i - 1]), DatumGetFloat8(values[i])) >= 0)
			rfm_fixed_cuts_error(d, psprintf("Cut %d is not %s than cut %d.", i + 1,
											 d == 0 ? "smaller" : "greater", i));
	}
	*ncuts = n;
	return values;
}

/*
 * rfm_score_fixed(last_purchase, frequency, monetary, as_of, recency_cuts,
 * frequency_cuts, monetary_cuts): scores on scales (cuts + 1).  Not
 * strict: a NULL last_purchase, frequency or monetary gives NULL; a NULL
 * as_of or cut array is an error, and the cuts are checked on every row.
 */
PG_FUNCTION_INFO_V1(rfm_score_fixed);
Datum
rfm_score_fixed(PG_FUNCTION_ARGS)
{
	int			ncuts[3];
	Datum	   *cuts[3];
	int			score[3];
	Datum		age;
	int			d,
				i;

	if (PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("as_of must not be null")));
	for (d = 0; d < 3; d++)
		cuts[d] = rfm_fixed_cuts(fcinfo, 4 + d, d, &ncuts[d]);
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_NULL();

	/* recency: 1 + the cuts >= the age */
	age = DirectFunctionCall2(timestamp_mi, PG_GETARG_DATUM(3), PG_GETARG_DATUM(0));
	score[0] = 1;
	for (i = 0; i < ncuts[0]; i++)
		if (DatumGetInt32(DirectFunctionCall2(interval_cmp, cuts[0][i], age)) >= 0)
			score[0]++;
	/* frequency and monetary: 1 + the cuts <= the value */
	for (d = 1; d < 3; d++)
	{
		float8		x = PG_GETARG_FLOAT8(d);

		score[d] = 1;
		for (i = 0; i < ncuts[d]; i++)
			if (float8_cmp_internal(DatumGetFloat8(cuts[d][i]), x) <= 0)
				score[d]++;
	}
	PG_RETURN_RFM(rfm_pack(score[0], score[1], score[2], ncuts[0] + 1, ncuts[1] + 1, ncuts[2] + 1));
}
