/*
 * experiment.c — A/B tests and holdouts: the `experiment` type (per arm:
 * units, conversions and exact sums of a value and a pre-period value),
 * the experiment_agg aggregates and rollup(experiment), the
 * experiment_report reader (two-proportion z-test, Wald interval, Welch's
 * t-test, CUPED), sample_size and assign_variant.
 *
 * The state is a concrete varlena updated in place: a header, the arms
 * sorted by name (byte order), then the names.  Every sum is a JSum (see
 * stats_math.h): exact, so a value merged from parts equals the value
 * aggregated whole, bit for bit, and its text form is exact.  An arm is
 * added by rebuilding the value (rare: once per variant).
 */
#include "journey.h"
#include "experiment.h"
#include "stats_math.h"

#include <float.h>

#include "catalog/pg_type.h"
#include "common/int.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"

#define EXP_VERSION 1
#define EXP_HAS_VALUE 0x01
#define EXP_HAS_PRE 0x02
#define EXP_MAX_ARMS 1000

enum
{
	EXP_SV,						/* sum of value */
	EXP_SVV,					/* sum of value^2 */
	EXP_SP,						/* sum of pre_value */
	EXP_SPP,					/* sum of pre_value^2 */
	EXP_SVP,					/* sum of value * pre_value */
	EXP_NSUMS
};

static const char *const exp_sum_keys[EXP_NSUMS] = {
	"sum", "sum_sq", "sum_pre", "sum_pre_sq", "sum_cross"
};

typedef struct ExpArm
{
	int64		n;				/* units */
	int64		conv;			/* converted units */
	int32		name_off;		/* into the names after the arms */
	int32		name_len;
	int32		pending;		/* additions into the sums since they were normalized */
	int32		unused;
	JSum		sum[EXP_NSUMS];
} ExpArm;

typedef struct Experiment
{
	int32		vl_len_;
	uint8		version;
	uint8		flags;			/* EXP_HAS_VALUE, EXP_HAS_PRE */
	uint16		unused;
	int32		narms;
	int32		names_len;
	ExpArm		arms[FLEXIBLE_ARRAY_MEMBER];
} Experiment;

#define EXP_NAMES(e) ((char *) &(e)->arms[(e)->narms])
#define EXP_ARM_NAME(e, a) (EXP_NAMES(e) + (a)->name_off)
#define EXP_SIZE(narms, names_len) \
	(offsetof(Experiment, arms) + (Size) (narms) * sizeof(ExpArm) + (Size) (names_len))

/* a stored or in-memory value: detoasted, its layout checked */
static Experiment *
exp_fetch(Datum d)
{
	Experiment *e = (Experiment *) PG_DETOAST_DATUM(d);
	int			i;

	if (e->version != EXP_VERSION)
		journey_unsupported_version(JOURNEY_FROM_STATE, e->version, "experiment");
	if (e->narms < 0 || e->narms > EXP_MAX_ARMS || e->names_len < 0 ||
		VARSIZE(e) != EXP_SIZE(e->narms, e->names_len))
		journey_invalid_value(JOURNEY_FROM_STATE, "experiment",
							  "The value has %u bytes for %d arms.", VARSIZE(e), e->narms);
	for (i = 0; i < e->narms; i++)
		if (e->arms[i].name_off < 0 || e->arms[i].name_len < 0 ||
			e->arms[i].name_len > e->names_len - e->arms[i].name_off)
			journey_invalid_value(JOURNEY_FROM_STATE, "experiment",
								  "The name of arm %d lies outside the value.", i + 1);
	return e;
}

#define PG_GETARG_EXP_P(n) exp_fetch(PG_GETARG_DATUM(n))

static Experiment *
exp_new(int flags)
{
	Experiment *e = palloc0(EXP_SIZE(0, 0));

	SET_VARSIZE(e, EXP_SIZE(0, 0));
	e->version = EXP_VERSION;
	e->flags = flags;
	return e;
}


/* the index of the arm called name, or -1 with *pos where it would go */
static int
exp_find(const Experiment *e, const char *name, int len, int *pos)
{
	int			lo = 0,
				hi = e->narms;

	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;
		const ExpArm *a = &e->arms[mid];
		int			c = journey_label_cmp(EXP_ARM_NAME(e, a), a->name_len, name, len);

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

/* a copy of e with an empty arm called name inserted at pos */
static Experiment *
exp_insert_arm(const Experiment *e, int pos, const char *name, int len)
{
	Size		size;
	Experiment *r;
	ExpArm	   *a;

	if (e->narms >= EXP_MAX_ARMS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("an experiment has at most %d variants", EXP_MAX_ARMS)));
	size = add_size(EXP_SIZE(e->narms + 1, e->names_len), len);
	if (size > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("experiment value too large")));
	r = palloc(size);
	memcpy(r, e, offsetof(Experiment, arms));
	SET_VARSIZE(r, size);
	r->narms = e->narms + 1;
	r->names_len = e->names_len + len;
	memcpy(r->arms, e->arms, sizeof(ExpArm) * pos);
	memcpy(r->arms + pos + 1, e->arms + pos, sizeof(ExpArm) * (e->narms - pos));
	a = &r->arms[pos];
	memset(a, 0, sizeof(ExpArm));
	a->name_off = e->names_len;
	a->name_len = len;
	memcpy(EXP_NAMES(r), EXP_NAMES(e), e->names_len);
	memcpy(EXP_NAMES(r) + e->names_len, name, len);
	return r;
}

