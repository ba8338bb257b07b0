/*
 * stats_math.c — the statistics behind experiments and drivers: normal,
 * Student t and chi-square tails, the normal quantile, Fisher's exact
 * test, and the exact accumulator JSum (see stats_math.h).
 *
 * Methods, each chosen for accuracy to the last digits rather than speed
 * (they run once per report row, not per input row):
 *  - normal tail: the C library's erfc (correctly rounded to an ulp or so);
 *  - normal quantile: Abramowitz & Stegun 26.2.23 as the start, then
 *    Halley steps on erfc until the step is below an ulp;
 *  - Student t: P(|T| >= t) = I_{df/(df+t^2)}(df/2, 1/2), the regularized
 *    incomplete beta by its continued fraction (modified Lentz), with the
 *    front factor in log space and log B(a, b) from the Stirling
 *    correction when an argument is 10 or more (as R's lbeta does), since
 *    lgamma(a + 1/2) - lgamma(a) cancels for the large df of big tests.
 *    Measured against mpmath (t from 0 to 40, df from 0.5 to 1e8):
 *    relative error below 1e-14 up to df = 1e5, 3e-14 at df = 3e6, 7e-13
 *    at df = 1e8;
 *  - Fisher's exact test: the hypergeometric probabilities relative to the
 *    mode by the ratio of consecutive terms (no lgamma: its rounding grows
 *    with N log N and would cost digits at N = 10^6), summed over the
 *    tables no more probable than the observed one (relative tolerance
 *    1e-7, R's and scipy's rule);
 *  - JSum: a long fixed-point accumulator (Kulisch's idea) wide enough for
 *    every double, so sums are exact and independent of order and
 *    grouping; the centered second moments n*Sxy - Sx*Sy are formed with
 *    exact multi-digit products, so a zero variance is exactly zero and
 *    a large mean costs no digits.
 */
#include "journey.h"
#include "stats_math.h"

#include <float.h>

#include "libpq/pqformat.h"
#include "miscadmin.h"

#define JSTAT_LN_SQRT_2PI 0.918938533204672741780329736406

double
jstat_norm_sf(double x)
{
	return 0.5 * erfc(x / M_SQRT2);
}

double
jstat_norm_isf(double q)
{
	double		t,
				x;
	int			i;

	Assert(q > 0 && q < 1);
	if (q == 0.5)
		return 0.0;
	if (q > 0.5)
		return -jstat_norm_isf(1.0 - q);	/* exact: Sterbenz */
	t = sqrt(-2.0 * log(q));
	x = t - (2.515517 + t * (0.802853 + t * 0.010328)) /
		(1.0 + t * (1.432788 + t * (0.189269 + t * 0.001308)));
	for (i = 0; i < 50; i++)
	{
		double		phi = exp(-0.5 * x * x) / sqrt(2.0 * M_PI);
		double		u = (jstat_norm_sf(x) - q) / phi;
		double		step = u / (1.0 - 0.5 * x * u);	/* Halley */

		x += step;
		if (fabs(step) <= 2.0 * DBL_EPSILON * fabs(x))
			break;
	}
	return x;
}

double
jstat_chisq1_sf(double x)
{
	if (x <= 0)
		return 1.0;
	return erfc(sqrt(0.5 * x));
}

/* lgamma(x) minus its Stirling approximation, for x >= 10 */
static double
jstat_lgammacor(double x)
{
	double		r = 1.0 / x,
				r2 = r * r;

	return r * (1.0 / 12 + r2 * (-1.0 / 360 + r2 * (1.0 / 1260 + r2 * (-1.0 / 1680 +
																	r2 * (1.0 / 1188 + r2 * (-691.0 / 360360 + r2 * (1.0 / 156)))))));
}

double
jstat_lbeta(double a, double b)
{
	double		p = Min(a, b),
				q = Max(a, b);

	if (p >= 10)
	{
		double		corr = jstat_lgammacor(p) + jstat_lgammacor(q) - jstat_lgammacor(p + q);

		return -0.5 * log(q) + JSTAT_LN_SQRT_2PI + corr + (p - 0.5) * log(p / (p + q)) +
			q * log1p(-p / (p + q));
	}
	if (q >= 10)
	{
		double		corr = jstat_lgammacor(q) - jstat_lgammacor(p + q);

		return lgamma(p) + corr + p - p * log(p + q) + (q - 0.5) * log1p(-p / (p + q));
	}
	return lgamma(p) + lgamma(q) - lgamma(p + q);
}

