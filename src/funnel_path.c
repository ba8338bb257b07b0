/*
 * funnel_path.c — the funnel_path type: one customer's best chain as
 * funnel_path() reports it (the steps reached, when each happened, and
 * the window and mode it was searched with), its text and binary forms,
 * and its accessors.
 *
 * Version 1 values (0.1.0) have no window and mode; they still read, in
 * every form (text, binary, on disk), with unknown parameters.
 */
#include "journey.h"
#include "funnel.h"

#include <ctype.h>

#include "common/int.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

/* The layout of a version 1 value on disk (0.1.0): no window and mode. */
typedef struct FunnelPathV1
{
	int32		vl_len_;
	uint8		version;		/* 1 */
	uint8		flags;			/* 0 */
	uint8		nsteps;
	uint8		reached;
	int32		reserved;		/* 0 */
	int64		at[FLEXIBLE_ARRAY_MEMBER];
} FunnelPathV1;

#define FUNNEL_PATH_V1_HEADER offsetof(FunnelPathV1, at)

FunnelPath *
funnel_path_make(int nsteps, int reached, bool params_known, int64 window, int modes)
{
	FunnelPath *path = palloc0(FUNNEL_PATH_SIZE(reached));

	SET_VARSIZE(path, FUNNEL_PATH_SIZE(reached));
	path->version = FUNNEL_PATH_VERSION;
	path->nsteps = (uint8) nsteps;
	path->reached = (uint8) reached;
	if (params_known)
	{
		path->flags = FUNNEL_PATH_PARAMS;
		path->window = window;
		path->modes = modes;
	}
	return path;
}

FunnelPath *
funnel_path_make_ext(int nsteps, int reached, int64 window, int modes, const int64 *step_windows)
{
	FunnelPath *path;
	Size		size = FUNNEL_PATH_SIZE(reached);

	if (step_windows == NULL)
		return funnel_path_make(nsteps, reached, true, window, modes);
	size += sizeof(int64) * (nsteps - 1);
	path = palloc0(size);
	SET_VARSIZE(path, size);
	path->version = FUNNEL_PATH_VERSION;
	path->nsteps = (uint8) nsteps;
	path->reached = (uint8) reached;
	path->flags = FUNNEL_PATH_PARAMS | FUNNEL_PATH_STEP_WINDOWS;
	path->window = window;
	path->modes = modes;
	memcpy(path->at + reached, step_windows, sizeof(int64) * (nsteps - 1));
	return path;
}

FunnelPath *
funnel_path_detoast(Datum d)
{
	FunnelPath *path = (FunnelPath *) PG_DETOAST_DATUM(d);
	FunnelPath *upgraded;
	const char *raw = (const char *) path;
	int			reached;

	if (path->version != 1)
		return path;
	/* version 1: version, flags, nsteps, reached, 4 reserved bytes, times */
	reached = path->reached;
	if (VARSIZE(path) != FUNNEL_PATH_V1_HEADER + sizeof(int64) * reached)
		journey_invalid_value(JOURNEY_FROM_STATE, "funnel_path", "A version 1 value of %u bytes has %d steps reached.", (unsigned) VARSIZE(path), reached);
	upgraded = funnel_path_make(path->nsteps, reached, false, 0, 0);
	memcpy(upgraded->at, raw + FUNNEL_PATH_V1_HEADER, sizeof(int64) * reached);
	return upgraded;
}

int64
funnel_path_span(const FunnelPath *path, int from, int to)
{
	int64		span;

	if (pg_sub_s64_overflow(path->at[to - 1], path->at[from - 1], &span))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("interval out of range"),
				 errdetail("Steps %d and %d of the funnel path are more than 2^63 microseconds apart.",
						   from, to)));
	return span;
}

/*
 * Everything a value could carry that the aggregate never writes: each
 * check here applies to text and binary input alike.
 */
