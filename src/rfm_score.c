/*
 * rfm_score.c — RFM scoring in one pass (the window function
 * rfm_score(...) OVER (...)) and as a reusable model (the rfm_model type
 * and aggregate, rfm_score(rfm_model, ...), rfm_thresholds).
 *
 * Both forms score a value x on one dimension as
 *     1 + floor(bins * (values of the population strictly below x) / n)
 * clipped to 1..bins, so equal values always get equal scores.  Values
 * are ranked by sortable 64-bit keys (rfm.h): last_purchase as a
 * timestamp (more recent = higher key = higher score), frequency and
 * monetary as double precision (PostgreSQL's float8 order, NaN highest).
 *
 * The model keeps, per dimension, the population's distinct keys with
 * their counts: exactly while there are at most RFM_MODEL_MAX_VALUES of
 * them.  Beyond that the dimension drops the lowest bit of every key
 * (shift += 1), merging neighbours, until the distinct keys fit again:
 * timestamps then compare at a granularity of 2^shift microseconds,
 * doubles at a relative precision of 2^(shift - 52) (the low mantissa
 * bits).  Values that differ only below that granularity count as equal;
 * nothing else is approximated.  The shift chosen is the smallest that
 * fits, for the population as a whole, whatever the order rows come in
 * and however the population is split, so serial, parallel and merged
 * models are identical.
 */
#include "journey.h"
#include "rfm.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/int.h"
#include "common/shortest_dec.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"
#include "windowapi.h"

/* ---------------------------------------------------------------------
 * The window function
 * ---------------------------------------------------------------------
 */

#if PG_VERSION_NUM >= 140000
#define ST_SORT rfm_sort_keys
#define ST_ELEMENT_TYPE uint64
#define ST_COMPARE(a, b) (*(a) < *(b) ? -1 : *(a) > *(b) ? 1 : 0)
#define ST_SCOPE static
#define ST_DEFINE
#include "lib/sort_template.h"
#else
static int
rfm_key_cmp(const void *a, const void *b)
{
	uint64		ka = *(const uint64 *) a,
				kb = *(const uint64 *) b;

	return ka < kb ? -1 : ka > kb ? 1 : 0;
}
#define rfm_sort_keys(p, n) qsort((p), (n), sizeof(uint64), rfm_key_cmp)
#endif

/*
 * Per-partition memory, constant-size: the partition's thresholds.  A
 * row's score on dimension d is the number of s in 2..bins with
 * key > thresholds[d][s - 2], plus one (see rfm_window_compute).
 */
typedef struct RfmWindowState
{
	bool		computed;
	int			bins[3];		/* the scale of each dimension */
	uint64		thresholds[3][RFM_MAX_BINS - 1];
} RfmWindowState;

/*
 * The scales of row `row`: its bins argument, an integer (one scale) or an
 * integer[] (rfm_score_window_scales: a scale per dimension).  Returns
 * the scales packed as one integer, for comparing rows.
 */
static int
rfm_window_bins(WindowObject winobj, bool per_dimension, int64 row, int *scales)
{
	bool		isnull,
				isout;
	Datum		d = WinGetFuncArgInPartition(winobj, 3, row, WINDOW_SEEK_HEAD, false, &isnull, &isout);

	if (per_dimension)
		rfm_scales_of_array(isnull ? NULL : DatumGetArrayTypeP(d), isnull, scales);
	else
	{
		rfm_check_bins(isnull ? 0 : DatumGetInt32(d), isnull);
		scales[0] = scales[1] = scales[2] = DatumGetInt32(d);
	}
	return scales[0] * 100 + scales[1] * 10 + scales[2];
}

/* bins as the message shows them: "5" or "{5,3,4}" */
static char *
rfm_window_bins_text(const int *scales)
{
	if (scales[0] == scales[1] && scales[1] == scales[2])
		return psprintf("%d", scales[0]);
	return psprintf("{%d,%d,%d}", scales[0], scales[1], scales[2]);
}

/* The sortable key of a value of dimension d. */
static inline uint64
rfm_window_key(int d, Datum value)
{
	return d == 0 ? rfm_key_timestamp(DatumGetTimestampTz(value)) : rfm_key_double(DatumGetFloat8(value));
}

/*
 * Rank the partition, one dimension at a time, into its thresholds.
 *
 * Among the m scored rows (no NULL value), a value x with `below` values
 * strictly below it scores 1 + floor(bins * below / m), so its score is
 * >= s exactly when below >= r_s = ceil((s - 1) m / bins), that is when x
 * is above the r_s-th smallest value: that value is threshold t_s.  Each
 * row is then scored on its own call from its three values.
 *
 * Memory: 8 bytes per scored row for the keys of the dimension being
 * ranked (freed before the next), one bit per row for "has a NULL", and
 * a context reset after each row fetched, so that what evaluating the
 * arguments allocates (a numeric cast to float8, a detoasted copy) does
 * not pile up over the partition.
 */
