/*
 * rfm.c — the `rfm` type (a customer's recency, frequency and monetary
 * scores, 1..bins each, and bins, 2..9), its operators and opclass
 * support, and the named segments (rfm_segment).
 *
 * Text form: the industry cell notation, R, F and M digits, '543'; input
 * also takes '5-4-3'.  Bins other than the default 5 are written after a
 * slash, '876/9', so that text round-trips exactly and a score above bins
 * ('6-1-1' with 5 bins) is rejected.  A scale per dimension (0.2.0) is
 * written as three digits after the slash, recency, frequency, monetary:
 * '532/543' (R on 5, F on 4, M on 3); input also takes '5-3-2/5-4-3', and
 * three equal scales ('543/555') are the one-scale value ('543').
 * Binary form: four bytes r, f, m, bins for one scale (as 0.1.0), seven
 * bytes r, f, m, 0, rbins, fbins, mbins for three; recv takes either.
 */
#include "journey.h"
#include "rfm.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/fmgrprotos.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

void
rfm_check_bins(int64 bins, bool isnull)
{
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("bins must not be null"),
				 errhint("Leave bins out for the default of 5.")));
	if (bins < RFM_MIN_BINS || bins > RFM_MAX_BINS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("bins must be between %d and %d", RFM_MIN_BINS, RFM_MAX_BINS),
				 errdetail("bins is %lld.", (long long) bins)));
}

/* The scales of a bins integer[] argument: three elements, each 2..9. */
void
rfm_scales_of_array(ArrayType *bins, bool isnull, int *scales)
{
	Datum	   *values;
	bool	   *nulls;
	int			n,
				d;

	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("bins must not be null"),
				 errhint("Give a scale per dimension, e.g. '{5,3,4}' (recency, frequency, monetary).")));
	if (ARR_NDIM(bins) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("bins must be a one-dimensional array")));
	deconstruct_array(bins, INT4OID, sizeof(int32), true, TYPALIGN_INT, &values, &nulls, &n);
	if (n != 3)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("bins must have three elements, one scale per dimension"),
				 errdetail("The array has %d elements.", n),
				 errhint("Give recency, frequency and monetary scales, e.g. '{5,3,4}'.")));
	for (d = 0; d < 3; d++)
	{
		if (nulls[d])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("bins must not contain nulls")));
		scales[d] = DatumGetInt32(values[d]);
		if (scales[d] < RFM_MIN_BINS || scales[d] > RFM_MAX_BINS)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("bins must be between %d and %d", RFM_MIN_BINS, RFM_MAX_BINS),
					 errdetail("The %s scale is %d.", d == 0 ? "recency" : d == 1 ? "frequency" : "monetary",
							   scales[d])));
	}
	pfree(values);
	pfree(nulls);
}

static void
rfm_syntax_error(const char *input, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type rfm: \"%s\"", input),
			 errdetail("%s", detail),
			 errhint("Write three scores as '543' or '5-4-3', bins other than 5 after a slash: '876/9', "
					 "and a scale per dimension as three digits after the slash: '532/543'.")));
}

/*
 * Three digits at *p, either without separators or with a '-' between
 * each (dashes: whether they were); returns false on anything else.
 */
static bool
rfm_parse_digits(const char **pos, int *digit, bool *dashes)
{
	const char *p = *pos;
	int			i;

	*dashes = p[0] >= '0' && p[0] <= '9' && p[1] == '-';
	for (i = 0; i < 3; i++)
	{
		if (i > 0 && *dashes && *p++ != '-')
			return false;
		if (*p < '0' || *p > '9')
			return false;
		digit[i] = *p++ - '0';
	}
	*pos = p;
	return true;
}

/*
 * Text input: optional spaces, three digits with either no separators or
 * a '-' between each, optionally "/bins" (one digit) or "/scales" (three
 * digits, written like the scores), optional spaces.
 */
