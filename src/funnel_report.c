/*
 * funnel_report.c — the `funnel` type: many customers' funnel in one
 * value.  It holds how many customers were aggregated, how many reached
 * at least each step, and (when built from funnel_path values) two
 * durations summaries per step k >= 2: the time from step k-1 and the
 * time from step 1.  It is the state of funnel(funnel_path),
 * funnel(int, int) and rollup(funnel), so Citus can ship partial funnels
 * as text; the transitions update it in place inside an aggregate and
 * only rebuild it when a durations summary must grow.
 *
 * Layout: the fixed header, reached[nsteps], then off[2 * nsteps] (uint32
 * offsets of the durations values from the start, 0 when absent; slot
 * 2(k-1) is "from previous", 2(k-1)+1 "from start"), then the durations
 * values, each at a MAXALIGN'ed offset.
 *
 * Format version 2 carries the window and mode of the paths a timed
 * funnel was built from, so that merging funnels built with different
 * ones is an error.  Version 1 values (0.1.0) read in every form (text,
 * binary, on disk) with unknown parameters.  Unknown parameters are
 * compatible with any: merging a funnel of unknown parameters with one of
 * known parameters gives those known parameters (so the result does not
 * depend on the order of the parts).  Funnels built from levels
 * (funnel(steps_reached, total_steps)) never know a window or mode: a
 * level does not say what it was computed with.
 */
#include "journey.h"
#include "durations.h"
#include "funnel.h"

#include "common/int.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

/* durations.c's binary I/O, embedded in ours */
extern Datum durations_recv(PG_FUNCTION_ARGS);
extern Datum durations_send(PG_FUNCTION_ARGS);

#define FUNNEL_VERSION 3
#define FUNNEL_TIMED 0x01		/* built from funnel_path values: has durations */
#define FUNNEL_PARAMS 0x02		/* window and modes known (timed only) */
#define FUNNEL_AS_OF 0x04		/* counted as of a time: in_progress (timed only) */

/*
 * In memory and on disk a value is always version 3; its text and binary
 * forms say "2" unless it was counted as of a time (FUNNEL_AS_OF), so that
 * a funnel without as_of reads exactly as before.
 */
typedef struct Funnel
{
	int32		vl_len_;		/* varlena header */
	uint8		version;		/* FUNNEL_VERSION */
	uint8		flags;			/* FUNNEL_TIMED, FUNNEL_PARAMS, FUNNEL_AS_OF */
	uint16		nsteps;			/* 1..FUNNEL_MAX_STEPS */
	int32		modes;			/* FUNNEL_* mode flags; 0 when unknown */
	int64		customers;		/* groups aggregated, level 0 included */
	int64		window;			/* microseconds, > 0; 0 when unknown */
	int64		as_of;			/* FUNNEL_AS_OF: the time counted at; else 0 */
	int64		reached[FLEXIBLE_ARRAY_MEMBER]; /* customers at level >= k, then
												 * in_progress[nsteps]: stopped
												 * at exactly k, window open */
} Funnel;

/* The layout of a version 2 value on disk (0.2.0 before as_of). */
typedef struct FunnelV2
{
	int32		vl_len_;
	uint8		version;		/* 2 */
	uint8		flags;
	uint16		nsteps;
	int32		modes;
	int64		customers;
	int64		window;
	int64		reached[FLEXIBLE_ARRAY_MEMBER];
} FunnelV2;

#define FUNNEL_IN_PROGRESS(f) ((f)->reached + (f)->nsteps)

/* The window and mode a funnel was built with, when known. */
typedef struct FunnelParams
{
	bool		known;
	int64		window;
	int			modes;
} FunnelParams;

static const FunnelParams funnel_no_params = {false, 0, 0};

/* The header of a version 1 value (0.1.0): no window, modes reserved. */
typedef struct FunnelV1
{
	int32		vl_len_;
	uint8		version;		/* 1 */
	uint8		flags;			/* FUNNEL_TIMED */
	uint16		nsteps;
	int32		reserved;
	int64		customers;
	int64		reached[FLEXIBLE_ARRAY_MEMBER];
} FunnelV1;

#define FUNNEL_V1_REACHED offsetof(FunnelV1, reached)

#define FUNNEL_OFFSETS(f) ((uint32 *) ((char *) (f) + offsetof(Funnel, reached) + sizeof(int64) * 2 * (f)->nsteps))
#define FUNNEL_DATA_START(nsteps) \
	MAXALIGN(offsetof(Funnel, reached) + sizeof(int64) * 2 * (nsteps) + sizeof(uint32) * 2 * (nsteps))
#define PG_GETARG_FUNNEL_P(n) funnel_upgrade((Funnel *) PG_DETOAST_DATUM(PG_GETARG_DATUM(n)))

static Funnel *funnel_upgrade(Funnel *f);

static inline Durations *
funnel_durations(const Funnel *f, int slot)
{
	uint32		off = FUNNEL_OFFSETS(f)[slot];

	return off == 0 ? NULL : (Durations *) ((char *) f + off);
}