static void
rfm_window_compute(FunctionCallInfo fcinfo, WindowObject winobj, RfmWindowState *st, int64 nrows,
				   bool per_dimension)
{
	bool		has_bins = PG_NARGS() > 3;
	int			first_bins = 0;
	bool		bins_stable = !has_bins || get_fn_expr_arg_stable(fcinfo->flinfo, 3);
	MemoryContext rowcxt;
	MemoryContext oldcxt;
	uint8	   *skip;
	uint64	   *keys;
	int64		m = 0;
	int64		i;
	int			d,
				s;

	st->bins[0] = st->bins[1] = st->bins[2] = RFM_DEFAULT_BINS;
	if (nrows == 0)
		return;
	if (has_bins)
		first_bins = rfm_window_bins(winobj, per_dimension, 0, st->bins);
	rowcxt = AllocSetContextCreate(CurrentMemoryContext, "rfm_score row", ALLOCSET_SMALL_SIZES);
	skip = MemoryContextAllocHuge(CurrentMemoryContext, (Size) (nrows + 7) / 8);
	memset(skip, 0, (Size) (nrows + 7) / 8);
	keys = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(uint64) * (Size) nrows);

	for (d = 0; d < 3; d++)
	{
		int64		r;

		m = 0;
		for (i = 0; i < nrows; i++)
		{
			Datum		v[3];
			bool		isnull[3],
						isout;
			int			e;

			if ((i & 0xFFFF) == 0)
				CHECK_FOR_INTERRUPTS();
			if (skip[i / 8] & (1 << (i % 8)))
				continue;
			oldcxt = MemoryContextSwitchTo(rowcxt);
			if (d == 0)
			{
				/* the first pass finds the rows with a NULL value */
				for (e = 0; e < 3; e++)
					v[e] = WinGetFuncArgInPartition(winobj, e, i, WINDOW_SEEK_HEAD, false, &isnull[e], &isout);
				if (!bins_stable && i > 0)
				{
					int			row_bins[3];

					if (rfm_window_bins(winobj, per_dimension, i, row_bins) != first_bins)
						ereport(ERROR,
								(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
								 errmsg("bins must be the same for every row of a partition"),
								 errdetail("Row %lld has bins %s, the first row %s.",
										   (long long) i + 1, rfm_window_bins_text(row_bins),
										   rfm_window_bins_text(st->bins))));
				}
				if (isnull[0] || isnull[1] || isnull[2])
				{
					skip[i / 8] |= (uint8) (1 << (i % 8));
					MemoryContextSwitchTo(oldcxt);
					MemoryContextReset(rowcxt);
					continue;
				}
			}
			else
				v[d] = WinGetFuncArgInPartition(winobj, d, i, WINDOW_SEEK_HEAD, false, &isnull[d], &isout);
			keys[m++] = rfm_window_key(d, v[d]);
			MemoryContextSwitchTo(oldcxt);
			MemoryContextReset(rowcxt);
		}
		if (m == 0)
			break;				/* every row has a NULL: no scores */
		CHECK_FOR_INTERRUPTS();
		rfm_sort_keys(keys, m);
		for (s = 2; s <= st->bins[d]; s++)
		{
			r = (int64) (((int128) (s - 1) * m + st->bins[d] - 1) / st->bins[d]);
			st->thresholds[d][s - 2] = keys[r - 1];
		}
	}
	pfree(keys);
	pfree(skip);
	MemoryContextDelete(rowcxt);
	/* we never read the partition's other rows again */
	WinSetMarkPosition(winobj, nrows - 1);
}

/*
 * The window function's body: the row's scores against all rows of its
 * partition (the frame and ORDER BY do not matter).  A row with a NULL
 * value gets NULL and is not counted.
 */
static Datum
rfm_score_window_common(FunctionCallInfo fcinfo, bool per_dimension)
{
	WindowObject winobj = PG_WINDOW_OBJECT();
	RfmWindowState *st;
	int			score[3];
	int			d,
				s;

	st = WinGetPartitionLocalMemory(winobj, sizeof(RfmWindowState));
	if (!st->computed)
	{
		rfm_window_compute(fcinfo, winobj, st, WinGetPartitionRowCount(winobj), per_dimension);
		st->computed = true;
	}
	for (d = 0; d < 3; d++)
	{
		bool		isnull;
		Datum		v = WinGetFuncArgCurrent(winobj, d, &isnull);
		uint64		key;

		if (isnull)
			PG_RETURN_NULL();
		key = rfm_window_key(d, v);
		score[d] = 1;
		for (s = 2; s <= st->bins[d]; s++)
			if (key > st->thresholds[d][s - 2])
				score[d] = s;
	}
	PG_RETURN_RFM(rfm_pack(score[0], score[1], score[2], st->bins[0], st->bins[1], st->bins[2]));
}

/* rfm_score(last_purchase, frequency, monetary [, bins integer]) OVER (...) */
PG_FUNCTION_INFO_V1(rfm_score_window);
Datum
rfm_score_window(PG_FUNCTION_ARGS)
{
	return rfm_score_window_common(fcinfo, false);
}

/* rfm_score(last_purchase, frequency, monetary, bins integer[]) OVER (...) */
PG_FUNCTION_INFO_V1(rfm_score_window_scales);
Datum
rfm_score_window_scales(PG_FUNCTION_ARGS)
{
	return rfm_score_window_common(fcinfo, true);
}

/* ---------------------------------------------------------------------
 * The model
 * ---------------------------------------------------------------------
 */

/*
 * Format version 2 (0.2.0) has a scale per dimension (bins[]); version 1
 * (0.1.0) had one (bins_v1), in the same layout otherwise, where version 2
 * has bins[] in a word version 1 kept zero.  Version 1 values are
 * converted when read (rfm_model_detoast), so the code below sees version
 * 2 only.
 */
#define RFM_MODEL_VERSION 2
#define RFM_MODEL_VERSION_1 1
#define RFM_MODEL_MAX_VALUES 4096	/* distinct keys kept per dimension */
#define RFM_NDIMS 3

static const char *const rfm_dim_names[RFM_NDIMS] = {"recency", "frequency", "monetary"};
static const char rfm_dim_letters[RFM_NDIMS] = {'r', 'f', 'm'};

typedef struct RfmModelEntry
{
	uint64		key;			/* the value's key >> shift */
	int64		count;
} RfmModelEntry;

typedef struct RfmModel
{
	int32		vl_len_;
	uint8		version;
	uint8		bins_v1;		/* version 1: the bins of all dimensions; 0 */
	uint8		thresholds_valid;	/* thresholds[] match the entries */
	uint8		shift[RFM_NDIMS];
	uint16		unused;
	int32		capacity;		/* room for entries, per dimension */
	int32		nvalues[RFM_NDIMS];
	uint8		bins[RFM_NDIMS];	/* version 2: the scale of each dimension */
	uint8		unused2;
	int64		n;				/* population size */
	/* t_s for s = 2..bins[d] at [s - 2]: score >= s iff key >> shift > t_s */
	uint64		thresholds[RFM_NDIMS][RFM_MAX_BINS - 1];
	RfmModelEntry entries[FLEXIBLE_ARRAY_MEMBER];	/* dimension d from d * capacity */
} RfmModel;