PG_FUNCTION_INFO_V1(rfm_in);
Datum
rfm_in(PG_FUNCTION_ARGS)
{
	const char *input = PG_GETARG_CSTRING(0);
	const char *p = input;
	int			score[3];
	int			scale[3] = {RFM_DEFAULT_BINS, RFM_DEFAULT_BINS, RFM_DEFAULT_BINS};
	bool		dashes;
	int			i;

	while (*p == ' ')
		p++;
	if (*p == '\0')
		rfm_syntax_error(input, "The value is empty.");
	if (!rfm_parse_digits(&p, score, &dashes))
	{
		if (p[0] >= '0' && p[0] <= '9' && p[1] == '-')
			rfm_syntax_error(input, "Separate all three scores by '-' or none of them.");
		rfm_syntax_error(input, "An rfm value has three scores, one digit each.");
	}
	if (*p == '/')
	{
		p++;
		if (*p >= '0' && *p <= '9' && !(p[1] >= '0' && p[1] <= '9') && p[1] != '-')
			scale[0] = scale[1] = scale[2] = *p++ - '0';
		else if (!rfm_parse_digits(&p, scale, &dashes))
			rfm_syntax_error(input, "After '/' comes one digit (the bins of all three scores) or three "
							 "(the recency, frequency and monetary bins), each 2 to 9.");
		for (i = 0; i < 3; i++)
			if (scale[i] < RFM_MIN_BINS)
				rfm_syntax_error(input, "After '/' comes one digit (the bins of all three scores) or three "
								 "(the recency, frequency and monetary bins), each 2 to 9.");
	}
	while (*p == ' ')
		p++;
	if (*p != '\0')
		rfm_syntax_error(input, "Unexpected characters after the scores.");
	for (i = 0; i < 3; i++)
		if (score[i] < 1 || score[i] > scale[i])
			rfm_syntax_error(input, psprintf("Each score must be between 1 and its bins (%d for %s).", scale[i],
											 i == 0 ? "recency" : i == 1 ? "frequency" : "monetary"));
	PG_RETURN_RFM(rfm_pack(score[0], score[1], score[2], scale[0], scale[1], scale[2]));
}

PG_FUNCTION_INFO_V1(rfm_out);
Datum
rfm_out(PG_FUNCTION_ARGS)
{
	uint32		v = PG_GETARG_RFM(0);

	if (!RFM_ONE_SCALE(v))
		PG_RETURN_CSTRING(psprintf("%d%d%d/%d%d%d", RFM_R(v), RFM_F(v), RFM_M(v),
								   RFM_DIM_BINS(v, 0), RFM_DIM_BINS(v, 1), RFM_DIM_BINS(v, 2)));
	if (RFM_BINS(v) == RFM_DEFAULT_BINS)
		PG_RETURN_CSTRING(psprintf("%d%d%d", RFM_R(v), RFM_F(v), RFM_M(v)));
	PG_RETURN_CSTRING(psprintf("%d%d%d/%d", RFM_R(v), RFM_F(v), RFM_M(v), RFM_BINS(v)));
}

/*
 * Binary form: the bytes r, f, m, bins (one scale, as 0.1.0), or r, f, m,
 * 0, rbins, fbins, mbins (a scale per dimension); checked like the text
 * form, and three equal scales are the one-scale value.
 */
PG_FUNCTION_INFO_V1(rfm_recv);
Datum
rfm_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			r = journey_recv_uint8(buf, "rfm");
	int			f = journey_recv_uint8(buf, "rfm");
	int			m = journey_recv_uint8(buf, "rfm");
	int			bins = journey_recv_uint8(buf, "rfm");
	int			rb = bins,
				fb = bins,
				mb = bins;

	if (bins == 0)
	{
		rb = journey_recv_uint8(buf, "rfm");
		fb = journey_recv_uint8(buf, "rfm");
		mb = journey_recv_uint8(buf, "rfm");
	}
	journey_recv_done(buf, "rfm");
	if (rb < RFM_MIN_BINS || rb > RFM_MAX_BINS || fb < RFM_MIN_BINS || fb > RFM_MAX_BINS ||
		mb < RFM_MIN_BINS || mb > RFM_MAX_BINS ||
		r < 1 || r > rb || f < 1 || f > fb || m < 1 || m > mb)
	{
		if (bins != 0)
			journey_invalid_value(JOURNEY_FROM_BINARY, "rfm",
								  "Scores %d, %d, %d with %d bins are out of range.", r, f, m, bins);
		journey_invalid_value(JOURNEY_FROM_BINARY, "rfm",
							  "Scores %d, %d, %d with bins %d, %d, %d are out of range.", r, f, m, rb, fb, mb);
	}
	PG_RETURN_RFM(rfm_pack(r, f, m, rb, fb, mb));
}