static void
funnel_path_validate(const FunnelPath *path, JourneyOrigin origin)
{
	int			k;

	if (path->version != FUNNEL_PATH_VERSION)
		journey_unsupported_version(origin, path->version, "funnel_path");
	if ((path->flags & ~(FUNNEL_PATH_PARAMS | FUNNEL_PATH_STEP_WINDOWS)) != 0)
		journey_invalid_value(origin, "funnel_path", "Unknown flags.");
	if (path->nsteps < 1 || path->nsteps > FUNNEL_MAX_STEPS)
		journey_invalid_value(origin, "funnel_path", "The step count is out of range.");
	if (path->reached > path->nsteps)
		journey_invalid_value(origin, "funnel_path", "More steps reached than the funnel has.");
	if (VARSIZE(path) != FUNNEL_PATH_FULL_SIZE(path))
		journey_invalid_value(origin, "funnel_path", "The length does not match the steps reached.");
	if (((path->flags & FUNNEL_PATH_STEP_WINDOWS) != 0) !=
		((path->flags & FUNNEL_PATH_PARAMS) && (path->modes & FUNNEL_STEP_WINDOWS)))
		journey_invalid_value(origin, "funnel_path", "Step windows and the mode step_windows go together.");
	if (path->flags & FUNNEL_PATH_STEP_WINDOWS)
		for (k = 0; k < path->nsteps - 1; k++)
			if (FUNNEL_PATH_STEP_WINDOWS_OF(path)[k] < 0)
				journey_invalid_value(origin, "funnel_path", "A step window is negative.");
	if (path->flags & FUNNEL_PATH_PARAMS)
	{
		if (path->window <= 0)
			journey_invalid_value(origin, "funnel_path", "The window is not positive.");
		if (!FUNNEL_MODES_VALID(path->modes))
			journey_invalid_value(origin, "funnel_path", "The mode is not a valid combination of options.");
	}
	else if (path->window != 0 || path->modes != 0)
		journey_invalid_value(origin, "funnel_path", "A window or mode without the flag that says they are known.");
	for (k = 0; k < path->reached; k++)
	{
		if (!IS_VALID_TIMESTAMP(path->at[k]))
			journey_invalid_value(origin, "funnel_path", "A step time is not a finite timestamp.");
		if (k > 0 && path->at[k] < path->at[k - 1])
			journey_invalid_value(origin, "funnel_path", "Step times must not decrease.");
	}
}

/*
 * Text form: "reached/steps [time of step 1, time of step 2, ...]", the
 * times as timestamptz prints them, then the window (as interval prints
 * it) and the mode, e.g.
 *   2/4 [2026-01-05 10:00:00+00, 2026-01-06 11:30:00+00] window=7 days mode=default
 * A path with unknown parameters (from 0.1.0) has no window and mode part.
 */
PG_FUNCTION_INFO_V1(funnel_path_out);
Datum
funnel_path_out(PG_FUNCTION_ARGS)
{
	FunnelPath *path = PG_GETARG_FUNNEL_PATH_P(0);
	StringInfoData buf;
	int			k;

	initStringInfo(&buf);
	appendStringInfo(&buf, "%d/%d [", path->reached, path->nsteps);
	for (k = 0; k < path->reached; k++)
	{
		char	   *s = DatumGetCString(DirectFunctionCall1(timestamptz_out,
															TimestampTzGetDatum(path->at[k])));

		appendStringInfo(&buf, "%s%s", k > 0 ? ", " : "", s);
	}
	appendStringInfoChar(&buf, ']');
	if (path->flags & FUNNEL_PATH_PARAMS)
		appendStringInfo(&buf, " window=%s mode=%s", funnel_window_text(path->window),
						 funnel_modes_text(path->modes));
	if (path->flags & FUNNEL_PATH_STEP_WINDOWS)
	{
		appendStringInfoString(&buf, " step_windows={");
		for (k = 0; k < path->nsteps - 1; k++)
		{
			int64		w = FUNNEL_PATH_STEP_WINDOWS_OF(path)[k];

			appendStringInfo(&buf, "%s%s", k > 0 ? "," : "", w == 0 ? "NULL" : funnel_window_text(w));
		}
		appendStringInfoChar(&buf, '}');
	}
	PG_RETURN_CSTRING(buf.data);
}