#define RFM_MODEL_SIZE(capacity) \
	(offsetof(RfmModel, entries) + sizeof(RfmModelEntry) * RFM_NDIMS * (Size) (capacity))
#define RFM_MODEL_ENTRIES(model, d) (&(model)->entries[(Size) (d) * (model)->capacity])
#define PG_GETARG_RFM_MODEL_P(n) rfm_model_detoast(PG_GETARG_DATUM(n))
#define RFM_MODEL_HEADER_SIZE offsetof(RfmModel, entries)

/*
 * Convert a version 1 header to version 2 in place: bins_v1 becomes the
 * scale of every dimension.  Raises the version error for an unknown
 * version.
 */
static void
rfm_model_upgrade_header(RfmModel *model)
{
	int			d;

	if (model->version == RFM_MODEL_VERSION)
		return;
	if (model->version != RFM_MODEL_VERSION_1)
		journey_unsupported_version(JOURNEY_FROM_STATE, model->version, "rfm_model");
	for (d = 0; d < RFM_NDIMS; d++)
		model->bins[d] = model->bins_v1;
	model->bins_v1 = 0;
	model->unused2 = 0;
	model->version = RFM_MODEL_VERSION;
}

/*
 * A model argument, detoasted, as version 2: a version 1 value (stored by
 * 0.1.0) is converted in a copy, a version 2 value is used as it is.
 */
static RfmModel *
rfm_model_detoast(Datum datum)
{
	RfmModel   *model = (RfmModel *) PG_DETOAST_DATUM(datum);

	if (VARSIZE(model) < RFM_MODEL_HEADER_SIZE)
		journey_invalid_value(JOURNEY_FROM_STATE, "rfm_model", "The value is truncated.");
	if (model->version != RFM_MODEL_VERSION)
	{
		if ((Pointer) model == DatumGetPointer(datum))
		{
			RfmModel   *copy = palloc(VARSIZE(model));

			memcpy(copy, model, VARSIZE(model));
			model = copy;
		}
		rfm_model_upgrade_header(model);
	}
	return model;
}

static RfmModel *
rfm_model_alloc(const int *bins, int capacity)
{
	RfmModel   *model = palloc0(RFM_MODEL_SIZE(capacity));
	int			d;

	SET_VARSIZE(model, RFM_MODEL_SIZE(capacity));
	model->version = RFM_MODEL_VERSION;
	for (d = 0; d < RFM_NDIMS; d++)
		model->bins[d] = (uint8) bins[d];
	model->capacity = capacity;
	return model;
}

/* The scales of a model as ints. */
static void
rfm_model_scales(const RfmModel *model, int *bins)
{
	int			d;

	for (d = 0; d < RFM_NDIMS; d++)
		bins[d] = model->bins[d];
}

/* A copy of model with room for capacity entries per dimension. */
static RfmModel *
rfm_model_resize(const RfmModel *model, int capacity)
{
	int			bins[RFM_NDIMS];
	RfmModel   *result;
	int			d;

	rfm_model_scales(model, bins);
	result = rfm_model_alloc(bins, capacity);

	Assert(capacity >= model->nvalues[0] && capacity >= model->nvalues[1] &&
		   capacity >= model->nvalues[2]);
	memcpy(VARDATA(result), VARDATA(model), offsetof(RfmModel, entries) - VARHDRSZ);
	SET_VARSIZE(result, RFM_MODEL_SIZE(capacity));
	result->capacity = capacity;
	for (d = 0; d < RFM_NDIMS; d++)
		memcpy(RFM_MODEL_ENTRIES(result, d), RFM_MODEL_ENTRIES(model, d),
			   sizeof(RfmModelEntry) * model->nvalues[d]);
	return result;
}

/*
 * Drop one more low bit of dimension d's keys, merging entries that
 * become equal, until at most RFM_MODEL_MAX_VALUES remain.
 */
static void
rfm_model_coarsen(RfmModel *model, int d)
{
	RfmModelEntry *e = RFM_MODEL_ENTRIES(model, d);

	while (model->nvalues[d] > RFM_MODEL_MAX_VALUES)
	{
		int			i,
					out = 0;

		model->shift[d]++;
		for (i = 0; i < model->nvalues[d]; i++)
		{
			uint64		key = e[i].key >> 1;

			if (out > 0 && e[out - 1].key == key)
				e[out - 1].count += e[i].count;
			else
			{
				e[out].key = key;
				e[out].count = e[i].count;
				out++;
			}
		}
		model->nvalues[d] = out;
	}
}

/* Index of the first entry of dimension d with key >= key. */
static int
rfm_model_lower_bound(const RfmModel *model, int d, uint64 key)
{
	const RfmModelEntry *e = RFM_MODEL_ENTRIES(model, d);
	int			lo = 0,
				hi = model->nvalues[d];

	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (e[mid].key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void
rfm_model_count_overflow(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("rfm_model population size out of range")));
}

/*
 * Add one customer's keys; in place when there is room, otherwise returns
 * a larger copy in the current memory context.
 */
static RfmModel *
rfm_model_add_keys(RfmModel *model, const uint64 *keys)
{
	int			d;

	for (d = 0; d < RFM_NDIMS; d++)
	{
		uint64		key = keys[d] >> model->shift[d];
		int			pos = rfm_model_lower_bound(model, d, key);
		RfmModelEntry *e = RFM_MODEL_ENTRIES(model, d);

		if (pos < model->nvalues[d] && e[pos].key == key)
		{
			e[pos].count++;
			continue;
		}
		if (model->nvalues[d] == model->capacity)
		{
			model = rfm_model_resize(model, Min(model->capacity * 2, RFM_MODEL_MAX_VALUES + 1));
			e = RFM_MODEL_ENTRIES(model, d);
		}
		memmove(&e[pos + 1], &e[pos], sizeof(RfmModelEntry) * (model->nvalues[d] - pos));
		e[pos].key = key;
		e[pos].count = 1;
		model->nvalues[d]++;
		rfm_model_coarsen(model, d);
	}
	if (pg_add_s64_overflow(model->n, 1, &model->n))
		rfm_model_count_overflow();
	model->thresholds_valid = 0;
	return model;
}

