/*
 * timeline.c — the journey type (see timeline.h for the on-disk format):
 * building values (journey_agg, rollup, journey_merge), decoding them, and
 * the readers.  Text and binary I/O are in timeline_io.c.
 */
#include "timeline.h"
#include "decimal.h"

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "common/int.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "port/pg_bswap.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"

#define JOURNEY_MANTISSA_LIMIT	(((int64) 1) << 62)	/* |mantissa| < this */

static const int64 journey_pow10[19] = {
	INT64CONST(1), INT64CONST(10), INT64CONST(100), INT64CONST(1000),
	INT64CONST(10000), INT64CONST(100000), INT64CONST(1000000),
	INT64CONST(10000000), INT64CONST(100000000), INT64CONST(1000000000),
	INT64CONST(10000000000), INT64CONST(100000000000),
	INT64CONST(1000000000000), INT64CONST(10000000000000),
	INT64CONST(100000000000000), INT64CONST(1000000000000000),
	INT64CONST(10000000000000000), INT64CONST(100000000000000000),
	INT64CONST(1000000000000000000)
};

/* ---------- varints ---------- */

static inline uint64
zigzag(int64 v)
{
	return ((uint64) v << 1) ^ (uint64) (v >> 63);
}

static inline int64
unzigzag(uint64 u)
{
	return (int64) (u >> 1) ^ -(int64) (u & 1);
}

static inline int
varint_size(uint64 v)
{
	int			n = 1;

	while (v >= 0x80)
	{
		v >>= 7;
		n++;
	}
	return n;
}

