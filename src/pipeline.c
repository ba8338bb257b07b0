/*
 * pipeline.c — the sales pipeline: one deal's stage history
 * (pipeline_path) and many deals' pipeline as of a time (pipeline).
 *
 * Input is stage-change history, one row per time a deal entered a stage:
 * (entered_at, stage 1..PIPELINE_MAX_STAGES, lost).  The rules, applied
 * to one deal's rows in the order (entered_at, lost, stage), i.e. rows at
 * the same instant in increasing stage order and a loss after the stage
 * rows of its instant:
 *
 *   - entering stage k passes every stage below k not yet entered, at that
 *     moment (time 0 in them);
 *   - a move back to an earlier stage is allowed: the time of the new
 *     visit is added to that stage;
 *   - a row with lost true enters its stage like any row, then closes the
 *     deal there as lost; the rows after it are ignored (a loss is final);
 *   - a row repeating the deal's current stage changes nothing.
 *
 * pipeline_path keeps the deal's moves (a move: the time and the stage of
 * a row that changed the stage) and the time of the last row used, so
 * every figure can be read "as of" any time: the deal as its rows up to
 * that time make it.  Without as_of, a figure is read as of the deal's
 * last row.
 *
 * pipeline is the roll-up: per stage, the deals that entered it, those in
 * it now (open deals whose current stage it is), those lost there, and
 * two durations summaries: the total time in the stage of the deals that
 * left it, and the age in the stage (since they last entered it) of those
 * still in it.  It is the state of pipeline(pipeline_path, as_of) and
 * rollup(pipeline), so Citus ships partial pipelines as text.
 */
#include "journey.h"
#include "durations.h"

#include "common/int.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#define PIPELINE_MAX_STAGES 64

/* ---------------------------------------------------------------------
 * pipeline_path: one deal
 */

#define PIPELINE_PATH_VERSION 1
#define PIPELINE_PATH_LOST 0x01	/* the deal was lost at last_at */

typedef struct PipelinePath
{
	int32		vl_len_;		/* varlena header */
	uint8		version;		/* PIPELINE_PATH_VERSION */
	uint8		flags;			/* PIPELINE_PATH_LOST */
	uint16		reserved;		/* 0 */
	int32		nmoves;			/* >= 1 */
	int32		reserved2;		/* 0 */
	int64		last_at;		/* the last row used; >= the last move */
	int64		at[FLEXIBLE_ARRAY_MEMBER];	/* nmoves times, then nmoves uint8 stages */
} PipelinePath;

#define PIPELINE_PATH_HEADER offsetof(PipelinePath, at)
#define PIPELINE_PATH_SIZE(n) (PIPELINE_PATH_HEADER + (sizeof(int64) + 1) * (Size) (n))
#define PIPELINE_PATH_MAX_MOVES ((int32) ((MaxAllocSize - PIPELINE_PATH_HEADER) / (sizeof(int64) + 1)))
#define PIPELINE_PATH_STAGES(p) ((uint8 *) ((p)->at + (p)->nmoves))
#define PG_GETARG_PIPELINE_PATH_P(n) ((PipelinePath *) PG_DETOAST_DATUM(PG_GETARG_DATUM(n)))

static PipelinePath *
pipeline_path_make(int32 nmoves)
{
	PipelinePath *p;

	if (nmoves < 1 || nmoves > PIPELINE_PATH_MAX_MOVES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("pipeline_path value is too large")));
	p = palloc0(PIPELINE_PATH_SIZE(nmoves));
	SET_VARSIZE(p, PIPELINE_PATH_SIZE(nmoves));
	p->version = PIPELINE_PATH_VERSION;
	p->nmoves = nmoves;
	return p;
}

/*
 * Everything a value could carry that the aggregate never writes; the
 * same checks for text and binary input.
 */
static void
pipeline_path_validate(const PipelinePath *p, JourneyOrigin origin)
{
	const uint8 *stages;
	int32		i;

	if (p->version != PIPELINE_PATH_VERSION)
		journey_unsupported_version(origin, p->version, "pipeline_path");
	if ((p->flags & ~PIPELINE_PATH_LOST) != 0 || p->reserved != 0 || p->reserved2 != 0)
		journey_invalid_value(origin, "pipeline_path", "Unknown flags.");
	if (p->nmoves < 1 || VARSIZE(p) != PIPELINE_PATH_SIZE(p->nmoves))
		journey_invalid_value(origin, "pipeline_path", "The length does not match the number of moves.");
	stages = PIPELINE_PATH_STAGES(p);
	for (i = 0; i < p->nmoves; i++)
	{
		if (!IS_VALID_TIMESTAMP(p->at[i]))
			journey_invalid_value(origin, "pipeline_path", "A move time is not a finite timestamp.");
		if (i > 0 && p->at[i] < p->at[i - 1])
			journey_invalid_value(origin, "pipeline_path", "Move times must not decrease.");
		if (stages[i] < 1 || stages[i] > PIPELINE_MAX_STAGES)
			journey_invalid_value(origin, "pipeline_path", "Stage %d is not between 1 and %d.", stages[i], PIPELINE_MAX_STAGES);
		if (i > 0 && stages[i] == stages[i - 1])
			journey_invalid_value(origin, "pipeline_path", "Two consecutive moves go to the same stage %d.", stages[i]);
	}
	if (!IS_VALID_TIMESTAMP(p->last_at) || p->last_at < p->at[p->nmoves - 1])
		journey_invalid_value(origin, "pipeline_path", "The last row is before the last move.");
}

/* The moves of a deal up to a time, replayed. */
typedef struct PipelineReplay
{
	int			nstages;		/* highest stage entered; 0: not started */
	int			current;		/* the deal's stage */
	bool		lost;			/* lost at `current` */
	int64		since;			/* start of the visit to `current` */
	int64		entered_at[PIPELINE_MAX_STAGES + 1];	/* first entry, 1..nstages */
	int64		time[PIPELINE_MAX_STAGES + 1];	/* closed visits, microseconds */
} PipelineReplay;

static void
pipeline_time_overflow(int stage)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
			 errmsg("interval out of range"),
			 errdetail("The deal spends more than 2^63 microseconds in stage %d.", stage)));
}

/* The length of a visit from `from` to `to` (to >= from), checked. */
static inline int64
pipeline_span(int64 from, int64 to, int stage)
{
	int64		span;

	if (pg_sub_s64_overflow(to, from, &span))
		pipeline_time_overflow(stage);
	return span;
}

static inline void
pipeline_add_time(int64 *total, int64 span, int stage)
{
	if (pg_add_s64_overflow(*total, span, total))
		pipeline_time_overflow(stage);
}

/*
 * Replay the moves at or before as_of (every move and the loss when
 * as_of is the deal's last row).  The visit still open at as_of is not
 * added to `time`.
 */