static void
exp_arm_normalize(ExpArm *a)
{
	int			i;

	for (i = 0; i < EXP_NSUMS; i++)
		jsum_normalize(&a->sum[i]);
	a->pending = 0;
}

/* NULL if the arm is consistent with the flags, else why not */
static const char *
exp_arm_inconsistency(const ExpArm *a, int flags)
{
	int			i;

	if (a->n < 1)
		return "An arm has no units.";
	if (a->conv < 0 || a->conv > a->n)
		return "An arm has more conversions than units, or fewer than none.";
	for (i = 0; i < EXP_NSUMS; i++)
	{
		bool		present = (i < EXP_SP) ? (flags & EXP_HAS_VALUE) != 0 : (flags & EXP_HAS_PRE) != 0;
		const char *why = jsum_check(&a->sum[i]);

		if (why)
			return why;
		if (!present && !jsum_is_zero(&a->sum[i]))
			return "An arm has a sum the experiment does not hold.";
	}
	if (jsum_sign(&a->sum[EXP_SVV]) < 0 || jsum_sign(&a->sum[EXP_SPP]) < 0)
		return "A sum of squares is negative.";
	return NULL;
}

/* ---------------------------------------------------------------------
 * Text and binary forms
 * ---------------------------------------------------------------------
 *
 * v1 value=t pre=f arms=2 "control" n=3 conversions=1 sum=0x3p0 sum_sq=...
 * Names in double quotes, " and \ escaped by a backslash; arms in byte
 * order of their names, no name twice.
 */

void
exp_append_name(StringInfo buf, const char *name, int len)
{
	int			i;

	appendStringInfoChar(buf, '"');
	for (i = 0; i < len; i++)
	{
		if (name[i] == '"' || name[i] == '\\')
			appendStringInfoChar(buf, '\\');
		appendStringInfoChar(buf, name[i]);
	}
	appendStringInfoChar(buf, '"');
}

PG_FUNCTION_INFO_V1(experiment_out);
Datum
experiment_out(PG_FUNCTION_ARGS)
{
	Experiment *e = PG_GETARG_EXP_P(0);
	StringInfoData buf;
	int			i,
				k;

	initStringInfo(&buf);
	appendStringInfo(&buf, "v%d value=%c pre=%c arms=%d", EXP_VERSION,
					 (e->flags & EXP_HAS_VALUE) ? 't' : 'f',
					 (e->flags & EXP_HAS_PRE) ? 't' : 'f', e->narms);
	for (i = 0; i < e->narms; i++)
	{
		const ExpArm *a = &e->arms[i];

		appendStringInfoChar(&buf, ' ');
		exp_append_name(&buf, EXP_ARM_NAME(e, a), a->name_len);
		appendStringInfo(&buf, " n=" INT64_FORMAT " conversions=" INT64_FORMAT, a->n, a->conv);
		for (k = 0; k < EXP_NSUMS; k++)
		{
			if (k < EXP_SP ? !(e->flags & EXP_HAS_VALUE) : !(e->flags & EXP_HAS_PRE))
				continue;
			appendStringInfo(&buf, " %s=", exp_sum_keys[k]);
			jsum_append(&buf, &a->sum[k]);
		}
	}
	PG_RETURN_CSTRING(buf.data);
}

static void
exp_syntax_error(const char *input, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type experiment: \"%s\"", input),
			 errdetail("%s", detail),
			 errhint("Write the value as experiment_out does, e.g. \"v1 value=f pre=f arms=1 \\\"control\\\" n=10 conversions=2\".")));
}

/* "key=" at *s (after spaces), advancing past it */
bool
exp_expect_key(const char **s, const char *key)
{
	size_t		len = strlen(key);

	while (**s == ' ')
		(*s)++;
	if (strncmp(*s, key, len) != 0 || (*s)[len] != '=')
		return false;
	*s += len + 1;
	return true;
}

bool
exp_parse_count(const char **s, int64 *out)
{
	if (!journey_parse_count(s, out))
		return false;
	return **s == ' ' || **s == '\0';
}

static bool
exp_parse_bool(const char **s, bool *out)
{
	if ((**s != 't' && **s != 'f') || ((*s)[1] != ' ' && (*s)[1] != '\0'))
		return false;
	*out = **s == 't';
	(*s)++;
	return true;
}