/* A funnel of the given durations (NULL: absent), in the current context. */
static Funnel *
funnel_build(int nsteps, uint8 flags, FunnelParams params, int64 customers,
			 const int64 *reached, const int64 *in_progress, int64 as_of, Durations **durs)
{
	Size		size = FUNNEL_DATA_START(nsteps);
	Funnel	   *f;
	uint32	   *off;
	int			slot;

	for (slot = 0; slot < 2 * nsteps; slot++)
		if (durs[slot] != NULL)
			size = add_size(MAXALIGN(size), VARSIZE(durs[slot]));
	size = MAXALIGN(size);
	if (size > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("funnel value is too large")));
	f = palloc0(size);
	SET_VARSIZE(f, size);
	f->version = FUNNEL_VERSION;
	f->flags = flags & ~FUNNEL_PARAMS;
	if (params.known)
	{
		f->flags |= FUNNEL_PARAMS;
		f->window = params.window;
		f->modes = params.modes;
	}
	f->nsteps = nsteps;
	f->customers = customers;
	memcpy(f->reached, reached, sizeof(int64) * nsteps);
	if (flags & FUNNEL_AS_OF)
	{
		f->as_of = as_of;
		if (in_progress != NULL)
			memcpy(FUNNEL_IN_PROGRESS(f), in_progress, sizeof(int64) * nsteps);
	}
	off = FUNNEL_OFFSETS(f);
	size = FUNNEL_DATA_START(nsteps);
	for (slot = 0; slot < 2 * nsteps; slot++)
	{
		if (durs[slot] == NULL)
			continue;
		size = MAXALIGN(size);
		off[slot] = (uint32) size;
		memcpy((char *) f + size, durs[slot], VARSIZE(durs[slot]));
		size += VARSIZE(durs[slot]);
	}
	return f;
}

static Funnel *
funnel_empty(int nsteps, uint8 flags)
{
	int64		reached[FUNNEL_MAX_STEPS] = {0};
	Durations  *durs[2 * FUNNEL_MAX_STEPS] = {0};

	return funnel_build(nsteps, flags, funnel_no_params, 0, reached, NULL, 0, durs);
}

static inline FunnelParams
funnel_params_of(const Funnel *f)
{
	FunnelParams p = {(f->flags & FUNNEL_PARAMS) != 0, f->window, f->modes};

	return p;
}

/*
 * A version 1 value (as 0.1.0 stored it) or version 2 value (0.2.0
 * before as_of) in the current layout, the former with unknown
 * parameters; a current value as is.
 */
static Funnel *
funnel_upgrade(Funnel *f)
{
	const char *raw = (const char *) f;
	int			nsteps = f->nsteps;
	int64		reached[FUNNEL_MAX_STEPS];
	Durations  *durs[2 * FUNNEL_MAX_STEPS] = {0};
	FunnelParams params = funnel_no_params;
	const uint32 *off;
	int64		customers;
	Size		reached_at;
	Size		start;
	int			slot;

	if (f->version == FUNNEL_VERSION)
		return f;
	if (f->version != 1 && f->version != 2)
		journey_unsupported_version(JOURNEY_FROM_STATE, f->version, "funnel");
	reached_at = f->version == 1 ? FUNNEL_V1_REACHED : offsetof(FunnelV2, reached);
	start = MAXALIGN(reached_at + sizeof(int64) * nsteps + sizeof(uint32) * 2 * nsteps);
	if (nsteps < 1 || nsteps > FUNNEL_MAX_STEPS || VARSIZE(f) < start)
		journey_invalid_value(JOURNEY_FROM_STATE, "funnel", "A version %d value of %u bytes has %d steps.", f->version, (unsigned) VARSIZE(f), nsteps);
	memcpy(&customers, raw + offsetof(FunnelV1, customers), sizeof(int64));
	if (f->version == 2 && (f->flags & FUNNEL_PARAMS))
	{
		params.known = true;
		params.modes = ((const FunnelV2 *) f)->modes;
		params.window = ((const FunnelV2 *) f)->window;
	}
	memcpy(reached, raw + reached_at, sizeof(int64) * nsteps);
	off = (const uint32 *) (raw + reached_at + sizeof(int64) * nsteps);
	for (slot = 0; slot < 2 * nsteps; slot++)
	{
		if (off[slot] == 0)
			continue;
		if (off[slot] < start || off[slot] + DURATIONS_HEADER_SIZE > VARSIZE(f))
			journey_invalid_value(JOURNEY_FROM_STATE, "funnel", "A version %d value has a durations offset out of bounds.", f->version);
		durs[slot] = (Durations *) (raw + off[slot]);
		if (off[slot] + VARSIZE(durs[slot]) > VARSIZE(f))
			journey_invalid_value(JOURNEY_FROM_STATE, "funnel", "A version %d value has a durations summary out of bounds.", f->version);
	}
	return funnel_build(nsteps, f->flags & FUNNEL_TIMED, params, customers, reached, NULL, 0, durs);
}

/*
 * Take the parameters of what is merged into f: unknown ones are
 * compatible with any, known ones must be equal.  In place.
 */
static void
funnel_merge_params(Funnel *f, FunnelParams other)
{
	if (!other.known)
		return;
	if (!(f->flags & FUNNEL_PARAMS))
	{
		f->flags |= FUNNEL_PARAMS;
		f->window = other.window;
		f->modes = other.modes;
		return;
	}
	if (f->window != other.window || f->modes != other.modes)
		funnel_params_conflict(f->window, f->modes, other.window, other.modes);
}

/* A copy of f with the durations of slot replaced by d. */
static Funnel *
funnel_replace(const Funnel *f, int slot, Durations *d)
{
	Durations  *durs[2 * FUNNEL_MAX_STEPS];
	int			i;

	for (i = 0; i < 2 * f->nsteps; i++)
		durs[i] = funnel_durations(f, i);
	durs[slot] = d;
	return funnel_build(f->nsteps, f->flags, funnel_params_of(f), f->customers, f->reached,
						FUNNEL_IN_PROGRESS(f), f->as_of, durs);
}

/* Add one duration to a slot: in place when it fits, else a rebuilt funnel. */
static Funnel *
funnel_add_duration(Funnel *f, int slot, int64 usec)
{
	Durations  *d = funnel_durations(f, slot);
	Durations  *nd;

	if (d == NULL)
		return funnel_replace(f, slot, durations_single(usec));
	nd = durations_add_usec(d, usec);
	if (nd != d)
		return funnel_replace(f, slot, nd);
	return f;
}