/* Fill in the thresholds from the entries. */
static void
rfm_model_compute_thresholds(RfmModel *model)
{
	int			d,
				s;

	for (d = 0; d < RFM_NDIMS; d++)
	{
		const RfmModelEntry *e = RFM_MODEL_ENTRIES(model, d);
		int			i = 0;
		int64		cum = e[0].count;

		for (s = 2; s <= model->bins[d]; s++)
		{
			/* t_s is the k-th smallest key, k = ceil((s - 1) n / bins) >= 1 */
			int128		k = ((int128) (s - 1) * model->n + model->bins[d] - 1) / model->bins[d];

			while (cum < k && i + 1 < model->nvalues[d])
				cum += e[++i].count;
			model->thresholds[d][s - 2] = e[i].key;
		}
	}
	model->thresholds_valid = 1;
}

/* The model's score of a key on dimension d (thresholds must be valid). */
static inline int
rfm_model_score_key(const RfmModel *model, int d, uint64 key)
{
	uint64		q = key >> model->shift[d];
	int			score = 1;
	int			s;

	for (s = 2; s <= model->bins[d]; s++)
		if (model->thresholds[d][s - 2] < q)
			score = s;
	return score;
}

/*
 * The key in bucket q (of dimension d at shift) that stands for it in the
 * text form: the lowest valid value.  For doubles, keys below -Infinity
 * and between +Infinity and NaN are not values.
 */
static uint64
rfm_model_bucket_low(int d, int shift, uint64 q)
{
	uint64		lo = shift >= 64 ? 0 : q << shift;

	if (d == 0)
		return lo;
	if (lo < RFM_KEY_NEG_INF)
		return RFM_KEY_NEG_INF;
	if (lo > RFM_KEY_POS_INF)
		return RFM_KEY_NAN;
	return lo;
}

/* The highest valid key in bucket q, for the thresholds' bounds. */
static uint64
rfm_model_bucket_high(int d, int shift, uint64 q)
{
	uint64		hi = (q << shift) | ((UINT64CONST(1) << shift) - 1);

	if (d == 0)
		return hi;
	if (hi >= RFM_KEY_NAN)
		return RFM_KEY_NAN;
	if (hi > RFM_KEY_POS_INF)
		return RFM_KEY_POS_INF;
	return hi;
}

/* Whether bucket q holds a value that the inputs can produce. */
static bool
rfm_model_bucket_valid(int d, int shift, uint64 q)
{
	uint64		low = rfm_model_bucket_low(d, shift, q);

	return (low >> shift) == q && (d == 0 || rfm_key_double(rfm_double_of_key(low)) == low);
}

/*
 * Check everything a model read from text or binary claims, and compute
 * its thresholds.  `origin` gives the SQLSTATE.
 */
static void
rfm_model_validate(RfmModel *model, JourneyOrigin origin)
{
	int			d,
				i;
	const char *problem = NULL;

	for (d = 0; d < RFM_NDIMS && problem == NULL; d++)
		if (model->bins[d] < RFM_MIN_BINS || model->bins[d] > RFM_MAX_BINS)
			problem = psprintf("The %s bins is %d; it must be between %d and %d.", rfm_dim_names[d],
							   model->bins[d], RFM_MIN_BINS, RFM_MAX_BINS);
	if (problem == NULL && model->n < 1)
		problem = "The population is empty.";
	for (d = 0; d < RFM_NDIMS && problem == NULL; d++)
	{
		const RfmModelEntry *e = RFM_MODEL_ENTRIES(model, d);
		int64		total = 0;

		if (model->shift[d] > 63)
			problem = psprintf("The %s shift is %d; it must be at most 63.", rfm_dim_names[d], model->shift[d]);
		else if (model->nvalues[d] < 1 || model->nvalues[d] > RFM_MODEL_MAX_VALUES)
			problem = psprintf("The %s dimension has %d values; it must have 1 to %d.",
							   rfm_dim_names[d], model->nvalues[d], RFM_MODEL_MAX_VALUES);
		for (i = 0; i < model->nvalues[d] && problem == NULL; i++)
		{
			if (i > 0 && e[i].key <= e[i - 1].key)
				problem = psprintf("The %s values are not in increasing order.", rfm_dim_names[d]);
			else if (model->shift[d] > 0 && e[i].key > (PG_UINT64_MAX >> model->shift[d]))
				problem = psprintf("A %s value is out of range for its shift.", rfm_dim_names[d]);
			else if (!rfm_model_bucket_valid(d, model->shift[d], e[i].key))
				problem = psprintf("A %s value is not a canonical number (NaN payloads and negative zero are never stored).", rfm_dim_names[d]);
			else if (e[i].count < 1)
				problem = psprintf("A %s count is not positive.", rfm_dim_names[d]);
			else if (pg_add_s64_overflow(total, e[i].count, &total))
				problem = psprintf("The %s counts overflow.", rfm_dim_names[d]);
		}
		if (problem == NULL && total != model->n)
			problem = psprintf("The %s counts add up to %lld, not n = %lld.", rfm_dim_names[d],
							   (long long) total, (long long) model->n);
	}
	if (problem != NULL)
		journey_invalid_value(origin, "rfm_model", "%s", problem);
	rfm_model_compute_thresholds(model);
}

/* Append the text form of the value a key stands for. */
static void
rfm_model_append_value(StringInfo buf, int d, uint64 key)
{
	if (d == 0)
		appendStringInfo(buf, "%lld", (long long) rfm_timestamp_of_key(key));
	else
	{
		char		num[DOUBLE_SHORTEST_DECIMAL_LEN];

		double_to_shortest_decimal_buf(rfm_double_of_key(key), num);
		appendStringInfoString(buf, num);
	}
}