/*
 * The continued fraction of I_x(a, b) (Numerical Recipes' betacf, modified
 * Lentz); y = 1 - x.  For a large (the t tail at a large df) and x near 1
 * its first terms cancel to about y + b/a: the rounding of x to a double
 * alone cost 3e-9 relative at df = 1e8.  So it runs in long double (a
 * 64-bit mantissa on x86-64, binary128 on aarch64 Linux; where long
 * double is double only the large-df digits are lost) with x formed
 * there as 1 - y from the accurate y.
 */
static double
jstat_betacf(double a_, double b_, double x_, double y_)
{
	const long double tiny = 1e-300L;
	long double a = a_,
				b = b_,
				x = y_ < 0.5 ? 1.0L - (long double) y_ : (long double) x_;
	long double qab = a + b,
				qap = a + 1,
				qam = a - 1;
	long double c = 1.0L,
				d = 1.0L - qab * x / qap,
				h;
	int			m;

	if (fabsl(d) < tiny)
		d = tiny;
	d = 1.0L / d;
	h = d;
	for (m = 1; m <= 1000000; m++)
	{
		int			m2 = 2 * m;
		long double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
		long double del;

		d = 1.0L + aa * d;
		if (fabsl(d) < tiny)
			d = tiny;
		c = 1.0L + aa / c;
		if (fabsl(c) < tiny)
			c = tiny;
		d = 1.0L / d;
		h *= d * c;
		aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
		d = 1.0L + aa * d;
		if (fabsl(d) < tiny)
			d = tiny;
		c = 1.0L + aa / c;
		if (fabsl(c) < tiny)
			c = tiny;
		d = 1.0L / d;
		del = d * c;
		h *= del;
		if (fabsl(del - 1.0L) <= DBL_EPSILON / 16)
			return (double) h;
		if ((m & 0xffff) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("incomplete beta function did not converge"),
			 errdetail("a = %g, b = %g, x = %g.", a_, b_, x_)));
	return 0;					/* keep the compiler quiet */
}

double
jstat_betainc(double a, double b, double x, double y)
{
	double		lx,
				ly,
				front;

	if (isnan(a) || isnan(b) || isnan(x) || isnan(y))
		return NAN;
	if (x <= 0)
		return 0.0;
	if (y <= 0)
		return 1.0;
	lx = x > 0.5 ? log1p(-y) : log(x);
	ly = y > 0.5 ? log1p(-x) : log(y);
	front = exp(a * lx + b * ly - jstat_lbeta(a, b));
	if (x < (a + 1) / (a + b + 2))
		return front * jstat_betacf(a, b, x, y) / a;
	return 1.0 - front * jstat_betacf(b, a, y, x) / b;
}

double
jstat_t_two_sided(double t, double df)
{
	double		t2,
				x,
				y;

	t = fabs(t);
	if (isinf(t))
		return 0.0;
	if (t == 0)
		return 1.0;
	if (t > 1e150)
	{
		x = (df / t) / t;
		y = 1.0;
	}
	else
	{
		t2 = t * t;
		x = df / (df + t2);
		y = t2 / (df + t2);
	}
	return jstat_betainc(0.5 * df, 0.5, x, y);
}

/*
 * Fisher's exact test.  With the rows (a, b) and (c, d), the first column's
 * total k = a + c and the first row's total r1 = a + b, the upper-left cell
 * x is hypergeometric on [max(0, k - r2), min(r1, k)] and
 *   P(x + 1) / P(x) = (r1 - x)(k - x) / ((x + 1)(r2 - k + x + 1)).
 * The probabilities relative to the mode are walked outward from it (they
 * decrease on both sides: the distribution is unimodal) until they
 * underflow; a first walk gives their total and the observed table's, a
 * second the sum of those at most observed * (1 + 1e-7).
 */