static void
pipeline_replay(const PipelinePath *p, int64 as_of, PipelineReplay *r)
{
	const uint8 *stages = PIPELINE_PATH_STAGES(p);
	int32		i;

	r->nstages = 0;
	r->current = 0;
	r->lost = false;
	r->since = 0;
	for (i = 0; i < p->nmoves && p->at[i] <= as_of; i++)
	{
		int64		t = p->at[i];
		int			s = stages[i];

		if (r->current != 0)
			pipeline_add_time(&r->time[r->current], pipeline_span(r->since, t, r->current), r->current);
		while (r->nstages < s)
		{
			r->nstages++;
			r->entered_at[r->nstages] = t;
			r->time[r->nstages] = 0;
		}
		r->current = s;
		r->since = t;
	}
	if (r->current != 0 && (p->flags & PIPELINE_PATH_LOST) && p->last_at <= as_of)
	{
		pipeline_add_time(&r->time[r->current], pipeline_span(r->since, p->last_at, r->current), r->current);
		r->lost = true;
	}
}

/* The time in `stage` as of as_of, the open visit included. */
static int64
pipeline_replay_time(const PipelineReplay *r, int stage, int64 as_of)
{
	int64		t = r->time[stage];

	if (!r->lost && r->current == stage)
		pipeline_add_time(&t, pipeline_span(r->since, as_of, stage), stage);
	return t;
}

/* ---------------------------------------------------------------------
 * pipeline_path(entered_at, stage [, lost]): the rows of one deal
 */

typedef struct PipelineRow
{
	int64		ts;
	int32		lost;			/* 0 or 1: sorts after the stage rows of its instant */
	int32		stage;
} PipelineRow;

/* 7 rows in the state itself: 128 bytes, one allocation for most deals */
#define PIPELINE_INLINE_ROWS 7
#define PIPELINE_MAX_ROWS ((int32) (MaxAllocSize / sizeof(PipelineRow)))

typedef struct PipelineRows
{
	int32		n;
	int32		cap;
	PipelineRow *rows;
	PipelineRow inline_rows[PIPELINE_INLINE_ROWS];
} PipelineRows;

static PipelineRows *
pipeline_rows_new(MemoryContext cxt)
{
	PipelineRows *state = MemoryContextAlloc(cxt, sizeof(PipelineRows));

	state->n = 0;
	state->cap = PIPELINE_INLINE_ROWS;
	state->rows = state->inline_rows;
	return state;
}

/* Room for `more` rows more, in the aggregate context cxt. */
static void
pipeline_rows_reserve(PipelineRows *state, int32 more, MemoryContext cxt)
{
	int64		need = (int64) state->n + more;
	int64		cap;
	PipelineRow *rows;

	if (need <= state->cap)
		return;
	if (need > PIPELINE_MAX_ROWS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many stage rows for one deal"),
				 errdetail("pipeline_path takes at most %d rows per deal.", PIPELINE_MAX_ROWS)));
	cap = Max(need, (int64) state->cap * 2);
	cap = Min(cap, (int64) PIPELINE_MAX_ROWS);
	rows = MemoryContextAlloc(cxt, sizeof(PipelineRow) * cap);
	memcpy(rows, state->rows, sizeof(PipelineRow) * state->n);
	if (state->rows != state->inline_rows)
		pfree(state->rows);
	state->rows = rows;
	state->cap = (int32) cap;
}

static void
pipeline_check_stage_arg(int32 stage)
{
	if (stage < 1 || stage > PIPELINE_MAX_STAGES)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("pipeline stage %d is out of range", stage),
				 errhint("Stages are numbered 1 to %d in pipeline order.", PIPELINE_MAX_STAGES)));
}

/*
 * Transition of pipeline_path(entered_at, stage) and
 * pipeline_path(entered_at, stage, lost).  A row with a NULL or infinite
 * entered_at is ignored (what a LEFT JOIN without history gives); a NULL
 * stage is an error, as is a stage out of range; a NULL lost is false.
 */
PG_FUNCTION_INFO_V1(pipeline_path_transfn);
Datum
pipeline_path_transfn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	PipelineRows *state = PG_ARGISNULL(0) ? NULL : (PipelineRows *) PG_GETARG_POINTER(0);
	int64		ts;
	int32		stage;
	PipelineRow *row;

	if (state == NULL)
		state = pipeline_rows_new(journey_agg_context(fcinfo, "pipeline_path_transfn"));
	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(state);
	ts = PG_GETARG_TIMESTAMPTZ(1);
	if (TIMESTAMP_NOT_FINITE(ts))
		PG_RETURN_POINTER(state);
	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("pipeline stage must not be null"),
				 errdetail("A stage row with entered_at %s has no stage.",
						   timestamptz_to_str(ts))));
	stage = PG_GETARG_INT32(2);
	pipeline_check_stage_arg(stage);
	if (unlikely(state->n == state->cap))
	{
		aggcontext = journey_agg_context(fcinfo, "pipeline_path_transfn");
		pipeline_rows_reserve(state, 1, aggcontext);
	}
	row = &state->rows[state->n++];
	row->ts = ts;
	row->stage = stage;
	row->lost = (PG_NARGS() > 3 && !PG_ARGISNULL(3) && PG_GETARG_BOOL(3)) ? 1 : 0;
	PG_RETURN_POINTER(state);
}

PG_FUNCTION_INFO_V1(pipeline_path_combine);
Datum
pipeline_path_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = journey_agg_context(fcinfo, "pipeline_path_combine");
	PipelineRows *state = PG_ARGISNULL(0) ? NULL : (PipelineRows *) PG_GETARG_POINTER(0);
	PipelineRows *other = PG_ARGISNULL(1) ? NULL : (PipelineRows *) PG_GETARG_POINTER(1);

	if (other == NULL || other->n == 0)
	{
		if (state == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(state);
	}
	if (state == NULL)
		state = pipeline_rows_new(aggcontext);
	pipeline_rows_reserve(state, other->n, aggcontext);
	memcpy(state->rows + state->n, other->rows, sizeof(PipelineRow) * other->n);
	state->n += other->n;
	PG_RETURN_POINTER(state);
}

#define PIPELINE_SERIAL_VERSION 1