/*
 * Text form: version, bins (one number, or the recency, frequency and
 * monetary bins when they differ), population size, then per dimension
 * its shift and its values in increasing order with their counts
 * (omitted when 1).  Recency values are microseconds since 2000-01-01
 * 00:00 UTC (PostgreSQL's epoch), the others shortest exact decimals:
 *   v2 bins=5 n=3 r=0:-86400000000,0*2 f=0:1,2*2 m=0:9.5*3
 *   v2 bins=5,3,4 n=3 r=0:-86400000000,0*2 f=0:1,2*2 m=0:9.5*3
 * Input also reads version 1 (0.1.0: "v1 bins=5 ...", one scale).
 */
PG_FUNCTION_INFO_V1(rfm_model_out);
Datum
rfm_model_out(PG_FUNCTION_ARGS)
{
	RfmModel   *model = PG_GETARG_RFM_MODEL_P(0);
	StringInfoData buf;
	int			d,
				i;

	initStringInfo(&buf);
	appendStringInfo(&buf, "v%d bins=%d", model->version, model->bins[0]);
	if (model->bins[1] != model->bins[0] || model->bins[2] != model->bins[0])
		appendStringInfo(&buf, ",%d,%d", model->bins[1], model->bins[2]);
	appendStringInfo(&buf, " n=%lld", (long long) model->n);
	for (d = 0; d < RFM_NDIMS; d++)
	{
		const RfmModelEntry *e = RFM_MODEL_ENTRIES(model, d);

		appendStringInfo(&buf, " %c=%d:", rfm_dim_letters[d], model->shift[d]);
		for (i = 0; i < model->nvalues[d]; i++)
		{
			if (i > 0)
				appendStringInfoChar(&buf, ',');
			rfm_model_append_value(&buf, d, rfm_model_bucket_low(d, model->shift[d], e[i].key));
			if (e[i].count != 1)
				appendStringInfo(&buf, "*%lld", (long long) e[i].count);
		}
	}
	PG_RETURN_CSTRING(buf.data);
}

static void
rfm_model_syntax_error(const char *input, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type rfm_model: \"%s\"", input),
			 errdetail("%s", detail),
			 errhint("rfm_model values are made by the rfm_model aggregate; their text form looks like "
					 "\"v2 bins=5 n=2 r=0:0,86400000000 f=0:1*2 m=0:9.5,20\" or, with a scale per dimension, "
					 "\"v2 bins=5,3,4 n=2 ...\".")));
}

/* A decimal integer at *pos (strtoll rules, no spaces), advancing past it. */
static int64
rfm_model_parse_int(const char *input, const char **pos, const char *what)
{
	char	   *end;
	long long	v;

	if (!((**pos >= '0' && **pos <= '9') || **pos == '-'))
		rfm_model_syntax_error(input, psprintf("Expected an integer for %s.", what));
	errno = 0;
	v = strtoll(*pos, &end, 10);
	if (errno == ERANGE || end == *pos)
		rfm_model_syntax_error(input, psprintf("The %s is out of range.", what));
	*pos = end;
	return (int64) v;
}

static void
rfm_model_expect(const char *input, const char **pos, const char *token)
{
	size_t		len = strlen(token);

	if (strncmp(*pos, token, len) != 0)
		rfm_model_syntax_error(input, psprintf("Expected \"%s\".", token));
	*pos += len;
}

PG_FUNCTION_INFO_V1(rfm_model_in);
Datum
rfm_model_in(PG_FUNCTION_ARGS)
{
	const char *input = PG_GETARG_CSTRING(0);
	const char *p = input;
	int64		version,
				n;
	int			bins[RFM_NDIMS];
	RfmModel   *model;
	int			d;

	rfm_model_expect(input, &p, "v");
	version = rfm_model_parse_int(input, &p, "version");
	if (version != RFM_MODEL_VERSION && version != RFM_MODEL_VERSION_1)
		journey_unsupported_version(JOURNEY_FROM_TEXT, version, "rfm_model");
	rfm_model_expect(input, &p, " bins=");
	for (d = 0; d < RFM_NDIMS; d++)
	{
		int64		b;

		if (d > 0 && (*p != ',' || version == RFM_MODEL_VERSION_1))
		{
			bins[1] = bins[2] = bins[0];
			break;
		}
		if (d > 0)
			p++;
		b = rfm_model_parse_int(input, &p, "bins");
		if (b < RFM_MIN_BINS || b > RFM_MAX_BINS)
			rfm_model_syntax_error(input, "Bins must be between 2 and 9.");
		bins[d] = (int) b;
	}
	if (d == 2)
		rfm_model_syntax_error(input, "Bins is one number or three (recency, frequency, monetary).");
	rfm_model_expect(input, &p, " n=");
	n = rfm_model_parse_int(input, &p, "population size");

	model = rfm_model_alloc(bins, RFM_MODEL_MAX_VALUES);
	model->n = n;
	for (d = 0; d < RFM_NDIMS; d++)
	{
		RfmModelEntry *e = RFM_MODEL_ENTRIES(model, d);
		char		head[4] = {' ', rfm_dim_letters[d], '=', '\0'};
		int64		shift;

		rfm_model_expect(input, &p, head);
		shift = rfm_model_parse_int(input, &p, "shift");
		if (shift < 0 || shift > 63)
			rfm_model_syntax_error(input, "A shift must be between 0 and 63.");
		model->shift[d] = (uint8) shift;
		rfm_model_expect(input, &p, ":");
		for (;;)
		{
			uint64		key;
			int64		count = 1;

			if (model->nvalues[d] == RFM_MODEL_MAX_VALUES)
				rfm_model_syntax_error(input, psprintf("A dimension holds at most %d values.", RFM_MODEL_MAX_VALUES));
			if (d == 0)
				key = rfm_key_timestamp(rfm_model_parse_int(input, &p, "recency value"));
			else
			{
				char	   *end;
				double		x;

				errno = 0;
				x = strtod(p, &end);
				if (end == p || isspace((unsigned char) *p) || (errno == ERANGE && isinf(x)))
					rfm_model_syntax_error(input, psprintf("Expected a number for a %s value.", rfm_dim_names[d]));
				p = end;
				key = rfm_key_double(x);
			}
			if (*p == '*')
			{
				p++;
				count = rfm_model_parse_int(input, &p, "count");
			}
			e[model->nvalues[d]].key = key >> shift;
			e[model->nvalues[d]].count = count;
			model->nvalues[d]++;
			if (*p != ',')
				break;
			p++;
		}
	}
	if (*p != '\0')
		rfm_model_syntax_error(input, "Unexpected characters at the end.");
	rfm_model_validate(model, JOURNEY_FROM_TEXT);
	PG_RETURN_POINTER(rfm_model_resize(model, Max(Max(model->nvalues[0], model->nvalues[1]), model->nvalues[2])));
}

