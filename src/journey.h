/*
 * journey.h — what the capabilities of the journey extension truly share:
 * aggregate-context checks, interval <-> microsecond conversion, and the
 * checked reads that binary input and deserialize functions use.
 */
#ifndef JOURNEY_H
#define JOURNEY_H

#include "postgres.h"

#include "compat.h"

#include "datatype/timestamp.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/timestamp.h"

/*
 * The memory context of the aggregate (or window aggregate) calling
 * fcinfo; raises an error naming fname when called as a plain function.
 */
extern MemoryContext journey_agg_context(FunctionCallInfo fcinfo, const char *fname);

/*
 * An interval as a number of microseconds, counting a month as 30 days and
 * a day as 24 hours (as extract(epoch from interval) does).  Raises
 * "interval out of range" on overflow and rejects infinite intervals;
 * `what` names the argument in the message.
 */
extern int64 journey_interval_to_usec(const Interval *span, const char *what);

/*
 * A non-negative number of microseconds as an interval of days and time
 * (never months), e.g. '2 days 03:00:00'.  Palloc'd in the current context.
 */
extern Interval *journey_usec_to_interval(int64 usec);

/*
 * Checked reads for recv/deserialize functions: each raises
 * ERRCODE_INVALID_BINARY_REPRESENTATION naming `type_name` instead of
 * reading past the end of the buffer.
 */
extern int64 journey_recv_int64(StringInfo buf, const char *type_name);
extern int32 journey_recv_int32(StringInfo buf, const char *type_name);
extern int journey_recv_uint8(StringInfo buf, const char *type_name);
extern double journey_recv_float8(StringInfo buf, const char *type_name);
extern void journey_recv_done(StringInfo buf, const char *type_name);

/*
 * Where a value being checked came from.  A malformed value gets the
 * SQLSTATE of its origin: 22P02 from text input, 22P03 from binary input
 * (recv), XX001 (data corrupted) from an internal aggregate state handed to
 * a deserialize function.
 */
typedef enum JourneyOrigin
{
	JOURNEY_FROM_TEXT,
	JOURNEY_FROM_BINARY,
	JOURNEY_FROM_STATE
} JourneyOrigin;

/*
 * Helpers for journey_invalid_value: the SQLSTATE of an origin, and the
 * errmsg "invalid input syntax for type T" / "invalid binary value for
 * type T" / "corrupted value of type T" (an aggregate state or stored bytes).
 */
extern int	journey_origin_errcode(JourneyOrigin origin);
extern int	journey_origin_errmsg(JourneyOrigin origin, const char *type_name);

/*
 * Reject a value of type type_name that failed a check: one call for text
 * input, recv and deserialize alike, so each gets the right SQLSTATE.  The
 * arguments after type_name are errdetail's (a full sentence), e.g.
 *   journey_invalid_value(origin, "funnel", "Step %d has %lld customers.", k, n);
 */
#define journey_invalid_value(origin, type_name, ...) \
	ereport(ERROR, \
			(errcode(journey_origin_errcode(origin)), \
			 journey_origin_errmsg((origin), (type_name)), \
			 errdetail(__VA_ARGS__)))

/*
 * Reject a value whose format version word this build does not know, in
 * the one wording every type uses.
 */
#define journey_unsupported_version(origin, version, type_name) \
	ereport(ERROR, \
			(errcode(journey_origin_errcode(origin)), \
			 errmsg("unsupported format version %lld for type %s", \
					(long long) (version), (type_name))))

/*
 * A StringInfo that reads the bytes of a bytea in place (no copy), for
 * deserialize functions; read it with the journey_recv_* functions.
 */
extern void journey_bytea_reader(StringInfo buf, const bytea *bytes);

/*
 * The varlena argument argno, detoasted and safe to modify: the argument
 * itself when called as an aggregate (argument 0 is then the transition
 * state, owned by the aggregate context), a private copy otherwise.  Use it
 * for the state argument of transition, combine and merge functions that
 * update their state in place.
 */
extern struct varlena *journey_writable_arg(FunctionCallInfo fcinfo, int argno);

/*
 * A count in a text form: decimal digits (no sign, no space) at *pos, read
 * with strtoi64's rules; advances past them.  False when there are none or
 * the number is out of range (the caller raises its type's syntax error).
 */
extern bool journey_parse_count(const char **pos, int64 *out);

/*
 * Set up a set-returning function that materializes its rows into
 * rsinfo->setResult (InitMaterializedSRF from PostgreSQL 15 on).
 */
#if PG_VERSION_NUM >= 150000
#include "funcapi.h"
#define journey_init_srf(fcinfo) InitMaterializedSRF((fcinfo), 0)
#else
extern void journey_init_srf(FunctionCallInfo fcinfo);
#endif

/*
 * Byte order of two names (labels, touches, variants, features): memcmp,
 * a prefix first, as COLLATE "C" orders text; -1, 0 or 1.  The order of
 * a journey's dictionary and of its events at equal times, and of every
 * value that keeps names sorted.
 */
static inline int
journey_label_cmp(const char *a, int alen, const char *b, int blen)
{
	int			c = memcmp(a, b, Min(alen, blen));

	if (c != 0)
		return c < 0 ? -1 : 1;
	return alen < blen ? -1 : (alen > blen ? 1 : 0);
}

/* the first 8 bytes of a name as one integer, zero-padded */
static inline uint64
journey_name_prefix(const char *data, int len)
{
	uint64		prefix = 0;

	memcpy(&prefix, data, Min(len, 8));
	return prefix;
}

/*
 * Names numbered once per query: a dictionary kept in a support
 * function's fn_extra (journey_agg's labels, touch_outcomes' touches), so
 * that a name costs no memory per group and is looked up in a small, hot
 * hash table.  Ids are dense, in order of first appearance; a name's
 * bytes (NUL-terminated copies) stay for the dictionary's life.
 */
typedef struct JourneyName
{
	const char *data;
	int32		len;
	uint32		code;			/* hash */
	uint64		prefix;			/* journey_name_prefix */
} JourneyName;

typedef struct JourneyNames
{
	MemoryContext cxt;
	JourneyName *names;
	int32		n;
	int32		cap;
	int32	   *hash;			/* open addressing, id + 1, 0 empty; under half full */
	uint32		hash_mask;
	char	   *block;			/* the names' bytes are carved from blocks */
	Size		block_left;
} JourneyNames;

extern JourneyNames *journey_names_create(MemoryContext cxt);

/*
 * The id of a name, added if new; -1 when it is new and the dictionary
 * already holds limit names (the caller raises its own error).
 */
extern int32 journey_names_id(JourneyNames *d, const char *data, int len, int32 limit);

#endif							/* JOURNEY_H */
