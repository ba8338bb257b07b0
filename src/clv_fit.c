/*
 * clv_fit.c — fitting BG/NBD and Gamma-Gamma in the database: the
 * `clv_data` state type of bgnbd_fit() and gamma_gamma_fit(), the
 * `clv_model` type they return, its reader clv_params() and the
 * per-customer predictions.
 *
 * Bounded state.  The likelihoods depend on a customer only through
 * (x, t_x, T) (BG/NBD) or (x, mean spend) (Gamma-Gamma), so clv_data keeps
 * distinct tuples with a multiplicity.  Rows are appended to a buffer that
 * is sorted and deduplicated when full, growing (doubling) up to
 * CLV_MAX_CAPACITY slots.  When even then more than CLV_MAX_DISTINCT
 * distinct tuples remain, the continuous coordinates (t_x and T, or the
 * mean spend) are put on a grid of width 2^e periods (e from -10 up, the
 * smallest that fits): each is replaced by its cell index floor(v / 2^e)
 * and evaluated at the cell's centre.  Frequencies stay exact.  Because
 * cells of width 2^(e+1) are unions of cells of width 2^e, the grid a
 * state ends on depends only on the rows, not on their order or on how
 * parallel workers split them: serial and parallel fits agree.  The model
 * reports the grid width it used (none on data in whole periods below
 * 32,768 distinct tuples, e.g. CDNOW).
 *
 * Memory: at most CLV_MAX_CAPACITY * 32 bytes (2 MB) per state.
 */
#include "journey.h"
#include "clv.h"
#include "clv_math.h"
#include "optimize.h"

#include <float.h>
#include <math.h>

#include "common/int.h"
#include "common/shortest_dec.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"

#define CLV_DATA_VERSION 1
#define CLV_MODEL_VERSION 2
#define CLV_MAX_DISTINCT 32768
#define CLV_MAX_CAPACITY (2 * CLV_MAX_DISTINCT)
#define CLV_MIN_CAPACITY 64
#define CLV_GRID_EXACT (-1000)	/* grid_exp of a state without a grid */
#define CLV_GRID_MIN (-10)
#define CLV_GRID_MAX 1023		/* cells of 2^1023: any double has a cell */
#define CLV_MIN_CUSTOMERS 10
#define CLV_MAX_ITERATIONS 2000
#define CLV_FAR_LOG 9.0			/* a parameter beyond e^9 (8103) or below e^-9 */

typedef struct ClvData
{
	int32		vl_len_;
	uint8		version;
	uint8		kind;
	uint8		unused[2];
	int32		grid_exp;		/* CLV_GRID_EXACT, or cells of 2^grid_exp */
	int32		nentries;
	int32		capacity;
	int32		unused2;
	int64		total;			/* customers */
	ClvEntry	entries[FLEXIBLE_ARRAY_MEMBER];
} ClvData;

#define CLV_DATA_SIZE(cap) (offsetof(ClvData, entries) + (Size) (cap) * sizeof(ClvEntry))
#define PG_GETARG_CLV_DATA_P(n) ((ClvData *) PG_DETOAST_DATUM(PG_GETARG_DATUM(n)))

/*
 * The model.  Version 2 (0.2.0) appends how the fit ended; version 1
 * (0.1.0: the same struct up to `grid`, 64 bytes, `converged` then an
 * unused zero byte) is upgraded when read: its convergence is unknown.
 */
#define CLV_CONVERGED_UNKNOWN 0	/* written by hand, or fitted by 0.1.0 */
#define CLV_CONVERGED_NO 1
#define CLV_CONVERGED_YES 2

typedef struct ClvModel
{
	int32		vl_len_;
	uint8		version;
	uint8		kind;
	uint8		fitted;			/* ll and n known */
	uint8		converged;		/* CLV_CONVERGED_*; version 1: unused, 0 */
	int64		n;				/* customers the fit used */
	double		param[4];		/* r, alpha, a, b  or  p, q, gamma, 0 */
	double		ll;				/* log-likelihood at the fit */
	double		grid;			/* grid width the fit used, 0 for none */
	/* version 2 */
	double		gradient_norm;	/* max-norm of the gradient at the end point */
	int32		iterations;		/* BFGS iterations of the fit */
	int32		unused;
} ClvModel;

#define CLV_MODEL_V1_SIZE offsetof(ClvModel, gradient_norm)

/*
 * A clv_model argument in the current layout: a version 1 value (stored
 * by 0.1.0) is copied into version 2 with its convergence unknown.
 */
static ClvModel *
clv_model_fetch(Datum datum)
{
	ClvModel   *m = (ClvModel *) PG_DETOAST_DATUM(datum);

	if (m->version == 1 && VARSIZE(m) == CLV_MODEL_V1_SIZE)
	{
		ClvModel   *m2 = palloc0(sizeof(ClvModel));

		memcpy(m2, m, CLV_MODEL_V1_SIZE);
		SET_VARSIZE(m2, sizeof(ClvModel));
		m2->version = CLV_MODEL_VERSION;
		m2->converged = CLV_CONVERGED_UNKNOWN;
		return m2;
	}
	if (m->version != CLV_MODEL_VERSION || VARSIZE(m) != sizeof(ClvModel))
		journey_unsupported_version(JOURNEY_FROM_STATE, m->version, "clv_model");
	return m;
}

#define PG_GETARG_CLV_MODEL_P(n) clv_model_fetch(PG_GETARG_DATUM(n))

static const char *const clv_kind_names[] = {"", "bgnbd", "gamma_gamma"};
static const char *const clv_param_names[3][4] = {
	{NULL}, {"r", "alpha", "a", "b"}, {"p", "q", "gamma", NULL}
};

static inline int
clv_nparams(int kind)
{
	return kind == CLV_KIND_BGNBD ? 4 : 3;
}

/* ---------------------------------------------------------------------
 * clv_data
 * ---------------------------------------------------------------------
 */

static ClvData *
clv_data_alloc(int kind, int capacity)
{
	ClvData    *d = palloc0(CLV_DATA_SIZE(capacity));

	SET_VARSIZE(d, CLV_DATA_SIZE(capacity));
	d->version = CLV_DATA_VERSION;
	d->kind = kind;
	d->grid_exp = CLV_GRID_EXACT;
	d->capacity = capacity;
	return d;
}

static ClvData *
clv_data_copy(const ClvData *d, int capacity)
{
	ClvData    *c = clv_data_alloc(d->kind, capacity);

	Assert(capacity >= d->nentries);
	c->grid_exp = d->grid_exp;
	c->nentries = d->nentries;
	c->total = d->total;
	memcpy(c->entries, d->entries, sizeof(ClvEntry) * d->nentries);
	return c;
}