/* a double-quoted name at *s into buf (unescaped) */
bool
exp_parse_name(const char **s, StringInfo buf)
{
	const char *p = *s;

	while (*p == ' ')
		p++;
	if (*p++ != '"')
		return false;
	resetStringInfo(buf);
	for (;;)
	{
		if (*p == '\0')
			return false;
		if (*p == '"')
			break;
		if (*p == '\\')
		{
			p++;
			if (*p != '"' && *p != '\\')
				return false;
		}
		appendStringInfoChar(buf, *p++);
	}
	*s = p + 1;
	return true;
}

/* "v1 " and the version: the version number at *s */
static int
exp_parse_version(const char *input, const char **s, const char *type_name)
{
	int64		version;

	while (**s == ' ')
		(*s)++;
	if (**s != 'v')
		return -1;
	(*s)++;
	if (!exp_parse_count(s, &version))
		return -1;
	if (version != 1)
		journey_unsupported_version(JOURNEY_FROM_TEXT, version, type_name);
	return (int) version;
}

PG_FUNCTION_INFO_V1(experiment_in);
Datum
experiment_in(PG_FUNCTION_ARGS)
{
	const char *input = PG_GETARG_CSTRING(0);
	const char *s = input;
	bool		has_value,
				has_pre;
	int64		narms;
	int			flags,
				i,
				k;
	Experiment *e;
	StringInfoData name;
	const char *why;

	if (exp_parse_version(input, &s, "experiment") < 0)
		exp_syntax_error(input, "Expected the format version, \"v1\".");
	if (!exp_expect_key(&s, "value") || !exp_parse_bool(&s, &has_value))
		exp_syntax_error(input, "Expected \"value=t\" or \"value=f\".");
	if (!exp_expect_key(&s, "pre") || !exp_parse_bool(&s, &has_pre))
		exp_syntax_error(input, "Expected \"pre=t\" or \"pre=f\".");
	if (has_pre && !has_value)
		journey_invalid_value(JOURNEY_FROM_TEXT, "experiment", "An experiment with pre-period values must have values.");
	if (!exp_expect_key(&s, "arms") || !exp_parse_count(&s, &narms))
		exp_syntax_error(input, "Expected \"arms=\" and the number of arms.");
	if (narms > EXP_MAX_ARMS)
		journey_invalid_value(JOURNEY_FROM_TEXT, "experiment", "An experiment has at most %d arms.", EXP_MAX_ARMS);
	flags = (has_value ? EXP_HAS_VALUE : 0) | (has_pre ? EXP_HAS_PRE : 0);
	e = exp_new(flags);
	initStringInfo(&name);
	for (i = 0; i < narms; i++)
	{
		ExpArm	   *a;
		int			pos;

		if (!exp_parse_name(&s, &name))
			exp_syntax_error(input, psprintf("Expected the name of arm %d in double quotes.", i + 1));
		if (i > 0)
		{
			const ExpArm *prev = &e->arms[i - 1];

			if (journey_label_cmp(EXP_ARM_NAME(e, prev), prev->name_len, name.data, name.len) >= 0)
				journey_invalid_value(JOURNEY_FROM_TEXT, "experiment",
									  "The arms are not in strictly increasing order of their names.");
		}
		exp_find(e, name.data, name.len, &pos);
		e = exp_insert_arm(e, pos, name.data, name.len);
		a = &e->arms[pos];
		if (!exp_expect_key(&s, "n") || !exp_parse_count(&s, &a->n))
			exp_syntax_error(input, "Expected \"n=\" and a count.");
		if (!exp_expect_key(&s, "conversions") || !exp_parse_count(&s, &a->conv))
			exp_syntax_error(input, "Expected \"conversions=\" and a count.");
		for (k = 0; k < EXP_NSUMS; k++)
		{
			if (k < EXP_SP ? !has_value : !has_pre)
				continue;
			if (!exp_expect_key(&s, exp_sum_keys[k]) || !jsum_parse(&a->sum[k], &s) ||
				(*s != ' ' && *s != '\0'))
				exp_syntax_error(input, psprintf("Expected \"%s=\" and an exact sum within range, written as experiment_out writes it (0x18p-1 is 12).",
												 exp_sum_keys[k]));
		}
		if ((why = exp_arm_inconsistency(a, flags)) != NULL)
			journey_invalid_value(JOURNEY_FROM_TEXT, "experiment", "%s", why);
	}
	while (*s == ' ')
		s++;
	if (*s != '\0')
		exp_syntax_error(input, "Unexpected text after the last arm.");
	PG_RETURN_POINTER(e);
}

