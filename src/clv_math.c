/*
 * clv_math.c — the numerics of predictive CLV on plain doubles: digamma,
 * and the closed-form BG/NBD and Gamma-Gamma predictions (Fader, Hardie &
 * Lee 2005; the quantities the `lifetimes` library computes), each either
 * accurate (an error bound of 1e-8 relative, that overestimates; measured
 * below 1e-9 against a 60-digit reference) or an ERROR saying why not.
 *
 * The BG/NBD conditional expectation is P(alive) times
 *
 *   M = E[(1 - (1 + p s)^-A) / p],  p ~ Beta(a, beta),
 *   A = r + x, beta = b + x, s = t / (alpha + T),
 *
 * the expected purchases in the next t periods of an alive customer; in
 * closed form M = C/(a - 1) [1 - (1-z)^A 2F1(A, beta; C; z)] with
 * C = a + beta - 1, z = s / (1 + s).  Summed naively (as lifetimes does
 * with scipy's hyp2f1, and as 0.1.0 did after Euler's transformation) the
 * bracket cancels catastrophically: for r = 100 the Euler-transformed
 * series alternates with terms of 1e29 and returned -1.5e8 for an answer
 * of 2.  Here M is evaluated two ways, each with a running bound on its
 * rounding error, and the better one is used:
 *
 *  I. the Gauss series of 2F1(A, beta; C; z) itself: every term is
 *     positive (no cancellation inside), summed with a floating scale so
 *     that it cannot overflow (it reaches 1e1000 for r = 1000), and the
 *     bracket formed in log space as -expm1(A log(1-z) + log 2F1).  Its
 *     only loss is the final 1 - F when F is near 1 and a near 1;
 *  II. Euler's form 2F1 = (1-z)^(C-A-B) 2F1(C-A, C-B; C; z), in which the
 *     factor 1/(a - 1) cancels analytically (a = 1 is no special case):
 *     M = C [-expm1((a-1) L)/(a-1) - (1-z)^(a-1) G], L = log(1-z), G a
 *     series whose terms have the sign of (C - A)_n.
 *
 * When both bounds exceed CLV_TOLERANCE (a near 1 with r + x large), or
 * the series would need more than CLV_MAX_TERMS terms (a horizon that
 * dwarfs alpha + T),
 *
 *  III. M is integrated by Gauss-Legendre quadrature over u = logit(p),
 *     with panels graded towards the places where the integrand turns.
 *
 * What none of the three reaches is an ERROR (22003), never a number.
 * Models with a + b <= 1 (C <= 0 for x = 0) use the exact identity
 * M(a, b) = b/(a+b) M(a, b+1) + a/(a+b) M(a+1, b), a convex combination.
 */
#include "clv_math.h"

#include <float.h>

#include "miscadmin.h"

#define CLV_MAX_TERMS 100000000L
#define CLV_TOLERANCE 1e-8		/* on a bound that overestimates the error */
#define CLV_MAX_PANELS 200000

/*
 * Digamma for x > 0: shift up with psi(x) = psi(x + 1) - 1/x until x >= 6,
 * then the asymptotic expansion (error below 1e-14 there).
 */
double
clv_digamma(double x)
{
	double		r = 0.0;
	double		f;

	while (x < 6.0)
	{
		r -= 1.0 / x;
		x += 1.0;
	}
	f = 1.0 / (x * x);
	return r + log(x) - 0.5 / x -
		f * (1.0 / 12 - f * (1.0 / 120 - f * (1.0 / 252 - f * (1.0 / 240 - f * (1.0 / 132)))));
}

/* a series too long to sum: the horizon dwarfs alpha + T */
static void
clv_series_too_long(double t)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("expected purchases do not converge for a horizon of %g periods", t),
			 errdetail("The hypergeometric series would need more than %ld terms, and the quadrature more than %d panels.",
					   CLV_MAX_TERMS, CLV_MAX_PANELS),
			 errhint("Use a shorter horizon.")));
}

/*
 * Method I: M from the all-positive Gauss series.  Returns M, and in
 * *relerr a bound on its relative rounding error (+Inf when the method
 * does not apply); *too_long when the term budget ran out.
 */