static int
clv_entry_cmp(const void *pa, const void *pb)
{
	const ClvEntry *a = pa,
			   *b = pb;

	if (a->x != b->x)
		return a->x < b->x ? -1 : 1;
	if (a->a != b->a)
		return a->a < b->a ? -1 : 1;
	if (a->b != b->b)
		return a->b < b->b ? -1 : 1;
	return 0;
}

/* sort and merge identical tuples */
static void
clv_data_compact(ClvData *d)
{
	int			i,
				j = 0;

	if (d->nentries <= 1)
		return;
	qsort(d->entries, d->nentries, sizeof(ClvEntry), clv_entry_cmp);
	for (i = 1; i < d->nentries; i++)
	{
		if (clv_entry_cmp(&d->entries[i], &d->entries[j]) == 0)
			d->entries[j].count += d->entries[i].count;
		else
			d->entries[++j] = d->entries[i];
	}
	d->nentries = j + 1;
}

/*
 * The finest grid level on which v has a cell index far from overflow
 * (the index is below 2^1001, its centre finite): CLV_GRID_MIN but for
 * values beyond 2^1010.
 */
static inline int
clv_grid_floor(double v)
{
	if (!(fabs(v) >= 0x1p1010))
		return CLV_GRID_MIN;
	return Max(CLV_GRID_MIN, ilogb(v) - 1000);
}

/* a coordinate given at grid level `from` on grid level `to` (to >= from) */
static inline double
clv_regrid(double v, int from, int to)
{
	if (to == CLV_GRID_EXACT)
		return v;
	if (from == CLV_GRID_EXACT)
		return floor(ldexp(v, -to));
	return floor(ldexp(v, from - to));
}

/*
 * Put d on grid level `to` (coarser than or equal to its own), or on the
 * coarser level its largest values need when it is exact so far.
 */
static void
clv_data_regrid(ClvData *d, int to)
{
	int			i;

	if (d->grid_exp == CLV_GRID_EXACT)
		for (i = 0; i < d->nentries; i++)
			to = Max(to, Max(clv_grid_floor(d->entries[i].a), clv_grid_floor(d->entries[i].b)));
	if (to == d->grid_exp)
		return;
	for (i = 0; i < d->nentries; i++)
	{
		d->entries[i].a = clv_regrid(d->entries[i].a, d->grid_exp, to);
		d->entries[i].b = clv_regrid(d->entries[i].b, d->grid_exp, to);
	}
	d->grid_exp = to;
}

/* compact, then coarsen the grid until at most CLV_MAX_DISTINCT tuples remain */
static void
clv_data_bound(ClvData *d)
{
	clv_data_compact(d);
	while (d->nentries > CLV_MAX_DISTINCT)
	{
		int			to = d->grid_exp == CLV_GRID_EXACT ? CLV_GRID_MIN : d->grid_exp + 1;

		CHECK_FOR_INTERRUPTS();
		if (to > CLV_GRID_MAX)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many distinct customers to fit"),
					 errdetail("The data have more than %d distinct frequencies.", CLV_MAX_DISTINCT)));
		clv_data_regrid(d, to);
		clv_data_compact(d);
	}
}

/*
 * Make room for one more entry: compact; grow if more than half full
 * after that; at the largest size, coarsen.  Returns d or a larger copy
 * (the caller must not free d: the executor does).
 */
static ClvData *
clv_data_make_room(ClvData *d)
{
	clv_data_compact(d);
	if (d->nentries > d->capacity / 2)
	{
		if (d->capacity < CLV_MAX_CAPACITY)
			return clv_data_copy(d, Min(d->capacity * 2, CLV_MAX_CAPACITY));
		clv_data_bound(d);		/* leaves at most half the slots used */
	}
	return d;
}

/* add count customers at (x, a, b), given at grid level `level` */
static ClvData *
clv_data_append(ClvData *d, double x, double a, double b, int64 count, int level)
{
	ClvEntry   *e;

	if (d->nentries >= d->capacity)
		d = clv_data_make_room(d);
	/* a gridded state holds the cells of a huge value on a coarser grid */
	if (d->grid_exp != CLV_GRID_EXACT && level == CLV_GRID_EXACT)
	{
		int			need = Max(clv_grid_floor(a), clv_grid_floor(b));

		if (need > d->grid_exp)
		{
			clv_data_regrid(d, need);
			clv_data_compact(d);
		}
	}
	e = &d->entries[d->nentries++];
	e->x = x;
	e->a = clv_regrid(a, level, d->grid_exp);
	e->b = clv_regrid(b, level, d->grid_exp);
	e->count = count;
	if (pg_add_s64_overflow(d->total, count, &d->total))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("clv_data count out of range")));
	return d;
}

/* NULL when (x, a, b) is a valid customer for the kind, else why not */
static const char *
clv_row_problem(int kind, double x, double a, double b)
{
	if (!isfinite(x) || !isfinite(a) || !isfinite(b))
		return "frequency, recency, t and monetary must be finite";
	if (x < 0 || x != floor(x) || x > 1e9)
		return "frequency must be a whole number between 0 and 1e9";
	if (kind == CLV_KIND_BGNBD)
	{
		if (a < 0)
			return "recency must not be negative";
		if (a > b)
			return "recency must not exceed t";
		if (x == 0 && a != 0)
			return "recency must be 0 when frequency is 0";
	}
	else if (a <= 0)
		return "monetary must be positive for a customer with repeat purchases";
	return NULL;
}

static void
clv_row_error(const char *problem, double x, double a, double b, int kind)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s", problem),
			 kind == CLV_KIND_BGNBD ?
			 errdetail("A customer has frequency %g, recency %g, t %g.", x, a, b) :
			 errdetail("A customer has frequency %g, monetary %g.", x, a),
			 errhint("Compute the inputs with clv_inputs(), or check them: 0 <= recency <= t, recency = 0 when frequency = 0.")));
}

static Datum
clv_data_add(FunctionCallInfo fcinfo, int kind, double x, double a, double b)
{
	ClvData    *d;
	const char *problem = clv_row_problem(kind, x, a, b);

	if (problem)
		clv_row_error(problem, x, a, b, kind);
	if (PG_ARGISNULL(0))
		d = clv_data_alloc(kind, CLV_MIN_CAPACITY);
	else
		d = (ClvData *) journey_writable_arg(fcinfo, 0);
	PG_RETURN_POINTER(clv_data_append(d, x, a, b, 1, CLV_GRID_EXACT));
}

