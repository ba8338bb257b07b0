/*
 * drivers.c — conversion drivers: the `drivers` type (customers and
 * conversions in total and per feature), driver_agg, rollup(drivers) and
 * driver_report (odds ratio with Woolf's interval, phi, and a p-value from
 * Fisher's exact test or Pearson's chi-square test).
 *
 * A driver is a correlation: customers who have a feature convert more or
 * less often than those who do not.  It says nothing of cause; an
 * experiment (experiment.c) does.
 *
 * The state is a concrete varlena updated in place: a header, the features
 * sorted by name (byte order), then the names.  A new feature rebuilds the
 * value (rare: once per distinct feature).
 */
#include "journey.h"
#include "experiment.h"
#include "stats_math.h"

#include "catalog/pg_type.h"
#include "common/int.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"

#define DRV_VERSION 1
#define DRV_MAX_FEATURES 10000

typedef struct DrvFeature
{
	int64		with;			/* customers with the feature */
	int64		conv;			/* ... of whom converted */
	int32		name_off;
	int32		name_len;
} DrvFeature;

typedef struct Drivers
{
	int32		vl_len_;
	uint8		version;
	uint8		unused[3];
	int32		nfeatures;
	int32		names_len;
	int32		unused2;
	int64		n;				/* customers */
	int64		conv;			/* converted customers */
	DrvFeature	f[FLEXIBLE_ARRAY_MEMBER];
} Drivers;

#define DRV_NAMES(d) ((char *) &(d)->f[(d)->nfeatures])
#define DRV_NAME(d, x) (DRV_NAMES(d) + (x)->name_off)
#define DRV_SIZE(nf, names_len) \
	(offsetof(Drivers, f) + (Size) (nf) * sizeof(DrvFeature) + (Size) (names_len))

static Drivers *
drv_fetch(Datum datum)
{
	Drivers    *d = (Drivers *) PG_DETOAST_DATUM(datum);
	int			i;

	if (d->version != DRV_VERSION)
		journey_unsupported_version(JOURNEY_FROM_STATE, d->version, "drivers");
	if (d->nfeatures < 0 || d->nfeatures > DRV_MAX_FEATURES || d->names_len < 0 ||
		VARSIZE(d) != DRV_SIZE(d->nfeatures, d->names_len))
		journey_invalid_value(JOURNEY_FROM_STATE, "drivers",
							  "The value has %u bytes for %d features.", VARSIZE(d), d->nfeatures);
	for (i = 0; i < d->nfeatures; i++)
		if (d->f[i].name_off < 0 || d->f[i].name_len < 0 ||
			d->f[i].name_len > d->names_len - d->f[i].name_off)
			journey_invalid_value(JOURNEY_FROM_STATE, "drivers",
								  "The name of feature %d lies outside the value.", i + 1);
	return d;
}

#define PG_GETARG_DRV_P(n) drv_fetch(PG_GETARG_DATUM(n))

static Drivers *
drv_new(void)
{
	Drivers    *d = palloc0(DRV_SIZE(0, 0));

	SET_VARSIZE(d, DRV_SIZE(0, 0));
	d->version = DRV_VERSION;
	return d;
}

