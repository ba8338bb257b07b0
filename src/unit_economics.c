/*
 * unit_economics.c — the `unit_economics` type: exact sums over acquired
 * units (customers), and the `ltv_per_unit` / `unit_economics` aggregates
 * and the `unit_economics_report` reader built on it.
 *
 * Money stays exact: every sum is a JDecimal (128-bit mantissa and a
 * decimal scale, see decimal.h), so the state is a fixed-size
 * varlena whose text form prints the sums digit for digit and reads them
 * back bit for bit.  Numeric values are converted once per row (through
 * their text form, in the per-row memory context); the state itself is
 * updated in place.  Ratios are computed at read time with numeric
 * division (trailing zeros trimmed); a ratio whose denominator is zero is
 * NULL.
 */
#include "journey.h"
#include "unit_economics.h"

#include "common/int.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/numeric.h"
#include "utils/tuplestore.h"

/* ---------------------------------------------------------------------
 * The unit_economics type
 * ---------------------------------------------------------------------
 */

#define PG_GETARG_UE_P(n) ((UnitEconomics *) PG_DETOAST_DATUM(PG_GETARG_DATUM(n)))

static UnitEconomics *
ue_new(void)
{
	UnitEconomics *ue = palloc0(sizeof(UnitEconomics));

	SET_VARSIZE(ue, sizeof(UnitEconomics));
	ue->version = UE_VERSION;
	return ue;
}

/* NULL if the value is consistent, else why not */
static const char *
ue_inconsistency(const UnitEconomics *ue)
{
	if (ue->units < 0 || ue->buyers < 0 || ue->purchases < 0 || ue->acq_units < 0 || ue->acq_buyers < 0)
		return "A count is negative.";
	if (ue->buyers > ue->units)
		return "There are more buyers than units.";
	if (ue->acq_units > ue->units || ue->acq_buyers > ue->acq_units || ue->acq_buyers > ue->buyers)
		return "The units with a known acquisition cost do not fit the units and buyers.";
	if (ue->purchases < ue->buyers || (ue->buyers == 0 && ue->purchases != 0))
		return "Every buyer makes at least one purchase and only buyers make purchases.";
	if (!jdec_valid(&ue->revenue) || !jdec_valid(&ue->cost) || !jdec_valid(&ue->acq_cost))
		return "A decimal scale is out of range.";
	if (ue->acq_units == 0 && !jdec_is_zero(&ue->acq_cost))
		return "There is an acquisition cost but no unit with a known acquisition cost.";
	return NULL;
}

static void
ue_add_count(int64 *acc, int64 v)
{
	if (pg_add_s64_overflow(*acc, v, acc))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("unit_economics count out of range")));
}

static void
ue_merge_into(UnitEconomics *a, const UnitEconomics *b)
{
	ue_add_count(&a->units, b->units);
	ue_add_count(&a->buyers, b->buyers);
	ue_add_count(&a->purchases, b->purchases);
	ue_add_count(&a->acq_units, b->acq_units);
	ue_add_count(&a->acq_buyers, b->acq_buyers);
	jdec_add(&a->revenue, &b->revenue);
	jdec_add(&a->cost, &b->cost);
	jdec_add(&a->acq_cost, &b->acq_cost);
}

/*
 * Text form: the eight sums as key=value in a fixed order, e.g.
 * units=3 buyers=2 purchases=5 revenue=120.50 cost=60.00
 * acquisition_units=3 acquisition_buyers=2 acquisition_cost=30
 */
static const char *const ue_keys[] = {
	"units", "buyers", "purchases", "revenue", "cost",
	"acquisition_units", "acquisition_buyers", "acquisition_cost"
};

PG_FUNCTION_INFO_V1(unit_economics_out);
Datum
unit_economics_out(PG_FUNCTION_ARGS)
{
	UnitEconomics *ue = PG_GETARG_UE_P(0);
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfo(&buf, "units=" INT64_FORMAT " buyers=" INT64_FORMAT " purchases=" INT64_FORMAT " revenue=",
					 ue->units, ue->buyers, ue->purchases);
	jdec_append(&buf, &ue->revenue);
	appendStringInfoString(&buf, " cost=");
	jdec_append(&buf, &ue->cost);
	appendStringInfo(&buf, " acquisition_units=" INT64_FORMAT " acquisition_buyers=" INT64_FORMAT " acquisition_cost=",
					 ue->acq_units, ue->acq_buyers);
	jdec_append(&buf, &ue->acq_cost);
	PG_RETURN_CSTRING(buf.data);
}