static inline uint8 *
varint_put(uint8 *p, uint64 v)
{
	while (v >= 0x80)
	{
		*p++ = (uint8) (v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8) v;
	return p;
}

void
journey_reader_corrupt(const JourneyReader *r, const char *detail)
{
	journey_invalid_value(r->origin, "journey", "%s", detail);
	pg_unreachable();
}

#define journey_corrupt journey_reader_corrupt

/* Any varint, with every check (journey_reader_varint's slow path). */
uint64
journey_reader_varint_slow(JourneyReader *r)
{
	uint64		v = 0;
	int			shift = 0;

	for (;;)
	{
		uint8		byte;

		if (r->pos >= r->end)
			journey_corrupt(r, "The value is truncated.");
		byte = *r->pos++;
		if (shift == 63 && byte > 1)
			journey_corrupt(r, "A varint overflows 64 bits.");
		v |= (uint64) (byte & 0x7f) << shift;
		if ((byte & 0x80) == 0)
			return v;
		shift += 7;
		if (shift > 63)
			journey_corrupt(r, "A varint is longer than 10 bytes.");
	}
}

#define reader_varint journey_reader_varint

static inline uint8
reader_byte(JourneyReader *r)
{
	if (r->pos >= r->end)
		journey_corrupt(r, "The value is truncated.");
	return *r->pos++;
}

/* ---------- reader ---------- */

/*
 * Read the header and the dictionary of a journey value; the events are
 * then read one by one with journey_reader_next.
 */
void
journey_reader_init(JourneyReader *r, const struct varlena *value, JourneyOrigin origin)
{
	int			version;
	int			unit_exp;
	uint64		nevents;
	uint64		nlabels;
	int			i;

	r->pos = (const uint8 *) VARDATA_ANY(value);
	r->end = r->pos + VARSIZE_ANY_EXHDR(value);
	r->origin = origin;
	version = reader_byte(r);
	if (version != JOURNEY_FORMAT_VERSION)
		journey_unsupported_version(origin, version, "journey");
	r->flags = reader_byte(r);
	if (r->flags & ~(JOURNEY_KNOWN_FLAGS | JOURNEY_UNIT_MASK))
		journey_corrupt(r, "The value has unknown flags.");
	unit_exp = r->flags & JOURNEY_UNIT_MASK;
	if (unit_exp > JOURNEY_MAX_UNIT_EXP)
		journey_corrupt(r, "The time unit is out of range.");
	r->unit = journey_pow10[unit_exp];
	nevents = reader_varint(r);
	nlabels = reader_varint(r);
	if (nevents > (uint64) (r->end - r->pos) || nlabels > nevents)
		journey_corrupt(r, "The event or label count does not fit the value.");
	if ((nevents == 0) != (nlabels == 0))
		journey_corrupt(r, "A journey with events has labels.");
	r->nevents = (int64) nevents;
	r->nlabels = (int) nlabels;
	r->scale = 0;
	if (r->flags & JOURNEY_HAS_AMOUNTS)
	{
		r->scale = reader_byte(r);
		if (r->scale > JOURNEY_MAX_SCALE)
			journey_corrupt(r, "The amount scale is out of range.");
	}
	r->lbits = 0;
	while (r->nlabels > 1 && (1 << r->lbits) < r->nlabels)
		r->lbits++;
	if (r->nlabels <= JOURNEY_READER_INLINE_LABELS)
		r->labels = r->inline_labels;
	else
		r->labels = (JourneyLabel *) palloc(sizeof(JourneyLabel) * r->nlabels);
	/*
	 * The dictionary's byte order is not checked here: text and binary
	 * input checked it (and every other rule of the format) when the value
	 * entered, and the order only serves lookups.  A value corrupted on
	 * disk with labels out of order or repeated can only make
	 * journey_label_index miss a label or find another copy of it (its
	 * binary search still narrows [lo, hi] on every step, so it ends, and
	 * only returns indexes < nlabels), i.e. a wrong answer for a corrupted
	 * value, never a read out of bounds or a loop: every label's length is
	 * still checked against the value's end, and every event's label index
	 * against nlabels.  Skipping the check saves nlabels - 1 comparisons
	 * per value, most of the cost of reading a short journey's header.
	 */
	for (i = 0; i < r->nlabels; i++)
	{
		uint64		len = reader_varint(r);

		if (len > (uint64) (r->end - r->pos))
			journey_corrupt(r, "A label is longer than the value.");
		r->labels[i].data = (const char *) r->pos;
		r->labels[i].len = (int) len;
		r->pos += len;
	}
	r->nread = 0;
	r->prev_ts = 0;
	r->prev_label = 0;
	if (r->nevents > 0)
	{
		int64		base = unzigzag(reader_varint(r));
		int64		ts;

		if (pg_add_s64_overflow(base, JOURNEY_EPOCH / r->unit, &base) ||
			pg_mul_s64_overflow(base, r->unit, &ts) || !IS_VALID_TIMESTAMP(ts))
			journey_corrupt(r, "A timestamp is out of range.");
		r->prev_ts = ts;
	}
	else if (r->pos != r->end)
		journey_corrupt(r, "The value has bytes left over.");
}

/*
 * The amount of the event just read (journey_reader_next, for values with
 * JOURNEY_HAS_AMOUNTS).
 */
void
journey_reader_amount(JourneyReader *r, JourneyEvent *ev)
{
	uint64		tag = reader_varint(r);

	if (tag == 1)
	{
		uint64		len = reader_varint(r);
		uint64		i;

		if (len == 0 || len > (uint64) (r->end - r->pos))
			journey_corrupt(r, "An amount is longer than the value.");
		for (i = 0; i < len; i++)
		{
			char		c = (char) r->pos[i];

			if (!((c >= '0' && c <= '9') || c == '-' || c == '.'))
				journey_corrupt(r, "An amount is not a number.");
		}
		ev->amount_kind = JOURNEY_AMOUNT_TEXT;
		ev->amount_text = (const char *) r->pos;
		ev->amount_len = (int) len;
		r->pos += len;
	}
	else if (tag >= 2)
	{
		ev->amount_kind = JOURNEY_AMOUNT_SCALED;
		ev->mantissa = unzigzag(tag - 2);
	}
}

/* Release what journey_reader_init allocated (nothing for few labels). */
void
journey_reader_free(JourneyReader *r)
{
	if (r->labels != r->inline_labels)
		pfree(r->labels);
	r->labels = NULL;
}

/*
 * The dictionary index of a label, -1 if the journey has no such label
 * (binary search: the dictionary is in byte order).
 */
int
journey_label_index(const JourneyReader *r, const char *label, int len)
{
	int			lo = 0;
	int			hi = r->nlabels - 1;

	/*
	 * A small dictionary (nearly every journey): a scan that compares the
	 * lengths first and the bytes of short labels inline, cheaper than a
	 * binary search's memcmp call per step.
	 */
	if (r->nlabels <= JOURNEY_READER_INLINE_LABELS)
	{
		int			i;

		for (i = 0; i < r->nlabels; i++)
		{
			const char *d = r->labels[i].data;
			int			j;

			if (r->labels[i].len != len)
				continue;
			if (len > 16)
			{
				if (d[0] == label[0] && memcmp(d, label, len) == 0)
					return i;
				continue;
			}
			/* short labels (most): a byte loop, no call */
			for (j = 0; j < len && d[j] == label[j]; j++)
				;
			if (j == len)
				return i;
		}
		return -1;
	}
	while (lo <= hi)
	{
		int			mid = lo + (hi - lo) / 2;
		int			c = journey_label_cmp(r->labels[mid].data, r->labels[mid].len, label, len);

		if (c == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/* ---------- amounts ---------- */

/* mantissa / 10^scale as text into buf (>= 48 bytes) */
static int
format_scaled(char *buf, int64 mantissa, int scale)
{
	char		digits[32];
	int			nd;
	uint64		u = mantissa < 0 ? (uint64) 0 - (uint64) mantissa : (uint64) mantissa;
	char	   *p = buf;
	int			i;

	nd = 0;
	do
	{
		digits[nd++] = (char) ('0' + u % 10);
		u /= 10;
	} while (u > 0);
	while (nd <= scale)
		digits[nd++] = '0';
	if (mantissa < 0)
		*p++ = '-';
	for (i = nd - 1; i >= 0; i--)
	{
		*p++ = digits[i];
		if (i == scale && scale > 0)
			*p++ = '.';
	}
	*p = '\0';
	return (int) (p - buf);
}

static Numeric
numeric_from_text(const char *text, int len)
{
	char	   *s = pnstrdup(text, len);

	return DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(s),
											   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
}

/*
 * mantissa / 10^scale as a numeric without trailing fractional zeros (an
 * amount comes back as the number it is: 19.90 as 19.9)
 */
static Numeric
numeric_from_scaled(int64 mantissa, int scale)
{
	char		buf[48];
	int			len = format_scaled(buf, mantissa, scale);

	if (scale > 0)
	{
		while (buf[len - 1] == '0')
			len--;
		if (buf[len - 1] == '.')
			len--;
	}
	return numeric_from_text(buf, len);
}

Numeric
journey_amount_numeric(const JourneyEvent *ev, int scale)
{
	if (ev->amount_kind == JOURNEY_AMOUNT_SCALED)
		return numeric_from_scaled(ev->mantissa, scale);
	return numeric_from_text(ev->amount_text, ev->amount_len);
}

/*
 * Decode a finite numeric (any varlena header) into a mantissa at its
 * minimal scale: true when the scale is at most JOURNEY_MAX_SCALE and the
 * mantissa fits in 62 bits, false otherwise (the caller keeps the
 * numeric).  NaN and infinities are rejected.  Reads the numeric's stable
 * on-disk layout (numeric.c) without allocating.
 */
static bool
numeric_to_scaled(const struct varlena *num, int64 *mantissa, int *scale)
{
	NumericDigits nd;
	bool		neg;
	int			weight;
	const char *digits;
	int			ndigits;
	int			first = 0;
	int			exp4;
	int			tz = 0;
	int			sc;
	int64		m = 0;
	int			i;
	uint16		last;

	switch (numeric_digits(num, &nd))
	{
		case NUMERIC_DIGITS_SPECIAL:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("journey amounts must be finite numbers"),
					 errdetail("NaN and infinite amounts cannot be stored in a journey.")));
			break;
		case NUMERIC_DIGITS_UNREAD:
			return false;
	}
	neg = nd.neg;
	weight = nd.weight;
	digits = nd.digits;
	ndigits = nd.ndigits;
	/* strip leading and trailing zero digits */
	for (;;)
	{
		uint16		d;

		if (first >= ndigits)
			break;
		memcpy(&d, digits + 2 * first, sizeof(uint16));
		if (d != 0)
			break;
		first++;
		weight--;
	}
	for (;;)
	{
		uint16		d;

		if (ndigits <= first)
			break;
		memcpy(&d, digits + 2 * (ndigits - 1), sizeof(uint16));
		if (d != 0)
			break;
		ndigits--;
	}
	if (ndigits <= first)
	{
		*mantissa = 0;
		*scale = 0;
		return true;
	}
	exp4 = weight - (ndigits - first - 1);	/* power of 10000 of the last digit */
	memcpy(&last, digits + 2 * (ndigits - 1), sizeof(uint16));
	while (last % 10 == 0)
	{
		last /= 10;
		tz++;
	}
	if (exp4 < 0)
	{
		int			e = 4 * exp4 + tz;

		sc = e < 0 ? -e : 0;
	}
	else
		sc = 0;
	/* 10^(4 * exp4) must fit: exp4 <= 4 */
	if (sc > JOURNEY_MAX_SCALE || exp4 > 4)
		return false;
	for (i = first; i < ndigits; i++)
	{
		uint16		d;

		memcpy(&d, digits + 2 * i, sizeof(uint16));
		if (pg_mul_s64_overflow(m, 10000, &m) || pg_add_s64_overflow(m, d, &m))
			return false;
	}
	/* value * 10^sc = m * 10^(4 * exp4 + sc) */
	{
		int			x = 4 * exp4 + sc;

		if (x < 0)
			m /= journey_pow10[-x];
		else if (x > 0 && pg_mul_s64_overflow(m, journey_pow10[x], &m))
			return false;
	}
	if (m >= JOURNEY_MANTISSA_LIMIT)
		return false;
	*mantissa = neg ? -m : m;
	*scale = sc;
	return true;
}

/* NaN or an infinity (the numeric's header, as on disk; any header) */
bool
journey_numeric_is_special(Numeric num)
{
	uint16		header;

	if (VARSIZE_ANY_EXHDR(num) < sizeof(uint16))
		return false;
	memcpy(&header, VARDATA_ANY(num), sizeof(uint16));
	return (header & 0xC000) == 0xC000;
}

/* ---------- builder ---------- */

static void
journey_too_large(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("journey value too large"),
			 errdetail("A journey value cannot exceed %d bytes.", (int) (MaxAllocSize - VARHDRSZ))));
}


/*
 * A builder starts as one 512-byte chunk holding its header and room for
 * a few labels, label bytes and events, so that a transition touches a
 * few adjacent cache lines of the group's state; the arrays move out to
 * their own allocations when they outgrow it.
 */
#define JOURNEY_BUILDER_CHUNK	512
#define JOURNEY_INLINE_LABELS	8
#define JOURNEY_INLINE_ARENA	64
#define JOURNEY_LINEAR_LABELS	16	/* linear search up to this many labels */