static int
drv_find(const Drivers *d, const char *name, int len, int *pos)
{
	int			lo = 0,
				hi = d->nfeatures;

	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;
		const DrvFeature *x = &d->f[mid];
		int			c = journey_label_cmp(DRV_NAME(d, x), x->name_len, name, len);

		if (c == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*pos = lo;
	return -1;
}

static Drivers *
drv_insert(const Drivers *d, int pos, const char *name, int len)
{
	Size		size;
	Drivers    *r;
	DrvFeature *x;

	if (d->nfeatures >= DRV_MAX_FEATURES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a drivers value has at most %d features", DRV_MAX_FEATURES)));
	size = add_size(DRV_SIZE(d->nfeatures + 1, d->names_len), len);
	if (size > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("drivers value too large")));
	r = palloc(size);
	memcpy(r, d, offsetof(Drivers, f));
	SET_VARSIZE(r, size);
	r->nfeatures = d->nfeatures + 1;
	r->names_len = d->names_len + len;
	memcpy(r->f, d->f, sizeof(DrvFeature) * pos);
	memcpy(r->f + pos + 1, d->f + pos, sizeof(DrvFeature) * (d->nfeatures - pos));
	x = &r->f[pos];
	memset(x, 0, sizeof(DrvFeature));
	x->name_off = d->names_len;
	x->name_len = len;
	memcpy(DRV_NAMES(r), DRV_NAMES(d), d->names_len);
	memcpy(DRV_NAMES(r) + d->names_len, name, len);
	return r;
}

static const char *
drv_inconsistency(const Drivers *d)
{
	int			i;

	if (d->n < 0 || d->conv < 0 || d->conv > d->n)
		return "The total conversions do not fit the customers.";
	for (i = 0; i < d->nfeatures; i++)
	{
		const DrvFeature *x = &d->f[i];

		if (x->with < 1 || x->with > d->n)
			return "A feature has no customers, or more customers than there are.";
		if (x->conv < 0 || x->conv > x->with || x->conv > d->conv ||
			x->with - x->conv > d->n - d->conv)
			return "The conversions of a feature do not fit its customers and the totals.";
	}
	return NULL;
}

/* ---------------------------------------------------------------------
 * Text and binary forms
 * ---------------------------------------------------------------------
 *
 * v1 n=100 conversions=20 features=2 "opened_welcome" with=40 converted=12 "plan:pro" ...
 */

PG_FUNCTION_INFO_V1(drivers_out);
Datum
drivers_out(PG_FUNCTION_ARGS)
{
	Drivers    *d = PG_GETARG_DRV_P(0);
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	appendStringInfo(&buf, "v%d n=" INT64_FORMAT " conversions=" INT64_FORMAT " features=%d",
					 DRV_VERSION, d->n, d->conv, d->nfeatures);
	for (i = 0; i < d->nfeatures; i++)
	{
		const DrvFeature *x = &d->f[i];

		appendStringInfoChar(&buf, ' ');
		exp_append_name(&buf, DRV_NAME(d, x), x->name_len);
		appendStringInfo(&buf, " with=" INT64_FORMAT " converted=" INT64_FORMAT, x->with, x->conv);
	}
	PG_RETURN_CSTRING(buf.data);
}

static void
drv_syntax_error(const char *input, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type drivers: \"%s\"", input),
			 errdetail("%s", detail),
			 errhint("Write the value as drivers_out does, e.g. \"v1 n=10 conversions=3 features=1 \\\"opened\\\" with=4 converted=2\".")));
}

PG_FUNCTION_INFO_V1(drivers_in);
Datum
drivers_in(PG_FUNCTION_ARGS)
{
	const char *input = PG_GETARG_CSTRING(0);
	const char *s = input;
	int64		version,
				nf;
	Drivers    *d = drv_new();
	StringInfoData name;
	int			i;
	const char *why;

	while (*s == ' ')
		s++;
	if (*s++ != 'v' || !exp_parse_count(&s, &version))
		drv_syntax_error(input, "Expected the format version, \"v1\".");
	if (version != DRV_VERSION)
		journey_unsupported_version(JOURNEY_FROM_TEXT, version, "drivers");
	if (!exp_expect_key(&s, "n") || !exp_parse_count(&s, &d->n))
		drv_syntax_error(input, "Expected \"n=\" and the number of customers.");
	if (!exp_expect_key(&s, "conversions") || !exp_parse_count(&s, &d->conv))
		drv_syntax_error(input, "Expected \"conversions=\" and a count.");
	if (!exp_expect_key(&s, "features") || !exp_parse_count(&s, &nf))
		drv_syntax_error(input, "Expected \"features=\" and the number of features.");
	if (nf > DRV_MAX_FEATURES)
		journey_invalid_value(JOURNEY_FROM_TEXT, "drivers", "A drivers value has at most %d features.", DRV_MAX_FEATURES);
	initStringInfo(&name);
	for (i = 0; i < nf; i++)
	{
		int			pos;
		DrvFeature *x;

		if (!exp_parse_name(&s, &name))
			drv_syntax_error(input, psprintf("Expected the name of feature %d in double quotes.", i + 1));
		if (i > 0)
		{
			const DrvFeature *prev = &d->f[i - 1];

			if (journey_label_cmp(DRV_NAME(d, prev), prev->name_len, name.data, name.len) >= 0)
				journey_invalid_value(JOURNEY_FROM_TEXT, "drivers",
									  "The features are not in strictly increasing order of their names.");
		}
		drv_find(d, name.data, name.len, &pos);
		d = drv_insert(d, pos, name.data, name.len);
		x = &d->f[pos];
		if (!exp_expect_key(&s, "with") || !exp_parse_count(&s, &x->with))
			drv_syntax_error(input, "Expected \"with=\" and a count.");
		if (!exp_expect_key(&s, "converted") || !exp_parse_count(&s, &x->conv))
			drv_syntax_error(input, "Expected \"converted=\" and a count.");
	}
	while (*s == ' ')
		s++;
	if (*s != '\0')
		drv_syntax_error(input, "Unexpected text after the last feature.");
	if ((why = drv_inconsistency(d)) != NULL)
		journey_invalid_value(JOURNEY_FROM_TEXT, "drivers", "%s", why);
	PG_RETURN_POINTER(d);
}