/*
 * Binary form: version, the three bins (version 1: one), n, then per
 * dimension shift, count, (key, count)s.
 */
PG_FUNCTION_INFO_V1(rfm_model_send);
Datum
rfm_model_send(PG_FUNCTION_ARGS)
{
	RfmModel   *model = PG_GETARG_RFM_MODEL_P(0);
	StringInfoData buf;
	int			d,
				i;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, model->version);
	for (d = 0; d < RFM_NDIMS; d++)
		pq_sendbyte(&buf, model->bins[d]);
	pq_sendint64(&buf, model->n);
	for (d = 0; d < RFM_NDIMS; d++)
	{
		const RfmModelEntry *e = RFM_MODEL_ENTRIES(model, d);

		pq_sendbyte(&buf, model->shift[d]);
		pq_sendint32(&buf, model->nvalues[d]);
		for (i = 0; i < model->nvalues[d]; i++)
		{
			pq_sendint64(&buf, (int64) e[i].key);
			pq_sendint64(&buf, e[i].count);
		}
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(rfm_model_recv);
Datum
rfm_model_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			version = journey_recv_uint8(buf, "rfm_model");
	int			bins[RFM_NDIMS];
	RfmModel   *model;
	int			d,
				i;

	if (version != RFM_MODEL_VERSION && version != RFM_MODEL_VERSION_1)
		journey_unsupported_version(JOURNEY_FROM_BINARY, version, "rfm_model");
	bins[0] = journey_recv_uint8(buf, "rfm_model");
	for (d = 1; d < RFM_NDIMS; d++)
		bins[d] = version == RFM_MODEL_VERSION_1 ? bins[0] : journey_recv_uint8(buf, "rfm_model");
	model = rfm_model_alloc(bins, RFM_MODEL_MAX_VALUES);
	model->n = journey_recv_int64(buf, "rfm_model");
	for (d = 0; d < RFM_NDIMS; d++)
	{
		RfmModelEntry *e = RFM_MODEL_ENTRIES(model, d);
		int32		nvalues;

		model->shift[d] = (uint8) journey_recv_uint8(buf, "rfm_model");
		nvalues = journey_recv_int32(buf, "rfm_model");
		if (nvalues < 1 || nvalues > RFM_MODEL_MAX_VALUES)
			journey_invalid_value(JOURNEY_FROM_BINARY, "rfm_model",
								  "The %s dimension claims %d values; it must have 1 to %d.",
								  rfm_dim_names[d], nvalues, RFM_MODEL_MAX_VALUES);
		model->nvalues[d] = nvalues;
		for (i = 0; i < nvalues; i++)
		{
			e[i].key = (uint64) journey_recv_int64(buf, "rfm_model");
			e[i].count = journey_recv_int64(buf, "rfm_model");
		}
	}
	journey_recv_done(buf, "rfm_model");
	rfm_model_validate(model, JOURNEY_FROM_BINARY);
	PG_RETURN_POINTER(rfm_model_resize(model, Max(Max(model->nvalues[0], model->nvalues[1]), model->nvalues[2])));
}

/* bins as the messages show them: "5" or "{5,3,4}" */
static char *
rfm_model_bins_text(const int *bins)
{
	if (bins[0] == bins[1] && bins[1] == bins[2])
		return psprintf("%d", bins[0]);
	return psprintf("{%d,%d,%d}", bins[0], bins[1], bins[2]);
}

/*
 * rfm_model's transition: add one customer.  NULL values skip the row (as
 * in the window form); a NULL or out-of-range bins, or bins that change
 * between rows, is an error.  Updates the state in place when called as an
 * aggregate.  The bins argument (argument 4) is an integer, or an
 * integer[] of three scales when per_dimension.
 */
static Datum
rfm_model_add_common(FunctionCallInfo fcinfo, bool per_dimension)
{
	int			bins[RFM_NDIMS] = {RFM_DEFAULT_BINS, RFM_DEFAULT_BINS, RFM_DEFAULT_BINS};
	RfmModel   *model;
	uint64		keys[RFM_NDIMS];

	if (per_dimension)
		rfm_scales_of_array(PG_ARGISNULL(4) ? NULL : PG_GETARG_ARRAYTYPE_P(4), PG_ARGISNULL(4), bins);
	else if (PG_NARGS() > 4)
	{
		rfm_check_bins(PG_ARGISNULL(4) ? 0 : PG_GETARG_INT32(4), PG_ARGISNULL(4));
		bins[0] = bins[1] = bins[2] = PG_GETARG_INT32(4);
	}
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	keys[0] = rfm_key_timestamp(PG_GETARG_TIMESTAMPTZ(1));
	keys[1] = rfm_key_double(PG_GETARG_FLOAT8(2));
	keys[2] = rfm_key_double(PG_GETARG_FLOAT8(3));

	if (PG_ARGISNULL(0))
		model = rfm_model_alloc(bins, 16);	/* the executor copies it */
	else
	{
		int			have[RFM_NDIMS];

		model = (RfmModel *) journey_writable_arg(fcinfo, 0);
		rfm_model_upgrade_header(model);	/* a version 1 value passed by hand */
		rfm_model_scales(model, have);
		if (memcmp(have, bins, sizeof(bins)) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("bins must be the same for every row of an rfm_model"),
					 errdetail("A row has bins %s, the model %s.", rfm_model_bins_text(bins),
							   rfm_model_bins_text(have))));
	}
	PG_RETURN_POINTER(rfm_model_add_keys(model, keys));
}