static void
funnel_path_syntax(const char *input, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type funnel_path: \"%s\"", input),
			 errdetail("%s", detail),
			 errhint("A funnel_path looks like \"2/4 [2026-01-05 10:00:00+00, 2026-01-06 11:30:00+00] window=7 days mode=default\".")));
}

/*
 * The " window=<interval> mode=<modes>[ step_windows={w,...}]" part after
 * the times (in place: s is modified).  False when there is none (a 0.1.0
 * value).  *nsw: the step windows read into sw (-1: none given).
 */
static bool
funnel_path_parse_params(const char *input, char *s, int64 *window, int *modes, int64 *sw, int *nsw)
{
	char	   *mode;
	char	   *swp;
	Interval   *span;

	*nsw = -1;
	if (*s == '\0')
		return false;
	if (strncmp(s, " window=", 8) != 0)
		funnel_path_syntax(input, "The step times may be followed by \" window=... mode=...\" only.");
	s += 8;
	mode = strstr(s, " mode=");
	if (mode == NULL)
		funnel_path_syntax(input, "The window is followed by \" mode=\".");
	*mode = '\0';
	mode += 6;
	swp = strstr(mode, " step_windows={");
	if (swp != NULL)
	{
		char	   *q = swp + 15;
		size_t		len;

		*swp = '\0';
		len = strlen(q);
		if (len == 0 || q[len - 1] != '}')
			funnel_path_syntax(input, "The step windows are given as \" step_windows={w,...}\".");
		q[len - 1] = '\0';
		*nsw = 0;
		for (;;)
		{
			char	   *comma = strchr(q, ',');

			if (comma != NULL)
				*comma = '\0';
			if (*nsw >= FUNNEL_MAX_STEPS - 1)
				funnel_path_syntax(input, "There is one step window per step after the first.");
			if (strcmp(q, "NULL") == 0)
				sw[(*nsw)++] = 0;
			else
			{
				Interval   *w = DatumGetIntervalP(DirectFunctionCall3(interval_in, CStringGetDatum(q),
																	  ObjectIdGetDatum(InvalidOid),
																	  Int32GetDatum(-1)));

				sw[*nsw] = journey_interval_to_usec(w, "a funnel step window");
				if (sw[*nsw] <= 0)
					funnel_path_syntax(input, "A step window is positive (NULL for none).");
				(*nsw)++;
			}
			if (comma == NULL)
				break;
			q = comma + 1;
		}
	}
	span = DatumGetIntervalP(DirectFunctionCall3(interval_in, CStringGetDatum(s),
												 ObjectIdGetDatum(InvalidOid),
												 Int32GetDatum(-1)));
	*window = journey_interval_to_usec(span, "the funnel window");
	if (*window <= 0)
		funnel_path_syntax(input, "The window is positive.");
	if (!funnel_modes_from_text(mode, modes))
		funnel_path_syntax(input, "The mode is \"default\" or options separated by commas, in the order strict_deduplication, strict_order, strict_increase, strict_once, allow_reentry, any_order, step_windows, exclusions.");
	return true;
}