PG_FUNCTION_INFO_V1(drivers_send);
Datum
drivers_send(PG_FUNCTION_ARGS)
{
	Drivers    *d = PG_GETARG_DRV_P(0);
	StringInfoData buf;
	int			i;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, DRV_VERSION);
	pq_sendint64(&buf, d->n);
	pq_sendint64(&buf, d->conv);
	pq_sendint32(&buf, d->nfeatures);
	for (i = 0; i < d->nfeatures; i++)
	{
		const DrvFeature *x = &d->f[i];

		pq_sendint32(&buf, x->name_len);
		pq_sendtext(&buf, DRV_NAME(d, x), x->name_len);
		pq_sendint64(&buf, x->with);
		pq_sendint64(&buf, x->conv);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(drivers_recv);
Datum
drivers_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			version = journey_recv_uint8(buf, "drivers");
	Drivers    *d;
	int32		nf;
	int			i;
	const char *why;

	if (version != DRV_VERSION)
		journey_unsupported_version(JOURNEY_FROM_BINARY, version, "drivers");
	d = drv_new();
	d->n = journey_recv_int64(buf, "drivers");
	d->conv = journey_recv_int64(buf, "drivers");
	nf = journey_recv_int32(buf, "drivers");
	if (nf < 0 || nf > DRV_MAX_FEATURES)
		journey_invalid_value(JOURNEY_FROM_BINARY, "drivers",
							  "The value has %d features; a drivers value has at most %d.", nf, DRV_MAX_FEATURES);
	for (i = 0; i < nf; i++)
	{
		int32		len = journey_recv_int32(buf, "drivers");
		int			nbytes,
					pos;
		char	   *name = exp_recv_name(buf, len, &nbytes, "drivers");
		DrvFeature *x;

		if (i > 0)
		{
			const DrvFeature *prev = &d->f[i - 1];

			if (journey_label_cmp(DRV_NAME(d, prev), prev->name_len, name, nbytes) >= 0)
				journey_invalid_value(JOURNEY_FROM_BINARY, "drivers",
									  "The features are not in strictly increasing order of their names.");
		}
		drv_find(d, name, nbytes, &pos);
		d = drv_insert(d, pos, name, nbytes);
		x = &d->f[pos];
		x->with = journey_recv_int64(buf, "drivers");
		x->conv = journey_recv_int64(buf, "drivers");
	}
	journey_recv_done(buf, "drivers");
	if ((why = drv_inconsistency(d)) != NULL)
		journey_invalid_value(JOURNEY_FROM_BINARY, "drivers", "%s", why);
	PG_RETURN_POINTER(d);
}

/* ---------------------------------------------------------------------
 * Aggregation
 * ---------------------------------------------------------------------
 */

static int
drv_int_cmp(const void *a, const void *b)
{
	int			x = *(const int *) a,
				y = *(const int *) b;

	return x < y ? -1 : x > y;
}

