/*
 * clv_math.c — the numerics of predictive CLV: the BG/NBD and Gamma-Gamma
 * log-likelihoods with analytic gradients, a BFGS minimizer, and the
 * closed-form predictions (Fader, Hardie & Lee 2005, as the `lifetimes`
 * library computes them).
 *
 * Numerical care:
 *  - parameters are optimized on the log scale, so they stay positive and
 *    the problem is better conditioned;
 *  - ratios of gamma functions are differences of lgamma (C99, accurate
 *    to a few ulps for positive arguments), their derivatives differences
 *    of digamma (recurrence to x >= 6 then the asymptotic series);
 *  - the BG/NBD sum exp(A3) + exp(A4) is a log-sum-exp around the larger
 *    term, P(alive) a logistic written so the exponent never overflows;
 *  - the Gauss hypergeometric function of the conditional expectation is
 *    Euler-transformed so that the singular factor 1/(a - 1) cancels
 *    analytically (a = 1 is not a special case) and summed as a series
 *    with a term-ratio recurrence; the series converges for z < 1.
 */
#include "journey.h"
#include "clv.h"

#include <math.h>

#include "miscadmin.h"

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

/* log(exp(u) + exp(v)) without overflow */
static inline double
clv_logaddexp(double u, double v)
{
	double		m = Max(u, v);

	if (m == -INFINITY)
		return m;
	return m + log1p(exp(Min(u, v) - m));
}

/*
 * BG/NBD: for a customer with x repeat purchases, last at t_x, observed
 * for T,
 *   l = A1 + A2 + log(exp(A3) + [x > 0] exp(A4))
 *   A1 = lgamma(r + x) - lgamma(r) + r log(alpha)
 *   A2 = lgamma(a + b) + lgamma(b + x) - lgamma(b) - lgamma(a + b + x)
 *   A3 = -(r + x) log(alpha + T)
 *   A4 = log(a) - log(b + x - 1) - (r + x) log(alpha + t_x)
 */
double
clv_bgnbd_nll(const double *theta, const ClvEntry *e, int n, double total, double *grad)
{
	double		r = exp(theta[0]),
				alpha = exp(theta[1]),
				a = exp(theta[2]),
				b = exp(theta[3]);
	double		log_alpha = theta[1],
				log_a = theta[2];
	double		ll = 0.0,
				gr = 0.0,
				galpha = 0.0,
				ga = 0.0,
				gb = 0.0;
	double		cur_x = -1.0,
				lg = 0.0,
				dr_x = 0.0,
				da_x = 0.0,
				db_x = 0.0,
				la4 = 0.0,
				inv_bx1 = 0.0;
	double		psi_r = 0.0,
				psi_b = 0.0,
				psi_ab = 0.0,
				lg_r = 0.0,
				lg_b = 0.0,
				lg_ab = 0.0;
	int			i;

	if (!isfinite(r) || !isfinite(alpha) || !isfinite(a) || !isfinite(b) ||
		r <= 0 || alpha <= 0 || a <= 0 || b <= 0)
		return INFINITY;
	if (grad)
	{
		psi_r = clv_digamma(r);
		psi_b = clv_digamma(b);
		psi_ab = clv_digamma(a + b);
	}
	lg_r = lgamma(r);
	lg_b = lgamma(b);
	lg_ab = lgamma(a + b);

	for (i = 0; i < n; i++)
	{
		double		x = e[i].x,
					c = (double) e[i].count;
		double		A3,
					A4,
					lse,
					s,
					rx = r + x;
		double		l_T = log(alpha + e[i].b);
		double		l_tx = 0.0;

		if (x != cur_x)
		{
			cur_x = x;
			lg = lgamma(rx) - lg_r + lg_ab + lgamma(b + x) - lg_b - lgamma(a + b + x);
			if (grad)
			{
				double		psi_abx = clv_digamma(a + b + x);

				dr_x = clv_digamma(rx) - psi_r;
				da_x = psi_ab - psi_abx;
				db_x = psi_ab + clv_digamma(b + x) - psi_b - psi_abx;
			}
			if (x > 0)
			{
				la4 = log_a - log(b + x - 1.0);
				inv_bx1 = 1.0 / (b + x - 1.0);
			}
		}
		A3 = -rx * l_T;
		if (x > 0)
		{
			l_tx = log(alpha + e[i].a);
			A4 = la4 - rx * l_tx;
			lse = clv_logaddexp(A3, A4);
			s = exp(A3 - lse);
		}
		else
		{
			A4 = -INFINITY;
			lse = A3;
			s = 1.0;
		}
		ll += c * (lg + r * log_alpha + lse);
		if (grad)
		{
			double		s4 = 1.0 - s;

			gr += c * (dr_x + log_alpha - s * l_T - s4 * l_tx);
			galpha += c * (r / alpha - s * rx / (alpha + e[i].b) -
						   (x > 0 ? s4 * rx / (alpha + e[i].a) : 0.0));
			ga += c * (da_x + (x > 0 ? s4 / a : 0.0));
			gb += c * (db_x - (x > 0 ? s4 * inv_bx1 : 0.0));
		}
	}
	if (grad)
	{
		grad[0] = -gr * r / total;
		grad[1] = -galpha * alpha / total;
		grad[2] = -ga * a / total;
		grad[3] = -gb * b / total;
	}
	if (!isfinite(ll))
		return INFINITY;
	return -ll / total;
}