/*
 * bgnbd_fit's transition: one customer (frequency, recency, t).  A row
 * with any NULL is skipped; invalid values are an error.
 */
PG_FUNCTION_INFO_V1(clv_data_add_bgnbd);
Datum
clv_data_add_bgnbd(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	return clv_data_add(fcinfo, CLV_KIND_BGNBD, PG_GETARG_FLOAT8(1),
						PG_GETARG_FLOAT8(2), PG_GETARG_FLOAT8(3));
}

/*
 * gamma_gamma_fit's transition: one customer (frequency, monetary).  Rows
 * with a NULL or with frequency 0 (no repeat purchase: no mean spend) are
 * skipped.
 */
PG_FUNCTION_INFO_V1(clv_data_add_gg);
Datum
clv_data_add_gg(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_GETARG_FLOAT8(1) == 0.0)
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	return clv_data_add(fcinfo, CLV_KIND_GG, PG_GETARG_FLOAT8(1), PG_GETARG_FLOAT8(2), 0.0);
}

/* combine function (strict): merge b into a, in place in an aggregate */
PG_FUNCTION_INFO_V1(clv_data_merge);
Datum
clv_data_merge(PG_FUNCTION_ARGS)
{
	ClvData    *a = (ClvData *) journey_writable_arg(fcinfo, 0);
	ClvData    *b = PG_GETARG_CLV_DATA_P(1);
	int			i;

	if (a->kind != b->kind)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot merge clv_data of %s with clv_data of %s",
						clv_kind_names[a->kind], clv_kind_names[b->kind])));
	if (b->grid_exp > a->grid_exp)
		clv_data_regrid(a, b->grid_exp);
	for (i = 0; i < b->nentries; i++)
		a = clv_data_append(a, b->entries[i].x, b->entries[i].a, b->entries[i].b,
							b->entries[i].count, b->grid_exp);
	PG_RETURN_POINTER(a);
}

/*
 * Check every entry of a value read from text or binary input: both
 * accept exactly the values that pass here, which include every value the
 * aggregates produce.  Grid cells are finite whole numbers of any size.
 */
static void
clv_data_validate(ClvData *d, JourneyOrigin origin)
{
	int			i;
	int64		total = 0;

	if (d->grid_exp != CLV_GRID_EXACT && (d->grid_exp < CLV_GRID_MIN || d->grid_exp > CLV_GRID_MAX))
		journey_invalid_value(origin, "clv_data", "The grid exponent %d is out of range.", d->grid_exp);
	for (i = 0; i < d->nentries; i++)
	{
		ClvEntry   *e = &d->entries[i];
		const char *problem;

		if (d->grid_exp != CLV_GRID_EXACT &&
			(e->a != floor(e->a) || e->b != floor(e->b) || !isfinite(e->a) || !isfinite(e->b)))
			problem = "grid cells must be whole numbers";
		else if (e->count < 1)
			problem = "every tuple must count at least one customer";
		else if (d->kind == CLV_KIND_GG && (e->x < 1 || e->b != 0))
			problem = "Gamma-Gamma tuples need frequency >= 1 and no third value";
		else if (d->kind == CLV_KIND_GG && d->grid_exp != CLV_GRID_EXACT)
			problem = e->a < 0 ? "monetary cells must not be negative" : clv_row_problem(d->kind, e->x, 1, 0);
		else
			problem = clv_row_problem(d->kind, e->x, e->a, e->b);
		if (problem == NULL && pg_add_s64_overflow(total, e->count, &total))
			problem = "the total count is out of range";
		if (problem)
			journey_invalid_value(origin, "clv_data", "Tuple %d: %s.", i + 1, problem);
	}
	d->total = total;
	clv_data_bound(d);
}

static void
clv_append_double(StringInfo buf, double v)
{
	char		tmp[DOUBLE_SHORTEST_DECIMAL_LEN];

	double_to_shortest_decimal_buf(v, tmp);
	appendStringInfoString(buf, tmp);
}

/*
 * Text form: the kind, the grid ("exact" or the exponent e of cells of
 * 2^e periods), then the distinct tuples in order as x,a,b*count; e.g.
 * "bgnbd exact 0,0,38.86*2 2,30.43,38.86*1".  Doubles print in their
 * shortest exact form, so the text reads back to the same value.
 */
PG_FUNCTION_INFO_V1(clv_data_out);
Datum
clv_data_out(PG_FUNCTION_ARGS)
{
	ClvData    *in = PG_GETARG_CLV_DATA_P(0);
	ClvData    *d = clv_data_copy(in, Max(in->nentries, 1));
	StringInfoData buf;
	int			i;

	clv_data_bound(d);
	initStringInfo(&buf);
	appendStringInfoString(&buf, clv_kind_names[d->kind]);
	if (d->grid_exp == CLV_GRID_EXACT)
		appendStringInfoString(&buf, " exact");
	else
		appendStringInfo(&buf, " %d", d->grid_exp);
	for (i = 0; i < d->nentries; i++)
	{
		appendStringInfoChar(&buf, ' ');
		clv_append_double(&buf, d->entries[i].x);
		appendStringInfoChar(&buf, ',');
		clv_append_double(&buf, d->entries[i].a);
		appendStringInfoChar(&buf, ',');
		clv_append_double(&buf, d->entries[i].b);
		appendStringInfo(&buf, "*" INT64_FORMAT, d->entries[i].count);
	}
	PG_RETURN_CSTRING(buf.data);
}

static void
clv_data_syntax(const char *input, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type clv_data: \"%.100s%s\"", input, strlen(input) > 100 ? "..." : ""),
			 errdetail("%s", detail),
			 errhint("The form is \"bgnbd exact x,recency,t*count ...\" or \"gamma_gamma exact x,monetary,0*count ...\".")));
}

/*
 * strtod that accepts only a plain finite number.  Like float8in, it
 * accepts a subnormal result (strtod reports ERANGE for those too) and
 * rejects only overflow and underflow to zero: every double the output
 * functions print reads back to itself.
 */
static bool
clv_parse_double(const char **s, double *v)
{
	char	   *end;

	if (!(**s == '-' || **s == '+' || **s == '.' || (**s >= '0' && **s <= '9')))
		return false;
	errno = 0;
	*v = strtod(*s, &end);
	if (end == *s || !isfinite(*v))
		return false;
	if (errno == ERANGE && (*v == 0.0 || fabs(*v) >= DBL_MIN))
		return false;
	*s = end;
	return true;
}

