/*
 * common.c — helpers shared by all journey capabilities (see journey.h).
 */
#include "journey.h"

#include "common/int.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/tuplestore.h"
#include "utils/timestamp.h"

PG_MODULE_MAGIC;

MemoryContext
journey_agg_context(FunctionCallInfo fcinfo, const char *fname)
{
	MemoryContext aggcontext;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s called in non-aggregate context", fname)));
	return aggcontext;
}

int64
journey_interval_to_usec(const Interval *span, const char *what)
{
	int64		usec;
	int64		days_usec;
	int64		days;

#if PG_VERSION_NUM >= 170000
	if (INTERVAL_NOT_FINITE(span))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a finite interval", what)));
#endif
	days = (int64) span->month * DAYS_PER_MONTH + span->day;
	if (pg_mul_s64_overflow(days, USECS_PER_DAY, &days_usec) ||
		pg_add_s64_overflow(days_usec, span->time, &usec))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("interval out of range"),
				 errdetail("%s does not fit in 64-bit microseconds.", what)));
	return usec;
}

Interval *
journey_usec_to_interval(int64 usec)
{
	Interval   *result = (Interval *) palloc(sizeof(Interval));

	result->month = 0;
	result->day = (int32) (usec / USECS_PER_DAY);
	result->time = usec % USECS_PER_DAY;
	return result;
}

static void
journey_recv_check(StringInfo buf, int nbytes, const char *type_name)
{
	if (buf->cursor < 0 || nbytes > buf->len - buf->cursor)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary value for type %s", type_name),
				 errdetail("The value is truncated.")));
}

int64
journey_recv_int64(StringInfo buf, const char *type_name)
{
	journey_recv_check(buf, 8, type_name);
	return pq_getmsgint64(buf);
}

int32
journey_recv_int32(StringInfo buf, const char *type_name)
{
	journey_recv_check(buf, 4, type_name);
	return (int32) pq_getmsgint(buf, 4);
}

int
journey_recv_uint8(StringInfo buf, const char *type_name)
{
	journey_recv_check(buf, 1, type_name);
	return pq_getmsgbyte(buf);
}

double
journey_recv_float8(StringInfo buf, const char *type_name)
{
	journey_recv_check(buf, 8, type_name);
	return pq_getmsgfloat8(buf);
}

void
journey_recv_done(StringInfo buf, const char *type_name)
{
	if (buf->cursor != buf->len)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary value for type %s", type_name),
				 errdetail("The value has %d bytes left over.", buf->len - buf->cursor)));
}

int
journey_origin_errcode(JourneyOrigin origin)
{
	switch (origin)
	{
		case JOURNEY_FROM_TEXT:
			return ERRCODE_INVALID_TEXT_REPRESENTATION;
		case JOURNEY_FROM_BINARY:
			return ERRCODE_INVALID_BINARY_REPRESENTATION;
		case JOURNEY_FROM_STATE:
			break;
	}
	return ERRCODE_DATA_CORRUPTED;
}

int
journey_origin_errmsg(JourneyOrigin origin, const char *type_name)
{
	switch (origin)
	{
		case JOURNEY_FROM_TEXT:
			return errmsg("invalid input syntax for type %s", type_name);
		case JOURNEY_FROM_BINARY:
			return errmsg("invalid binary value for type %s", type_name);
		case JOURNEY_FROM_STATE:
			break;
	}
	return errmsg("corrupted value of type %s", type_name);
}

void
journey_bytea_reader(StringInfo buf, const bytea *bytes)
{
	buf->data = (char *) VARDATA_ANY(bytes);
	buf->len = VARSIZE_ANY_EXHDR(bytes);
	buf->maxlen = buf->len;
	buf->cursor = 0;
}

struct varlena *
journey_writable_arg(FunctionCallInfo fcinfo, int argno)
{
	struct varlena *raw = (struct varlena *) DatumGetPointer(PG_GETARG_DATUM(argno));

	if (AggCheckCallContext(fcinfo, NULL))
		return pg_detoast_datum(raw);
	return pg_detoast_datum_copy(raw);
}

#if PG_VERSION_NUM < 150000
void
journey_init_srf(FunctionCallInfo fcinfo)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TupleDesc	tupdesc;
	MemoryContext oldcontext;

	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) ||
		(rsinfo->allowedModes & SFRM_Materialize) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("set-valued function called in context that cannot accept a set")));
	oldcontext = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = tuplestore_begin_heap(true, false, work_mem);
	rsinfo->setDesc = CreateTupleDescCopy(tupdesc);
	MemoryContextSwitchTo(oldcontext);
}
#endif

bool
journey_parse_count(const char **pos, int64 *out)
{
	char	   *end;
	int64		v;

	if (**pos < '0' || **pos > '9')
		return false;
	errno = 0;
	v = strtoi64(*pos, &end, 10);
	if (errno != 0)
		return false;
	*pos = end;
	*out = v;
	return true;
}