PG_FUNCTION_INFO_V1(rfm_send);
Datum
rfm_send(PG_FUNCTION_ARGS)
{
	uint32		v = PG_GETARG_RFM(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, RFM_R(v));
	pq_sendbyte(&buf, RFM_F(v));
	pq_sendbyte(&buf, RFM_M(v));
	pq_sendbyte(&buf, RFM_BINS(v));
	if (!RFM_ONE_SCALE(v))
	{
		pq_sendbyte(&buf, RFM_DIM_BINS(v, 0));
		pq_sendbyte(&buf, RFM_DIM_BINS(v, 1));
		pq_sendbyte(&buf, RFM_DIM_BINS(v, 2));
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* Check the three scores against their scales and pack them. */
static uint32
rfm_make_checked(FunctionCallInfo fcinfo, const int *scales)
{
	int32		s[3];
	int			i;

	for (i = 0; i < 3; i++)
	{
		s[i] = PG_GETARG_INT32(i);
		if (s[i] < 1 || s[i] > scales[i])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s score must be between 1 and %d",
							i == 0 ? "recency" : i == 1 ? "frequency" : "monetary", scales[i]),
					 errdetail("The score is %d.", s[i])));
	}
	return rfm_pack(s[0], s[1], s[2], scales[0], scales[1], scales[2]);
}

/*
 * rfm(r, f, m, bins): not strict, so that a NULL bins is an error while a
 * NULL score gives NULL.
 */
PG_FUNCTION_INFO_V1(rfm_make);
Datum
rfm_make(PG_FUNCTION_ARGS)
{
	int			scales[3];

	rfm_check_bins(PG_ARGISNULL(3) ? 0 : PG_GETARG_INT32(3), PG_ARGISNULL(3));
	scales[0] = scales[1] = scales[2] = PG_GETARG_INT32(3);
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_NULL();
	PG_RETURN_RFM(rfm_make_checked(fcinfo, scales));
}

/* rfm(r, f, m, bins integer[]): a scale per dimension, otherwise as rfm_make. */
PG_FUNCTION_INFO_V1(rfm_make_scales);
Datum
rfm_make_scales(PG_FUNCTION_ARGS)
{
	int			scales[3];

	rfm_scales_of_array(PG_ARGISNULL(3) ? NULL : PG_GETARG_ARRAYTYPE_P(3), PG_ARGISNULL(3), scales);
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_NULL();
	PG_RETURN_RFM(rfm_make_checked(fcinfo, scales));
}

PG_FUNCTION_INFO_V1(rfm_recency_score);
Datum
rfm_recency_score(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(RFM_R(PG_GETARG_RFM(0)));
}

PG_FUNCTION_INFO_V1(rfm_frequency_score);
Datum
rfm_frequency_score(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(RFM_F(PG_GETARG_RFM(0)));
}

PG_FUNCTION_INFO_V1(rfm_monetary_score);
Datum
rfm_monetary_score(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(RFM_M(PG_GETARG_RFM(0)));
}

/* The common bins of the three scores; NULL when their scales differ. */
PG_FUNCTION_INFO_V1(rfm_bins);
Datum
rfm_bins(PG_FUNCTION_ARGS)
{
	uint32		v = PG_GETARG_RFM(0);

	if (!RFM_ONE_SCALE(v))
		PG_RETURN_NULL();
	PG_RETURN_INT32(RFM_BINS(v));
}

/* The recency, frequency and monetary bins as an integer[3]. */
PG_FUNCTION_INFO_V1(rfm_scales);
Datum
rfm_scales(PG_FUNCTION_ARGS)
{
	uint32		v = PG_GETARG_RFM(0);
	Datum		elems[3];
	int			d;

	for (d = 0; d < 3; d++)
		elems[d] = Int32GetDatum(RFM_DIM_BINS(v, d));
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, 3, INT4OID, sizeof(int32), true, TYPALIGN_INT));
}

/*
 * The order key of a value: scores r, f, m, then scales rb, fb, mb, a
 * nibble each.  On one-scale values it orders as the packed integers.
 */
static inline uint32
rfm_order_key(uint32 v)
{
	return (uint32) RFM_R(v) << 20 | (uint32) RFM_F(v) << 16 | (uint32) RFM_M(v) << 12 |
		(uint32) RFM_DIM_BINS(v, 0) << 8 | (uint32) RFM_DIM_BINS(v, 1) << 4 | (uint32) RFM_DIM_BINS(v, 2);
}

/*
 * The one comparator behind the six operators and both opclasses: by
 * recency, frequency, monetary score, then the recency, frequency and
 * monetary bins (for one-scale values, the packed integer as in 0.1.0).
 */
static inline int
rfm_cmp_internal(uint32 a, uint32 b)
{
	uint32		ka = rfm_order_key(a),
				kb = rfm_order_key(b);

	return ka < kb ? -1 : ka > kb ? 1 : 0;
}