/*
 * Gamma-Gamma: for a customer with x >= 1 repeat purchases of mean value m,
 *   l = lgamma(p x + q) - lgamma(p x) - lgamma(q) + q log(gamma)
 *       + (p x - 1) log(m) + p x log(x) - (p x + q) log(gamma + x m)
 */
double
clv_gg_nll(const double *theta, const ClvEntry *e, int n, double total, double *grad)
{
	double		p = exp(theta[0]),
				q = exp(theta[1]),
				g = exp(theta[2]);
	double		log_g = theta[2];
	double		ll = 0.0,
				gp = 0.0,
				gq = 0.0,
				gg = 0.0;
	double		cur_x = -1.0,
				lg = 0.0,
				psi_pxq = 0.0,
				psi_px = 0.0,
				log_x = 0.0,
				psi_q = 0.0,
				lg_q;
	int			i;

	if (!isfinite(p) || !isfinite(q) || !isfinite(g) || p <= 0 || q <= 0 || g <= 0)
		return INFINITY;
	lg_q = lgamma(q);
	if (grad)
		psi_q = clv_digamma(q);
	for (i = 0; i < n; i++)
	{
		double		x = e[i].x,
					m = e[i].a,
					c = (double) e[i].count;
		double		px = p * x;
		double		log_m = log(m);
		double		l_gxm = log(g + x * m);

		if (x != cur_x)
		{
			cur_x = x;
			log_x = log(x);
			lg = lgamma(px + q) - lgamma(px) - lg_q;
			if (grad)
			{
				psi_pxq = clv_digamma(px + q);
				psi_px = clv_digamma(px);
			}
		}
		ll += c * (lg + q * log_g + (px - 1.0) * log_m + px * log_x - (px + q) * l_gxm);
		if (grad)
		{
			gp += c * x * (psi_pxq - psi_px + log_m + log_x - l_gxm);
			gq += c * (psi_pxq - psi_q + log_g - l_gxm);
			gg += c * (q / g - (px + q) / (g + x * m));
		}
	}
	if (grad)
	{
		grad[0] = -gp * p / total;
		grad[1] = -gq * q / total;
		grad[2] = -gg * g / total;
	}
	if (!isfinite(ll))
		return INFINITY;
	return -ll / total;
}

/*
 * BFGS on the inverse Hessian with an Armijo backtracking line search.
 * A step never moves a log-parameter by more than 2 (a factor e^2), so a
 * bad direction cannot throw the parameters to overflow; a non-finite
 * trial value counts as "too far".  Stops when the gradient's max-norm is
 * below 1e-10, when no step decreases f, after five steps in a row that
 * decrease it by no more than rounding (1e-15 relative), or after 2000
 * iterations.
 */
double
clv_minimize(clv_objective f, int k, double *theta, const ClvEntry *e, int n,
			 double total, double *gnorm)
{
	double		H[4][4];
	double		g[4],
				gnew[4],
				d[4],
				tnew[4],
				s[4],
				y[4],
				Hy[4];
	double		fx;
	int			stalled = 0;
	int			iter,
				i,
				j;

	Assert(k <= 4);
	for (i = 0; i < k; i++)
		for (j = 0; j < k; j++)
			H[i][j] = (i == j);
	fx = f(theta, e, n, total, g);
	for (iter = 0; iter < 2000; iter++)
	{
		double		gd = 0.0,
					step = 1.0,
					dmax = 0.0,
					fnew = INFINITY,
					gn = 0.0,
					sy = 0.0,
					yHy = 0.0;

		CHECK_FOR_INTERRUPTS();
		for (i = 0; i < k; i++)
			gn = Max(gn, fabs(g[i]));
		if (!isfinite(fx) || gn < 1e-10)
			break;
		for (i = 0; i < k; i++)
		{
			d[i] = 0.0;
			for (j = 0; j < k; j++)
				d[i] -= H[i][j] * g[j];
			gd += d[i] * g[i];
		}
		if (!(gd < 0.0))
		{
			/* not a descent direction: reset to steepest descent */
			for (i = 0; i < k; i++)
			{
				for (j = 0; j < k; j++)
					H[i][j] = (i == j);
				d[i] = -g[i];
			}
			gd = 0.0;
			for (i = 0; i < k; i++)
				gd += d[i] * g[i];
		}
		for (i = 0; i < k; i++)
			dmax = Max(dmax, fabs(d[i]));
		if (dmax > 2.0)
			step = 2.0 / dmax;
		for (;;)
		{
			for (i = 0; i < k; i++)
				tnew[i] = theta[i] + step * d[i];
			fnew = f(tnew, e, n, total, gnew);
			if (isfinite(fnew) && fnew <= fx + 1e-4 * step * gd)
				break;
			step *= 0.5;
			if (step < 1e-16)
				break;
		}
		if (!(isfinite(fnew) && fnew <= fx + 1e-4 * step * gd))
			break;				/* no decrease possible: at the optimum within rounding */
		for (i = 0; i < k; i++)
		{
			s[i] = tnew[i] - theta[i];
			y[i] = gnew[i] - g[i];
			sy += s[i] * y[i];
		}
		if (sy > 1e-300)
		{
			for (i = 0; i < k; i++)
			{
				Hy[i] = 0.0;
				for (j = 0; j < k; j++)
					Hy[i] += H[i][j] * y[j];
				yHy += y[i] * Hy[i];
			}
			for (i = 0; i < k; i++)
				for (j = 0; j < k; j++)
					H[i][j] += ((sy + yHy) * s[i] * s[j]) / (sy * sy) -
						(Hy[i] * s[j] + s[i] * Hy[j]) / sy;
		}
		memcpy(theta, tnew, sizeof(double) * k);
		memcpy(g, gnew, sizeof(double) * k);
		/* stop after a few steps that gain nothing beyond rounding */
		stalled = (fx - fnew <= 1e-15 * fabs(fx)) ? stalled + 1 : 0;
		fx = fnew;
		if (stalled >= 5)
			break;
	}
	*gnorm = 0.0;
	for (i = 0; i < k; i++)
		*gnorm = Max(*gnorm, fabs(g[i]));
	return fx;
}