static Funnel *
funnel_merge_duration(Funnel *f, int slot, const Durations *other)
{
	Durations  *d = funnel_durations(f, slot);
	Durations  *nd;

	if (other == NULL)
		return f;
	if (d == NULL)
		return funnel_replace(f, slot, (Durations *) other);
	nd = durations_merge_into(d, other);
	if (nd != d)
		return funnel_replace(f, slot, nd);
	return f;
}

static void
funnel_check_steps(const Funnel *f, int nsteps)
{
	if (f->nsteps != nsteps)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine funnels of %d and %d steps", f->nsteps, nsteps)));
}

static void
funnel_check_flags(const Funnel *f, uint8 flags)
{
	if ((f->flags & FUNNEL_TIMED) != flags)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine a funnel built from funnel_path values with one built from step counts"),
				 errdetail("Only funnels built from paths hold the time between steps.")));
}

static inline void
funnel_add_count(int64 *counter, int64 n)
{
	if (pg_add_s64_overflow(*counter, n, counter))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("funnel customer count out of range")));
}

/*
 * The state argument, writable: in place inside an aggregate, a copy when
 * called as a plain function.  NULL when the state is NULL.
 */
static Funnel *
funnel_state_arg(FunctionCallInfo fcinfo)
{
	if (PG_ARGISNULL(0))
		return NULL;
	return funnel_upgrade((Funnel *) journey_writable_arg(fcinfo, 0));
}

/*
 * Count one customer's path into f (created when NULL); as_of: the time
 * counted at, or has_as_of false.  A customer whose chain stopped at step
 * k < nsteps while its window (from its step 1) is still open at as_of is
 * in progress at k: its window ends after as_of.
 */
static Funnel *
funnel_count_path(Funnel *f, FunnelPath *path, bool has_as_of, int64 as_of)
{
	int			k;

	durations_init_constants();
	if (f == NULL)
	{
		f = funnel_empty(path->nsteps, FUNNEL_TIMED);
		if (has_as_of)
		{
			f->flags |= FUNNEL_AS_OF;
			f->as_of = as_of;
		}
	}
	funnel_check_steps(f, path->nsteps);
	funnel_check_flags(f, FUNNEL_TIMED);
	if (((f->flags & FUNNEL_AS_OF) != 0) != has_as_of || (has_as_of && f->as_of != as_of))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("funnel as_of must be the same for all rows of a group")));
	if (path->flags & FUNNEL_PATH_PARAMS)
	{
		FunnelParams p = {true, path->window, path->modes};

		funnel_merge_params(f, p);
	}
	else if (has_as_of && path->reached >= 1 && path->reached < path->nsteps)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("funnel with as_of needs paths that know their window"),
				 errdetail("A funnel_path stored by journey 0.1.0 does not say which window it was found with."),
				 errhint("Compute the paths again with funnel_path().")));
	/* checked before anything is counted: f stays consistent */
	if (path->reached >= 2)
		(void) funnel_path_span(path, 1, path->reached);
	funnel_add_count(&f->customers, 1);
	if (has_as_of && path->reached >= 1 && path->reached < path->nsteps)
	{
		int64		end;

		const int64 *sw = FUNNEL_PATH_STEP_WINDOWS_OF(path);
		int64		step_end;
		bool		open;

		/*
		 * The window is [at[0], at[0] + window] and, with step windows, the
		 * next step must come by at[k-1] + step window k: open while both
		 * ends are ahead.
		 */
		open = pg_add_s64_overflow(path->at[0], path->window, &end) || end > as_of;
		if (open && sw != NULL && sw[path->reached - 1] > 0 &&
			!pg_add_s64_overflow(path->at[path->reached - 1], sw[path->reached - 1], &step_end) &&
			step_end <= as_of)
			open = false;
		if (open)
			FUNNEL_IN_PROGRESS(f)[path->reached - 1]++;
	}
	for (k = 1; k <= path->reached; k++)
	{
		f->reached[k - 1]++;
		if (k >= 2)
		{
			f = funnel_add_duration(f, 2 * (k - 1), funnel_path_span(path, k - 1, k));
			f = funnel_add_duration(f, 2 * (k - 1) + 1, funnel_path_span(path, 1, k));
		}
	}
	return f;
}

/*
 * funnel(funnel_path)'s transition: one customer.  A NULL path is skipped.
 */
PG_FUNCTION_INFO_V1(funnel_add_path);
Datum
funnel_add_path(PG_FUNCTION_ARGS)
{
	Funnel	   *f = funnel_state_arg(fcinfo);

	if (PG_ARGISNULL(1))
	{
		if (f == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(f);
	}
	PG_RETURN_POINTER(funnel_count_path(f, PG_GETARG_FUNNEL_PATH_P(1), false, 0));
}

/*
 * funnel(funnel_path, as_of)'s transition: one customer, counted as of a
 * time.  A NULL path is skipped; a NULL or infinite as_of is an error.
 */
PG_FUNCTION_INFO_V1(funnel_add_path_as_of);
Datum
funnel_add_path_as_of(PG_FUNCTION_ARGS)
{
	Funnel	   *f = funnel_state_arg(fcinfo);
	int64		as_of;

	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("funnel as_of must not be null")));
	as_of = PG_GETARG_TIMESTAMPTZ(2);
	if (TIMESTAMP_NOT_FINITE(as_of))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("funnel as_of must be finite")));
	if (PG_ARGISNULL(1))
	{
		if (f == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(f);
	}
	PG_RETURN_POINTER(funnel_count_path(f, PG_GETARG_FUNNEL_PATH_P(1), true, as_of));
}

/*
 * funnel(steps_reached, total_steps)'s transition: one customer at a
 * level.  A NULL steps_reached is skipped; a NULL total_steps is an error.
 */
