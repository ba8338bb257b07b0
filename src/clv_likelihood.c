/*
 * clv_likelihood.c — the BG/NBD and Gamma-Gamma negative log-likelihoods
 * of a sample of customers (ClvSample, clv.h), with analytic gradients,
 * as journey_objective callbacks for the minimizer (optimize.h).
 *
 * Numerical care: parameters are on the log scale (they stay positive and
 * the problem is better conditioned); ratios of gamma functions are
 * differences of lgamma, their derivatives differences of digamma; the
 * BG/NBD sum exp(A3) + exp(A4) is a log-sum-exp around the larger term.
 */
#include "journey.h"
#include "clv.h"
#include "clv_math.h"

#include <math.h>

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
clv_bgnbd_nll(const double *theta, double *grad, void *arg)
{
	const ClvSample *sample = (const ClvSample *) arg;
	const ClvEntry *e = sample->entries;
	int			n = sample->n;
	double		total = sample->total;
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
clv_gg_nll(const double *theta, double *grad, void *arg)
{
	const ClvSample *sample = (const ClvSample *) arg;
	const ClvEntry *e = sample->entries;
	int			n = sample->n;
	double		total = sample->total;
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