PG_FUNCTION_INFO_V1(clv_data_in);
Datum
clv_data_in(PG_FUNCTION_ARGS)
{
	const char *input = PG_GETARG_CSTRING(0);
	const char *s = input;
	int			kind;
	ClvData    *d;
	int			n = 0,
				i;

	if (strncmp(s, "bgnbd ", 6) == 0)
		kind = CLV_KIND_BGNBD, s += 6;
	else if (strncmp(s, "gamma_gamma ", 12) == 0)
		kind = CLV_KIND_GG, s += 12;
	else
		clv_data_syntax(input, "It must start with \"bgnbd\" or \"gamma_gamma\".");
	/* count the tuples to size the value */
	for (i = 0; s[i]; i++)
		if (s[i] == ' ')
			n++;
	if (n > CLV_MAX_CAPACITY)
		clv_data_syntax(input, psprintf("It has more than %d tuples.", CLV_MAX_CAPACITY));
	d = clv_data_alloc(kind, Max(n, 1));
	if (strncmp(s, "exact", 5) == 0)
		s += 5;
	else
	{
		char	   *end;
		long		e;

		errno = 0;
		e = strtol(s, &end, 10);
		if (end == s || errno != 0 || e < CLV_GRID_MIN || e > CLV_GRID_MAX)
			clv_data_syntax(input, psprintf("The grid must be \"exact\" or an exponent between %d and %d.",
											CLV_GRID_MIN, CLV_GRID_MAX));
		d->grid_exp = (int32) e;
		s = end;
	}
	while (*s == ' ')
	{
		ClvEntry   *e = &d->entries[d->nentries];
		char	   *end;

		s++;
		if (d->nentries >= d->capacity ||
			!clv_parse_double(&s, &e->x) || *s++ != ',' ||
			!clv_parse_double(&s, &e->a) || *s++ != ',' ||
			!clv_parse_double(&s, &e->b) || *s++ != '*' || *s < '0' || *s > '9')
			clv_data_syntax(input, psprintf("Tuple %d is not x,a,b*count.", d->nentries + 1));
		errno = 0;
		e->count = strtoi64(s, &end, 10);
		if (errno != 0 || e->count < 1)
			clv_data_syntax(input, psprintf("The count of tuple %d is out of range.", d->nentries + 1));
		s = end;
		d->nentries++;
	}
	if (*s != '\0')
		clv_data_syntax(input, "Unexpected text after the last tuple.");
	clv_data_validate(d, JOURNEY_FROM_TEXT);
	PG_RETURN_POINTER(d);
}

PG_FUNCTION_INFO_V1(clv_data_send);
Datum
clv_data_send(PG_FUNCTION_ARGS)
{
	ClvData    *in = PG_GETARG_CLV_DATA_P(0);
	ClvData    *d = clv_data_copy(in, Max(in->nentries, 1));
	StringInfoData buf;
	int			i;

	clv_data_bound(d);
	pq_begintypsend(&buf);
	pq_sendbyte(&buf, CLV_DATA_VERSION);
	pq_sendbyte(&buf, d->kind);
	pq_sendint32(&buf, d->grid_exp);
	pq_sendint32(&buf, d->nentries);
	for (i = 0; i < d->nentries; i++)
	{
		pq_sendfloat8(&buf, d->entries[i].x);
		pq_sendfloat8(&buf, d->entries[i].a);
		pq_sendfloat8(&buf, d->entries[i].b);
		pq_sendint64(&buf, d->entries[i].count);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

static void
clv_binary_error(const char *type, const char *detail)
{
	journey_invalid_value(JOURNEY_FROM_BINARY, type, "%s", detail);
}


PG_FUNCTION_INFO_V1(clv_data_recv);
Datum
clv_data_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			version = journey_recv_uint8(buf, "clv_data");
	int			kind = journey_recv_uint8(buf, "clv_data");
	int32		grid_exp = journey_recv_int32(buf, "clv_data");
	int32		n = journey_recv_int32(buf, "clv_data");
	ClvData    *d;
	int			i;

	if (version != CLV_DATA_VERSION)
		journey_unsupported_version(JOURNEY_FROM_BINARY, version, "clv_data");
	if (kind != CLV_KIND_BGNBD && kind != CLV_KIND_GG)
		clv_binary_error("clv_data", psprintf("Unknown model kind %d.", kind));
	if (n < 0 || n > CLV_MAX_CAPACITY || (Size) n * 32 > (Size) (buf->len - buf->cursor))
		clv_binary_error("clv_data", psprintf("The tuple count %d does not match the value's length.", n));
	d = clv_data_alloc(kind, Max(n, 1));
	d->grid_exp = grid_exp;
	for (i = 0; i < n; i++)
	{
		d->entries[i].x = journey_recv_float8(buf, "clv_data");
		d->entries[i].a = journey_recv_float8(buf, "clv_data");
		d->entries[i].b = journey_recv_float8(buf, "clv_data");
		d->entries[i].count = journey_recv_int64(buf, "clv_data");
	}
	d->nentries = n;
	journey_recv_done(buf, "clv_data");
	clv_data_validate(d, JOURNEY_FROM_BINARY);
	PG_RETURN_POINTER(d);
}

/* ---------------------------------------------------------------------
 * Fitting
 * ---------------------------------------------------------------------
 */

static ClvModel *
clv_model_alloc(int kind)
{
	ClvModel   *m = palloc0(sizeof(ClvModel));

	SET_VARSIZE(m, sizeof(ClvModel));
	m->version = CLV_MODEL_VERSION;
	m->kind = kind;
	return m;
}

static void
clv_degenerate(const char *msg, const char *detail, const char *hint)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s", msg),
			 errdetail("%s", detail),
			 errhint("%s", hint)));
}

/*
 * Does the likelihood stay flat (or keep rising) when the parameters in
 * `which` (a bit mask) move further out, by a factor e^5 towards the
 * boundary (0 or infinity) they are heading to?  Then the fit ran to a
 * boundary of the parameter space rather than to an interior maximum.
 * "Flat" allows for the rounding of the log-gamma terms, which grows with
 * the parameters (about 1e-5 per customer at r = 1e10).
 */
static bool
clv_flat_towards(journey_objective f, ClvSample *sample, int k, const double *theta,
				 double value, int which)
{
	double		t[JOURNEY_MINIMIZE_MAX_DIM];
	int			j;

	double		noise = 0.0;

	for (j = 0; j < k; j++)
	{
		t[j] = theta[j] + ((which & (1 << j)) ? (theta[j] > 0 ? 5.0 : -5.0) : 0.0);
		/* lgamma of a parameter e^t is about e^t t: its rounding is noise */
		if (which & (1 << j))
			noise += t[j] > 0 ? exp(t[j]) * (t[j] + 1.0) : fabs(t[j]) + 1.0;
	}
	return f(t, NULL, sample) <= value + 1e-9 * Max(1.0, fabs(value)) + 8.0 * DBL_EPSILON * noise;
}

