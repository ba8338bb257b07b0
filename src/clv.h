/*
 * clv.h — predictive customer lifetime value: the BG/NBD and Gamma-Gamma
 * models (src/clv_math.c), their fitting aggregates and the clv_model type
 * (src/clv_fit.c).
 */
#ifndef JOURNEY_CLV_H
#define JOURNEY_CLV_H

#include "postgres.h"

#define CLV_KIND_BGNBD 1
#define CLV_KIND_GG 2

/* one group of identical customers: (x, a, b) with a multiplicity */
typedef struct ClvEntry
{
	double		x;				/* repeat purchases (an integer) */
	double		a;				/* BG/NBD: recency t_x; Gamma-Gamma: mean spend */
	double		b;				/* BG/NBD: age T; Gamma-Gamma: 0 */
	int64		count;
} ClvEntry;

/* special functions */
extern double clv_digamma(double x);

/*
 * Negative log-likelihood per customer (sum over entries weighted by
 * count, divided by the total count) at log-parameters theta, and its
 * gradient with respect to theta (grad may be NULL).  Entries must be
 * sorted by x (terms depending only on x are computed once per x).
 * Returns +Inf where the likelihood is not finite.
 */
extern double clv_bgnbd_nll(const double *theta, const ClvEntry *e, int n, double total, double *grad);
extern double clv_gg_nll(const double *theta, const ClvEntry *e, int n, double total, double *grad);

/*
 * Minimize f over R^k by BFGS with backtracking line search, from theta
 * (updated in place).  Returns the final value; *gnorm gets the final
 * max-norm of the gradient.  Calls CHECK_FOR_INTERRUPTS every iteration.
 */
typedef double (*clv_objective) (const double *theta, const ClvEntry *e, int n, double total, double *grad);
extern double clv_minimize(clv_objective f, int k, double *theta, const ClvEntry *e, int n,
						   double total, double *gnorm);

/* predictions (parameters on their natural scale) */
extern double clv_bgnbd_expected(double r, double alpha, double a, double b,
								 double t, double x, double tx, double T);
extern double clv_bgnbd_alive(double r, double alpha, double a, double b,
							  double x, double tx, double T);
extern double clv_gg_expected(double p, double q, double gamma, double x, double m);

#endif							/* JOURNEY_CLV_H */
