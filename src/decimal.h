/*
 * decimal.h — exact decimal sums (JDecimal), used by unit_economics.c for
 * its money sums and by clv_inputs.c for a customer's amounts.
 *
 * A JDecimal is an exact decimal number m / 10^scale with a 128-bit
 * mantissa (38 significant digits, |m| <= 2^127) and 0 <= scale <=
 * JDEC_MAX_SCALE.  It holds sums of numeric money amounts exactly; an
 * amount or a sum that does not fit is an ERROR (22003), never a rounded
 * value.  Stored as two 64-bit halves so that structs holding it need only
 * 8-byte alignment.  Every value (any mantissa, any scale in range) prints
 * with jdec_append and reads back with jdec_parse to the same bits.
 */
#ifndef JOURNEY_DECIMAL_H
#define JOURNEY_DECIMAL_H

#include "journey.h"

#define JDEC_MAX_SCALE 20

/* numeric helpers exported from PostgreSQL 14 on */
#if PG_VERSION_NUM < 140000
#include "utils/builtins.h"
#define int64_to_numeric(v) DatumGetNumeric(DirectFunctionCall1(int8_numeric, Int64GetDatum(v)))
#define numeric_is_inf(n) false
#endif

typedef struct JDecimal
{
	int64		hi;
	uint64		lo;
	int32		scale;
	int32		unused;			/* zero */
} JDecimal;

extern void jdec_zero(JDecimal *d);
/* a numeric Datum (finite) into a JDecimal; NaN/infinity are an ERROR naming what */
extern void jdec_from_numeric(JDecimal *d, Datum num, const char *what);
/* parse "-123.45"; returns false on malformed input or overflow */
extern bool jdec_parse(JDecimal *d, const char *s, const char **end);
/* *acc += *v, *acc -= *v (exact; ERROR on overflow) */
extern void jdec_add(JDecimal *acc, const JDecimal *v);
extern void jdec_sub(JDecimal *acc, const JDecimal *v);
/* append the exact decimal text to buf */
extern void jdec_append(StringInfo buf, const JDecimal *d);
/* as a numeric Datum (palloc'd) */
extern Datum jdec_to_numeric(const JDecimal *d);
/* is the value valid (scale in range, unused zero)? */
extern bool jdec_valid(const JDecimal *d);
extern bool jdec_is_zero(const JDecimal *d);
/*
 * Binary I/O of one value (20 bytes); jdec_recv rejects a scale out of
 * range with the SQLSTATE of origin, naming type_name.
 */
#define JDEC_BINARY_SIZE 20
extern void jdec_send(StringInfo buf, const JDecimal *d);
extern void jdec_recv(StringInfo buf, JDecimal *d, const char *type_name, JourneyOrigin origin);

/*
 * The base-10000 digits of a numeric as PostgreSQL stores it (the stable
 * on-disk layout of numeric.c, short or long header, any varlena header
 * but compressed or external), read without allocating: the fast paths
 * of journey_agg's and value_periods' amounts.
 */
typedef struct NumericDigits
{
	bool		neg;
	int			weight;			/* of the first digit, in base-10000 digits */
	int			dscale;			/* display scale */
	const char *digits;			/* ndigits uint16, unaligned */
	int			ndigits;
} NumericDigits;

#define NUMERIC_DIGITS_OK		0
#define NUMERIC_DIGITS_SPECIAL	1	/* NaN or an infinity */
#define NUMERIC_DIGITS_UNREAD	2	/* too short to be read here */
extern int	numeric_digits(const struct varlena *num, NumericDigits *out);

#endif							/* JOURNEY_DECIMAL_H */