PG_FUNCTION_INFO_V1(rfm_cmp);
Datum
rfm_cmp(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(rfm_cmp_internal(PG_GETARG_RFM(0), PG_GETARG_RFM(1)));
}

#define RFM_CMP_OP(name, test) \
PG_FUNCTION_INFO_V1(name); \
Datum \
name(PG_FUNCTION_ARGS) \
{ \
	int			c = rfm_cmp_internal(PG_GETARG_RFM(0), PG_GETARG_RFM(1)); \
	PG_RETURN_BOOL(test); \
}

RFM_CMP_OP(rfm_eq, c == 0)
RFM_CMP_OP(rfm_ne, c != 0)
RFM_CMP_OP(rfm_lt, c < 0)
RFM_CMP_OP(rfm_le, c <= 0)
RFM_CMP_OP(rfm_gt, c > 0)
RFM_CMP_OP(rfm_ge, c >= 0)

PG_FUNCTION_INFO_V1(rfm_hash);
Datum
rfm_hash(PG_FUNCTION_ARGS)
{
	return hash_uint32(PG_GETARG_RFM(0));
}

PG_FUNCTION_INFO_V1(rfm_hash_extended);
Datum
rfm_hash_extended(PG_FUNCTION_ARGS)
{
	return hash_uint32_extended(PG_GETARG_RFM(0), PG_GETARG_INT64(1));
}

/* ---------------------------------------------------------------------
 * Named segments
 * ---------------------------------------------------------------------
 */

/* Dimensions a rule can constrain: the scores and the mean of F and M. */
enum
{
	RFM_RULE_R, RFM_RULE_F, RFM_RULE_M, RFM_RULE_FM, RFM_RULE_NDIMS
};
static const char *const rfm_rule_keys[RFM_RULE_NDIMS] = {"r", "f", "m", "fm"};

typedef struct RfmRule
{
	const char *segment;
	double		lo[RFM_RULE_NDIMS];
	double		hi[RFM_RULE_NDIMS];
} RfmRule;

/*
 * The default map for 5 bins, on R and FM = (F + M) / 2, first match wins.
 * It covers every cell of the 5 x 9 grid of R and FM (FM moves in halves):
 *
 *   R \ FM    1  1.5  2  2.5  3  3.5  4  4.5  5
 *   5         New     Potential  Loyal    Champions
 *   4         Promis. Potential  Loyal    Champions
 *   3         Promis. Need Att.  Loyal    Loyal
 *   2         Hibern. About To S At Risk  At Risk
 *   1         Lost    Lost       At Risk  Can't Lose Them
 */
#define ANY_LO (-1.0)
#define ANY_HI 10.0
static const RfmRule rfm_default_rules[] = {
	{"Champions", {4, ANY_LO, ANY_LO, 4}, {5, ANY_HI, ANY_HI, 5}},
	{"Loyal Customers", {3, ANY_LO, ANY_LO, 3}, {5, ANY_HI, ANY_HI, 5}},
	{"Can't Lose Them", {1, ANY_LO, ANY_LO, 4}, {1, ANY_HI, ANY_HI, 5}},
	{"At Risk", {1, ANY_LO, ANY_LO, 3}, {2, ANY_HI, ANY_HI, 5}},
	{"Potential Loyalists", {4, ANY_LO, ANY_LO, 2}, {5, ANY_HI, ANY_HI, 3}},
	{"Need Attention", {3, ANY_LO, ANY_LO, 2}, {3, ANY_HI, ANY_HI, 3}},
	{"New Customers", {5, ANY_LO, ANY_LO, 1}, {5, ANY_HI, ANY_HI, 2}},
	{"Promising", {3, ANY_LO, ANY_LO, 1}, {4, ANY_HI, ANY_HI, 2}},
	{"About To Sleep", {2, ANY_LO, ANY_LO, 2}, {2, ANY_HI, ANY_HI, 3}},
	{"Hibernating", {2, ANY_LO, ANY_LO, 1}, {2, ANY_HI, ANY_HI, 2}},
	{"Lost", {1, ANY_LO, ANY_LO, 1}, {1, ANY_HI, ANY_HI, 3}},
};