/* The state for a parallel worker's leader: version, n, then the rows. */
PG_FUNCTION_INFO_V1(pipeline_path_serialize);
Datum
pipeline_path_serialize(PG_FUNCTION_ARGS)
{
	PipelineRows *state = (PipelineRows *) PG_GETARG_POINTER(0);
	StringInfoData buf;
	int32		i;

	journey_agg_context(fcinfo, "pipeline_path_serialize");
	pq_begintypsend(&buf);
	enlargeStringInfo(&buf, 1 + 4 + 13 * state->n);
	pq_sendbyte(&buf, PIPELINE_SERIAL_VERSION);
	pq_sendint32(&buf, state->n);
	for (i = 0; i < state->n; i++)
	{
		pq_sendint64(&buf, state->rows[i].ts);
		pq_sendint32(&buf, state->rows[i].stage);
		pq_sendbyte(&buf, (uint8) state->rows[i].lost);
	}
	Assert(buf.len == VARHDRSZ + 1 + 4 + 13 * state->n);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* A state from pipeline_path_serialize, everything checked (XX001). */
PG_FUNCTION_INFO_V1(pipeline_path_deserialize);
Datum
pipeline_path_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *data = PG_GETARG_BYTEA_PP(0);
	MemoryContext aggcontext = journey_agg_context(fcinfo, "pipeline_path_deserialize");
	const char *what = "pipeline_path state";
	StringInfoData buf;
	PipelineRows *state;
	int32		n;
	int32		i;

	journey_bytea_reader(&buf, data);
	if (journey_recv_uint8(&buf, what) != PIPELINE_SERIAL_VERSION)
		journey_invalid_value(JOURNEY_FROM_STATE, what, "Unsupported state version.");
	n = journey_recv_int32(&buf, what);
	if (n < 0 || (int64) n * 13 != buf.len - buf.cursor)
		journey_invalid_value(JOURNEY_FROM_STATE, what, "The row count does not match the state's length.");
	state = pipeline_rows_new(aggcontext);
	pipeline_rows_reserve(state, n, aggcontext);
	for (i = 0; i < n; i++)
	{
		PipelineRow *row = &state->rows[i];
		int			lost;

		row->ts = journey_recv_int64(&buf, what);
		row->stage = journey_recv_int32(&buf, what);
		lost = journey_recv_uint8(&buf, what);
		if (TIMESTAMP_NOT_FINITE(row->ts) || !IS_VALID_TIMESTAMP(row->ts) ||
			row->stage < 1 || row->stage > PIPELINE_MAX_STAGES || lost > 1)
			journey_invalid_value(JOURNEY_FROM_STATE, what, "Row %d is not a valid stage row.", i + 1);
		row->lost = lost;
	}
	state->n = n;
	journey_recv_done(&buf, what);
	PG_RETURN_POINTER(state);
}

static inline bool
pipeline_row_lt(const PipelineRow *a, const PipelineRow *b)
{
	if (a->ts != b->ts)
		return a->ts < b->ts;
	if (a->lost != b->lost)
		return a->lost < b->lost;
	return a->stage < b->stage;
}

static int
pipeline_row_cmp(const void *a, const void *b)
{
	const PipelineRow *x = a;
	const PipelineRow *y = b;

	if (pipeline_row_lt(x, y))
		return -1;
	return pipeline_row_lt(y, x) ? 1 : 0;
}

/* Sort rows by (ts, lost, stage): insertion sort for a few, else qsort. */
static void
pipeline_sort_rows(PipelineRow *rows, int32 n)
{
	int32		i;

	if (n > 16)
	{
		qsort(rows, n, sizeof(PipelineRow), pipeline_row_cmp);
		return;
	}
	for (i = 1; i < n; i++)
	{
		PipelineRow r = rows[i];
		int32		j = i;

		while (j > 0 && pipeline_row_lt(&r, &rows[j - 1]))
		{
			rows[j] = rows[j - 1];
			j--;
		}
		rows[j] = r;
	}
}

/*
 * The deal's path: sorts the rows (in place; the state stays valid) and
 * keeps the moves, up to the first loss.  NULL for a deal without rows.
 */
PG_FUNCTION_INFO_V1(pipeline_path_final);
Datum
pipeline_path_final(PG_FUNCTION_ARGS)
{
	PipelineRows *state = PG_ARGISNULL(0) ? NULL : (PipelineRows *) PG_GETARG_POINTER(0);
	PipelinePath *p;
	uint8	   *stages;
	int32		nmoves = 0;
	int32		i;
	int			current = 0;

	if (state == NULL || state->n == 0)
		PG_RETURN_NULL();
	pipeline_sort_rows(state->rows, state->n);
	for (i = 0; i < state->n; i++)
	{
		if (state->rows[i].stage != current)
		{
			nmoves++;
			current = state->rows[i].stage;
		}
		if (state->rows[i].lost)
			break;
	}
	p = pipeline_path_make(nmoves);
	stages = PIPELINE_PATH_STAGES(p);
	nmoves = 0;
	current = 0;
	for (i = 0; i < state->n; i++)
	{
		const PipelineRow *row = &state->rows[i];

		if (row->stage != current)
		{
			p->at[nmoves] = row->ts;
			stages[nmoves] = (uint8) row->stage;
			nmoves++;
			current = row->stage;
		}
		p->last_at = row->ts;
		if (row->lost)
		{
			p->flags |= PIPELINE_PATH_LOST;
			break;
		}
	}
	PG_RETURN_POINTER(p);
}

/* ---------------------------------------------------------------------
 * pipeline_path text and binary forms
 */

/*
 * Text form: the format version, the moves as stage@time (times as
 * timestamptz prints them), then the last row, as "lost@time" when the
 * deal was lost there, e.g.
 *   v1 [1@2026-01-05 10:00:00+00, 3@2026-01-07 09:00:00+00] last@2026-01-08 12:00:00+00
 *   v1 [1@2026-01-05 10:00:00+00] lost@2026-01-06 00:00:00+00
 */
PG_FUNCTION_INFO_V1(pipeline_path_out);
Datum
pipeline_path_out(PG_FUNCTION_ARGS)
{
	PipelinePath *p = PG_GETARG_PIPELINE_PATH_P(0);
	const uint8 *stages = PIPELINE_PATH_STAGES(p);
	StringInfoData buf;
	int32		i;

	initStringInfo(&buf);
	appendStringInfo(&buf, "v%d [", p->version);
	for (i = 0; i < p->nmoves; i++)
		appendStringInfo(&buf, "%s%d@%s", i > 0 ? ", " : "", stages[i],
						 DatumGetCString(DirectFunctionCall1(timestamptz_out,
															 TimestampTzGetDatum(p->at[i]))));
	appendStringInfo(&buf, "] %s@%s", (p->flags & PIPELINE_PATH_LOST) ? "lost" : "last",
					 DatumGetCString(DirectFunctionCall1(timestamptz_out,
														 TimestampTzGetDatum(p->last_at))));
	PG_RETURN_CSTRING(buf.data);
}

static void
pipeline_path_syntax(const char *input, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type pipeline_path: \"%s\"", input),
			 errdetail("%s", detail),
			 errhint("A pipeline_path looks like \"v1 [1@2026-01-05 10:00:00+00, 3@2026-01-07 09:00:00+00] last@2026-01-08 12:00:00+00\".")));
}