#define BUILDER_HEADER_SIZE		MAXALIGN(sizeof(JourneyBuilder))
#define BUILDER_INLINE_EVENTS \
	((JOURNEY_BUILDER_CHUNK - BUILDER_HEADER_SIZE - JOURNEY_INLINE_LABELS * sizeof(JourneyBuildLabel) \
	  - JOURNEY_INLINE_ARENA) / sizeof(JourneyBuildEvent))

/*
 * A builder on a shared dictionary (journey_agg's) is one 256-byte chunk:
 * its header and ten events.
 */
#define JOURNEY_SHARED_CHUNK	256
#define BUILDER_SHARED_EVENTS \
	((JOURNEY_SHARED_CHUNK - BUILDER_HEADER_SIZE) / sizeof(JourneyBuildEvent))

static inline bool
builder_inline(const JourneyBuilder *b, const void *p)
{
	Size		chunk = b->dict != NULL ? JOURNEY_SHARED_CHUNK : JOURNEY_BUILDER_CHUNK;

	return (const char *) p >= (const char *) b &&
		(const char *) p < (const char *) b + chunk;
}

JourneyBuilder *
journey_builder_create(MemoryContext cxt)
{
	char	   *chunk = (char *) MemoryContextAlloc(cxt, JOURNEY_BUILDER_CHUNK);
	JourneyBuilder *b = (JourneyBuilder *) chunk;

	StaticAssertStmt(BUILDER_INLINE_EVENTS >= 8, "journey builder chunk too small");
	memset(b, 0, sizeof(JourneyBuilder));
	b->labels = (JourneyBuildLabel *) (chunk + BUILDER_HEADER_SIZE);
	b->maxlabels = JOURNEY_INLINE_LABELS;
	b->events = (JourneyBuildEvent *) (chunk + BUILDER_HEADER_SIZE
									   + JOURNEY_INLINE_LABELS * sizeof(JourneyBuildLabel));
	b->maxevents = BUILDER_INLINE_EVENTS;
	b->arena = chunk + JOURNEY_BUILDER_CHUNK - JOURNEY_INLINE_ARENA;
	b->arena_max = JOURNEY_INLINE_ARENA;
	b->cxt = cxt;
	b->sorted = true;
	return b;
}

/* journey_agg's builder: labels are ids of the call's shared dictionary */
static JourneyBuilder *
journey_builder_create_shared(MemoryContext cxt, JourneyNames *dict)
{
	char	   *chunk = (char *) MemoryContextAlloc(cxt, JOURNEY_SHARED_CHUNK);
	JourneyBuilder *b = (JourneyBuilder *) chunk;

	StaticAssertStmt(BUILDER_SHARED_EVENTS >= 8, "journey shared builder chunk too small");
	memset(b, 0, sizeof(JourneyBuilder));
	b->dict = dict;
	b->events = (JourneyBuildEvent *) (chunk + BUILDER_HEADER_SIZE);
	b->maxevents = BUILDER_SHARED_EVENTS;
	b->cxt = cxt;
	b->sorted = true;
	return b;
}

/* The bytes of label id of a builder, shared dictionary or its own. */
static inline const char *
builder_label_bytes(const JourneyBuilder *b, int32 id, int *len)
{
	if (b->dict != NULL)
	{
		*len = b->dict->names[id].len;
		return b->dict->names[id].data;
	}
	*len = b->labels[id].len;
	return b->arena + b->labels[id].off;
}

static JourneyBuilderExtra *
builder_extra(JourneyBuilder *b)
{
	if (b->x == NULL)
		b->x = (JourneyBuilderExtra *) MemoryContextAllocZero(b->cxt, sizeof(JourneyBuilderExtra));
	return b->x;
}

/* Grow an array of the builder to hold `need` items of `size` bytes. */
static void *
builder_grow(JourneyBuilder *b, void *array, Size size, int64 nused, int64 *max, int64 need)
{
	int64		newmax = Max(*max, 4);
	void	   *grown;

	while (newmax < need)
		newmax *= 2;
	if ((Size) newmax > MaxAllocHugeSize / size)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("journey value too large"),
				 errdetail("A journey cannot hold more than %lld events.", (long long) *max)));
	if (array == NULL || builder_inline(b, array))
	{
		grown = MemoryContextAllocHuge(b->cxt, size * newmax);
		if (array != NULL && nused > 0)
			memcpy(grown, array, size * nused);
	}
	else
		grown = repalloc_huge(array, size * newmax);
	*max = newmax;
	return grown;
}

static void
builder_hash_insert(JourneyBuilderExtra *x, uint32 code, int32 id)
{
	uint32		slot = code & (x->hash_size - 1);

	while (x->hash[slot] != 0)
		slot = (slot + 1) & (x->hash_size - 1);
	x->hash[slot] = id + 1;
}

/* (Re)build the hash of label ids, twice as many slots as labels at least */
static void
builder_rehash(JourneyBuilder *b)
{
	JourneyBuilderExtra *x = builder_extra(b);
	int			size = 64;
	int32		i;

	while (size < 4 * b->nlabels)
		size *= 2;
	if (x->hash)
		pfree(x->hash);
	x->hash = (int32 *) MemoryContextAllocZero(b->cxt, sizeof(int32) * size);
	x->hash_size = size;
	if (x->hash_code == NULL || x->max_codes < b->maxlabels)
	{
		if (x->hash_code)
			pfree(x->hash_code);
		x->hash_code = (uint32 *) MemoryContextAllocHuge(b->cxt, sizeof(uint32) * b->maxlabels);
		x->max_codes = b->maxlabels;
	}
	for (i = 0; i < b->nlabels; i++)
	{
		x->hash_code[i] = hash_bytes((const unsigned char *) b->arena + b->labels[i].off, b->labels[i].len);
		builder_hash_insert(x, x->hash_code[i], i);
	}
}

/* The id of a label in the builder, added if new. */
int32
journey_builder_label(JourneyBuilder *b, const char *data, int len)
{
	uint64		prefix = journey_name_prefix(data, len);
	uint32		code = 0;
	int32		id;
	JourneyBuildLabel *l;

	if (b->dict != NULL)
	{
		id = journey_names_id(b->dict, data, len, PG_INT32_MAX);
		Assert(id >= 0);
		return id;
	}
	if (b->x == NULL || b->x->hash == NULL)
	{
		for (id = 0; id < b->nlabels; id++)
		{
			l = &b->labels[id];
			if (l->prefix == prefix && l->len == len &&
				(len <= 8 || memcmp(b->arena + l->off + 8, data + 8, len - 8) == 0))
				return id;
		}
	}
	else
	{
		JourneyBuilderExtra *x = b->x;
		uint32		slot;

		code = hash_bytes((const unsigned char *) data, len);
		slot = code & (x->hash_size - 1);
		while ((id = x->hash[slot]) != 0)
		{
			id--;
			l = &b->labels[id];
			if (x->hash_code[id] == code && l->prefix == prefix && l->len == len &&
				(len <= 8 || memcmp(b->arena + l->off + 8, data + 8, len - 8) == 0))
				return id;
			slot = (slot + 1) & (x->hash_size - 1);
		}
	}

	/* a new label */
	if (b->nlabels >= b->maxlabels)
	{
		int64		max = b->maxlabels;

		b->labels = (JourneyBuildLabel *) builder_grow(b, b->labels, sizeof(JourneyBuildLabel),
													   b->nlabels, &max, (int64) b->nlabels + 1);
		b->maxlabels = (int32) max;
	}
	if ((Size) len > b->arena_max - b->arena_len)
	{
		int64		max = b->arena_max;

		if ((Size) b->arena_len + len > MaxAllocSize)
			journey_too_large();
		b->arena = (char *) builder_grow(b, b->arena, 1, b->arena_len, &max, (int64) b->arena_len + len);
		b->arena_max = (uint32) Min(max, (int64) PG_UINT32_MAX);
	}
	memcpy(b->arena + b->arena_len, data, len);
	id = b->nlabels++;
	l = &b->labels[id];
	l->prefix = prefix;
	l->off = b->arena_len;
	l->len = len;
	b->arena_len += len;
	if (b->nlabels > JOURNEY_LINEAR_LABELS)
	{
		JourneyBuilderExtra *x = builder_extra(b);

		if (x->hash == NULL || 2 * b->nlabels > x->hash_size || x->max_codes < b->maxlabels)
			builder_rehash(b);
		else
		{
			x->hash_code[id] = code;
			builder_hash_insert(x, code, id);
		}
	}
	return id;
}