PG_FUNCTION_INFO_V1(experiment_send);
Datum
experiment_send(PG_FUNCTION_ARGS)
{
	Experiment *e = PG_GETARG_EXP_P(0);
	StringInfoData buf;
	int			i,
				k;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, EXP_VERSION);
	pq_sendbyte(&buf, e->flags);
	pq_sendint32(&buf, e->narms);
	for (i = 0; i < e->narms; i++)
	{
		const ExpArm *a = &e->arms[i];

		pq_sendint32(&buf, a->name_len);
		pq_sendtext(&buf, EXP_ARM_NAME(e, a), a->name_len);
		pq_sendint64(&buf, a->n);
		pq_sendint64(&buf, a->conv);
		for (k = 0; k < EXP_NSUMS; k++)
			if (k < EXP_SP ? (e->flags & EXP_HAS_VALUE) : (e->flags & EXP_HAS_PRE))
				jsum_send(&buf, &a->sum[k]);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

char *
exp_recv_name(StringInfo buf, int32 len, int *outlen, const char *type_name)
{
	char	   *s;
	int			nbytes;

	if (len < 0 || len > buf->len - buf->cursor)
		journey_invalid_value(JOURNEY_FROM_BINARY, type_name,
							  "A name of %d bytes does not fit in the value.", len);
	s = pq_getmsgtext(buf, len, &nbytes);
	if ((int) strlen(s) != nbytes)
		journey_invalid_value(JOURNEY_FROM_BINARY, type_name, "A name contains a zero byte.");
	*outlen = nbytes;
	return s;
}

PG_FUNCTION_INFO_V1(experiment_recv);
Datum
experiment_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			version = journey_recv_uint8(buf, "experiment");
	int			flags,
				narms,
				i,
				k;
	Experiment *e;
	const char *why;

	if (version != EXP_VERSION)
		journey_unsupported_version(JOURNEY_FROM_BINARY, version, "experiment");
	flags = journey_recv_uint8(buf, "experiment");
	if ((flags & ~(EXP_HAS_VALUE | EXP_HAS_PRE)) != 0 ||
		((flags & EXP_HAS_PRE) && !(flags & EXP_HAS_VALUE)))
		journey_invalid_value(JOURNEY_FROM_BINARY, "experiment", "The flags %d are not valid.", flags);
	narms = journey_recv_int32(buf, "experiment");
	if (narms < 0 || narms > EXP_MAX_ARMS)
		journey_invalid_value(JOURNEY_FROM_BINARY, "experiment",
							  "The value has %d arms; an experiment has at most %d.", narms, EXP_MAX_ARMS);
	e = exp_new(flags);
	for (i = 0; i < narms; i++)
	{
		int32		len = journey_recv_int32(buf, "experiment");
		int			nbytes,
					pos;
		char	   *name = exp_recv_name(buf, len, &nbytes, "experiment");
		ExpArm	   *a;

		if (i > 0)
		{
			const ExpArm *prev = &e->arms[i - 1];

			if (journey_label_cmp(EXP_ARM_NAME(e, prev), prev->name_len, name, nbytes) >= 0)
				journey_invalid_value(JOURNEY_FROM_BINARY, "experiment",
									  "The arms are not in strictly increasing order of their names.");
		}
		exp_find(e, name, nbytes, &pos);
		e = exp_insert_arm(e, pos, name, nbytes);
		a = &e->arms[pos];
		a->n = journey_recv_int64(buf, "experiment");
		a->conv = journey_recv_int64(buf, "experiment");
		for (k = 0; k < EXP_NSUMS; k++)
			if (k < EXP_SP ? (flags & EXP_HAS_VALUE) : (flags & EXP_HAS_PRE))
				jsum_recv(buf, &a->sum[k], "experiment");
		if ((why = exp_arm_inconsistency(a, flags)) != NULL)
			journey_invalid_value(JOURNEY_FROM_BINARY, "experiment", "%s", why);
	}
	journey_recv_done(buf, "experiment");
	PG_RETURN_POINTER(e);
}

/* ---------------------------------------------------------------------
 * Aggregation
 * ---------------------------------------------------------------------
 */

/* what an experiment holds, for messages */
static const char *
exp_measures(int flags)
{
	if (flags & EXP_HAS_PRE)
		return "conversions, values and pre-period values";
	if (flags & EXP_HAS_VALUE)
		return "conversions and values";
	return "conversions only";
}

static void
exp_check_finite(double v, const char *what)
{
	if (isnan(v) || isinf(v))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a finite number", what),
				 errdetail("A unit has %s %s.", what, isnan(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity")));
}

static void
exp_check_product(double x, double y, const char *what)
{
	if (isinf(x * y))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s out of range for an experiment", what),
				 errdetail("Squares and products of the values must be below 1.8e308; a unit has %g and %g.", x, y)));
}

/*
 * Transition of experiment_agg(variant, converted [, value [, pre_value]]):
 * one unit.  A NULL variant ignores the row; a NULL converted counts as
 * not converted, a NULL value or pre_value as 0 (a LEFT JOIN to the
 * conversions gives NULLs for the units that did nothing).  The arity
 * (PG_NARGS) says which sums the experiment keeps.
 */