PG_FUNCTION_INFO_V1(funnel_add_level);
Datum
funnel_add_level(PG_FUNCTION_ARGS)
{
	Funnel	   *f = funnel_state_arg(fcinfo);
	int32		level;
	int32		total;
	int			k;

	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("funnel total_steps must not be null")));
	total = PG_GETARG_INT32(2);
	if (total < 1 || total > FUNNEL_MAX_STEPS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("funnel total_steps must be between 1 and %d", FUNNEL_MAX_STEPS)));
	if (PG_ARGISNULL(1))
	{
		if (f == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(f);
	}
	level = PG_GETARG_INT32(1);
	if (level < 0 || level > total)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("steps_reached %d is out of range for a funnel of %d steps", level, total)));
	if (f == NULL)
		f = funnel_empty(total, 0);
	funnel_check_steps(f, total);
	funnel_check_flags(f, 0);
	funnel_add_count(&f->customers, 1);
	for (k = 0; k < level; k++)
		f->reached[k]++;
	PG_RETURN_POINTER(f);
}

/* Merge two funnels: rollup's transition and the combine function. */
PG_FUNCTION_INFO_V1(funnel_merge);
Datum
funnel_merge(PG_FUNCTION_ARGS)
{
	Funnel	   *f = funnel_state_arg(fcinfo);
	Funnel	   *other;
	int			k;

	if (PG_ARGISNULL(1))
	{
		if (f == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(f);
	}
	other = PG_GETARG_FUNNEL_P(1);
	if (f == NULL)
	{
		if ((Pointer) other == DatumGetPointer(PG_GETARG_DATUM(1)))
			other = (Funnel *) PG_DETOAST_DATUM_COPY(PG_GETARG_DATUM(1));
		PG_RETURN_POINTER(other);
	}
	durations_init_constants();
	funnel_check_steps(f, other->nsteps);
	funnel_check_flags(f, other->flags & FUNNEL_TIMED);
	if ((f->flags & FUNNEL_AS_OF) != (other->flags & FUNNEL_AS_OF) || f->as_of != other->as_of)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine funnels counted as of different times"),
				 errdetail("Customers in progress at one time may have finished at the other."),
				 errhint("Count every part with the same as_of (or all without).")));
	funnel_merge_params(f, funnel_params_of(other));
	funnel_add_count(&f->customers, other->customers);
	for (k = 0; k < f->nsteps; k++)
	{
		funnel_add_count(&f->reached[k], other->reached[k]);
		funnel_add_count(&FUNNEL_IN_PROGRESS(f)[k], FUNNEL_IN_PROGRESS(other)[k]);
	}
	for (k = 0; k < 2 * f->nsteps; k++)
		f = funnel_merge_duration(f, k, funnel_durations(other, k));
	PG_RETURN_POINTER(f);
}

/*
 * Reject what a hostile value could carry: counts that do not nest, a
 * durations summary where none belongs or whose count differs from the
 * customers it describes, parameters that no aggregate writes.  The same
 * checks for text and binary input.  Durations are checked by their own
 * input functions.
 */
static void
funnel_validate(const Funnel *f, JourneyOrigin origin)
{
	int			k;

	if (f->version != FUNNEL_VERSION)
		journey_unsupported_version(origin, f->version, "funnel");
	if ((f->flags & ~(FUNNEL_TIMED | FUNNEL_PARAMS | FUNNEL_AS_OF)) != 0)
		journey_invalid_value(origin, "funnel", "Unknown flags.");
	if (f->flags & FUNNEL_AS_OF)
	{
		if (!(f->flags & FUNNEL_TIMED))
			journey_invalid_value(origin, "funnel", "A funnel built from levels is not counted as of a time.");
		if (!IS_VALID_TIMESTAMP(f->as_of))
			journey_invalid_value(origin, "funnel", "The as_of time is not a finite timestamp.");
	}
	else if (f->as_of != 0)
		journey_invalid_value(origin, "funnel", "An as_of time without the flag that says it is known.");
	if (f->nsteps < 1 || f->nsteps > FUNNEL_MAX_STEPS)
		journey_invalid_value(origin, "funnel", "The step count is out of range.");
	if (f->customers < 0)
		journey_invalid_value(origin, "funnel", "The customer count is negative.");
	if (f->flags & FUNNEL_PARAMS)
	{
		if (!(f->flags & FUNNEL_TIMED))
			journey_invalid_value(origin, "funnel", "A funnel built from levels has no window or mode.");
		if (f->window <= 0)
			journey_invalid_value(origin, "funnel", "The window is not positive.");
		if (!FUNNEL_MODES_VALID(f->modes))
			journey_invalid_value(origin, "funnel", "The mode is not a valid combination of options.");
	}
	else if (f->window != 0 || f->modes != 0)
		journey_invalid_value(origin, "funnel", "A window or mode without the flag that says they are known.");
	for (k = 0; k < f->nsteps; k++)
	{
		int64		prev = k == 0 ? f->customers : f->reached[k - 1];
		int			which;

		if (f->reached[k] < 0 || f->reached[k] > prev)
			journey_invalid_value(origin, "funnel", "Customers per step must not grow from one step to the next.");
		for (which = 0; which < 2; which++)
		{
			Durations  *d = funnel_durations(f, 2 * k + which);

			if (k == 0 || !(f->flags & FUNNEL_TIMED))
			{
				if (d != NULL)
					journey_invalid_value(origin, "funnel", "Time between steps where there can be none.");
			}
			else if ((d == NULL) != (f->reached[k] == 0) ||
					 (d != NULL && d->count != f->reached[k]))
				journey_invalid_value(origin, "funnel", "The times between steps do not match the customers who reached the step.");
		}
	}
	/* in progress at k: among those who stopped at k (never the last step) */
	for (k = 0; k < f->nsteps; k++)
		if (FUNNEL_IN_PROGRESS(f)[k] < 0 ||
			(k + 1 < f->nsteps && FUNNEL_IN_PROGRESS(f)[k] > f->reached[k] - f->reached[k + 1]) ||
			(k + 1 == f->nsteps && FUNNEL_IN_PROGRESS(f)[k] != 0) ||
			(!(f->flags & FUNNEL_AS_OF) && FUNNEL_IN_PROGRESS(f)[k] != 0))
			journey_invalid_value(origin, "funnel", "More customers in progress at a step than stopped there.");
}

