/*
 * decimal.c — exact decimal sums (see decimal.h).
 */
#include "decimal.h"

#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/numeric.h"

#ifndef HAVE_INT128
#error "journey needs a compiler with a 128-bit integer type"
#endif

static inline int128
jdec_get(const JDecimal *d)
{
	return (int128) ((uint128) d->hi << 64 | (uint128) d->lo);
}

static inline void
jdec_set(JDecimal *d, int128 m)
{
	d->hi = (int64) (m >> 64);
	d->lo = (uint64) m;
}

static void
jdec_overflow(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("exact sum out of range"),
			 errdetail("Sums are kept exactly with at most 38 significant digits and %d decimals.",
					   JDEC_MAX_SCALE),
			 errhint("Round the amounts, e.g. with round(amount, 2).")));
}

/* m * 10^k, false on overflow */
static bool
jdec_scale_up(int128 m, int k, int128 *result)
{
	while (k-- > 0)
	{
		if (__builtin_mul_overflow(m, (int128) 10, &m))
			return false;
	}
	*result = m;
	return true;
}

void
jdec_zero(JDecimal *d)
{
	memset(d, 0, sizeof(JDecimal));
}

bool
jdec_valid(const JDecimal *d)
{
	return d->scale >= 0 && d->scale <= JDEC_MAX_SCALE && d->unused == 0;
}

bool
jdec_is_zero(const JDecimal *d)
{
	return d->hi == 0 && d->lo == 0;
}

/*
 * Parse an optionally signed decimal "123", "-0.50" (no exponent, no
 * spaces); *end is set to the first character after it.
 */
bool
jdec_parse(JDecimal *d, const char *s, const char **end)
{
	int128		m = 0;
	int			scale = 0;
	bool		neg = false;
	bool		digits = false;
	bool		point = false;

	if (*s == '-' || *s == '+')
		neg = (*s++ == '-');
	for (;; s++)
	{
		if (*s >= '0' && *s <= '9')
		{
			/* accumulate with the sign, so that -2^127 parses too */
			int128		digit = neg ? -(int128) (*s - '0') : (int128) (*s - '0');

			if (__builtin_mul_overflow(m, (int128) 10, &m) ||
				__builtin_add_overflow(m, digit, &m))
				return false;
			digits = true;
			if (point && ++scale > JDEC_MAX_SCALE)
				return false;
		}
		else if (*s == '.' && !point)
			point = true;
		else
			break;
	}
	if (!digits)
		return false;
	jdec_set(d, m);
	d->scale = scale;
	d->unused = 0;
	*end = s;
	return true;
}

void
jdec_from_numeric(JDecimal *d, Datum num, const char *what)
{
	Numeric		n = DatumGetNumeric(num);
	char	   *s;
	const char *end;

	if (numeric_is_nan(n) || numeric_is_inf(n))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a finite number", what)));
	s = DatumGetCString(DirectFunctionCall1(numeric_out, num));
	if (!jdec_parse(d, s, &end) || *end != '\0')
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s %s cannot be summed exactly", what, s),
				 errdetail("Amounts are kept exactly with at most 38 significant digits and %d decimals.",
						   JDEC_MAX_SCALE),
				 errhint("Round the amounts, e.g. with round(amount, 2).")));
	pfree(s);
}

/* bring a and b to a common scale (the larger one) */
static void
jdec_align(const JDecimal *a, const JDecimal *b, int128 *ma, int128 *mb, int *scale)
{
	*scale = Max(a->scale, b->scale);
	if (!jdec_scale_up(jdec_get(a), *scale - a->scale, ma) ||
		!jdec_scale_up(jdec_get(b), *scale - b->scale, mb))
		jdec_overflow();
}

void
jdec_add(JDecimal *acc, const JDecimal *v)
{
	int128		ma,
				mb,
				r;
	int			scale;

	jdec_align(acc, v, &ma, &mb, &scale);
	if (__builtin_add_overflow(ma, mb, &r))
		jdec_overflow();
	jdec_set(acc, r);
	acc->scale = scale;
}

void
jdec_sub(JDecimal *acc, const JDecimal *v)
{
	int128		ma,
				mb,
				r;
	int			scale;

	jdec_align(acc, v, &ma, &mb, &scale);
	if (__builtin_sub_overflow(ma, mb, &r))
		jdec_overflow();
	jdec_set(acc, r);
	acc->scale = scale;
}

void
jdec_append(StringInfo buf, const JDecimal *d)
{
	int128		m = jdec_get(d);
	uint128		u = m < 0 ? -(uint128) m : (uint128) m;
	char		digits[64];
	int			n = 0;
	int			i;

	do
	{
		digits[n++] = '0' + (int) (u % 10);
		u /= 10;
	} while (u != 0);
	while (n <= d->scale)
		digits[n++] = '0';
	if (m < 0)
		appendStringInfoChar(buf, '-');
	for (i = n - 1; i >= 0; i--)
	{
		appendStringInfoChar(buf, digits[i]);
		if (i == d->scale && i > 0)
			appendStringInfoChar(buf, '.');
	}
}

Datum
jdec_to_numeric(const JDecimal *d)
{
	StringInfoData buf;

	initStringInfo(&buf);
	jdec_append(&buf, d);
	return DirectFunctionCall3(numeric_in, CStringGetDatum(buf.data),
							   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
}

void
jdec_send(StringInfo buf, const JDecimal *d)
{
	pq_sendint64(buf, d->hi);
	pq_sendint64(buf, (int64) d->lo);
	pq_sendint32(buf, d->scale);
}

void
jdec_recv(StringInfo buf, JDecimal *d, const char *type_name, JourneyOrigin origin)
{
	d->hi = journey_recv_int64(buf, type_name);
	d->lo = (uint64) journey_recv_int64(buf, type_name);
	d->scale = journey_recv_int32(buf, type_name);
	d->unused = 0;
	if (!jdec_valid(d))
		journey_invalid_value(origin, type_name, "A decimal scale of %d is out of range.", d->scale);
}

int
numeric_digits(const struct varlena *num, NumericDigits *out)
{
	const char *p = VARDATA_ANY(num);
	int			len = (int) VARSIZE_ANY_EXHDR(num);
	uint16		header;

	if (len < 2)
		return NUMERIC_DIGITS_UNREAD;
	memcpy(&header, p, sizeof(uint16));
	if ((header & 0xC000) == 0xC000)
		return NUMERIC_DIGITS_SPECIAL;
	if ((header & 0xC000) == 0x8000)
	{
		/* short format: sign, display scale and weight in the header */
		out->neg = (header & 0x2000) != 0;
		out->dscale = (header & 0x1F80) >> 7;
		out->weight = (header & 0x0040) ? (int) (~0x003F | (header & 0x003F)) : (int) (header & 0x003F);
		out->digits = p + 2;
		out->ndigits = (len - 2) / 2;
	}
	else
	{
		int16		w;

		if (len < 4)
			return NUMERIC_DIGITS_UNREAD;
		out->neg = (header & 0xC000) == 0x4000;
		out->dscale = header & 0x3FFF;
		memcpy(&w, p + 2, sizeof(int16));
		out->weight = w;
		out->digits = p + 4;
		out->ndigits = (len - 4) / 2;
	}
	return NUMERIC_DIGITS_OK;
}