static double
jstat_fisher_walk(double r1, double r2, double k, double lo, double hi, double mode,
				  double obs_x, double limit, double *obs_p)
{
	double		total = 0,
				p,
				x;
	long		steps = 0;

	/* upward from the mode (the mode itself included) */
	p = 1.0;
	for (x = mode; x <= hi && p > 0; x++)
	{
		if (x == obs_x && obs_p)
			*obs_p = p;
		if (limit < 0 || p <= limit)
			total += p;
		p *= (r1 - x) * (k - x) / ((x + 1) * (r2 - k + x + 1));
		if ((++steps & 0xfffff) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	/* downward */
	p = 1.0;
	for (x = mode - 1; x >= lo; x--)
	{
		/* P(x) = P(x + 1) (x + 1)(r2 - k + x + 1) / ((r1 - x)(k - x)) */
		p *= (x + 1) * (r2 - k + x + 1) / ((r1 - x) * (k - x));
		if (p <= 0)
			break;
		if (x == obs_x && obs_p)
			*obs_p = p;
		if (limit < 0 || p <= limit)
			total += p;
		if ((++steps & 0xfffff) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	return total;
}

double
jstat_fisher_two_sided(int64 a, int64 b, int64 c, int64 d)
{
	double		r1 = (double) a + b,
				r2 = (double) c + d,
				k = (double) a + c,
				n = r1 + r2;
	double		lo = Max(0, k - r2),
				hi = Min(r1, k);
	double		mode,
				total,
				obs_p = 0,
				sel;

	if (lo >= hi)
		return 1.0;				/* one table only */
	mode = floor((r1 + 1) * (k + 1) / (n + 2));
	mode = Max(lo, Min(hi, mode));
	total = jstat_fisher_walk(r1, r2, k, lo, hi, mode, (double) a, -1, &obs_p);
	if (obs_p <= 0)
		return 0.0;				/* observed table below DBL_MIN relative to the mode */
	sel = jstat_fisher_walk(r1, r2, k, lo, hi, mode, (double) a, obs_p * (1 + 1e-7), NULL);
	return Min(1.0, sel / total);
}

/* ---------------------------------------------------------------------
 * JSum
 * ---------------------------------------------------------------------
 */

#define JSUM_DIGIT_MASK INT64CONST(0xffffffff)
#define JSUM_TOP (JSUM_LIMBS - 1)
#define JSUM_WIDE (2 * JSUM_LIMBS + 2)

void
jsum_add(JSum *s, double x)
{
	uint64		bits;
	uint64		mant;
	int			bexp,
				p,
				li,
				sh;
	uint128		w;
	int64		d0,
				d1,
				d2;

	/* x = mant * 2^(p - JSUM_SHIFT), read from the IEEE 754 bits */
	memcpy(&bits, &x, sizeof(bits));
	bexp = (int) ((bits >> 52) & 0x7ff);
	Assert(bexp != 0x7ff);		/* finite: the callers check */
	mant = bits & ((UINT64CONST(1) << 52) - 1);
	if (bexp == 0)
	{
		if (mant == 0)
			return;				/* +0 or -0 */
		p = JSUM_SHIFT - 1074;	/* subnormal: mant * 2^-1074 */
	}
	else
	{
		mant |= UINT64CONST(1) << 52;
		p = bexp - 1075 + JSUM_SHIFT;
	}
	li = p >> 5;
	sh = p & 31;
	w = (uint128) mant << sh;
	d0 = (int64) (w & JSUM_DIGIT_MASK);
	d1 = (int64) ((w >> 32) & JSUM_DIGIT_MASK);
	d2 = (int64) (w >> 64);
	if (bits >> 63)
	{
		s->limb[li] -= d0;
		s->limb[li + 1] -= d1;
		s->limb[li + 2] -= d2;
	}
	else
	{
		s->limb[li] += d0;
		s->limb[li + 1] += d1;
		s->limb[li + 2] += d2;
	}
}

void
jsum_add_product(JSum *s, double x, double y)
{
	double		hi = x * y;

	jsum_add(s, hi);
	jsum_add(s, fma(x, y, -hi));
}

void
jsum_merge(JSum *s, const JSum *t)
{
	int			i;

	for (i = 0; i < JSUM_LIMBS; i++)
		s->limb[i] += t->limb[i];
	jsum_normalize(s);
}

void
jsum_normalize(JSum *s)
{
	int64		carry = 0;
	int			i;

	for (i = 0; i < JSUM_TOP; i++)
	{
		int64		v = s->limb[i] + carry;
		int64		low = (int64) ((uint64) v & (uint64) JSUM_DIGIT_MASK);

		carry = (v - low) / (INT64CONST(1) << 32);
		s->limb[i] = low;
	}
	s->limb[JSUM_TOP] += carry;
}

bool
jsum_is_zero(const JSum *s)
{
	int			i;

	for (i = 0; i < JSUM_LIMBS; i++)
		if (s->limb[i] != 0)
			return false;
	return true;
}

int
jsum_sign(const JSum *s)
{
	if (s->limb[JSUM_TOP] < 0)
		return -1;
	return jsum_is_zero(s) ? 0 : 1;
}

/*
 * The magnitude of a normalized sum as 32-bit digits (mag[JSUM_LIMBS]);
 * returns whether the sum is negative.
 */
static bool
jsum_magnitude(const JSum *s, uint32 *mag)
{
	JSum		t = *s;
	bool		neg = t.limb[JSUM_TOP] < 0;
	int			i;

	if (neg)
	{
		for (i = 0; i < JSUM_LIMBS; i++)
			t.limb[i] = -t.limb[i];
		jsum_normalize(&t);
	}
	for (i = 0; i < JSUM_LIMBS; i++)
		mag[i] = (uint32) t.limb[i];
	return neg;
}

/*
 * A magnitude of ndig 32-bit digits as m * 2^*exp with m a double (the
 * top 96 bits and a sticky bit, so m is correctly rounded); 0 if zero.
 */
static double
jsum_mag_split(const uint32 *mag, int ndig, int *exp)
{
	int			k = ndig - 1,
				i;
	uint128		top;
	bool		sticky = false;

	while (k >= 0 && mag[k] == 0)
		k--;
	*exp = 0;
	if (k < 0)
		return 0.0;
	top = (uint128) mag[k] << 64;
	if (k >= 1)
		top |= (uint128) mag[k - 1] << 32;
	if (k >= 2)
		top |= mag[k - 2];
	for (i = 0; i < k - 2 && !sticky; i++)
		sticky = mag[i] != 0;
	if (sticky)
		top |= 1;
	*exp = 32 * (k - 2);
	return (double) top;
}

double
jsum_to_double(const JSum *s)
{
	JSum		t = *s;
	uint32		mag[JSUM_LIMBS];
	bool		neg;
	int			e;
	double		m;

	jsum_normalize(&t);
	neg = jsum_magnitude(&t, mag);
	m = jsum_mag_split(mag, JSUM_LIMBS, &e);
	m = ldexp(m, e - JSUM_SHIFT);
	return neg ? -m : m;
}

void
jsum_append(StringInfo buf, const JSum *s)
{
	JSum		t = *s;
	uint32		mag[JSUM_LIMBS];
	bool		neg;
	int			lo = 0,
				hi = JSUM_TOP,
				i,
				exp,
				start;
	StringInfoData hex;

	jsum_normalize(&t);
	neg = jsum_magnitude(&t, mag);
	while (hi >= 0 && mag[hi] == 0)
		hi--;
	if (hi < 0)
	{
		appendStringInfoChar(buf, '0');
		return;
	}
	while (mag[lo] == 0)
		lo++;
	initStringInfo(&hex);
	appendStringInfo(&hex, "%x", mag[hi]);
	for (i = hi - 1; i >= lo; i--)
		appendStringInfo(&hex, "%08x", mag[i]);
	exp = 32 * lo - JSUM_SHIFT;
	while (hex.len > 1 && hex.data[hex.len - 1] == '0')
	{
		hex.data[--hex.len] = '\0';
		exp += 4;
	}
	start = 0;
	appendStringInfo(buf, "%s0x%sp%d", neg ? "-" : "", hex.data + start, exp);
	pfree(hex.data);
}

/* NULL if a normalized sum's magnitude fits (top digit below 2^31) */
static const char *
jsum_range_check(const JSum *s)
{
	uint32		mag[JSUM_LIMBS];

	jsum_magnitude(s, mag);
	if (mag[JSUM_TOP] >= (UINT64CONST(1) << 31))
		return "A sum is out of range.";
	return NULL;
}

const char *
jsum_check(const JSum *s)
{
	int			i;

	for (i = 0; i < JSUM_TOP; i++)
		if (s->limb[i] < 0 || s->limb[i] > JSUM_DIGIT_MASK)
			return "A sum is not normalized.";
	if (s->limb[JSUM_TOP] < -(INT64CONST(1) << 31) || s->limb[JSUM_TOP] >= (INT64CONST(1) << 31))
		return "A sum is out of range.";
	return jsum_range_check(s);
}

static int
jsum_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool
jsum_parse(JSum *out, const char **sp)
{
	const char *s = *sp;
	const char *digits;
	int			ndigits = 0,
				i;
	bool		neg = false;
	long		exp;
	char	   *end;

	memset(out, 0, sizeof(JSum));
	if (*s == '-')
	{
		neg = true;
		s++;
	}
	if (s[0] == '0' && s[1] != 'x')
	{
		*sp = s + 1;
		return true;
	}
	if (s[0] != '0' || s[1] != 'x')
		return false;
	s += 2;
	digits = s;
	while (jsum_hexval(*s) >= 0)
	{
		s++;
		ndigits++;
	}
	if (ndigits == 0 || ndigits > 4096 || *s != 'p')
		return false;
	s++;
	if (!(*s == '-' || *s == '+' || (*s >= '0' && *s <= '9')))
		return false;
	errno = 0;
	exp = strtol(s, &end, 10);
	if (errno != 0 || end == s || exp < -100000 || exp > 100000)
		return false;
	s = end;
	for (i = 0; i < ndigits; i++)
	{
		int			dv = jsum_hexval(digits[ndigits - 1 - i]);
		long		pos = exp + 4L * i + JSUM_SHIFT;

		if (dv == 0)
			continue;
		if (pos < 0 || pos >= 32L * JSUM_LIMBS)
			return false;
		out->limb[pos / 32] += (int64) dv << (pos % 32);
	}
	jsum_normalize(out);
	if (out->limb[JSUM_TOP] >= (INT64CONST(1) << 31))
		return false;
	if (neg)
	{
		for (i = 0; i < JSUM_LIMBS; i++)
			out->limb[i] = -out->limb[i];
		jsum_normalize(out);
	}
	*sp = s;
	return true;
}

void
jsum_send(StringInfo buf, const JSum *s)
{
	JSum		t = *s;
	int			lo = 0,
				hi = JSUM_TOP,
				i;

	jsum_normalize(&t);
	while (hi >= 0 && t.limb[hi] == 0)
		hi--;
	if (hi < 0)
	{
		pq_sendint32(buf, 0);
		pq_sendint32(buf, 0);
		return;
	}
	while (t.limb[lo] == 0)
		lo++;
	pq_sendint32(buf, lo);
	pq_sendint32(buf, hi - lo + 1);
	for (i = lo; i <= hi; i++)
		pq_sendint64(buf, t.limb[i]);
}

void
jsum_recv(StringInfo buf, JSum *out, const char *type_name)
{
	int32		first = journey_recv_int32(buf, type_name);
	int32		count = journey_recv_int32(buf, type_name);
	const char *why;
	int			i;

	memset(out, 0, sizeof(JSum));
	if (first < 0 || count < 0 || first > JSUM_LIMBS || count > JSUM_LIMBS - first)
		journey_invalid_value(JOURNEY_FROM_BINARY, type_name,
							  "A sum has %d digits from digit %d; a sum has %d digits.",
							  count, first, JSUM_LIMBS);
	for (i = 0; i < count; i++)
		out->limb[first + i] = journey_recv_int64(buf, type_name);
	if ((why = jsum_check(out)) != NULL)
		journey_invalid_value(JOURNEY_FROM_BINARY, type_name, "%s", why);
}

/* r[0 .. na + nb) = a * b, magnitudes of 32-bit digits */
static void
jsum_mag_mul(const uint32 *a, int na, const uint32 *b, int nb, uint32 *r)
{
	int			i,
				j;

	memset(r, 0, sizeof(uint32) * (na + nb));
	for (i = 0; i < na; i++)
	{
		uint64		carry = 0;

		if (a[i] == 0)
			continue;
		for (j = 0; j < nb; j++)
		{
			uint64		t = (uint64) a[i] * b[j] + r[i + j] + carry;

			r[i + j] = (uint32) t;
			carry = t >> 32;
		}
		r[i + nb] = (uint32) carry;
	}
}

/* compare two magnitudes of n digits */
static int
jsum_mag_cmp(const uint32 *a, const uint32 *b, int n)
{
	int			i;

	for (i = n - 1; i >= 0; i--)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return 0;
}

/* r = a - b for magnitudes with a >= b (r may be a) */
static void
jsum_mag_sub(const uint32 *a, const uint32 *b, uint32 *r, int n)
{
	int64		borrow = 0;
	int			i;

	for (i = 0; i < n; i++)
	{
		int64		t = (int64) a[i] - b[i] - borrow;

		borrow = t < 0;
		r[i] = (uint32) (t + (borrow << 32));
	}
}

/* r = a + b for magnitudes (the sums here never carry out of n digits) */
static void
jsum_mag_add(const uint32 *a, const uint32 *b, uint32 *r, int n)
{
	uint64		carry = 0;
	int			i;

	for (i = 0; i < n; i++)
	{
		uint64		t = (uint64) a[i] + b[i] + carry;

		r[i] = (uint32) t;
		carry = t >> 32;
	}
}

/*
 * (q with sign negq) - (p with sign negp), magnitudes of JSUM_WIDE digits
 * at scale 2^-scale_bits, divided by divisor and rounded to a double
 */
static double
jsum_wide_diff(const uint32 *q, bool negq, const uint32 *p, bool negp, int scale_bits, double divisor)
{
	uint32		r[JSUM_WIDE];
	bool		negr;
	int			e;
	double		m;

	if (negq != negp)
	{
		jsum_mag_add(q, p, r, JSUM_WIDE);
		negr = negq;
	}
	else if (jsum_mag_cmp(q, p, JSUM_WIDE) >= 0)
	{
		jsum_mag_sub(q, p, r, JSUM_WIDE);
		negr = negq;
	}
	else
	{
		jsum_mag_sub(p, q, r, JSUM_WIDE);
		negr = !negq;
	}
	m = jsum_mag_split(r, JSUM_WIDE, &e);
	m = ldexp(m / divisor, e - scale_bits);
	return negr ? -m : m;
}

/* |s| * n as JSUM_LIMBS + 2 digits (n >= 0); returns whether s is negative */
static bool
jsum_mag_times(const JSum *s, int64 n, uint32 *out)
{
	uint32		mag[JSUM_LIMBS],
				nd[2];
	bool		neg = jsum_magnitude(s, mag);

	nd[0] = (uint32) ((uint64) n & 0xffffffff);
	nd[1] = (uint32) ((uint64) n >> 32);
	jsum_mag_mul(mag, JSUM_LIMBS, nd, 2, out);
	return neg;
}

double
jsum_comoment(int64 n, const JSum *sxy, const JSum *sx, const JSum *sy, double divisor)
{
	uint32		mx[JSUM_LIMBS],
				my[JSUM_LIMBS];
	uint32		p[JSUM_WIDE],
				q[JSUM_WIDE],
				tmp[JSUM_LIMBS + 2];
	bool		negx,
				negy,
				negxy;

	StaticAssertStmt(JSUM_SHIFT % 32 == 0, "JSUM_SHIFT is a whole number of digits");
	negx = jsum_magnitude(sx, mx);
	negy = jsum_magnitude(sy, my);
	/* p = |sx sy| at scale 2^(-2 JSUM_SHIFT) */
	memset(p, 0, sizeof(p));
	jsum_mag_mul(mx, JSUM_LIMBS, my, JSUM_LIMBS, p);
	/* q = |n sxy| shifted to the same scale */
	negxy = jsum_mag_times(sxy, n, tmp);
	memset(q, 0, sizeof(q));
	memcpy(q + JSUM_SHIFT / 32, tmp, sizeof(tmp));
	return jsum_wide_diff(q, negxy, p, negx != negy, 2 * JSUM_SHIFT, divisor);
}

double
jsum_lincomb(int64 a, const JSum *x, int64 b, const JSum *y, double divisor)
{
	uint32		p[JSUM_WIDE],
				q[JSUM_WIDE];
	bool		negq,
				negp;

	memset(p, 0, sizeof(p));
	memset(q, 0, sizeof(q));
	negq = jsum_mag_times(x, a, q);
	negp = jsum_mag_times(y, b, p);
	return jsum_wide_diff(q, negq, p, negp, JSUM_SHIFT, divisor);
}
