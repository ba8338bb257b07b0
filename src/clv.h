/*
 * clv.h — predictive customer lifetime value: the fitting aggregates and
 * the clv_model type (src/clv_fit.c), and the likelihoods they maximize
 * (src/clv_likelihood.c).  The closed-form predictions and special
 * functions, which know nothing of these structs, are in clv_math.h.
 */
#ifndef JOURNEY_CLV_H
#define JOURNEY_CLV_H

#include "journey.h"

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

/* the customers a likelihood is evaluated on: entries sorted by x */
typedef struct ClvSample
{
	const ClvEntry *entries;
	int			n;
	double		total;			/* sum of the counts */
} ClvSample;

/*
 * Negative log-likelihood per customer (sum over entries weighted by
 * count, divided by the total count) at log-parameters theta, and its
 * gradient with respect to theta (grad may be NULL); arg is a ClvSample.
 * Returns +Inf where the likelihood is not finite.  journey_objective
 * callbacks (optimize.h).
 */
extern double clv_bgnbd_nll(const double *theta, double *grad, void *arg);
extern double clv_gg_nll(const double *theta, double *grad, void *arg);

#endif							/* JOURNEY_CLV_H */