/*
 * BG/NBD conditional expected number of purchases in (T, T + t] of a
 * customer with x repeat purchases, last at t_x, observed for T:
 *
 *   E = (a + b + x - 1)/(a - 1) [1 - 2F1(r+x, b+x; a+b+x-1; z) (1-z)^(r+x)] / D
 *   z = t / (alpha + T + t),
 *   D = 1 + [x > 0] a/(b + x - 1) ((alpha + T)/(alpha + t_x))^(r+x)
 *
 * With Euler's transformation 2F1(A,B;C;z) = (1-z)^(C-A-B) 2F1(C-A,C-B;C;z)
 * the bracket becomes 1 - w F(a+b-1-r, a-1; C; z), w = (1-z)^(a-1), and
 * F = 1 + (a - 1) G with G = sum_{n>=1} (A')_n (a)_(n-1) / ((C)_n n!) z^n,
 * so that
 *
 *   E = (a + b + x - 1) [ -expm1((a-1) L)/(a-1) - w G ] / D,  L = log(1-z)
 *
 * where the first term tends to -L as a -> 1.  x = T = t_x = 0 gives the
 * unconditional E[X(t)] of a new customer.
 */
double
clv_bgnbd_expected(double r, double alpha, double a, double b,
				   double t, double x, double tx, double T)
{
	double		C = a + b + x - 1.0;
	double		Ap = a + b - 1.0 - r;
	double		z,
				L,
				u,
				first,
				w,
				G = 0.0,
				term,
				logD;
	long		nterm;

	if (t <= 0.0)
		return 0.0;
	if (!(C > 0.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("expected purchases are not defined for a + b + frequency <= 1"),
				 errdetail("The model has a = %g and b = %g.", a, b)));
	z = t / (alpha + T + t);
	L = log1p(-z);
	if (L == 0.0)
		L = -t / (alpha + T + t);	/* z below rounding: log(1 - z) = -z */
	u = (a - 1.0) * L;
	first = fabs(u) < 1e-300 ? -L : -L * (expm1(u) / u);
	w = exp(u);
	term = Ap * z / C;
	for (nterm = 1; nterm < 100000000L; nterm++)
	{
		G += term;
		if (fabs(term) <= 1e-17 * fabs(G) || term == 0.0)
			break;
		term *= (Ap + nterm) * (a + nterm - 1.0) * z / ((C + nterm) * (nterm + 1.0));
		if ((nterm & 0xFFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	if (nterm >= 100000000L || !isfinite(G))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("expected purchases do not converge for a horizon of %g periods", t),
				 errdetail("The hypergeometric series needs more than 1e8 terms when the horizon dwarfs alpha + t."),
				 errhint("Use a shorter horizon.")));
	if (x > 0)
		logD = clv_logaddexp(0.0, log(a) - log(b + x - 1.0) +
							 (r + x) * (log(alpha + T) - log(alpha + tx)));
	else
		logD = 0.0;
	return (a + b + x - 1.0) * (first - w * G) * exp(-logD);
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
	d = log(a) - log(b + x - 1.0) + (r + x) * (log(alpha + T) - log(alpha + tx));
	if (d > 0)
		return exp(-d) / (1.0 + exp(-d));
	return 1.0 / (1.0 + exp(d));
}

/*
 * Gamma-Gamma conditional expected mean spend: a weighted mean of the
 * population mean p gamma/(q - 1) and the customer's own mean m, with
 * weight p x / (p x + q - 1) on m.
 */
double
clv_gg_expected(double p, double q, double gamma, double x, double m)
{
	double		w = p * x / (p * x + q - 1.0);
	double		pop = p * gamma / (q - 1.0);

	return (1.0 - w) * pop + w * m;
}