static inline JourneyBuildEvent *
builder_next_event(JourneyBuilder *b)
{
	if (unlikely(b->nevents >= b->maxevents))
		b->events = (JourneyBuildEvent *) builder_grow(b, b->events, sizeof(JourneyBuildEvent),
													   b->nevents, &b->maxevents, b->nevents + 1);
	return &b->events[b->nevents++];
}

static JourneyBuildAmount *
builder_next_amount(JourneyBuilder *b, int32 *index)
{
	JourneyBuilderExtra *x = builder_extra(b);

	if (x->namounts >= x->maxamounts)
	{
		if (x->namounts >= PG_INT32_MAX)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("journey value too large"),
					 errdetail("A journey cannot hold more than %d amounts.", PG_INT32_MAX)));
		x->amounts = (JourneyBuildAmount *) builder_grow(b, x->amounts, sizeof(JourneyBuildAmount),
														 x->namounts, &x->maxamounts, x->namounts + 1);
	}
	*index = (int32) x->namounts;
	return &x->amounts[x->namounts++];
}

static int64
builder_add_big(JourneyBuilder *b, Numeric num)
{
	JourneyBuilderExtra *x = builder_extra(b);

	if (x->nbigs >= x->maxbigs)
		x->bigs = (Numeric *) builder_grow(b, x->bigs, sizeof(Numeric), x->nbigs, &x->maxbigs, x->nbigs + 1);
	x->bigs[x->nbigs] = num;
	return x->nbigs++;
}

void
journey_builder_add_scaled(JourneyBuilder *b, int64 ts, int32 label, int64 mantissa, int scale)
{
	JourneyBuildEvent *e;
	JourneyBuildAmount *a;
	int32		ai;

	a = builder_next_amount(b, &ai);
	a->mantissa = mantissa;
	a->scale = (int16) scale;
	a->kind = JOURNEY_AMOUNT_SCALED;
	e = builder_next_event(b);
	e->ts = ts;
	e->label = label;
	e->amount = ai;
	b->sorted = false;
}

/* Add an event; amount is a numeric datum (any header) or NULL. */
void
journey_builder_add(JourneyBuilder *b, int64 ts, int32 label, Numeric amount)
{
	JourneyBuildEvent *e;
	JourneyBuildAmount *a;
	MemoryContext old;
	Numeric		copy;
	int64		m;
	int			sc;
	int32		ai;

	if (amount == NULL)
	{
		e = builder_next_event(b);
		e->ts = ts;
		e->label = label;
		e->amount = -1;
		b->sorted = false;
		return;
	}
	if (numeric_to_scaled((struct varlena *) amount, &m, &sc))
	{
		journey_builder_add_scaled(b, ts, label, m, sc);
		return;
	}
	old = MemoryContextSwitchTo(b->cxt);
	copy = (Numeric) pg_detoast_datum_copy((struct varlena *) amount);
	MemoryContextSwitchTo(old);
	a = builder_next_amount(b, &ai);
	a->kind = JOURNEY_AMOUNT_TEXT;
	a->scale = 0;
	a->mantissa = builder_add_big(b, copy);
	e = builder_next_event(b);
	e->ts = ts;
	e->label = label;
	e->amount = ai;
	b->sorted = false;
}

void
journey_builder_add_numeric_text(JourneyBuilder *b, int64 ts, int32 label, const char *text, int len)
{
	Numeric		num = numeric_from_text(text, len);

	journey_builder_add(b, ts, label, num);
}