static void
ue_syntax_error(const char *input, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type unit_economics: \"%s\"", input),
			 errdetail("%s", detail),
			 errhint("Write all eight sums in order, e.g. \"units=3 buyers=2 purchases=5 revenue=120.50 cost=60.00 acquisition_units=3 acquisition_buyers=2 acquisition_cost=30\".")));
}

PG_FUNCTION_INFO_V1(unit_economics_in);
Datum
unit_economics_in(PG_FUNCTION_ARGS)
{
	const char *input = PG_GETARG_CSTRING(0);
	const char *s = input;
	UnitEconomics *ue = ue_new();
	size_t		k;
	const char *why;

	for (k = 0; k < lengthof(ue_keys); k++)
	{
		size_t		len = strlen(ue_keys[k]);

		while (*s == ' ')
			s++;
		if (strncmp(s, ue_keys[k], len) != 0 || s[len] != '=')
			ue_syntax_error(input, psprintf("Expected \"%s=\".", ue_keys[k]));
		s += len + 1;
		if (k == 3 || k == 4 || k == 7)
		{
			JDecimal   *d = k == 3 ? &ue->revenue : k == 4 ? &ue->cost : &ue->acq_cost;

			if (!jdec_parse(d, s, &s))
				ue_syntax_error(input, psprintf("The value of %s is not an exact decimal of at most 38 digits and %d decimals.",
												ue_keys[k], JDEC_MAX_SCALE));
		}
		else
		{
			int64	   *c = k == 0 ? &ue->units : k == 1 ? &ue->buyers : k == 2 ? &ue->purchases :
				k == 5 ? &ue->acq_units : &ue->acq_buyers;
			char	   *end;

			if (*s < '0' || *s > '9')
				ue_syntax_error(input, psprintf("The value of %s is not a non-negative integer.", ue_keys[k]));
			errno = 0;
			*c = strtoi64(s, &end, 10);
			if (errno != 0)
				ue_syntax_error(input, psprintf("The value of %s is out of range.", ue_keys[k]));
			s = end;
		}
		if (*s != ' ' && *s != '\0')
			ue_syntax_error(input, psprintf("Unexpected character after %s.", ue_keys[k]));
	}
	while (*s == ' ')
		s++;
	if (*s != '\0')
		ue_syntax_error(input, "Unexpected text after the last sum.");
	if ((why = ue_inconsistency(ue)) != NULL)
		journey_invalid_value(JOURNEY_FROM_TEXT, "unit_economics", "%s", why);
	PG_RETURN_POINTER(ue);
}

PG_FUNCTION_INFO_V1(unit_economics_send);
Datum
unit_economics_send(PG_FUNCTION_ARGS)
{
	UnitEconomics *ue = PG_GETARG_UE_P(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, ue->version);
	pq_sendint64(&buf, ue->units);
	pq_sendint64(&buf, ue->buyers);
	pq_sendint64(&buf, ue->purchases);
	pq_sendint64(&buf, ue->acq_units);
	pq_sendint64(&buf, ue->acq_buyers);
	jdec_send(&buf, &ue->revenue);
	jdec_send(&buf, &ue->cost);
	jdec_send(&buf, &ue->acq_cost);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(unit_economics_recv);
Datum
unit_economics_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	UnitEconomics *ue = ue_new();
	int			version = journey_recv_uint8(buf, "unit_economics");
	const char *why;

	if (version != UE_VERSION)
		journey_unsupported_version(JOURNEY_FROM_BINARY, version, "unit_economics");
	ue->units = journey_recv_int64(buf, "unit_economics");
	ue->buyers = journey_recv_int64(buf, "unit_economics");
	ue->purchases = journey_recv_int64(buf, "unit_economics");
	ue->acq_units = journey_recv_int64(buf, "unit_economics");
	ue->acq_buyers = journey_recv_int64(buf, "unit_economics");
	jdec_recv(buf, &ue->revenue, "unit_economics", JOURNEY_FROM_BINARY);
	jdec_recv(buf, &ue->cost, "unit_economics", JOURNEY_FROM_BINARY);
	jdec_recv(buf, &ue->acq_cost, "unit_economics", JOURNEY_FROM_BINARY);
	journey_recv_done(buf, "unit_economics");
	if ((why = ue_inconsistency(ue)) != NULL)
		journey_invalid_value(JOURNEY_FROM_BINARY, "unit_economics", "%s", why);
	PG_RETURN_POINTER(ue);
}