PG_FUNCTION_INFO_V1(experiment_add);
Datum
experiment_add(PG_FUNCTION_ARGS)
{
	int			nargs = PG_NARGS();
	int			flags = (nargs >= 4 ? EXP_HAS_VALUE : 0) | (nargs >= 5 ? EXP_HAS_PRE : 0);
	text	   *variant;
	const char *name;
	int			len,
				idx,
				pos;
	bool		converted;
	double		v = 0,
				p = 0;
	Experiment *e;
	ExpArm	   *a;
	int		   *cache;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	converted = !PG_ARGISNULL(2) && PG_GETARG_BOOL(2);
	if ((flags & EXP_HAS_VALUE) && !PG_ARGISNULL(3))
	{
		v = PG_GETARG_FLOAT8(3);
		exp_check_finite(v, "value");
		exp_check_product(v, v, "value");
	}
	if ((flags & EXP_HAS_PRE) && !PG_ARGISNULL(4))
	{
		p = PG_GETARG_FLOAT8(4);
		exp_check_finite(p, "pre_value");
		exp_check_product(p, p, "pre_value");
		exp_check_product(v, p, "value times pre_value");
	}
	variant = PG_GETARG_TEXT_PP(1);
	name = VARDATA_ANY(variant);
	len = VARSIZE_ANY_EXHDR(variant);

	if (PG_ARGISNULL(0))
		e = exp_new(flags);
	else
	{
		e = (Experiment *) journey_writable_arg(fcinfo, 0);
		if (e->version != EXP_VERSION)
			journey_unsupported_version(JOURNEY_FROM_STATE, e->version, "experiment");
		if (e->flags != flags)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("cannot add a unit with %s to an experiment of %s",
							exp_measures(flags), exp_measures(e->flags))));
	}

	/* the arm: the one of the previous row, most of the time */
	cache = (int *) fcinfo->flinfo->fn_extra;
	if (cache == NULL)
	{
		cache = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(int));
		fcinfo->flinfo->fn_extra = cache;
	}
	idx = *cache;
	if (idx >= e->narms ||
		e->arms[idx].name_len != len ||
		memcmp(EXP_ARM_NAME(e, &e->arms[idx]), name, len) != 0)
	{
		idx = exp_find(e, name, len, &pos);
		if (idx < 0)
		{
			e = exp_insert_arm(e, pos, name, len);
			idx = pos;
		}
		*cache = idx;
	}
	a = &e->arms[idx];
	a->n++;
	if (converted)
		a->conv++;
	if (flags & EXP_HAS_VALUE)
	{
		jsum_add(&a->sum[EXP_SV], v);
		jsum_add_product(&a->sum[EXP_SVV], v, v);
		if (flags & EXP_HAS_PRE)
		{
			jsum_add(&a->sum[EXP_SP], p);
			jsum_add_product(&a->sum[EXP_SPP], p, p);
			jsum_add_product(&a->sum[EXP_SVP], v, p);
		}
		a->pending += 2;
		if (a->pending >= JSUM_MAX_PENDING)
			exp_arm_normalize(a);
	}
	PG_RETURN_POINTER(e);
}

/*
 * Merge: rollup()'s transition and the combine function (strict).  Updates
 * the first argument in place when called as an aggregate.
 */
PG_FUNCTION_INFO_V1(experiment_merge);
Datum
experiment_merge(PG_FUNCTION_ARGS)
{
	Experiment *a = (Experiment *) journey_writable_arg(fcinfo, 0);
	Experiment *b = PG_GETARG_EXP_P(1);
	int			i,
				k;

	if (a->version != EXP_VERSION)
		journey_unsupported_version(JOURNEY_FROM_STATE, a->version, "experiment");
	if (a->flags != b->flags)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot merge experiments with different measures"),
				 errdetail("One experiment holds %s, the other %s.", exp_measures(a->flags), exp_measures(b->flags))));
	for (i = 0; i < b->narms; i++)
	{
		const ExpArm *src = &b->arms[i];
		const char *name = EXP_ARM_NAME(b, src);
		int			pos,
					idx = exp_find(a, name, src->name_len, &pos);
		ExpArm	   *dst;

		if (idx < 0)
		{
			a = exp_insert_arm(a, pos, name, src->name_len);
			idx = pos;
		}
		dst = &a->arms[idx];
		if (pg_add_s64_overflow(dst->n, src->n, &dst->n) ||
			pg_add_s64_overflow(dst->conv, src->conv, &dst->conv))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("experiment count out of range")));
		for (k = 0; k < EXP_NSUMS; k++)
			jsum_merge(&dst->sum[k], &src->sum[k]);
		dst->pending = 0;
	}
	PG_RETURN_POINTER(a);
}

/* ---------------------------------------------------------------------
 * experiment_report
 * ---------------------------------------------------------------------
 */

/* what the report needs of an arm, its sums normalized */
typedef struct ExpStats
{
	const char *name;
	int			name_len;
	int64		n;
	int64		conv;
	JSum		sum[EXP_NSUMS];
} ExpStats;

/* sample variance of x (sums sx, sxx over n units), exact up to the final rounding */
static double
exp_var(int64 n, const JSum *sxx, const JSum *sx)
{
	double		v = jsum_comoment(n, sxx, sx, sx, (double) n * (double) (n - 1));

	return Max(v, 0.0);
}

/*
 * Welch's t-test of mean1 - mean0 = diff with variances var1, var0 over
 * n1, n0 units: the two-sided p-value, or false when the standard error
 * is zero (both samples constant).
 */