/* Add every event of a journey value (read with the origin's checks). */
void
journey_builder_add_journey(JourneyBuilder *b, const struct varlena *value, JourneyOrigin origin)
{
	JourneyReader r;
	JourneyEvent ev;
	int32	   *map;
	int			i;

	journey_reader_init(&r, value, origin);
	map = (int32 *) palloc(sizeof(int32) * Max(r.nlabels, 1));
	for (i = 0; i < r.nlabels; i++)
		map[i] = journey_builder_label(b, r.labels[i].data, r.labels[i].len);
	while (journey_reader_next(&r, &ev))
	{
		if (ev.amount_kind == JOURNEY_AMOUNT_SCALED)
			journey_builder_add_scaled(b, ev.ts, map[ev.label], ev.mantissa, r.scale);
		else if (ev.amount_kind == JOURNEY_AMOUNT_TEXT)
			journey_builder_add_numeric_text(b, ev.ts, map[ev.label], ev.amount_text, ev.amount_len);
		else
			journey_builder_add(b, ev.ts, map[ev.label], NULL);
		if ((r.nread & 0xffff) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	pfree(map);
	journey_reader_free(&r);
}

/* Add every event of another builder. */
static void
builder_add_builder(JourneyBuilder *b, const JourneyBuilder *other)
{
	/*
	 * The ids of a builder on another shared dictionary are mapped event
	 * by event (its dictionary may be far larger than its labels); the
	 * same dictionary needs no mapping.
	 */
	bool		same_ids = other->dict != NULL && other->dict == b->dict;
	int32	   *map = NULL;
	int64		i;
	int32		k;

	if (other->dict == NULL)
	{
		map = (int32 *) palloc(sizeof(int32) * Max(other->nlabels, 1));
		for (k = 0; k < other->nlabels; k++)
			map[k] = journey_builder_label(b, other->arena + other->labels[k].off, other->labels[k].len);
	}
	for (i = 0; i < other->nevents; i++)
	{
		const JourneyBuildEvent *o = &other->events[i];
		int32		label = o->label;

		if (map != NULL)
			label = map[label];
		else if (!same_ids)
		{
			int			len;
			const char *data = builder_label_bytes(other, label, &len);

			label = journey_builder_label(b, data, len);
		}
		if (o->amount < 0)
			journey_builder_add(b, o->ts, label, NULL);
		else
		{
			const JourneyBuildAmount *a = &other->x->amounts[o->amount];

			if (a->kind == JOURNEY_AMOUNT_SCALED)
				journey_builder_add_scaled(b, o->ts, label, a->mantissa, a->scale);
			else
				journey_builder_add(b, o->ts, label, other->x->bigs[a->mantissa]);
		}
		if ((i & 0xffff) == 0xffff)
			CHECK_FOR_INTERRUPTS();
	}
	if (map != NULL)
		pfree(map);
}

/* ---------- sorting ---------- */

typedef struct SortContext
{
	const int32 *rank;			/* label id -> rank in byte order */
	JourneyBuilder *b;
} SortContext;

static Numeric
build_amount_numeric(const JourneyBuilder *b, const JourneyBuildAmount *a)
{
	if (a->kind == JOURNEY_AMOUNT_SCALED)
		return numeric_from_scaled(a->mantissa, a->scale);
	return b->x->bigs[a->mantissa];
}

static inline int
event_cmp(const JourneyBuildEvent *x, const JourneyBuildEvent *y, const SortContext *cx)
{
	const JourneyBuildAmount *ax;
	const JourneyBuildAmount *ay;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	if (x->label != y->label)
	{
		int32		rx = cx->rank[x->label];
		int32		ry = cx->rank[y->label];

		if (rx != ry)
			return rx < ry ? -1 : 1;
	}
	if (x->amount < 0 || y->amount < 0)
		return (x->amount >= 0) - (y->amount >= 0);
	ax = &cx->b->x->amounts[x->amount];
	ay = &cx->b->x->amounts[y->amount];
	if (ax->kind == JOURNEY_AMOUNT_SCALED && ay->kind == JOURNEY_AMOUNT_SCALED && ax->scale == ay->scale)
		return ax->mantissa < ay->mantissa ? -1 : (ax->mantissa > ay->mantissa ? 1 : 0);
	return DatumGetInt32(DirectFunctionCall2(numeric_cmp,
											 NumericGetDatum(build_amount_numeric(cx->b, ax)),
											 NumericGetDatum(build_amount_numeric(cx->b, ay))));
}

/*
 * Sort the events: insertion sort of runs of 16, then bottom-up merges
 * (stable, O(n log n)), checking for interrupts as it goes.
 */
static void
sort_events(JourneyBuildEvent *ev, int64 n, const SortContext *cx)
{
	JourneyBuildEvent *tmp;
	JourneyBuildEvent *src;
	JourneyBuildEvent *dst;
	int64		width;
	int64		start;

	for (start = 0; start < n; start += 16)
	{
		int64		end = Min(start + 16, n);
		int64		i;

		for (i = start + 1; i < end; i++)
		{
			JourneyBuildEvent key = ev[i];
			int64		j = i - 1;

			while (j >= start && event_cmp(&ev[j], &key, cx) > 0)
			{
				ev[j + 1] = ev[j];
				j--;
			}
			ev[j + 1] = key;
		}
	}
	if (n <= 16)
		return;
	tmp = (JourneyBuildEvent *) palloc_extended(sizeof(JourneyBuildEvent) * n, MCXT_ALLOC_HUGE);
	src = ev;
	dst = tmp;
	for (width = 16; width < n; width *= 2)
	{
		for (start = 0; start < n; start += 2 * width)
		{
			int64		mid = Min(start + width, n);
			int64		end = Min(start + 2 * width, n);
			int64		i = start,
						j = mid,
						k = start;

			while (i < mid && j < end)
			{
				if (event_cmp(&src[j], &src[i], cx) < 0)
					dst[k++] = src[j++];
				else
					dst[k++] = src[i++];
			}
			while (i < mid)
				dst[k++] = src[i++];
			while (j < end)
				dst[k++] = src[j++];
			CHECK_FOR_INTERRUPTS();
		}
		{
			JourneyBuildEvent *t = src;

			src = dst;
			dst = t;
		}
	}
	if (src != ev)
		memcpy(ev, src, sizeof(JourneyBuildEvent) * n);
	pfree(tmp);
}

/*
 * Byte order of two builder labels: the first 8 bytes compare as one
 * big-endian integer (zero padding sorts a shorter label first, as text
 * holds no NUL), the rest with memcmp.
 */
static inline int
builder_label_cmp(const JourneyBuilder *bl, int32 a, int32 b)
{
	const JourneyBuildLabel *x = &bl->labels[a];
	const JourneyBuildLabel *y = &bl->labels[b];
	uint64		px = pg_bswap64(x->prefix);
	uint64		py = pg_bswap64(y->prefix);

	if (px != py)
		return px < py ? -1 : 1;
	if (x->len <= 8 || y->len <= 8)
		return x->len < y->len ? -1 : (x->len > y->len ? 1 : 0);
	return journey_label_cmp(bl->arena + x->off + 8, x->len - 8, bl->arena + y->off + 8, y->len - 8);
}

static int
label_id_cmp(const void *a, const void *b, void *arg)
{
	return builder_label_cmp((const JourneyBuilder *) arg, *(const int32 *) a, *(const int32 *) b);
}

/* numeric_out without trailing fractional zeros (the canonical text) */
static char *
numeric_canonical_text(Numeric num)
{
	char	   *s = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(num)));

	if (strchr(s, '.') != NULL)
	{
		int			len = (int) strlen(s);

		while (len > 0 && s[len - 1] == '0')
			len--;
		if (len > 0 && s[len - 1] == '.')
			len--;
		s[len] = '\0';
	}
	return s;
}

/*
 * Bring the builder's amounts to one scale, the largest any of them needs;
 * those whose mantissa at that scale does not fit become numerics.  Returns
 * the scale.  The amounts keep their values.
 */
static int
builder_unify_scale(JourneyBuilder *b)
{
	JourneyBuilderExtra *x = b->x;
	int			scale = 0;
	int64		i;

	if (x == NULL)
		return 0;
	for (i = 0; i < x->namounts; i++)
		if (x->amounts[i].kind == JOURNEY_AMOUNT_SCALED && x->amounts[i].scale > scale)
			scale = x->amounts[i].scale;
	for (i = 0; i < x->namounts; i++)
	{
		JourneyBuildAmount *a = &x->amounts[i];
		int64		m;

		if (a->kind != JOURNEY_AMOUNT_SCALED || a->scale == scale)
			continue;
		if (pg_mul_s64_overflow(a->mantissa, journey_pow10[scale - a->scale], &m) ||
			m >= JOURNEY_MANTISSA_LIMIT || m <= -JOURNEY_MANTISSA_LIMIT)
		{
			MemoryContext old = MemoryContextSwitchTo(b->cxt);
			Numeric		num = numeric_from_scaled(a->mantissa, a->scale);

			MemoryContextSwitchTo(old);
			a->kind = JOURNEY_AMOUNT_TEXT;
			a->scale = 0;
			a->mantissa = builder_add_big(b, num);
		}
		else
		{
			a->mantissa = m;
			a->scale = (int16) scale;
		}
	}
	return scale;
}

static int
int32_cmp(const void *a, const void *b)
{
	int32		x = *(const int32 *) a;
	int32		y = *(const int32 *) b;

	return x < y ? -1 : (x > y ? 1 : 0);
}

/*
 * The journey value of a builder on a shared dictionary: a builder of its
 * own labels (those its events use) and a copy of its events is made
 * and finished, so that the builder stays as it is for more rows (a
 * window aggregate finishes after every row).
 */
