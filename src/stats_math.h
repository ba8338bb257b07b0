/*
 * stats_math.h — the statistics behind experiments and drivers
 * (src/stats_math.c): the normal, Student t and chi-square (1 degree of
 * freedom) tail probabilities, the normal quantile, Fisher's exact test on
 * a 2x2 table, and an exact, order-independent accumulator for sums of
 * doubles (JSum) with the exact centered second moments built on it.
 *
 * Accuracy: every function below is accurate to a few units in the last
 * place of a double in the ranges the reports use (measured against
 * 50-digit mpmath references in sql/experiment.sql); none returns a
 * rounded-away NaN silently: callers check their inputs.
 */
#ifndef JOURNEY_STATS_MATH_H
#define JOURNEY_STATS_MATH_H

#include "journey.h"

#include <math.h>

/* upper tail of the standard normal, Q(x) = 1 - Phi(x) = erfc(x/sqrt 2)/2 */
extern double jstat_norm_sf(double x);

/* x with Q(x) = q, for 0 < q < 1 (so the 1 - alpha/2 quantile is jstat_norm_isf(alpha/2)) */
extern double jstat_norm_isf(double q);

/* two-sided p-value of Student's t: P(|T_df| >= |t|), df > 0 (not an integer necessarily) */
extern double jstat_t_two_sided(double t, double df);

/* P(X >= x) for X chi-square with 1 degree of freedom */
extern double jstat_chisq1_sf(double x);

/*
 * Regularized incomplete beta I_x(a, b) for a, b > 0 and 0 <= x <= 1; y is
 * 1 - x, passed separately so that x near 1 keeps its precision.
 */
extern double jstat_betainc(double a, double b, double x, double y);

/* log B(a, b) = log Gamma(a) + log Gamma(b) - log Gamma(a + b), a, b > 0 */
extern double jstat_lbeta(double a, double b);

/*
 * Fisher's exact test, two-sided, of the 2x2 table [[a, b], [c, d]]: the
 * sum of the hypergeometric probabilities (margins fixed) of the tables no
 * more probable than the observed one, with a relative tolerance of 1e-7
 * (R's fisher.test and scipy's fisher_exact rule).
 */
extern double jstat_fisher_two_sided(int64 a, int64 b, int64 c, int64 d);

/*
 * JSum: the exact sum of any number (below 2^62) of finite doubles, as a
 * fixed-point number of JSUM_LIMBS 32-bit digits (limb i weighs
 * 2^(32 i - JSUM_SHIFT)); every double below 2^1024 in magnitude and every
 * multiple of 2^-1074 adds exactly, in any order, so a sum does not depend
 * on the order or the grouping of its terms.  Limbs are int64 and absorb
 * JSUM_MAX_PENDING additions before jsum_normalize must carry them;
 * normalized, limbs 0 .. JSUM_LIMBS-2 are in [0, 2^32) and the top limb in
 * [-2^31, 2^31) holds the sign.
 */
#define JSUM_LIMBS 68
#define JSUM_SHIFT 1088
#define JSUM_MAX_PENDING (1 << 29)

typedef struct JSum
{
	int64		limb[JSUM_LIMBS];
} JSum;

extern void jsum_add(JSum *s, double x);
/* add the exact product x*y (two doubles: the rounded product and its error, via fma) */
extern void jsum_add_product(JSum *s, double x, double y);
extern void jsum_merge(JSum *s, const JSum *t);
extern void jsum_normalize(JSum *s);
extern bool jsum_is_zero(const JSum *s);
/* sign of a normalized sum: -1, 0, 1 */
extern int	jsum_sign(const JSum *s);
/* the sum rounded to a double (within one unit in the last place) */
extern double jsum_to_double(const JSum *s);
/* text form: "0", or [-]0x<hex digits>p<exponent>, canonical (no trailing zero digit) */
extern void jsum_append(StringInfo buf, const JSum *s);
/*
 * Parse the text form at *s (advancing it); false if it is not one, or out
 * of the range a JSum holds.
 */
extern bool jsum_parse(JSum *out, const char **s);
/* binary form: int16 first limb, int16 number of limbs, then the limbs (normalized) */
extern void jsum_send(StringInfo buf, const JSum *s);
extern void jsum_recv(StringInfo buf, JSum *out, const char *type_name);
/* NULL if normalized and in range, else why not (a full sentence) */
extern const char *jsum_check(const JSum *s);

/*
 * n * sxy - sx * sy, exactly, divided by `divisor` and rounded to a double:
 * with sxy the exact sum of x*y over n units and sx, sy the sums of x and
 * y, that is (n - 1) n times the sample covariance (the variance when x =
 * y) without any cancellation; exactly 0 when all x (or all y) are equal.
 * The sums must be normalized.
 */
extern double jsum_comoment(int64 n, const JSum *sxy, const JSum *sx, const JSum *sy, double divisor);

/* (a x - b y) / divisor, exactly, then rounded (a, b >= 0; x, y normalized) */
extern double jsum_lincomb(int64 a, const JSum *x, int64 b, const JSum *y, double divisor);

#endif							/* JOURNEY_STATS_MATH_H */