/*
 * Transition of ltv_per_unit() and unit_economics(): one acquired unit.
 * NULL revenue, cost or purchases count as zero (a LEFT JOIN of the
 * acquired units to their orders gives NULLs for units that never bought);
 * a NULL acquisition cost is unknown: the unit counts everywhere except in
 * the acquisition-cost figures.  Negative purchases are an error.
 */
PG_FUNCTION_INFO_V1(unit_economics_add);
Datum
unit_economics_add(PG_FUNCTION_ARGS)
{
	UnitEconomics *ue;
	int64		purchases = PG_ARGISNULL(3) ? 0 : PG_GETARG_INT64(3);
	JDecimal	v;

	if (purchases < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("purchases must not be negative"),
				 errdetail("A unit has %lld purchases.", (long long) purchases)));
	if (PG_ARGISNULL(0))
		ue = ue_new();
	else
		ue = (UnitEconomics *) journey_writable_arg(fcinfo, 0);
	ue_add_count(&ue->units, 1);
	if (purchases > 0)
		ue_add_count(&ue->buyers, 1);
	ue_add_count(&ue->purchases, purchases);
	if (!PG_ARGISNULL(1))
	{
		jdec_from_numeric(&v, PG_GETARG_DATUM(1), "revenue");
		jdec_add(&ue->revenue, &v);
	}
	if (!PG_ARGISNULL(2))
	{
		jdec_from_numeric(&v, PG_GETARG_DATUM(2), "cost");
		jdec_add(&ue->cost, &v);
	}
	if (!PG_ARGISNULL(4))
	{
		jdec_from_numeric(&v, PG_GETARG_DATUM(4), "acquisition cost");
		jdec_add(&ue->acq_cost, &v);
		ue_add_count(&ue->acq_units, 1);
		if (purchases > 0)
			ue_add_count(&ue->acq_buyers, 1);
	}
	PG_RETURN_POINTER(ue);
}

/*
 * Merge: rollup()'s transition and the combine function (strict).  Updates
 * the first argument in place only when called as an aggregate.
 */
PG_FUNCTION_INFO_V1(unit_economics_merge);
Datum
unit_economics_merge(PG_FUNCTION_ARGS)
{
	UnitEconomics *a = (UnitEconomics *) journey_writable_arg(fcinfo, 0);
	UnitEconomics *b = PG_GETARG_UE_P(1);

	ue_merge_into(a, b);
	PG_RETURN_POINTER(a);
}

/* ---------------------------------------------------------------------
 * Reading the figures
 * ---------------------------------------------------------------------
 */

static Datum
num_int(int64 v)
{
	return NumericGetDatum(int64_to_numeric(v));
}

static bool
num_is_zero(Datum n)
{
	return DatumGetInt32(DirectFunctionCall2(numeric_cmp, n, num_int(0))) == 0;
}

/* a / b, or NULL (isnull) when b is zero or either is NULL */
static Datum
num_div(Datum a, bool anull, Datum b, bool bnull, bool *isnull)
{
	if (anull || bnull || num_is_zero(b))
	{
		*isnull = true;
		return (Datum) 0;
	}
	*isnull = false;
	return DirectFunctionCall1(numeric_trim_scale, DirectFunctionCall2(numeric_div, a, b));
}

static Datum
num_sub(Datum a, Datum b)
{
	return DirectFunctionCall2(numeric_sub, a, b);
}

static Datum
num_mul(Datum a, Datum b)
{
	return DirectFunctionCall2(numeric_mul, a, b);
}

/* the margin per unit: (revenue - cost) / units, NULL for no units */
static Datum
ue_ltv(const UnitEconomics *ue, bool *isnull)
{
	return num_div(num_sub(jdec_to_numeric(&ue->revenue), jdec_to_numeric(&ue->cost)), false,
				   num_int(ue->units), false, isnull);
}

PG_FUNCTION_INFO_V1(unit_economics_ltv);
Datum
unit_economics_ltv(PG_FUNCTION_ARGS)
{
	UnitEconomics *ue;
	bool		isnull;
	Datum		result;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	ue = PG_GETARG_UE_P(0);
	result = ue_ltv(ue, &isnull);
	if (isnull)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(result);
}

/*
 * unit_economics_report(unit_economics) -> TABLE(metric text, value numeric):
 * every figure of the breakdown, one row each, in a fixed order (the README
 * gives each formula).  A ratio with a zero denominator is NULL.
 */