/* the parameters of `which` as "a tends to infinity and b to zero" */
static char *
clv_boundary_text(int kind, const double *theta, int k, int which)
{
	StringInfoData buf;
	int			j,
				seen = 0;

	initStringInfo(&buf);
	for (j = 0; j < k; j++)
	{
		if (!(which & (1 << j)))
			continue;
		appendStringInfo(&buf, "%s%s %s %s", seen ? " and " : "", clv_param_names[kind][j],
						 seen ? "to" : "tends to", theta[j] > 0 ? "infinity" : "zero");
		seen++;
	}
	return buf.data;
}

/*
 * Fit by maximum likelihood: BFGS on the log-parameters from three
 * starting points, then a restart from the best end point.  A fit whose
 * parameters ran beyond e^25 (or whose gradient is not small) is an ERROR
 * as in 0.1.0.  A fit that stops with parameters beyond e^9 along which
 * the likelihood is flat reached a boundary of the parameter space: it
 * returns the model (the limit, for predictions) marked not converged,
 * with a WARNING naming the parameters.
 */
static ClvModel *
clv_fit(const ClvData *state)
{
	ClvData    *d = clv_data_copy(state, Max(state->nentries, 1));
	int			kind = d->kind;
	int			k = clv_nparams(kind);
	double		total,
				sum_x = 0.0,
				sum_b = 0.0,
				sum_a = 0.0;
	double		starts[3][4];
	double		best[4],
				best_f = INFINITY,
				gnorm = 0.0;
	journey_objective f = kind == CLV_KIND_BGNBD ? clv_bgnbd_nll : clv_gg_nll;
	ClvSample	sample;
	JourneyMinimizeResult res;
	int			iterations = 0,
				far = 0,
				boundary = 0;
	ClvModel   *m;
	int			i,
				j;
	double		q = 0.0;

	clv_data_bound(d);
	total = (double) d->total;
	if (d->total < CLV_MIN_CUSTOMERS)
		clv_degenerate(kind == CLV_KIND_BGNBD ? "too few customers to fit BG/NBD" :
					   "too few repeat buyers to fit Gamma-Gamma",
					   psprintf("The fit got " INT64_FORMAT " customers%s; it needs at least %d.",
								d->total, kind == CLV_KIND_GG ? " with frequency > 0" : "",
								CLV_MIN_CUSTOMERS),
					   "Fit on a larger population, e.g. all customers instead of one segment.");
	/* grid cells to their centres */
	if (d->grid_exp != CLV_GRID_EXACT)
	{
		q = ldexp(1.0, d->grid_exp);
		for (i = 0; i < d->nentries; i++)
		{
			ClvEntry   *e = &d->entries[i];

			e->a = (kind == CLV_KIND_BGNBD && e->x == 0) ? 0.0 : (e->a + 0.5) * q;
			if (kind == CLV_KIND_BGNBD)
				e->b = (e->b + 0.5) * q;
		}
	}
	for (i = 0; i < d->nentries; i++)
	{
		sum_x += d->entries[i].x * d->entries[i].count;
		sum_a += d->entries[i].a * d->entries[i].count;
		sum_b += d->entries[i].b * d->entries[i].count;
	}
	if (kind == CLV_KIND_BGNBD)
	{
		double		scale = Max(sum_b / total, 1e-6) / (1.0 + sum_x / total);

		if (sum_x == 0)
			clv_degenerate("no repeat buyers to fit BG/NBD",
						   "Every customer has frequency 0, so the dropout process cannot be estimated.",
						   "Check that frequency counts repeat purchases, or observe the customers for longer.");
		if (sum_b == 0)
			clv_degenerate("no observation time to fit BG/NBD",
						   "Every customer has t = 0.",
						   "Set the observation end after the customers' first purchases.");
		starts[0][0] = 1.0, starts[0][1] = 1.0, starts[0][2] = 1.0, starts[0][3] = 1.0;
		starts[1][0] = 1.0, starts[1][1] = scale, starts[1][2] = 1.0, starts[1][3] = 2.0;
		starts[2][0] = 0.3, starts[2][1] = scale, starts[2][2] = 0.5, starts[2][3] = 5.0;
	}
	else
	{
		double		mean_m = sum_a / total;

		starts[0][0] = 1.0, starts[0][1] = 1.0, starts[0][2] = 1.0;
		starts[1][0] = 2.0, starts[1][1] = 3.0, starts[1][2] = mean_m;
		starts[2][0] = 5.0, starts[2][1] = 5.0, starts[2][2] = mean_m * 2.0;
	}
	sample.entries = d->entries;
	sample.n = d->nentries;
	sample.total = total;
	for (i = 0; i < 3; i++)
	{
		double		theta[4];
		double		fv;

		for (j = 0; j < k; j++)
			theta[j] = log(starts[i][j]);
		journey_minimize(f, &sample, k, theta, CLV_MAX_ITERATIONS, &res);
		iterations += res.iterations;
		fv = res.value;
		if (fv < best_f)
		{
			best_f = fv;
			memcpy(best, theta, sizeof(best));
		}
	}
	journey_minimize(f, &sample, k, best, CLV_MAX_ITERATIONS, &res);
	iterations += res.iterations;
	best_f = res.value;
	gnorm = res.gradient_norm;
	if (!isfinite(best_f) || gnorm > 1e-5 || fabs(best[0]) > 25.0 || fabs(best[1]) > 25.0 ||
		fabs(best[2]) > 25.0 || (k == 4 && fabs(best[3]) > 25.0))
	{
		/* name the parameter that ran furthest */
		for (i = j = 0; i < k; i++)
			if (fabs(best[i]) > fabs(best[j]))
				j = i;
		clv_degenerate(kind == CLV_KIND_BGNBD ? "BG/NBD fit did not converge" :
						   "Gamma-Gamma fit did not converge",
						   psprintf("The likelihood keeps increasing as %s tends to %s.",
									clv_param_names[kind][j], best[j] > 0 ? "infinity" : "zero"),
						   kind == CLV_KIND_BGNBD ?
						   "The data do not identify the model: check the inputs, or fit on more customers with repeat purchases." :
						   "The spends do not vary enough between customers to fit Gamma-Gamma; check that monetary is each customer's mean spend.");
	}

	/* parameters far out: is the likelihood flat towards their boundary? */
	for (j = 0; j < k; j++)
		if (fabs(best[j]) > CLV_FAR_LOG)
			far |= 1 << j;
	if (far != 0)
	{
		if (clv_flat_towards(f, &sample, k, best, best_f, far))
			boundary = far;
		else
			for (j = 0; j < k; j++)
				if ((far & (1 << j)) && clv_flat_towards(f, &sample, k, best, best_f, 1 << j))
					boundary |= 1 << j;
	}
	m = clv_model_alloc(kind);
	for (j = 0; j < k; j++)
		m->param[j] = exp(best[j]);
	m->fitted = 1;
	m->n = d->total;
	m->ll = -best_f * total;
	m->grid = q;
	m->iterations = iterations;
	m->gradient_norm = gnorm;
	m->converged = boundary ? CLV_CONVERGED_NO : CLV_CONVERGED_YES;
	if (boundary)
		ereport(WARNING,
				(errcode(ERRCODE_WARNING),
				 errmsg("%s fit reached a boundary of the parameter space",
						kind == CLV_KIND_BGNBD ? "BG/NBD" : "Gamma-Gamma"),
				 errdetail("The likelihood does not decrease as %s; the model returned is that limit, marked converged = false in clv_params().",
						   clv_boundary_text(kind, best, k, boundary)),
				 errhint(kind == CLV_KIND_BGNBD ?
						 "The data do not identify the model: check the inputs (e.g. many identical customers), or fit on more customers with repeat purchases." :
						 "The spends do not vary enough between customers to fit Gamma-Gamma; check that monetary is each customer's mean spend.")));
	pfree(d);
	return m;
}