PG_FUNCTION_INFO_V1(funnel_path_in);
Datum
funnel_path_in(PG_FUNCTION_ARGS)
{
	const char *input = PG_GETARG_CSTRING(0);
	char	   *copy = pstrdup(input);
	char	   *p = copy;
	char	   *end;
	char	   *close;
	long		reached,
				nsteps;
	FunnelPath *path;
	int64		window = 0;
	int			modes = 0;
	int64		sw[FUNNEL_MAX_STEPS];
	int			nsw;
	bool		known;
	int			k = 0;

	errno = 0;
	reached = strtol(p, &end, 10);
	if (end == p || !isdigit((unsigned char) *p) || errno != 0 || *end != '/')
		funnel_path_syntax(input, "It starts with the steps reached, a slash and the steps of the funnel.");
	p = end + 1;
	nsteps = strtol(p, &end, 10);
	if (end == p || !isdigit((unsigned char) *p) || errno != 0 || strncmp(end, " [", 2) != 0)
		funnel_path_syntax(input, "It starts with the steps reached, a slash and the steps of the funnel.");
	if (nsteps < 1 || nsteps > FUNNEL_MAX_STEPS || reached < 0 || reached > nsteps)
		funnel_path_syntax(input, psprintf("A funnel has 1 to %d steps, of which 0 to all are reached.", FUNNEL_MAX_STEPS));
	p = end + 2;
	close = strchr(p, ']');
	if (close == NULL)
		funnel_path_syntax(input, "The step times end with \"]\".");
	*close = '\0';
	known = funnel_path_parse_params(input, close + 1, &window, &modes, sw, &nsw);
	if (nsw >= 0 && nsw != nsteps - 1)
		funnel_path_syntax(input, "There is one step window per step after the first.");
	if (nsw >= 0)
		path = funnel_path_make_ext((int) nsteps, (int) reached, window, modes, sw);
	else
		path = funnel_path_make((int) nsteps, (int) reached, known, window, modes);
	while (*p != '\0')
	{
		char	   *comma = strchr(p, ',');

		if (comma != NULL)
			*comma = '\0';
		while (*p == ' ')
			p++;
		if (*p == '\0')
			funnel_path_syntax(input, "A step time is empty.");
		if (k >= reached)
			funnel_path_syntax(input, "There are more step times than steps reached.");
		path->at[k++] = DatumGetTimestampTz(DirectFunctionCall3(timestamptz_in, CStringGetDatum(p),
																ObjectIdGetDatum(InvalidOid),
																Int32GetDatum(-1)));
		if (comma == NULL)
			break;
		p = comma + 1;
		if (*p == '\0')
			funnel_path_syntax(input, "A step time is empty.");
	}
	if (k != reached)
		funnel_path_syntax(input, "There must be one time per step reached.");
	funnel_path_validate(path, JOURNEY_FROM_TEXT);
	PG_RETURN_POINTER(path);
}

/*
 * Binary form: version (2), steps, reached, flags, then when the flags
 * say the parameters are known the window (int8, microseconds) and the
 * mode flags (one byte), then with FUNNEL_PATH_STEP_WINDOWS one int8 per
 * step after the first (0: none), then one int8 per reached step.  Version 1 (from
 * 0.1.0): version, steps, reached, the times.
 */
PG_FUNCTION_INFO_V1(funnel_path_send);
Datum
funnel_path_send(PG_FUNCTION_ARGS)
{
	FunnelPath *path = PG_GETARG_FUNNEL_PATH_P(0);
	StringInfoData buf;
	int			k;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, path->version);
	pq_sendbyte(&buf, path->nsteps);
	pq_sendbyte(&buf, path->reached);
	pq_sendbyte(&buf, path->flags);
	if (path->flags & FUNNEL_PATH_PARAMS)
	{
		pq_sendint64(&buf, path->window);
		pq_sendbyte(&buf, (uint8) path->modes);
	}
	if (path->flags & FUNNEL_PATH_STEP_WINDOWS)
		for (k = 0; k < path->nsteps - 1; k++)
			pq_sendint64(&buf, FUNNEL_PATH_STEP_WINDOWS_OF(path)[k]);
	for (k = 0; k < path->reached; k++)
		pq_sendint64(&buf, path->at[k]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(funnel_path_recv);
Datum
funnel_path_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			version = journey_recv_uint8(buf, "funnel_path");
	int			nsteps;
	int			reached;
	int			flags = 0;
	int64		window = 0;
	int			modes = 0;
	int64		sw[FUNNEL_MAX_STEPS];
	FunnelPath *path;
	int			k;

	if (version != 1 && version != FUNNEL_PATH_VERSION)
		journey_unsupported_version(JOURNEY_FROM_BINARY, version, "funnel_path");
	nsteps = journey_recv_uint8(buf, "funnel_path");
	reached = journey_recv_uint8(buf, "funnel_path");
	if (version >= 2)
	{
		flags = journey_recv_uint8(buf, "funnel_path");
		if (flags & FUNNEL_PATH_PARAMS)
		{
			window = journey_recv_int64(buf, "funnel_path");
			modes = journey_recv_uint8(buf, "funnel_path");
		}
	}
	if ((flags & FUNNEL_PATH_STEP_WINDOWS) && (nsteps < 1 || nsteps > FUNNEL_MAX_STEPS || !(flags & FUNNEL_PATH_PARAMS)))
		journey_invalid_value(JOURNEY_FROM_BINARY, "funnel_path", "Step windows without a valid step count and window.");
	if (flags & FUNNEL_PATH_STEP_WINDOWS)
		for (k = 0; k < nsteps - 1; k++)
			sw[k] = journey_recv_int64(buf, "funnel_path");
	if (reached > nsteps || (int64) reached * 8 != buf->len - buf->cursor)
		journey_invalid_value(JOURNEY_FROM_BINARY, "funnel_path",
							  "The steps reached do not match the value's length.");
	if (flags & FUNNEL_PATH_STEP_WINDOWS)
		path = funnel_path_make_ext(nsteps, reached, window, modes, sw);
	else
		path = funnel_path_make(nsteps, reached, false, 0, 0);
	path->flags = (uint8) flags;
	path->window = window;
	path->modes = modes;
	for (k = 0; k < reached; k++)
		path->at[k] = journey_recv_int64(buf, "funnel_path");
	journey_recv_done(buf, "funnel_path");
	funnel_path_validate(path, JOURNEY_FROM_BINARY);
	PG_RETURN_POINTER(path);
}