static bool
exp_welch(double diff, double var1, int64 n1, double var0, int64 n0, double *p)
{
	double		s1 = var1 / n1,
				s0 = var0 / n0,
				se2 = s1 + s0,
				df,
				t;

	/* no test for constant samples, nor when a variance overflows a double */
	if (!(se2 > 0) || isinf(se2))
		return false;
	t = diff / sqrt(se2);
	/* Welch-Satterthwaite, scaled by se2^2 so that nothing overflows */
	df = 1.0 / ((s1 / se2) * (s1 / se2) / (n1 - 1) + (s0 / se2) * (s0 / se2) / (n0 - 1));
	if (isnan(t) || !(df > 0) || isinf(df))
		return false;
	*p = jstat_t_two_sided(t, df);
	return true;
}

enum
{
	R_VARIANT, R_N, R_CONV, R_RATE, R_LIFT, R_CI_LOW, R_CI_HIGH, R_Z, R_P,
	R_MEAN, R_VALUE_DIFF, R_VALUE_P, R_CUPED_DIFF, R_CUPED_P, R_NCOLS
};

static void
exp_report_row(ReturnSetInfo *rsinfo, const ExpStats *c, const ExpStats *s, bool is_control,
			   int flags, double z_crit)
{
	Datum		values[R_NCOLS];
	bool		nulls[R_NCOLS];
	double		rate = (double) s->conv / s->n,
				rate_c = (double) c->conv / c->n;
	bool		stats = !is_control && s->n >= 2 && c->n >= 2;
	int			i;

	for (i = 0; i < R_NCOLS; i++)
	{
		values[i] = (Datum) 0;
		nulls[i] = true;
	}
	values[R_VARIANT] = PointerGetDatum(cstring_to_text_with_len(s->name, s->name_len));
	values[R_N] = Int64GetDatum(s->n);
	values[R_CONV] = Int64GetDatum(s->conv);
	values[R_RATE] = Float8GetDatum(rate);
	nulls[R_VARIANT] = nulls[R_N] = nulls[R_CONV] = nulls[R_RATE] = false;
	if (!is_control && c->conv > 0)
	{
		values[R_LIFT] = Float8GetDatum(rate / rate_c - 1.0);
		nulls[R_LIFT] = false;
	}
	if (stats)
	{
		/* the difference of rates, exactly, then rounded */
		double		diff = (double) ((int128) s->conv * c->n - (int128) c->conv * s->n) /
			((double) s->n * (double) c->n);
		double		var_u = (double) s->conv * (double) (s->n - s->conv) / ((double) s->n * s->n * s->n) +
			(double) c->conv * (double) (c->n - c->conv) / ((double) c->n * c->n * c->n);
		double		se_u = sqrt(var_u);
		int64		npool = s->n + c->n,
					cpool = s->conv + c->conv;
		double		var_p = (double) cpool * (double) (npool - cpool) / ((double) npool * npool) *
			(1.0 / s->n + 1.0 / c->n);

		values[R_CI_LOW] = Float8GetDatum(diff - z_crit * se_u);
		values[R_CI_HIGH] = Float8GetDatum(diff + z_crit * se_u);
		nulls[R_CI_LOW] = nulls[R_CI_HIGH] = false;
		if (var_p > 0)
		{
			double		z = diff / sqrt(var_p);

			values[R_Z] = Float8GetDatum(z);
			values[R_P] = Float8GetDatum(erfc(fabs(z) / M_SQRT2));
			nulls[R_Z] = nulls[R_P] = false;
		}
	}
	if (flags & EXP_HAS_VALUE)
	{
		values[R_MEAN] = Float8GetDatum(jsum_to_double(&s->sum[EXP_SV]) / s->n);
		nulls[R_MEAN] = false;
		if (!is_control)
		{
			/* mean - control mean = (n_c sum - n sum_c) / (n n_c) */
			double		vdiff = jsum_lincomb(c->n, &s->sum[EXP_SV], s->n, &c->sum[EXP_SV],
											 (double) s->n * (double) c->n);
			double		p;

			values[R_VALUE_DIFF] = Float8GetDatum(vdiff);
			nulls[R_VALUE_DIFF] = false;
			if (stats && exp_welch(vdiff, exp_var(s->n, &s->sum[EXP_SVV], &s->sum[EXP_SV]), s->n,
								   exp_var(c->n, &c->sum[EXP_SVV], &c->sum[EXP_SV]), c->n, &p))
			{
				values[R_VALUE_P] = Float8GetDatum(p);
				nulls[R_VALUE_P] = false;
			}
			if (stats && (flags & EXP_HAS_PRE))
			{
				JSum		pool[EXP_NSUMS];
				int64		npool = s->n + c->n;
				double		dd = (double) npool * (double) (npool - 1);
				double		var_pre,
							theta,
							pdiff,
							var1,
							var0,
							cdiff;
				int			k;

				for (k = 0; k < EXP_NSUMS; k++)
				{
					pool[k] = s->sum[k];
					jsum_merge(&pool[k], &c->sum[k]);
				}
				var_pre = jsum_comoment(npool, &pool[EXP_SPP], &pool[EXP_SP], &pool[EXP_SP], dd);
				theta = jsum_comoment(npool, &pool[EXP_SVP], &pool[EXP_SV], &pool[EXP_SP], dd) / var_pre;
				/* theta undefined: a constant pre_value (or moments beyond a double) */
				if (var_pre > 0 && isfinite(var_pre) && isfinite(theta))
				{
					pdiff = jsum_lincomb(c->n, &s->sum[EXP_SP], s->n, &c->sum[EXP_SP],
										 (double) s->n * (double) c->n);
					cdiff = vdiff - theta * pdiff;
					var1 = exp_var(s->n, &s->sum[EXP_SVV], &s->sum[EXP_SV]) -
						2 * theta * jsum_comoment(s->n, &s->sum[EXP_SVP], &s->sum[EXP_SV], &s->sum[EXP_SP],
												  (double) s->n * (double) (s->n - 1)) +
						theta * theta * exp_var(s->n, &s->sum[EXP_SPP], &s->sum[EXP_SP]);
					var0 = exp_var(c->n, &c->sum[EXP_SVV], &c->sum[EXP_SV]) -
						2 * theta * jsum_comoment(c->n, &c->sum[EXP_SVP], &c->sum[EXP_SV], &c->sum[EXP_SP],
												  (double) c->n * (double) (c->n - 1)) +
						theta * theta * exp_var(c->n, &c->sum[EXP_SPP], &c->sum[EXP_SP]);
					if (isfinite(cdiff))
					{
						values[R_CUPED_DIFF] = Float8GetDatum(cdiff);
						nulls[R_CUPED_DIFF] = false;
					}
					if (exp_welch(cdiff, Max(var1, 0.0), s->n, Max(var0, 0.0), c->n, &p))
					{
						values[R_CUPED_P] = Float8GetDatum(p);
						nulls[R_CUPED_P] = false;
					}
				}
			}
		}
	}
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

static void
exp_check_alpha(double alpha, const char *what)
{
	if (!(alpha > 0 && alpha < 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be between 0 and 1, exclusive", what),
				 errdetail("The %s given is %g.", what, alpha)));
}

static void
exp_check_not_null(FunctionCallInfo fcinfo, int argno, const char *what)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", what)));
}

