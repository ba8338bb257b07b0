/*
 * rfm.c — the `rfm` type (a customer's recency, frequency and monetary
 * scores, 1..bins each, and bins, 2..9), its operators and opclass
 * support, and the named segments (rfm_segment).
 *
 * Text form: the industry cell notation, R, F and M digits, '543'; input
 * also takes '5-4-3'.  Bins other than the default 5 are written after a
 * slash, '876/9', so that text round-trips exactly and a score above bins
 * ('6-1-1' with 5 bins) is rejected.  Binary form: four bytes r, f, m,
 * bins.
 */
#include "journey.h"
#include "rfm.h"

#include <math.h>

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

static void
rfm_syntax_error(const char *input, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type rfm: \"%s\"", input),
			 errdetail("%s", detail),
			 errhint("Write three scores as '543' or '5-4-3', and bins other than 5 after a slash: '876/9'.")));
}

/*
 * Text input: optional spaces, three digits with either no separators or
 * a '-' between each, optionally "/bins", optional spaces.
 */
PG_FUNCTION_INFO_V1(rfm_in);
Datum
rfm_in(PG_FUNCTION_ARGS)
{
	const char *input = PG_GETARG_CSTRING(0);
	const char *p = input;
	int			score[3];
	int			bins = RFM_DEFAULT_BINS;
	bool		dashes = false;
	int			i;

	while (*p == ' ')
		p++;
	if (*p == '\0')
		rfm_syntax_error(input, "The value is empty.");
	for (i = 0; i < 3; i++)
	{
		if (i == 1 && *p == '-')
			dashes = true;
		if (i > 0 && dashes)
		{
			if (*p != '-')
				rfm_syntax_error(input, "Separate all three scores by '-' or none of them.");
			p++;
		}
		if (*p < '0' || *p > '9')
			rfm_syntax_error(input, "An rfm value has three scores, one digit each.");
		score[i] = *p++ - '0';
	}
	if (*p == '/')
	{
		p++;
		if (*p < '0' || *p > '9' || (p[1] >= '0' && p[1] <= '9'))
			rfm_syntax_error(input, "Bins after '/' is one digit, 2 to 9.");
		bins = *p++ - '0';
		if (bins < RFM_MIN_BINS)
			rfm_syntax_error(input, "Bins after '/' is one digit, 2 to 9.");
	}
	while (*p == ' ')
		p++;
	if (*p != '\0')
		rfm_syntax_error(input, "Unexpected characters after the scores.");
	for (i = 0; i < 3; i++)
		if (score[i] < 1 || score[i] > bins)
			rfm_syntax_error(input, psprintf("Each score must be between 1 and %d (the bins).", bins));
	PG_RETURN_RFM(RFM_PACK(score[0], score[1], score[2], bins));
}

PG_FUNCTION_INFO_V1(rfm_out);
Datum
rfm_out(PG_FUNCTION_ARGS)
{
	uint32		v = PG_GETARG_RFM(0);

	if (RFM_BINS(v) == RFM_DEFAULT_BINS)
		PG_RETURN_CSTRING(psprintf("%d%d%d", RFM_R(v), RFM_F(v), RFM_M(v)));
	PG_RETURN_CSTRING(psprintf("%d%d%d/%d", RFM_R(v), RFM_F(v), RFM_M(v), RFM_BINS(v)));
}

/* Binary form: the bytes r, f, m, bins; checked like the text form. */
PG_FUNCTION_INFO_V1(rfm_recv);
Datum
rfm_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			r = journey_recv_uint8(buf, "rfm");
	int			f = journey_recv_uint8(buf, "rfm");
	int			m = journey_recv_uint8(buf, "rfm");
	int			bins = journey_recv_uint8(buf, "rfm");

	journey_recv_done(buf, "rfm");
	if (bins < RFM_MIN_BINS || bins > RFM_MAX_BINS ||
		r < 1 || r > bins || f < 1 || f > bins || m < 1 || m > bins)
		journey_invalid_value(JOURNEY_FROM_BINARY, "rfm",
							  "Scores %d, %d, %d with %d bins are out of range.", r, f, m, bins);
	PG_RETURN_RFM(RFM_PACK(r, f, m, bins));
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
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/*
 * rfm(r, f, m, bins): not strict, so that a NULL bins is an error while a
 * NULL score gives NULL.
 */