static int64
pipeline_parse_timestamptz(const char *text)
{
	return DatumGetTimestampTz(DirectFunctionCall3(timestamptz_in, CStringGetDatum(text),
												   ObjectIdGetDatum(InvalidOid),
												   Int32GetDatum(-1)));
}

PG_FUNCTION_INFO_V1(pipeline_path_in);
Datum
pipeline_path_in(PG_FUNCTION_ARGS)
{
	const char *input = PG_GETARG_CSTRING(0);
	char	   *copy = pstrdup(input);
	char	   *p = copy;
	char	   *close;
	int32		nmoves = 1;
	int32		i;
	size_t		digits;
	PipelinePath *path;
	uint8	   *stages;

	if (strncmp(p, "v1 [", 4) != 0)
	{
		if (p[0] == 'v' && (digits = strspn(p + 1, "0123456789")) >= 1 && digits <= 3 &&
			strncmp(p + 1 + digits, " [", 2) == 0)
			journey_unsupported_version(JOURNEY_FROM_TEXT, atoi(p + 1), "pipeline_path");
		pipeline_path_syntax(input, "A pipeline_path value starts with \"v1 [\".");
	}
	p += 4;
	close = strchr(p, ']');
	if (close == NULL)
		pipeline_path_syntax(input, "The moves end with \"]\".");
	*close = '\0';
	for (i = 0; p[i] != '\0'; i++)
		if (p[i] == ',')
			nmoves++;
	if (nmoves > PIPELINE_PATH_MAX_MOVES)
		pipeline_path_syntax(input, "There are too many moves.");
	path = pipeline_path_make(nmoves);
	stages = PIPELINE_PATH_STAGES(path);
	for (i = 0; i < nmoves; i++)
	{
		char	   *comma = strchr(p, ',');
		char	   *end;
		long		stage;

		if (comma != NULL)
			*comma = '\0';
		while (*p == ' ')
			p++;
		if (!(*p >= '0' && *p <= '9'))
			pipeline_path_syntax(input, "A move is a stage number, \"@\" and a time.");
		errno = 0;
		stage = strtol(p, &end, 10);
		if (errno != 0 || *end != '@' || stage < 1 || stage > PIPELINE_MAX_STAGES)
			pipeline_path_syntax(input, psprintf("A move is a stage number from 1 to %d, \"@\" and a time.", PIPELINE_MAX_STAGES));
		if (end[1] == '\0')
			pipeline_path_syntax(input, "A move time is empty.");
		stages[i] = (uint8) stage;
		path->at[i] = pipeline_parse_timestamptz(end + 1);
		if (comma != NULL)
			p = comma + 1;
	}
	p = close + 1;
	if (strncmp(p, " lost@", 6) == 0)
		path->flags |= PIPELINE_PATH_LOST;
	else if (strncmp(p, " last@", 6) != 0)
		pipeline_path_syntax(input, "The moves are followed by \" last@\" or \" lost@\" and a time.");
	if (p[6] == '\0')
		pipeline_path_syntax(input, "The last time is empty.");
	path->last_at = pipeline_parse_timestamptz(p + 6);
	pipeline_path_validate(path, JOURNEY_FROM_TEXT);
	PG_RETURN_POINTER(path);
}

/*
 * Binary form: version, flags, the move count (int4), the last row's time
 * (int8), then per move its time (int8) and stage (one byte).
 */
PG_FUNCTION_INFO_V1(pipeline_path_send);
Datum
pipeline_path_send(PG_FUNCTION_ARGS)
{
	PipelinePath *p = PG_GETARG_PIPELINE_PATH_P(0);
	const uint8 *stages = PIPELINE_PATH_STAGES(p);
	StringInfoData buf;
	int32		i;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, p->version);
	pq_sendbyte(&buf, p->flags);
	pq_sendint32(&buf, p->nmoves);
	pq_sendint64(&buf, p->last_at);
	for (i = 0; i < p->nmoves; i++)
	{
		pq_sendint64(&buf, p->at[i]);
		pq_sendbyte(&buf, stages[i]);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(pipeline_path_recv);
Datum
pipeline_path_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			version = journey_recv_uint8(buf, "pipeline_path");
	int			flags;
	int32		nmoves;
	int64		last_at;
	PipelinePath *p;
	uint8	   *stages;
	int32		i;

	if (version != PIPELINE_PATH_VERSION)
		journey_unsupported_version(JOURNEY_FROM_BINARY, version, "pipeline_path");
	flags = journey_recv_uint8(buf, "pipeline_path");
	nmoves = journey_recv_int32(buf, "pipeline_path");
	last_at = journey_recv_int64(buf, "pipeline_path");
	if (nmoves < 1 || (int64) nmoves * 9 != buf->len - buf->cursor)
		journey_invalid_value(JOURNEY_FROM_BINARY, "pipeline_path",
							  "The move count does not match the value's length.");
	p = pipeline_path_make(nmoves);
	stages = PIPELINE_PATH_STAGES(p);
	p->flags = (uint8) flags;
	p->last_at = last_at;
	for (i = 0; i < nmoves; i++)
	{
		p->at[i] = journey_recv_int64(buf, "pipeline_path");
		stages[i] = (uint8) journey_recv_uint8(buf, "pipeline_path");
	}
	journey_recv_done(buf, "pipeline_path");
	pipeline_path_validate(p, JOURNEY_FROM_BINARY);
	PG_RETURN_POINTER(p);
}

/* ---------------------------------------------------------------------
 * pipeline_path accessors
 */

static int64
pipeline_as_of_arg(FunctionCallInfo fcinfo, int argno)
{
	int64		as_of;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("pipeline as_of must not be null")));
	as_of = PG_GETARG_TIMESTAMPTZ(argno);
	if (TIMESTAMP_NOT_FINITE(as_of))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("pipeline as_of must be a finite timestamp")));
	return as_of;
}

/* The path, replayed as of the as_of argument or of its last row. */
static PipelinePath *
pipeline_path_replayed(FunctionCallInfo fcinfo, int as_of_argno, int64 *as_of, PipelineReplay *r)
{
	PipelinePath *p = PG_GETARG_PIPELINE_PATH_P(0);

	*as_of = as_of_argno < PG_NARGS() ? pipeline_as_of_arg(fcinfo, as_of_argno) : p->last_at;
	pipeline_replay(p, *as_of, r);
	return p;
}

/* current_stage(p [, as_of]): NULL before the deal's first row. */
PG_FUNCTION_INFO_V1(pipeline_path_current_stage);
Datum
pipeline_path_current_stage(PG_FUNCTION_ARGS)
{
	PipelineReplay r;
	int64		as_of;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	pipeline_path_replayed(fcinfo, 1, &as_of, &r);
	if (r.current == 0)
		PG_RETURN_NULL();
	PG_RETURN_INT32(r.current);
}