/* The first rule that the scores match, or NULL. */
static const char *
rfm_match(const RfmRule *rules, int nrules, double r, double f, double m)
{
	double		v[RFM_RULE_NDIMS] = {r, f, m, (f + m) / 2.0};
	int			i,
				d;

	for (i = 0; i < nrules; i++)
	{
		for (d = 0; d < RFM_RULE_NDIMS; d++)
			if (v[d] < rules[i].lo[d] || v[d] > rules[i].hi[d])
				break;
		if (d == RFM_RULE_NDIMS)
			return rules[i].segment;
	}
	return NULL;
}

/* A score on bins mapped to the 1..5 scale: round(1 + 4 (s - 1) / (bins - 1)). */
static inline double
rfm_to_five(int s, int bins)
{
	return floor(1.0 + 4.0 * (s - 1) / (bins - 1) + 0.5);
}

/*
 * The default map's segment of v.  Each score is first mapped from its
 * own scale to the 1..5 scale (so 1 stays 1 and its bins becomes 5).
 */
static const char *
rfm_default_segment(uint32 v)
{
	const char *segment;

	segment = rfm_match(rfm_default_rules, lengthof(rfm_default_rules),
						rfm_to_five(RFM_R(v), RFM_DIM_BINS(v, 0)), rfm_to_five(RFM_F(v), RFM_DIM_BINS(v, 1)),
						rfm_to_five(RFM_M(v), RFM_DIM_BINS(v, 2)));
	if (segment == NULL)
		elog(ERROR, "rfm value %08x matches no default segment", v);
	return segment;
}

/* rfm_segment(rfm): the default map. */
PG_FUNCTION_INFO_V1(rfm_segment_default);
Datum
rfm_segment_default(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(rfm_default_segment(PG_GETARG_RFM(0))));
}

static void
rfm_map_error(int rule, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid rfm segment map"),
			 rule > 0 ? errdetail("Rule %d: %s", rule, detail) : errdetail("%s", detail),
			 errhint("A map is a JSON array of rules, first match wins, e.g. "
					 "[{\"segment\": \"Champions\", \"r\": [4, 5], \"fm\": [4, 5]}, {\"segment\": \"Others\"}]; "
					 "ranges are inclusive [low, high] on r, f, m or fm = (f + m) / 2; "
					 "a rule may also carry an \"action\" (a string) and a \"priority\" (a number).")));
}

static double
rfm_map_number(JsonbValue *v, int rule, const char *key)
{
	if (v->type != jbvNumeric)
		rfm_map_error(rule, psprintf("The bounds of \"%s\" must be numbers.", key));
	return DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(v->val.numeric)));
}

/* Parse and check a user map; the rules are allocated in the current context. */
static RfmRule *
rfm_parse_map(Jsonb *jb, int *nrules)
{
	RfmRule    *rules;
	int			n,
				i;

	if (!JB_ROOT_IS_ARRAY(jb) || JB_ROOT_IS_SCALAR(jb))
		rfm_map_error(0, "The map must be a JSON array of rules.");
	n = JB_ROOT_COUNT(jb);
	if (n == 0)
		rfm_map_error(0, "The map has no rules.");
	rules = palloc0(sizeof(RfmRule) * n);
	for (i = 0; i < n; i++)
	{
		JsonbValue *elem = getIthJsonbValueFromContainer(&jb->root, i);
		JsonbIterator *it;
		JsonbValue	k,
					v;
		JsonbIteratorToken tok;
		int			d;

		for (d = 0; d < RFM_RULE_NDIMS; d++)
		{
			rules[i].lo[d] = -get_float8_infinity();
			rules[i].hi[d] = get_float8_infinity();
		}
		if (elem->type != jbvBinary || !JsonContainerIsObject(elem->val.binary.data))
			rfm_map_error(i + 1, "A rule must be a JSON object.");
		it = JsonbIteratorInit(elem->val.binary.data);
		while ((tok = JsonbIteratorNext(&it, &k, true)) != WJB_DONE)
		{
			char	   *key;

			if (tok != WJB_KEY)
				continue;
			key = pnstrdup(k.val.string.val, k.val.string.len);
			tok = JsonbIteratorNext(&it, &v, true);
			Assert(tok == WJB_VALUE);
			if (strcmp(key, "segment") == 0)
			{
				if (v.type != jbvString || v.val.string.len == 0)
					rfm_map_error(i + 1, "\"segment\" must be a non-empty string.");
				rules[i].segment = pnstrdup(v.val.string.val, v.val.string.len);
				continue;
			}
			/* what to do about the segment: read by rfm_segment_actions() */
			if (strcmp(key, "action") == 0)
			{
				if (v.type != jbvString && v.type != jbvNull)
					rfm_map_error(i + 1, "\"action\" must be a string.");
				continue;
			}
			if (strcmp(key, "priority") == 0)
			{
				if (v.type != jbvNumeric && v.type != jbvNull)
					rfm_map_error(i + 1, "\"priority\" must be a number.");
				continue;
			}
			for (d = 0; d < RFM_RULE_NDIMS; d++)
				if (strcmp(key, rfm_rule_keys[d]) == 0)
					break;
			if (d == RFM_RULE_NDIMS)
				rfm_map_error(i + 1, psprintf("Unknown key \"%s\"; a rule has \"segment\", ranges \"r\", \"f\", \"m\", \"fm\", "
											  "and optionally \"action\" and \"priority\".", key));
			if (v.type != jbvBinary || !JsonContainerIsArray(v.val.binary.data) ||
				JsonContainerSize(v.val.binary.data) != 2)
				rfm_map_error(i + 1, psprintf("\"%s\" must be an array [low, high].", key));
			rules[i].lo[d] = rfm_map_number(getIthJsonbValueFromContainer(v.val.binary.data, 0), i + 1, key);
			rules[i].hi[d] = rfm_map_number(getIthJsonbValueFromContainer(v.val.binary.data, 1), i + 1, key);
			if (isnan(rules[i].lo[d]) || isnan(rules[i].hi[d]) || rules[i].lo[d] > rules[i].hi[d])
				rfm_map_error(i + 1, psprintf("The range of \"%s\" is empty: its low bound is above its high bound.", key));
		}
		if (rules[i].segment == NULL)
			rfm_map_error(i + 1, "A rule needs a \"segment\" name.");
	}
	*nrules = n;
	return rules;
}