static double
clv_mean_gauss(double A, double a, double beta, double z, double L, double *relerr, bool *too_long)
{
	double		C = a + beta - 1.0;
	double		term = 1.0,
				sum = 1.0,
				lscale = 0.0,
				logS,
				logF,
				omf;
	long		n;

	*relerr = INFINITY;
	for (n = 0;; n++)
	{
		double		rho = (A + n) * (beta + n) / ((C + n) * (n + 1.0)) * z;
		double		rmax = Max(rho, z);

		term *= rho;
		sum += term;
		if (sum > 1e250)
		{
			term *= 1e-250;
			sum *= 1e-250;
			lscale += 250.0 * M_LN10;
		}
		/* the ratios tend to z monotonically: the tail is below a geometric one */
		if (rmax < 1.0 && term * rmax <= 1e-17 * sum * (1.0 - rmax))
			break;
		if (n >= CLV_MAX_TERMS)
		{
			*too_long = true;
			return 0.0;
		}
		if ((n & 0xFFFFF) == 0xFFFFF)
			CHECK_FOR_INTERRUPTS();
	}
	if (a == 1.0)
		return 0.0;
	logS = log(sum) + lscale;
	logF = A * L + logS;
	omf = -expm1(logF);
	if (!(omf / (a - 1.0) > 0.0) || !isfinite(omf))
		return 0.0;
	*relerr = DBL_EPSILON * ((2.0 * (fabs(A * L) + fabs(logS)) + 3.0 * (n + 1)) * exp(logF) / fabs(omf) + 4.0);
	return C / (a - 1.0) * omf;
}

/*
 * Method II: M from Euler's form.  Same contract as clv_mean_gauss.
 */
static double
clv_mean_euler(double A, double a, double beta, double z, double L, double *relerr, bool *too_long)
{
	double		C = a + beta - 1.0;
	double		Ap = C - A;
	double		u = (a - 1.0) * L;
	double		first = fabs(u) < 1e-300 ? -L : -L * (expm1(u) / u);
	double		w = exp(u);
	double		g = Ap * z / C,
				G = 0.0,
				sabs = 0.0,
				val;
	long		n;

	*relerr = INFINITY;
	for (n = 1;; n++)
	{
		double		rho,
					rmax;

		G += g;
		sabs += fabs(g) * (n + 2.0);
		if (g == 0.0)
			break;				/* C - A a non-positive integer: a polynomial */
		if (!isfinite(sabs))
			return 0.0;
		rho = (Ap + n) * (a + n - 1.0) * z / ((C + n) * (n + 1.0));
		g *= rho;
		rmax = Max(fabs(rho), z);
		if (n > fabs(Ap) + 1.0 && rmax < 1.0 && fabs(g) * rmax <= 1e-17 * sabs * (1.0 - rmax))
		{
			G += g;
			break;
		}
		if (n >= CLV_MAX_TERMS)
		{
			*too_long = true;
			return 0.0;
		}
		if ((n & 0xFFFFF) == 0xFFFFF)
			CHECK_FOR_INTERRUPTS();
	}
	val = first - w * G;
	if (!(val > 0.0) || !isfinite(val))
		return 0.0;
	*relerr = DBL_EPSILON * 4.0 * (fabs(first) + w * sabs + fabs(val)) / val;
	return C * val;
}

/* 16-point Gauss-Legendre on [-1, 1]: the positive nodes and their weights */
static const double clv_gl_x[8] = {0.095012509837637441, 0.28160355077925892, 0.45801677765722737, 0.61787624440264377,
0.755404408355003, 0.86563120238783176, 0.9445750230732326, 0.98940093499164994};
static const double clv_gl_w[8] = {0.18945061045506847, 0.18260341504492361, 0.16915651939500256, 0.14959598881657682,
0.12462897125553395, 0.095158511682492897, 0.062253523938647776, 0.027152459411754058};

/*
 * log of the density of u = logit(p), p ~ Beta(a, beta), relative to its
 * value at um: a (u - um) - (a + beta) (log(1 + e^u) - log(1 + e^um)),
 * the difference formed so that large a + beta does not amplify rounding.
 */
static inline double
clv_logit_logdens(double u, double um, double a, double beta)
{
	double		d;

	if (u > 0 && um > 0)
		d = (u - um) + (log1p(exp(-u)) - log1p(exp(-um)));
	else if (u <= 0 && um <= 0)
		d = log1p(exp(u)) - log1p(exp(um));
	else
		d = (u > 0 ? u + log1p(exp(-u)) : log1p(exp(u))) -
			(um > 0 ? um + log1p(exp(-um)) : log1p(exp(um)));
	return a * (u - um) - (a + beta) * d;
}

/*
 * The ratio of the integrals of h(p(u)) w(u) and of w(u) over [lo, hi]
 * (w: the logit density relative to its value at the mode um, so that the
 * Beta normalization cancels).  Panels are fine (half the feature's scale,
 * times fac) near the three places where the integrand changes shape: the
 * density's mode (scale sm), the turn of (1 + p s)^-A at ut and p = 1/2
 * (u = 0), both of scale 1; away from them a panel spans 15% of the
 * distance to the nearest, times fac.  *npanels counts the panels.
 */
