/*
 * clv_math.h — the numerics of predictive CLV on plain doubles: special
 * functions and the closed-form BG/NBD and Gamma-Gamma predictions
 * (src/clv_math.c).  Parameters on their natural scale, all positive and
 * finite; customer inputs already checked by the caller.
 */
#ifndef JOURNEY_CLV_MATH_H
#define JOURNEY_CLV_MATH_H

#include "postgres.h"

#include <math.h>

/* digamma for x > 0 */
extern double clv_digamma(double x);

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
 * BG/NBD expected purchases in (T, T + t] of a customer (x, t_x, T);
 * x = t_x = T = 0 gives the unconditional E[X(t)] of a new customer.
 * Accurate (error bound 1e-8 relative), or an ERROR (22003) saying why not;
 * never a wrong number.
 */
extern double clv_bgnbd_expected(double r, double alpha, double a, double b,
								 double t, double x, double tx, double T);
/* BG/NBD probability that the customer (x, t_x, T) is alive at T */
extern double clv_bgnbd_alive(double r, double alpha, double a, double b,
							  double x, double tx, double T);
/* Gamma-Gamma conditional expected mean spend (needs q > 1) */
extern double clv_gg_expected(double p, double q, double gamma, double x, double m);

#endif							/* JOURNEY_CLV_MATH_H */