/*
 * Text form:
 *   v2 steps=4 customers=2000 reached=1800,1200,800,300 timed=true window=7 days mode=default
 * (" window=... mode=..." when timed and known; then, counted as of a
 * time, " as_of=<timestamptz> in_progress=0,30,12,0" and the version is
 * v3), then, when timed, per
 * step k >= 2 that someone reached:
 *   " {k: <durations from step k-1>; <durations from step 1>}"
 * Version 1 text (0.1.0) has "v1" and never a window or mode.
 */
PG_FUNCTION_INFO_V1(funnel_out);
Datum
funnel_out(PG_FUNCTION_ARGS)
{
	Funnel	   *f = PG_GETARG_FUNNEL_P(0);
	StringInfoData buf;
	int			k;

	initStringInfo(&buf);
	appendStringInfo(&buf, "v%d steps=%d customers=%lld reached=", (f->flags & FUNNEL_AS_OF) ? 3 : 2,
					 f->nsteps, (long long) f->customers);
	for (k = 0; k < f->nsteps; k++)
		appendStringInfo(&buf, "%s%lld", k > 0 ? "," : "", (long long) f->reached[k]);
	appendStringInfo(&buf, " timed=%s", (f->flags & FUNNEL_TIMED) ? "true" : "false");
	if (f->flags & FUNNEL_PARAMS)
		appendStringInfo(&buf, " window=%s mode=%s", funnel_window_text(f->window),
						 funnel_modes_text(f->modes));
	if (f->flags & FUNNEL_AS_OF)
	{
		appendStringInfo(&buf, " as_of=%s in_progress=",
						 DatumGetCString(DirectFunctionCall1(timestamptz_out, TimestampTzGetDatum(f->as_of))));
		for (k = 0; k < f->nsteps; k++)
			appendStringInfo(&buf, "%s%lld", k > 0 ? "," : "", (long long) FUNNEL_IN_PROGRESS(f)[k]);
	}
	for (k = 1; k < f->nsteps; k++)
	{
		Durations  *prev = funnel_durations(f, 2 * k);
		Durations  *start = funnel_durations(f, 2 * k + 1);

		if (prev == NULL || start == NULL)
			continue;
		appendStringInfo(&buf, " {%d: %s; %s}", k + 1,
						 DatumGetCString(DirectFunctionCall1(durations_out, PointerGetDatum(prev))),
						 DatumGetCString(DirectFunctionCall1(durations_out, PointerGetDatum(start))));
	}
	PG_RETURN_CSTRING(buf.data);
}

static void
funnel_syntax(const char *input, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type funnel: \"%s\"", input),
			 errdetail("%s", detail),
			 errhint("Funnel values are made by funnel(funnel_path) or funnel(int, int); their text form starts like \"v2 steps=2 customers=3 reached=2,1 timed=false\".")));
}

static int64
funnel_parse_int64(const char *input, const char **pos, const char *detail)
{
	int64		v;

	if (!journey_parse_count(pos, &v))
		funnel_syntax(input, detail);
	return v;
}

/* " window=<interval> mode=<modes>" at *pos, if there (version 2 only). */
static FunnelParams
funnel_parse_params(const char *input, const char **pos)
{
	FunnelParams params = funnel_no_params;
	const char *p = *pos;
	const char *mode;
	size_t		mode_len;
	Interval   *span;
	char	   *text;

	if (strncmp(p, " window=", 8) != 0)
		return params;
	p += 8;
	mode = strstr(p, " mode=");
	if (mode == NULL)
		funnel_syntax(input, "The window is followed by \" mode=\".");
	text = pnstrdup(p, mode - p);
	span = DatumGetIntervalP(DirectFunctionCall3(interval_in, CStringGetDatum(text),
												 ObjectIdGetDatum(InvalidOid),
												 Int32GetDatum(-1)));
	params.window = journey_interval_to_usec(span, "the funnel window");
	if (params.window <= 0)
		funnel_syntax(input, "The window is positive.");
	mode += 6;
	mode_len = strcspn(mode, " ");
	text = pnstrdup(mode, mode_len);
	if (!funnel_modes_from_text(text, &params.modes))
		funnel_syntax(input, "The mode is \"default\" or options separated by commas, in the order strict_deduplication, strict_order, strict_increase, strict_once, allow_reentry, any_order, step_windows, exclusions.");
	params.known = true;
	*pos = mode + mode_len;
	return params;
}