static double
clv_quad_ratio(double A, double a, double beta, double s, double lo, double hi,
			   double um, double sm, double ut, double fac, long *npanels)
{
	double		num = 0.0,
				den = 0.0,
				u0 = lo;
	long		i = 0;
	int			j,
				side;

	while (u0 < hi)
	{
		double		w1 = Max(0.5 * sm, 0.15 * fabs(u0 - um)),
					w2 = Max(0.5, 0.15 * fabs(u0 - ut)),
					w3 = Max(0.5, 0.15 * fabs(u0));
		double		width = fac * Min(w1, Min(w2, w3));
		double		c;

		/* do not step over a feature with a wide panel */
		if (u0 < um && u0 + width > um && width > fac * 0.5 * sm)
			width = Max(um - u0, fac * 0.5 * sm);
		if (u0 + width > hi)
			width = hi - u0;
		c = u0 + 0.5 * width;
		if ((++i & 0x3FF) == 0)
			CHECK_FOR_INTERRUPTS();
		if (i > CLV_MAX_PANELS)
			break;
		for (j = 0; j < 8; j++)
			for (side = -1; side <= 1; side += 2)
			{
				double		u = c + side * 0.5 * width * clv_gl_x[j];
				double		w = clv_gl_w[j] * width * exp(clv_logit_logdens(u, um, a, beta));
				double		p = u > 0 ? 1.0 / (1.0 + exp(-u)) : exp(u) / (1.0 + exp(u));
				double		h = p > 0.0 ? -expm1(-A * log1p(p * s)) / p : A * s;

				num += w * h;
				den += w;
			}
		u0 += width;
	}
	*npanels = i;
	return num / den;
}

/*
 * Method III, for the models where the series cancel (a near 1 and r + x
 * large) or would be too long (z near 1): M = E[(1 - (1 + p s)^-A) / p]
 * by Gauss-Legendre quadrature over u = logit(p), where the Beta density
 * is smooth and log-concave with a width of at least 1/sqrt(a) around its
 * mode log(a/beta), and (1 + p s)^-A changes on a scale of 1 in u around
 * u = -log(A s) (the range covers both, and 50/a resp. 50/beta e-folds
 * beyond, where the density decays like e^(a u) resp. e^(-beta u)).  The
 * error bound is the difference from the same rule on panels twice as
 * wide.  Gives up (+Inf bound) beyond CLV_MAX_PANELS panels.
 */
static double
clv_mean_quadrature(double A, double a, double beta, double s, double *relerr)
{
	double		um = log(a) - log(beta);
	/* the density's curvature at its mode is a beta / (a + beta) */
	double		sm = Min(1.0, 1.0 / sqrt(a * beta / (a + beta)));
	double		spread = 12.0 / sqrt(Min(a, beta)) + 5.0;
	/* (1 + p s)^-A turns from 1 to 0 around p = 1/(A s): cover that too */
	double		ut = A * s > 1.0 ? -log(A) - log(s) : 0.0;
	double		lo = Min(Min(um, 0.0), ut) - 50.0 / a - spread,
				hi = Max(um, 0.0) + 50.0 / beta + spread;
	double		fine,
				coarse;
	long		n1,
				n2;

	*relerr = INFINITY;
	if (!isfinite(lo) || !isfinite(hi) || !isfinite(s))
		return 0.0;
	coarse = clv_quad_ratio(A, a, beta, s, lo, hi, um, sm, ut, 2.0, &n1);
	fine = clv_quad_ratio(A, a, beta, s, lo, hi, um, sm, ut, 1.0, &n2);
	if (n1 > CLV_MAX_PANELS || n2 > CLV_MAX_PANELS || !(fine > 0.0) || !isfinite(fine))
		return 0.0;
	*relerr = fabs(fine - coarse) / fine + 1e-13;
	return fine;
}

/*
 * M for C = a + beta - 1 > 0: the better of the two series, else the
 * quadrature, or an ERROR when none reaches CLV_TOLERANCE.
 */