/*
 * Transition of driver_agg(converted, features): one customer.  A NULL
 * converted counts as not converted; a NULL features array is a customer
 * without features; NULL elements are skipped and a feature named twice
 * counts once.
 */
PG_FUNCTION_INFO_V1(drivers_add);
Datum
drivers_add(PG_FUNCTION_ARGS)
{
	bool		converted = !PG_ARGISNULL(1) && PG_GETARG_BOOL(1);
	Drivers    *d;

	if (PG_ARGISNULL(0))
		d = drv_new();
	else
	{
		d = (Drivers *) journey_writable_arg(fcinfo, 0);
		if (d->version != DRV_VERSION)
			journey_unsupported_version(JOURNEY_FROM_STATE, d->version, "drivers");
	}
	d->n++;
	if (converted)
		d->conv++;
	if (!PG_ARGISNULL(2))
	{
		ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(2);
		Datum	   *elems;
		bool	   *enulls;
		int			nelems,
					i,
					nidx = 0,
					pos;
		int		   *idx;

		deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &enulls, &nelems);
		/* first make sure every feature exists (inserting shifts indexes) */
		for (i = 0; i < nelems; i++)
		{
			text	   *t;

			if (enulls[i])
				continue;
			t = DatumGetTextPP(elems[i]);
			if (drv_find(d, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), &pos) < 0)
				d = drv_insert(d, pos, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
		}
		idx = palloc(sizeof(int) * (nelems + 1));
		for (i = 0; i < nelems; i++)
		{
			text	   *t;

			if (enulls[i])
				continue;
			t = DatumGetTextPP(elems[i]);
			idx[nidx++] = drv_find(d, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), &pos);
		}
		qsort(idx, nidx, sizeof(int), drv_int_cmp);
		for (i = 0; i < nidx; i++)
		{
			if (i > 0 && idx[i] == idx[i - 1])
				continue;
			d->f[idx[i]].with++;
			if (converted)
				d->f[idx[i]].conv++;
		}
		pfree(idx);
	}
	PG_RETURN_POINTER(d);
}

PG_FUNCTION_INFO_V1(drivers_merge);
Datum
drivers_merge(PG_FUNCTION_ARGS)
{
	Drivers    *a = (Drivers *) journey_writable_arg(fcinfo, 0);
	Drivers    *b = PG_GETARG_DRV_P(1);
	int			i;

	if (a->version != DRV_VERSION)
		journey_unsupported_version(JOURNEY_FROM_STATE, a->version, "drivers");
	if (pg_add_s64_overflow(a->n, b->n, &a->n) || pg_add_s64_overflow(a->conv, b->conv, &a->conv))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("drivers count out of range")));
	for (i = 0; i < b->nfeatures; i++)
	{
		const DrvFeature *src = &b->f[i];
		int			pos,
					k = drv_find(a, DRV_NAME(b, src), src->name_len, &pos);

		if (k < 0)
		{
			a = drv_insert(a, pos, DRV_NAME(b, src), src->name_len);
			k = pos;
		}
		a->f[k].with += src->with;
		a->f[k].conv += src->conv;
	}
	PG_RETURN_POINTER(a);
}

/* ---------------------------------------------------------------------
 * driver_report
 * ---------------------------------------------------------------------
 */

enum
{
	D_FEATURE, D_WITH, D_CONV_WITH, D_WITHOUT, D_CONV_WITHOUT, D_OR, D_OR_LOW, D_OR_HIGH,
	D_PHI, D_P, D_TEST, D_NCOLS
};

/*
 * driver_report(d, min_customers, alpha): one row per feature held by at
 * least min_customers customers, in byte order of the names.  With the
 * table a = converted with, b = not converted with, c = converted without,
 * d = not converted without: odds ratio a d / (b c) and Woolf's interval
 * exp(log OR +- z sqrt(1/a + 1/b + 1/c + 1/d)), each cell + 0.5 (Haldane)
 * when a cell is 0; phi = (a d - b c) / sqrt of the four margins; the
 * p-value from Fisher's exact test when an expected count is below 5,
 * else Pearson's chi-square without continuity correction.  A feature
 * every customer has gets NULL statistics (there is nobody to compare
 * with); phi is NULL when nobody or everybody converted.
 */