static struct varlena *
builder_finish_shared(JourneyBuilder *b)
{
	JourneyNames *d = b->dict;
	int64		n = b->nevents;
	JourneyBuilder own = *b;
	JourneyBuildLabel labelbuf[JOURNEY_INLINE_LABELS];
	int32		mapbuf[256];
	int32	   *map;
	int32	   *used = NULL;
	int32		nused = 0;
	Size		arena_len = 0;
	struct varlena *result;
	int64		i;
	int32		k;

	own.dict = NULL;
	own.events = (JourneyBuildEvent *) palloc_extended(sizeof(JourneyBuildEvent) * Max(n, 1), MCXT_ALLOC_HUGE);
	memcpy(own.events, b->events, sizeof(JourneyBuildEvent) * n);
	own.maxevents = Max(n, 1);
	own.sorted = false;

	/* the labels used, numbered in order of first use */
	if (d->n <= (int32) lengthof(mapbuf))
	{
		map = mapbuf;
		for (k = 0; k < d->n; k++)
			map[k] = -1;
		for (i = 0; i < n; i++)
		{
			int32		id = own.events[i].label;

			if (map[id] < 0)
				map[id] = nused++;
			own.events[i].label = map[id];
		}
		used = (int32 *) palloc(sizeof(int32) * Max(nused, 1));
		for (k = 0; k < d->n; k++)
			if (map[k] >= 0)
				used[map[k]] = k;
	}
	else
	{
		/* a large dictionary: the distinct ids by sorting, then search */
		int32	   *ids = (int32 *) palloc_extended(sizeof(int32) * Max(n, 1), MCXT_ALLOC_HUGE);

		for (i = 0; i < n; i++)
			ids[i] = own.events[i].label;
		qsort(ids, n, sizeof(int32), int32_cmp);
		for (i = 0; i < n; i++)
			if (i == 0 || ids[i] != ids[i - 1])
				ids[nused++] = ids[i];
		for (i = 0; i < n; i++)
		{
			const int32 *hit = (const int32 *) bsearch(&own.events[i].label, ids, nused,
													   sizeof(int32), int32_cmp);

			own.events[i].label = (int32) (hit - ids);
		}
		used = ids;
	}

	own.nlabels = nused;
	own.maxlabels = nused;
	own.labels = nused <= JOURNEY_INLINE_LABELS ? labelbuf
		: (JourneyBuildLabel *) palloc_extended(sizeof(JourneyBuildLabel) * nused, MCXT_ALLOC_HUGE);
	for (k = 0; k < nused; k++)
		arena_len += d->names[used[k]].len;
	if (arena_len > MaxAllocSize)
		journey_too_large();
	own.arena = (char *) palloc(Max(arena_len, 1));
	own.arena_len = (uint32) arena_len;
	own.arena_max = (uint32) Max(arena_len, 1);
	arena_len = 0;
	for (k = 0; k < nused; k++)
	{
		const JourneyName *l = &d->names[used[k]];

		memcpy(own.arena + arena_len, l->data, l->len);
		own.labels[k].prefix = l->prefix;
		own.labels[k].off = (uint32) arena_len;
		own.labels[k].len = l->len;
		arena_len += l->len;
	}

	result = journey_builder_finish(&own);

	/* the amounts are shared: keep what finishing did to them */
	b->x = own.x;
	pfree(own.events);
	pfree(own.arena);
	if (own.labels != labelbuf)
		pfree(own.labels);
	pfree(used);
	return result;
}

/*
 * The journey value of the builder's events (palloc'd in the current
 * context).  Sorts the builder's events in place and brings its amounts to
 * one scale; the builder stays valid (the same multiset of events).
 */
struct varlena *
journey_builder_finish(JourneyBuilder *b)
{
	int64		n = b->nevents;
	JourneyBuildEvent *ev = b->events;
	int32	   *order;
	int32	   *rank;
	int32		orderbuf[JOURNEY_INLINE_LABELS];
	int32		rankbuf[JOURNEY_INLINE_LABELS];
	SortContext cx;
	int			scale;
	bool		has_amounts = b->x != NULL && b->x->namounts > 0;
	int			unit_exp = JOURNEY_MAX_UNIT_EXP;
	int64		unit;
	bool		exact_size PG_USED_FOR_ASSERTS_ONLY = true;
	int			lbits = 0;
	bool		split = false;
	uint64		maxdelta = 0;
	char	  **bigtext = NULL;
	int		   *biglen = NULL;
	Size		size;
	int64		i;
	int32		k;
	struct varlena *result;
	uint8	   *p;

	if (b->dict != NULL)
		return builder_finish_shared(b);

	/* the dictionary in byte order */
	if (b->nlabels <= JOURNEY_INLINE_LABELS)
	{
		order = orderbuf;
		rank = rankbuf;
	}
	else
	{
		order = (int32 *) palloc_extended(sizeof(int32) * b->nlabels, MCXT_ALLOC_HUGE);
		rank = (int32 *) palloc_extended(sizeof(int32) * b->nlabels, MCXT_ALLOC_HUGE);
	}
	for (k = 0; k < b->nlabels; k++)
		order[k] = k;
	if (b->nlabels <= JOURNEY_INLINE_LABELS)
	{
		/* few labels: insertion sort */
		for (k = 1; k < b->nlabels; k++)
		{
			int32		key = order[k];
			int32		j = k - 1;

			while (j >= 0 && builder_label_cmp(b, order[j], key) > 0)
			{
				order[j + 1] = order[j];
				j--;
			}
			order[j + 1] = key;
		}
	}
	else
		qsort_arg(order, b->nlabels, sizeof(int32), label_id_cmp, b);
	for (k = 0; k < b->nlabels; k++)
		rank[order[k]] = k;

	scale = builder_unify_scale(b);

	/* sort, unless already in order */
	cx.rank = rank;
	cx.b = b;
	if (!b->sorted)
	{
		bool		in_order = true;

		for (i = 1; i < n && in_order; i++)
			in_order = event_cmp(&ev[i - 1], &ev[i], &cx) <= 0;
		if (!in_order)
			sort_events(ev, n, &cx);
		b->sorted = true;
	}

	/*
	 * The time unit: the largest power of ten dividing every timestamp
	 * (divisions by the constant 10 are cheap multiplications).
	 */
	for (i = 0; i < n && unit_exp > 0; i++)
	{
		int64		t = ev[i].ts;
		int			z = 0;

		while (z < unit_exp && t % 10 == 0)
		{
			t /= 10;
			z++;
		}
		unit_exp = z;
	}
	unit = journey_pow10[unit_exp];
	while (b->nlabels > 1 && (1 << lbits) < b->nlabels)
		lbits++;
	for (i = 1; i < n; i++)
	{
		uint64		d = (uint64) (ev[i].ts - ev[i - 1].ts);

		if (d > maxdelta)
			maxdelta = d;
	}
	maxdelta /= (uint64) unit;
	if (lbits > 0 && (maxdelta >> (64 - lbits)) != 0)
		split = true;

	/*
	 * The size: for a few thousand events without amounts stored as text,
	 * an upper bound (an event takes at most 15 bytes, its amount 10).
	 */
	size = VARHDRSZ + 2 + varint_size(n) + varint_size(b->nlabels) + (has_amounts ? 1 : 0);
	for (k = 0; k < b->nlabels; k++)
		size = add_size(size, varint_size(b->labels[k].len) + (Size) b->labels[k].len);
	if (n > 0)
		size += varint_size(zigzag(ev[0].ts / unit - JOURNEY_EPOCH / unit));
	if ((!has_amounts || b->x->nbigs == 0) && n <= 4096)
	{
		exact_size = false;
		size += (Size) n * (has_amounts ? 30 : 20);
	}
	else
	{
		if (has_amounts && b->x->nbigs > 0)
		{
			bigtext = (char **) palloc0(sizeof(char *) * b->x->nbigs);
			biglen = (int *) palloc0(sizeof(int) * b->x->nbigs);
		}
		for (i = 0; i < n; i++)
		{
			const JourneyBuildEvent *e = &ev[i];
			uint64		d = i == 0 ? 0 : (uint64) (e->ts - ev[i - 1].ts) / (uint64) unit;
			uint64		label = (uint64) rank[e->label];

			if (split)
				size += varint_size(d) + varint_size(label);
			else
				size += varint_size((d << lbits) | label);
			if (has_amounts)
			{
				const JourneyBuildAmount *a = e->amount < 0 ? NULL : &b->x->amounts[e->amount];

				if (a == NULL)
					size += 1;
				else if (a->kind == JOURNEY_AMOUNT_SCALED)
					size += varint_size(zigzag(a->mantissa) + 2);
				else
				{
					int64		bi = a->mantissa;

					if (bigtext[bi] == NULL)
					{
						bigtext[bi] = numeric_canonical_text(b->x->bigs[bi]);
						biglen[bi] = (int) strlen(bigtext[bi]);
					}
					size = add_size(size, 1 + varint_size(biglen[bi]) + (Size) biglen[bi]);
				}
			}
			if (size > MaxAllocSize)
				journey_too_large();
		}
		if (size > MaxAllocSize)
			journey_too_large();
	}

	/* the bytes */
	result = (struct varlena *) palloc(size);
	p = (uint8 *) VARDATA(result);
	*p++ = JOURNEY_FORMAT_VERSION;
	*p++ = (uint8) ((has_amounts ? JOURNEY_HAS_AMOUNTS : 0) | (split ? JOURNEY_SPLIT_LABELS : 0) | unit_exp);
	p = varint_put(p, n);
	p = varint_put(p, b->nlabels);
	if (has_amounts)
		*p++ = (uint8) scale;
	for (k = 0; k < b->nlabels; k++)
	{
		const JourneyBuildLabel *l = &b->labels[order[k]];

		p = varint_put(p, l->len);
		memcpy(p, b->arena + l->off, l->len);
		p += l->len;
	}
	if (n > 0)
		p = varint_put(p, zigzag(ev[0].ts / unit - JOURNEY_EPOCH / unit));
	for (i = 0; i < n; i++)
	{
		const JourneyBuildEvent *e = &ev[i];
		uint64		d = i == 0 ? 0 : (uint64) (e->ts - ev[i - 1].ts) / (uint64) unit;
		uint64		label = (uint64) rank[e->label];

		if (split)
		{
			p = varint_put(p, d);
			p = varint_put(p, label);
		}
		else
			p = varint_put(p, (d << lbits) | label);
		if (has_amounts)
		{
			const JourneyBuildAmount *a = e->amount < 0 ? NULL : &b->x->amounts[e->amount];

			if (a == NULL)
				*p++ = 0;
			else if (a->kind == JOURNEY_AMOUNT_SCALED)
				p = varint_put(p, zigzag(a->mantissa) + 2);
			else
			{
				int64		bi = a->mantissa;

				*p++ = 1;
				p = varint_put(p, biglen[bi]);
				memcpy(p, bigtext[bi], biglen[bi]);
				p += biglen[bi];
			}
		}
	}
	Assert(exact_size ? (Size) ((char *) p - (char *) result) == size
		   : (Size) ((char *) p - (char *) result) <= size);
	SET_VARSIZE(result, (char *) p - (char *) result);
	if (order != orderbuf)
	{
		pfree(order);
		pfree(rank);
	}
	return result;
}