PG_FUNCTION_INFO_V1(rfm_model_add);
Datum
rfm_model_add(PG_FUNCTION_ARGS)
{
	return rfm_model_add_common(fcinfo, false);
}

/* rfm_model(last_purchase, frequency, monetary, bins integer[])'s transition */
PG_FUNCTION_INFO_V1(rfm_model_add_scales);
Datum
rfm_model_add_scales(PG_FUNCTION_ARGS)
{
	return rfm_model_add_common(fcinfo, true);
}

/*
 * Merge two models of the same bins: rfm_model's combine function.
 * Returns a new model; neither input changes.
 */
PG_FUNCTION_INFO_V1(rfm_model_merge);
Datum
rfm_model_merge(PG_FUNCTION_ARGS)
{
	RfmModel   *a = PG_GETARG_RFM_MODEL_P(0);
	RfmModel   *b = PG_GETARG_RFM_MODEL_P(1);
	RfmModel   *result;
	int			d;
	int			abins[RFM_NDIMS],
				bbins[RFM_NDIMS];

	rfm_model_scales(a, abins);
	rfm_model_scales(b, bbins);
	if (memcmp(abins, bbins, sizeof(abins)) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot merge rfm_model values with different bins"),
				 errdetail("One has bins %s, the other %s.", rfm_model_bins_text(abins),
						   rfm_model_bins_text(bbins))));
	result = rfm_model_alloc(abins, Max(Max(a->capacity, b->capacity),
										  Min(Max(Max(a->nvalues[0] + b->nvalues[0], a->nvalues[1] + b->nvalues[1]),
												  a->nvalues[2] + b->nvalues[2]),
											  2 * RFM_MODEL_MAX_VALUES)));
	if (pg_add_s64_overflow(a->n, b->n, &result->n))
		rfm_model_count_overflow();
	for (d = 0; d < RFM_NDIMS; d++)
	{
		const RfmModelEntry *ea = RFM_MODEL_ENTRIES(a, d);
		const RfmModelEntry *eb = RFM_MODEL_ENTRIES(b, d);
		RfmModelEntry *out = RFM_MODEL_ENTRIES(result, d);
		int			shift = Max(a->shift[d], b->shift[d]);
		int			sa = shift - a->shift[d],
					sb = shift - b->shift[d];
		int			i = 0,
					j = 0,
					k = 0;

		result->shift[d] = (uint8) shift;
		while (i < a->nvalues[d] || j < b->nvalues[d])
		{
			uint64		ka = i < a->nvalues[d] ? ea[i].key >> sa : PG_UINT64_MAX;
			uint64		kb = j < b->nvalues[d] ? eb[j].key >> sb : PG_UINT64_MAX;
			bool		take_a = i < a->nvalues[d] && (j >= b->nvalues[d] || ka <= kb);
			uint64		key = take_a ? ka : kb;
			int64		count = take_a ? ea[i++].count : eb[j++].count;

			if (k > 0 && out[k - 1].key == key)
				out[k - 1].count += count;
			else
			{
				out[k].key = key;
				out[k].count = count;
				k++;
			}
		}
		result->nvalues[d] = k;
		rfm_model_coarsen(result, d);
	}
	PG_RETURN_POINTER(result);
}

/* rfm_model's final function: a compact copy with the thresholds. */
PG_FUNCTION_INFO_V1(rfm_model_final);
Datum
rfm_model_final(PG_FUNCTION_ARGS)
{
	RfmModel   *model;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	model = PG_GETARG_RFM_MODEL_P(0);
	model = rfm_model_resize(model, Max(Max(model->nvalues[0], model->nvalues[1]), model->nvalues[2]));
	rfm_model_compute_thresholds(model);
	PG_RETURN_POINTER(model);
}

/* A model with valid thresholds: model itself, or a scored copy. */
static RfmModel *
rfm_model_ready(RfmModel *model)
{
	if (!model->thresholds_valid)
	{
		model = rfm_model_resize(model, model->capacity);
		rfm_model_compute_thresholds(model);
	}
	return model;
}

/*
 * What rfm_score(model, ...) keeps between calls: the header of the last
 * model (bins, shifts and thresholds are all that scoring reads) and, when
 * the model came as a TOAST pointer, that pointer, so that a model read
 * from a table is neither fetched nor decompressed again for every row.
 */
typedef struct RfmScoreCache
{
	Size		rawlen;			/* length of raw, 0 when not a TOAST pointer */
	char		raw[32];
	union
	{
		RfmModel	model;
		char		bytes[RFM_MODEL_HEADER_SIZE];
	}			header;
} RfmScoreCache;

static const RfmModel *
rfm_model_scorer(FunctionCallInfo fcinfo)
{
	RfmScoreCache *cache = (RfmScoreCache *) fcinfo->flinfo->fn_extra;
	struct varlena *raw = (struct varlena *) DatumGetPointer(PG_GETARG_DATUM(0));
	const RfmModel *header;
	union
	{
		RfmModel	model;
		char		bytes[RFM_MODEL_HEADER_SIZE];
	}			upgraded;

	if (VARATT_IS_EXTERNAL(raw))
	{
		Size		len = VARSIZE_EXTERNAL(raw);

		if (cache != NULL && cache->rawlen == len && memcmp(cache->raw, raw, len) == 0)
			return &cache->header.model;
		header = (RfmModel *) PG_DETOAST_DATUM_SLICE(PG_GETARG_DATUM(0), 0, RFM_MODEL_HEADER_SIZE);
	}
	else if (VARATT_IS_EXTENDED(raw))
		header = (RfmModel *) PG_DETOAST_DATUM(PG_GETARG_DATUM(0));
	else
		header = (RfmModel *) raw;
	if (VARSIZE(header) < RFM_MODEL_HEADER_SIZE)
		journey_invalid_value(JOURNEY_FROM_STATE, "rfm_model", "The value is truncated.");
	if (header->version != RFM_MODEL_VERSION)
	{
		/* a version 1 value: its header converted */
		memcpy(upgraded.bytes, header, RFM_MODEL_HEADER_SIZE);
		rfm_model_upgrade_header(&upgraded.model);
		header = &upgraded.model;
	}
	if (cache != NULL && memcmp(cache->header.bytes + VARHDRSZ, (const char *) header + VARHDRSZ,
								RFM_MODEL_HEADER_SIZE - VARHDRSZ) == 0 && header->thresholds_valid)
		return &cache->header.model;
	if (!header->thresholds_valid)
		header = rfm_model_ready(PG_GETARG_RFM_MODEL_P(0));
	if (cache == NULL)
		fcinfo->flinfo->fn_extra = cache = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(RfmScoreCache));
	memcpy(cache->header.bytes, header, RFM_MODEL_HEADER_SIZE);
	cache->rawlen = 0;
	if (VARATT_IS_EXTERNAL(raw) && VARSIZE_EXTERNAL(raw) <= sizeof(cache->raw))
	{
		cache->rawlen = VARSIZE_EXTERNAL(raw);
		memcpy(cache->raw, raw, cache->rawlen);
	}
	return &cache->header.model;
}