/*
 * experiment_report(e, control, alpha): one row per arm, the control first
 * and then the others in byte order of their names; see the README for
 * every column.  NULL e gives no rows; NULL control or alpha is an error.
 */
PG_FUNCTION_INFO_V1(experiment_report);
Datum
experiment_report(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Experiment *e;
	text	   *control;
	double		alpha,
				z_crit;
	int			ci,
				pos,
				i,
				k;
	ExpStats   *st;

	exp_check_not_null(fcinfo, 1, "control");
	exp_check_not_null(fcinfo, 2, "alpha");
	alpha = PG_GETARG_FLOAT8(2);
	exp_check_alpha(alpha, "alpha");
	journey_init_srf(fcinfo);
	if (PG_ARGISNULL(0))
		return (Datum) 0;
	e = PG_GETARG_EXP_P(0);
	control = PG_GETARG_TEXT_PP(1);
	ci = exp_find(e, VARDATA_ANY(control), VARSIZE_ANY_EXHDR(control), &pos);
	if (ci < 0)
	{
		StringInfoData names;

		initStringInfo(&names);
		for (i = 0; i < e->narms && i < 20; i++)
		{
			if (i > 0)
				appendStringInfoString(&names, ", ");
			exp_append_name(&names, EXP_ARM_NAME(e, &e->arms[i]), e->arms[i].name_len);
		}
		if (e->narms > 20)
			appendStringInfoString(&names, ", ...");
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("control variant \"%s\" is not in the experiment", text_to_cstring(control)),
				 e->narms == 0 ? errdetail("The experiment has no variants.") :
				 errdetail("The experiment has the variants %s.", names.data)));
	}
	z_crit = jstat_norm_isf(alpha / 2);
	st = palloc(sizeof(ExpStats) * e->narms);
	for (i = 0; i < e->narms; i++)
	{
		st[i].name = EXP_ARM_NAME(e, &e->arms[i]);
		st[i].name_len = e->arms[i].name_len;
		st[i].n = e->arms[i].n;
		st[i].conv = e->arms[i].conv;
		for (k = 0; k < EXP_NSUMS; k++)
		{
			st[i].sum[k] = e->arms[i].sum[k];
			jsum_normalize(&st[i].sum[k]);
		}
	}
	exp_report_row(rsinfo, &st[ci], &st[ci], true, e->flags, z_crit);
	for (i = 0; i < e->narms; i++)
		if (i != ci)
			exp_report_row(rsinfo, &st[ci], &st[i], false, e->flags, z_crit);
	return (Datum) 0;
}

/* ---------------------------------------------------------------------
 * Planning and assignment
 * ---------------------------------------------------------------------
 */

/*
 * sample_size(baseline_rate, min_detectable_lift, alpha, power): units per
 * arm for a two-sided two-proportion z-test (the formula is in the README).
 */