/* is_lost(p [, as_of]): NULL before the deal's first row. */
PG_FUNCTION_INFO_V1(pipeline_path_is_lost);
Datum
pipeline_path_is_lost(PG_FUNCTION_ARGS)
{
	PipelineReplay r;
	int64		as_of;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	pipeline_path_replayed(fcinfo, 1, &as_of, &r);
	if (r.current == 0)
		PG_RETURN_NULL();
	PG_RETURN_BOOL(r.lost);
}

static int32
pipeline_stage_arg(FunctionCallInfo fcinfo, int argno)
{
	int32		stage;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("pipeline stage must not be null")));
	stage = PG_GETARG_INT32(argno);
	pipeline_check_stage_arg(stage);
	return stage;
}

/* entered_at(p, stage): the first time the deal entered (or passed) it. */
PG_FUNCTION_INFO_V1(pipeline_path_entered_at);
Datum
pipeline_path_entered_at(PG_FUNCTION_ARGS)
{
	PipelineReplay r;
	int64		as_of;
	int32		stage;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	stage = pipeline_stage_arg(fcinfo, 1);
	pipeline_path_replayed(fcinfo, 2, &as_of, &r);
	if (stage > r.nstages)
		PG_RETURN_NULL();
	PG_RETURN_TIMESTAMPTZ(r.entered_at[stage]);
}

/*
 * time_in_stage(p, stage [, as_of]): the total time the deal spent in the
 * stage up to as_of (default: its last row), the open visit included;
 * NULL when it had not entered the stage by then.
 */
PG_FUNCTION_INFO_V1(pipeline_path_time_in_stage);
Datum
pipeline_path_time_in_stage(PG_FUNCTION_ARGS)
{
	PipelineReplay r;
	int64		as_of;
	int32		stage;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	stage = pipeline_stage_arg(fcinfo, 1);
	pipeline_path_replayed(fcinfo, 2, &as_of, &r);
	if (stage > r.nstages)
		PG_RETURN_NULL();
	PG_RETURN_INTERVAL_P(journey_usec_to_interval(pipeline_replay_time(&r, stage, as_of)));
}

/* ---------------------------------------------------------------------
 * pipeline: many deals as of a time
 */

#define PIPELINE_VERSION 1
#define PIPELINE_TIME 0			/* durations slot: time in stage, deals that left */
#define PIPELINE_AGE 1			/* durations slot: age in stage, deals in it now */

typedef struct PipelineCounts
{
	int64		entered;
	int64		in_now;
	int64		lost;
} PipelineCounts;

typedef struct Pipeline
{
	int32		vl_len_;		/* varlena header */
	uint8		version;		/* PIPELINE_VERSION */
	uint8		flags;			/* reserved, 0 */
	uint16		nstages;		/* highest stage entered, 0..PIPELINE_MAX_STAGES */
	int32		reserved;		/* 0 */
	int64		as_of;			/* the time the pipeline is read at */
	int64		deals;			/* deals counted (started by as_of) */
	PipelineCounts stage[FLEXIBLE_ARRAY_MEMBER];	/* then uint32 off[2 * nstages], durations */
} Pipeline;

#define PIPELINE_OFFSETS(f) ((uint32 *) ((char *) (f) + offsetof(Pipeline, stage) + sizeof(PipelineCounts) * (f)->nstages))
#define PIPELINE_DATA_START(n) \
	MAXALIGN(offsetof(Pipeline, stage) + sizeof(PipelineCounts) * (n) + sizeof(uint32) * 2 * (n))
#define PG_GETARG_PIPELINE_P(n) ((Pipeline *) PG_DETOAST_DATUM(PG_GETARG_DATUM(n)))

static inline Durations *
pipeline_durations(const Pipeline *f, int slot)
{
	uint32		off = PIPELINE_OFFSETS(f)[slot];

	return off == 0 ? NULL : (Durations *) ((char *) f + off);
}

/*
 * A pipeline of nstages stages from counts (nstages of them, or fewer:
 * ncounts, the rest zero) and durations (2 per stage, NULL: absent).
 */
static Pipeline *
pipeline_build(int nstages, int64 as_of, int64 deals, const PipelineCounts *counts, int ncounts,
			   Durations **durs)
{
	Size		size = PIPELINE_DATA_START(nstages);
	Pipeline   *f;
	uint32	   *off;
	int			slot;

	for (slot = 0; slot < 2 * ncounts; slot++)
		if (durs[slot] != NULL)
			size = add_size(MAXALIGN(size), VARSIZE(durs[slot]));
	size = MAXALIGN(size);
	if (size > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("pipeline value is too large")));
	f = palloc0(size);
	SET_VARSIZE(f, size);
	f->version = PIPELINE_VERSION;
	f->nstages = (uint16) nstages;
	f->as_of = as_of;
	f->deals = deals;
	if (ncounts > 0)
		memcpy(f->stage, counts, sizeof(PipelineCounts) * ncounts);
	off = PIPELINE_OFFSETS(f);
	size = PIPELINE_DATA_START(nstages);
	for (slot = 0; slot < 2 * ncounts; slot++)
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

/* A copy of f with nstages stages (>= f's) and slot's durations replaced (slot < 0: none). */
static Pipeline *
pipeline_rebuild(const Pipeline *f, int nstages, int slot, Durations *d)
{
	Durations  *durs[2 * PIPELINE_MAX_STAGES];
	int			i;

	for (i = 0; i < 2 * f->nstages; i++)
		durs[i] = pipeline_durations(f, i);
	if (slot >= 0)
		durs[slot] = d;
	return pipeline_build(nstages, f->as_of, f->deals, f->stage, f->nstages, durs);
}

static Pipeline *
pipeline_add_duration(Pipeline *f, int slot, int64 usec)
{
	Durations  *d = pipeline_durations(f, slot);
	Durations  *nd;

	if (d == NULL)
		return pipeline_rebuild(f, f->nstages, slot, durations_single(usec));
	nd = durations_add_usec(d, usec);
	if (nd != d)
		return pipeline_rebuild(f, f->nstages, slot, nd);
	return f;
}

static Pipeline *
pipeline_merge_duration(Pipeline *f, int slot, const Durations *other)
{
	Durations  *d = pipeline_durations(f, slot);
	Durations  *nd;

	if (other == NULL)
		return f;
	if (d == NULL)
		return pipeline_rebuild(f, f->nstages, slot, (Durations *) other);
	nd = durations_merge_into(d, other);
	if (nd != d)
		return pipeline_rebuild(f, f->nstages, slot, nd);
	return f;
}

