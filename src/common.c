/*
 * common.c — helpers shared by all journey capabilities (see journey.h).
 */
#include "journey.h"

#include "common/hashfn.h"
#include "common/int.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/memutils.h"
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

/* ---------- names numbered once per query ---------- */

#define JOURNEY_NAMES_BLOCK	8192

JourneyNames *
journey_names_create(MemoryContext cxt)
{
	JourneyNames *d = (JourneyNames *) MemoryContextAllocZero(cxt, sizeof(JourneyNames));

	d->cxt = cxt;
	d->cap = 32;
	d->names = (JourneyName *) MemoryContextAlloc(cxt, sizeof(JourneyName) * d->cap);
	d->hash_mask = 127;
	d->hash = (int32 *) MemoryContextAllocZero(cxt, sizeof(int32) * (d->hash_mask + 1));
	return d;
}

/* A name's hash: its first 8 bytes and length mixed, hash_bytes if longer */
static inline uint32
names_code(uint64 prefix, const char *data, int len)
{
	uint64		h = prefix ^ ((uint64) len << 56);

	if (len > 8)
		return hash_bytes((const unsigned char *) data, len);
	/* the 64-bit finalizer of MurmurHash3 */
	h ^= h >> 33;
	h *= UINT64CONST(0xff51afd7ed558ccd);
	h ^= h >> 33;
	h *= UINT64CONST(0xc4ceb9fe1a85ec53);
	h ^= h >> 33;
	return (uint32) h;
}

/* Room for one more name: the array, and the hash table under half full. */
static void
names_grow(JourneyNames *d)
{
	uint32		size;
	int32		i;

	if (d->n >= d->cap)
	{
		if (d->cap >= PG_INT32_MAX / 2)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many distinct names in one query"),
					 errdetail("A query takes at most %d distinct labels or names per call.", PG_INT32_MAX / 2)));
		d->cap *= 2;
		d->names = (JourneyName *) repalloc_huge(d->names, sizeof(JourneyName) * d->cap);
	}
	if ((uint32) (d->n + 1) * 2 < d->hash_mask)
		return;
	size = (d->hash_mask + 1) * 2;
	pfree(d->hash);
	d->hash = (int32 *) MemoryContextAllocHuge(d->cxt, sizeof(int32) * size);
	memset(d->hash, 0, sizeof(int32) * size);
	d->hash_mask = size - 1;
	for (i = 0; i < d->n; i++)
	{
		uint32		slot = d->names[i].code & d->hash_mask;

		while (d->hash[slot] != 0)
			slot = (slot + 1) & d->hash_mask;
		d->hash[slot] = i + 1;
	}
}

int32
journey_names_id(JourneyNames *d, const char *data, int len, int32 limit)
{
	uint64		prefix = journey_name_prefix(data, len);
	uint32		code = names_code(prefix, data, len);
	uint32		slot = code & d->hash_mask;
	int32		id;
	JourneyName *l;
	char	   *copy;

	while ((id = d->hash[slot]) != 0)
	{
		l = &d->names[id - 1];
		if (l->code == code && l->prefix == prefix && l->len == len &&
			(len <= 8 || memcmp(l->data + 8, data + 8, len - 8) == 0))
			return id - 1;
		slot = (slot + 1) & d->hash_mask;
	}
	if (d->n >= limit)
		return -1;
	/* a new name: the slot found is free, unless the table must grow */
	if ((Size) len + 1 > d->block_left)
	{
		Size		size = Max((Size) len + 1, JOURNEY_NAMES_BLOCK);

		d->block = (char *) MemoryContextAllocHuge(d->cxt, size);
		d->block_left = size;
	}
	copy = d->block;
	memcpy(copy, data, len);
	copy[len] = '\0';
	d->block += len + 1;
	d->block_left -= len + 1;
	id = d->n;
	if (id >= d->cap || (uint32) (id + 1) * 2 >= d->hash_mask)
	{
		names_grow(d);
		slot = code & d->hash_mask;
		while (d->hash[slot] != 0)
			slot = (slot + 1) & d->hash_mask;
	}
	l = &d->names[id];
	l->data = copy;
	l->len = len;
	l->code = code;
	l->prefix = prefix;
	d->hash[slot] = id + 1;
	d->n = id + 1;
	return id;
}
