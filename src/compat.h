/*
 * compat.h — the differences between the PostgreSQL majors journey builds
 * against (13 to 17), in one place.  Every other file includes journey.h,
 * which includes this; no other file tests PG_VERSION_NUM for these.
 */
#ifndef JOURNEY_COMPAT_H
#define JOURNEY_COMPAT_H

#include "postgres.h"

#include <limits.h>

#include "utils/memutils.h"		/* MaxAllocSize */

/* add_size and mul_size: utils/palloc.h before 17, storage/shmem.h since */
#include "storage/shmem.h"

/* strtoi64 is a macro from 14 on; before, long is 64 bits on LP64 */
#if PG_VERSION_NUM < 140000
#include <stdlib.h>
#ifndef strtoi64
#define strtoi64(str, endptr, base) ((int64) strtoll((str), (endptr), (base)))
#endif
#endif

#endif							/* JOURNEY_COMPAT_H */