static inline void
pipeline_add_count(int64 *counter, int64 n)
{
	if (pg_add_s64_overflow(*counter, n, counter))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("pipeline deal count out of range")));
}

static void
pipeline_as_of_conflict(int64 a, int64 b)
{
	/* timestamptz_to_str returns a static buffer */
	char	   *a_text = pstrdup(timestamptz_to_str(a));
	char	   *b_text = pstrdup(timestamptz_to_str(b));

	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("cannot combine pipelines built with different as_of times"),
			 errdetail("One was built as of %s, the other as of %s.",
					   a_text, b_text),
			 errhint("Build every part with the same as_of.")));
}

/*
 * Reject what a hostile value could carry: counts that do not add up,
 * durations summaries that do not match the deals they describe.  The
 * same checks for text and binary input.
 */
static void
pipeline_validate(const Pipeline *f, JourneyOrigin origin)
{
	int64		closed = 0;
	int			k;

	if (f->version != PIPELINE_VERSION)
		journey_unsupported_version(origin, f->version, "pipeline");
	if (f->flags != 0 || f->reserved != 0)
		journey_invalid_value(origin, "pipeline", "Unknown flags.");
	if (f->nstages > PIPELINE_MAX_STAGES)
		journey_invalid_value(origin, "pipeline", "The stage count is out of range.");
	if (!IS_VALID_TIMESTAMP(f->as_of))
		journey_invalid_value(origin, "pipeline", "The as_of time is not a finite timestamp.");
	if (f->deals < 0 || (f->nstages == 0) != (f->deals == 0))
		journey_invalid_value(origin, "pipeline", "The deal count does not match the stages.");
	for (k = 0; k < f->nstages; k++)
	{
		const PipelineCounts *c = &f->stage[k];
		Durations  *time = pipeline_durations(f, 2 * k + PIPELINE_TIME);
		Durations  *age = pipeline_durations(f, 2 * k + PIPELINE_AGE);

		if (c->entered <= 0 || (k == 0 && c->entered != f->deals) ||
			(k > 0 && c->entered > f->stage[k - 1].entered))
			journey_invalid_value(origin, "pipeline", "Every deal enters stage 1, and deals entering a stage entered the stages below it.");
		if (c->in_now < 0 || c->lost < 0 || c->in_now > c->entered || c->lost > c->entered - c->in_now)
			journey_invalid_value(origin, "pipeline", "Stage %d has more deals in it now or lost there than entered it.", k + 1);
		if (pg_add_s64_overflow(closed, c->in_now, &closed) ||
			pg_add_s64_overflow(closed, c->lost, &closed))
			journey_invalid_value(origin, "pipeline", "The deal counts overflow.");
		if ((time == NULL) != (c->entered == c->in_now) ||
			(time != NULL && time->count != c->entered - c->in_now) ||
			(age == NULL) != (c->in_now == 0) ||
			(age != NULL && age->count != c->in_now))
			journey_invalid_value(origin, "pipeline", "The times of stage %d do not match its deals.", k + 1);
	}
	if (closed != f->deals)
		journey_invalid_value(origin, "pipeline", "Every deal is either open in one stage or lost at one.");
}

/* The state argument, writable (in place inside an aggregate); NULL if NULL. */
static Pipeline *
pipeline_state_arg(FunctionCallInfo fcinfo)
{
	if (PG_ARGISNULL(0))
		return NULL;
	return (Pipeline *) journey_writable_arg(fcinfo, 0);
}

/*
 * pipeline(pipeline_path, as_of)'s transition: one deal, replayed as of
 * as_of.  A NULL path is skipped, a deal whose first row is after as_of is
 * left out (it did not exist yet); a NULL as_of is an error, as is an
 * as_of differing from the state's.
 */
PG_FUNCTION_INFO_V1(pipeline_add_path);
Datum
pipeline_add_path(PG_FUNCTION_ARGS)
{
	Pipeline   *f = pipeline_state_arg(fcinfo);
	int64		as_of = pipeline_as_of_arg(fcinfo, 2);
	PipelinePath *p;
	PipelineReplay r;
	int			k;

	durations_init_constants();
	if (f == NULL)
		f = pipeline_build(0, as_of, 0, NULL, 0, NULL);
	else if (f->as_of != as_of)
		pipeline_as_of_conflict(f->as_of, as_of);
	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(f);
	p = PG_GETARG_PIPELINE_PATH_P(1);
	pipeline_replay(p, as_of, &r);
	if (r.nstages == 0)
		PG_RETURN_POINTER(f);
	/* every figure is computed before anything is counted: f stays consistent */
	for (k = 1; k <= r.nstages; k++)
		r.time[k] = (!r.lost && r.current == k) ? pipeline_span(r.since, as_of, k) : pipeline_replay_time(&r, k, as_of);
	if (r.nstages > f->nstages)
		f = pipeline_rebuild(f, r.nstages, -1, NULL);
	pipeline_add_count(&f->deals, 1);
	for (k = 1; k <= r.nstages; k++)
	{
		PipelineCounts *c = &f->stage[k - 1];

		c->entered++;
		if (r.current == k)
		{
			if (r.lost)
				c->lost++;
			else
			{
				c->in_now++;
				f = pipeline_add_duration(f, 2 * (k - 1) + PIPELINE_AGE, r.time[k]);
				continue;
			}
		}
		f = pipeline_add_duration(f, 2 * (k - 1) + PIPELINE_TIME, r.time[k]);
	}
	PG_RETURN_POINTER(f);
}