/* The parsed map cached across calls, with the bytes it came from. */
typedef struct RfmMapCache
{
	MemoryContext cxt;			/* holds this struct and all it points to */
	Size		len;
	char	   *bytes;
	RfmRule    *rules;
	int			nrules;
} RfmMapCache;

/*
 * The segment of v under the map argument map_argno (cached parsed in
 * fn_extra while the same map comes), or the default map when map_argno
 * is negative.  NULL when no rule matches.  A NULL map is an error.
 */
const char *
rfm_segment_of(FunctionCallInfo fcinfo, int map_argno, uint32 v)
{
	RfmMapCache *cache = (RfmMapCache *) fcinfo->flinfo->fn_extra;
	Jsonb	   *jb;

	if (map_argno < 0)
		return rfm_default_segment(v);
	if (PG_ARGISNULL(map_argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("rfm segment map must not be null"),
				 errhint("Use rfm_segment(rfm) for the default map.")));
	jb = PG_GETARG_JSONB_P(map_argno);
	if (cache == NULL || cache->len != VARSIZE(jb) || memcmp(cache->bytes, jb, cache->len) != 0)
	{
		MemoryContext cxt = AllocSetContextCreate(fcinfo->flinfo->fn_mcxt, "rfm segment map",
												  ALLOCSET_SMALL_SIZES);
		MemoryContext old = MemoryContextSwitchTo(cxt);
		RfmMapCache *fresh = palloc0(sizeof(RfmMapCache));

		fresh->cxt = cxt;

		fresh->rules = rfm_parse_map(jb, &fresh->nrules);
		fresh->len = VARSIZE(jb);
		fresh->bytes = palloc(fresh->len);
		memcpy(fresh->bytes, jb, fresh->len);
		MemoryContextSwitchTo(old);
		if (cache != NULL)
			MemoryContextDelete(cache->cxt);
		fcinfo->flinfo->fn_extra = cache = fresh;
	}
	return rfm_match(cache->rules, cache->nrules, RFM_R(v), RFM_F(v), RFM_M(v));
}

/*
 * rfm_segment(rfm, map jsonb): the user's map, on the raw scores (no
 * rescaling).  NULL rfm gives NULL, a NULL map is an error (even with a
 * NULL rfm), no matching rule gives NULL.
 */
PG_FUNCTION_INFO_V1(rfm_segment_map);
Datum
rfm_segment_map(PG_FUNCTION_ARGS)
{
	const char *segment;

	if (PG_ARGISNULL(0))
	{
		(void) rfm_segment_of(fcinfo, 1, RFM_PACK(1, 1, 1, RFM_DEFAULT_BINS));	/* checks the map */
		PG_RETURN_NULL();
	}
	segment = rfm_segment_of(fcinfo, 1, PG_GETARG_RFM(0));
	if (segment == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(segment));
}