PG_FUNCTION_INFO_V1(clv_data_fit);
Datum
clv_data_fit(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(clv_fit(PG_GETARG_CLV_DATA_P(0)));
}

/* ---------------------------------------------------------------------
 * clv_model
 * ---------------------------------------------------------------------
 */

static const char *
clv_model_problem(const ClvModel *m)
{
	int			j;

	if (m->kind != CLV_KIND_BGNBD && m->kind != CLV_KIND_GG)
		return "Unknown model kind.";
	for (j = 0; j < 4; j++)
	{
		if (j < clv_nparams(m->kind))
		{
			if (!isfinite(m->param[j]) || m->param[j] <= 0)
				return "Every parameter must be positive and finite.";
		}
		else if (m->param[j] != 0)
			return "An unused parameter is not zero.";
	}
	if (m->fitted > 1 || m->converged > CLV_CONVERGED_YES || m->unused != 0)
		return "Invalid flags.";
	if (m->fitted && (!isfinite(m->ll) || m->n < 1))
		return "The log-likelihood must be finite and n positive.";
	if (!m->fitted && (m->ll != 0 || m->n != 0))
		return "A model without a fit has no log-likelihood and no n.";
	if (!isfinite(m->grid) || m->grid < 0 || (m->grid > 0 && !m->fitted))
		return "The grid width must be 0 or positive, and only on a fitted model.";
	if (m->converged == CLV_CONVERGED_UNKNOWN && (m->iterations != 0 || m->gradient_norm != 0))
		return "Iterations and gradient norm come with the convergence flag.";
	if (m->converged != CLV_CONVERGED_UNKNOWN &&
		(!m->fitted || m->iterations < 0 || !isfinite(m->gradient_norm) || m->gradient_norm < 0))
		return "Iterations, convergence and gradient norm are those of a fit: a count, a flag and a finite norm >= 0.";
	return NULL;
}

/*
 * Text form: bgnbd(r=...,alpha=...,a=...,b=...) or gamma_gamma(p=...,q=...,
 * gamma=...), followed inside the parentheses by ll=...,n=... for a fitted
 * model, grid=... when the fit used a grid, and iterations=...,converged=
 * true|false,gradient_norm=... when the fit's convergence is known (fits
 * by 0.2.0 on).  Doubles print shortest-exact.
 */
PG_FUNCTION_INFO_V1(clv_model_out);
Datum
clv_model_out(PG_FUNCTION_ARGS)
{
	ClvModel   *m = PG_GETARG_CLV_MODEL_P(0);
	StringInfoData buf;
	int			j;

	initStringInfo(&buf);
	appendStringInfo(&buf, "%s(", clv_kind_names[m->kind]);
	for (j = 0; j < clv_nparams(m->kind); j++)
	{
		appendStringInfo(&buf, "%s%s=", j ? "," : "", clv_param_names[m->kind][j]);
		clv_append_double(&buf, m->param[j]);
	}
	if (m->fitted)
	{
		appendStringInfoString(&buf, ",ll=");
		clv_append_double(&buf, m->ll);
		appendStringInfo(&buf, ",n=" INT64_FORMAT, m->n);
		if (m->grid > 0)
		{
			appendStringInfoString(&buf, ",grid=");
			clv_append_double(&buf, m->grid);
		}
		if (m->converged != CLV_CONVERGED_UNKNOWN)
		{
			appendStringInfo(&buf, ",iterations=%d,converged=%s,gradient_norm=", m->iterations,
							 m->converged == CLV_CONVERGED_YES ? "true" : "false");
			clv_append_double(&buf, m->gradient_norm);
		}
	}
	appendStringInfoChar(&buf, ')');
	PG_RETURN_CSTRING(buf.data);
}

static void
clv_model_syntax(const char *input, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type clv_model: \"%s\"", input),
			 errdetail("%s", detail),
			 errhint("Write e.g. \"bgnbd(r=0.243,alpha=4.414,a=0.793,b=2.426)\" or \"gamma_gamma(p=6.25,q=3.74,gamma=15.44)\".")));
}

/* expect "key=" at *s */
static bool
clv_expect_key(const char **s, const char *key)
{
	size_t		len = strlen(key);

	if (strncmp(*s, key, len) != 0 || (*s)[len] != '=')
		return false;
	*s += len + 1;
	return true;
}