static double
clv_mean_alive(double A, double a, double beta, double t, double s, double z, double L)
{
	double		m1,
				m2,
				e1,
				e2;
	bool		too_long = false;

	/* the tail decays like z^n: the series need 39 / -log(z) terms */
	if (!(z < 1.0) || !isfinite(s) || 39.0 / log1p(1.0 / s) > CLV_MAX_TERMS)
	{
		m1 = clv_mean_quadrature(A, a, beta, s, &e1);
		if (e1 <= CLV_TOLERANCE)
			return m1;
		clv_series_too_long(t);
	}
	m1 = clv_mean_gauss(A, a, beta, z, L, &e1, &too_long);
	if (e1 <= 1e-12)
		return m1;
	m2 = clv_mean_euler(A, a, beta, z, L, &e2, &too_long);
	if (Min(e1, e2) > CLV_TOLERANCE)
	{
		double		e3;
		double		m3 = clv_mean_quadrature(A, a, beta, s, &e3);

		if (e3 <= CLV_TOLERANCE)
			return m3;
		if (too_long)
			clv_series_too_long(t);
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("expected purchases cannot be computed accurately for this model"),
				 errdetail("The two series and the quadrature reach relative error bounds of %.3g, %.3g and %.3g only, at r + frequency = %g, a = %g, b + frequency = %g, horizon / (alpha + t) = %.17g.",
						   e1, e2, e3, A, a, beta, s),
				 errhint("Check the model: parameters this far apart often come from a fit that did not converge.")));
	}
	return e1 <= e2 ? m1 : m2;
}

/*
 * BG/NBD conditional expected number of purchases in (T, T + t] of a
 * customer with x repeat purchases, last at t_x, observed for T (see the
 * head of this file):
 *
 *   E = P(alive) M,  M = (a + b + x - 1)/(a - 1) [1 - (1-z)^(r+x) 2F1(r+x, b+x; a+b+x-1; z)]
 *
 * 0 <= E <= (r + x) t/(alpha + T) always; an ERROR (22003) when M cannot
 * be computed to CLV_TOLERANCE or does not fit in a double.
 */
double
clv_bgnbd_expected(double r, double alpha, double a, double b,
				   double t, double x, double tx, double T)
{
	double		A = r + x,
				beta = b + x,
				s,
				z,
				L,
				M,
				E;

	if (t <= 0.0)
		return 0.0;
	s = t / (alpha + T);
	z = t / (alpha + T + t);
	/* L = log(1 - z) = -log(1 + s), also when s overflows */
	L = isfinite(s) && s < 1e15 ? -log1p(s) : log(alpha + T) - log(alpha + T + t);
	if (a + beta - 1.0 > 0.0)
		M = clv_mean_alive(A, a, beta, t, s, z, L);
	else
	{
		/* x = 0 and a + b <= 1: split Beta(a, b) into Beta(a, b+1) and Beta(a+1, b) */
		M = b / (a + b) * clv_mean_alive(A, a, b + 1.0, t, s, z, L) +
			a / (a + b) * clv_mean_alive(A, a + 1.0, b, t, s, z, L);
	}
	E = M * clv_bgnbd_alive(r, alpha, a, b, x, tx, T);
	if (!isfinite(E))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("expected purchases out of range for type double precision"),
				 errhint("Use a shorter horizon.")));
	return E;
}

/*
 * P(alive | x, t_x, T) = 1 / (1 + [x > 0] a/(b + x - 1) ((alpha + T)/(alpha + t_x))^(r + x)),
 * as a logistic of the log-odds so that no exponent overflows.
 */
double
clv_bgnbd_alive(double r, double alpha, double a, double b,
				double x, double tx, double T)
{
	double		d;

	if (x <= 0)
		return 1.0;
	d = log(a) - log(b + x - 1.0) + (r + x) * log1p((T - tx) / (alpha + tx));
	if (d > 0)
		return exp(-d) / (1.0 + exp(-d));
	return 1.0 / (1.0 + exp(d));
}

/*
 * Gamma-Gamma conditional expected mean spend: a weighted mean of the
 * population mean p gamma/(q - 1) and the customer's own mean m, with
 * weight p x / (p x + q - 1) on m, i.e. p (gamma + x m) / (p x + q - 1);
 * in logarithms when the products overflow.  Needs q > 1; may return
 * +Inf (the caller reports it).
 */
double
clv_gg_expected(double p, double q, double gamma, double x, double m)
{
	double		v = p * (gamma + x * m) / (p * x + (q - 1.0));
	double		lnum,
				lden;

	if (isfinite(v) && v > 0.0)
		return v;
	lnum = log(p) + (x > 0 ? clv_logaddexp(log(gamma), log(x) + log(m)) : log(gamma));
	lden = x > 0 ? clv_logaddexp(log(p) + log(x), log(q - 1.0)) : log(q - 1.0);
	return exp(lnum - lden);
}