/* ---------- aggregates ---------- */

static JourneyBuilder *
state_arg(FunctionCallInfo fcinfo, const char *fname)
{
	MemoryContext aggcxt = journey_agg_context(fcinfo, fname);

	if (PG_ARGISNULL(0))
		return journey_builder_create(aggcxt);
	return (JourneyBuilder *) PG_GETARG_POINTER(0);
}

/*
 * journey_agg's state: a builder on the call's label dictionary, which
 * lives as long as the query (fn_extra of the transition function).
 */
static JourneyBuilder *
shared_state_arg(FunctionCallInfo fcinfo, const char *fname)
{
	MemoryContext aggcxt = journey_agg_context(fcinfo, fname);
	JourneyNames *dict;

	if (!PG_ARGISNULL(0))
		return (JourneyBuilder *) PG_GETARG_POINTER(0);
	dict = (JourneyNames *) fcinfo->flinfo->fn_extra;
	if (dict == NULL)
	{
		dict = journey_names_create(fcinfo->flinfo->fn_mcxt);
		fcinfo->flinfo->fn_extra = dict;
	}
	return journey_builder_create_shared(aggcxt, dict);
}

/*
 * Transition of journey_agg(ts, label [, amount]), timestamptz and
 * timestamp alike (both are int64 microseconds; a timestamp is taken as
 * UTC).  Rows with a NULL or infinite ts or a NULL label are skipped; a
 * NULL amount makes an event without amount.
 */
PG_FUNCTION_INFO_V1(journey_agg_transfn);
Datum
journey_agg_transfn(PG_FUNCTION_ARGS)
{
	JourneyBuilder *b;
	int64		ts;
	text	   *label;
	int32		id;
	Numeric		amount = NULL;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || TIMESTAMP_NOT_FINITE(PG_GETARG_INT64(1)))
	{
		(void) journey_agg_context(fcinfo, "journey_agg");
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_POINTER(PG_GETARG_POINTER(0));
	}
	b = shared_state_arg(fcinfo, "journey_agg");
	ts = PG_GETARG_INT64(1);
	label = PG_GETARG_TEXT_PP(2);
	if (PG_NARGS() > 3 && !PG_ARGISNULL(3))
		amount = (Numeric) PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(3));
	id = journey_builder_label(b, VARDATA_ANY(label), (int) VARSIZE_ANY_EXHDR(label));
	journey_builder_add(b, ts, id, amount);
	PG_RETURN_POINTER(b);
}

/* Transition of rollup(journey): add the events of a journey. */
PG_FUNCTION_INFO_V1(journey_rollup_transfn);
Datum
journey_rollup_transfn(PG_FUNCTION_ARGS)
{
	JourneyBuilder *b;

	if (PG_ARGISNULL(1))
	{
		(void) journey_agg_context(fcinfo, "rollup");
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_POINTER(PG_GETARG_POINTER(0));
	}
	b = state_arg(fcinfo, "rollup");
	journey_builder_add_journey(b, PG_GETARG_JOURNEY_P(1), JOURNEY_FROM_STATE);
	PG_RETURN_POINTER(b);
}

PG_FUNCTION_INFO_V1(journey_agg_combine);
Datum
journey_agg_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt = journey_agg_context(fcinfo, "journey_agg_combine");
	JourneyBuilder *a = PG_ARGISNULL(0) ? NULL : (JourneyBuilder *) PG_GETARG_POINTER(0);
	JourneyBuilder *b = PG_ARGISNULL(1) ? NULL : (JourneyBuilder *) PG_GETARG_POINTER(1);

	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	if (a == NULL)
		a = journey_builder_create(aggcxt);
	builder_add_builder(a, b);
	PG_RETURN_POINTER(a);
}

/* The state as the journey value of its events. */
PG_FUNCTION_INFO_V1(journey_agg_serialize);
Datum
journey_agg_serialize(PG_FUNCTION_ARGS)
{
	JourneyBuilder *b = (JourneyBuilder *) PG_GETARG_POINTER(0);

	(void) journey_agg_context(fcinfo, "journey_agg_serialize");
	PG_RETURN_BYTEA_P((bytea *) journey_builder_finish(b));
}

PG_FUNCTION_INFO_V1(journey_agg_deserialize);
Datum
journey_agg_deserialize(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt = journey_agg_context(fcinfo, "journey_agg_deserialize");
	JourneyBuilder *b = journey_builder_create(aggcxt);

	journey_builder_add_journey(b, (struct varlena *) PG_GETARG_BYTEA_PP(0), JOURNEY_FROM_STATE);
	PG_RETURN_POINTER(b);
}