PG_FUNCTION_INFO_V1(clv_model_in);
Datum
clv_model_in(PG_FUNCTION_ARGS)
{
	const char *input = PG_GETARG_CSTRING(0);
	const char *s = input;
	ClvModel   *m;
	int			kind,
				j;
	const char *problem;

	if (strncmp(s, "bgnbd(", 6) == 0)
		kind = CLV_KIND_BGNBD, s += 6;
	else if (strncmp(s, "gamma_gamma(", 12) == 0)
		kind = CLV_KIND_GG, s += 12;
	else
		clv_model_syntax(input, "It must start with \"bgnbd(\" or \"gamma_gamma(\".");
	m = clv_model_alloc(kind);
	for (j = 0; j < clv_nparams(kind); j++)
	{
		if ((j > 0 && *s++ != ',') || !clv_expect_key(&s, clv_param_names[kind][j]) ||
			!clv_parse_double(&s, &m->param[j]))
			clv_model_syntax(input, psprintf("Expected %s=<number>.", clv_param_names[kind][j]));
	}
	if (*s == ',')
	{
		char	   *end;

		s++;
		if (!clv_expect_key(&s, "ll") || !clv_parse_double(&s, &m->ll) ||
			*s++ != ',' || !clv_expect_key(&s, "n") || *s < '0' || *s > '9')
			clv_model_syntax(input, "After the parameters come ll=<number>,n=<count> (both or neither).");
		errno = 0;
		m->n = strtoi64(s, &end, 10);
		if (errno != 0)
			clv_model_syntax(input, "n is out of range.");
		s = end;
		m->fitted = 1;
		if (strncmp(s, ",grid=", 6) == 0)
		{
			s++;
			if (!clv_expect_key(&s, "grid") || !clv_parse_double(&s, &m->grid))
				clv_model_syntax(input, "Expected grid=<number>.");
		}
		if (*s == ',')
		{
			long		it;

			s++;
			if (!clv_expect_key(&s, "iterations") || *s < '0' || *s > '9')
				clv_model_syntax(input, "After n (and grid) come iterations=<count>,converged=<boolean>,gradient_norm=<number>.");
			errno = 0;
			it = strtol(s, &end, 10);
			if (errno != 0 || it > PG_INT32_MAX)
				clv_model_syntax(input, "iterations is out of range.");
			m->iterations = (int32) it;
			s = end;
			if (*s++ != ',' || !clv_expect_key(&s, "converged"))
				clv_model_syntax(input, "Expected converged=true or converged=false.");
			if (strncmp(s, "true", 4) == 0)
				m->converged = CLV_CONVERGED_YES, s += 4;
			else if (strncmp(s, "false", 5) == 0)
				m->converged = CLV_CONVERGED_NO, s += 5;
			else
				clv_model_syntax(input, "Expected converged=true or converged=false.");
			if (*s++ != ',' || !clv_expect_key(&s, "gradient_norm") ||
				!clv_parse_double(&s, &m->gradient_norm))
				clv_model_syntax(input, "Expected gradient_norm=<number>.");
		}
	}
	if (*s++ != ')' || *s != '\0')
		clv_model_syntax(input, "Expected \")\" at the end.");
	if ((problem = clv_model_problem(m)) != NULL)
		journey_invalid_value(JOURNEY_FROM_TEXT, "clv_model", "%s", problem);
	PG_RETURN_POINTER(m);
}

PG_FUNCTION_INFO_V1(clv_model_send);
Datum
clv_model_send(PG_FUNCTION_ARGS)
{
	ClvModel   *m = PG_GETARG_CLV_MODEL_P(0);
	StringInfoData buf;
	int			j;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, CLV_MODEL_VERSION);
	pq_sendbyte(&buf, m->kind);
	pq_sendbyte(&buf, m->fitted);
	pq_sendint64(&buf, m->n);
	for (j = 0; j < 4; j++)
		pq_sendfloat8(&buf, m->param[j]);
	pq_sendfloat8(&buf, m->ll);
	pq_sendfloat8(&buf, m->grid);
	/* version 2 */
	pq_sendbyte(&buf, m->converged);
	pq_sendint(&buf, m->iterations, 4);
	pq_sendfloat8(&buf, m->gradient_norm);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(clv_model_recv);
Datum
clv_model_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	ClvModel   *m = clv_model_alloc(0);
	int			version = journey_recv_uint8(buf, "clv_model");
	const char *problem;
	int			j;

	/* version 1 (0.1.0) is version 2 without the fit's convergence */
	if (version != 1 && version != CLV_MODEL_VERSION)
		journey_unsupported_version(JOURNEY_FROM_BINARY, version, "clv_model");
	m->kind = journey_recv_uint8(buf, "clv_model");
	m->fitted = journey_recv_uint8(buf, "clv_model");
	m->n = journey_recv_int64(buf, "clv_model");
	for (j = 0; j < 4; j++)
		m->param[j] = journey_recv_float8(buf, "clv_model");
	m->ll = journey_recv_float8(buf, "clv_model");
	m->grid = journey_recv_float8(buf, "clv_model");
	if (version >= 2)
	{
		m->converged = journey_recv_uint8(buf, "clv_model");
		m->iterations = journey_recv_int32(buf, "clv_model");
		m->gradient_norm = journey_recv_float8(buf, "clv_model");
	}
	journey_recv_done(buf, "clv_model");
	if ((problem = clv_model_problem(m)) != NULL)
		clv_binary_error("clv_model", problem);
	PG_RETURN_POINTER(m);
}

/*
 * clv_params(clv_model) -> TABLE(name text, value double precision,
 * converged boolean): the parameters, then log_likelihood and n (NULL for
 * a model written by hand), grid when the fit used one, iterations and
 * gradient_norm (NULL when unknown: a model written by hand or fitted by
 * 0.1.0).  converged, the same on every row, says whether the fit reached
 * an interior maximum (false: it ran to a boundary; NULL: unknown).
 *
 * The tuples follow the declared result type, so this works under the
 * 0.1.0 declaration too (two columns, name and value).
 */
PG_FUNCTION_INFO_V1(clv_model_params);
Datum
clv_model_params(PG_FUNCTION_ARGS)
{
	ClvModel   *m = PG_GETARG_CLV_MODEL_P(0);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	bool		known = m->converged != CLV_CONVERGED_UNKNOWN;
	int			np = clv_nparams(m->kind);
	int			natts;
	int			j;

	journey_init_srf(fcinfo);
	natts = rsinfo->setDesc->natts;
	if (natts < 2 || natts > 3)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("clv_params must be declared with two or three result columns")));
	for (j = 0; j < np + 5; j++)
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, !known};
		const char *name;
		double		v = 0.0;

		if (j < np)
			name = clv_param_names[m->kind][j], v = m->param[j];
		else if (j == np)
			name = "log_likelihood", v = m->ll, nulls[1] = !m->fitted;
		else if (j == np + 1)
			name = "n", v = (double) m->n, nulls[1] = !m->fitted;
		else if (j == np + 2)
		{
			if (!(m->grid > 0))
				continue;
			name = "grid", v = m->grid;
		}
		else if (j == np + 3)
			name = "iterations", v = m->iterations, nulls[1] = !known;
		else
			name = "gradient_norm", v = m->gradient_norm, nulls[1] = !known;
		values[0] = CStringGetTextDatum(name);
		values[1] = Float8GetDatum(v);
		values[2] = BoolGetDatum(m->converged == CLV_CONVERGED_YES);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* ---------------------------------------------------------------------
 * Predictions
 * ---------------------------------------------------------------------
 */