/* ---------------------------------------------------------------------
 * funnel_path accessors
 */

static void
funnel_path_check_step(const FunnelPath *path, int32 step, const char *what)
{
	if (step < 1 || step > path->nsteps)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s %d is out of range for a funnel of %d steps", what, step, path->nsteps),
				 errhint("Steps are numbered from 1.")));
}

PG_FUNCTION_INFO_V1(funnel_path_steps);
Datum
funnel_path_steps(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(PG_GETARG_FUNNEL_PATH_P(0)->reached);
}

PG_FUNCTION_INFO_V1(funnel_path_total_steps);
Datum
funnel_path_total_steps(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(PG_GETARG_FUNNEL_PATH_P(0)->nsteps);
}

PG_FUNCTION_INFO_V1(funnel_path_reached_at);
Datum
funnel_path_reached_at(PG_FUNCTION_ARGS)
{
	FunnelPath *path = PG_GETARG_FUNNEL_PATH_P(0);
	int32		step = PG_GETARG_INT32(1);

	funnel_path_check_step(path, step, "step");
	if (step > path->reached)
		PG_RETURN_NULL();
	PG_RETURN_TIMESTAMPTZ(path->at[step - 1]);
}

PG_FUNCTION_INFO_V1(funnel_path_time_to_step);
Datum
funnel_path_time_to_step(PG_FUNCTION_ARGS)
{
	FunnelPath *path = PG_GETARG_FUNNEL_PATH_P(0);
	int32		step = PG_GETARG_INT32(1);

	funnel_path_check_step(path, step, "step");
	if (step > path->reached)
		PG_RETURN_NULL();
	PG_RETURN_INTERVAL_P(journey_usec_to_interval(funnel_path_span(path, 1, step)));
}

PG_FUNCTION_INFO_V1(funnel_path_time_between);
Datum
funnel_path_time_between(PG_FUNCTION_ARGS)
{
	FunnelPath *path = PG_GETARG_FUNNEL_PATH_P(0);
	int32		from_step = PG_GETARG_INT32(1);
	int32		to_step = PG_GETARG_INT32(2);

	funnel_path_check_step(path, from_step, "from_step");
	funnel_path_check_step(path, to_step, "to_step");
	if (from_step > to_step)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("from_step %d is after to_step %d", from_step, to_step)));
	if (to_step > path->reached)
		PG_RETURN_NULL();
	PG_RETURN_INTERVAL_P(journey_usec_to_interval(funnel_path_span(path, from_step, to_step)));
}