/*
 * rfm_score(model, last_purchase, frequency, monetary): scores against
 * the model's population.  NULL model is an error; a NULL value gives NULL.
 */
PG_FUNCTION_INFO_V1(rfm_model_score);
Datum
rfm_model_score(PG_FUNCTION_ARGS)
{
	const RfmModel *model;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("rfm model must not be null")));
	model = rfm_model_scorer(fcinfo);
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
		PG_RETURN_NULL();
	PG_RETURN_RFM(rfm_pack(rfm_model_score_key(model, 0, rfm_key_timestamp(PG_GETARG_TIMESTAMPTZ(1))),
						   rfm_model_score_key(model, 1, rfm_key_double(PG_GETARG_FLOAT8(2))),
						   rfm_model_score_key(model, 2, rfm_key_double(PG_GETARG_FLOAT8(3))),
						   model->bins[0], model->bins[1], model->bins[2]));
}

/* The common bins of the three dimensions; NULL when they differ. */
PG_FUNCTION_INFO_V1(rfm_model_bins);
Datum
rfm_model_bins(PG_FUNCTION_ARGS)
{
	RfmModel   *model = PG_GETARG_RFM_MODEL_P(0);

	if (model->bins[1] != model->bins[0] || model->bins[2] != model->bins[0])
		PG_RETURN_NULL();
	PG_RETURN_INT32(model->bins[0]);
}

/* The recency, frequency and monetary bins as an integer[3]. */
PG_FUNCTION_INFO_V1(rfm_model_scales_array);
Datum
rfm_model_scales_array(PG_FUNCTION_ARGS)
{
	RfmModel   *model = PG_GETARG_RFM_MODEL_P(0);
	Datum		elems[RFM_NDIMS];
	int			d;

	for (d = 0; d < RFM_NDIMS; d++)
		elems[d] = Int32GetDatum(model->bins[d]);
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, RFM_NDIMS, INT4OID, sizeof(int32), true, TYPALIGN_INT));
}

PG_FUNCTION_INFO_V1(rfm_model_n);
Datum
rfm_model_n(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(PG_GETARG_RFM_MODEL_P(0)->n);
}

/* Whether every dimension still holds the exact values (shift 0). */
PG_FUNCTION_INFO_V1(rfm_model_is_exact);
Datum
rfm_model_is_exact(PG_FUNCTION_ARGS)
{
	RfmModel   *model = PG_GETARG_RFM_MODEL_P(0);

	PG_RETURN_BOOL(model->shift[0] == 0 && model->shift[1] == 0 && model->shift[2] == 0);
}

/* A timestamp key as a valid timestamptz (clamped to ±infinity). */
static Datum
rfm_key_timestamptz_datum(uint64 key)
{
	TimestampTz ts = rfm_timestamp_of_key(key);

	if (!TIMESTAMP_NOT_FINITE(ts) && !IS_VALID_TIMESTAMP(ts))
		ts = ts < 0 ? DT_NOBEGIN : DT_NOEND;
	return TimestampTzGetDatum(ts);
}

/*
 * rfm_thresholds(model): per dimension and score, the customers of the
 * population with that score and the range of values that get it:
 * lower < value <= upper (NULL = unbounded).  Recency bounds are in
 * lower_time/upper_time, the others in lower/upper.
 */
PG_FUNCTION_INFO_V1(rfm_model_thresholds);
Datum
rfm_model_thresholds(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	RfmModel   *model = rfm_model_ready(PG_GETARG_RFM_MODEL_P(0));
	int			d,
				s;

	journey_init_srf(fcinfo);
	for (d = 0; d < RFM_NDIMS; d++)
	{
		const RfmModelEntry *e = RFM_MODEL_ENTRIES(model, d);
		int			i = 0;

		for (s = 1; s <= model->bins[d]; s++)
		{
			Datum		values[7];
			bool		nulls[7] = {false, false, false, true, true, true, true};
			int64		customers = 0;
			bool		has_lower = s > 1,
						has_upper = s < model->bins[d];

			/* entries with t_s < key <= t_{s+1} */
			while (i < model->nvalues[d] &&
				   (!has_upper || e[i].key <= model->thresholds[d][s - 1]))
				customers += e[i++].count;
			values[0] = CStringGetTextDatum(rfm_dim_names[d]);
			values[1] = Int32GetDatum(s);
			values[2] = Int64GetDatum(customers);
			if (has_lower)
			{
				uint64		k = rfm_model_bucket_high(d, model->shift[d], model->thresholds[d][s - 2]);

				nulls[d == 0 ? 5 : 3] = false;
				values[d == 0 ? 5 : 3] = d == 0 ? rfm_key_timestamptz_datum(k) : Float8GetDatum(rfm_double_of_key(k));
			}
			if (has_upper)
			{
				uint64		k = rfm_model_bucket_high(d, model->shift[d], model->thresholds[d][s - 1]);

				nulls[d == 0 ? 6 : 4] = false;
				values[d == 0 ? 6 : 4] = d == 0 ? rfm_key_timestamptz_datum(k) : Float8GetDatum(rfm_double_of_key(k));
			}
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	}
	return (Datum) 0;
}