static ClvModel *
clv_get_model(FunctionCallInfo fcinfo, int argno, int kind, const char *fname)
{
	ClvModel   *m;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the model argument of %s must not be NULL", fname)));
	m = PG_GETARG_CLV_MODEL_P(argno);
	if (m->kind != kind)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s needs a %s model, not %s", fname, clv_kind_names[kind], clv_kind_names[m->kind]),
				 errhint(kind == CLV_KIND_BGNBD ? "Fit it with bgnbd_fit(frequency, recency, t)." :
						 "Fit it with gamma_gamma_fit(frequency, monetary).")));
	return m;
}

static void
clv_check_customer(double x, double tx, double T)
{
	const char *problem = clv_row_problem(CLV_KIND_BGNBD, x, tx, T);

	if (problem)
		clv_row_error(problem, x, tx, T, CLV_KIND_BGNBD);
}

static double
clv_gg_value(const ClvModel *gg, double x, double m)
{
	if (!isfinite(m) || !isfinite(x) || x < 0 || x != floor(x) || (x > 0 && m <= 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid frequency or monetary value"),
				 errdetail("A customer has frequency %g, monetary %g.", x, m),
				 errhint("Frequency must be a whole number >= 0, and monetary positive when frequency > 0.")));
	if (gg->param[1] <= 1.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the Gamma-Gamma model has no finite mean spend"),
				 errdetail("The model has q = %g; the population mean p gamma / (q - 1) needs q > 1.", gg->param[1])));
	return clv_gg_expected(gg->param[0], gg->param[1], gg->param[2], x, m);
}

static Datum
clv_result(double v, const char *what)
{
	if (!isfinite(v))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s out of range for type double precision", what),
				 errhint("Check the model and the customer's inputs: their scales are extreme.")));
	return Float8GetDatum(v);
}

/* expected_purchases(bgnbd, horizon, frequency, recency, t) */
PG_FUNCTION_INFO_V1(clv_expected_purchases);
Datum
clv_expected_purchases(PG_FUNCTION_ARGS)
{
	ClvModel   *m = clv_get_model(fcinfo, 0, CLV_KIND_BGNBD, "expected_purchases");
	double		h,
				x,
				tx,
				T;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3) || PG_ARGISNULL(4))
		PG_RETURN_NULL();
	h = PG_GETARG_FLOAT8(1), x = PG_GETARG_FLOAT8(2), tx = PG_GETARG_FLOAT8(3), T = PG_GETARG_FLOAT8(4);
	if (!isfinite(h) || h < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("horizon must be a finite number of periods >= 0")));
	clv_check_customer(x, tx, T);
	PG_RETURN_DATUM(clv_result(clv_bgnbd_expected(m->param[0], m->param[1], m->param[2], m->param[3],
												  h, x, tx, T), "expected purchases"));
}

/* probability_alive(bgnbd, frequency, recency, t) */
PG_FUNCTION_INFO_V1(clv_probability_alive);
Datum
clv_probability_alive(PG_FUNCTION_ARGS)
{
	ClvModel   *m = clv_get_model(fcinfo, 0, CLV_KIND_BGNBD, "probability_alive");
	double		x,
				tx,
				T;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
		PG_RETURN_NULL();
	x = PG_GETARG_FLOAT8(1), tx = PG_GETARG_FLOAT8(2), T = PG_GETARG_FLOAT8(3);
	clv_check_customer(x, tx, T);
	PG_RETURN_DATUM(clv_result(clv_bgnbd_alive(m->param[0], m->param[1], m->param[2], m->param[3],
											   x, tx, T), "probability alive"));
}

/* expected_avg_value(gamma_gamma, frequency, monetary) */
PG_FUNCTION_INFO_V1(clv_expected_avg_value);
Datum
clv_expected_avg_value(PG_FUNCTION_ARGS)
{
	ClvModel   *gg = clv_get_model(fcinfo, 0, CLV_KIND_GG, "expected_avg_value");

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_NULL();
	PG_RETURN_DATUM(clv_result(clv_gg_value(gg, PG_GETARG_FLOAT8(1), PG_GETARG_FLOAT8(2)),
							   "expected average value"));
}

/*
 * customer_lifetime_value(bgnbd, gamma_gamma, frequency, recency, t,
 * monetary, horizon_periods, discount_rate): as lifetimes does,
 *   sum_{i=1..H} v (E(i) - E(i-1)) / (1 + d)^i
 * with E(i) the expected purchases in the next i periods, v the expected
 * mean spend and d the discount rate per period.
 */
PG_FUNCTION_INFO_V1(clv_customer_lifetime_value);
Datum
clv_customer_lifetime_value(PG_FUNCTION_ARGS)
{
	ClvModel   *m = clv_get_model(fcinfo, 0, CLV_KIND_BGNBD, "customer_lifetime_value");
	ClvModel   *gg = clv_get_model(fcinfo, 1, CLV_KIND_GG, "customer_lifetime_value");
	double		x,
				tx,
				T,
				v,
				d,
				prev = 0.0,
				clv = 0.0,
				logdisc;
	int32		H,
				i;

	if (PG_ARGISNULL(2) || PG_ARGISNULL(3) || PG_ARGISNULL(4) || PG_ARGISNULL(5) ||
		PG_ARGISNULL(6) || PG_ARGISNULL(7))
		PG_RETURN_NULL();
	x = PG_GETARG_FLOAT8(2), tx = PG_GETARG_FLOAT8(3), T = PG_GETARG_FLOAT8(4);
	H = PG_GETARG_INT32(6);
	d = PG_GETARG_FLOAT8(7);
	if (H < 0 || H > 100000)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("horizon_periods must be between 0 and 100000")));
	if (!isfinite(d) || d <= -1.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("discount_rate must be a finite number greater than -1"),
				 errhint("It is the discount rate per period, e.g. 0.01 for 1%%.")));
	clv_check_customer(x, tx, T);
	v = clv_gg_value(gg, x, PG_GETARG_FLOAT8(5));
	logdisc = log1p(d);
	for (i = 1; i <= H; i++)
	{
		double		e = clv_bgnbd_expected(m->param[0], m->param[1], m->param[2], m->param[3],
										   (double) i, x, tx, T);

		CHECK_FOR_INTERRUPTS();
		clv += v * (e - prev) * exp(-logdisc * i);
		prev = e;
	}
	PG_RETURN_DATUM(clv_result(clv, "customer lifetime value"));
}
