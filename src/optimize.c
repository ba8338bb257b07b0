/*
 * optimize.c — BFGS minimization for the model fits (see optimize.h).
 */
#include "optimize.h"

#include <math.h>

#include "miscadmin.h"

/*
 * BFGS on the inverse Hessian with an Armijo backtracking line search.
 * A step never moves a log-parameter by more than 2 (a factor e^2), so a
 * bad direction cannot throw the parameters to overflow; a non-finite
 * trial value counts as "too far".  Stops when the gradient's max-norm is
 * below 1e-10, when no step decreases f, after five steps in a row that
 * decrease it by no more than rounding (1e-15 relative), or after max_iter
 * iterations; result says which.
 */
void
journey_minimize(journey_objective f, void *arg, int k, double *theta,
				 int max_iter, JourneyMinimizeResult *result)
{
	double		H[JOURNEY_MINIMIZE_MAX_DIM][JOURNEY_MINIMIZE_MAX_DIM];
	double		g[JOURNEY_MINIMIZE_MAX_DIM],
				gnew[JOURNEY_MINIMIZE_MAX_DIM],
				d[JOURNEY_MINIMIZE_MAX_DIM],
				tnew[JOURNEY_MINIMIZE_MAX_DIM],
				s[JOURNEY_MINIMIZE_MAX_DIM],
				y[JOURNEY_MINIMIZE_MAX_DIM],
				Hy[JOURNEY_MINIMIZE_MAX_DIM];
	double		fx;
	int			stalled = 0;
	int			iter,
				i,
				j;
	JourneyMinimizeStop stop = JOURNEY_MIN_MAX_ITER;

	Assert(k >= 1 && k <= JOURNEY_MINIMIZE_MAX_DIM);
	for (i = 0; i < k; i++)
		for (j = 0; j < k; j++)
			H[i][j] = (i == j);
	fx = f(theta, g, arg);
	for (iter = 0; iter < max_iter; iter++)
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
		if (!isfinite(fx))
		{
			stop = JOURNEY_MIN_NOT_FINITE;
			break;
		}
		if (gn < 1e-10)
		{
			stop = JOURNEY_MIN_GRADIENT;
			break;
		}
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
			fnew = f(tnew, gnew, arg);
			if (isfinite(fnew) && fnew <= fx + 1e-4 * step * gd)
				break;
			step *= 0.5;
			if (step < 1e-16)
				break;
		}
		if (!(isfinite(fnew) && fnew <= fx + 1e-4 * step * gd))
		{
			/* no decrease possible: at the optimum within rounding */
			stop = JOURNEY_MIN_NO_DECREASE;
			break;
		}
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
		{
			stop = JOURNEY_MIN_STALLED;
			iter++;
			break;
		}
	}
	result->value = fx;
	result->iterations = iter;
	result->stop = stop;
	result->gradient_norm = 0.0;
	for (i = 0; i < k; i++)
		result->gradient_norm = Max(result->gradient_norm, fabs(g[i]));
}