PG_FUNCTION_INFO_V1(funnel_in);
Datum
funnel_in(PG_FUNCTION_ARGS)
{
	const char *input = PG_GETARG_CSTRING(0);
	const char *p = input;
	int64		nsteps;
	int64		customers;
	int64		reached[FUNNEL_MAX_STEPS];
	Durations  *durs[2 * FUNNEL_MAX_STEPS] = {0};
	FunnelParams params = funnel_no_params;
	int64		in_progress[FUNNEL_MAX_STEPS] = {0};
	int64		as_of = 0;
	uint8		flags;
	int			version;
	int			k;
	int			last_step = 1;
	size_t		digits;
	Funnel	   *f;

	durations_init_constants();
	if (strncmp(p, "v1 steps=", 9) == 0)
		version = 1;
	else if (strncmp(p, "v2 steps=", 9) == 0)
		version = 2;
	else if (strncmp(p, "v3 steps=", 9) == 0)
		version = 3;
	else if (p[0] == 'v' && (digits = strspn(p + 1, "0123456789")) >= 1 && digits <= 3 &&
			 strncmp(p + 1 + digits, " steps=", 7) == 0)
		journey_unsupported_version(JOURNEY_FROM_TEXT, atoi(p + 1), "funnel");
	else
		funnel_syntax(input, "A funnel value starts with \"v2 steps=\" or \"v3 steps=\".");
	p += 9;
	nsteps = funnel_parse_int64(input, &p, "The step count is an integer.");
	if (nsteps < 1 || nsteps > FUNNEL_MAX_STEPS)
		funnel_syntax(input, psprintf("A funnel has 1 to %d steps.", FUNNEL_MAX_STEPS));
	if (strncmp(p, " customers=", 11) != 0)
		funnel_syntax(input, "Expected \" customers=\".");
	p += 11;
	customers = funnel_parse_int64(input, &p, "The customer count is an integer.");
	if (strncmp(p, " reached=", 9) != 0)
		funnel_syntax(input, "Expected \" reached=\".");
	p += 9;
	for (k = 0; k < nsteps; k++)
	{
		if (k > 0)
		{
			if (*p != ',')
				funnel_syntax(input, "There is one reached count per step.");
			p++;
		}
		reached[k] = funnel_parse_int64(input, &p, "There is one reached count per step.");
	}
	if (strncmp(p, " timed=true", 11) == 0)
	{
		flags = FUNNEL_TIMED;
		p += 11;
	}
	else if (strncmp(p, " timed=false", 12) == 0)
	{
		flags = 0;
		p += 12;
	}
	else
		funnel_syntax(input, "Expected \" timed=true\" or \" timed=false\" after the reached counts.");
	if (version >= 2)
		params = funnel_parse_params(input, &p);
	if (version >= 3)
	{
		const char *ip;
		char	   *text;

		if (strncmp(p, " as_of=", 7) != 0)
			funnel_syntax(input, "A v3 funnel has \" as_of=... in_progress=...\" after the mode.");
		p += 7;
		ip = strstr(p, " in_progress=");
		if (ip == NULL)
			funnel_syntax(input, "The as_of time is followed by \" in_progress=\".");
		text = pnstrdup(p, ip - p);
		as_of = DatumGetTimestampTz(DirectFunctionCall3(timestamptz_in, CStringGetDatum(text),
														ObjectIdGetDatum(InvalidOid),
														Int32GetDatum(-1)));
		if (TIMESTAMP_NOT_FINITE(as_of))
			funnel_syntax(input, "The as_of time is finite.");
		p = ip + 13;
		for (k = 0; k < nsteps; k++)
		{
			if (k > 0)
			{
				if (*p != ',')
					funnel_syntax(input, "There is one in_progress count per step.");
				p++;
			}
			in_progress[k] = funnel_parse_int64(input, &p, "There is one in_progress count per step.");
		}
		flags |= FUNNEL_AS_OF;
	}

	while (*p != '\0')
	{
		int64		step;
		const char *semi;
		const char *close;
		char	   *text;

		if (strncmp(p, " {", 2) != 0)
			funnel_syntax(input, "Times between steps are given as \" {step: durations; durations}\".");
		p += 2;
		step = funnel_parse_int64(input, &p, "Times between steps start with the step number.");
		if (step <= last_step || step > nsteps)
			funnel_syntax(input, "Steps with times are numbered from 2 up, in increasing order.");
		last_step = (int) step;
		if (strncmp(p, ": ", 2) != 0)
			funnel_syntax(input, "Expected \": \" after the step number.");
		p += 2;
		semi = strchr(p, ';');
		close = semi ? strchr(semi, '}') : NULL;
		if (semi == NULL || close == NULL || semi[1] != ' ')
			funnel_syntax(input, "Times between steps are given as \" {step: durations; durations}\".");
		text = pnstrdup(p, semi - p);
		durs[2 * (step - 1)] = (Durations *) DatumGetPointer(DirectFunctionCall1(durations_in, CStringGetDatum(text)));
		text = pnstrdup(semi + 2, close - semi - 2);
		durs[2 * (step - 1) + 1] = (Durations *) DatumGetPointer(DirectFunctionCall1(durations_in, CStringGetDatum(text)));
		p = close + 1;
	}
	if (params.known && !(flags & FUNNEL_TIMED))
		funnel_syntax(input, "A funnel built from levels (timed=false) has no window or mode.");
	if ((flags & FUNNEL_AS_OF) && !(flags & FUNNEL_TIMED))
		funnel_syntax(input, "A funnel built from levels (timed=false) is not counted as of a time.");
	f = funnel_build((int) nsteps, flags, params, customers, reached, in_progress, as_of, durs);
	funnel_validate(f, JOURNEY_FROM_TEXT);
	PG_RETURN_POINTER(f);
}

/*
 * Binary form: version, flags, steps (int2), customers, then when the
 * flags say the parameters are known the window (int8, microseconds) and
 * the mode flags (int4), then (version 3, FUNNEL_AS_OF) as_of (int8),
 * then reached per step, then (version 3) in_progress per step, then per slot (2 per
 * step) an int4 length (0: absent) and the durations binary form.
 * Version 1 (0.1.0) has no window and mode.
 */