/* Final function: the journey of the group's events, NULL if none. */
PG_FUNCTION_INFO_V1(journey_agg_final);
Datum
journey_agg_final(PG_FUNCTION_ARGS)
{
	JourneyBuilder *b;

	(void) journey_agg_context(fcinfo, "journey_agg_final");
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	b = (JourneyBuilder *) PG_GETARG_POINTER(0);
	PG_RETURN_POINTER(journey_builder_finish(b));
}

/* journey_merge(a, b): the union of the events of two journeys. */
PG_FUNCTION_INFO_V1(journey_merge);
Datum
journey_merge(PG_FUNCTION_ARGS)
{
	JourneyBuilder *b = journey_builder_create(CurrentMemoryContext);

	journey_builder_add_journey(b, PG_GETARG_JOURNEY_P(0), JOURNEY_FROM_STATE);
	journey_builder_add_journey(b, PG_GETARG_JOURNEY_P(1), JOURNEY_FROM_STATE);
	PG_RETURN_POINTER(journey_builder_finish(b));
}

/* ---------- readers ---------- */

PG_FUNCTION_INFO_V1(journey_num_events);
Datum
journey_num_events(PG_FUNCTION_ARGS)
{
	JourneyReader r;

	journey_reader_init(&r, PG_GETARG_JOURNEY_P(0), JOURNEY_FROM_STATE);
	PG_RETURN_INT64(r.nevents);
}

PG_FUNCTION_INFO_V1(journey_first_at);
Datum
journey_first_at(PG_FUNCTION_ARGS)
{
	JourneyReader r;

	journey_reader_init(&r, PG_GETARG_JOURNEY_P(0), JOURNEY_FROM_STATE);
	if (r.nevents == 0)
		PG_RETURN_NULL();
	PG_RETURN_TIMESTAMPTZ(r.prev_ts);
}

PG_FUNCTION_INFO_V1(journey_last_at);
Datum
journey_last_at(PG_FUNCTION_ARGS)
{
	JourneyReader r;
	JourneyEvent ev;
	int64		last = 0;

	journey_reader_init(&r, PG_GETARG_JOURNEY_P(0), JOURNEY_FROM_STATE);
	if (r.nevents == 0)
		PG_RETURN_NULL();
	ev.label = 0;
	while (journey_reader_next(&r, &ev))
		last = ev.ts;
	PG_RETURN_TIMESTAMPTZ(last);
}

PG_FUNCTION_INFO_V1(journey_labels);
Datum
journey_labels(PG_FUNCTION_ARGS)
{
	JourneyReader r;
	Datum	   *elems;
	int			i;

	journey_reader_init(&r, PG_GETARG_JOURNEY_P(0), JOURNEY_FROM_STATE);
	elems = (Datum *) palloc(sizeof(Datum) * Max(r.nlabels, 1));
	for (i = 0; i < r.nlabels; i++)
		elems[i] = PointerGetDatum(cstring_to_text_with_len(r.labels[i].data, r.labels[i].len));
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, r.nlabels, TEXTOID, -1, false, TYPALIGN_INT));
}

/*
 * Per-label readers: what = 0 count, 1 first ts, 2 last ts, 3 total amount.
 * A label the journey does not have gives 0 events, NULL timestamps and a
 * NULL total; a label whose events have no amount gives a NULL total.
 */
static Datum
journey_label_stat(FunctionCallInfo fcinfo, int what)
{
	JourneyReader r;
	JourneyEvent ev;
	text	   *label = PG_GETARG_TEXT_PP(1);
	int			k;
	int64		count = 0;
	int64		first = 0;
	int64		last = 0;
	int64		sum = 0;
	bool		any_amount = false;
	Numeric		bigsum = NULL;

	journey_reader_init(&r, PG_GETARG_JOURNEY_P(0), JOURNEY_FROM_STATE);
	k = journey_label_index(&r, VARDATA_ANY(label), (int) VARSIZE_ANY_EXHDR(label));
	if (k < 0)
	{
		if (what == 0)
			PG_RETURN_INT64(0);
		PG_RETURN_NULL();
	}
	ev.label = 0;
	while (journey_reader_next(&r, &ev))
	{
		if (ev.label != k)
			continue;
		if (count == 0)
			first = ev.ts;
		last = ev.ts;
		count++;
		if (what == 3 && ev.amount_kind != JOURNEY_AMOUNT_NONE)
		{
			any_amount = true;
			if (ev.amount_kind == JOURNEY_AMOUNT_SCALED && bigsum == NULL)
			{
				int64		s;

				if (!pg_add_s64_overflow(sum, ev.mantissa, &s))
				{
					sum = s;
					continue;
				}
			}
			if (bigsum == NULL)
				bigsum = numeric_from_scaled(sum, r.scale);
			bigsum = DatumGetNumeric(DirectFunctionCall2(numeric_add, NumericGetDatum(bigsum),
														 NumericGetDatum(journey_amount_numeric(&ev, r.scale))));
		}
	}
	switch (what)
	{
		case 0:
			PG_RETURN_INT64(count);
		case 1:
			PG_RETURN_TIMESTAMPTZ(first);
		case 2:
			PG_RETURN_TIMESTAMPTZ(last);
		default:
			if (!any_amount)
				PG_RETURN_NULL();
			if (bigsum != NULL)
				PG_RETURN_NUMERIC(bigsum);
			PG_RETURN_NUMERIC(numeric_from_scaled(sum, r.scale));
	}
}

PG_FUNCTION_INFO_V1(journey_label_num_events);
Datum
journey_label_num_events(PG_FUNCTION_ARGS)
{
	return journey_label_stat(fcinfo, 0);
}

PG_FUNCTION_INFO_V1(journey_label_first_at);
Datum
journey_label_first_at(PG_FUNCTION_ARGS)
{
	return journey_label_stat(fcinfo, 1);
}

PG_FUNCTION_INFO_V1(journey_label_last_at);
Datum
journey_label_last_at(PG_FUNCTION_ARGS)
{
	return journey_label_stat(fcinfo, 2);
}

PG_FUNCTION_INFO_V1(journey_label_total_amount);
Datum
journey_label_total_amount(PG_FUNCTION_ARGS)
{
	return journey_label_stat(fcinfo, 3);
}

/* journey_events(j): the events in order, as (ts, label, amount) rows. */
PG_FUNCTION_INFO_V1(journey_events);
Datum
journey_events(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	JourneyReader r;
	JourneyEvent ev;
	text	  **labels;
	int			i;

	journey_init_srf(fcinfo);
	journey_reader_init(&r, PG_GETARG_JOURNEY_P(0), JOURNEY_FROM_STATE);
	labels = (text **) palloc(sizeof(text *) * Max(r.nlabels, 1));
	for (i = 0; i < r.nlabels; i++)
		labels[i] = cstring_to_text_with_len(r.labels[i].data, r.labels[i].len);
	ev.label = 0;
	while (journey_reader_next(&r, &ev))
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		values[0] = TimestampTzGetDatum(ev.ts);
		values[1] = PointerGetDatum(labels[ev.label]);
		if (ev.amount_kind == JOURNEY_AMOUNT_NONE)
		{
			values[2] = (Datum) 0;
			nulls[2] = true;
		}
		else
			values[2] = NumericGetDatum(journey_amount_numeric(&ev, r.scale));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		if ((r.nread & 0xffff) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	return (Datum) 0;
}