/* Merge two pipelines: rollup's transition and the combine function. */
PG_FUNCTION_INFO_V1(pipeline_merge);
Datum
pipeline_merge(PG_FUNCTION_ARGS)
{
	Pipeline   *f = pipeline_state_arg(fcinfo);
	Pipeline   *other;
	int			k;

	if (PG_ARGISNULL(1))
	{
		if (f == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(f);
	}
	other = PG_GETARG_PIPELINE_P(1);
	if (f == NULL)
	{
		if ((Pointer) other == DatumGetPointer(PG_GETARG_DATUM(1)))
			other = (Pipeline *) PG_DETOAST_DATUM_COPY(PG_GETARG_DATUM(1));
		PG_RETURN_POINTER(other);
	}
	durations_init_constants();
	if (f->as_of != other->as_of)
		pipeline_as_of_conflict(f->as_of, other->as_of);
	if (other->nstages > f->nstages)
		f = pipeline_rebuild(f, other->nstages, -1, NULL);
	pipeline_add_count(&f->deals, other->deals);
	for (k = 0; k < other->nstages; k++)
	{
		pipeline_add_count(&f->stage[k].entered, other->stage[k].entered);
		pipeline_add_count(&f->stage[k].in_now, other->stage[k].in_now);
		pipeline_add_count(&f->stage[k].lost, other->stage[k].lost);
	}
	for (k = 0; k < 2 * other->nstages; k++)
		f = pipeline_merge_duration(f, k, pipeline_durations(other, k));
	PG_RETURN_POINTER(f);
}

/*
 * Text form:
 *   v1 as_of=2026-12-01 00:00:00+00 deals=10 stages=3 entered=10,6,2 in_stage_now=3,2,1 lost=2,1,1
 * then per stage k and slot with a summary " {k time: <durations>}" (time
 * in stage of the deals that left it) and " {k age: <durations>}" (age of
 * those in it now).
 */
PG_FUNCTION_INFO_V1(pipeline_out);
Datum
pipeline_out(PG_FUNCTION_ARGS)
{
	Pipeline   *f = PG_GETARG_PIPELINE_P(0);
	StringInfoData buf;
	int			k;
	int			field;
	static const char *const names[3] = {"entered", "in_stage_now", "lost"};

	initStringInfo(&buf);
	appendStringInfo(&buf, "v%d as_of=%s deals=%lld stages=%d", f->version,
					 DatumGetCString(DirectFunctionCall1(timestamptz_out, TimestampTzGetDatum(f->as_of))),
					 (long long) f->deals, f->nstages);
	for (field = 0; field < 3; field++)
	{
		appendStringInfo(&buf, " %s=", names[field]);
		for (k = 0; k < f->nstages; k++)
		{
			const int64 *c = (const int64 *) &f->stage[k];

			appendStringInfo(&buf, "%s%lld", k > 0 ? "," : "", (long long) c[field]);
		}
	}
	for (k = 0; k < 2 * f->nstages; k++)
	{
		Durations  *d = pipeline_durations(f, k);

		if (d == NULL)
			continue;
		appendStringInfo(&buf, " {%d %s: %s}", k / 2 + 1, k % 2 == PIPELINE_TIME ? "time" : "age",
						 DatumGetCString(DirectFunctionCall1(durations_out, PointerGetDatum(d))));
	}
	PG_RETURN_CSTRING(buf.data);
}

static void
pipeline_syntax(const char *input, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type pipeline: \"%s\"", input),
			 errdetail("%s", detail),
			 errhint("Pipeline values are made by pipeline(pipeline_path, as_of); their text form starts like \"v1 as_of=2026-12-01 00:00:00+00 deals=1 stages=1 entered=1 in_stage_now=1 lost=0\".")));
}

static int64
pipeline_parse_int64(const char *input, const char **pos, const char *detail)
{
	int64		v;

	if (!journey_parse_count(pos, &v))
		pipeline_syntax(input, detail);
	return v;
}

PG_FUNCTION_INFO_V1(pipeline_in);
Datum
pipeline_in(PG_FUNCTION_ARGS)
{
	const char *input = PG_GETARG_CSTRING(0);
	const char *p = input;
	const char *deals_at;
	int64		as_of;
	int64		deals;
	int64		nstages;
	PipelineCounts counts[PIPELINE_MAX_STAGES];
	Durations  *durs[2 * PIPELINE_MAX_STAGES] = {0};
	static const char *const names[3] = {" entered=", " in_stage_now=", " lost="};
	int			last_slot = -1;
	int			field;
	int			k;
	size_t		digits;
	Pipeline   *f;

	durations_init_constants();
	if (strncmp(p, "v1 as_of=", 9) != 0)
	{
		if (p[0] == 'v' && (digits = strspn(p + 1, "0123456789")) >= 1 && digits <= 3 &&
			strncmp(p + 1 + digits, " as_of=", 7) == 0)
			journey_unsupported_version(JOURNEY_FROM_TEXT, atoi(p + 1), "pipeline");
		pipeline_syntax(input, "A pipeline value starts with \"v1 as_of=\".");
	}
	p += 9;
	deals_at = strstr(p, " deals=");
	if (deals_at == NULL || deals_at == p)
		pipeline_syntax(input, "The as_of time is followed by \" deals=\".");
	as_of = pipeline_parse_timestamptz(pnstrdup(p, deals_at - p));
	p = deals_at + 7;
	deals = pipeline_parse_int64(input, &p, "The deal count is an integer.");
	if (strncmp(p, " stages=", 8) != 0)
		pipeline_syntax(input, "Expected \" stages=\".");
	p += 8;
	nstages = pipeline_parse_int64(input, &p, "The stage count is an integer.");
	if (nstages > PIPELINE_MAX_STAGES)
		pipeline_syntax(input, psprintf("A pipeline has 0 to %d stages.", PIPELINE_MAX_STAGES));
	for (field = 0; field < 3; field++)
	{
		size_t		len = strlen(names[field]);

		if (strncmp(p, names[field], len) != 0)
			pipeline_syntax(input, "The counts are entered=, in_stage_now= and lost=, in that order.");
		p += len;
		for (k = 0; k < nstages; k++)
		{
			if (k > 0)
			{
				if (*p != ',')
					pipeline_syntax(input, "There is one count per stage.");
				p++;
			}
			((int64 *) &counts[k])[field] = pipeline_parse_int64(input, &p, "There is one count per stage.");
		}
	}
	while (*p != '\0')
	{
		int64		stage;
		int			slot;
		const char *close;

		if (strncmp(p, " {", 2) != 0)
			pipeline_syntax(input, "Times in a stage are given as \" {stage time: durations}\" or \" {stage age: durations}\".");
		p += 2;
		stage = pipeline_parse_int64(input, &p, "Times in a stage start with the stage number.");
		if (strncmp(p, " time: ", 7) == 0)
			slot = PIPELINE_TIME;
		else if (strncmp(p, " age: ", 6) == 0)
			slot = PIPELINE_AGE;
		else
			pipeline_syntax(input, "The stage number is followed by \" time: \" or \" age: \".");
		p += slot == PIPELINE_TIME ? 7 : 6;
		if (stage < 1 || stage > nstages)
			pipeline_syntax(input, "Times are given for the stages of the pipeline only.");
		slot += 2 * (int) (stage - 1);
		if (slot <= last_slot)
			pipeline_syntax(input, "Times are given by stage, time before age, each once.");
		last_slot = slot;
		close = strchr(p, '}');
		if (close == NULL)
			pipeline_syntax(input, "Times in a stage end with \"}\".");
		durs[slot] = (Durations *) DatumGetPointer(DirectFunctionCall1(durations_in,
																	   CStringGetDatum(pnstrdup(p, close - p))));
		p = close + 1;
	}
	f = pipeline_build((int) nstages, as_of, deals, counts, (int) nstages, durs);
	pipeline_validate(f, JOURNEY_FROM_TEXT);
	PG_RETURN_POINTER(f);
}

/*
 * Binary form: version, flags, stages (int2), as_of (int8), deals (int8),
 * per stage entered, in_stage_now and lost (int8 each), then per slot
 * (time, age per stage) an int4 length (0: absent) and the durations
 * binary form.
 */