PG_FUNCTION_INFO_V1(funnel_send);
Datum
funnel_send(PG_FUNCTION_ARGS)
{
	Funnel	   *f = PG_GETARG_FUNNEL_P(0);
	StringInfoData buf;
	int			k;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, (f->flags & FUNNEL_AS_OF) ? 3 : 2);
	pq_sendbyte(&buf, f->flags);
	pq_sendint16(&buf, f->nsteps);
	pq_sendint64(&buf, f->customers);
	if (f->flags & FUNNEL_PARAMS)
	{
		pq_sendint64(&buf, f->window);
		pq_sendint32(&buf, f->modes);
	}
	if (f->flags & FUNNEL_AS_OF)
		pq_sendint64(&buf, f->as_of);
	for (k = 0; k < f->nsteps; k++)
		pq_sendint64(&buf, f->reached[k]);
	if (f->flags & FUNNEL_AS_OF)
		for (k = 0; k < f->nsteps; k++)
			pq_sendint64(&buf, FUNNEL_IN_PROGRESS(f)[k]);
	for (k = 0; k < 2 * f->nsteps; k++)
	{
		Durations  *d = funnel_durations(f, k);
		bytea	   *bin;

		if (d == NULL)
		{
			pq_sendint32(&buf, 0);
			continue;
		}
		bin = DatumGetByteaPP(DirectFunctionCall1(durations_send, PointerGetDatum(d)));
		pq_sendint32(&buf, VARSIZE_ANY_EXHDR(bin));
		pq_sendbytes(&buf, VARDATA_ANY(bin), VARSIZE_ANY_EXHDR(bin));
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(funnel_recv);
Datum
funnel_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			version;
	int			flags;
	int			nsteps;
	int64		customers;
	int64		reached[FUNNEL_MAX_STEPS];
	Durations  *durs[2 * FUNNEL_MAX_STEPS] = {0};
	FunnelParams params = funnel_no_params;
	int64		in_progress[FUNNEL_MAX_STEPS] = {0};
	int64		as_of = 0;
	Funnel	   *f;
	int			k;

	durations_init_constants();
	version = journey_recv_uint8(buf, "funnel");
	flags = journey_recv_uint8(buf, "funnel");
	nsteps = (journey_recv_uint8(buf, "funnel") << 8);
	nsteps |= journey_recv_uint8(buf, "funnel");
	if (version < 1 || version > FUNNEL_VERSION)
		journey_unsupported_version(JOURNEY_FROM_BINARY, version, "funnel");
	if (nsteps < 1 || nsteps > FUNNEL_MAX_STEPS)
		journey_invalid_value(JOURNEY_FROM_BINARY, "funnel", "The step count %d is out of range.", nsteps);
	if ((version == 1 && (flags & FUNNEL_PARAMS)) ||
		((version == 3) != ((flags & FUNNEL_AS_OF) != 0)))
		journey_invalid_value(JOURNEY_FROM_BINARY, "funnel", "Unknown flags.");
	customers = journey_recv_int64(buf, "funnel");
	if (flags & FUNNEL_PARAMS)
	{
		params.known = true;
		params.window = journey_recv_int64(buf, "funnel");
		params.modes = journey_recv_int32(buf, "funnel");
	}
	if (flags & FUNNEL_AS_OF)
		as_of = journey_recv_int64(buf, "funnel");
	for (k = 0; k < nsteps; k++)
		reached[k] = journey_recv_int64(buf, "funnel");
	if (flags & FUNNEL_AS_OF)
		for (k = 0; k < nsteps; k++)
			in_progress[k] = journey_recv_int64(buf, "funnel");
	for (k = 0; k < 2 * nsteps; k++)
	{
		int32		len = journey_recv_int32(buf, "funnel");
		StringInfoData sub;

		if (len == 0)
			continue;
		if (len < 0 || len > buf->len - buf->cursor)
			journey_invalid_value(JOURNEY_FROM_BINARY, "funnel", "The value is truncated.");
		sub.data = buf->data + buf->cursor;
		sub.len = len;
		sub.maxlen = len;
		sub.cursor = 0;
		durs[k] = (Durations *) DatumGetPointer(DirectFunctionCall1(durations_recv, PointerGetDatum(&sub)));
		buf->cursor += len;
	}
	journey_recv_done(buf, "funnel");
	if (params.known && !(flags & FUNNEL_TIMED))
		journey_invalid_value(JOURNEY_FROM_BINARY, "funnel", "A funnel built from levels has no window or mode.");
	f = funnel_build(nsteps, (uint8) flags, params, customers, reached, in_progress, as_of, durs);
	funnel_validate(f, JOURNEY_FROM_BINARY);
	PG_RETURN_POINTER(f);
}

static inline Datum
funnel_ratio(int64 num, int64 den, bool *isnull)
{
	*isnull = den == 0;
	return Float8GetDatum(den == 0 ? 0.0 : (double) num / (double) den);
}

/* The columns funnel_steps may return, by name (see funnel_steps). */
typedef enum FunnelStepsCol
{
	FSC_STEP,
	FSC_LABEL,
	FSC_CUSTOMERS,
	FSC_IN_PROGRESS,
	FSC_CONV_START,
	FSC_CONV_PREV,
	FSC_DROPPED,
	FSC_MEDIAN_PREV,
	FSC_MEDIAN_PREV_S,
	FSC_P90_PREV,
	FSC_P90_PREV_S,
	FSC_MEDIAN_START,
	FSC_MEDIAN_START_S,
	FSC_NCOLS
} FunnelStepsCol;

static const char *const funnel_steps_names[FSC_NCOLS] = {
	"step", "label", "customers", "in_progress", "conversion_from_start",
	"conversion_from_previous", "dropped", "median_from_previous",
	"median_from_previous_seconds", "p90_from_previous", "p90_from_previous_seconds",
	"median_from_start", "median_from_start_seconds"
};

/*
 * funnel_steps(funnel [, labels text[]]): one row per step.  customers =
 * reached at least this step; in_progress = stopped at this step with the
 * window still open at as_of (0 without as_of); conversion_from_start =
 * customers / customers of step 1; conversion_from_previous = customers /
 * the customers of the step before whose window has closed (those who
 * went on, plus those who stopped there and can no longer go on; for step
 * 1: all customers aggregated); dropped = customers of the step before
 * who stopped there with the window closed; times from the durations
 * summaries (NULL when nobody reached the step or the funnel was built
 * from step counts), each interval x also as x_seconds (float8).
 *
 * The row is built from the declared result columns by name, so the
 * 0.1.0 declaration (8 columns) keeps working with this library.
 */