PG_FUNCTION_INFO_V1(rfm_make);
Datum
rfm_make(PG_FUNCTION_ARGS)
{
	int32		bins;
	int32		s[3];
	int			i;

	rfm_check_bins(PG_ARGISNULL(3) ? 0 : PG_GETARG_INT32(3), PG_ARGISNULL(3));
	bins = PG_GETARG_INT32(3);
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_NULL();
	for (i = 0; i < 3; i++)
	{
		s[i] = PG_GETARG_INT32(i);
		if (s[i] < 1 || s[i] > bins)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s score must be between 1 and %d",
							i == 0 ? "recency" : i == 1 ? "frequency" : "monetary", bins),
					 errdetail("The score is %d.", s[i])));
	}
	PG_RETURN_RFM(RFM_PACK(s[0], s[1], s[2], bins));
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

PG_FUNCTION_INFO_V1(rfm_bins);
Datum
rfm_bins(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(RFM_BINS(PG_GETARG_RFM(0)));
}

/*
 * The one comparator behind the six operators and both opclasses: by
 * recency, frequency, monetary score, then bins (the packed integer).
 */
static inline int
rfm_cmp_internal(uint32 a, uint32 b)
{
	return a < b ? -1 : a > b ? 1 : 0;
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
 * rfm_segment(rfm): the default map.  Scores on other bins are first
 * mapped to the 1..5 scale (so 1 stays 1 and bins becomes 5).
 */
PG_FUNCTION_INFO_V1(rfm_segment_default);
Datum
rfm_segment_default(PG_FUNCTION_ARGS)
{
	uint32		v = PG_GETARG_RFM(0);
	int			bins = RFM_BINS(v);
	const char *segment;

	segment = rfm_match(rfm_default_rules, lengthof(rfm_default_rules),
						rfm_to_five(RFM_R(v), bins), rfm_to_five(RFM_F(v), bins),
						rfm_to_five(RFM_M(v), bins));
	if (segment == NULL)
		elog(ERROR, "rfm value %08x matches no default segment", v);
	PG_RETURN_TEXT_P(cstring_to_text(segment));
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
					 "ranges are inclusive [low, high] on r, f, m or fm = (f + m) / 2.")));
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
			for (d = 0; d < RFM_RULE_NDIMS; d++)
				if (strcmp(key, rfm_rule_keys[d]) == 0)
					break;
			if (d == RFM_RULE_NDIMS)
				rfm_map_error(i + 1, psprintf("Unknown key \"%s\"; a rule has \"segment\" and ranges \"r\", \"f\", \"m\", \"fm\".", key));
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
 * rfm_segment(rfm, map jsonb): the user's map, on the raw scores (no
 * rescaling).  NULL rfm gives NULL, a NULL map is an error, no matching
 * rule gives NULL.  The parsed map is cached while the same map comes.
 */
PG_FUNCTION_INFO_V1(rfm_segment_map);
Datum
rfm_segment_map(PG_FUNCTION_ARGS)
{
	RfmMapCache *cache = (RfmMapCache *) fcinfo->flinfo->fn_extra;
	Jsonb	   *jb;
	uint32		v;
	const char *segment;

	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("rfm segment map must not be null"),
				 errhint("Use rfm_segment(rfm) for the default map.")));
	jb = PG_GETARG_JSONB_P(1);
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
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	v = PG_GETARG_RFM(0);
	segment = rfm_match(cache->rules, cache->nrules, RFM_R(v), RFM_F(v), RFM_M(v));
	if (segment == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(segment));
}