PG_FUNCTION_INFO_V1(pipeline_send);
Datum
pipeline_send(PG_FUNCTION_ARGS)
{
	Pipeline   *f = PG_GETARG_PIPELINE_P(0);
	StringInfoData buf;
	int			k;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, f->version);
	pq_sendbyte(&buf, f->flags);
	pq_sendint16(&buf, f->nstages);
	pq_sendint64(&buf, f->as_of);
	pq_sendint64(&buf, f->deals);
	for (k = 0; k < f->nstages; k++)
	{
		pq_sendint64(&buf, f->stage[k].entered);
		pq_sendint64(&buf, f->stage[k].in_now);
		pq_sendint64(&buf, f->stage[k].lost);
	}
	for (k = 0; k < 2 * f->nstages; k++)
	{
		Durations  *d = pipeline_durations(f, k);
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

PG_FUNCTION_INFO_V1(pipeline_recv);
Datum
pipeline_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			version;
	int			flags;
	int			nstages;
	int64		as_of;
	int64		deals;
	PipelineCounts counts[PIPELINE_MAX_STAGES];
	Durations  *durs[2 * PIPELINE_MAX_STAGES] = {0};
	Pipeline   *f;
	int			k;

	durations_init_constants();
	version = journey_recv_uint8(buf, "pipeline");
	if (version != PIPELINE_VERSION)
		journey_unsupported_version(JOURNEY_FROM_BINARY, version, "pipeline");
	flags = journey_recv_uint8(buf, "pipeline");
	nstages = journey_recv_uint8(buf, "pipeline") << 8;
	nstages |= journey_recv_uint8(buf, "pipeline");
	if (flags != 0)
		journey_invalid_value(JOURNEY_FROM_BINARY, "pipeline", "Unknown flags.");
	if (nstages > PIPELINE_MAX_STAGES)
		journey_invalid_value(JOURNEY_FROM_BINARY, "pipeline", "The stage count %d is out of range.", nstages);
	as_of = journey_recv_int64(buf, "pipeline");
	deals = journey_recv_int64(buf, "pipeline");
	for (k = 0; k < nstages; k++)
	{
		counts[k].entered = journey_recv_int64(buf, "pipeline");
		counts[k].in_now = journey_recv_int64(buf, "pipeline");
		counts[k].lost = journey_recv_int64(buf, "pipeline");
	}
	for (k = 0; k < 2 * nstages; k++)
	{
		int32		len = journey_recv_int32(buf, "pipeline");
		StringInfoData sub;

		if (len == 0)
			continue;
		if (len < 0 || len > buf->len - buf->cursor)
			journey_invalid_value(JOURNEY_FROM_BINARY, "pipeline", "The value is truncated.");
		sub.data = buf->data + buf->cursor;
		sub.len = len;
		sub.maxlen = len;
		sub.cursor = 0;
		durs[k] = (Durations *) DatumGetPointer(DirectFunctionCall1(durations_recv, PointerGetDatum(&sub)));
		buf->cursor += len;
	}
	journey_recv_done(buf, "pipeline");
	f = pipeline_build(nstages, as_of, deals, counts, nstages, durs);
	pipeline_validate(f, JOURNEY_FROM_BINARY);
	PG_RETURN_POINTER(f);
}

/* ---------------------------------------------------------------------
 * pipeline readers
 */

static inline void
pipeline_put_quantile(const Durations *d, double q, Datum *values, bool *nulls, int col)
{
	int64		usec;

	if (d == NULL)
	{
		nulls[col] = nulls[col + 1] = true;
		return;
	}
	usec = durations_quantile_usec(d, q);
	values[col] = IntervalPGetDatum(journey_usec_to_interval(usec));
	values[col + 1] = Float8GetDatum((double) usec / 1e6);
}

/*
 * pipeline_stages(pipeline): one row per stage 1..highest entered.
 * moved_on = deals that went on to a later stage (= entered the next
 * one); conversion_to_next = moved_on / entered (NULL for the last
 * stage); times from the durations summaries (NULL when no deal is in
 * the group they describe).
 */
PG_FUNCTION_INFO_V1(pipeline_stages);
Datum
pipeline_stages(PG_FUNCTION_ARGS)
{
	Pipeline   *f = PG_GETARG_PIPELINE_P(0);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			k;

	durations_init_constants();
	journey_init_srf(fcinfo);
	for (k = 0; k < f->nstages; k++)
	{
		Datum		values[12];
		bool		nulls[12] = {0};
		const PipelineCounts *c = &f->stage[k];
		int64		moved_on = k + 1 < f->nstages ? f->stage[k + 1].entered : 0;

		values[0] = Int32GetDatum(k + 1);
		values[1] = Int64GetDatum(c->entered);
		values[2] = Int64GetDatum(c->in_now);
		values[3] = Int64GetDatum(moved_on);
		values[4] = Int64GetDatum(c->lost);
		if (k + 1 < f->nstages)
			values[5] = Float8GetDatum((double) moved_on / (double) c->entered);
		else
			nulls[5] = true;
		pipeline_put_quantile(pipeline_durations(f, 2 * k + PIPELINE_TIME), 0.5, values, nulls, 6);
		pipeline_put_quantile(pipeline_durations(f, 2 * k + PIPELINE_TIME), 0.9, values, nulls, 8);
		pipeline_put_quantile(pipeline_durations(f, 2 * k + PIPELINE_AGE), 0.5, values, nulls, 10);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* The durations of a stage: time in it (deals that left) or age (in it now). */
PG_FUNCTION_INFO_V1(pipeline_stage_durations);
Datum
pipeline_stage_durations(PG_FUNCTION_ARGS)
{
	Pipeline   *f = PG_GETARG_PIPELINE_P(0);
	int32		stage = PG_GETARG_INT32(1);
	bool		age = PG_GETARG_BOOL(2);
	Durations  *d;

	pipeline_check_stage_arg(stage);
	if (stage > f->nstages)
		PG_RETURN_NULL();
	d = pipeline_durations(f, 2 * (stage - 1) + (age ? PIPELINE_AGE : PIPELINE_TIME));
	if (d == NULL)
		PG_RETURN_NULL();
	PG_RETURN_POINTER(durations_copy(d));
}

PG_FUNCTION_INFO_V1(pipeline_num_deals);
Datum
pipeline_num_deals(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(PG_GETARG_PIPELINE_P(0)->deals);
}

PG_FUNCTION_INFO_V1(pipeline_as_of);
Datum
pipeline_as_of(PG_FUNCTION_ARGS)
{
	PG_RETURN_TIMESTAMPTZ(PG_GETARG_PIPELINE_P(0)->as_of);
}