static Datum
funnel_steps_common(FunctionCallInfo fcinfo, Funnel *f, ArrayType *labels)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TupleDesc	desc;
	int			colmap[FSC_NCOLS];
	Datum	   *lab = NULL;
	bool	   *labnull = NULL;
	int			nlab = 0;
	Datum	   *values;
	bool	   *nulls;
	int			natts;
	int			i,
				k;

	durations_init_constants();
	journey_init_srf(fcinfo);
	desc = rsinfo->setDesc;
	natts = desc->natts;
	for (i = 0; i < FSC_NCOLS; i++)
		colmap[i] = -1;
	for (i = 0; i < natts; i++)
	{
		const char *name = NameStr(TupleDescAttr(desc, i)->attname);
		int			c;

		for (c = 0; c < FSC_NCOLS; c++)
			if (strcmp(name, funnel_steps_names[c]) == 0)
				colmap[c] = i;
	}
	if (labels != NULL)
	{
		if (ARR_NDIM(labels) > 1)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("funnel step labels must be a one-dimensional array")));
		deconstruct_array(labels, TEXTOID, -1, false, TYPALIGN_INT, &lab, &labnull, &nlab);
		if (nlab != f->nsteps)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("a funnel of %d steps needs %d step labels, not %d", f->nsteps, f->nsteps, nlab)));
	}
	values = palloc(sizeof(Datum) * natts);
	nulls = palloc(sizeof(bool) * natts);
	for (k = 0; k < f->nsteps; k++)
	{
		Datum		v[FSC_NCOLS];
		bool		n[FSC_NCOLS] = {0};
		int64		prev = k == 0 ? f->customers : f->reached[k - 1];
		int64		prev_open = k == 0 ? 0 : FUNNEL_IN_PROGRESS(f)[k - 1];
		const Durations *dprev = funnel_durations(f, 2 * k);
		const Durations *dstart = funnel_durations(f, 2 * k + 1);
		static const int qcols[3][2] = {{FSC_MEDIAN_PREV, FSC_MEDIAN_PREV_S},
		{FSC_P90_PREV, FSC_P90_PREV_S},
		{FSC_MEDIAN_START, FSC_MEDIAN_START_S}};
		int			q;

		v[FSC_STEP] = Int32GetDatum(k + 1);
		n[FSC_LABEL] = lab == NULL || labnull[k];
		v[FSC_LABEL] = n[FSC_LABEL] ? (Datum) 0 : lab[k];
		v[FSC_CUSTOMERS] = Int64GetDatum(f->reached[k]);
		v[FSC_IN_PROGRESS] = Int64GetDatum(FUNNEL_IN_PROGRESS(f)[k]);
		v[FSC_CONV_START] = funnel_ratio(f->reached[k], f->reached[0], &n[FSC_CONV_START]);
		v[FSC_CONV_PREV] = funnel_ratio(f->reached[k], prev - prev_open, &n[FSC_CONV_PREV]);
		v[FSC_DROPPED] = Int64GetDatum(prev - prev_open - f->reached[k]);
		for (q = 0; q < 3; q++)
		{
			const Durations *d = q == 2 ? dstart : dprev;
			double		quant = q == 1 ? 0.9 : 0.5;

			n[qcols[q][0]] = n[qcols[q][1]] = (d == NULL);
			if (d != NULL)
			{
				int64		us = durations_quantile_usec(d, quant);

				v[qcols[q][0]] = IntervalPGetDatum(journey_usec_to_interval(us));
				v[qcols[q][1]] = Float8GetDatum((double) us / 1e6);
			}
			else
				v[qcols[q][0]] = v[qcols[q][1]] = (Datum) 0;
		}
		for (i = 0; i < natts; i++)
		{
			values[i] = (Datum) 0;
			nulls[i] = true;
		}
		for (i = 0; i < FSC_NCOLS; i++)
			if (colmap[i] >= 0)
			{
				values[colmap[i]] = v[i];
				nulls[colmap[i]] = n[i];
			}
		tuplestore_putvalues(rsinfo->setResult, desc, values, nulls);
	}
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(funnel_steps);
Datum
funnel_steps(PG_FUNCTION_ARGS)
{
	return funnel_steps_common(fcinfo, PG_GETARG_FUNNEL_P(0), NULL);
}

/* funnel_steps(funnel, labels): the same rows with a label per step. */
PG_FUNCTION_INFO_V1(funnel_steps_labels);
Datum
funnel_steps_labels(PG_FUNCTION_ARGS)
{
	return funnel_steps_common(fcinfo, PG_GETARG_FUNNEL_P(0), PG_GETARG_ARRAYTYPE_P(1));
}

/* The durations between step k-1 and k (from_start: from step 1), or NULL. */
PG_FUNCTION_INFO_V1(funnel_step_durations);
Datum
funnel_step_durations(PG_FUNCTION_ARGS)
{
	Funnel	   *f = PG_GETARG_FUNNEL_P(0);
	int32		step = PG_GETARG_INT32(1);
	bool		from_start = PG_GETARG_BOOL(2);
	Durations  *d;

	if (step < 1 || step > f->nsteps)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("step %d is out of range for a funnel of %d steps", step, f->nsteps)));
	d = funnel_durations(f, 2 * (step - 1) + (from_start ? 1 : 0));
	if (d == NULL)
		PG_RETURN_NULL();
	PG_RETURN_POINTER(durations_copy(d));
}

PG_FUNCTION_INFO_V1(funnel_num_customers);
Datum
funnel_num_customers(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(PG_GETARG_FUNNEL_P(0)->customers);
}
