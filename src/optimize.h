/*
 * optimize.h — unconstrained minimization of a smooth function of a few
 * variables (BFGS), for the model fits.  Knows nothing about the models:
 * the objective is a callback with an opaque argument.
 */
#ifndef JOURNEY_OPTIMIZE_H
#define JOURNEY_OPTIMIZE_H

#include "journey.h"

#define JOURNEY_MINIMIZE_MAX_DIM 4

/*
 * The objective: f(theta) for theta in R^k, and its gradient into grad
 * (grad may be NULL).  Returns +Inf where f is not finite (the minimizer
 * then steps back).  arg is passed through unchanged.
 */
typedef double (*journey_objective) (const double *theta, double *grad, void *arg);

/* why the minimizer stopped */
typedef enum JourneyMinimizeStop
{
	JOURNEY_MIN_GRADIENT,		/* gradient max-norm below 1e-10 */
	JOURNEY_MIN_NO_DECREASE,	/* no step decreases f: optimum within rounding */
	JOURNEY_MIN_STALLED,		/* five steps in a row gained only rounding */
	JOURNEY_MIN_MAX_ITER,		/* the iteration limit */
	JOURNEY_MIN_NOT_FINITE		/* f is not finite at the starting point */
} JourneyMinimizeStop;

typedef struct JourneyMinimizeResult
{
	double		value;			/* f at the end point */
	double		gradient_norm;	/* max-norm of the gradient there */
	int			iterations;		/* BFGS iterations done */
	JourneyMinimizeStop stop;
} JourneyMinimizeResult;

/*
 * Minimize f over R^k (k <= JOURNEY_MINIMIZE_MAX_DIM) from theta, updated
 * in place to the end point, within max_iter iterations.  Calls
 * CHECK_FOR_INTERRUPTS every iteration.
 */
extern void journey_minimize(journey_objective f, void *arg, int k, double *theta,
							 int max_iter, JourneyMinimizeResult *result);

#endif							/* JOURNEY_OPTIMIZE_H */