PG_FUNCTION_INFO_V1(drivers_report);
Datum
drivers_report(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Drivers    *dv;
	int32		min_customers;
	double		alpha,
				z_crit;
	int			i,
				j;

	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("min_customers must not be null")));
	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("alpha must not be null")));
	min_customers = PG_GETARG_INT32(1);
	alpha = PG_GETARG_FLOAT8(2);
	if (min_customers < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("min_customers must not be negative"),
				 errdetail("The min_customers given is %d.", min_customers)));
	if (!(alpha > 0 && alpha < 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("alpha must be between 0 and 1, exclusive"),
				 errdetail("The alpha given is %g.", alpha)));
	journey_init_srf(fcinfo);
	if (PG_ARGISNULL(0))
		return (Datum) 0;
	dv = PG_GETARG_DRV_P(0);
	z_crit = jstat_norm_isf(alpha / 2);
	for (i = 0; i < dv->nfeatures; i++)
	{
		const DrvFeature *x = &dv->f[i];
		Datum		values[D_NCOLS];
		bool		nulls[D_NCOLS];
		int64		a = x->conv,
					b = x->with - x->conv,
					c = dv->conv - x->conv,
					d = (dv->n - x->with) - c;
		int64		without = dv->n - x->with;

		if (x->with < min_customers)
			continue;
		CHECK_FOR_INTERRUPTS();
		for (j = 0; j < D_NCOLS; j++)
		{
			values[j] = (Datum) 0;
			nulls[j] = true;
		}
		values[D_FEATURE] = PointerGetDatum(cstring_to_text_with_len(DRV_NAME(dv, x), x->name_len));
		values[D_WITH] = Int64GetDatum(x->with);
		values[D_CONV_WITH] = Int64GetDatum(a);
		values[D_WITHOUT] = Int64GetDatum(without);
		values[D_CONV_WITHOUT] = Int64GetDatum(c);
		for (j = D_FEATURE; j <= D_CONV_WITHOUT; j++)
			nulls[j] = false;
		if (without > 0)
		{
			double		h = (a == 0 || b == 0 || c == 0 || d == 0) ? 0.5 : 0.0;
			double		fa = a + h,
						fb = b + h,
						fc = c + h,
						fd = d + h;
			double		lor = log(fa) + log(fd) - log(fb) - log(fc);
			double		se = sqrt(1 / fa + 1 / fb + 1 / fc + 1 / fd);
			double		n = (double) dv->n;
			double		r1 = (double) x->with,
						r2 = (double) without,
						c1 = (double) dv->conv,
						c2 = (double) (dv->n - dv->conv);
			double		emin = Min(r1, r2) * Min(c1, c2) / n;
			double		p;

			values[D_OR] = Float8GetDatum(fa * fd / (fb * fc));
			values[D_OR_LOW] = Float8GetDatum(exp(lor - z_crit * se));
			values[D_OR_HIGH] = Float8GetDatum(exp(lor + z_crit * se));
			nulls[D_OR] = nulls[D_OR_LOW] = nulls[D_OR_HIGH] = false;
			if (c1 > 0 && c2 > 0)
			{
				/* a d - b c, exactly */
				double		det = (double) ((int128) a * d - (int128) b * c);

				values[D_PHI] = Float8GetDatum(det / sqrt(r1 * r2 * c1 * c2));
				nulls[D_PHI] = false;
				if (emin >= 5)
				{
					p = jstat_chisq1_sf(n * (det / (r1 * r2)) * (det / (c1 * c2)));
					values[D_TEST] = CStringGetTextDatum("chi_square");
				}
				else
				{
					p = jstat_fisher_two_sided(a, b, c, d);
					values[D_TEST] = CStringGetTextDatum("fisher");
				}
			}
			else
			{
				/* nobody or everybody converted: every table is the observed one */
				p = 1.0;
				values[D_TEST] = CStringGetTextDatum("fisher");
			}
			values[D_P] = Float8GetDatum(p);
			nulls[D_P] = nulls[D_TEST] = false;
		}
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