PG_FUNCTION_INFO_V1(unit_economics_report);
Datum
unit_economics_report(PG_FUNCTION_ARGS)
{
	UnitEconomics *ue = PG_GETARG_UE_P(0);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Datum		ua,
				buyers,
				purchases,
				revenue,
				cost,
				margin,
				acq,
				acq_units,
				acq_buyers;
	Datum		c1,
				avp,
				apc,
				cogs,
				arppu,
				arpu,
				cltv,
				ltv,
				cpa,
				cac,
				ltv_cac,
				cm_unit,
				cm,
				romi,
				payback,
				unit_margin;
	bool		c1_n,
				avp_n,
				apc_n,
				cogs_n,
				arppu_n,
				arpu_n,
				cltv_n,
				ltv_n,
				cpa_n,
				cac_n,
				ltv_cac_n,
				cm_n,
				romi_n,
				payback_n;
	struct
	{
		const char *name;
		Datum		value;
		bool		isnull;
	}			rows[24];
	int			n = 0,
				i;

	journey_init_srf(fcinfo);

	ua = num_int(ue->units);
	buyers = num_int(ue->buyers);
	purchases = num_int(ue->purchases);
	revenue = jdec_to_numeric(&ue->revenue);
	cost = jdec_to_numeric(&ue->cost);
	margin = num_sub(revenue, cost);
	acq = jdec_to_numeric(&ue->acq_cost);
	acq_units = num_int(ue->acq_units);
	acq_buyers = num_int(ue->acq_buyers);

	c1 = num_div(buyers, false, ua, false, &c1_n);
	avp = num_div(revenue, false, purchases, false, &avp_n);
	apc = num_div(purchases, false, buyers, false, &apc_n);
	cogs = num_div(cost, false, purchases, false, &cogs_n);
	arppu = num_div(revenue, false, buyers, false, &arppu_n);
	arpu = num_div(revenue, false, ua, false, &arpu_n);
	cltv = num_div(margin, false, buyers, false, &cltv_n);
	ltv = num_div(margin, false, ua, false, &ltv_n);
	cpa = num_div(acq, false, acq_units, false, &cpa_n);
	cac = num_div(acq, false, acq_buyers, false, &cac_n);
	ltv_cac = num_div(cltv, cltv_n, cac, cac_n, &ltv_cac_n);
	cm_n = ltv_n || cpa_n;
	cm_unit = cm_n ? (Datum) 0 : num_sub(ltv, cpa);
	cm = cm_n ? (Datum) 0 : num_mul(cm_unit, ua);
	romi = num_div(cm_unit, cm_n, cpa, cpa_n, &romi_n);
	/* payback: purchases needed for the margin of each to repay the CAC */
	unit_margin = num_div(margin, false, purchases, false, &payback_n);
	payback_n = payback_n || cac_n ||
		DatumGetInt32(DirectFunctionCall2(numeric_cmp, unit_margin, num_int(0))) <= 0;
	payback = payback_n ? (Datum) 0 : num_div(cac, false, unit_margin, false, &payback_n);

#define ROW(nm, v, isn) do { rows[n].name = (nm); rows[n].value = (v); rows[n].isnull = (isn); n++; } while (0)
	ROW("ua", ua, false);
	ROW("buyers", buyers, false);
	ROW("c1", c1, c1_n);
	ROW("purchases", purchases, false);
	ROW("revenue", revenue, false);
	ROW("cost", cost, false);
	ROW("avp", avp, avp_n);
	ROW("apc", apc, apc_n);
	ROW("cogs", cogs, cogs_n);
	ROW("arppu", arppu, arppu_n);
	ROW("arpu", arpu, arpu_n);
	ROW("cltv", cltv, cltv_n);
	ROW("ltv", ltv, ltv_n);
	ROW("units_with_acquisition_cost", acq_units, false);
	ROW("acquisition_cost", acq, false);
	ROW("cpa", cpa, cpa_n);
	ROW("cac", cac, cac_n);
	ROW("ltv_cac", ltv_cac, ltv_cac_n);
	ROW("contribution_margin_per_unit", cm_unit, cm_n);
	ROW("contribution_margin", cm, cm_n);
	ROW("romi", romi, romi_n);
	ROW("payback_purchases", payback, payback_n);
#undef ROW

	for (i = 0; i < n; i++)
	{
		Datum		values[2];
		bool		nulls[2] = {false, rows[i].isnull};

		values[0] = CStringGetTextDatum(rows[i].name);
		values[1] = rows[i].value;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