PG_FUNCTION_INFO_V1(experiment_sample_size);
Datum
experiment_sample_size(PG_FUNCTION_ARGS)
{
	double		p1,
				lift,
				alpha,
				power,
				p2,
				delta,
				pbar,
				za,
				zb,
				num,
				n;

	exp_check_not_null(fcinfo, 0, "baseline_rate");
	exp_check_not_null(fcinfo, 1, "min_detectable_lift");
	exp_check_not_null(fcinfo, 2, "alpha");
	exp_check_not_null(fcinfo, 3, "power");
	p1 = PG_GETARG_FLOAT8(0);
	lift = PG_GETARG_FLOAT8(1);
	alpha = PG_GETARG_FLOAT8(2);
	power = PG_GETARG_FLOAT8(3);
	exp_check_alpha(p1, "baseline_rate");
	exp_check_alpha(alpha, "alpha");
	exp_check_alpha(power, "power");
	if (isnan(lift) || isinf(lift) || lift == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("min_detectable_lift must be a finite number other than 0"),
				 errdetail("The min_detectable_lift given is %g.", lift)));
	delta = p1 * lift;
	p2 = p1 + delta;
	if (!(p2 >= 0 && p2 <= 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the rate to detect must be between 0 and 1"),
				 errdetail("baseline_rate * (1 + min_detectable_lift) is %g.", p2)));
	pbar = (p1 + p2) / 2;
	za = jstat_norm_isf(alpha / 2);
	zb = jstat_norm_isf(1 - power);
	num = za * sqrt(2 * pbar * (1 - pbar)) + zb * sqrt(p1 * (1 - p1) + p2 * (1 - p2));
	n = ceil(num * num / (delta * delta));
	if (!(n < 9.2e18))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("sample size out of range"),
				 errdetail("The lift to detect is too small for a bigint number of units.")));
	PG_RETURN_INT64((int64) n);
}

/*
 * assign_variant(unit_key, salt, weights): the arm (1-based) of a unit.
 * h = the first 8 bytes (big-endian) of SHA-256(salt || ':' || unit_key),
 * u = (h >> 11) / 2^53 in [0, 1), and the arm is the first i with
 * u * sum(weights) < weights[1] + ... + weights[i].  NULL unit_key gives
 * NULL; NULL salt or weights, or a weight that is NULL, negative or not
 * finite, or weights summing to 0, are errors.
 */
PG_FUNCTION_INFO_V1(experiment_assign_variant);
Datum
experiment_assign_variant(PG_FUNCTION_ARGS)
{
	text	   *key,
			   *salt;
	ArrayType  *weights;
	Datum	   *elems;
	bool	   *enulls;
	int			nelems,
				i,
				last = 0,
				klen,
				slen;
	double		total = 0,
				acc = 0,
				u;
	bytea	   *msg;
	bytea	   *digest;
	const uint8 *d;
	uint64		h = 0;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	exp_check_not_null(fcinfo, 1, "salt");
	exp_check_not_null(fcinfo, 2, "weights");
	key = PG_GETARG_TEXT_PP(0);
	salt = PG_GETARG_TEXT_PP(1);
	weights = PG_GETARG_ARRAYTYPE_P(2);
	if (ARR_NDIM(weights) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("weights must be a one-dimensional array")));
	deconstruct_array(weights, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
					  &elems, &enulls, &nelems);
	if (nelems == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("weights must not be empty")));
	for (i = 0; i < nelems; i++)
	{
		double		w;

		if (enulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("weights must not contain nulls")));
		w = DatumGetFloat8(elems[i]);
		if (!(w >= 0) || isinf(w))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("weights must be finite and not negative"),
					 errdetail("Weight %d is %g.", i + 1, w)));
		if (w > 0)
			last = i;
		total += w;
	}
	if (!(total > 0) || isinf(total))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("weights must have a finite, positive sum")));

	klen = VARSIZE_ANY_EXHDR(key);
	slen = VARSIZE_ANY_EXHDR(salt);
	msg = palloc(VARHDRSZ + slen + 1 + klen);
	SET_VARSIZE(msg, VARHDRSZ + slen + 1 + klen);
	memcpy(VARDATA(msg), VARDATA_ANY(salt), slen);
	VARDATA(msg)[slen] = ':';
	memcpy(VARDATA(msg) + slen + 1, VARDATA_ANY(key), klen);
	digest = DatumGetByteaPP(DirectFunctionCall1(sha256_bytea, PointerGetDatum(msg)));
	d = (const uint8 *) VARDATA_ANY(digest);
	for (i = 0; i < 8; i++)
		h = (h << 8) | d[i];
	u = ldexp((double) (h >> 11), -53);
	u *= total;
	for (i = 0; i < nelems; i++)
	{
		acc += DatumGetFloat8(elems[i]);
		if (u < acc)
			PG_RETURN_INT32(i + 1);
	}
	PG_RETURN_INT32(last + 1);	/* rounding: u * total reached the sum */
}
